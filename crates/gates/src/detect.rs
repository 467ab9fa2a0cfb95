//! Gates detected when a repository has no `xtask.toml`: a Makefile's `qa` target gives one
//! gate per command it runs (see [`crate::makefile`]); otherwise a Cargo workspace gets fmt,
//! clippy, test and doc, and a Python project (pyproject.toml) gets whichever of ruff format,
//! ruff check, mypy and pytest it configures. Detection writes `xtask.toml` text, so what runs
//! without a file is exactly what `qa init` writes.

use repo::Repo;

use crate::error::QaError;
use crate::makefile::{self, ImportedGate};

/// The Makefile names make itself looks for, in its order.
const MAKEFILES: &[&str] = &["GNUmakefile", "makefile", "Makefile"];

/// The Makefile target detection imports when it exists.
pub(crate) const MAKE_TARGET: &str = "qa";

/// What detection found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// What kinds of project were recognised, e.g. `["a Cargo workspace"]`.
    pub kinds: Vec<String>,
    /// The detected gates' names, in order.
    pub gates: Vec<String>,
    /// The `xtask.toml` text holding them.
    pub toml: String,
}

/// Detects the gates of `repo` from its files: the Makefile's `qa` target when there is one,
/// else the project files. A `qa` target whose recipe only make can decide (a conditional,
/// `include`, `$(shell ...)`) is an error naming its line, not a silent fall back to other
/// gates.
pub(crate) fn detect(repo: &Repo) -> Result<Detected, QaError> {
    if let Some((name, text)) = read_makefile(repo)
        && makefile::targets(&text).iter().any(|t| t == MAKE_TARGET)
    {
        match from_makefile(name, &text, MAKE_TARGET) {
            Ok(detected) => return Ok(detected),
            Err(e @ QaError::NoGates(_)) if makefile_refused(&text) => return Err(e),
            Err(_) => {}
        }
    }
    Ok(detect_project(repo))
}

/// Whether importing the `qa` target failed on something only make can decide.
fn makefile_refused(text: &str) -> bool {
    matches!(
        makefile::import(text, MAKE_TARGET),
        Err(makefile::MakefileError::Unsupported { .. })
    )
}

/// The gates of one Makefile target of `repo` (`qa init --make-target NAME`).
pub(crate) fn detect_make_target(repo: &Repo, target: &str) -> Result<Detected, QaError> {
    let (name, text) = read_makefile(repo).ok_or_else(|| {
        QaError::NoGates(format!(
            "no Makefile in {} to read target `{target}` from",
            repo.root().display()
        ))
    })?;
    from_makefile(name, &text, target)
}

fn read_makefile(repo: &Repo) -> Option<(&'static str, String)> {
    MAKEFILES.iter().find_map(|name| {
        std::fs::read_to_string(repo.path(name))
            .ok()
            .map(|text| (*name, text))
    })
}

fn from_makefile(file: &str, text: &str, target: &str) -> Result<Detected, QaError> {
    let imported = makefile::import(text, target).map_err(|e| {
        QaError::NoGates(match e.line() {
            Some(line) => format!("{file}:{line}: {e}"),
            None => format!("{file}: {e}"),
        })
    })?;
    let mut toml = header();
    toml.push_str(&format!(
        "# Imported from the `{target}` target of {file}: one gate per command.\n"
    ));
    for note in &imported.left_out {
        toml.push_str(&format!("# Left out {note}.\n"));
    }
    let imported = imported.gates;
    for gate in &imported {
        toml.push('\n');
        toml.push_str(&imported_block(gate));
    }
    Ok(Detected {
        kinds: vec![format!("the `{target}` target of {file}")],
        gates: imported.iter().map(|g| g.name.clone()).collect(),
        toml,
    })
}

fn imported_block(gate: &ImportedGate) -> String {
    let quoted = |s: &str| toml::Value::String(s.to_string()).to_string();
    let bare = gate
        .name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let key = if bare {
        gate.name.clone()
    } else {
        quoted(&gate.name)
    };
    let mut block = format!("[gates.{key}]\nrun = {}\n", quoted(&gate.run));
    if gate.shell {
        block.push_str("shell = true\n");
    }
    if let Some(cwd) = &gate.cwd {
        block.push_str(&format!("cwd = {}\n", quoted(cwd)));
    }
    if !gate.env.is_empty() {
        let env: Vec<String> = gate
            .env
            .iter()
            .map(|(k, v)| format!("{k} = {}", quoted(v)))
            .collect();
        block.push_str(&format!("env = {{ {} }}\n", env.join(", ")));
    }
    if let Some(tool) = &gate.tool {
        block.push_str(&format!("tool = {}\n", quoted(tool)));
    }
    if let Some(module) = &gate.module {
        block.push_str(&format!("module = {}\n", quoted(module)));
    }
    if let Some(install) = gate
        .install
        .as_ref()
        .filter(|_| gate.tool.is_some() || gate.module.is_some())
    {
        block.push_str(&format!("install = {}\n", quoted(install)));
    }
    if !gate.needs.is_empty() {
        let needs: Vec<String> = gate.needs.iter().map(|n| quoted(n)).collect();
        block.push_str(&format!("needs = [{}]\n", needs.join(", ")));
    }
    if gate.allow_failure {
        block.push_str("allow_failure = true\n");
    }
    block
}

fn header() -> String {
    String::from(
        "# Quality gates for `cargo xtask qa`. Every key: `cargo xtask qa init --help`.\n\n[qa]\n\
         # jobs = 2  # default: the number of cores\n",
    )
}

