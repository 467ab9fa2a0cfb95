//! The gate model: a validated [`Plan`] of [`Gate`]s (indices into one vector, needs pointing
//! backwards or forwards but never in a cycle), the command each gate runs, and how a gate ends.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use repo::process::{Cmd, quote};
use serde::{Deserialize, Serialize};

/// What a gate runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A program and its arguments, run without a shell.
    Argv(Vec<String>),
    /// A line for `sh -c` (`shell = true`).
    Shell(String),
    /// A built-in gate, a task of this executable run as its child (`run = "builtin:NAME"`).
    Builtin(String),
}

impl Command {
    /// Whether the command runs cargo (its program, or a shell line's first command word).
    pub(crate) fn runs_cargo(&self) -> bool {
        let is_cargo = |p: &str| p == "cargo" || p.ends_with("/cargo");
        match self {
            Command::Argv(argv) => argv.first().is_some_and(|p| is_cargo(p)),
            Command::Shell(line) => repo::process::split(line)
                .unwrap_or_default()
                .iter()
                .find(|w| !crate::shell_words::is_assignment(w))
                .is_some_and(|p| is_cargo(p)),
            Command::Builtin(_) => false,
        }
    }
}

/// One gate of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub name: String,
    pub command: Command,
    /// Indices of the gates this one needs.
    pub needs: Vec<usize>,
    pub owner: Option<String>,
    /// What it checks, in a few words (`description` in xtask.toml).
    pub description: Option<String>,
    pub timeout: Option<Duration>,
    /// The program that must be on `PATH`; missing, the gate is skipped with `install`.
    pub tool: Option<String>,
    /// A Python module the gate's interpreter must import; missing, the gate is skipped with
    /// `install` (see `crate::available`).
    pub module: Option<String>,
    pub install: Option<String>,
    pub env: Vec<(String, String)>,
    /// Working directory relative to the repository root.
    pub cwd: Option<String>,
    /// Gates sharing a lock never run at once (`cargo` by default for cargo commands).
    pub lock: Option<String>,
    /// A failure is reported but does not fail the run.
    pub allow_failure: bool,
    /// Known debt this gate may carry.
    pub baseline: Option<crate::baseline::Spec>,
    /// Globs of the files its result depends on (the cache key); `None`: every file git tracks
    /// or would track.
    pub inputs: Option<Vec<String>>,
    /// Globs of the files that make it run under `--changed-since`; `None`: it always runs.
    pub paths: Option<Vec<String>>,
    /// Variables of qa's environment it may see (names or `*` globs; in its cache key).
    pub pass_env: Vec<String>,
    /// Whether its pass may be cached; `false` also gives it qa's whole environment.
    pub cache: bool,
    /// How its output is summarised: its `summary` pattern, or the reader of the tool it runs.
    pub summary: Option<crate::summary::Spec>,
    /// The JUnit file it writes (`junit`, or pytest's `--junitxml`), relative to its `cwd`.
    pub junit: Option<String>,
}

impl Gate {
    /// The process the gate runs: its program or shell line in its `cwd` (relative to `root`),
    /// or for a built-in what `builtin(name)` makes (`Builtins::resolve`), with the gate's `env`
    /// over either.
    pub(crate) fn cmd<E>(
        &self,
        root: &Path,
        builtin: impl FnOnce(&str) -> Result<Cmd, E>,
    ) -> Result<Cmd, E> {
        let dir = match &self.cwd {
            Some(cwd) => root.join(cwd),
            None => root.to_path_buf(),
        };
        let mut cmd = match &self.command {
            Command::Argv(argv) => Cmd::new(&argv[0]).args(&argv[1..]).cwd(dir),
            Command::Shell(line) => Cmd::new("sh").arg("-c").arg(line).cwd(dir),
            Command::Builtin(name) => builtin(name)?,
        };
        for (k, v) in &self.env {
            cmd = cmd.env(OsString::from(k), OsString::from(v));
        }
        Ok(cmd)
    }

    /// The exact command to reproduce the gate, quoted so it pastes into a POSIX shell.
    /// `builtin_command` is what reproduces a built-in (e.g. `xtask format enforce`); without
    /// it, `qa NAME` after the invocation the user ran (`repo::invocation::current`).
    pub(crate) fn reproduce(&self, builtin_command: Option<&str>) -> String {
        let line = match &self.command {
            Command::Builtin(name) => {
                // A built-in runs on the root given by `--root` (config refuses a `cwd` for it).
                let line = builtin_command.map(str::to_string).unwrap_or_else(|| {
                    repo::invocation::current().command(&format!("qa {}", quote(name.as_ref())))
                });
                return self
                    .env
                    .iter()
                    .map(|(k, v)| format!("{k}={}", quote(v.as_ref())))
                    .chain([line])
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            Command::Argv(_) | Command::Shell(_) => self
                .cmd(Path::new("."), |_| Err(()))
                .map(|c| c.display())
                .unwrap_or_default(),
        };
        match &self.cwd {
            Some(cwd) => format!("cd {} && {line}", quote(cwd.as_ref())),
            None => line,
        }
    }
}

/// A validated set of gates in declaration order.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// How many gates may run at once.
    pub jobs: usize,
    pub gates: Vec<Gate>,
}

