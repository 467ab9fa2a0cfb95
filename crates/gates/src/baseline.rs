//! Baselines for known debt, stored under `.xtask/baselines/NAME.txt` and committed. A count
//! baseline reads a number from the gate's output (the first group of the last match of a
//! regex); a diagnostics baseline keeps one fingerprint per diagnostic (file, rule, normalised
//! message and the flagged line's text, never its line number), sorted, one per line, so
//! moving code creates no "new" issue and merges stay easy. Measuring and comparing are pure;
//! [`load`] and [`save`] are the IO edge.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::{Deserialize, Serialize};

/// Where baselines live, relative to the repository root.
pub const DIR: &str = ".xtask/baselines";

/// How a gate's debt is measured.
#[derive(Debug, Clone)]
pub enum Spec {
    /// The first capture group of the regex's last match is the debt count.
    Count(Regex),
    /// Per-diagnostic fingerprints parsed from the output.
    Diagnostics(Format),
}

impl PartialEq for Spec {
    fn eq(&self, other: &Spec) -> bool {
        match (self, other) {
            (Spec::Count(a), Spec::Count(b)) => a.as_str() == b.as_str(),
            (Spec::Diagnostics(a), Spec::Diagnostics(b)) => a == b,
            _ => false,
        }
    }
}

/// The output formats diagnostics are read from.
#[derive(Debug, Clone)]
pub enum Format {
    /// `ruff check --output-format json`.
    RuffJson,
    /// `cargo clippy --message-format json`.
    ClippyJson,
    /// mypy's `path:line: error: message  [code]` lines, also with columns or `--pretty`.
    Mypy,
    /// A regex with named groups `file` and `line`, and optionally `code` and `message`.
    Regex(Regex),
}

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        match (self, other) {
            (Format::Regex(a), Format::Regex(b)) => a.as_str() == b.as_str(),
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

/// One diagnostic read from a gate's output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub code: String,
    pub message: String,
    /// The flagged line's text, trimmed.
    pub text: String,
}

impl Diagnostic {
    /// The line-number-free identity stored in the baseline.
    pub fn fingerprint(&self) -> String {
        [&self.file, &self.code, &self.message, &self.text]
            .map(|s| clean(s))
            .join("\t")
    }
}

/// What a gate's output measured.
#[derive(Debug, Clone, PartialEq)]
pub enum Measured {
    Count(u64),
    Diagnostics(Vec<Diagnostic>),
}

/// A stored baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Count(u64),
    /// Sorted fingerprints; a fingerprint appears once per occurrence.
    Fingerprints(Vec<String>),
}

impl Measured {
    /// The baseline that records exactly this state.
    pub fn to_stored(&self) -> Stored {
        match self {
            Measured::Count(n) => Stored::Count(*n),
            Measured::Diagnostics(d) => {
                let mut f: Vec<String> = d.iter().map(Diagnostic::fingerprint).collect();
                f.sort();
                Stored::Fingerprints(f)
            }
        }
    }
}

