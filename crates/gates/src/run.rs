//! The runner edge: asks the scheduler what starts next, starts each gate on a worker thread
//! (a child process through `repo::process::run`, its output in `target/xtask/qa/NAME.log`; a
//! built-in is this executable run as one), collects ends over a channel, and builds the report. Ctrl-C stops
//! the starting, lets `process::run` kill the running groups, and skips what never started.

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use repo::Repo;
use repo::fs::DirOnce;
use repo::process::{self, End, RunOptions};

use crate::baseline::{self, Assessment, BaselineReport, Mode as BaselineMode};
use crate::builtin::Builtins;
use crate::cache::{Cache, Entry};
use crate::follow::Follow;
use crate::model::{Gate, Plan, Status};
use crate::report::{GateReport, Report};
use crate::schedule::{State, decide};
use crate::summary::{Summary, Tests};

/// How many lines of a log the reports keep for a gate that did not pass.
pub(crate) const TAIL_LINES: usize = 30;

/// What a run is asked to do beyond the plan.
#[derive(Debug)]
pub struct RunConfig<'a> {
    pub builtins: &'a Builtins,
    /// Stop starting gates after the first required gate that fails.
    pub fail_fast: bool,
    /// What to do with baselines: compare, ratchet, or record.
    pub baseline_mode: BaselineMode,
    /// Report a gate that passed with the same key as `pass (cached)` without running it.
    /// Passes are stored either way.
    pub use_cache: bool,
    /// `--changed-since REF`: the ref and the files changed since its merge base.
    pub changed: Option<(String, Vec<String>)>,
    /// `-v`: hand the observer each line the running gates print, as they print it.
    pub verbose: bool,
    /// `--skip NAME`: gates not to run. Each ends `skipped`; the gates that need it run as if
    /// it had passed (as under `--changed-since`).
    pub skip: Vec<String>,
    /// The remote result cache (`[qa.cache] remote`), read when the local cache is and written
    /// as its mode allows.
    pub remote: Option<&'a crate::remote::Remote>,
}

/// Told as gates start and end (the terminal view implements it).
pub trait Observer {
    /// Before anything starts: how many gates the run has.
    fn planned(&mut self, _total: usize) {}
    fn started(&mut self, gate: &Gate);
    /// Under `-v` ([`RunConfig::verbose`]): a line a running gate printed (to its log).
    fn output(&mut self, _gate: &str, _line: &str) {}
    fn finished(&mut self, gate: &GateReport);
}

/// How a gate that ran ended, before it becomes a [`GateReport`].
#[derive(Debug)]
struct Ran {
    status: Status,
    reason: Option<String>,
    exit_code: Option<i32>,
    duration: Duration,
    baseline: Option<BaselineReport>,
    cached: bool,
    /// Answered from the remote cache.
    remote: bool,
    summary: Option<Summary>,
    tests: Option<Tests>,
}

