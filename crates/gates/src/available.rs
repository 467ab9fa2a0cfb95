//! Whether a gate can start at all: its `tool` on `PATH`, and its Python `module` importable by
//! the gate's interpreter. A gate missing either is skipped with its `install` hint (not
//! failed: the check did not run), and the report names what was missing so the CI rule
//! (`crate::verdict`) can refuse a green run that checked nothing.
//!
//! A module is checked without running it: the interpreter is asked only whether it can find
//! the module (`importlib.util.find_spec`), from the gate's working directory, as `python -m`
//! would look it up.

use std::path::Path;
use std::time::Duration;

use repo::process::{self, Cmd, End, RunOptions};

use crate::model::{Command, Gate};

/// What a gate needs and does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missing {
    /// The program or module, as the report names it.
    pub(crate) what: String,
    /// The skip reason, with the install hint.
    pub(crate) reason: String,
}

/// The tool or module `gate` needs and cannot find; `None` when it can start.
pub(crate) fn missing(gate: &Gate, root: &Path) -> Option<Missing> {
    let install = |text: String| match &gate.install {
        Some(hint) => format!("{text}; install it: {hint}"),
        None => text,
    };
    if let Some(tool) = &gate.tool
        && process::which(tool).is_none()
    {
        return Some(Missing {
            what: tool.clone(),
            reason: install(format!("`{tool}` is not on PATH")),
        });
    }
    let module = gate.module.as_ref()?;
    let python = interpreter(gate);
    if process::which(&python).is_none() {
        return Some(Missing {
            what: python.clone(),
            reason: install(format!(
                "`{python}` (the interpreter that imports `{module}`) is not on PATH"
            )),
        });
    }
    let cwd = match &gate.cwd {
        Some(cwd) => root.join(cwd),
        None => root.to_path_buf(),
    };
    let mut cmd = Cmd::new(&python)
        .arg("-c")
        .arg(FIND_SPEC)
        .arg(module)
        .cwd(cwd);
    for (k, v) in &gate.env {
        cmd = cmd.env(k, v);
    }
    let options = RunOptions::capture().timeout(Some(Duration::from_secs(30)));
    match process::run(&cmd, options) {
        Ok(done) if done.end == End::Exited(0) => None,
        Ok(done) if done.end == End::Exited(1) => Some(Missing {
            what: module.clone(),
            reason: install(format!("`{python}` cannot import `{module}`")),
        }),
        // Anything else (a crash, a timeout, Ctrl-C): let the gate run and say what happened.
        _ => None,
    }
}

/// Whether `name` is a dotted Python module name (`detect_secrets`, `pkg.sub`).
pub(crate) fn is_module_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
        })
}

/// Exits 0 when the module is found, 1 when it is not (also when a parent package is missing).
const FIND_SPEC: &str = "import importlib.util, sys\n\
try:\n    found = importlib.util.find_spec(sys.argv[1]) is not None\n\
except ImportError:\n    found = False\n\
sys.exit(0 if found else 1)\n";

/// The interpreter that must import the gate's module: its `tool` or its command's program,
/// whichever is a Python (`python`, `python3.12`, `.venv/bin/python`), else `python3`.
fn interpreter(gate: &Gate) -> String {
    let is_python = |p: &str| p.rsplit('/').next().unwrap_or(p).starts_with("python");
    let program = match &gate.command {
        Command::Argv(argv) => argv.first(),
        _ => None,
    };
    gate.tool
        .iter()
        .chain(program)
        .find(|p| is_python(p))
        .cloned()
        .unwrap_or_else(|| "python3".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_are_dotted_identifiers() {
        assert!(is_module_name("detect_secrets"));
        assert!(is_module_name("pkg.sub_2"));
        assert!(!is_module_name("detect-secrets"));
        assert!(!is_module_name("a..b"));
        assert!(!is_module_name("2fa"));
        assert!(!is_module_name(""));
    }

    #[test]
    fn the_interpreter_is_the_tool_the_program_or_python3() {
        let mut g = Gate::bare(
            "s",
            Command::Argv(vec!["python3.12".into(), "-m".into(), "x".into()]),
        );
        assert_eq!(interpreter(&g), "python3.12");
        g.tool = Some("python".into());
        assert_eq!(interpreter(&g), "python");
        g.tool = Some("uv".into());
        assert_eq!(interpreter(&g), "python3.12");
        let sh = Gate::bare("s", Command::Shell("python -m x | tee y".into()));
        assert_eq!(interpreter(&sh), "python3");
    }
}
