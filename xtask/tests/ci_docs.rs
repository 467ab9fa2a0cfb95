//! The CI recipes in the docs work as written: every YAML example parses, every
//! `cargo xtask` command in a `run:` or `script:` step is accepted by the real command line,
//! every GitHub `${{ }}` expression uses GitHub's functions and contexts only, and the step that
//! sizes the shard matrix prints what the matrix reads.

use std::path::PathBuf;
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

use crate::actions_support;

/// Every string under a `run` or `script` key, anywhere in the document.
fn commands(yaml: &Yaml, under_command: bool, out: &mut Vec<String>) {
    match yaml {
        Yaml::Hash(map) => {
            for (key, value) in map {
                let is_command = matches!(key.as_str(), Some("run" | "script"));
                commands(value, is_command, out);
            }
        }
        Yaml::Array(items) => items.iter().for_each(|i| commands(i, under_command, out)),
        Yaml::String(s) if under_command => out.push(s.clone()),
        _ => {}
    }
}

/// The arguments after `cargo xtask` (or the installed `xtask`), with CI expressions (`${{ ... }}`, `$VAR`) replaced by a
/// sample value.
fn xtask_args(command: &str) -> Option<Vec<String>> {
    let rest = match command.split_once("cargo xtask ") {
        Some((_, rest)) => rest,
        None => command.trim_start().strip_prefix("xtask ")?,
    };
    let mut text = rest.lines().next().unwrap_or("").to_string();
    while let Some(start) = text.find("${{") {
        let end = text[start..]
            .find("}}")
            .map_or(text.len(), |e| start + e + 2);
        text.replace_range(start..end, "1");
    }
    // One shell command: up to the end of its line or a shell operator.
    let end = [" > ", " >> ", " | ", " && ", " || ", ";"]
        .iter()
        .filter_map(|op| text.find(op))
        .min()
        .unwrap_or(text.len());
    text.truncate(end);
    let words = text
        .split_whitespace()
        .map(|w| {
            let mut out = String::new();
            let mut chars = w.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' {
                    while chars
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                    {
                        chars.next();
                    }
                    out.push('1');
                } else {
                    out.push(c);
                }
            }
            out
        })
        .collect();
    Some(words)
}

