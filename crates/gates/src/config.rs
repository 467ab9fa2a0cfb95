//! The `[qa]` and `[gates.NAME]` sections of `xtask.toml`: their serde schema (what the user
//! wrote, with spans for errors) and the validation that turns them into a [`Plan`]: unknown
//! `needs` with a did-you-mean, cycles printed as `a -> b -> a`, unknown `builtin:` names.

use std::collections::BTreeMap;
use std::time::Duration;

use indexmap::IndexMap;
use repo::config::{did_you_mean, list};
use repo::{ConfigError, ConfigFile};
use serde::Deserialize;
use toml::Spanned;

use regex::Regex;

use crate::baseline::{Format, Spec};
use crate::model::{Command, Gate, Plan};

/// The whole file as this crate sees it: only the sections it owns. Its JSON Schema (doc
/// comments become descriptions) is part of `docs/reference/xtask-toml.schema.json`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub(crate) struct RawFile {
    /// Settings of `qa` itself.
    #[serde(default)]
    pub(crate) qa: Option<RawQa>,
    /// The quality gates, one table per gate (`[gates.NAME]`); they run in declaration order
    /// as `needs` allow.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, RawGate>")]
    pub(crate) gates: IndexMap<String, Spanned<RawGate>>,
}

/// `[qa]`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQa {
    /// Gates running at once (default: the number of cores; `--jobs` overrides).
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub(crate) jobs: Option<Spanned<i64>>,
    /// Whether a required gate skipped for a missing tool fails the run, as does a run in
    /// which no gate ran (default: true under CI).
    pub(crate) require_tools: Option<bool>,
    /// The result cache.
    pub(crate) cache: Option<RawCache>,
}

/// `[qa.cache]`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCache {
    /// The remote result cache, shared by CI runners and developers: `http(s)://HOST/BASE`
    /// (the Bazel remote-cache HTTP protocol: bazel-remote, BuildBuddy, nginx WebDAV),
    /// `s3://BUCKET/PREFIX`, `redis://HOST:PORT/DB`, `webdav+https://HOST/BASE` or `gha://`.
    /// Never credentials: they come from the environment. `XTASK_CACHE_REMOTE` overrides it.
    #[schemars(with = "Option<String>")]
    pub(crate) remote: Option<Spanned<String>>,
    /// `read-write` (default), `read-only` (forks, developer machines) or `off`.
    /// `XTASK_CACHE_REMOTE_MODE` overrides it.
    #[schemars(with = "Option<RawRemoteMode>")]
    pub(crate) remote_mode: Option<Spanned<String>>,
    /// Seconds each request to the remote cache may take, connecting included (default 5).
    #[schemars(with = "Option<f64>", range(min = 0.0))]
    pub(crate) remote_timeout: Option<Spanned<f64>>,
}

/// The values of `remote_mode`.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
pub(crate) enum RawRemoteMode {
    ReadWrite,
    ReadOnly,
    Off,
}

