//! `qa`: a repository's quality gates as a dependency graph that never halts at the first
//! failure. The gate model and its `xtask.toml` schema, detection of default gates, the
//! scheduler (pure), the runner edge (one thread per running gate), and the reports (terminal,
//! JSON, Markdown, JUnit, SARIF, GitHub Actions).
//!
//! Entry points, all the binary calls: [`load_plan`] (validated before anything runs),
//! [`select`] for `qa GATE...`, [`run`] then [`write_reports`], [`merge`] for `qa report
//! merge`, and [`init`] for `qa init`. The rest is `pub(crate)`, but for the types those carry.

mod ansi;
mod available;
mod balance;
mod baseline;
mod builtin;
mod cache;
mod config;
mod detect;
mod environment;
mod error;
mod explain;
mod file_names;
mod follow;
mod github;
mod inputs;
mod makefile;
mod merge;
mod model;
mod remote;
mod render;
mod report;
mod run;
mod sarif;
mod schedule;
mod select;
mod shards;
mod shell_words;
mod summary;
mod term;
mod timings;
mod tool_id;
mod verdict;

// The public API is what the binary calls, and the types its values carry.
pub use baseline::{
    BaselineReport, BaselineState, Finding, Format, Kind, Level, Mode as BaselineMode,
    NewDiagnostic, Spec,
};
pub use builtin::{Builtins, Resolved};
pub use detect::Detected;
pub use error::QaError;
pub use explain::{Action, DryRun, Explained, dry_run, dry_run_json, dry_run_text};
pub use github::{
    Echo, Tokens, fenced_if_needed, github_commands, log_echo, report_echo,
    write_output as write_github_output,
};
pub use merge::{annotated_gates, check_merge, merge};
pub use model::{Command, Gate, Plan, Status};
pub use remote::{Mode as RemoteMode, Remote, RemoteConfig, RemoteReport};
pub use render::{Outputs, baseline_table, write_reports};
pub use report::{Counts, GateReport, Outcome, Report, SCHEMA_PATH, json_schema};
pub use run::{Observer, RunConfig, run};
pub use select::{Shard, changed_files, shard};
pub use shards::ShardInfo;
pub use summary::{
    Number, Reader as SummaryReader, Spec as SummarySpec, Summary, TestCase, TestStatus, Tests,
};
pub use term::{Terminal, list, list_json, summary};
pub use timings::Timings;
pub use verdict::{Strict, ci_env, require_checked};

use std::path::{Path, PathBuf};

use repo::Repo;
use repo::config::{ConfigFile, did_you_mean};

/// The plan to run and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub plan: Plan,
    /// Set when there was no `xtask.toml` and the gates were detected.
    pub detected: Option<Detected>,
    /// `[qa] require_tools`, when xtask.toml sets it.
    pub require_tools: Option<bool>,
    /// `[qa.cache]`'s remote cache settings.
    pub remote_cache: RemoteConfig,
}

/// The number of cores, the default of `[qa] jobs`.
pub(crate) fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Loads and validates the repository's gates: its `xtask.toml`, or detected ones when it has
/// none. Nothing runs before this has succeeded.
pub fn load_plan(repo: &Repo, builtins: &Builtins) -> Result<Loaded, QaError> {
    let names = builtins.names();
    match repo.config() {
        Some(file) => Ok(Loaded {
            plan: config::load(file, &names, default_jobs)?,
            detected: None,
            require_tools: config::require_tools(file)?,
            remote_cache: config::remote_cache(file)?,
        }),
        None => {
            let detected = detect::detect(repo)?;
            let file = ConfigFile::parse(Path::new("(detected gates)"), detected.toml.clone())?;
            let plan = config::load(&file, &names, default_jobs)?;
            if plan.gates.is_empty() {
                return Err(QaError::NoGates(format!(
                    "{} has no xtask.toml and no Cargo.toml or pyproject.toml to detect gates \
                     from; write an xtask.toml (`{}` lists its keys)",
                    repo.root().display(),
                    repo::invocation::current().command("qa init --help")
                )));
            }
            Ok(Loaded {
                plan,
                detected: Some(detected),
                require_tools: None,
                remote_cache: RemoteConfig::default(),
            })
        }
    }
}

/// The plan restricted to the gates named and what they need; every name must exist.
pub fn select(plan: &Plan, names: &[String]) -> Result<Plan, QaError> {
    if names.is_empty() {
        return Ok(plan.clone());
    }
    let mut picked = Vec::new();
    for name in names {
        picked.push(index_of(plan, name)?);
    }
    Ok(plan.restrict(&picked))
}