#[test]
fn ci_examples_parse_and_name_real_commands() {
    let root = testkit::workspace_root();
    let mut docs: Vec<PathBuf> = vec![root.join("docs/ci.md")];
    for entry in std::fs::read_dir(root.join("docs/guides"))
        .unwrap()
        .flatten()
    {
        docs.push(entry.path());
    }
    let mut checked = 0;
    let mut checked_expressions = 0;
    let mut failures = Vec::new();
    for doc in docs {
        for (line, block) in actions_support::yaml_blocks(&doc) {
            let where_ = format!("{}:{line}", doc.strip_prefix(root).unwrap().display());
            let parsed = match YamlLoader::load_from_str(&block) {
                Ok(docs) => docs,
                Err(e) => {
                    failures.push(format!("{where_}: not YAML: {e}"));
                    continue;
                }
            };
            if !block.contains("stages:") {
                // GitHub workflows (GitLab's `.gitlab-ci.yml` has no `${{ }}`).
                for d in &parsed {
                    checked_expressions += 1;
                    failures.extend(actions_support::check_document(d, &where_));
                }
            }
            let mut found = Vec::new();
            parsed.iter().for_each(|d| commands(d, false, &mut found));
            for args in found.iter().filter_map(|c| xtask_args(c)) {
                checked += 1;
                let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
                    .args(&args)
                    .arg("--help")
                    .output()
                    .unwrap();
                if !out.status.success() {
                    failures.push(format!(
                        "{where_}: `cargo xtask {}` is rejected: {}",
                        args.join(" "),
                        String::from_utf8_lossy(&out.stderr)
                            .lines()
                            .next()
                            .unwrap_or("")
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked >= 6,
        "only {checked} commands found in the CI examples"
    );
    assert!(
        checked_expressions >= 6,
        "only {checked_expressions} workflows checked"
    );
}

#[test]
fn expressions_outside_github_s_language_are_caught() {
    let bad = [
        ("fromJSON(needs.plan.outputs.gates).length", "ok"),
        (
            "length(fromJSON(needs.plan.outputs.gates))",
            "`length` is not",
        ),
        ("fromJson(x)", "`x` is not a GitHub context"),
        (
            "contains(github.event.labels.*.name, 'qa') && matrix.shard",
            "ok",
        ),
        ("steps.qa.outputs.failed || '[]'", "ok"),
        (
            "format('--changed-since origin/{0}', github.base_ref)",
            "ok",
        ),
        ("shard.count", "`shard` is not a GitHub context"),
        ("'it''s' == env.X", "ok"),
        ("toJSON(matrix", "unbalanced"),
        ("success() && inputs.wheel == ''", "ok"),
        ("github.", "a property name is missing"),
    ];
    for (expr, expected) in bad {
        let problems = actions_support::check_expression(expr).join("\n");
        if expected == "ok" {
            assert!(problems.is_empty(), "{expr}: {problems}");
        } else {
            assert!(problems.contains(expected), "{expr}: {problems:?}");
        }
    }
    // `fromJson` is not `fromJSON`: GitHub's names are case-insensitive, but this recipe
    // book spells them as documented.
    assert!(!actions_support::check_expression("fromJson(github.x)").is_empty());
    let doc = YamlLoader::load_from_str(
        "jobs:\n  a:\n    needs: plan\n    strategy:\n      matrix:\n        shard: ${{ fromJSON(needs.plan.outputs.shards) }}\n    steps:\n      - if: steps.qa.outputs.outcome == 'fail'\n        run: echo ${{ needs.other.outputs.x }}\n",
    )
    .unwrap();
    let problems = actions_support::check_document(&doc[0], "t").join("\n");
    assert!(problems.contains("no step has `id: qa`"), "{problems}");
    assert!(
        problems.contains("`other` is not in this job's `needs`"),
        "{problems}"
    );
    assert!(!problems.contains("`plan`"), "{problems}");
}

/// The `shards` step of the matrix recipe, run on this repository: its outputs are what
/// `fromJSON` and `--shard K/N` read.
#[test]
fn the_matrix_recipe_prints_the_shard_list() {
    let root = testkit::workspace_root();
    let mut script = None;
    for (_, block) in actions_support::yaml_blocks(&root.join("docs/ci.md")) {
        let doc = YamlLoader::load_from_str(&block).unwrap().remove(0);
        for step in doc["jobs"]["plan"]["steps"].as_vec().into_iter().flatten() {
            if step["id"].as_str() == Some("shards") {
                script = step["run"].as_str().map(str::to_string);
            }
        }
    }
    let script = script.expect("docs/ci.md has a `plan` job with a `shards` step");
    for (gates, count, shards) in [(6, "4", "[1,2,3,4]"), (2, "2", "[1,2]")] {
        let repo = testkit::GitRepo::new();
        let toml: String = (0..gates)
            .map(|i| format!("[gates.g{i}]\nrun = [\"true\"]\n"))
            .collect();
        // The repository's own `cargo xtask` alias, as in any cargo-xtask repository.
        let alias = format!(
            "[alias]\nxtask = \"run --quiet --manifest-path {} --package xtask --\"\n",
            root.join("Cargo.toml").display()
        );
        repo.write("xtask.toml", toml)
            .write(".cargo/config.toml", alias)
            .commit("gates");
        let output = repo.path("github_output");
        let out = Command::new("bash")
            .args(["-e", "-c", &script])
            .current_dir(repo.root())
            .env("GITHUB_OUTPUT", &output)
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the shards step failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let written = std::fs::read_to_string(&output).unwrap();
        assert_eq!(written, format!("count={count}\nshards={shards}\n"));
    }
}
