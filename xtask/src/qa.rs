//! `cargo xtask qa [GATE...]`: runs the repository's quality gates (xtask.toml, or detected
//! ones) as a dependency graph and reports each gate's end; writes logs to
//! `target/xtask/qa/NAME.log` and the reports asked for (`--json`, `--markdown`, `--junit`,
//! `--sarif`, the GitHub step summary), holding `target/xtask/qa.lock` for the run (a second run waits).
//! `qa --list` prints the graph, `qa init` writes the detected gates
//! to xtask.toml, `qa schema` regenerates the JSON report's schema (in this workspace only).

use std::path::{Path, PathBuf};

use gates::{BaselineMode, Builtins, Outcome, Outputs, RunConfig, Terminal};
use repo::Repo;

use crate::exit::Exit;
use crate::generated::{self, Generated, Mode};

/// Arguments of `cargo xtask qa`.
#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  \
        cargo xtask qa                              run every gate\n  \
        cargo xtask qa clippy test                  these gates and what they need\n  \
        cargo xtask qa tests -- -k slow             one gate, with extra arguments\n  \
        cargo xtask qa --skip audit                 every gate but one\n  \
        cargo xtask qa --list                       the gate graph\n  \
        cargo xtask qa --dry-run                    what would run, be cached or skipped, and why\n  \
        cargo xtask qa --markdown qa.md --junit qa.xml\n  \
        cargo xtask qa --changed-since origin/main --jobs 4"
)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Option<QaCommand>,

    /// Run only these gates and the gates they need.
    #[arg(value_name = "GATE", add = crate::complete::gate_names())]
    gates: Vec<String>,

    /// Arguments after `--` go to the one GATE named, appended to its command (shell-quoted
    /// onto a `shell = true` line): `qa tests -- -k slow`. Part of its cache key.
    #[arg(last = true, value_name = "ARGS")]
    extra: Vec<String>,

    /// Do not run this gate (repeatable): it ends `skipped`, and the gates that need it run as
    /// if it had passed.
    #[arg(long, value_name = "GATE")]
    skip: Vec<String>,

    /// Print the gate graph and exit (with --json: the gates as JSON on stdout, for a CI matrix,
    /// each with the cache that would answer it: `local`, `remote` or null).
    #[arg(long)]
    list: bool,

    /// Say what a run would do with each gate, and why, and exit: run (and which part of its
    /// cache key changed since its last pass), cached (by the local or the remote cache), skipped
    /// (unaffected by --changed-since, missing tool) or blocked. Runs no gate and writes nothing (with --json: JSON on stdout,
    /// or to PATH).
    #[arg(long, conflicts_with = "list")]
    dry_run: bool,

    /// How many gates run at once (default: `[qa] jobs`, else the number of cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,

    /// Stop starting gates after the first required gate that does not pass.
    #[arg(long)]
    fail_fast: bool,

    /// Print each line the running gates print as they print it, prefixed `NAME | ` (their
    /// logs keep it all either way).
    #[arg(long, short = 'v')]
    verbose: bool,

    /// Write the report as JSON (schema: docs/reference/qa-report.schema.json). With --list,
    /// print the gates as JSON instead (no PATH).
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "-")]
    json: Option<PathBuf>,

    /// Write notes a team can paste: one line per gate, then a table.
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,

    /// Write a JUnit XML report: one test case per gate.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,

    /// Write the diagnostics of gates with a diagnostics `baseline` (ruff, clippy, mypy, regex)
    /// as SARIF 2.1.0, each `new` or `unchanged` against the baseline, for code scanning.
    #[arg(long, value_name = "PATH")]
    sarif: Option<PathBuf>,

    /// Lower a gate's stored baseline when its debt shrank and nothing is new.
    #[arg(long)]
    ratchet: bool,

    /// Run every gate even when it passed before with the same inputs: neither the result cache
    /// nor the remote cache (`[qa.cache] remote`, XTASK_CACHE_REMOTE) is read; passes are still
    /// stored.
    #[arg(long)]
    no_cache: bool,

    /// Skip gates with `paths` that no file changed since the merge base with REF matches
    /// (uncommitted and untracked files count as changed).
    #[arg(long, value_name = "REF")]
    changed_since: Option<String>,

    /// Run shard K of N: a deterministic share of the gates, balanced by their durations (see
    /// --timings), each with what it needs (the JSON report records K/N and digests of the plan
    /// and of the cut, which `qa report merge` checks).
    #[arg(long, value_name = "K/N")]
    shard: Option<gates::Shard>,

    /// Cut --shard by the gates' durations in this JSON report of an earlier run (default: the
    /// durations the result cache recorded, else gate counts). Give every shard the same file.
    #[arg(long, value_name = "REPORT.json", requires = "shard")]
    timings: Option<PathBuf>,

    /// Fail the run when a required gate is skipped because its tool is missing, or when no
    /// gate ran at all. On by default under CI (`CI` set, not `false` or `0`).
    #[arg(long, overrides_with = "no_require_tools")]
    require_tools: bool,

    /// Let a run pass with gates skipped for a missing tool, also under CI (the summary still
    /// lists them).
    #[arg(long, overrides_with = "require_tools")]
    no_require_tools: bool,
}

