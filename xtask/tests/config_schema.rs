//! The JSON Schema of `xtask.toml` (docs/reference/xtask-toml.schema.json), generated from the
//! config types: the committed file is fresh (`config-schema --check`), it accepts this
//! repository's own xtask.toml, every example of the reference and what `qa init` writes, and
//! refuses an unknown key at every level, as the loader does; checked with the reference
//! validator (`testkit::json_schema`, Python `jsonschema`) and with taplo itself (npm `@taplo/cli`, pinned), the validator behind Even Better
//! TOML, configured as docs/reference/xtask-toml.md tells.

use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::{GitRepo, NodeTool};

/// `@taplo/cli`, whose `taplo lint` is what Even Better TOML runs in the editor.
const TAPLO: &str = "0.7.0";

fn schema_path() -> PathBuf {
    testkit::workspace_root().join("docs/reference/xtask-toml.schema.json")
}

fn schema() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap()
}

/// The schema's complaints about the TOML `text`.
fn errors(schema: &serde_json::Value, text: &str) -> Vec<String> {
    let value: toml::Value = toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let json = serde_json::to_value(value).unwrap();
    testkit::json_schema::validate(schema, &json)
        .err()
        .unwrap_or_default()
}

/// The ```toml blocks of a Markdown file that are whole files (no `...` elision).
fn toml_blocks(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_start() == "```toml" => current = Some(String::new()),
            Some(block) if line.trim_start() == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn the_committed_schema_is_fresh() {
    let root = testkit::workspace_root();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["config-schema", "--check", "--root"])
        .arg(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\ndocs/reference/xtask-toml.schema.json is stale: run `cargo xtask config-schema` and \
         commit it",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_schema_takes_real_files_and_refuses_unknown_keys() {
    let v = schema();
    let root = testkit::workspace_root();
    let own = std::fs::read_to_string(root.join("xtask.toml")).unwrap();
    assert_eq!(errors(&v, &own), Vec::<String>::new(), "xtask.toml");
    for (i, block) in toml_blocks(&root.join("docs/reference/xtask-toml.md"))
        .iter()
        .enumerate()
    {
        assert_eq!(
            errors(&v, block),
            Vec::<String>::new(),
            "docs/reference/xtask-toml.md, toml block {}:\n{block}",
            i + 1
        );
    }
    // What `qa init` writes for a Cargo workspace.
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .write("src/lib.rs", "")
    .commit("init");
    let init = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["qa", "init", "--root"])
        .arg(repo.root())
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    assert_eq!(errors(&v, &repo.read("xtask.toml")), Vec::<String>::new());

    for bad in [
        "colour = true\n",
        "[qa]\njobs = 0\n",
        "[qa]\nparallel = 2\n",
        "[gates.a]\nrun = ['true']\nneedz = ['b']\n",
        "[gates.a]\nshell = true\n",
        "[gates.a]\nrun = ['true']\nbaseline = { count = 'x', bogus = 1 }\n",
        "[gates.a]\nrun = ['true']\nbaseline = { diagnostics = 'pylint' }\n",
        "[format]\nmax_filez = 3\n",
        "[[format.formatter]]\nname = 'x'\nkind = 'black'\n",
        "[sbom]\nformat = 'swid'\n",
        "[sbom]\nnpm = 3\n",
    ] {
        assert!(!errors(&v, bad).is_empty(), "accepted:\n{bad}");
    }
}

#[test]
fn taplo_checks_xtask_toml_against_the_schema_as_the_docs_configure_it() {
    let taplo = NodeTool::get("@taplo/cli", TAPLO).bin("taplo");
    let repo = GitRepo::new();
    std::fs::create_dir_all(repo.path("docs/reference")).unwrap();
    std::fs::copy(
        schema_path(),
        repo.path("docs/reference/xtask-toml.schema.json"),
    )
    .unwrap();
    // The `.taplo.toml` of docs/reference/xtask-toml.md, "Editor completion".
    repo.write(
        ".taplo.toml",
        "[[rule]]\ninclude = [\"xtask.toml\"]\n\n[rule.schema]\npath = \"./docs/reference/xtask-toml.schema.json\"\n",
    );
    let lint = || {
        Command::new(&taplo)
            .args(["lint", "--colors", "never"])
            .current_dir(repo.root())
            .output()
            .expect("run taplo")
    };
    repo.write(
        "xtask.toml",
        "[gates.fmt]\nrun = ['cargo', 'fmt', '--check']\nowner = 'QA'\n",
    );
    let good = lint();
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    repo.write(
        "xtask.toml",
        "[gates.fmt]\nrun = ['cargo', 'fmt', '--check']\nownr = 'QA'\n",
    );
    let bad = lint();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success(), "{stderr}");
    assert!(stderr.contains("'ownr' was unexpected"), "{stderr}");
}

#[test]
fn the_schema_is_written_in_this_workspace_only() {
    let other = GitRepo::new();
    other.write("README", "x\n").commit("init");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["config-schema", "--root"])
        .arg(other.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("of the workspace this binary was built from")
    );
    assert!(!other.path("docs").exists());
}
