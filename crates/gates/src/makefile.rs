//! Importing a Makefile's quality target into gates, for `qa init`: each recipe command of the
//! target (and of the targets it depends on, in order) becomes a gate with a name, the tool it
//! needs on PATH with an install hint, and `needs` where one gate obviously depends on another
//! (a coverage report on the tests that collect it).
//!
//! Pure: text in, gates out. Make variables set in the file (`VAR = value`, `:=`, `?=`) are
//! expanded; `$(MAKE) target` recurses into that target; `@` and `-` prefixes are dropped
//! (`-` makes the gate `allow_failure`).

use std::collections::BTreeMap;

/// A gate imported from a Makefile recipe line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedGate {
    pub name: String,
    /// The command line, as written (after variable expansion).
    pub run: String,
    /// Whether it needs a shell (pipes, redirections, `&&`, globs, `$`...).
    pub shell: bool,
    /// The program that must be on PATH, and how to install it.
    pub tool: Option<(String, String)>,
    pub needs: Vec<String>,
    pub allow_failure: bool,
}

/// Why a Makefile could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MakefileError {
    #[error(
        "the Makefile has no target `{target}` (targets: {known}); pass one of them with --make-target"
    )]
    NoTarget { target: String, known: String },
    #[error("target `{target}` runs no command")]
    Empty { target: String },
}

/// The gates for `target` of the Makefile `text`.
pub fn import(text: &str, target: &str) -> Result<Vec<ImportedGate>, MakefileError> {
    let file = parse(text);
    if !file.rules.contains_key(target) {
        let known: Vec<&str> = file.order.iter().map(String::as_str).collect();
        return Err(MakefileError::NoTarget {
            target: target.to_string(),
            known: known.join(", "),
        });
    }
    let mut commands = Vec::new();
    collect(&file, target, &mut Vec::new(), &mut commands);
    if commands.is_empty() {
        return Err(MakefileError::Empty {
            target: target.to_string(),
        });
    }
    let mut gates: Vec<ImportedGate> = Vec::new();
    for (rule, line) in commands {
        let gate = gate_for(&rule, &line, target);
        gates.push(gate);
    }
    dedupe_names(&mut gates);
    add_needs(&mut gates);
    Ok(gates)
}

/// The targets of a Makefile, in order, for error messages and detection.
pub fn targets(text: &str) -> Vec<String> {
    parse(text).order
}

struct Makefile {
    vars: BTreeMap<String, String>,
    rules: BTreeMap<String, Rule>,
    order: Vec<String>,
}

#[derive(Default)]
struct Rule {
    prerequisites: Vec<String>,
    recipe: Vec<String>,
}

fn parse(text: &str) -> Makefile {
    let mut file = Makefile {
        vars: BTreeMap::new(),
        rules: BTreeMap::new(),
        order: Vec::new(),
    };
    let mut current: Option<Vec<String>> = None;
    for line in logical_lines(text) {
        if let Some(recipe) = line.strip_prefix('\t') {
            if let Some(targets) = &current {
                let recipe = recipe.trim();
                if !recipe.is_empty() && !recipe.starts_with('#') {
                    for t in targets {
                        file.rules
                            .entry(t.clone())
                            .or_default()
                            .recipe
                            .push(recipe.to_string());
                    }
                }
            }
            continue;
        }
        let code = strip_comment(&line);
        if code.trim().is_empty() {
            continue;
        }
        if let Some((name, value)) = assignment(code) {
            file.vars.insert(name, value);
            current = None;
            continue;
        }
        if let Some((targets, prerequisites)) = code.split_once(':') {
            let prerequisites = prerequisites.split(';').next().unwrap_or("");
            let targets: Vec<String> = targets.split_whitespace().map(str::to_string).collect();
            if targets.iter().any(|t| t.starts_with('.')) {
                current = None;
                continue;
            }
            for t in &targets {
                if !file.rules.contains_key(t) {
                    file.order.push(t.clone());
                }
                let rule = file.rules.entry(t.clone()).or_default();
                rule.prerequisites
                    .extend(prerequisites.split_whitespace().map(str::to_string));
            }
            current = Some(targets);
        } else {
            current = None;
        }
    }
    file
}

/// Lines with backslash continuations joined.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut pending = String::new();
    for raw in text.lines() {
        match raw.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head.trim_end());
                pending.push(' ');
            }
            None => {
                if pending.is_empty() {
                    lines.push(raw.to_string());
                } else {
                    pending.push_str(raw.trim_start());
                    lines.push(std::mem::take(&mut pending));
                }
            }
        }
    }
    if !pending.is_empty() {
        lines.push(pending);
    }
    lines
}

fn strip_comment(line: &str) -> &str {
    line.split('#').next().unwrap_or("")
}