/// Runs the plan to its end (or to Ctrl-C) and returns the report.
pub fn run(
    repo: &Repo,
    plan: &Plan,
    config: &RunConfig<'_>,
    observer: &mut dyn Observer,
) -> Report {
    let started_at = repo::time::rfc3339(repo::time::unix_seconds(SystemTime::now()));
    let t0 = Instant::now();
    let log_dir = repo.xtask_dir().join("qa");
    // Made once, by the first gate that writes a log; no symlink is followed under target/: a
    // planted link must not send the logs elsewhere.
    let logs = &DirOnce::new(&log_dir, repo.target_dir());
    let n = plan.gates.len();
    let mut states = vec![State::Pending; n];
    let mut reports: Vec<Option<GateReport>> = vec![None; n];
    let mut starts: Vec<Option<f64>> = vec![None; n];
    let mut stop_reason: Option<String> = None;
    observer.planned(n);
    // Under `-v`: where each log was read up to, and whether its gate has opened it yet (before
    // that, the file may still hold an earlier run's output).
    let mut follow = config.verbose.then(|| Follow::new(n));
    let opened: Vec<AtomicBool> = (0..n).map(|_| AtomicBool::new(false)).collect();
    let opened = &opened;
    if let Some((base, changed)) = &config.changed {
        for (i, skip) in crate::select::unaffected(plan, changed)
            .into_iter()
            .enumerate()
        {
            if skip {
                states[i] = State::Unaffected;
                let r = base_report(repo, plan, config, i, None).ended(
                    Status::Skipped,
                    format!("unaffected: no file changed since `{base}` matches its `paths`"),
                );
                record(observer, &mut reports, i, r);
            }
        }
    }
    for (i, gate) in plan.gates.iter().enumerate() {
        if states[i] == State::Pending && config.skip.contains(&gate.name) {
            states[i] = State::Unaffected;
            let r = base_report(repo, plan, config, i, None)
                .ended(Status::Skipped, format!("skipped: --skip {}", gate.name));
            record(observer, &mut reports, i, r);
        }
    }
    let (tx, rx) = mpsc::channel::<(usize, Ran)>();
    let cache = Cache::new(
        repo,
        config.use_cache && config.baseline_mode == BaselineMode::Check,
    );
    let cache = &cache;

    thread::scope(|scope| {
        // Off the path of the first gate: the file list most cache keys hash (the index read
        // and a walk, `repo::git_files`, and a digest per file).
        if plan.gates.iter().any(|g| g.cache && g.inputs.is_none()) {
            scope.spawn(|| cache.prefetch_files());
        }
        loop {
            if stop_reason.is_none() && process::interrupted() {
                stop_reason = Some("interrupted before it started".into());
            }
            // Decide until nothing changes: a gate skipped at start may block others.
            while stop_reason.is_none() {
                let decision = decide(plan, &states);
                if decision.block.is_empty() && decision.start.is_empty() {
                    break;
                }
                for (i, need) in decision.block {
                    let need_gate = &plan.gates[need];
                    let State::Done(need_status) = states[need] else {
                        unreachable!("blocked by a gate that has not ended")
                    };
                    states[i] = State::Done(Status::Blocked);
                    let r = GateReport {
                        blocked_by: Some(need_gate.name.clone()),
                        ..base_report(repo, plan, config, i, None).ended(
                            Status::Blocked,
                            format!("needs `{}`, which {}", need_gate.name, need_status.told()),
                        )
                    };
                    record(observer, &mut reports, i, r);
                }
                for i in decision.start {
                    let gate = &plan.gates[i];
                    if let Some(missing) = crate::available::missing(gate, repo.root()) {
                        states[i] = State::Done(Status::Skipped);
                        let r = GateReport {
                            missing_tool: Some(missing.what),
                            ..base_report(repo, plan, config, i, None)
                                .ended(Status::Skipped, missing.reason)
                        };
                        record(observer, &mut reports, i, r);
                        continue;
                    }
                    states[i] = State::Running;
                    starts[i] = Some(t0.elapsed().as_secs_f64());
                    observer.started(gate);
                    let tx = tx.clone();
                    let log = log_dir.join(crate::file_names::log_file_name(&gate.name));
                    let builtins = config.builtins;
                    let mode = config.baseline_mode;
                    let remote = config.remote;
                    scope.spawn(move || {
                        let (ran, stored) = cached_or_run(
                            repo, gate, builtins, &log, logs, mode, cache, remote, &opened[i],
                        );
                        let _ = tx.send((i, ran));
                        // Off the path of the run: the scheduler has the gate's end already
                        // and may start the next gate meanwhile. The run's end waits for this
                        // thread (the scope) before the cache's `finish`.
                        if let Some(pass) = stored
                            && let Some(last) = cache.put(&pass.keyed, &pass.entry)
                        {
                            if let Some(remote) = remote {
                                // Only the tail is read: a log may be hundreds of MB.
                                let tail = file_end(&log, crate::remote::LOG_TAIL_BYTES)
                                    .map(|(bytes, _)| bytes)
                                    .unwrap_or_default();
                                remote.store(&last.key, &pass.entry, &tail);
                            }
                            cache.keep_last(&gate.name, last);
                        }
                    });
                }
            }
            if let Some(reason) = &stop_reason {
                for (i, state) in states.iter_mut().enumerate() {
                    if *state == State::Pending {
                        *state = State::Done(Status::Skipped);
                        let r = base_report(repo, plan, config, i, None)
                            .ended(Status::Skipped, reason.clone());
                        record(observer, &mut reports, i, r);
                    }
                }
            }
            if !states.contains(&State::Running) {
                break;
            }
            if let Some(follow) = &mut follow {
                for (i, state) in states.iter().enumerate() {
                    if *state == State::Running && opened[i].load(Ordering::Acquire) {
                        let name = &plan.gates[i].name;
                        let log = log_dir.join(crate::file_names::log_file_name(name));
                        for line in follow.lines(i, &log, false) {
                            observer.output(name, &line);
                        }
                    }
                }
            }
            let Ok((i, ran)) = rx.recv_timeout(Duration::from_millis(50)) else {
                continue;
            };
            states[i] = State::Done(ran.status);
            let log = log_dir.join(crate::file_names::log_file_name(&plan.gates[i].name));
            if let Some(follow) = &mut follow
                && opened[i].load(Ordering::Acquire)
            {
                for line in follow.lines(i, &log, true) {
                    observer.output(&plan.gates[i].name, &line);
                }
            }
            let r = GateReport {
                exit_code: ran.exit_code,
                start_s: starts[i],
                duration_s: Some(ran.duration.as_secs_f64()),
                baseline: ran.baseline,
                cached: ran.cached,
                remote_cache: ran.remote,
                summary: ran.summary,
                tests: ran.tests,
                // Without the tools' escapes: the reports are never a terminal. A colour
                // terminal reads the log itself (`term.rs`).
                log_tail: (ran.status != Status::Pass)
                    .then(|| tail(&log, TAIL_LINES))
                    .flatten()
                    .map(|t| crate::ansi::strip(&t))
                    .filter(|t| !t.trim().is_empty()),
                ..base_report(repo, plan, config, i, Some(&log)).ended(ran.status, ran.reason)
            };
            if config.fail_fast && stop_reason.is_none() && r.required && ran.status.fails_run() {
                stop_reason = Some(format!("--fail-fast: `{}` did not pass", r.name));
            }
            record(observer, &mut reports, i, r);
        }
    });
    cache.finish();
    let interrupted = process::interrupted();
    let gates = reports
        .into_iter()
        .map(|r| r.expect("every gate ends"))
        .collect();
    let mut report = Report::new(
        started_at,
        t0.elapsed().as_secs_f64(),
        plan.jobs,
        interrupted,
        gates,
    );
    report.hostname = repo::host::name();
    report.remote_cache = config.remote.map(crate::remote::Remote::report);
    report
}