impl Plan {
    /// The index of the gate called `name`.
    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        self.gates.iter().position(|g| g.name == name)
    }

    /// A cycle in the needs graph, as the gates on it in order, when there is one.
    pub(crate) fn find_cycle(&self) -> Option<Vec<usize>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        fn visit(plan: &Plan, i: usize, marks: &mut [Mark], stack: &mut Vec<usize>) -> bool {
            marks[i] = Mark::Open;
            stack.push(i);
            for &need in &plan.gates[i].needs {
                match marks[need] {
                    Mark::Open => {
                        let at = stack.iter().position(|&s| s == need).unwrap_or(0);
                        stack.drain(..at);
                        return true;
                    }
                    Mark::New => {
                        if visit(plan, need, marks, stack) {
                            return true;
                        }
                    }
                    Mark::Done => {}
                }
            }
            stack.pop();
            marks[i] = Mark::Done;
            false
        }
        let mut marks = vec![Mark::New; self.gates.len()];
        for i in 0..self.gates.len() {
            if marks[i] == Mark::New {
                let mut stack = Vec::new();
                if visit(self, i, &mut marks, &mut stack) {
                    return Some(stack);
                }
            }
        }
        None
    }

    /// The plan restricted to `selected` (indices) and everything they need, transitively, in
    /// declaration order; needs are re-indexed.
    pub(crate) fn restrict(&self, selected: &[usize]) -> Plan {
        let mut keep = BTreeSet::new();
        let mut todo: Vec<usize> = selected.to_vec();
        while let Some(i) = todo.pop() {
            if keep.insert(i) {
                todo.extend(&self.gates[i].needs);
            }
        }
        let old_to_new: std::collections::BTreeMap<usize, usize> = keep
            .iter()
            .enumerate()
            .map(|(new, &old)| (old, new))
            .collect();
        let gates = keep
            .iter()
            .map(|&i| {
                let mut gate = self.gates[i].clone();
                gate.needs = gate.needs.iter().map(|n| old_to_new[n]).collect();
                gate
            })
            .collect();
        Plan {
            jobs: self.jobs,
            gates,
        }
    }
}

/// How a gate ended.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It ran and exited 0 (or its baseline held).
    Pass,
    /// It exited non-zero.
    Fail,
    /// A gate it needs did not pass, so it did not run.
    Blocked,
    /// It did not run: its tool is missing, the run was interrupted, `--fail-fast` stopped the
    /// run, or it is unaffected by the changes selected.
    Skipped,
    /// Its timeout ran out; its process group was killed.
    Timeout,
    /// It could not be started, or its stored baseline could not be read or written.
    Error,
}

impl Status {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Blocked => "blocked",
            Status::Skipped => "skipped",
            Status::Timeout => "timeout",
            Status::Error => "error",
        }
    }

    /// How a dependant's reason tells that a need ended so: `needs `lint`, which failed`.
    pub(crate) fn told(self) -> &'static str {
        match self {
            Status::Pass => "passed",
            Status::Fail => "failed",
            Status::Blocked => "was blocked",
            Status::Skipped => "was skipped",
            Status::Timeout => "timed out",
            Status::Error => "could not start",
        }
    }

    /// Whether a gate ending so fails the run (unless the gate allows failure).
    pub(crate) fn fails_run(self) -> bool {
        matches!(
            self,
            Status::Fail | Status::Blocked | Status::Timeout | Status::Error
        )
    }
}

#[cfg(test)]
impl Gate {
    /// A gate with nothing but a name and a command, for tests to adjust.
    pub(crate) fn bare(name: &str, command: Command) -> Gate {
        Gate {
            name: name.into(),
            command,
            needs: vec![],
            owner: None,
            description: None,
            timeout: None,
            tool: None,
            module: None,
            install: None,
            env: vec![],
            cwd: None,
            lock: None,
            allow_failure: false,
            baseline: None,
            inputs: None,
            paths: None,
            pass_env: vec![],
            cache: true,
            summary: None,
            junit: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(name: &str, command: Command) -> Gate {
        Gate::bare(name, command)
    }

    #[test]
    fn cargo_is_detected_through_env_assignments() {
        assert!(Command::Argv(vec!["cargo".into(), "test".into()]).runs_cargo());
        assert!(Command::Shell("RUSTDOCFLAGS='-D warnings' cargo doc".into()).runs_cargo());
        assert!(!Command::Shell("echo cargo".into()).runs_cargo());
        assert!(!Command::Builtin("sbom".into()).runs_cargo());
    }

    #[test]
    fn reproduce_quotes_env_argv_and_cwd() {
        let mut g = gate(
            "doc",
            Command::Argv(vec!["cargo".into(), "doc".into(), "--no-deps".into()]),
        );
        g.env = vec![("RUSTDOCFLAGS".into(), "-D warnings".into())];
        assert_eq!(
            g.reproduce(None),
            "RUSTDOCFLAGS='-D warnings' cargo doc --no-deps"
        );
        g.cwd = Some("sub dir".into());
        assert_eq!(
            g.reproduce(None),
            "cd 'sub dir' && RUSTDOCFLAGS='-D warnings' cargo doc --no-deps"
        );
        let sh = gate("sh", Command::Shell("echo a | wc -l".into()));
        assert_eq!(sh.reproduce(None), "sh -c 'echo a | wc -l'");
        let b = gate("fmt", Command::Builtin("format-check".into()));
        assert_eq!(
            b.reproduce(Some("cargo xtask format enforce")),
            "cargo xtask format enforce"
        );
    }

    #[test]
    fn restrict_keeps_needs_transitively() {
        let mut a = gate("a", Command::Argv(vec!["true".into()]));
        let mut b = gate("b", Command::Argv(vec!["true".into()]));
        let mut c = gate("c", Command::Argv(vec!["true".into()]));
        let d = gate("d", Command::Argv(vec!["true".into()]));
        a.needs = vec![];
        b.needs = vec![0];
        c.needs = vec![1];
        let plan = Plan {
            jobs: 2,
            gates: vec![a, b, c, d],
        };
        let r = plan.restrict(&[2]);
        let names: Vec<&str> = r.gates.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(r.gates[2].needs, [1]);
        assert_eq!(r.gates[1].needs, [0]);
    }
}