/// A gate's debt against its baseline, as the reports show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineReport {
    /// `count` or `diagnostics`.
    pub kind: String,
    /// The stored debt (absent when none is stored yet).
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
pub fn compare(stored: Option<&Stored>, measured: &Measured) -> BaselineReport {
    match measured {
        Measured::Count(current) => {
            let baseline = match stored {
                Some(Stored::Count(n)) => Some(*n),
                _ => None,
            };
            BaselineReport {
                kind: "count".into(),
                baseline,
                current: *current,
                new: baseline.map_or(0, |b| current.saturating_sub(b)),
                fixed: baseline.map_or(0, |b| b.saturating_sub(*current)),
                new_diagnostics: vec![],
                stored: false,
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
            let mut sorted = diags.clone();
            sorted.sort();
            for d in &sorted {
                let f = d.fingerprint();
                match left.get_mut(f.as_str()) {
                    Some(n) if *n > 0 => *n -= 1,
                    _ => new.push(d),
                }
            }
            let fixed: usize = left.values().sum();
            BaselineReport {
                kind: "diagnostics".into(),
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
            }
        }
    }
}

/// Measures a gate's output. `base` is the directory relative paths in the output start from
/// (the gate's working directory); `root` is what reported paths are made relative to.
/// `exit_ok` lets a count gate that printed no count (mypy's "Success") measure 0.
pub fn measure(
    spec: &Spec,
    output: &str,
    exit_ok: bool,
    base: &Path,
    root: &Path,
) -> Result<Measured, String> {
    let output = output.replace("\r\n", "\n");
    match spec {
        Spec::Count(_) if let Some(why) = stopped(&output) => Err(why),
        Spec::Count(re) => match re.captures_iter(&output).last() {
            Some(c) => {
                let text = c.get(1).map_or("", |m| m.as_str());
                text.parse()
                    .map(Measured::Count)
                    .map_err(|_| format!("the count `{text}` matched by `{re}` is not a number"))
            }
            None if exit_ok => Ok(Measured::Count(0)),
            None => Err(format!("no match of `{re}` in the output")),
        },
        Spec::Diagnostics(format) => {
            let raw = match format {
                Format::RuffJson => ruff_json(&output)?,
                Format::ClippyJson => clippy_json(&output),
                Format::Mypy => mypy(&output)?,
                Format::Regex(re) => by_regex(re, &output),
            };
            if raw.is_empty() && !exit_ok {
                // A crash, a usage error or a missing project reads as "every diagnostic
                // fixed"; judging that would pass the gate and let `--ratchet` store nothing.
                return Err(
                    "the command failed but no diagnostic was read from its output (see its log)"
                        .into(),
                );
            }
            let mut files: HashMap<PathBuf, Option<Vec<String>>> = HashMap::new();
            let diags = raw
                .into_iter()
                .map(|(file, line, code, message)| {
                    let path = base.join(&file);
                    let lines = files.entry(path.clone()).or_insert_with(|| {
                        std::fs::read(&path).ok().map(|b| {
                            String::from_utf8_lossy(&b)
                                .lines()
                                .map(str::to_string)
                                .collect()
                        })
                    });
                    let text = lines
                        .as_ref()
                        .and_then(|l| l.get(line.wrapping_sub(1)))
                        .map(|t| t.trim().to_string())
                        .unwrap_or_default();
                    let rel = relative(&path, root).unwrap_or(path);
                    Diagnostic {
                        file: rel.display().to_string(),
                        line,
                        code,
                        message: normalise(&message),
                        text,
                    }
                })
                .collect();
            Ok(Measured::Diagnostics(diags))
        }
    }
}

type Raw = (String, usize, String, String);

fn ruff_json(output: &str) -> Result<Vec<Raw>, String> {
    let start = output
        .find("\n[")
        .map_or_else(|| output.find('['), |i| Some(i + 1));
    let end = output.rfind(']');
    let (Some(start), Some(end)) = (start, end) else {
        return Err("no JSON array of diagnostics in the output".into());
    };
    #[derive(Deserialize)]
    struct Item {
        filename: String,
        code: Option<String>,
        message: String,
        location: Location,
    }
    #[derive(Deserialize)]
    struct Location {
        row: usize,
    }
    let items: Vec<Item> = serde_json::from_str(&output[start..=end])
        .map_err(|e| format!("ruff's JSON output does not parse: {e}"))?;
    // A file ruff cannot parse is not checked at all: its other rules did not run on it.
    let unparsed: Vec<String> = items
        .iter()
        .filter(|i| ruff_syntax_error(i.code.as_deref(), &i.message))
        .map(|i| {
            format!(
                "{}:{}: {}",
                i.filename,
                i.location.row,
                normalise(&i.message)
            )
        })
        .collect();
    if !unparsed.is_empty() {
        let files: std::collections::HashSet<&str> = items
            .iter()
            .filter(|i| ruff_syntax_error(i.code.as_deref(), &i.message))
            .map(|i| i.filename.as_str())
            .collect();
        return Err(format!(
            "ruff could not parse {} (invalid-syntax), so its output does not measure the debt: \
             {}",
            if files.len() == 1 {
                "a file".to_string()
            } else {
                format!("{} files", files.len())
            },
            shown(&unparsed)
        ));
    }
    Ok(items
        .into_iter()
        .map(|i| {
            (
                i.filename,
                i.location.row,
                i.code.unwrap_or_default(),
                i.message,
            )
        })
        .collect())
}

/// ruff's parse failure: the `invalid-syntax` code (ruff 0.9 and later), or no code and a
/// `SyntaxError:` message (earlier).
fn ruff_syntax_error(code: Option<&str>, message: &str) -> bool {
    match code {
        Some(code) => code == "invalid-syntax",
        None => message.starts_with("SyntaxError"),
    }
}

/// Why a tool's text output measures nothing: mypy's "errors prevented further checking", or
/// ruff's `invalid-syntax` (concise, full and `--statistics` output). For count baselines,
/// whose pattern would otherwise read the parse errors as debt.
fn stopped(output: &str) -> Option<String> {
    if let Some(line) = output
        .lines()
        .find(|l| l.contains("errors prevented further checking"))
    {
        return Some(format!(
            "mypy could not check the code, so its output does not measure the debt: `{}` \
             (fix the error it names first; see its log)",
            line.trim()
        ));
    }
    let unparsed: Vec<&str> = output
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .any(|w| w.trim_end_matches(':') == "invalid-syntax")
                || l.contains(": SyntaxError: ")
        })
        .map(str::trim)
        .collect();
    (!unparsed.is_empty()).then(|| {
        format!(
            "ruff could not parse the code (invalid-syntax), so its output does not measure the \
             debt: {}",
            shown(&unparsed)
        )
    })
}