/// `[gates.NAME]`, as written.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGate {
    /// The command: an argv, or a string split by shell-word rules and run without a shell;
    /// `"builtin:NAME"` runs a built-in gate (`format-check`, `sbom`).
    #[schemars(with = "RawRun")]
    pub(crate) run: Spanned<RawRun>,
    /// Run the `run` string with `sh -c`.
    #[serde(default)]
    pub(crate) shell: bool,
    /// Gates that must pass first, else this one ends `blocked`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(crate) needs: Vec<Spanned<String>>,
    /// Who answers for the gate, shown in every report.
    pub(crate) owner: Option<String>,
    /// What the gate checks, in a few words: shown by `qa --list` and in the reports.
    pub(crate) description: Option<String>,
    /// Seconds; then its process group is ended and it ends `timeout`.
    #[schemars(with = "Option<f64>", range(min = 0.0))]
    pub(crate) timeout: Option<Spanned<f64>>,
    /// The program that must be on `PATH`, else the gate ends `skipped`.
    pub(crate) tool: Option<String>,
    /// A Python module its interpreter must import, else the gate ends `skipped`.
    pub(crate) module: Option<String>,
    /// How to install `tool` or `module`, shown when it is missing.
    pub(crate) install: Option<String>,
    /// Extra environment variables.
    #[serde(default)]
    pub(crate) env: IndexMap<String, String>,
    /// Working directory, relative to the repository root.
    pub(crate) cwd: Option<String>,
    /// Gates sharing a lock never run at once (cargo commands share `cargo`).
    pub(crate) lock: Option<String>,
    /// Its failure is reported but does not fail the run.
    #[serde(default)]
    pub(crate) allow_failure: bool,
    /// Known debt the gate may carry; `qa baseline update` stores it.
    #[schemars(with = "Option<RawBaseline>")]
    pub(crate) baseline: Option<Spanned<RawBaseline>>,
    /// Globs of the files its cached pass depends on (default: every file git tracks or would
    /// track).
    pub(crate) inputs: Option<Vec<String>>,
    /// Globs: under `--changed-since`, it runs only when a changed file matches.
    pub(crate) paths: Option<Vec<String>>,
    /// Variables of qa's environment it sees (names or `*` globs; part of its cache key).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(crate) pass_env: Vec<Spanned<String>>,
    /// `false`: never cached, and it sees qa's whole environment.
    pub(crate) cache: Option<bool>,
    /// A regex whose named groups holding numbers are the counts of what the gate's tool found
    /// (for a tool qa has no reader for).
    #[schemars(with = "Option<String>")]
    pub(crate) summary: Option<Spanned<String>>,
    /// The JUnit XML file the gate writes, whose test cases join qa's JUnit report (found by
    /// itself for pytest's `--junitxml` and nextest's JUnit profile).
    pub(crate) junit: Option<String>,
}

/// `baseline = { count = 'REGEX' }` or `baseline = { diagnostics = "FORMAT", pattern = ... }`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBaseline {
    /// A regex whose first group is the count of known problems (`'Found (\d+) errors?'`).
    pub(crate) count: Option<String>,
    /// The diagnostics format to read: `ruff-json`, `clippy-json`, `mypy` or `regex`.
    #[schemars(extend("enum" = ["ruff-json", "clippy-json", "mypy", "regex"]))]
    pub(crate) diagnostics: Option<String>,
    /// For `diagnostics = "regex"`: a regex with the named groups `file` and `line` (and
    /// optionally `code` and `message`).
    pub(crate) pattern: Option<String>,
}

/// `run = "a string"` or `run = ["an", "argv"]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub(crate) enum RawRun {
    /// A command line, split by shell-word rules (or `builtin:NAME`).
    Line(String),
    /// An argv.
    Argv(#[schemars(length(min = 1))] Vec<String>),
}

/// The JSON Schema of `[qa]` and `[gates]`.
pub(crate) fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(RawFile)).expect("a schema serializes")
}

/// Where a timeout written as a number of seconds must lie.
const MAX_TIMEOUT_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

/// Reads and validates `[qa]` and `[gates]` of `file` into a plan. `builtins` are the names
/// `run = "builtin:NAME"` may use; `default_jobs` gives `jobs` when `[qa] jobs` is absent
/// (called only then: counting cores reads the cgroup's CPU quota).
pub(crate) fn load(
    file: &ConfigFile,
    builtins: &[&str],
    default_jobs: fn() -> usize,
) -> Result<Plan, ConfigError> {
    let raw: RawFile = file.section()?;
    build(file, raw, builtins, default_jobs)
}

/// `[qa] require_tools`, when the file sets it.
pub(crate) fn require_tools(file: &ConfigFile) -> Result<Option<bool>, ConfigError> {
    let raw: RawFile = file.section()?;
    Ok(raw.qa.and_then(|qa| qa.require_tools))
}

