//! No green run that checked nothing. A gate skipped because its tool (or Python module) is
//! missing checked nothing; so did a run whose every gate was skipped or unaffected. Under CI
//! (the `CI` variable every CI service sets), with `--require-tools` or `[qa] require_tools =
//! true`, such a run fails: a required gate skipped for a missing tool keeps its `skipped`
//! status and reason, and the run's outcome becomes `fail` with an `outcome_reason`. On a
//! developer machine the run still passes, and the summary says loudly what did not run.
//!
//! A gate "checked" when it passed or failed: ran to a verdict, or was answered from the
//! result cache (a cached pass is a pass the same inputs earned). Pure: report in, report out.

use std::ffi::OsStr;

use crate::model::Status;
use crate::report::{GateReport, Outcome, Report};

/// Whether the run requires its tools, and why (`CI=true`, `--require-tools`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Strict {
    /// Set when strict: what made it so, in the words a message shows.
    pub because: Option<String>,
}

impl Strict {
    /// The rule in force: an explicit flag (`--require-tools` / `--no-require-tools`) first,
    /// then `[qa] require_tools` in xtask.toml, then the `CI` variable (`ci`, see [`ci_env`]).
    pub fn resolve(flag: Option<bool>, config: Option<bool>, ci: Option<String>) -> Strict {
        let because = match (flag, config) {
            (Some(true), _) => Some("--require-tools".to_string()),
            (Some(false), _) => None,
            (None, Some(true)) => Some("`[qa] require_tools = true`".to_string()),
            (None, Some(false)) => None,
            (None, None) => ci.map(|v| format!("CI={v}")),
        };
        Strict { because }
    }
}

/// The value of `CI` when it says this is a CI run: set, not empty, not `false` or `0`.
pub fn ci_env() -> Option<String> {
    ci_value(std::env::var_os("CI").as_deref())
}

fn ci_value(value: Option<&OsStr>) -> Option<String> {
    let value = value?.to_string_lossy().trim().to_string();
    let off = value.is_empty() || value == "0" || value.eq_ignore_ascii_case("false");
    (!off).then_some(value)
}

/// The gates skipped because their tool or module is missing, in report order.
pub(crate) fn did_not_run(report: &Report) -> Vec<&GateReport> {
    report
        .gates
        .iter()
        .filter(|g| g.status == Status::Skipped && g.missing_tool.is_some())
        .collect()
}

/// How many gates checked something: passed or failed, cached passes included.
pub(crate) fn checked(report: &Report) -> usize {
    report
        .gates
        .iter()
        .filter(|g| matches!(g.status, Status::Pass | Status::Fail))
        .count()
}

/// Applies the rule to a report whose outcome the gates decided: records it, and turns a pass
/// that checked nothing (or skipped a required gate for a missing tool) into a fail.
pub fn require_checked(report: &mut Report, strict: &Strict) {
    report.require_tools = strict.because.clone();
    report.outcome_reason = None;
    let Some(because) = &strict.because else {
        return;
    };
    if report.outcome != Outcome::Pass {
        return;
    }
    let required: Vec<&GateReport> = did_not_run(report)
        .into_iter()
        .filter(|g| g.required)
        .collect();
    let reason = if !required.is_empty() {
        Some(format!(
            "{} did not run (tool missing): {}; under {because} a missing tool fails the run \
             (install it, or pass --no-require-tools)",
            gates(required.len()),
            named(&required)
        ))
    } else if checked(report) == 0 && !report.gates.is_empty() {
        // An empty plan is a shard that drew no gate (`--shard K/N` with N above the number
        // of independent gates): nothing to check by construction; `qa report merge` applies
        // this rule to the union of the shards.
        Some(format!(
            "no gate ran ({} skipped or unaffected); under {because} a run that checked nothing \
             fails",
            report.gates.len()
        ))
    } else {
        None
    };
    if reason.is_some() {
        report.outcome = Outcome::Fail;
        report.outcome_reason = reason;
    }
}

/// The line the summaries add: why the run failed when the gates alone do not say, or, for a
/// pass, what did not run. `None` when there is nothing to add.
pub(crate) fn note(report: &Report) -> Option<String> {
    if let Some(reason) = &report.outcome_reason {
        return Some(format!("qa: FAIL: {reason}"));
    }
    if report.outcome != Outcome::Pass {
        return None;
    }
    let missing = did_not_run(report);
    if !missing.is_empty() {
        return Some(format!(
            "qa: PASS, but {} did not run (tool missing): {}; install {}, or pass \
             --require-tools to fail on this (CI does)",
            gates(missing.len()),
            named(&missing),
            if missing.len() == 1 { "it" } else { "them" }
        ));
    }
    if checked(report) == 0 && !report.gates.is_empty() {
        return Some(format!(
            "qa: PASS, but no gate ran: all {} were skipped or unaffected; under CI this fails",
            report.gates.len()
        ));
    }
    None
}