/// The first three of `items`, and how many more.
fn shown<S: AsRef<str>>(items: &[S]) -> String {
    let first: Vec<&str> = items.iter().take(3).map(AsRef::as_ref).collect();
    match items.len() - first.len() {
        0 => first.join("; "),
        n => format!("{} (and {n} more)", first.join("; ")),
    }
}

/// `path` relative to `root`, also when only their canonical forms share the prefix.
fn relative(path: &Path, root: &Path) -> Option<PathBuf> {
    if let Ok(rel) = path.strip_prefix(root) {
        return Some(rel.to_path_buf());
    }
    let (path, root) = (path.canonicalize().ok()?, root.canonicalize().ok()?);
    path.strip_prefix(root).ok().map(Path::to_path_buf)
}

/// Cargo's JSON messages. A span's relative `file_name` is relative to the workspace root
/// (where cargo runs rustc), not to where the gate runs (`--manifest-path`, a `cwd` inside a
/// member), so it is resolved against the nearest ancestor of the package's manifest that
/// holds the file. A message cargo reports once per target (lib and lib test under
/// `--all-targets`) counts once.
fn clippy_json(output: &str) -> Vec<Raw> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for line in output.lines().filter(|l| l.starts_with('{')) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-message" {
            continue;
        }
        let m = &v["message"];
        if !matches!(m["level"].as_str(), Some("warning" | "error")) {
            continue;
        }
        let Some(span) = m["spans"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["is_primary"] == true))
        else {
            continue;
        };
        let file = span["file_name"].as_str().unwrap_or("");
        let file = v["manifest_path"]
            .as_str()
            .and_then(|manifest| in_workspace(Path::new(manifest), file))
            .unwrap_or_else(|| file.to_string());
        let line = span["line_start"].as_u64().unwrap_or(0) as usize;
        let column = span["column_start"].as_u64().unwrap_or(0);
        let code = m["code"]["code"].as_str().unwrap_or("").to_string();
        let message = m["message"].as_str().unwrap_or("").to_string();
        if seen.insert((file.clone(), line, column, code.clone(), message.clone())) {
            out.push((file, line, code, message));
        }
    }
    out
}

/// The absolute path of a span's relative `file` of the package at `manifest`: under the
/// nearest ancestor of the package's directory that holds it (the workspace root).
fn in_workspace(manifest: &Path, file: &str) -> Option<String> {
    if file.is_empty() || Path::new(file).is_absolute() {
        return None;
    }
    manifest
        .parent()?
        .ancestors()
        .map(|dir| dir.join(file))
        .find(|path| path.is_file())
        .map(|path| path.display().to_string())
}

