//! The tools' own ANSI escapes in a failing gate's last lines, end to end: stripped from the
//! terminal when stderr is not a TTY or `NO_COLOR` is set, and from the JSON report always; kept
//! on a colour TTY (run under a pseudo-terminal with util-linux `script`); the log on disk stays
//! whole.

use crate::qa_support;

use qa_support::*;

/// A gate that prints red text, a hyperlink and a line clear, then fails.
const CONFIG: &str = "[gates.paint]\nrun = ['sh', 'paint.sh']\n";
const PAINT: &str = r"printf '\033[1;31mboom\033[0m at \033]8;;https://example.com\033\\here\033]8;;\033\\\n\033[2Kdone\n'
exit 1
";

fn painting_repo() -> GitRepo {
    let repo = repo_with(CONFIG);
    repo.write("paint.sh", PAINT).commit("paint");
    repo
}

#[test]
fn tails_lose_the_tools_escapes_off_a_tty_and_in_json() {
    let repo = painting_repo();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    // Not a TTY (piped), with NO_COLOR unset.
    let mut cmd = command(&repo, &["qa", "--json", json.to_str().unwrap()]);
    cmd.env_remove("NO_COLOR");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("    boom at here\n    done\n"),
        "{stderr:?}"
    );
    assert!(!stderr.contains('\x1b'), "{stderr:?}");
    let report = json_report(&json);
    assert_eq!(gate(&report, "paint")["log_tail"], "boom at here\ndone");
    let log = std::fs::read_to_string(repo.path("target/xtask/qa/paint.log")).unwrap();
    assert!(log.contains("\x1b[1;31mboom\x1b[0m"), "{log:?}");
}

#[test]
fn a_colour_tty_keeps_them_and_no_color_strips_them() {
    let repo = painting_repo();
    let coloured = on_a_tty(&repo, &["qa"], false);
    assert!(coloured.contains("\x1b[1;31mboom\x1b[0m"), "{coloured:?}");
    let plain = on_a_tty(&repo, &["qa"], true);
    assert!(plain.contains("boom at here"), "{plain:?}");
    assert!(
        !plain.contains("\x1b[1;31m") && !plain.contains("example.com"),
        "{plain:?}"
    );
}