/// `qa init --help` after the flags: the keys of the file it writes, so that an xtask.toml in any
/// repository points to help its reader has (a test checks every key the loader accepts is here).
const INIT_KEYS: &str = "\
The file, xtask.toml at the repository root (the loader names the line of any unknown key):

  [qa]
  jobs = 2                 gates running at once (default: the number of cores; --jobs overrides)
  require_tools = true     a required gate skipped for a missing tool fails the run, and so does
                           a run in which no gate ran (default: true under CI)

  [gates.NAME]             one table per gate; gates run in declaration order as needs allow
  run = [\"cargo\", \"test\"]  the command: an argv; a string is split by shell-word rules and
                           run without a shell; \"builtin:NAME\" runs a built-in (format-check, sbom)
  shell = true             run the `run` string with `sh -c`
  needs = [\"fmt\"]          gates that must pass first, else this one ends `blocked`
  owner = \"QA\"             who answers for the gate, shown in every report
  description = \"types\"    what it checks, in a few words: shown by --list and in the reports
  timeout = 600            seconds; then its process group is ended and it ends `timeout`
  tool = \"mypy\"            the program that must be on PATH, else the gate ends `skipped`
  module = \"pytest\"        a Python module its interpreter must import, else `skipped`
  install = \"pip install mypy\"  how to install `tool` or `module`, shown when it is missing
  env = { KEY = \"value\" }  extra environment variables
  cwd = \"python\"           working directory, relative to the repository root
  lock = \"db\"              gates sharing a lock never run at once (cargo commands share `cargo`)
  allow_failure = true     its failure is reported but does not fail the run
  baseline = { count = 'REGEX' } or { diagnostics = \"FORMAT\", pattern = 'REGEX' }
                           known debt the gate may carry; `qa baseline update` stores it
  inputs = [\"src/**\"]      the files its cached pass depends on (default: what git tracks)
  pass_env = [\"AWS_*\"]     variables of qa's environment it sees (part of its cache key)
  cache = false            never cached, and it sees qa's whole environment
  paths = [\"docs/**\"]      under --changed-since, it runs only when a changed file matches
  summary = '(?P<passed>\\d+) passed'  what its tool found, for a tool qa has no reader for:
                           named groups of the last match become counts in every report
  junit = \"build/junit.xml\"  the JUnit file it writes (found for pytest's --junitxml and
                           nextest's JUnit profile): its test cases are folded into qa's JUnit

[format] and [sbom] hold the settings of `format` and `sbom`.

Examples:
  cargo xtask qa init
  cargo xtask qa init --make-target check --force";

#[derive(Debug, clap::Subcommand)]
enum QaCommand {
    /// Write the detected gates to xtask.toml, for editing.
    ///
    /// The gates come from the Makefile's `qa` target when there is one (one gate per command,
    /// with the tool it needs and obvious `needs`), else from the project: a Cargo workspace
    /// gets fmt, clippy, test and doc; a pyproject.toml the ruff, mypy and pytest gates it
    /// configures.
    #[command(
        after_help = "Examples:\n  cargo xtask qa init\n  cargo xtask qa init --make-target check --force",
        after_long_help = INIT_KEYS
    )]
    Init {
        /// Overwrite an existing xtask.toml.
        #[arg(long)]
        force: bool,
        /// Import the commands of this Makefile target instead.
        #[arg(long, value_name = "TARGET")]
        make_target: Option<String>,
    },
    /// Record or show the known debt of gates with a `baseline`.
    #[command(
        subcommand,
        after_help = "Examples:\n  cargo xtask qa baseline update types\n  cargo xtask qa baseline status"
    )]
    Baseline(BaselineCommand),
    /// Combine reports (e.g. of CI shards).
    #[command(
        subcommand,
        after_help = "Example:\n  cargo xtask qa report merge shard-1.json shard-2.json --junit qa.xml"
    )]
    Report(ReportCommand),
    /// Regenerate the JSON Schema of the report (docs/reference/qa-report.schema.json) of the
    /// workspace this binary was built from; any other repository is refused.
    #[command(hide = true)]
    Schema {
        /// Do not write; exit 1 with a diff when the committed schema is stale.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, clap::Subcommand)]
enum BaselineCommand {
    /// Run the gates and store their current debt under .xtask/baselines/ (commit it).
    #[command(
        after_help = "Examples:\n  cargo xtask qa baseline update\n  cargo xtask qa baseline update types"
    )]
    Update {
        /// Only these gates (default: every gate with a `baseline`).
        #[arg(value_name = "GATE", add = crate::complete::gate_names())]
        gates: Vec<String>,
    },
    /// Run the gates and show each one's debt and its trend against the stored baseline.
    #[command(after_help = "Example:\n  cargo xtask qa baseline status types")]
    Status {
        /// Only these gates (default: every gate with a `baseline`).
        #[arg(value_name = "GATE", add = crate::complete::gate_names())]
        gates: Vec<String>,
    },
}

#[derive(Debug, clap::Subcommand)]
enum ReportCommand {
    /// Merge JSON reports of shards into one and write it in any format.
    ///
    /// Shards' reports must make one whole run: one plan digest and one N, each shard 1..=N
    /// exactly once (else exit 1, naming the files). Unsharded reports merge without that check.
    #[command(
        after_help = "Example:\n  cargo xtask qa report merge shards/*.json --markdown qa.md --junit qa.xml --github"
    )]
    Merge {
        /// The JSON reports, written by `qa --json`.
        #[arg(value_name = "REPORT", required = true)]
        reports: Vec<PathBuf>,
        /// Write the merged report as JSON.
        #[arg(long, value_name = "PATH")]
        json: Option<PathBuf>,
        /// Write the merged Markdown notes.
        #[arg(long, value_name = "PATH")]
        markdown: Option<PathBuf>,
        /// Write the merged JUnit XML.
        #[arg(long, value_name = "PATH")]
        junit: Option<PathBuf>,
        /// Write the shards' diagnostics as one SARIF 2.1.0 log.
        #[arg(long, value_name = "PATH")]
        sarif: Option<PathBuf>,
        /// GitHub Actions output: append the notes to $GITHUB_STEP_SUMMARY, print the kept log
        /// tails (fenced) and an annotation per failure, append `outcome` and `failed` to
        /// $GITHUB_OUTPUT. Annotations a shard already emitted (its report says
        /// `"annotated": true`: it ran under GitHub Actions) are not emitted again.
        #[arg(long)]
        github: bool,
    },
}

