//! Dynamic shell completions (`COMPLETE=bash xtask`): real bash sources the registration script
//! the binary prints and calls its completion function as readline would; the candidates for
//! `qa GATE...` are the gates of the repository in the current directory (its xtask.toml, or
//! the detected gates), and a broken xtask.toml yields no gate and no noise.

use std::path::Path;
use std::process::Command;

use crate::qa_support::{self, GitRepo};

/// What bash's completion offers for the command line `words` (the last one being completed),
/// typed in `dir`: the registration script from `COMPLETE=bash xtask`, then its function.
fn complete_in_bash(dir: &Path, words: &[&str]) -> (Vec<String>, String) {
    let quoted: Vec<String> = words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect();
    let script = format!(
        r#"set -e
source <(COMPLETE=bash "$XTASK")
complete -p xtask >/dev/null
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_TYPE=9
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
_clap_complete_xtask xtask "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        words = quoted.join(" "),
        cword = words.len() - 1
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir)
        .env("XTASK", env!("CARGO_BIN_EXE_xtask"))
        .env_remove("COMPLETE")
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "bash failed: {stderr}");
    let candidates = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    (candidates, stderr)
}

const CONFIG: &str = r#"
[gates.lint]
run = ["true"]
owner = "Engineering"

[gates.lint-strict]
run = ["true"]

[gates.tests]
run = ["true"]
needs = ["lint"]
"#;

#[test]
fn qa_completes_the_gates_of_the_repository_here() {
    let repo = qa_support::repo_with(CONFIG);
    let (got, stderr) = complete_in_bash(repo.root(), &["xtask", "qa", "li"]);
    assert_eq!(got, ["lint", "lint-strict"]);
    assert_eq!(stderr, "");

    // A subdirectory is in the same repository.
    repo.write("src/pkg/mod.py", "");
    let (got, _) = complete_in_bash(&repo.path("src/pkg"), &["xtask", "qa", "lint", "t"]);
    assert_eq!(got, ["tests"]);

    // Every gate, with the subcommands and flags, on an empty word.
    let (got, _) = complete_in_bash(repo.root(), &["xtask", "qa", ""]);
    for expected in ["lint", "lint-strict", "tests", "baseline", "--shard"] {
        assert!(
            got.iter().any(|g| g == expected),
            "{expected} not in {got:?}"
        );
    }

    // `qa baseline update GATE...` too.
    let (got, _) = complete_in_bash(repo.root(), &["xtask", "qa", "baseline", "update", "te"]);
    assert_eq!(got, ["tests"]);
}

#[test]
fn without_xtask_toml_the_detected_gates_are_offered() {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .write("src/lib.rs", "")
    .commit("a crate");
    let listed = qa_support::xtask(&repo, &["qa", "--list", "--json"]);
    let listed: serde_json::Value = serde_json::from_str(&listed.stdout).expect("gates as JSON");
    let expected: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_string())
        .collect();
    assert!(!expected.is_empty());
    let (got, stderr) = complete_in_bash(repo.root(), &["xtask", "qa", "--no-cache", ""]);
    let gates: Vec<String> = got.into_iter().filter(|c| !c.starts_with('-')).collect();
    let gates: Vec<String> = gates.into_iter().filter(|c| expected.contains(c)).collect();
    assert_eq!(gates, expected, "stderr: {stderr}");
}

#[test]
fn a_broken_xtask_toml_offers_no_gate_and_prints_nothing() {
    let repo = qa_support::repo_with("[gates.lint\nrun = 1\n");
    let (got, stderr) = complete_in_bash(repo.root(), &["xtask", "qa", "l"]);
    assert_eq!(got, Vec::<String>::new());
    assert_eq!(stderr, "");
    // Flags still complete.
    let (got, _) = complete_in_bash(repo.root(), &["xtask", "qa", "--no-c"]);
    assert_eq!(got, ["--no-cache"]);
}