/// mypy's text output: `path:line[:column[:end_line:end_column]]: error: message  [code]`.
/// `--pretty` wraps a message over several lines (a line may start with the space before
/// `[code]`) and follows it with the source and a marker, indented by four; the wrapped lines
/// are joined, so the fingerprints do not depend on the terminal width. Notes are not
/// diagnostics. When mypy could not check the code ("errors prevented further checking" after
/// a syntax error or a duplicate module; an error without a line, such as a file it cannot
/// read or a usage error), its output measures nothing, and saying so beats reading it as
/// "every known error fixed".
fn mypy(output: &str) -> Result<Vec<Raw>, String> {
    let header = Regex::new(
        r"^(?P<file>[^:\n]+):(?:(?P<line>\d+):(?:\d+:){0,3})? (?P<severity>error|note|warning): (?P<message>.*)$",
    )
    .expect("a valid regex");
    let summary =
        Regex::new(r"^(Found \d+ errors? in \d+ files?|Success: )").expect("a valid regex");
    let code = Regex::new(r"^(?P<message>.*?)\s+\[(?P<code>[\w-]+)\]$").expect("a valid regex");
    // (file, line, message) of each error, with continuation lines joined.
    let mut errors: Vec<(String, Option<usize>, String)> = Vec::new();
    let mut open = false;
    let mut stopped = false;
    for line in output.lines() {
        if let Some(c) = header.captures(line) {
            open = &c["severity"] == "error";
            if open {
                errors.push((
                    c["file"].to_string(),
                    c.name("line").and_then(|l| l.as_str().parse().ok()),
                    c["message"].to_string(),
                ));
            }
        } else if summary.is_match(line) {
            stopped |= line.contains("errors prevented further checking");
            open = false;
        } else if line.trim().is_empty() || line.starts_with("    ") {
            // The end, or `--pretty`'s source line and marker, indented by four.
            open = false;
        } else if open && let Some(last) = errors.last_mut() {
            last.2.push(' ');
            last.2.push_str(line);
        }
        // A message ending in its `[code]` is whole.
        if open && let Some(last) = errors.last() {
            open = !code.is_match(last.2.trim_end());
        }
    }
    if stopped || errors.iter().any(|(_, line, _)| line.is_none()) {
        let shown: Vec<String> = errors
            .iter()
            .take(3)
            .map(|(file, line, message)| match line {
                Some(line) => format!("{file}:{line}: {}", normalise(message)),
                None => format!("{file}: {}", normalise(message)),
            })
            .collect();
        let more = match errors.len() - shown.len() {
            0 if shown.is_empty() => "see its log".to_string(),
            0 => String::new(),
            n => format!(" (and {n} more)"),
        };
        return Err(format!(
            "mypy could not check the code, so its output does not measure the debt: {}{more}",
            shown.join("; "),
        ));
    }
    Ok(errors
        .into_iter()
        .map(|(file, line, message)| {
            let message = message.trim_end();
            let (message, code) = match code.captures(message) {
                Some(c) => (c["message"].to_string(), c["code"].to_string()),
                None => (message.to_string(), String::new()),
            };
            (file, line.unwrap_or(0), code, message)
        })
        .collect())
}

fn by_regex(re: &Regex, output: &str) -> Vec<Raw> {
    re.captures_iter(output)
        .map(|c| {
            let get = |name: &str| c.name(name).map_or("", |m| m.as_str()).to_string();
            (
                get("file"),
                get("line").parse().unwrap_or(0),
                get("code"),
                get("message"),
            )
        })
        .collect()
}

