//! Built-in gates (`run = "builtin:NAME"`): tasks of the running binary, run as its own child
//! process (`<this executable> --root ROOT ARGS...`). A built-in thereby has everything any
//! other gate has (its log, a timeout, Ctrl-C, an exit code, a baseline) and this crate never
//! depends on the task crates that provide them. Wiring one is one line:
//! `Builtins::new().with("sbom", "xtask sbom", &["sbom"])`.

use std::ffi::OsString;
use std::path::Path;

use repo::process::Cmd;

/// One built-in gate.
#[derive(Debug, Clone)]
pub struct Builtin {
    pub name: String,
    /// The command that reproduces it from a shell, shown in reports.
    pub reproduce: String,
    /// The arguments given to this executable after `--root ROOT`.
    pub args: Vec<String>,
}

impl Builtin {
    /// The command that runs the built-in on the repository at `root`: this executable (as
    /// the operating system reports it) with `--root ROOT` and the built-in's arguments, told
    /// how the user ran the parent (`XTASK_INVOCATION`) so its hints name the same command.
    pub fn cmd(&self, root: &Path) -> std::io::Result<Cmd> {
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

    /// The built-in called `name`.
    pub fn get(&self, name: &str) -> Option<&Builtin> {
        self.list.iter().find(|b| b.name == name)
    }
}
