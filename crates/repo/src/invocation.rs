//! How the user ran this binary (`cargo xtask`, `xtask`, `./bin/xtask`, with or without
//! `--root DIR`), so that every command the tool prints (a built-in gate's reproduce line, a
//! hint, an error) pastes back into the user's shell, from the directory they ran it in.
//!
//! The rule, decided once at start-up by [`Invocation::detect`]:
//! 1. `XTASK_INVOCATION` set (by a parent `xtask` for the built-in gates it runs as its own
//!    child processes): that text, as is.
//! 2. `cargo xtask` when the binary runs under cargo: `CARGO` is set (cargo sets it for what
//!    `cargo run` starts) and the executable lies in a cargo target directory
//!    (`<dir>/<profile>/xtask` or `<dir>/<triple>/<profile>/xtask`, `<dir>` holding cargo's
//!    `CACHEDIR.TAG`).
//! 3. Else the program name as typed: argv\[0\]'s file name when that name, looked up on `PATH`,
//!    is this very executable; else argv\[0\] as typed when it is a path (relative to the
//!    user's directory); else this executable's absolute path.
//!
//! Then `--root DIR`, exactly as the user typed it, when they passed it.
//! The binary sets the value once ([`set`]); the libraries read it with [`current`] (the
//! messages that use it sit in many static error texts; one process-wide value spares each of
//! them a parameter). Files the tools write and commit (plan and baseline headers, commit
//! messages) do not use it: they stay the same whoever writes them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::process::quote;

/// The environment variable through which a parent `xtask` hands its invocation to the
/// built-in gates it runs as child processes.
pub const ENV: &str = "XTASK_INVOCATION";

/// What the user typed to run this binary: the words before the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The program words, shell-quoted: `cargo xtask`, `xtask`, `./bin/xtask`.
    program: String,
    /// `--root DIR` as typed, shell-quoted.
    root: Option<String>,
}

impl Invocation {
    /// `cargo xtask`, the default for libraries used without a binary (their own tests).
    pub fn cargo() -> Invocation {
        Invocation {
            program: "cargo xtask".into(),
            root: None,
        }
    }

    /// Detects the program words from this process's environment, argv\[0\] and executable
    /// (see the module docs for the rule); [`Invocation::with_root`] adds `--root`.
    pub fn detect() -> Invocation {
        if let Some(given) = std::env::var_os(ENV).filter(|v| !v.is_empty()) {
            return Invocation {
                program: given.to_string_lossy().into_owned(),
                root: None,
            };
        }
        let exe = std::env::current_exe().ok();
        let program = if std::env::var_os("CARGO").is_some_and(|v| !v.is_empty())
            && exe.as_deref().is_some_and(in_cargo_target_dir)
        {
            "cargo xtask".to_string()
        } else {
            as_typed(std::env::args_os().next(), exe.as_deref())
        };
        Invocation {
            program,
            root: None,
        }
    }

    /// This invocation with `--root ROOT` (as the user typed it) when given; an inherited
    /// invocation (`XTASK_INVOCATION`) already says its root.
    pub fn with_root(self, root: Option<&Path>) -> Invocation {
        if std::env::var_os(ENV).is_some_and(|v| !v.is_empty()) {
            return self;
        }
        Invocation {
            root: root.map(|r| quote(r.as_os_str())),
            ..self
        }
    }

    /// The program words alone, without `--root` (e.g. for clap's usage lines).
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The words before a command: `cargo xtask`, `xtask --root ../repo`.
    pub fn prefix(&self) -> String {
        match &self.root {
            Some(root) => format!("{} --root {root}", self.program),
            None => self.program.clone(),
        }
    }

    /// A command line to print: `args` (already quoted) after [`Invocation::prefix`].
    pub fn command(&self, args: &str) -> String {
        format!("{} {args}", self.prefix())
    }
}

impl std::fmt::Display for Invocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.prefix())
    }
}

static CURRENT: OnceLock<Invocation> = OnceLock::new();

/// Sets the process's invocation; only the first call counts.
pub fn set(invocation: Invocation) {
    let _ = CURRENT.set(invocation);
}

/// The process's invocation: what [`set`] was given, else `cargo xtask`.
pub fn current() -> &'static Invocation {
    CURRENT.get_or_init(Invocation::cargo)
}

/// Whether `exe` is `<dir>/<profile>/NAME` or `<dir>/<triple>/<profile>/NAME` with cargo's
/// `CACHEDIR.TAG` in `<dir>`.
fn in_cargo_target_dir(exe: &Path) -> bool {
    exe.ancestors()
        .skip(2)
        .take(2)
        .any(|dir| dir.join("CACHEDIR.TAG").is_file())
}

fn as_typed(argv0: Option<OsString>, exe: Option<&Path>) -> String {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(argv0) = &argv0 {
        let typed = Path::new(argv0);
        if let Some(name) = typed.file_name()
            && let Some(exe) = exe
            && on_path(name).is_some_and(|hit| same(&hit, exe))
        {
            return quote(name);
        }
        if typed.components().count() > 1 {
            return quote(argv0);
        }
    }
    match exe {
        Some(exe) => quote(exe.as_os_str()),
        None => argv0
            .map(|a| quote(&a))
            .unwrap_or_else(|| "xtask".to_string()),
    }
}

/// The first file called `name` in a `PATH` directory.
fn on_path(name: &std::ffi::OsStr) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_command_add_the_root_as_typed() {
        let inv = Invocation {
            program: "xtask".into(),
            root: Some(quote(Path::new("../my repo").as_os_str())),
        };
        assert_eq!(
            inv.command("format enforce"),
            "xtask --root '../my repo' format enforce"
        );
        assert_eq!(Invocation::cargo().command("qa"), "cargo xtask qa");
    }

    #[test]
    fn a_path_not_on_path_is_kept_as_typed() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("xtask-elsewhere");
        std::fs::write(&exe, "").unwrap();
        assert_eq!(
            as_typed(Some("./bin/xtask-elsewhere".into()), Some(&exe)),
            "./bin/xtask-elsewhere"
        );
        assert_eq!(
            as_typed(Some("xtask-elsewhere".into()), Some(&exe)),
            quote(exe.as_os_str())
        );
    }
}
