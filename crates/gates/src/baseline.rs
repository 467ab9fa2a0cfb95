//! Baselines for known debt, stored under `.xtask/baselines/NAME.txt` and committed. A count
//! baseline reads a number from the gate's output (the first group of the last match of a
//! regex); a diagnostics baseline keeps one fingerprint per diagnostic (file, rule, normalised
//! message and the flagged line's text, never its line number), so moving code creates no
//! "new" issue.
//!
//! `spec.rs` says what a gate measures; `read/` holds one reader per diagnostic format (pure
//! over the captured output); `measure.rs` turns a reader's diagnostics into fingerprints,
//! reading the flagged lines from the work tree; `judge.rs` compares with the stored baseline
//! and words the verdict (no IO); `store.rs` reads and writes the baseline files. [`assess`]
//! is the one call the runner makes: load, measure, judge, store.

mod error;
mod finding;
mod judge;
mod measure;
mod read;
mod spec;
mod store;

use std::path::Path;

pub(crate) use error::{BaselineError, MeasureError};
pub use finding::{Finding, Level, State as BaselineState};
pub(crate) use judge::Judged;
pub use judge::{BaselineReport, NewDiagnostic};
pub use spec::{Format, Kind, Mode, Spec};
pub(crate) use store::path;

/// What a gate's baseline made of its end.
#[derive(Debug)]
pub(crate) enum Assessment {
    /// Measured and judged; the baseline is already stored when the mode asked for it.
    Judged(Judged),
    /// The output measured nothing: the exit code decides, and this says why.
    Unmeasured(MeasureError),
}

/// Judges a gate that exited with `code` against its stored baseline: loads the baseline,
/// measures the output in `log` (relative paths in it start at `base`, the gate's working
/// directory), judges, and stores the new baseline when `mode` asks for it. An unreadable or
/// malformed baseline file, or one that cannot be written, is an error naming it.
pub(crate) fn assess(
    root: &Path,
    gate: &str,
    spec: &Spec,
    base: &Path,
    log: &Path,
    code: i32,
    mode: Mode,
) -> Result<Assessment, BaselineError> {
    let stored = store::load(root, gate)?;
    let output = std::fs::read(log)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let exit_ok = code == 0;
    let measured = match measure::measure(spec, &output, exit_ok, base, root) {
        Ok(m) => m,
        Err(why) => return Ok(Assessment::Unmeasured(why)),
    };
    let mut judged = judge::judge(gate, stored.as_ref(), &measured, exit_ok, mode);
    if let Spec::Diagnostics(format) = spec {
        judged.report.tool = format.tool().map(str::to_string);
    }
    if let Some(new) = &judged.store {
        store::save(root, gate, new)?;
    }
    Ok(Assessment::Judged(judged))
}