/// `[qa.cache]`'s remote settings, checked: a URL qa can use (with no credentials in it), a
/// known mode, a positive timeout.
pub(crate) fn remote_cache(file: &ConfigFile) -> Result<crate::remote::RemoteConfig, ConfigError> {
    let raw: RawFile = file.section()?;
    let Some(cache) = raw.qa.and_then(|qa| qa.cache) else {
        return Ok(crate::remote::RemoteConfig::default());
    };
    let mut out = crate::remote::RemoteConfig::default();
    if let Some(url) = &cache.remote {
        remote_cache::Location::parse(url.get_ref(), false, &|_| None)
            .map_err(|e| file.error_at(Some(url.span()), format!("`remote`: {e}")))?;
        out.url = Some(url.get_ref().clone());
    }
    if let Some(mode) = &cache.remote_mode {
        out.mode = Some(crate::remote::Mode::parse(mode.get_ref()).ok_or_else(|| {
            file.error_at(
                Some(mode.span()),
                format!(
                    "`remote_mode` is `read-write`, `read-only` or `off`, not `{}`",
                    mode.get_ref()
                ),
            )
        })?);
    }
    if let Some(t) = &cache.remote_timeout {
        let secs = *t.get_ref();
        if !(secs.is_finite() && secs > 0.0 && secs <= 3600.0) {
            return Err(file.error_at(
                Some(t.span()),
                format!("`remote_timeout` is seconds, more than 0 and at most 3600, not {secs}"),
            ));
        }
        out.timeout = Some(Duration::from_secs_f64(secs));
    }
    Ok(out)
}

