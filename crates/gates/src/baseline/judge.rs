//! Judging: a measurement compared with the stored baseline gives the debt the reports show
//! ([`BaselineReport`]) and the gate's verdict ([`Judged`]): pass while nothing is new, the
//! reason in words, and the baseline to store when the mode asks for it. Pure.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::finding::{Finding, State, digest};
use super::measure::Measured;
use super::spec::{Kind, Mode};
use super::store::Stored;

/// A gate's debt against its baseline, as the reports show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineReport {
    /// `count` or `diagnostics`.
    pub kind: Kind,
    /// The stored debt (`null` in the report when none is stored yet).
    pub baseline: Option<u64>,
    /// The debt measured now.
    pub current: u64,
    /// Debt above the baseline: the count's growth, or diagnostics not in the baseline.
    pub new: u64,
    /// Debt paid: the count's drop, or baseline diagnostics no longer reported.
    pub fixed: u64,
    /// Each diagnostic not in the baseline.
    pub new_diagnostics: Vec<NewDiagnostic>,
    /// Whether this run wrote the baseline (`--ratchet` or `baseline update`).
    pub stored: bool,
    /// For diagnostics: the tool whose output was read (`ruff`, `clippy`, `mypy`; absent for
    /// a `regex` format and for counts).
    #[serde(default)]
    pub tool: Option<String>,
    /// For diagnostics: every diagnostic read, sorted by file, line and column, each `new` or
    /// `unchanged` against the stored baseline (what `--sarif` writes); empty for counts.
    #[serde(default)]
    pub diagnostics: Vec<Finding>,
}

/// A diagnostic that is not in the baseline, where it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDiagnostic {
    pub file: String,
    pub line: usize,
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for NewDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {} {}",
            self.file, self.line, self.code, self.message
        )
    }
}

/// Compares a measurement with the stored baseline.
pub(crate) fn compare(stored: Option<&Stored>, measured: &Measured) -> BaselineReport {
    match measured {
        Measured::Count(current) => {
            let baseline = match stored {
                Some(Stored::Count(n)) => Some(*n),
                _ => None,
            };
            BaselineReport {
                kind: Kind::Count,
                baseline,
                current: *current,
                new: baseline.map_or(0, |b| current.saturating_sub(b)),
                fixed: baseline.map_or(0, |b| b.saturating_sub(*current)),
                new_diagnostics: vec![],
                stored: false,
                tool: None,
                diagnostics: vec![],
            }
        }
        Measured::Diagnostics(diags) => {
            let known: Option<&[String]> = match stored {
                Some(Stored::Fingerprints(f)) => Some(f),
                _ => None,
            };
            let mut left: HashMap<&str, usize> = HashMap::new();
            for f in known.unwrap_or_default() {
                *left.entry(f.as_str()).or_default() += 1;
            }
            let mut new = Vec::new();
            let mut findings = Vec::new();
            let mut occurrences: HashMap<String, usize> = HashMap::new();
            let mut sorted = diags.clone();
            sorted.sort();
            for d in &sorted {
                let f = d.fingerprint();
                let known_here = match left.get_mut(f.as_str()) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        true
                    }
                    _ => {
                        new.push(d);
                        false
                    }
                };
                let occurrence = occurrences.entry(f.clone()).or_default();
                findings.push(Finding {
                    file: d.file.clone(),
                    line: d.line,
                    column: d.column,
                    code: d.code.clone(),
                    level: d.level,
                    message: d.message.clone(),
                    fingerprint: digest(&f, *occurrence),
                    state: known.map(|_| {
                        if known_here {
                            State::Unchanged
                        } else {
                            State::New
                        }
                    }),
                });
                *occurrence += 1;
            }
            let fixed: usize = left.values().sum();
            BaselineReport {
                kind: Kind::Diagnostics,
                baseline: known.map(|k| k.len() as u64),
                current: diags.len() as u64,
                new: if known.is_some() { new.len() as u64 } else { 0 },
                fixed: fixed as u64,
                new_diagnostics: if known.is_some() {
                    new.iter()
                        .map(|d| NewDiagnostic {
                            file: d.file.clone(),
                            line: d.line,
                            code: d.code.clone(),
                            message: d.message.clone(),
                        })
                        .collect()
                } else {
                    vec![]
                },
                stored: false,
                tool: None,
                diagnostics: findings,
            }
        }
    }
}