/// Tells the observer that gate `i` ended, and keeps its report.
fn record(
    observer: &mut dyn Observer,
    reports: &mut [Option<GateReport>],
    i: usize,
    report: GateReport,
) {
    observer.finished(&report);
    reports[i] = Some(report);
}

/// Gate `i`'s report with what the plan says of it (name, owner, needs, command, log), not
/// yet ended: [`GateReport::ended`] says how it did.
fn base_report(
    repo: &Repo,
    plan: &Plan,
    config: &RunConfig<'_>,
    i: usize,
    log: Option<&Path>,
) -> GateReport {
    let gate = &plan.gates[i];
    GateReport {
        name: gate.name.clone(),
        status: Status::Pass,
        reason: None,
        owner: gate.owner.clone(),
        description: gate.description.clone(),
        needs: gate
            .needs
            .iter()
            .map(|&n| plan.gates[n].name.clone())
            .collect(),
        blocked_by: None,
        required: !gate.allow_failure,
        start_s: None,
        duration_s: None,
        command: config.builtins.resolve(gate, repo.root()).reproduce(),
        log: log.map(|l| display_path(repo.root(), l)),
        exit_code: None,
        log_tail: None,
        baseline: None,
        cached: false,
        remote_cache: false,
        missing_tool: None,
        summary: None,
        tests: None,
    }
}

fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A pass of this run, to store under its key once the scheduler has been told the gate's end.
struct PassToStore {
    keyed: crate::cache::Keyed,
    entry: Entry,
}

