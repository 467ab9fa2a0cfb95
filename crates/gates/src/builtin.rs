//! Built-in gates (`run = "builtin:NAME"`): functions run in process, handed to the engine by
//! the caller so this crate never depends on the task crates that provide them. Wiring one is
//! one line: `Builtins::new().with("sbom", "cargo xtask sbom --check", |repo, log| ...)`.

use std::fmt;
use std::io::Write;

use repo::Repo;

/// How a built-in gate ended, when it could run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinEnd {
    Pass,
    Fail,
}

/// A built-in's body: it writes its output to the gate's log and says how it ended, or why it
/// could not run (the gate then ends `error`).
pub type BuiltinFn = dyn Fn(&Repo, &mut dyn Write) -> Result<BuiltinEnd, String> + Send + Sync;

/// One built-in gate.
pub struct Builtin {
    pub name: String,
    /// The command that reproduces it from a shell, shown in reports.
    pub reproduce: String,
    pub run: Box<BuiltinFn>,
}

impl fmt::Debug for Builtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builtin")
            .field("name", &self.name)
            .field("reproduce", &self.reproduce)
            .finish_non_exhaustive()
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

    /// Adds a built-in called `name`, reproduced from a shell by `reproduce`.
    pub fn with(
        mut self,
        name: &str,
        reproduce: &str,
        run: impl Fn(&Repo, &mut dyn Write) -> Result<BuiltinEnd, String> + Send + Sync + 'static,
    ) -> Builtins {
        self.list.push(Builtin {
            name: name.to_string(),
            reproduce: reproduce.to_string(),
            run: Box::new(run),
        });
        self
    }

    /// The known names, in registration order.
    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|b| b.name.as_str()).collect()
    }

    /// The built-in called `name`.
    pub fn get(&self, name: &str) -> Option<&Builtin> {
        self.list.iter().find(|b| b.name == name)
    }
}