/// Whitespace collapsed, trimmed.
fn normalise(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// The baseline file of gate `name`.
pub fn path(root: &Path, name: &str) -> PathBuf {
    let file = crate::run::log_file_name(name);
    root.join(DIR)
        .join(file.trim_end_matches(".log").to_string() + ".txt")
}

/// Loads gate `name`'s baseline; `Ok(None)` when none is stored.
pub fn load(root: &Path, name: &str) -> Result<Option<Stored>, String> {
    let path = path(root, name);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let text = text.replace("\r\n", "\n");
    let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    if let Some(count) = body.iter().find_map(|l| l.strip_prefix("count = ")) {
        return count
            .trim()
            .parse()
            .map(|n| Some(Stored::Count(n)))
            .map_err(|_| format!("{}: `count = {count}` is not a number", path.display()));
    }
    let mut fingerprints: Vec<String> = body
        .into_iter()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    fingerprints.sort();
    Ok(Some(Stored::Fingerprints(fingerprints)))
}

/// Writes gate `name`'s baseline: sorted, one entry per line, merge-friendly.
pub fn save(root: &Path, name: &str, stored: &Stored) -> Result<(), repo::fs::FsError> {
    let mut text = format!(
        "# Baseline of the `{name}` gate, written by `cargo xtask qa baseline update` or \
         `--ratchet`. Commit it.\n"
    );
    match stored {
        Stored::Count(n) => text.push_str(&format!("count = {n}\n")),
        Stored::Fingerprints(f) => {
            text.push_str("# file<TAB>rule<TAB>message<TAB>flagged line text\n");
            let mut f = f.clone();
            f.sort();
            for line in f {
                text.push_str(&line);
                text.push('\n');
            }
        }
    }
    repo::fs::write_atomic(&path(root, name), text.as_bytes())
}

/// Debt per gate for `baseline status` and `update`: stored, current, new, fixed, trend.
pub fn status_table(report: &crate::report::Report) -> String {
    let mut out = String::from("gate                 baseline  current  new  fixed  trend\n");
    for (name, b) in report
        .gates
        .iter()
        .filter_map(|g| g.baseline.as_ref().map(|b| (&g.name, b)))
    {
        let trend = match (b.baseline, b.new, b.fixed) {
            _ if b.stored => format!("stored {}", b.current),
            (None, _, _) => "no baseline stored".to_string(),
            (Some(_), 0, 0) => "unchanged".to_string(),
            (Some(_), 0, f) => format!("improved by {f} (--ratchet stores it)"),
            (Some(_), n, _) => format!("worse by {n}"),
        };
        out.push_str(&format!(
            "{name:20} {:>8}  {:>7}  {:>3}  {:>5}  {trend}\n",
            b.baseline.map_or("-".to_string(), |n| n.to_string()),
            b.current,
            b.new,
            b.fixed
        ));
    }
    out
}

/// What a run does with baselines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Compare only.
    #[default]
    Check,
    /// Compare, and store the baseline when the debt shrank and nothing is new.
    Ratchet,
    /// Store the current state as the baseline (`qa baseline update`).
    Update,
}

/// A gate's end judged against its baseline: the status, the reason, the report, and the
/// baseline to store (when the mode asks for it).
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub pass: bool,
    pub reason: Option<String>,
    pub report: BaselineReport,
    pub store: Option<Stored>,
}