/// Answers from the cache (local, then remote) when the gate passed before with the same key,
/// else runs it; returns with its end a pass to store (locally, in the remote cache, and as the
/// gate's latest pass), which the caller stores once it has told the scheduler.
#[allow(clippy::too_many_arguments)]
fn cached_or_run(
    repo: &Repo,
    gate: &Gate,
    builtins: &Builtins,
    log: &Path,
    logs: &DirOnce,
    mode: BaselineMode,
    cache: &Cache,
    remote: Option<&crate::remote::Remote>,
    opened: &AtomicBool,
) -> (Ran, Option<PassToStore>) {
    let t0 = Instant::now();
    // A cacheable gate runs with the strict environment its key holds; `cache = false`
    // inherits everything and is never cached.
    let env = crate::environment::for_gate(gate);
    let keyed = env.as_deref().and_then(|env| cache.key(gate, env));
    if let Some(keyed) = &keyed {
        let key = &keyed.key;
        let local = cache.get(key).map(|e| (e, None));
        let found = local.or_else(|| {
            let remote = remote.filter(|_| cache.reads())?;
            let (entry, log) = remote.fetch(key, &gate.name)?;
            Some((entry, Some((remote.shown(), log))))
        });
        if let Some((entry, from_remote)) = found {
            let whence = match &from_remote {
                Some((url, _)) => format!(" (from the remote cache {url})"),
                None => String::new(),
            };
            let note = format!(
                "cached: passed at {} in {:.1} s with the same inputs, command, environment and \
                 tools (key {key}){whence}; `--no-cache` reruns it\n",
                entry.passed_at, entry.duration_s
            );
            if logs.ready().is_ok()
                && let Ok(mut file) = repo::fs::create_file_nofollow(log)
            {
                let _ = std::io::Write::write_all(&mut file, note.as_bytes());
                // A remote pass replays the log it was stored with.
                if let Some((_, stored_log)) = &from_remote
                    && !stored_log.is_empty()
                {
                    let _ = std::io::Write::write_all(&mut file, b"--- the log of that run ---\n");
                    let _ = std::io::Write::write_all(&mut file, stored_log);
                }
                opened.store(true, Ordering::Release);
            }
            // A remote pass is kept locally: the next run answers without the network.
            let last = from_remote.as_ref().and_then(|_| cache.put(keyed, &entry));
            let ran = Ran {
                status: Status::Pass,
                reason: Some(format!("cached: passed at {}{whence}", entry.passed_at)),
                exit_code: None,
                duration: t0.elapsed(),
                baseline: entry.baseline,
                cached: true,
                remote: from_remote.is_some(),
                summary: entry.summary,
                tests: entry.tests,
            };
            if let Some(last) = last {
                cache.keep_last(&gate.name, last);
            }
            return (ran, None);
        }
    }
    let mut ran = run_gate(
        repo,
        gate,
        builtins,
        log,
        logs,
        mode,
        env.as_deref(),
        opened,
    );
    if ran.status == Status::Pass
        && gate.cache
        && let Some(why) = cache.disabled()
    {
        ran.reason = Some(match ran.reason.take() {
            Some(r) => format!("{r}; {why}"),
            None => why.to_string(),
        });
    }
    let mut stored = None;
    if ran.status == Status::Pass
        && let Some(keyed) = keyed
    {
        let entry = Entry {
            gate: gate.name.clone(),
            passed_at: repo::time::rfc3339(repo::time::unix_seconds(SystemTime::now())),
            duration_s: ran.duration.as_secs_f64(),
            baseline: ran.baseline.clone().map(|mut b| {
                b.stored = false;
                b
            }),
            summary: ran.summary.clone(),
            tests: ran.tests.clone(),
        };
        stored = Some(PassToStore { keyed, entry });
    }
    (ran, stored)
}

#[allow(clippy::too_many_arguments)]
fn run_gate(
    repo: &Repo,
    gate: &Gate,
    builtins: &Builtins,
    log: &Path,
    logs: &DirOnce,
    mode: BaselineMode,
    env: Option<&[(OsString, OsString)]>,
    opened: &AtomicBool,
) -> Ran {
    let t0 = Instant::now();
    let error = |reason: String| Ran {
        status: Status::Error,
        reason: Some(reason),
        exit_code: None,
        duration: t0.elapsed(),
        baseline: None,
        cached: false,
        remote: false,
        summary: None,
        tests: None,
    };
    if let Err(e) = logs.ready() {
        return error(e.to_string());
    }
    let file = match repo::fs::create_file_nofollow(log) {
        Ok(f) => {
            opened.store(true, Ordering::Release);
            f
        }
        Err(e) => return error(format!("cannot create the log: {e}")),
    };
    let resolved = builtins.resolve(gate, repo.root());
    let builtin = resolved.builtin_name();
    let mut cmd = match resolved.cmd() {
        Ok(cmd) => cmd,
        Err(why) => return error(why),
    };
    if let Some(env) = env {
        // The strict environment first, then the command's own assignments over it (the
        // gate's `env`, and what a built-in is handed by this process).
        cmd.env_clear = true;
        let own = std::mem::replace(&mut cmd.env, env.to_vec());
        cmd.env.extend(own);
    }
    let options = RunOptions::log(file).timeout(gate.timeout);
    // A coarse file-system clock may stamp a file written just after this a little before it.
    let since = SystemTime::now() - Duration::from_millis(100);
    let finished = match process::run(&cmd, options) {
        Ok(f) => f,
        Err(e) => return error(e.reason),
    };
    let (mut status, mut reason, exit_code) = match finished.end {
        End::Exited(0) => (Status::Pass, None, Some(0)),
        // The tasks' exit 2 is bad input or configuration: the check itself could not run.
        End::Exited(2) if builtin.is_some() => (
            Status::Error,
            Some(format!(
                "built-in `{}` could not run (exit 2; its log says why)",
                builtin.unwrap_or_default()
            )),
            Some(2),
        ),
        End::Exited(code) => (Status::Fail, Some(format!("exited {code}")), Some(code)),
        End::Signalled(signal) => (
            Status::Fail,
            Some(format!("killed by signal {signal}")),
            None,
        ),
        End::TimedOut => (
            Status::Timeout,
            Some(format!(
                "timed out after {:.1} s; its process group was killed",
                gate.timeout.unwrap_or_default().as_secs_f64()
            )),
            None,
        ),
        End::Interrupted => (
            Status::Skipped,
            Some("interrupted while running; its process group was killed".into()),
            None,
        ),
    };
    let mut baseline_report = None;
    if let (Some(spec), End::Exited(code)) = (&gate.baseline, finished.end) {
        let base = match &gate.cwd {
            Some(cwd) => repo.root().join(cwd),
            None => repo.root().to_path_buf(),
        };
        match baseline::assess(repo.root(), &gate.name, spec, &base, log, code, mode) {
            Err(e) => return error(e.to_string()),
            Ok(Assessment::Judged(j)) => {
                status = if j.pass { Status::Pass } else { Status::Fail };
                reason = match (j.reason, reason) {
                    (Some(b), Some(r)) if !j.pass || code != 0 => Some(format!("{r}; {b}")),
                    (b, _) => b,
                };
                baseline_report = Some(j.report);
            }
            Ok(Assessment::Unmeasured(why)) => {
                reason = Some(format!(
                    "{}baseline not measured: {why}",
                    reason.map(|r| format!("{r}; ")).unwrap_or_default()
                ));
            }
        }
    }
    let (summary, tests, note) = match finished.end {
        End::Exited(_) => found(repo, gate, log, since),
        _ => (None, None, None),
    };
    if let Some(note) = note {
        reason = Some(match reason {
            Some(r) => format!("{r}; {note}"),
            None => note,
        });
    }
    Ran {
        status,
        reason,
        exit_code,
        duration: finished.duration,
        baseline: baseline_report,
        cached: false,
        remote: false,
        summary,
        tests,
    }
}