/// The built-in gates this binary offers (`run = "builtin:NAME"`): its own `format enforce` and
/// `sbom` tasks, each run as a child process of this executable with its output in the gate's
/// log, reproduced with the invocation the user ran (`repo::invocation`).
pub(crate) fn builtins() -> Builtins {
    let inv = repo::invocation::current();
    Builtins::new()
        .with(
            "format-check",
            &inv.command("format enforce"),
            &["format", "enforce"],
        )
        .with("sbom", &inv.command("sbom"), &["sbom"])
}

pub(crate) fn run(root: Option<&Path>, args: Args) -> anyhow::Result<Exit> {
    let repo = Repo::discover(root)?;
    match args.command {
        Some(QaCommand::Init { force, make_target }) => {
            return init(&repo, force, make_target.as_deref());
        }
        Some(QaCommand::Schema { check }) => return schema(&repo, check),
        Some(QaCommand::Baseline(command)) => return baseline(&repo, command),
        Some(QaCommand::Report(ReportCommand::Merge {
            reports,
            json,
            markdown,
            junit,
            sarif,
            github,
        })) => {
            return merge(
                &reports,
                Outputs {
                    json,
                    markdown,
                    junit,
                    sarif,
                    github_step_summary: github.then(step_summary).flatten(),
                },
                github,
            );
        }
        None => {}
    }
    let builtins = builtins();
    let mut loaded = gates::load_plan(&repo, &builtins)?;
    if let Some(detected) = &loaded.detected {
        eprintln!(
            "qa: no xtask.toml; detected {}: gates {} (`{}` writes them to xtask.toml)",
            detected.kinds.join(" and "),
            detected.gates.join(", "),
            repo::invocation::current().command("qa init")
        );
    }
    gates::check_gate_names(&loaded.plan, &args.skip)?;
    if !args.extra.is_empty() {
        let [gate] = args.gates.as_slice() else {
            anyhow::bail!(
                "arguments after `--` go to one gate: name exactly one before `--` (e.g. \
                 `qa tests -- -k slow`), not {}",
                args.gates.len()
            );
        };
        gates::append_args(&mut loaded.plan, gate, &args.extra)?;
    }
    let mut plan = gates::select(&loaded.plan, &args.gates)?;
    let mut shard_info = None;
    if let Some(shard) = args.shard {
        let timings = match &args.timings {
            Some(path) => gates::read_timings(path)?,
            None => gates::Timings::from_cache(&repo, &plan),
        };
        let known = timings.known(&plan);
        if known == 0 {
            eprintln!(
                "qa: shard {}/{} cut by gate count (no gate's duration known{})",
                shard.index,
                shard.count,
                if args.timings.is_none() {
                    "; --timings REPORT.json gives them"
                } else {
                    " in that report"
                }
            );
        } else {
            let total = plan.gates.len();
            eprintln!(
                "qa: shard {}/{} cut by durations from {} ({known} of {total} gates timed{})",
                shard.index,
                shard.count,
                timings.source,
                if known < total {
                    "; the others weigh the median"
                } else {
                    ""
                }
            );
        }
        shard_info = Some(gates::ShardInfo::new(shard, &plan, &timings));
        plan = gates::shard(&plan, shard, &timings);
    }
    if let Some(jobs) = args.jobs {
        plan.jobs = usize::from(jobs);
    }
    // The remote cache is opened (no connection yet) only for what reads or writes it.
    let remote = if args.list && args.json.is_none() {
        None
    } else {
        gates::Remote::resolve(&loaded.remote_cache, &|k| std::env::var(k).ok())
            .map_err(|e| anyhow::anyhow!(e))?
    };
    if args.json.as_deref() == Some(Path::new("-")) && !args.dry_run && !args.list {
        anyhow::bail!(
            "--json needs a PATH (only `--list --json` and `--dry-run --json` print to stdout)"
        );
    }
    let changed = match &args.changed_since {
        Some(base) => Some((base.clone(), gates::changed_files(&repo, base)?)),
        None => None,
    };
    let config = RunConfig {
        builtins: &builtins,
        fail_fast: args.fail_fast,
        baseline_mode: if args.ratchet {
            BaselineMode::Ratchet
        } else {
            BaselineMode::Check
        },
        use_cache: !args.no_cache,
        changed,
        verbose: args.verbose,
        skip: args.skip.clone(),
        remote: remote.as_ref(),
    };
    if args.list {
        let reproduce = |g: &gates::Gate| builtins.resolve(g, repo.root()).reproduce();
        let text = if args.json.is_some() {
            // With what the caches (local and remote) would answer, as `--dry-run` decides.
            let dry = gates::dry_run(&repo, &plan, &config);
            remote_warnings(remote.as_ref());
            gates::list_json(&plan, &reproduce, &|i| dry.gates[i].cache)
        } else {
            gates::list(&plan, &reproduce)
        };
        crate::out::print(text)?;
        return Ok(Exit::Success);
    }
    if args.dry_run {
        let exit = dry_run(&repo, &plan, &config, args.json.as_deref());
        remote_warnings(remote.as_ref());
        return exit;
    }
    let Some(_lock) = run_lock(&repo)? else {
        return Ok(Exit::Interrupted);
    };
    let strict = gates::Strict::resolve(
        match (args.require_tools, args.no_require_tools) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        loaded.require_tools,
        gates::ci_env(),
    );
    let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let mut terminal = Terminal::stderr().github(github).root(repo.root());
    let mut report = gates::run(&repo, &plan, &config, &mut terminal);
    gates::require_checked(&mut report, &strict);
    report.shard = shard_info;
    // The annotations printed below: a merge of this report does not print them again.
    report.annotated = github;
    terminal.summary(&report);
    remote_warnings(remote.as_ref());
    let outputs = Outputs {
        json: args.json,
        markdown: args.markdown,
        junit: args.junit,
        sarif: args.sarif,
        github_step_summary: github.then(step_summary).flatten(),
    };
    gates::write_reports(&report, &outputs)?;
    if github {
        github_output(&report, &|g| gates::log_echo(repo.root(), g), &|_| true)?;
    }
    Ok(report.outcome.into())
}