fn build(
    file: &ConfigFile,
    raw: RawFile,
    builtins: &[&str],
    default_jobs: fn() -> usize,
) -> Result<Plan, ConfigError> {
    let jobs = match raw.qa.as_ref().and_then(|qa| qa.jobs.as_ref()) {
        None => default_jobs(),
        Some(jobs) => match usize::try_from(*jobs.get_ref()) {
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(file.error_at(
                    Some(jobs.span()),
                    format!(
                        "`jobs` must be 1 or more, not {}; it caps how many gates run at once",
                        jobs.get_ref()
                    ),
                ));
            }
        },
    };
    let names: Vec<&str> = raw.gates.keys().map(String::as_str).collect();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut gates = Vec::with_capacity(raw.gates.len());
    for (name, spanned) in &raw.gates {
        let gate = spanned.get_ref();
        let needs = gate
            .needs
            .iter()
            .map(|need| {
                index.get(need.get_ref().as_str()).copied().ok_or_else(|| {
                    let hint = did_you_mean(need.get_ref(), names.iter().copied())
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    file.error_at(
                        Some(need.span()),
                        format!(
                            "gate `{name}` needs `{}`, which is not defined{hint}",
                            need.get_ref()
                        ),
                    )
                })
            })
            .collect::<Result<Vec<usize>, ConfigError>>()?;
        let command = command(file, name, gate, builtins)?;
        let timeout = match &gate.timeout {
            None => None,
            Some(t) if *t.get_ref() > 0.0 && *t.get_ref() <= MAX_TIMEOUT_SECONDS => {
                Some(Duration::from_secs_f64(*t.get_ref()))
            }
            Some(t) => {
                return Err(file.error_at(
                    Some(t.span()),
                    format!(
                        "gate `{name}`: `timeout` is in seconds and must be above 0 and at most \
                         {MAX_TIMEOUT_SECONDS}, not {}",
                        t.get_ref()
                    ),
                ));
            }
        };
        if gate.install.is_some() && gate.tool.is_none() && gate.module.is_none() {
            return Err(file.error_at(
                Some(spanned.span()),
                format!("gate `{name}`: `install` is a hint for `tool`; set `tool` too"),
            ));
        }
        if let Some(key) = gate.env.keys().find(|k| !repo::process::is_env_name(k)) {
            return Err(file.error_at(
                Some(spanned.span()),
                format!(
                    "gate `{name}`: env key `{key}` is not a variable name; use letters, digits \
                     and `_`, not starting with a digit"
                ),
            ));
        }
        if let Some(module) = &gate.module
            && !crate::available::is_module_name(module)
        {
            return Err(file.error_at(
                Some(spanned.span()),
                format!(
                    "gate `{name}`: `module = \"{module}\"` is not a Python module name \
                     (dotted identifiers, e.g. `detect_secrets`)"
                ),
            ));
        }
        let baseline = match &gate.baseline {
            None => None,
            Some(b) => Some(baseline_spec(file, name, b)?),
        };
        let globs =
            |key: &str, list: &Option<Vec<String>>| -> Result<Option<Vec<String>>, ConfigError> {
                if let Some(list) = list {
                    for g in list {
                        if let Err(e) = globset::Glob::new(g) {
                            return Err(file.error_at(
                                Some(spanned.span()),
                                format!("gate `{name}`: `{key}` glob `{g}` is invalid: {e}"),
                            ));
                        }
                    }
                }
                Ok(list.clone())
            };
        let inputs = globs("inputs", &gate.inputs)?;
        let paths = globs("paths", &gate.paths)?;
        for pattern in &gate.pass_env {
            if let Some(why) = crate::environment::invalid_pattern(pattern.get_ref()) {
                return Err(file.error_at(
                    Some(pattern.span()),
                    format!(
                        "gate `{name}`: `pass_env` entry `{}` {why}",
                        pattern.get_ref()
                    ),
                ));
            }
        }
        let summary = match &gate.summary {
            None => None,
            Some(p) => Some(summary_pattern(file, name, p)?),
        };
        let lock = gate
            .lock
            .clone()
            .or_else(|| command.runs_cargo().then(|| "cargo".to_string()));
        gates.push(Gate {
            name: name.clone(),
            command,
            needs,
            owner: gate.owner.clone(),
            description: gate.description.clone(),
            timeout,
            tool: gate.tool.clone(),
            module: gate.module.clone(),
            install: gate.install.clone(),
            env: gate
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            cwd: gate.cwd.clone(),
            lock,
            allow_failure: gate.allow_failure,
            baseline,
            inputs,
            paths,
            pass_env: gate.pass_env.iter().map(|p| p.get_ref().clone()).collect(),
            cache: gate.cache.unwrap_or(true),
            summary,
            junit: gate.junit.clone(),
        });
        let last = gates.last_mut().expect("a gate was just pushed");
        if last.summary.is_none() {
            last.summary = crate::summary::pick(last).map(crate::summary::Spec::Tool);
        }
        if last.junit.is_none() {
            last.junit = crate::summary::junit_path(last);
        }
    }
    let mut logs: BTreeMap<String, &str> = BTreeMap::new();
    for gate in &gates {
        let log = crate::file_names::log_file_name(&gate.name);
        if let Some(other) = logs.insert(log.clone(), &gate.name) {
            return Err(file.error_at(
                raw.gates.get(gate.name.as_str()).map(Spanned::span),
                format!(
                    "gates `{other}` and `{}` would share the log file {log}; rename one \
                     (names differ in more than characters outside [A-Za-z0-9._-])",
                    gate.name
                ),
            ));
        }
    }
    let plan = Plan { jobs, gates };
    if let Some(cycle) = plan.find_cycle() {
        let first = &plan.gates[cycle[0]].name;
        let span = raw.gates.get(first.as_str()).map(Spanned::span);
        let path: Vec<&str> = cycle
            .iter()
            .chain(std::iter::once(&cycle[0]))
            .map(|&i| plan.gates[i].name.as_str())
            .collect();
        return Err(file.error_at(span, format!("gates form a cycle: {}", path.join(" -> "))));
    }
    Ok(plan)
}

/// `summary = "REGEX"`: a valid pattern with at least one named group (the counts).
fn summary_pattern(
    file: &ConfigFile,
    name: &str,
    raw: &Spanned<String>,
) -> Result<crate::summary::Spec, ConfigError> {
    let text = raw.get_ref();
    let err = |m: String| file.error_at(Some(raw.span()), format!("gate `{name}`: `summary`: {m}"));
    let re = Regex::new(text).map_err(|e| err(format!("`{text}` is not a valid regex: {e}")))?;
    if re.capture_names().flatten().next().is_none() {
        return Err(err(format!(
            "`{text}` needs named groups, one per count, e.g. `(?P<passed>\\d+) passed`"
        )));
    }
    Ok(crate::summary::Spec::Pattern(re))
}

