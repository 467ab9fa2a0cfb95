//! `qa --dry-run`: what a run would do with each gate, and why, without running a gate or
//! writing a file. A gate would be skipped (no changed file matches its `paths` under
//! `--changed-since`; its tool or module is missing), blocked (a need would not run), answered
//! from the cache (its key matches a stored pass), or run, with the reason: `cache = false`,
//! `--no-cache`, the cache off, no pass stored, or which parts of its cache key changed since
//! its latest stored pass (the command, an environment variable by name, a tool, input files
//! by name, the baseline).

use repo::Repo;
use serde::Serialize;

use crate::baseline::Mode as BaselineMode;
use crate::cache::{Cache, changes};
use crate::model::Plan;
use crate::run::RunConfig;

/// How many changed paths a gate's explanation names.
const NAMED_PATHS: usize = 5;

/// What a run would do with each gate of the plan, in declaration order.
#[derive(Debug, Clone, Serialize)]
pub struct DryRun {
    pub gates: Vec<Explained>,
}

/// What a run would do with one gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// It would run.
    Run,
    /// It would pass from the cache without running.
    Cached,
    /// It would be skipped (unaffected by the changes, or its tool is missing).
    Skip,
    /// It would be blocked: a gate it needs would not run.
    Blocked,
}

impl Action {
    fn as_str(&self) -> &'static str {
        match self {
            Action::Run => "run",
            Action::Cached => "cached",
            Action::Skip => "skip",
            Action::Blocked => "blocked",
        }
    }
}

/// One gate's explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    pub name: String,
    pub action: Action,
    /// Why, in words.
    pub reason: String,
    /// For a gate answered from the cache: `local` or `remote` (`[qa.cache] remote`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<&'static str>,
    /// The parts of its cache key that changed since its latest stored pass (`argv`, `env
    /// NAME (changed)`, `tool ruff (changed)`, `input files: 2 changed (a.py, b.py)`, `baseline`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_changes: Vec<String>,
    /// Under `--changed-since`, for a gate with `paths`: the changed files they match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_paths: Option<Vec<String>>,
    /// The tool or module it lacks, when that is why it would be skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_tool: Option<String>,
}