/// Prints what went wrong with the remote cache (each a miss, never a failure).
fn remote_warnings(remote: Option<&gates::Remote>) {
    for warning in remote.map(|r| r.report().warnings).unwrap_or_default() {
        eprintln!("warning: {warning}");
    }
}

/// `qa --dry-run`: prints (or with `--json PATH`, writes) what a run would do with each gate.
fn dry_run(
    repo: &Repo,
    plan: &gates::Plan,
    config: &RunConfig<'_>,
    json: Option<&Path>,
) -> anyhow::Result<Exit> {
    let dry = gates::dry_run(repo, plan, config);
    match json {
        None => crate::out::print(gates::dry_run_text(&dry))?,
        Some(path) if path == Path::new("-") => crate::out::print(gates::dry_run_json(&dry))?,
        Some(path) => repo::fs::write_atomic(path, gates::dry_run_json(&dry).as_bytes())?,
    }
    Ok(Exit::Success)
}

fn baseline(repo: &Repo, command: BaselineCommand) -> anyhow::Result<Exit> {
    let (names, mode) = match command {
        BaselineCommand::Update { gates } => (gates, BaselineMode::Update),
        BaselineCommand::Status { gates } => (gates, BaselineMode::Check),
    };
    let builtins = builtins();
    let loaded = gates::load_plan(repo, &builtins)?;
    let plan = gates::select_baselined(&loaded.plan, &names)?;
    let Some(_lock) = run_lock(repo)? else {
        return Ok(Exit::Interrupted);
    };
    let config = RunConfig {
        builtins: &builtins,
        fail_fast: false,
        baseline_mode: mode,
        use_cache: false,
        changed: None,
        verbose: false,
        skip: Vec::new(),
        remote: None,
    };
    let mut terminal = Terminal::stderr().root(repo.root());
    let report = gates::run(repo, &plan, &config, &mut terminal);
    crate::out::print(gates::baseline_table(&report))?;
    if report.outcome == Outcome::Interrupted {
        return Ok(Exit::Interrupted);
    }
    // Every baselined gate must have been measured and stored; one that was not (its tool
    // stopped on a syntax error, is missing, or printed nothing to read) stores nothing.
    let unmeasured: Vec<&gates::GateReport> = plan
        .gates
        .iter()
        .zip(&report.gates)
        .filter(|(gate, r)| {
            gate.baseline.is_some() && !r.baseline.as_ref().is_some_and(|b| b.stored)
        })
        .map(|(_, r)| r)
        .collect();
    if mode == BaselineMode::Update && !unmeasured.is_empty() {
        for g in &unmeasured {
            eprintln!(
                "qa baseline update: `{}` was not measured, nothing stored: {}",
                g.name,
                g.reason.as_deref().unwrap_or(g.status.as_str())
            );
        }
        return Ok(Exit::Failure);
    }
    Ok(Exit::Success)
}