/// Judges a measurement against the stored baseline. `exit_ok` decides when none is stored.
pub fn judge(
    gate: &str,
    stored: Option<&Stored>,
    measured: &Measured,
    exit_ok: bool,
    mode: Mode,
) -> Judged {
    let mut report = compare(stored, measured);
    let what = if report.kind == "count" {
        "debt"
    } else {
        "diagnostics"
    };
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
        let detail = if report.kind == "count" {
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

    fn count(re: &str) -> Spec {
        Spec::Count(Regex::new(re).unwrap())
    }

    #[test]
    fn the_last_match_is_the_count() {
        let spec = count(r"Found (\d+) errors?");
        let m = measure(
            &spec,
            "Found 3 errors\r\nmore\nFound 90 errors in 12 files (checked 40 source files)\n",
            false,
            Path::new("."),
            Path::new("."),
        )
        .unwrap();
        assert_eq!(m, Measured::Count(90));
        assert_eq!(
            measure(
                &spec,
                "Success: no issues",
                true,
                Path::new("."),
                Path::new(".")
            )
            .unwrap(),
            Measured::Count(0)
        );
        assert!(measure(&spec, "crash", false, Path::new("."), Path::new(".")).is_err());
    }

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

    #[test]
    fn fingerprints_ignore_line_numbers_and_count_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "import os\nimport os\n\n\nx = 1\n").unwrap();
        let spec = Spec::Diagnostics(Format::Mypy);
        let out = "a.py:1: error: Unused  import   [F401]\na.py:2: error: Unused import [F401]\n";
        let before = measure(&spec, out, false, dir.path(), dir.path()).unwrap();
        let stored = before.to_stored();
        // The same two diagnostics, moved down three lines: nothing new.
        std::fs::write(
            dir.path().join("a.py"),
            "\n\n\nimport os\nimport os\nx = 1\n",
        )
        .unwrap();
        let moved = "a.py:4: error: Unused import [F401]\na.py:5: error: Unused import [F401]\n";
        let after = measure(&spec, moved, false, dir.path(), dir.path()).unwrap();
        let r = compare(Some(&stored), &after);
        assert_eq!((r.new, r.fixed, r.current), (0, 0, 2));
        // A third occurrence is new even though its fingerprint is known.
        std::fs::write(dir.path().join("a.py"), "import os\nimport os\nimport os\n").unwrap();
        let three = "a.py:1: error: Unused import [F401]\na.py:2: error: Unused import [F401]\na.py:3: error: Unused import [F401]\n";
        let r = compare(
            Some(&stored),
            &measure(&spec, three, false, dir.path(), dir.path()).unwrap(),
        );
        assert_eq!(r.new, 1);
        assert_eq!(
            r.new_diagnostics[0].to_string(),
            "a.py:3: F401 Unused import"
        );
    }

    #[test]
    fn clippy_json_messages_become_diagnostics() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/lib.rs"),
            "pub fn f() -> bool {\n    let x = 1;\n    x == x\n}\n",
        )
        .unwrap();
        let output = concat!(
            "   Compiling demo v0.1.0\n",
            r#"{"reason":"compiler-artifact","package_id":"demo"}"#,
            "\n",
            r#"{"reason":"compiler-message","package_id":"demo","message":{"rendered":"error: equal expressions","$message_type":"diagnostic","children":[],"code":{"code":"clippy::eq_op","explanation":null},"level":"error","message":"equal expressions as operands to `==`","spans":[{"byte_end":40,"byte_start":34,"column_end":11,"column_start":5,"expansion":null,"file_name":"src/lib.rs","is_primary":true,"label":null,"line_end":3,"line_start":3,"suggested_replacement":null,"suggestion_applicability":null,"text":[{"highlight_end":11,"highlight_start":5,"text":"    x == x"}]}]}}"#,
            "\n",
            r#"{"reason":"compiler-message","package_id":"demo","message":{"code":null,"level":"error","message":"aborting due to 1 previous error","spans":[]}}"#,
            "\n",
            r#"{"reason":"build-finished","success":false}"#,
            "\n"
        );
        let m = measure(
            &Spec::Diagnostics(Format::ClippyJson),
            output,
            false,
            dir.path(),
            dir.path(),
        )
        .unwrap();
        assert_eq!(
            m,
            Measured::Diagnostics(vec![Diagnostic {
                file: "src/lib.rs".into(),
                line: 3,
                code: "clippy::eq_op".into(),
                message: "equal expressions as operands to `==`".into(),
                text: "x == x".into(),
            }])
        );
    }

    /// mypy 2.4.1 on `app/shapes.py` below, plain and with `--show-column-numbers
    /// --show-error-end --pretty` at `MYPY_FORCE_TERMINAL_WIDTH=50`: messages wrapped over
    /// lines, one continuation starting with the space before `[code]`, one line ending in a
    /// space, notes, source lines and markers.
    const SHAPES: &str = "import numpyx\n\n\ndef area(width: int, height: int) -> int:\n    \
                          return width * height\n\n\ndef label(n: int) -> str:\n    return n\n\n\n\
                          print(area(\"3\", 4))\n";
    const MYPY_PLAIN: &str = r#"app/shapes.py:1: error: Cannot find implementation or library stub for module named "numpyx"  [import-not-found]
