//! The command line's self-description: shell completions, man pages and the generated
//! `docs/reference/cli.md`, which must match the clap definitions. The generated files
//! (`cli-reference`, `qa schema`) belong to this workspace: another repository is refused.

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
fn generated_files_are_written_in_this_workspace_only() {
    let other = testkit::GitRepo::new();
    other.write("docs/reference/cli.md", "their own CLI notes\n");
    other.commit("init");
    let root = other.root().to_str().unwrap();
    for args in [
        &["cli-reference", "--root", root][..],
        &["cli-reference", "--check", "--root", root],
        &["qa", "schema", "--root", root],
        &["qa", "schema", "--check", "--root", root],
        &["cli-reference"],
        &["qa", "schema"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .current_dir(other.path("docs"))
            .output()
            .expect("run xtask");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("of the workspace this binary was built from")
                && stderr.contains(&*other.root().canonicalize().unwrap().to_string_lossy()),
            "{args:?}: {stderr}"
        );
        assert_eq!(other.read("docs/reference/cli.md"), "their own CLI notes\n");
        assert!(!other.path("docs/reference/qa-report.schema.json").exists());
        assert_eq!(other.git(&["status", "--porcelain"]), "", "{args:?}");
    }
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