/// Decides, without running a gate or writing a file, what `run` would do with each gate of
/// `plan` under `config`.
pub fn dry_run(repo: &Repo, plan: &Plan, config: &RunConfig<'_>) -> DryRun {
    let n = plan.gates.len();
    let mut out: Vec<Option<Explained>> = vec![None; n];
    let explained = |name: &str, action: Action, reason: String| Explained {
        name: name.to_string(),
        action,
        reason,
        cache: None,
        key_changes: Vec::new(),
        changed_paths: None,
        missing_tool: None,
    };
    // What `--changed-since` decides.
    let mut matched: Vec<Option<Vec<String>>> = vec![None; n];
    if let Some((base, changed)) = &config.changed {
        let unaffected = crate::select::unaffected(plan, changed);
        for (i, gate) in plan.gates.iter().enumerate() {
            if gate.paths.is_none() {
                continue;
            }
            if unaffected[i] {
                out[i] = Some(explained(
                    &gate.name,
                    Action::Skip,
                    format!(
                        "unaffected: none of the {} files changed since `{base}` matches its \
                         `paths`",
                        changed.len()
                    ),
                ));
            } else {
                matched[i] = Some(crate::select::matching(gate, changed));
            }
        }
    }
    for (i, gate) in plan.gates.iter().enumerate() {
        if out[i].is_none() && config.skip.contains(&gate.name) {
            out[i] = Some(explained(
                &gate.name,
                Action::Skip,
                format!("skipped: --skip {}", gate.name),
            ));
        }
    }
    for (i, gate) in plan.gates.iter().enumerate() {
        if out[i].is_none()
            && let Some(missing) = crate::available::missing(gate, repo.root())
        {
            out[i] = Some(Explained {
                missing_tool: Some(missing.what),
                ..explained(&gate.name, Action::Skip, missing.reason)
            });
        }
    }
    // Blocked: a need skipped for a missing tool, or blocked itself (to a fixed point, as the
    // scheduler does); an unaffected need counts as passed.
    loop {
        let mut changed = false;
        for (i, gate) in plan.gates.iter().enumerate() {
            if out[i].is_some() {
                continue;
            }
            let stopped = gate.needs.iter().copied().find(|&need| {
                out[need]
                    .as_ref()
                    .is_some_and(|e| e.action == Action::Blocked || e.missing_tool.is_some())
            });
            if let Some(need) = stopped {
                let what = out[need].as_ref().map_or("", |e| e.action.as_str());
                let verb = if what == "skip" { "skipped" } else { what };
                out[i] = Some(explained(
                    &gate.name,
                    Action::Blocked,
                    format!("needs `{}`, which would be {verb}", plan.gates[need].name),
                ));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let cache = Cache::new(
        repo,
        config.use_cache && config.baseline_mode == BaselineMode::Check,
    );
    // Why the cache is not read, when it is not.
    let unread = if !config.use_cache {
        Some("the cache is not read (`--no-cache`)")
    } else if config.baseline_mode != BaselineMode::Check {
        Some("the cache is not read: `--ratchet` runs every gate to measure its baseline")
    } else {
        None
    };
    for (i, gate) in plan.gates.iter().enumerate() {
        if out[i].is_none() {
            let decision = cache_decision(&cache, config.remote, gate, unread);
            out[i] = Some(Explained {
                key_changes: decision.key_changes,
                cache: decision.source,
                ..explained(&gate.name, decision.action, decision.reason)
            });
        }
        if let (Some(e), Some(paths)) = (&mut out[i], matched[i].take()) {
            if e.action == Action::Run || e.action == Action::Cached {
                e.reason = format!(
                    "{}; its `paths` match {} changed file{} ({})",
                    e.reason,
                    paths.len(),
                    if paths.len() == 1 { "" } else { "s" },
                    named(&paths)
                );
            }
            e.changed_paths = Some(paths);
        }
    }
    DryRun {
        gates: out
            .into_iter()
            .map(|e| e.expect("every gate explained"))
            .collect(),
    }
}

/// What the cache would do for a gate.
struct Decision {
    action: Action,
    reason: String,
    key_changes: Vec<String>,
    /// `local` or `remote`, when the cache would answer.
    source: Option<&'static str>,
}

impl Decision {
    fn run(reason: String) -> Decision {
        Decision {
            action: Action::Run,
            reason,
            key_changes: Vec::new(),
            source: None,
        }
    }

    fn cached(reason: String, source: &'static str) -> Decision {
        Decision {
            action: Action::Cached,
            source: Some(source),
            ..Decision::run(reason)
        }
    }
}

/// Whether the cache (local, then remote) would answer for `gate`, and if not, why.
fn cache_decision(
    cache: &Cache,
    remote: Option<&crate::remote::Remote>,
    gate: &crate::model::Gate,
    unread: Option<&str>,
) -> Decision {
    let run = Decision::run;
    let Some(env) = crate::environment::for_gate(gate) else {
        return run("`cache = false`: never cached".into());
    };
    if let Some(why) = cache.disabled() {
        return run(why.to_string());
    }
    if let Some(why) = unread {
        return run(why.to_string());
    }
    let Some(keyed) = cache.key(gate, &env) else {
        return run(
            "no cache key: it has no `inputs` and the repository's files cannot be listed \
             (not a git repository?)"
                .into(),
        );
    };
    if let Some(entry) = cache.get(&keyed.key) {
        return Decision::cached(
            format!(
                "passed at {} in {:.1} s with the same key",
                entry.passed_at, entry.duration_s
            ),
            "local",
        );
    }
    if let Some(remote) = remote
        && let Some(entry) = remote.holds(&keyed.key, &gate.name)
    {
        return Decision::cached(
            format!(
                "the remote cache {} holds a pass with the same key (passed at {} in {:.1} s)",
                remote.shown(),
                entry.passed_at,
                entry.duration_s
            ),
            "remote",
        );
    }
    let Some(last) = cache.last_pass(&gate.name) else {
        return run("no pass of it is stored in the cache".into());
    };
    if last.key == keyed.key {
        return run(format!(
            "its pass at {} has the same key but its entry is gone (evicted or unreadable)",
            last.passed_at
        ));
    }
    let what = changes(&last.parts, &keyed.parts);
    let reason = if what.is_empty() {
        format!("its cache key changed since the pass at {}", last.passed_at)
    } else {
        format!(
            "its cache key changed since the pass at {}: {}",
            last.passed_at,
            what.join("; ")
        )
    };
    Decision {
        key_changes: what,
        ..Decision::run(reason)
    }
}

/// The dry run for the terminal: one line per gate, then the counts.
pub fn dry_run_text(dry: &DryRun) -> String {
    let width = dry
        .gates
        .iter()
        .map(|g| g.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for g in &dry.gates {
        out.push_str(&format!(
            "{:9} {:width$}  {}\n",
            format!("[{}]", g.action.as_str()),
            g.name,
            g.reason
        ));
    }
    let count = |a: Action| dry.gates.iter().filter(|g| g.action == a).count();
    out.push_str(&format!(
        "\nqa --dry-run: {} would run, {} cached, {} skipped, {} blocked; nothing was run or \
         written\n",
        count(Action::Run),
        count(Action::Cached),
        count(Action::Skip),
        count(Action::Blocked)
    ));
    out
}

/// The dry run as JSON (`qa --dry-run --json`).
pub fn dry_run_json(dry: &DryRun) -> String {
    let mut text = serde_json::to_string_pretty(dry).expect("JSON values serialize");
    text.push('\n');
    text
}

/// `a, b, c, d, e and 2 more`.
fn named(paths: &[String]) -> String {
    let shown = paths[..paths.len().min(NAMED_PATHS)].join(", ");
    match paths.len().saturating_sub(NAMED_PATHS) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}