fn assignment(line: &str) -> Option<(String, String)> {
    for op in ["::=", ":=", "?=", "+=", "="] {
        if let Some((name, value)) = line.split_once(op) {
            let name = name.trim();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if valid && !name.contains(':') {
                return Some((name.to_string(), value.trim().to_string()));
            }
            return None;
        }
    }
    None
}

fn collect(file: &Makefile, target: &str, seen: &mut Vec<String>, out: &mut Vec<(String, String)>) {
    if seen.iter().any(|s| s == target) {
        return;
    }
    seen.push(target.to_string());
    let Some(rule) = file.rules.get(target) else {
        return;
    };
    for prerequisite in &rule.prerequisites {
        collect(file, prerequisite, seen, out);
    }
    for line in &rule.recipe {
        let line = expand(line, &file.vars);
        let line = line.trim_start_matches(['@', '+']).trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        let is_make = matches!(
            words.first(),
            Some(&"make") | Some(&"$(MAKE)") | Some(&"${MAKE}")
        );
        if is_make && words.len() >= 2 && words[1..].iter().all(|w| file.rules.contains_key(*w)) {
            for sub in &words[1..] {
                collect(file, sub, seen, out);
            }
            continue;
        }
        out.push((target.to_string(), line.to_string()));
    }
}