pub(crate) fn gates(n: usize) -> String {
    if n == 1 {
        "1 gate".to_string()
    } else {
        format!("{n} gates")
    }
}

/// `ruff-format, mypy (`mypy` not found)`: each gate with what it lacks when that is not
/// its own name.
fn named(gates: &[&GateReport]) -> String {
    gates
        .iter()
        .map(|g| match &g.missing_tool {
            Some(what) if what != &g.name => format!("{} (needs `{what}`)", g.name),
            _ => g.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(name: &str, status: Status, missing: Option<&str>) -> GateReport {
        GateReport {
            name: name.into(),
            status,
            reason: None,
            owner: None,
            description: None,
            needs: vec![],
            blocked_by: None,
            required: true,
            start_s: None,
            duration_s: None,
            command: name.into(),
            log: None,
            exit_code: None,
            log_tail: None,
            baseline: None,
            cached: false,
            remote_cache: false,
            missing_tool: missing.map(str::to_string),
            summary: None,
            tests: None,
        }
    }

    fn report(gates: Vec<GateReport>) -> Report {
        Report::new("t".into(), 0.1, 1, false, gates)
    }

    fn strict() -> Strict {
        Strict::resolve(None, None, Some("true".into()))
    }

    #[test]
    fn ci_is_on_unless_empty_false_or_zero() {
        let v = |s: &str| ci_value(Some(OsStr::new(s)));
        assert_eq!(v("true"), Some("true".into()));
        assert_eq!(v("1"), Some("1".into()));
        assert_eq!(v("woodpecker"), Some("woodpecker".into()));
        assert_eq!(v("false"), None);
        assert_eq!(v("FALSE"), None);
        assert_eq!(v("0"), None);
        assert_eq!(v(""), None);
        assert_eq!(ci_value(None), None);
    }

    #[test]
    fn flags_beat_the_file_which_beats_ci() {
        let ci = || Some("true".to_string());
        assert!(Strict::resolve(None, None, ci()).because.is_some());
        assert!(
            Strict::resolve(Some(false), Some(true), ci())
                .because
                .is_none()
        );
        assert!(Strict::resolve(None, Some(false), ci()).because.is_none());
        assert_eq!(
            Strict::resolve(Some(true), None, None).because.as_deref(),
            Some("--require-tools")
        );
        assert!(Strict::resolve(None, None, None).because.is_none());
    }

    #[test]
    fn a_required_gate_without_its_tool_fails_a_strict_run() {
        let mut r = report(vec![
            gate("lint", Status::Skipped, Some("ruff")),
            gate("tests", Status::Pass, None),
        ]);
        assert_eq!(r.outcome, Outcome::Pass);
        let loud = note(&r).unwrap();
        assert!(
            loud.starts_with(
                "qa: PASS, but 1 gate did not run (tool missing): lint (needs `ruff`)"
            ),
            "{loud}"
        );
        require_checked(&mut r, &strict());
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(r.gates[0].status, Status::Skipped);
        assert!(
            r.outcome_reason.as_deref().unwrap().starts_with(
                "1 gate did not run (tool missing): lint (needs `ruff`); under CI=true"
            )
        );
    }

    #[test]
    fn an_optional_gate_without_its_tool_does_not_fail_but_checking_nothing_does() {
        let mut optional = gate("audit", Status::Skipped, Some("cargo-deny"));
        optional.required = false;
        let mut r = report(vec![optional.clone(), gate("fmt", Status::Pass, None)]);
        require_checked(&mut r, &strict());
        assert_eq!(r.outcome, Outcome::Pass);
        let mut r = report(vec![optional, gate("fmt", Status::Skipped, None)]);
        require_checked(&mut r, &strict());
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.outcome_reason
                .as_deref()
                .unwrap()
                .starts_with("no gate ran")
        );
        let mut cached = gate("fmt", Status::Pass, None);
        cached.cached = true;
        let mut r = report(vec![cached]);
        require_checked(&mut r, &strict());
        assert_eq!(r.outcome, Outcome::Pass, "a cached pass checked");
    }

    #[test]
    fn off_the_rule_changes_no_outcome() {
        let mut r = report(vec![gate("lint", Status::Skipped, Some("ruff"))]);
        require_checked(&mut r, &Strict::default());
        assert_eq!(r.outcome, Outcome::Pass);
        assert_eq!(r.require_tools, None);
    }
}
