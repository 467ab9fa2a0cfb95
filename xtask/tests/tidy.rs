//! The repository's own rules, checked by plain `cargo test`; every violation is reported at
//! once. Each Rust file opens with a `//!` line saying what it is for; no `#[ignore]` without a
//! reason; the docs name only commands and flags that exist (checked against the generated
//! `docs/reference/cli.md`); the architecture's code map names exactly the crates that exist;
//! the manifests declare only dependencies that are used ([`deps`]); the docs' JSON examples
//! follow their schema ([`doc_json`]); every file of `xtask/tests/` is part of the suite.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

#[path = "tidy/deps.rs"]
mod deps;
#[path = "tidy/doc_json.rs"]
mod doc_json;

fn root() -> &'static Path {
    testkit::workspace_root()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn check(violations: Vec<String>) {
    assert!(
        violations.is_empty(),
        "{} violation(s):\n{}",
        violations.len(),
        violations.join("\n")
    );
}

#[test]
fn every_rust_file_says_what_it_is_for_and_ignores_have_reasons() {
    let mut rs = Vec::new();
    files(&root().join("crates"), "rs", &mut rs);
    files(&root().join("xtask"), "rs", &mut rs);
    assert!(rs.len() > 5, "found only {} Rust files", rs.len());
    let mut violations = Vec::new();
    for path in rs {
        let text = fs::read_to_string(&path).unwrap();
        if !text.starts_with("//!") {
            violations.push(format!(
                "{}: the first line is not a `//!` doc comment",
                rel(&path)
            ));
        }
        for (n, line) in text.lines().enumerate() {
            if line.trim() == "#[ignore]" {
                violations.push(format!(
                    "{}:{}: `#[ignore]` without a reason",
                    rel(&path),
                    n + 1
                ));
            }
        }
    }
    check(violations);
}

/// Command path ("cargo xtask qa") to the flags its help lists, from the generated reference.
fn cli_flags() -> BTreeMap<String, BTreeSet<String>> {
    let text = fs::read_to_string(root().join("docs/reference/cli.md")).unwrap();
    let mut commands = BTreeMap::new();
    for section in text.split("\n## `").skip(1) {
        let (name, help) = section.split_once("`\n").unwrap();
        commands.insert(name.to_string(), flags_in(help));
    }
    commands
}

fn flags_in(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--") && w.len() > 2 && w.as_bytes()[2].is_ascii_lowercase())
        .map(str::to_string)
        .collect()
}

#[test]
fn docs_name_only_commands_and_flags_that_exist() {
    let commands = cli_flags();
    let global = commands["cargo xtask"].clone();
    let mut docs = vec![root().join("README.md")];
    files(&root().join("docs"), "md", &mut docs);
    let mut violations = Vec::new();
    for path in docs {
        if path.ends_with("docs/reference/cli.md") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            for invocation in invocations(line) {
                if let Err(e) = check_invocation(&invocation, &commands, &global) {
                    violations.push(format!("{}:{}: {e}", rel(&path), n + 1));
                }
            }
        }
    }
    check(violations);
}

/// The words after each `cargo xtask` (or a leading `xtask`) on a line, up to the end of the
/// command (a backtick, a pipe, `&&`, `;`, `#` or `)`).
fn invocations(line: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = line;
    loop {
        let at = match (
            rest.find("cargo xtask "),
            rest.trim_start()
                .strip_prefix("xtask ")
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_lowercase())),
        ) {
            (Some(i), _) => i + "cargo xtask ".len(),
            (None, true) => rest.len() - rest.trim_start().len() + "xtask ".len(),
            (None, false) => break,
        };
        rest = &rest[at..];
        let end = rest
            .find(['`', '|', ';', '#', ')', '"'])
            .unwrap_or(rest.len());
        let end = rest[..end].find("&&").unwrap_or(end);
        found.push(rest[..end].split_whitespace().map(str::to_string).collect());
        rest = &rest[end..];
    }
    found
}