fn detect_project(repo: &Repo) -> Detected {
    let mut kinds = Vec::new();
    let mut blocks: Vec<(String, String)> = Vec::new();
    if repo.is_cargo() {
        kinds.push("a Cargo workspace (Cargo.toml)".to_string());
        blocks.extend(cargo_gates());
    }
    let pyproject = std::fs::read_to_string(repo.path("pyproject.toml")).ok();
    if let Some(text) = &pyproject {
        let doc: toml::Table = toml::from_str(text).unwrap_or_default();
        let tool = doc.get("tool").and_then(toml::Value::as_table);
        let has = |name: &str| tool.is_some_and(|t| t.contains_key(name));
        let file = |name: &str| repo.path(name).is_file();
        let ruff = has("ruff") || file("ruff.toml") || file(".ruff.toml");
        let mypy_targets = mypy_config_targets(repo, &doc);
        let mypy = mypy_targets.is_some();
        let pytest = has("pytest") || file("pytest.ini") || file("conftest.py");
        let found: Vec<&str> = [("ruff", ruff), ("mypy", mypy), ("pytest", pytest)]
            .iter()
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect();
        kinds.push(if found.is_empty() {
            "a Python project (pyproject.toml) configuring none of ruff, mypy or pytest".to_string()
        } else {
            format!(
                "a Python project (pyproject.toml) configuring {}",
                found.join(", ")
            )
        });
        let prefix = if blocks.is_empty() { "" } else { "py-" };
        if ruff {
            blocks.push(python_gate(prefix, "format", "ruff format --check", "ruff"));
            blocks.push(python_gate(prefix, "lint", "ruff check", "ruff"));
        }
        if let Some(targets) = mypy_targets {
            // Plain `mypy` when its config names what to check: `mypy .` would override it.
            let run = if targets { "mypy" } else { "mypy ." };
            blocks.push(python_gate(prefix, "types", run, "mypy"));
        }
        if pytest {
            blocks.push(python_gate(prefix, "tests", "pytest", "pytest"));
        }
    }
    let mut toml = header();
    for (_, block) in &blocks {
        toml.push('\n');
        toml.push_str(block);
    }
    Detected {
        kinds,
        gates: blocks.into_iter().map(|(n, _)| n).collect(),
        toml,
    }
}

/// The mypy configuration mypy itself would read (the first of mypy.ini, .mypy.ini,
/// pyproject.toml's `[tool.mypy]`, setup.cfg's `[mypy]`): `None` when there is none, else
/// whether it names what to check (`files`, `modules` or `packages`), so that plain `mypy`
/// runs. Without those, mypy needs a target, and the gate checks `.`.
fn mypy_config_targets(repo: &Repo, pyproject: &toml::Table) -> Option<bool> {
    const KEYS: [&str; 3] = ["files", "modules", "packages"];
    for name in ["mypy.ini", ".mypy.ini"] {
        if let Ok(text) = std::fs::read_to_string(repo.path(name)) {
            return Some(ini_section_has(&text, "mypy", &KEYS));
        }
    }
    if let Some(mypy) = pyproject
        .get("tool")
        .and_then(|t| t.get("mypy"))
        .and_then(toml::Value::as_table)
    {
        return Some(KEYS.iter().any(|k| mypy.contains_key(*k)));
    }
    let setup = std::fs::read_to_string(repo.path("setup.cfg")).ok()?;
    ini_has_section(&setup, "mypy").then(|| ini_section_has(&setup, "mypy", &KEYS))
}

fn ini_has_section(text: &str, section: &str) -> bool {
    text.lines().any(|l| l.trim() == format!("[{section}]"))
}

/// Whether `[section]` of an INI file sets one of `keys` (`key = ...` or `key: ...`).
fn ini_section_has(text: &str, section: &str, keys: &[&str]) -> bool {
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == format!("[{section}]");
        } else if inside
            && let Some(key) = line.split(['=', ':']).next()
            && line.contains(['=', ':'])
            && keys.contains(&key.trim())
        {
            return true;
        }
    }
    false
}

fn cargo_gates() -> Vec<(String, String)> {
    vec![
        (
            "fmt".into(),
            "[gates.fmt]\nrun = [\"cargo\", \"fmt\", \"--all\", \"--check\"]\n".into(),
        ),
        (
            "clippy".into(),
            "[gates.clippy]\nrun = [\"cargo\", \"clippy\", \"--workspace\", \"--all-targets\", \
             \"--\", \"-D\", \"warnings\"]\n"
                .into(),
        ),
        (
            "test".into(),
            "[gates.test]\nrun = [\"cargo\", \"test\", \"--workspace\"]\n".into(),
        ),
        (
            "doc".into(),
            "[gates.doc]\nrun = [\"cargo\", \"doc\", \"--workspace\", \"--no-deps\"]\n\
             env = { RUSTDOCFLAGS = \"-D warnings\" }\n"
                .into(),
        ),
    ]
}

fn python_gate(prefix: &str, name: &str, run: &str, tool: &str) -> (String, String) {
    let name = format!("{prefix}{name}");
    let block = format!(
        "[gates.{name}]\nrun = \"{run}\"\ntool = \"{tool}\"\ninstall = \"pip install {tool}\"\n"
    );
    (name, block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_are_read_for_mypy_targets() {
        let text = "[metadata]\nfiles = x\n\n[mypy]\nstrict = True\nfiles: src, tests\n";
        assert!(ini_has_section(text, "mypy"));
        assert!(ini_section_has(text, "mypy", &["files"]));
        assert!(!ini_section_has(
            "[metadata]\nfiles = x\n[mypy]\n",
            "mypy",
            &["files"]
        ));
        assert!(!ini_has_section("[mypy-tests.*]\n", "mypy"));
    }
}
