//! The CI recipes in the docs work as written: every YAML example parses, and every
//! `cargo xtask` command in a `run:` or `script:` step is accepted by the real command line.

use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

fn yaml_blocks(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == "```yaml" => current = Some((n + 2, String::new())),
            Some(_) if line.trim_start() == "```" => blocks.extend(current.take()),
            Some((_, block)) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

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
    let mut text = rest.to_string();
    while let Some(start) = text.find("${{") {
        let end = text[start..]
            .find("}}")
            .map_or(text.len(), |e| start + e + 2);
        text.replace_range(start..end, "1");
    }
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
    let mut failures = Vec::new();
    for doc in docs {
        for (line, block) in yaml_blocks(&doc) {
            let where_ = format!("{}:{line}", doc.strip_prefix(root).unwrap().display());
            let parsed = match YamlLoader::load_from_str(&block) {
                Ok(docs) => docs,
                Err(e) => {
                    failures.push(format!("{where_}: not YAML: {e}"));
                    continue;
                }
            };
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
}

#[test]
fn a_wrong_flag_is_caught() {
    let args = xtask_args("cargo xtask qa --shard ${{ matrix.shard }}/3 --jsn x").unwrap();
    assert_eq!(args, ["qa", "--shard", "1/3", "--jsn", "x"]);
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(&args)
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