/// What the gate's tool found: its log read by the gate's summary reader, and the test cases
/// of its JUnit file (written at or after `since`); with a note when that file is unreadable.
fn found(
    repo: &Repo,
    gate: &Gate,
    log: &Path,
    since: SystemTime,
) -> (Option<Summary>, Option<Tests>, Option<String>) {
    let mut summary = gate
        .summary
        .as_ref()
        .and_then(|spec| crate::summary::read_log(spec, log));
    let base = match &gate.cwd {
        Some(cwd) => repo.root().join(cwd),
        None => repo.root().to_path_buf(),
    };
    let junit = match &gate.junit {
        Some(file) => Some((base.join(file), file.clone())),
        // nextest's JUnit file is named by its config, read now: it may change between runs.
        None => crate::summary::nextest_profile(gate).and_then(|profile| {
            let target = gate
                .env
                .iter()
                .find(|(k, _)| k == "CARGO_TARGET_DIR")
                .map(|(_, v)| v.as_str());
            let path = crate::summary::nextest_junit_file(repo.root(), &base, &profile, target)?;
            let shown = display_path(repo.root(), &path);
            Some((path, shown))
        }),
    };
    let (tests, note) = match junit {
        None => (None, None),
        Some((path, file)) => match crate::summary::read_junit(&path, &file, since) {
            Ok(tests) => (Some(tests), None),
            Err(why) => (None, Some(why)),
        },
    };
    if let Some(tests) = &tests {
        match &mut summary {
            None => summary = Some(crate::summary::from_tests(tests)),
            Some(s) if s.failed.is_empty() => s.failed = tests.failed(),
            Some(_) => {}
        }
    }
    (summary, tests, note)
}

/// The last `lines` lines of a log, lossily decoded; `None` when it is empty or unreadable.
pub(crate) fn tail(path: &Path, lines: usize) -> Option<String> {
    let (bytes, _) = file_end(path, 64 * 1024)?;
    let text = String::from_utf8_lossy(&bytes);
    let all: Vec<&str> = text.lines().collect();
    let kept = &all[all.len().saturating_sub(lines)..];
    let out = kept.join("\n");
    (!out.trim().is_empty()).then_some(out)
}

/// The last `max` bytes of the file at `path` (never the whole of a huge log), and the file's
/// length when it was opened.
pub(crate) fn file_end(path: &Path, max: u64) -> Option<(Vec<u8>, u64)> {
    let mut file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let from = len.saturating_sub(max);
    file.seek(SeekFrom::Start(from)).ok()?;
    let mut bytes = Vec::with_capacity((len - from) as usize);
    file.take(max).read_to_end(&mut bytes).ok()?;
    Some((bytes, len))
}