fn check_invocation(
    words: &[String],
    commands: &BTreeMap<String, BTreeSet<String>>,
    global: &BTreeSet<String>,
) -> Result<(), String> {
    let mut path = "cargo xtask".to_string();
    let mut flags_seen = false;
    for word in words {
        if word.starts_with("--") {
            flags_seen = true;
            let flag = word.split('=').next().unwrap();
            if flag.len() > 2 && !commands[&path].contains(flag) && !global.contains(flag) {
                return Err(format!("`{path}` has no flag `{flag}`"));
            }
        } else if !flags_seen {
            let deeper = format!("{path} {word}");
            if commands.contains_key(&deeper) {
                path = deeper;
            } else if path == "cargo xtask" && !is_placeholder(word) {
                return Err(format!("`cargo xtask` has no command `{word}`"));
            }
        }
    }
    Ok(())
}

fn is_placeholder(word: &str) -> bool {
    word.contains(['<', '[', '.', '{']) || word.chars().any(|c| c.is_ascii_uppercase())
}

#[test]
fn the_code_map_names_exactly_the_crates_that_exist() {
    let text = fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let mapped: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("### `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    let mut existing: BTreeSet<String> = fs::read_dir(root().join("crates"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| format!("crates/{}", e.file_name().to_string_lossy()))
        .collect();
    existing.insert("xtask".to_string());
    let mut violations: Vec<String> = Vec::new();
    for missing in existing.difference(&mapped) {
        violations.push(format!(
            "docs/architecture.md: no `### \\`{missing}\\`` heading in the code map"
        ));
    }
    for stale in mapped.difference(&existing) {
        violations.push(format!(
            "docs/architecture.md: the code map names `{stale}`, which does not exist"
        ));
    }
    check(violations);
}

#[test]
fn invocation_parsing() {
    assert_eq!(
        invocations("run `cargo xtask qa --jobs 2 fmt` then `cargo xtask format plan`"),
        vec![vec!["qa", "--jobs", "2", "fmt"], vec!["format", "plan"]]
    );
    assert_eq!(
        invocations("xtask qa --root ../app && echo"),
        vec![vec!["qa", "--root", "../app"]]
    );
}

/// The end-to-end tests are two binaries (`tests/main.rs`, and `tests/rebuilds.rs` for the tests
/// that build the binary again; `autotests = false`): a file of `xtask/tests/` that neither
/// names as a module would never be compiled or run, and a test file both name would run twice.
#[test]
fn every_test_file_is_a_module_of_the_suite() {
    let dir = root().join("xtask/tests");
    let modules = |file: &str| -> BTreeSet<String> {
        fs::read_to_string(dir.join(file))
            .unwrap_or_else(|e| panic!("xtask/tests/{file}: {e}"))
            .lines()
            .filter_map(|l| Some(l.strip_prefix("mod ")?.strip_suffix(';')?.to_string()))
            .collect()
    };
    let (main, rebuilds) = (modules("main.rs"), modules("rebuilds.rs"));
    let declared: BTreeSet<&str> = main.iter().chain(&rebuilds).map(String::as_str).collect();
    let mut violations = Vec::new();
    for entry in fs::read_dir(&dir).expect("xtask/tests").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let module = match name.strip_suffix(".rs") {
            Some("main" | "rebuilds") => continue,
            Some(module) => module.to_string(),
            // A folder is a module's parts (`tidy/`) or a support module (`qa_support/mod.rs`).
            None if entry.path().join("mod.rs").is_file() => name.clone(),
            None => continue,
        };
        if !declared.contains(module.as_str()) {
            violations.push(format!(
                "xtask/tests/{name}: not a module of xtask/tests/main.rs, so it never runs: add `mod {module};`"
            ));
        } else if name.ends_with(".rs") && main.contains(&module) && rebuilds.contains(&module) {
            violations.push(format!(
                "xtask/tests/{name}: a module of both main.rs and rebuilds.rs, so its tests run twice"
            ));
        }
    }
    check(violations);
}