app/shapes.py:1: note: Did you mean "numpy"?
app/shapes.py:1: note: See https://mypy.readthedocs.io/en/stable/running_mypy.html#missing-imports
app/shapes.py:9: error: Incompatible return value type (got "int", expected "str")  [return-value]
app/shapes.py:12: error: Argument 1 to "area" has incompatible type "str"; expected "int"  [arg-type]
Found 3 errors in 1 file (checked 2 source files)
"#;
    const MYPY_PRETTY: &str = concat!(
        r#"app/shapes.py:1:1:1:1: error: Cannot find
implementation or library stub for module named
"numpyx"  [import-not-found]
    import numpyx
    ^
app/shapes.py:1:1:1:1: note: Did you mean "numpy"?
app/shapes.py:1:1:1:1: note: See https://mypy.readthedocs.io/en/stable/running_mypy.html#missing-imports
app/shapes.py:9:12:9:12: error: Incompatible
"#,
        "return value type (got \"int\", expected \"str\") \n",
        r#"[return-value]
        return n
               ^
app/shapes.py:12:12:12:14: error: Argument 1 to
"area" has incompatible type "str"; expected "int"
 [arg-type]
    print(area("3", 4))
               ^~~
Found 3 errors in 1 file (checked 2 source files)
"#
    );

    fn mypy_measure(output: &str, dir: &Path) -> Result<Measured, String> {
        measure(&Spec::Diagnostics(Format::Mypy), output, false, dir, dir)
    }

    #[test]
    fn mypy_errors_read_the_same_with_columns_and_pretty_wrapping() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("app")).unwrap();
        std::fs::write(dir.path().join("app/shapes.py"), SHAPES).unwrap();
        let diag = |line: usize, code: &str, message: &str, text: &str| Diagnostic {
            file: "app/shapes.py".into(),
            line,
            code: code.into(),
            message: message.into(),
            text: text.into(),
        };
        let expected = Measured::Diagnostics(vec![
            diag(
                1,
                "import-not-found",
                "Cannot find implementation or library stub for module named \"numpyx\"",
                "import numpyx",
            ),
            diag(
                9,
                "return-value",
                "Incompatible return value type (got \"int\", expected \"str\")",
                "return n",
            ),
            diag(
                12,
                "arg-type",
                "Argument 1 to \"area\" has incompatible type \"str\"; expected \"int\"",
                "print(area(\"3\", 4))",
            ),
        ]);
        assert_eq!(mypy_measure(MYPY_PLAIN, dir.path()).unwrap(), expected);
        assert_eq!(mypy_measure(MYPY_PRETTY, dir.path()).unwrap(), expected);
        // `--show-column-numbers` alone, and `--hide-error-codes`.
        let columns = "app/shapes.py:9:12: error: Incompatible return value type (got \"int\", \
                       expected \"str\")\nFound 1 error in 1 file (checked 2 source files)\n";
        let Measured::Diagnostics(d) = mypy_measure(columns, dir.path()).unwrap() else {
            panic!("diagnostics")
        };
        assert_eq!(
            d,
            [diag(
                9,
                "",
                "Incompatible return value type (got \"int\", expected \"str\")",
                "return n"
            )]
        );
        // All fixed: exit 0 and the success line.
        assert_eq!(
            measure(
                &Spec::Diagnostics(Format::Mypy),
                "Success: no issues found in 2 source files\n",
                true,
                dir.path(),
                dir.path()
            )
            .unwrap(),
            Measured::Diagnostics(vec![])
        );
    }

    #[test]
    fn mypy_output_that_checked_nothing_measures_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // Each is mypy 2.4.1's output with exit 2.
        let duplicate = r#"tests/unit/conftest.py: error: Duplicate module named "conftest" (also at "tests/integration/conftest.py")