/// Takes `target/xtask/qa.lock` for a run, so that two runs in one repository never share
/// logs, cache entries or baselines: the second says so and waits. `None`: Ctrl-C while waiting.
fn run_lock(repo: &Repo) -> anyhow::Result<Option<repo::lock::RunLock>> {
    crate::run_lock::take(
        repo,
        &repo.xtask_dir().join("qa.lock"),
        "qa: waiting for another qa run in this repository",
    )
}

fn step_summary() -> Option<PathBuf> {
    std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

fn merge(paths: &[PathBuf], outputs: Outputs, github: bool) -> anyhow::Result<Exit> {
    let reports = paths
        .iter()
        .map(|p| gates::read_report(p))
        .collect::<Result<Vec<_>, _>>()?;
    let named: Vec<(&Path, &gates::Report)> =
        paths.iter().map(PathBuf::as_path).zip(&reports).collect();
    if let Err(problems) = gates::check_merge(&named) {
        for problem in problems {
            eprintln!("qa report merge: {problem}");
        }
        return Ok(Exit::Failure);
    }
    let mut merged = gates::merge(&reports);
    // Gates whose shard ran under GitHub Actions had their annotations printed there.
    let annotated = gates::annotated_gates(&reports);
    merged.annotated = github || merged.annotated;
    gates::write_reports(&merged, &outputs)?;
    if github {
        github_output(&merged, &gates::report_echo, &|g| {
            !annotated.contains(g.name.as_str())
        })?;
    }
    let summary = gates::summary(&merged, false);
    if github {
        eprint!(
            "{}",
            gates::fenced_if_needed(&summary, &gates::Tokens::new())
        );
    } else {
        eprint!("{summary}");
    }
    Ok(merged.outcome.into())
}

/// Under GitHub Actions: the workflow commands on stdout (each gate that did not pass, its log
/// tail fenced in a group; an annotation per failure of the gates `annotate` picks) and
/// `outcome`/`failed` appended to `$GITHUB_OUTPUT` when it names a file.
fn github_output(
    report: &gates::Report,
    echo: &dyn Fn(&gates::GateReport) -> Option<gates::Echo>,
    annotate: &dyn Fn(&gates::GateReport) -> bool,
) -> anyhow::Result<()> {
    crate::out::print(gates::github_commands(
        report,
        echo,
        annotate,
        &gates::Tokens::new(),
    ))?;
    if let Some(path) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
        gates::write_github_output(Path::new(&path), report)?;
    }
    Ok(())
}

fn init(repo: &Repo, force: bool, make_target: Option<&str>) -> anyhow::Result<Exit> {
    let done = gates::init(repo, force, make_target)?;
    eprintln!(
        "qa: detected {}; wrote gates {} to {}",
        done.detected.kinds.join(" and "),
        done.detected.gates.join(", "),
        done.path.display()
    );
    Ok(Exit::Success)
}

/// The report's JSON Schema: where it lives in the workspace, and what regenerates it.
const SCHEMA: Generated<'static> = Generated {
    path: gates::SCHEMA_PATH,
    command: "cargo xtask qa schema",
};

/// Writes (or with `--check`, compares) the report's schema; `repo` must be the workspace this
/// binary was built from.
fn schema(repo: &Repo, check: bool) -> anyhow::Result<Exit> {
    generated::this_workspace(repo, SCHEMA)?;
    generated::ensure(
        repo.root(),
        SCHEMA,
        &gates::json_schema(),
        Mode::from_check(check),
    )
}