/// The index of the gate `name`, or the error naming the gates there are.
fn index_of(plan: &Plan, name: &str) -> Result<usize, QaError> {
    plan.index(name).ok_or_else(|| {
        let all = plan.gates.iter().map(|g| g.name.as_str());
        QaError::UnknownGate {
            name: name.to_string(),
            hint: did_you_mean(name, all.clone())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default(),
            known: repo::config::list(all),
        }
    })
}

/// Checks that every name (`--skip NAME`) is a gate of the plan.
pub fn check_gate_names(plan: &Plan, names: &[String]) -> Result<(), QaError> {
    names.iter().try_for_each(|n| index_of(plan, n).map(|_| ()))
}

/// `qa GATE -- ARGS`: appends `args` to gate `name`'s command (shell-quoted onto a `shell =
/// true` line). A built-in gate takes none: its command is the binary's own task.
pub fn append_args(plan: &mut Plan, name: &str, args: &[String]) -> Result<(), QaError> {
    let i = index_of(plan, name)?;
    match &mut plan.gates[i].command {
        model::Command::Argv(argv) => argv.extend_from_slice(args),
        model::Command::Shell(line) => {
            for arg in args {
                let quoted = shlex::try_quote(arg).map_err(|_| {
                    QaError::Args(format!("an argument for `{name}` holds a NUL byte"))
                })?;
                line.push(' ');
                line.push_str(&quoted);
            }
        }
        model::Command::Builtin(builtin) => {
            return Err(QaError::Args(format!(
                "`{name}` runs the built-in `{builtin}`, which takes no extra arguments"
            )));
        }
    }
    Ok(())
}

/// For `qa baseline`: the named gates (default: every gate with a `baseline`) and what they
/// need; a named gate without a baseline is an error.
pub fn select_baselined(plan: &Plan, names: &[String]) -> Result<Plan, QaError> {
    let names: Vec<String> = if names.is_empty() {
        plan.gates
            .iter()
            .filter(|g| g.baseline.is_some())
            .map(|g| g.name.clone())
            .collect()
    } else {
        names.to_vec()
    };
    if names.is_empty() {
        return Err(QaError::NoGates(
            "no gate has a `baseline`; add `baseline = { count = '...' }` or \
             `baseline = { diagnostics = \"...\" }` to one in xtask.toml"
                .into(),
        ));
    }
    let selected = select(plan, &names)?;
    if let Some(g) = names.iter().find(|n| {
        selected
            .gates
            .iter()
            .any(|g| &g.name == *n && g.baseline.is_none())
    }) {
        return Err(QaError::NoGates(format!(
            "gate `{g}` has no `baseline` in xtask.toml"
        )));
    }
    Ok(selected)
}

/// Reads a JSON report written by `qa --json`.
pub fn read_report(path: &Path) -> Result<Report, QaError> {
    let text = repo::fs::read_to_string(path)?;
    let report: Report = serde_json::from_str(&text).map_err(|e| QaError::BadReport {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if report.schema_version != report::SCHEMA_VERSION {
        return Err(QaError::BadReport {
            path: path.to_path_buf(),
            message: format!(
                "schema_version {} (this build reads {})",
                report.schema_version,
                report::SCHEMA_VERSION
            ),
        });
    }
    Ok(report)
}

/// The durations of the gates that ran in the JSON report at `path` (`qa --shard --timings`);
/// cached, skipped and blocked gates have none.
pub fn read_timings(path: &Path) -> Result<Timings, QaError> {
    let report = read_report(path)?;
    Ok(Timings::new(
        report
            .gates
            .iter()
            .filter(|g| !g.cached && g.start_s.is_some())
            .filter_map(|g| Some((g.name.clone(), g.duration_s?))),
        &path.display().to_string(),
    ))
}

/// The JSON Schema of `[qa]` and `[gates]` of `xtask.toml`.
pub fn config_schema() -> serde_json::Value {
    config::schema()
}

/// What `qa init` wrote.
#[derive(Debug, Clone)]
pub struct Init {
    pub path: PathBuf,
    pub detected: Detected,
}

/// Writes the detected gates to `xtask.toml` (or, with `make_target`, the commands of that
/// Makefile target); refuses to overwrite an existing file unless `force`.
pub fn init(repo: &Repo, force: bool, make_target: Option<&str>) -> Result<Init, QaError> {
    let path = repo.path(repo::config::FILE_NAME);
    if path.exists() && !force {
        return Err(QaError::ConfigExists(path));
    }
    let detected = match make_target {
        Some(target) => detect::detect_make_target(repo, target)?,
        None => detect::detect(repo)?,
    };
    if detected.gates.is_empty() {
        return Err(QaError::NoGates(format!(
            "nothing to detect in {}: no Cargo.toml, and no pyproject.toml configuring ruff, \
             mypy or pytest",
            repo.root().display()
        )));
    }
    repo::fs::write_atomic(&path, detected.toml.as_bytes())?;
    Ok(Init { path, detected })
}