tests/unit/conftest.py: note: See https://mypy.readthedocs.io/en/stable/running_mypy.html#mapping-file-paths-to-modules for more info
tests/unit/conftest.py: note: Common resolutions include:
tests/unit/conftest.py: note:     a) using `--exclude` to avoid checking one of them,
Found 1 error in 1 file (errors prevented further checking)
"#;
        assert_eq!(
            mypy_measure(duplicate, dir.path()).unwrap_err(),
            "mypy could not check the code, so its output does not measure the debt: \
             tests/unit/conftest.py: Duplicate module named \"conftest\" (also at \
             \"tests/integration/conftest.py\")"
        );
        let syntax = "app/c.py:1: error: Expected a parameter or the end of the parameter list  \
                      [syntax]\napp/c.py:2: error: Unexpected EOF while parsing  [syntax]\n\
                      Found 2 errors in 1 file (errors prevented further checking)\n";
        assert_eq!(
            mypy_measure(syntax, dir.path()).unwrap_err(),
            "mypy could not check the code, so its output does not measure the debt: \
             app/c.py:1: Expected a parameter or the end of the parameter list [syntax]; \
             app/c.py:2: Unexpected EOF while parsing [syntax]"
        );
        let usage = "usage: mypy [-h] [-v] [-V] [more options; see below]\n            \
                     [-m MODULE] [-p PACKAGE] [-c PROGRAM_TEXT] [files ...]\n\
                     mypy: error: unrecognized arguments: --bogus\n";
        assert_eq!(
            mypy_measure(usage, dir.path()).unwrap_err(),
            "mypy could not check the code, so its output does not measure the debt: \
             mypy: unrecognized arguments: --bogus"
        );
    }

    #[test]
    fn a_failed_command_with_no_diagnostic_measures_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let output = "error: failed to parse manifest at `/repo/rust/Cargo.toml`\n";
        for format in [Format::ClippyJson, Format::Mypy] {
            let spec = Spec::Diagnostics(format);
            assert_eq!(
                measure(&spec, output, false, dir.path(), dir.path()).unwrap_err(),
                "the command failed but no diagnostic was read from its output (see its log)"
            );
            assert_eq!(
                measure(&spec, "", true, dir.path(), dir.path()).unwrap(),
                Measured::Diagnostics(vec![])
            );
        }
    }

    #[test]
    fn clippy_paths_start_at_the_workspace_root_and_each_warning_counts_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("rust/src")).unwrap();
        std::fs::write(
            dir.path().join("rust/src/lib.rs"),
            "pub fn f() {\n    let unused = 1;\n}\npub fn g() {\n    let unused = 1;\n}\n",
        )
        .unwrap();
        // Cargo 1.95 run as `cargo clippy --manifest-path rust/Cargo.toml --all-targets
        // --message-format json` from `dir` (fields the parser does not read left out): the
        // span's path is relative to `rust/`, and the lib and lib test checks both report the
        // warning on line 2.
        let manifest = dir.path().join("rust/Cargo.toml");
        let message = |line: usize| {
            format!(
                r#"{{"reason":"compiler-message","package_id":"path+file:///x/rust#demo@0.1.0","manifest_path":"{}","target":{{"kind":["lib"],"name":"demo"}},"message":{{"$message_type":"diagnostic","children":[],"code":{{"code":"unused_variables","explanation":null}},"level":"warning","message":"unused variable: `unused`","spans":[{{"column_end":15,"column_start":9,"expansion":null,"file_name":"src/lib.rs","is_primary":true,"label":null,"line_end":{line},"line_start":{line}}}]}}}}"#,
                manifest.display()
            )
        };
        let output = [message(2), message(2), message(5)].join("\n");
        let m = measure(
            &Spec::Diagnostics(Format::ClippyJson),
            &output,
            true,
            dir.path(),
            dir.path(),
        )
        .unwrap();
        let diag = |line: usize| Diagnostic {
            file: "rust/src/lib.rs".into(),
            line,
            code: "unused_variables".into(),
            message: "unused variable: `unused`".into(),
            text: "let unused = 1;".into(),
        };
        assert_eq!(m, Measured::Diagnostics(vec![diag(2), diag(5)]));
    }

    #[test]
    fn stored_baselines_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), "types", &Stored::Count(90)).unwrap();
        assert_eq!(load(dir.path(), "types").unwrap(), Some(Stored::Count(90)));
        let f = Stored::Fingerprints(vec!["b\tX\tm\tt".into(), "a\tY\tm\tt".into()]);
        save(dir.path(), "lint", &f).unwrap();
        assert_eq!(
            load(dir.path(), "lint").unwrap(),
            Some(Stored::Fingerprints(vec![
                "a\tY\tm\tt".into(),
                "b\tX\tm\tt".into()
            ]))
        );
        assert_eq!(load(dir.path(), "none").unwrap(), None);
    }
}
