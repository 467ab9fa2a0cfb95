//! What a run shows while it runs, end to end: on a TTY (a pseudo-terminal from util-linux
//! `script`) a progress line with the gates done of the total, how many run and the time so
//! far; with `-v`, each line a running gate prints, prefixed with its name, before its end
//! line (without the tool's escapes off a TTY), on a TTY or not.

use crate::qa_support;

use qa_support::*;

const CONFIG: &str = "\
[gates.a]
run = ['sh', 'a.sh']

[gates.b]
run = ['sh', '-c', 'echo bee; sleep 0.6']
";
const A: &str = r"echo one
sleep 0.3
printf '\033[32mtwo\033[0m\n'
printf 'no newline at the end'
";

fn two_gates() -> GitRepo {
    let repo = repo_with(CONFIG);
    repo.write("a.sh", A).commit("a");
    repo
}

#[test]
fn verbose_streams_each_gates_lines_with_its_name() {
    let repo = two_gates();
    let run = xtask(&repo, &["qa", "-v"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let at = |text: &str| {
        run.stderr
            .find(text)
            .unwrap_or_else(|| panic!("no {text:?} in {}", run.stderr))
    };
    assert!(at("a | one\n") < at("a | two\n"));
    assert!(at("a | two\n") < at("a | no newline at the end\n"));
    assert!(at("a | no newline at the end\n") < at("[pass] a "));
    assert!(at("b | bee\n") < at("[pass] b "));
    assert!(!run.stderr.contains('\x1b'), "{}", run.stderr);
    // The log keeps everything, colours included.
    assert!(repo.read("target/xtask/qa/a.log").contains("\x1b[32mtwo"));

    let quiet = xtask(&repo, &["qa", "--no-cache"]);
    assert!(!quiet.stderr.contains("a | one"), "{}", quiet.stderr);
}

#[test]
fn a_tty_shows_progress_and_streams_under_verbose() {
    let repo = two_gates();
    let screen = on_a_tty(&repo, &["qa", "-v"], true);
    for text in [
        "qa: 0/2 gates done",
        "2 running",
        "qa: 1/2 gates done, 1 running",
        "a | one",
        "a | two",
        "b | bee",
        "qa: pass in ",
    ] {
        assert!(screen.contains(text), "no {text:?} in {screen:?}");
    }
}
