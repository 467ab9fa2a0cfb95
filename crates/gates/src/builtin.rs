//! Built-in gates (`run = "builtin:NAME"`): tasks of the running binary, run as its own child
//! process (`<this executable> --root ROOT ARGS...`). A built-in thereby has everything any
//! other gate has (its log, a timeout, Ctrl-C, an exit code, a baseline) and this crate never
//! depends on the task crates that provide them. Wiring one is one line:
//! `Builtins::new().with("sbom", "xtask sbom", &["sbom"])`. [`Builtins::resolve`] is the one
//! place a gate's built-in is looked up, for its process and for the line that reproduces it.

use std::ffi::OsString;
use std::path::Path;

use repo::process::Cmd;

use crate::model::{Command, Gate};

/// One built-in gate.
#[derive(Debug, Clone)]
pub(crate) struct Builtin {
    pub(crate) name: String,
    /// The command that reproduces it from a shell, shown in reports.
    pub(crate) reproduce: String,
    /// The arguments given to this executable after `--root ROOT`.
    pub(crate) args: Vec<String>,
}

impl Builtin {
    /// The command that runs the built-in on the repository at `root`: this executable (as
    /// the operating system reports it) with `--root ROOT` and the built-in's arguments, told
    /// how the user ran the parent (`XTASK_INVOCATION`) so its hints name the same command.
    pub(crate) fn cmd(&self, root: &Path) -> std::io::Result<Cmd> {
        let exe = std::env::current_exe()?;
        Ok(Cmd::new(exe)
            .arg("--root")
            .arg(root)
            .args(self.args.iter().map(OsString::from))
            .env(repo::invocation::ENV, repo::invocation::current().prefix())
            .cwd(root))
    }
}

/// The built-ins a run may use, by name.
#[derive(Debug, Default)]
pub struct Builtins {
    list: Vec<Builtin>,
}

impl Builtins {
    /// No built-ins.
    pub fn new() -> Builtins {
        Builtins::default()
    }

    /// Adds a built-in called `name` that runs this executable with `args`, reproduced from a
    /// shell by `reproduce`.
    pub fn with(mut self, name: &str, reproduce: &str, args: &[&str]) -> Builtins {
        self.list.push(Builtin {
            name: name.to_string(),
            reproduce: reproduce.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
        });
        self
    }

    /// The known names, in registration order.
    pub(crate) fn names(&self) -> Vec<&str> {
        self.list.iter().map(|b| b.name.as_str()).collect()
    }

    /// `gate` with its built-in (when it runs one) looked up, for the repository at `root`.
    pub fn resolve<'a>(&'a self, gate: &'a Gate, root: &'a Path) -> Resolved<'a> {
        let builtin = match &gate.command {
            Command::Builtin(name) => Some(
                self.list
                    .iter()
                    .find(|b| &b.name == name)
                    .ok_or(name.as_str()),
            ),
            Command::Argv(_) | Command::Shell(_) => None,
        };
        Resolved {
            gate,
            root,
            builtin,
        }
    }
}

/// A gate with its built-in looked up: the line that reproduces it and the process it runs.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'a> {
    gate: &'a Gate,
    root: &'a Path,
    /// For a built-in gate, the built-in, or its name when this binary offers none by it
    /// (xtask.toml is checked against the names, so only a caller's mistake gets there).
    builtin: Option<Result<&'a Builtin, &'a str>>,
}

impl Resolved<'_> {
    /// The exact command that reproduces the gate, quoted for a POSIX shell, as reports show it.
    pub fn reproduce(&self) -> String {
        let builtin = match self.builtin {
            Some(Ok(b)) => Some(b.reproduce.as_str()),
            _ => None,
        };
        self.gate.reproduce(builtin)
    }

    /// The name of the built-in the gate runs, when it runs one.
    pub(crate) fn builtin_name(&self) -> Option<&str> {
        self.builtin
            .map(|b| b.map_or_else(|name| name, |b| b.name.as_str()))
    }

    /// The process to start: the gate's own command, or this executable for a built-in (with
    /// the gate's `env`); the error is the reason the gate could not start.
    pub(crate) fn cmd(&self) -> Result<Cmd, String> {
        self.gate.cmd(self.root, |name| match self.builtin {
            Some(Ok(b)) => b
                .cmd(self.root)
                .map_err(|e| format!("built-in `{name}` could not run: {e}")),
            _ => Err(format!("unknown built-in `{name}`")),
        })
    }
}