fn baseline_spec(
    file: &ConfigFile,
    name: &str,
    raw: &Spanned<RawBaseline>,
) -> Result<Spec, ConfigError> {
    let err =
        |m: String| file.error_at(Some(raw.span()), format!("gate `{name}`: `baseline`: {m}"));
    let regex = |what: &str, text: &str| {
        Regex::new(text).map_err(|e| err(format!("{what} `{text}` is not a valid regex: {e}")))
    };
    let b = raw.get_ref();
    match (&b.count, &b.diagnostics) {
        (Some(count), None) => {
            if b.pattern.is_some() {
                return Err(err(
                    "`pattern` goes with `diagnostics = \"regex\"`, not `count`".into(),
                ));
            }
            let re = regex("count", count)?;
            if re.captures_len() < 2 {
                return Err(err(format!(
                    "count `{count}` needs a capture group around the number, e.g. `Found (\\d+) errors?`"
                )));
            }
            Ok(Spec::Count(re))
        }
        (None, Some(kind)) => {
            let format = match (kind.as_str(), &b.pattern) {
                ("ruff-json", None) => Format::RuffJson,
                ("clippy-json", None) => Format::ClippyJson,
                ("mypy", None) => Format::Mypy,
                ("regex", Some(p)) => {
                    let re = regex("pattern", p)?;
                    let names: Vec<&str> = re.capture_names().flatten().collect();
                    if !names.contains(&"file") || !names.contains(&"line") {
                        return Err(err(format!(
                            "pattern `{p}` needs named groups `file` and `line` (and may have \
                             `code` and `message`)"
                        )));
                    }
                    Format::Regex(re)
                }
                ("regex", None) => {
                    return Err(err("`diagnostics = \"regex\"` needs a `pattern`".into()));
                }
                ("ruff-json" | "clippy-json" | "mypy", Some(_)) => {
                    return Err(err(format!(
                        "`pattern` is only for `diagnostics = \"regex\"`, not `{kind}`"
                    )));
                }
                (other, _) => {
                    let kinds = ["ruff-json", "clippy-json", "mypy", "regex"];
                    let hint = did_you_mean(other, kinds)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    return Err(err(format!(
                        "unknown diagnostics format `{other}`{hint}; expected one of {}",
                        list(kinds)
                    )));
                }
            };
            Ok(Spec::Diagnostics(format))
        }
        _ => Err(err(
            "set exactly one of `count = 'REGEX'` or `diagnostics = \"FORMAT\"`".into(),
        )),
    }
}

