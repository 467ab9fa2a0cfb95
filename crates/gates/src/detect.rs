//! Gates detected when a repository has no `xtask.toml`: a Cargo workspace gets fmt, clippy,
//! test and doc; a Python project (pyproject.toml) gets whichever of ruff format, ruff check,
//! mypy and pytest it configures. Detection writes `xtask.toml` text, so what runs without a
//! file is exactly what `qa init` writes.

use repo::Repo;

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

/// Detects the gates of `repo` from its files.
pub fn detect(repo: &Repo) -> Detected {
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
        let mypy = has("mypy") || file("mypy.ini") || file(".mypy.ini");
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
        if mypy {
            blocks.push(python_gate(prefix, "types", "mypy .", "mypy"));
        }
        if pytest {
            blocks.push(python_gate(prefix, "tests", "pytest", "pytest"));
        }
    }
    let mut toml = String::from(
        "# Quality gates for `cargo xtask qa`. Reference: docs/reference/xtask-toml.md\n\n[qa]\n\
         # jobs = 2  # default: the number of cores\n",
    );
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
