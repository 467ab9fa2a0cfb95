//! The command line's self-description: shell completions, man pages and the generated
//! `docs/reference/cli.md`, which must match the clap definitions.

use std::path::Path;
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("run xtask")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_committed_cli_reference_is_fresh() {
    let root = testkit::workspace_root().to_str().unwrap();
    let out = xtask(&["cli-reference", "--check", "--root", root]);
    assert!(
        out.status.success(),
        "{}\ndocs/reference/cli.md is stale: run `cargo xtask cli-reference` and commit it",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_check_fails_when_a_flag_changed_without_regenerating() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    assert!(xtask(&["cli-reference", "--root", root]).status.success());
    let path = dir.path().join("docs/reference/cli.md");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("--root <DIR>"), "{text}");
    assert!(
        xtask(&["cli-reference", "--check", "--root", root])
            .status
            .success()
    );
    std::fs::write(&path, text.replace("--root <DIR>", "--old-root <DIR>")).unwrap();
    let out = xtask(&["cli-reference", "--check", "--root", root]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Run `cargo xtask cli-reference`"));
}

#[test]
fn every_command_help_shows_an_example() {
    let text =
        std::fs::read_to_string(testkit::workspace_root().join("docs/reference/cli.md")).unwrap();
    let missing: Vec<&str> = text
        .split("\n## `")
        .skip(1)
        .filter(|section| !section.contains("Example"))
        .map(|section| section.split('`').next().unwrap())
        .collect();
    assert!(
        missing.is_empty(),
        "these commands' --help shows no example: {missing:?}"
    );
}

#[test]
fn completions_generate_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef xtask"),
        ("fish", "complete -c xtask"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = xtask(&["completions", shell]);
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let script = stdout(&out);
        assert!(
            script.contains(marker),
            "{shell} completions lack {marker:?}"
        );
        for command in ["qa", "format", "sbom"] {
            assert!(
                script.contains(command),
                "{shell} completions lack `{command}`"
            );
        }
    }
    assert_eq!(xtask(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_writes_a_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = xtask(&["man", "--out", dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for page in ["xtask.1", "xtask-qa.1", "xtask-format.1", "xtask-sbom.1"] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap_or_default();
        assert!(
            text.starts_with(".ie") || text.contains(".TH"),
            "{page} is not a man page"
        );
    }
    assert!(
        !Path::new(&dir.path().join("xtask-cli-reference.1")).exists(),
        "hidden command got a page"
    );
}