fn command(
    file: &ConfigFile,
    name: &str,
    gate: &RawGate,
    builtins: &[&str],
) -> Result<Command, ConfigError> {
    let span = Some(gate.run.span());
    let err = |message: String| file.error_at(span.clone(), format!("gate `{name}`: {message}"));
    match gate.run.get_ref() {
        RawRun::Line(line) if line.starts_with("builtin:") => {
            let builtin = &line["builtin:".len()..];
            if gate.shell {
                return Err(err(
                    "a `builtin:` gate runs a task of this program, not a shell; remove `shell = true`".into(),
                ));
            }
            if gate.cwd.is_some() {
                return Err(err(
                    "a `builtin:` gate runs on the repository root (`--root`); remove `cwd`".into(),
                ));
            }
            if !builtins.contains(&builtin) {
                let hint = did_you_mean(builtin, builtins.iter().copied())
                    .map(|s| format!(" (did you mean `builtin:{s}`?)"))
                    .unwrap_or_default();
                let known = if builtins.is_empty() {
                    "this build knows none".to_string()
                } else {
                    format!(
                        "known: {}",
                        list(
                            builtins
                                .iter()
                                .map(|b| format!("builtin:{b}"))
                                .collect::<Vec<_>>()
                                .iter()
                                .map(String::as_str)
                        )
                    )
                };
                return Err(err(format!("unknown built-in `{line}`{hint}; {known}")));
            }
            Ok(Command::Builtin(builtin.to_string()))
        }
        RawRun::Line(line) if gate.shell => {
            if line.trim().is_empty() {
                return Err(err("`run` is empty".into()));
            }
            Ok(Command::Shell(line.clone()))
        }
        RawRun::Line(line) => match repo::process::split(line) {
            Some(words) if !words.is_empty() => Ok(Command::Argv(words)),
            Some(_) => Err(err("`run` is empty".into())),
            None => Err(err(format!(
                "`run` has an unclosed quote or a trailing backslash: {line}"
            ))),
        },
        RawRun::Argv(argv) if gate.shell => Err(err(
            "`shell = true` takes `run` as one string for `sh -c`, not an array".into(),
        )),
        RawRun::Argv(argv) if argv.is_empty() => Err(err("`run` is empty".into())),
        RawRun::Argv(argv) => Ok(Command::Argv(argv.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn load_str(text: &str) -> Result<Plan, String> {
        let file = ConfigFile::parse(Path::new("xtask.toml"), text.to_string())
            .map_err(|e| e.to_string())?;
        load(&file, &["format-check", "sbom"], || 4).map_err(|e| e.to_string())
    }

    #[test]
    fn a_full_gate_loads() {
        let plan = load_str(
            "[qa]\njobs = 3\n\n[gates.fmt]\nrun = 'cargo fmt --all --check'\n\n\
             [gates.types]\nrun = ['mypy', 'src']\nneeds = ['fmt']\nowner = 'QA'\ntimeout = 1.5\n\
             tool = 'mypy'\ninstall = 'pip install mypy'\nenv = { MYPY_CACHE_DIR = 'x' }\n\
             cwd = 'py'\nlock = 'py'\nallow_failure = true\npass_env = ['AWS_*']\ncache = false\n\n\
             [gates.sh]\nrun = 'echo hi | wc -l'\nshell = true\n\n\
             [gates.sbom]\nrun = 'builtin:sbom'\n",
        )
        .unwrap();
        assert_eq!(plan.jobs, 3);
        let names: Vec<&str> = plan.gates.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["fmt", "types", "sh", "sbom"]);
        assert_eq!(plan.gates[0].lock.as_deref(), Some("cargo"));
        let types = &plan.gates[1];
        assert_eq!(types.needs, [0]);
        assert_eq!(types.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(types.lock.as_deref(), Some("py"));
        assert!(types.allow_failure);
        assert_eq!(types.pass_env, ["AWS_*"]);
        assert!(!types.cache && plan.gates[0].cache);
        assert_eq!(
            plan.gates[2].command,
            Command::Shell("echo hi | wc -l".into())
        );
        assert_eq!(plan.gates[2].lock, None);
        assert_eq!(plan.gates[3].command, Command::Builtin("sbom".into()));
    }

    #[test]
    fn default_jobs_apply_without_qa_section() {
        assert_eq!(load_str("[gates.a]\nrun = 'true'\n").unwrap().jobs, 4);
    }

    #[test]
    fn errors_name_line_key_and_fix() {
        let cases = [
            (
                "[gates.lints]\nrun = 'true'\n[gates.types]\nrun = 'true'\nneeds = ['lint']\n",
                "xtask.toml:5:10: gate `types` needs `lint`, which is not defined (did you mean `lints`?)",
            ),
            (
                "[gates.a]\nrun = 'true'\nneeds = ['b']\n[gates.b]\nrun = 'true'\nneeds = ['c']\n[gates.c]\nrun = 'true'\nneeds = ['a']\n",
                "xtask.toml:1:1: gates form a cycle: a -> b -> c -> a",
            ),
            (
                "[gates.a]\nrun = 'true'\nneeds = ['a']\n",
                "xtask.toml:1:1: gates form a cycle: a -> a",
            ),
            (
                "[gates.fmt]\nrun = 'builtin:format-chek'\n",
                "xtask.toml:2:7: gate `fmt`: unknown built-in `builtin:format-chek` (did you mean \
                 `builtin:format-check`?); known: `builtin:format-check` or `builtin:sbom`",
            ),
            (
                "[gates.sbom]\nrun = 'builtin:sbom'\ncwd = 'py'\n",
                "xtask.toml:2:7: gate `sbom`: a `builtin:` gate runs on the repository root \
                 (`--root`); remove `cwd`",
            ),
            (
                "[gates.a]\nrun = 'true'\ntiemout = 3\n",
                "xtask.toml:3:1: unknown key `tiemout` (did you mean `timeout`?); expected one of \
                 `run`, `shell`, `needs`, `owner`, `description`, `timeout`, `tool`, `module`, `install`, `env`, `cwd`, \
                 `lock`, `allow_failure`, `baseline`, `inputs`, `paths`, `pass_env`, `cache`, `summary` or `junit`",
            ),
            (
                "[qa]\njbos = 2\n",
                "xtask.toml:2:1: unknown key `jbos` (did you mean `jobs`?); expected one of `jobs`",
            ),
            (
                "[qa]\njobs = 0\n",
                "xtask.toml:2:8: `jobs` must be 1 or more, not 0; it caps how many gates run at once",
            ),
            (
                "[gates.a]\nrun = 'true'\n[gates.a]\nrun = 'false'\n",
                "xtask.toml:3:8: duplicate key",
            ),
            (
                "[gates.a]\nrun = []\n",
                "xtask.toml:2:7: gate `a`: `run` is empty",
            ),
            (
                "[gates.a]\nrun = 'echo \"oops'\n",
                "xtask.toml:2:7: gate `a`: `run` has an unclosed quote or a trailing backslash: echo \"oops",
            ),
            (
                "[gates.a]\nrun = 'true'\nbaseline = { count = 'Found \\d+' }\n",
                "xtask.toml:3:12: gate `a`: `baseline`: count `Found \\d+` needs a capture group",
            ),
            (
                "[gates.a]\nrun = 'true'\nbaseline = { diagnostics = 'ruff-jsn' }\n",
                "xtask.toml:3:12: gate `a`: `baseline`: unknown diagnostics format `ruff-jsn` (did you mean `ruff-json`?)",
            ),
            (
                "[gates.a]\nrun = 'true'\nbaseline = { diagnostics = 'regex', pattern = '(?P<file>.*)' }\n",
                "xtask.toml:3:12: gate `a`: `baseline`: pattern `(?P<file>.*)` needs named groups `file` and `line`",
            ),
            (
                "[gates.a]\nrun = 'true'\nbaseline = { count = '(' }\n",
                "xtask.toml:3:12: gate `a`: `baseline`: count `(` is not a valid regex",
            ),
            (
                "[gates.a]\nrun = 'true'\npaths = ['src/[']\n",
                "xtask.toml:1:1: gate `a`: `paths` glob `src/[` is invalid",
            ),
            (
                "[gates.'a/b']\nrun = 'true'\n[gates.a_b]\nrun = 'true'\n",
                "xtask.toml:3:1: gates `a/b` and `a_b` would share the log file a_b.log",
            ),
            (
                "[gates.a]\nrun = 'true'\npass_env = ['AWS_*', 'A=B']\n",
                "xtask.toml:3:22: gate `a`: `pass_env` entry `A=B` has `=`; a variable name is \
                 letters, digits and `_`, with `*` as a glob",
            ),
            (
                "[gates.a]\nrun = 'true'\ncache = 'no'\n",
                "xtask.toml:3:9: invalid type: string \"no\", expected a boolean",
            ),
            (
                "[gates.a]\nrun = 'true'\ntimeout = -1\n",
                "xtask.toml:3:11: gate `a`: `timeout` is in seconds and must be above 0 and at most 604800, not -1",
            ),
        ];
        for (text, expected) in cases {
            let err = load_str(text).unwrap_err();
            assert!(
                err.starts_with(expected),
                "for\n{text}\n got: {err}\nwant: {expected}"
            );
        }
    }
}