/// A gate's end judged against its baseline: the status, the reason, the report, and the
/// baseline to store (when the mode asks for it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Judged {
    pub(crate) pass: bool,
    pub(crate) reason: Option<String>,
    pub(crate) report: BaselineReport,
    pub(crate) store: Option<Stored>,
}

/// Judges a measurement against the stored baseline. `exit_ok` decides when none is stored.
pub(crate) fn judge(
    gate: &str,
    stored: Option<&Stored>,
    measured: &Measured,
    exit_ok: bool,
    mode: Mode,
) -> Judged {
    let mut report = compare(stored, measured);
    let what = report.kind.noun();
    let (pass, mut reason) = if mode == Mode::Update {
        (
            true,
            Some(format!("baseline recorded: {} {what}", report.current)),
        )
    } else if report.baseline.is_none() {
        (
            exit_ok,
            Some(format!(
                "no baseline stored; `{}` records the current {} {what}",
                repo::invocation::current().command(&format!("qa baseline update {gate}")),
                report.current
            )),
        )
    } else if report.new > 0 {
        let detail = if report.kind == Kind::Count {
            format!(
                "debt grew by +{} ({} > baseline {})",
                report.new,
                report.current,
                report.baseline.unwrap_or(0)
            )
        } else {
            format!(
                "{} new diagnostic(s) not in the baseline: {}",
                report.new,
                report
                    .new_diagnostics
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        (false, Some(detail))
    } else if report.fixed > 0 {
        (
            true,
            Some(format!(
                "debt shrank by {} ({} < baseline {}); {}",
                report.fixed,
                report.current,
                report.baseline.unwrap_or(0),
                if mode == Mode::Ratchet {
                    "baseline lowered"
                } else {
                    "run with --ratchet to lower the baseline"
                }
            )),
        )
    } else {
        (
            true,
            (!exit_ok).then(|| format!("{} known {what}, as in the baseline", report.current)),
        )
    };
    let store = match mode {
        Mode::Update => Some(measured.to_stored()),
        Mode::Ratchet if report.baseline.is_some() && report.new == 0 && report.fixed > 0 => {
            Some(measured.to_stored())
        }
        _ => None,
    };
    report.stored = store.is_some();
    if pass && reason.as_deref() == Some("") {
        reason = None;
    }
    Judged {
        pass,
        reason,
        report,
        store,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judging_a_count_follows_the_ratchet() {
        let b = Some(Stored::Count(90));
        let j = judge(
            "types",
            b.as_ref(),
            &Measured::Count(90),
            false,
            Mode::Check,
        );
        assert!(j.pass);
        assert_eq!(
            j.reason.as_deref(),
            Some("90 known debt, as in the baseline")
        );
        let j = judge(
            "types",
            b.as_ref(),
            &Measured::Count(91),
            false,
            Mode::Check,
        );
        assert!(!j.pass);
        assert_eq!(
            j.reason.as_deref(),
            Some("debt grew by +1 (91 > baseline 90)")
        );
        let j = judge(
            "types",
            b.as_ref(),
            &Measured::Count(89),
            false,
            Mode::Check,
        );
        assert!(j.pass && j.store.is_none());
        assert_eq!(
            j.reason.as_deref(),
            Some("debt shrank by 1 (89 < baseline 90); run with --ratchet to lower the baseline")
        );
        let j = judge(
            "types",
            b.as_ref(),
            &Measured::Count(89),
            false,
            Mode::Ratchet,
        );
        assert_eq!(j.store, Some(Stored::Count(89)));
        assert!(j.report.stored);
        let j = judge("types", None, &Measured::Count(89), false, Mode::Check);
        assert!(!j.pass);
        let j = judge("types", None, &Measured::Count(89), false, Mode::Update);
        assert!(j.pass);
        assert_eq!(j.store, Some(Stored::Count(89)));
    }

    #[test]
    fn count_comparison_names_growth_and_improvement() {
        let b = Some(Stored::Count(90));
        let r = compare(b.as_ref(), &Measured::Count(91));
        assert_eq!((r.new, r.fixed), (1, 0));
        let r = compare(b.as_ref(), &Measured::Count(89));
        assert_eq!((r.new, r.fixed, r.baseline), (0, 1, Some(90)));
    }
}