fn expand(line: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = line.to_string();
    for _ in 0..8 {
        let mut changed = false;
        for (name, value) in vars {
            for pattern in [format!("$({name})"), format!("${{{name}}}")] {
                if out.contains(&pattern) {
                    out = out.replace(&pattern, value);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    out
}

fn gate_for(rule: &str, line: &str, top: &str) -> ImportedGate {
    let allow_failure = line.starts_with('-');
    let line = line.trim_start_matches('-').trim().to_string();
    let shell = needs_shell(&line);
    let words = shlex::split(&line)
        .unwrap_or_else(|| line.split_whitespace().map(str::to_string).collect());
    let (tool, kind) = classify(&words);
    // A rule of its own (`lint:`) names its gate; the top target's own lines are named by kind.
    let name = if rule != top { rule.to_string() } else { kind };
    ImportedGate {
        name,
        run: line,
        shell,
        tool,
        needs: Vec::new(),
        allow_failure,
    }
}

fn needs_shell(line: &str) -> bool {
    ["|", "&&", ";", ">", "<", "$", "`", "*", "?", "~", "||"]
        .iter()
        .any(|m| line.contains(m))
}

/// The tool a command needs (with its install hint) and a gate name for what it does.
fn classify(words: &[String]) -> (Option<(String, String)>, String) {
    let mut words: Vec<&str> = words.iter().map(String::as_str).collect();
    // Leading VAR=value assignments.
    while words
        .first()
        .is_some_and(|w| w.contains('=') && !w.starts_with('-'))
    {
        words.remove(0);
    }
    let Some(&program) = words.first() else {
        return (None, "command".to_string());
    };
    let program = program.rsplit('/').next().unwrap_or(program);
    // Runners: the gate's tool is the runner, its kind comes from what it runs.
    let runner_hint = match program {
        "uv" => Some("pip install uv"),
        "poetry" => Some("pip install poetry"),
        "pipenv" => Some("pip install pipenv"),
        "hatch" => Some("pip install hatch"),
        _ => None,
    };
    if let Some(hint) = runner_hint
        && words.get(1) == Some(&"run")
    {
        let inner: Vec<String> = words[2..]
            .iter()
            .filter(|w| !w.starts_with("--"))
            .map(|w| w.to_string())
            .collect();
        let (_, kind) = classify(&inner);
        return (Some((program.to_string(), hint.to_string())), kind);
    }
    if program.starts_with("python")
        && words.get(1) == Some(&"-m")
        && let Some(module) = words.get(2)
    {
        let kind = kind_of(module, &words[3..]);
        let package = module.replace('_', "-");
        return (
            Some((program.to_string(), format!("pip install {package}"))),
            kind,
        );
    }
    let kind = kind_of(program, &words[1..]);
    let hint = install_hint(program);
    (Some((program.to_string(), hint)), kind)
}

fn kind_of(program: &str, args: &[&str]) -> String {
    let has = |flag: &str| args.iter().any(|a| a.starts_with(flag));
    let kind = match program {
        "ruff" if args.first() == Some(&"format") => "format",
        "ruff" => "lint",
        "black" | "isort" => "format",
        "flake8" | "pylint" => "lint",
        "mypy" | "pyright" => "types",
        "pytest" | "py.test" if has("--cov") => "tests",
        "pytest" | "py.test" | "tox" | "nox" => "tests",
        "coverage" => "coverage",
        "bandit" | "pip-audit" | "safety" => "security",
        "detect_secrets" | "detect-secrets" => "secrets",
        "pre-commit" | "prek" => "pre-commit",
        "cargo" => match args.first() {
            Some(&"fmt") => "fmt",
            Some(&"clippy") => "clippy",
            Some(&"test") | Some(&"nextest") => "test",
            Some(&"doc") => "doc",
            Some(&"build") => "build",
            Some(other) => return format!("cargo-{other}"),
            None => "cargo",
        },
        "docker" if args.first() == Some(&"build") => "build",
        "python" | "python3" => "python",
        other => return other.to_string(),
    };
    kind.to_string()
}

fn install_hint(program: &str) -> String {
    match program {
        "cargo" => "install Rust with rustup (https://rustup.rs)".to_string(),
        "make" | "sh" | "bash" | "git" | "docker" => {
            format!("install {program} with your system's package manager")
        }
        "detect-secrets" => "pip install detect-secrets".to_string(),
        "pytest" | "py.test" => "pip install pytest".to_string(),
        "pre-commit" => "pip install pre-commit".to_string(),
        other => format!("pip install {other}"),
    }
}

fn dedupe_names(gates: &mut [ImportedGate]) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for gate in gates.iter_mut() {
        let n = counts.entry(gate.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            gate.name = format!("{}-{n}", gate.name);
        }
    }
}

/// Obvious dependencies: a coverage report needs the tests that collect coverage.
fn add_needs(gates: &mut [ImportedGate]) {
    let tests: Option<String> = gates
        .iter()
        .find(|g| g.name == "tests" || g.name.starts_with("test"))
        .map(|g| g.name.clone());
    for gate in gates.iter_mut() {
        let reports_coverage = gate.name == "coverage"
            || gate.run.contains("coverage report")
            || gate.run.contains("coverage xml");
        if reports_coverage
            && let Some(tests) = &tests
            && &gate.name != tests
        {
            gate.needs.push(tests.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEAM_MAKEFILE: &str = "\
PYTHON ?= python
SRC := apps tests ops

.PHONY: qa
qa:
\truff format --check .
\truff check .
\tpytest --cov=apps --cov-report=xml
\tcoverage report --fail-under=80
\tmypy $(SRC)
\tbandit -r apps -q
\t$(PYTHON) -m detect_secrets scan --baseline .secrets.baseline
\t@pre-commit run --all-files
";

    #[test]
    fn the_team_makefile_becomes_named_gates_with_tools_and_needs() {
        let gates = import(TEAM_MAKEFILE, "qa").unwrap();
        let summary: Vec<String> = gates
            .iter()
            .map(|g| {
                format!(
                    "{} | {} | {:?} | {:?}",
                    g.name,
                    g.run,
                    g.tool.as_ref().map(|t| &t.0),
                    g.needs
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                "format | ruff format --check . | Some(\"ruff\") | []",
                "lint | ruff check . | Some(\"ruff\") | []",
                "tests | pytest --cov=apps --cov-report=xml | Some(\"pytest\") | []",
                "coverage | coverage report --fail-under=80 | Some(\"coverage\") | [\"tests\"]",
                "types | mypy apps tests ops | Some(\"mypy\") | []",
                "security | bandit -r apps -q | Some(\"bandit\") | []",
                "secrets | python -m detect_secrets scan --baseline .secrets.baseline | Some(\"python\") | []",
                "pre-commit | pre-commit run --all-files | Some(\"pre-commit\") | []",
            ]
        );
        assert_eq!(
            gates[6].tool.as_ref().unwrap().1,
            "pip install detect-secrets"
        );
    }

    #[test]
    fn prerequisite_targets_name_their_gates() {
        let text = "qa: lint test\nlint:\n\truff check .\ntest:\n\tuv run pytest\ncov: test\n\tcoverage xml\n";
        let gates = import(text, "qa").unwrap();
        let names: Vec<&str> = gates.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["lint", "test"]);
        assert_eq!(gates[1].tool.as_ref().unwrap().0, "uv");
        let gates = import(text, "cov").unwrap();
        assert_eq!(gates[1].needs, ["test"]);
    }

    #[test]
    fn continuations_prefixes_recursion_and_shell_detection() {
        let text = "all:\n\t-mypy src \\\n\t  --strict\n\t$(MAKE) lint\nlint:\n\truff check . | tee out.txt\n";
        let gates = import(text, "all").unwrap();
        assert_eq!(gates[0].run, "mypy src --strict");
        assert!(gates[0].allow_failure);
        assert!(!gates[0].shell);
        assert_eq!(gates[1].name, "lint");
        assert!(gates[1].shell);
    }

    #[test]
    fn a_missing_target_names_the_known_ones() {
        let err = import("lint:\n\truff check .\n", "qa").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the Makefile has no target `qa` (targets: lint); pass one of them with --make-target"
        );
    }
}
