//! Measuring a gate's output: a count from the last match of a regex, or the diagnostics a
//! reader (`read/`) finds, each with its file made relative to the repository root and the
//! flagged line's text read from the work tree (the line's text, never its number, goes into
//! the fingerprint, so moving code creates no "new" issue).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::error::MeasureError;
use super::finding::Level;
use super::read::{self, Reported, normalise};
use super::spec::Spec;
use super::store::Stored;

/// One diagnostic read from a gate's output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Diagnostic {
    pub(crate) file: String,
    pub(crate) line: usize,
    /// 1-based; 0 when the tool gave none. Not part of the fingerprint.
    pub(crate) column: usize,
    pub(crate) code: String,
    pub(crate) message: String,
    /// The flagged line's text, trimmed.
    pub(crate) text: String,
    pub(crate) level: Level,
}

impl Diagnostic {
    /// The line-number-free identity stored in the baseline.
    pub(crate) fn fingerprint(&self) -> String {
        [&self.file, &self.code, &self.message, &self.text]
            .map(|s| s.replace(['\t', '\n', '\r'], " "))
            .join("\t")
    }
}

/// What a gate's output measured.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Measured {
    Count(u64),
    Diagnostics(Vec<Diagnostic>),
}

impl Measured {
    /// The baseline that records exactly this state.
    pub(crate) fn to_stored(&self) -> Stored {
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

/// Measures a gate's output. `base` is the directory relative paths in the output start from
/// (the gate's working directory); `root` is what reported paths are made relative to.
/// `exit_ok` lets a count gate that printed no count (mypy's "Success") measure 0; a failed
/// command from whose output no diagnostic was read measures nothing (a crash is not paid
/// debt).
pub(crate) fn measure(
    spec: &Spec,
    output: &str,
    exit_ok: bool,
    base: &Path,
    root: &Path,
) -> Result<Measured, MeasureError> {
    let output = output.replace("\r\n", "\n");
    match spec {
        Spec::Count(_) if let Some(why) = read::stopped(&output) => Err(why),
        Spec::Count(re) => match re.captures_iter(&output).last() {
            Some(c) => {
                let text = c.get(1).map_or("", |m| m.as_str());
                text.parse()
                    .map(Measured::Count)
                    .map_err(|_| MeasureError::CountNotANumber {
                        text: text.to_string(),
                        pattern: re.to_string(),
                    })
            }
            None if exit_ok => Ok(Measured::Count(0)),
            None => Err(MeasureError::NoCount {
                pattern: re.to_string(),
            }),
        },
        Spec::Diagnostics(format) => {
            let reported = read::read(format, &output)?;
            if reported.is_empty() && !exit_ok {
                // A crash, a usage error or a missing project reads as "every diagnostic
                // fixed"; judging that would pass the gate and let `--ratchet` store nothing.
                return Err(MeasureError::NothingRead);
            }
            let mut sources = Sources::default();
            let diags = reported
                .into_iter()
                .map(|r| sources.diagnostic(r, base, root))
                .collect();
            Ok(Measured::Diagnostics(diags))
        }
    }
}

/// The lines of the files diagnostics point at, each file read once (`None`: unreadable).
#[derive(Default)]
struct Sources {
    files: HashMap<PathBuf, Option<Vec<String>>>,
}

impl Sources {
    fn diagnostic(&mut self, r: Reported, base: &Path, root: &Path) -> Diagnostic {
        let path = base.join(&r.file);
        let lines = self.files.entry(path.clone()).or_insert_with(|| {
            std::fs::read(&path).ok().map(|b| {
                String::from_utf8_lossy(&b)
                    .lines()
                    .map(str::to_string)
                    .collect()
            })
        });
        let text = lines
            .as_ref()
            .and_then(|l| l.get(r.line.wrapping_sub(1)))
            .map(|t| t.trim().to_string())
            .unwrap_or_default();
        let rel = relative(&path, root).unwrap_or(path);
        Diagnostic {
            file: rel.display().to_string(),
            line: r.line,
            column: r.column,
            code: r.code,
            message: normalise(&r.message),
            text,
            level: r.level,
        }
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

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;
    use crate::baseline::judge::compare;
    use crate::baseline::spec::Format;

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
    fn a_failed_command_with_no_diagnostic_measures_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let output = "error: failed to parse manifest at `/repo/rust/Cargo.toml`\n";
        for format in [Format::ClippyJson, Format::Mypy] {
            let spec = Spec::Diagnostics(format);
            assert_eq!(
                measure(&spec, output, false, dir.path(), dir.path())
                    .unwrap_err()
                    .to_string(),
                "the command failed but no diagnostic was read from its output (see its log)"
            );
            assert_eq!(
                measure(&spec, "", true, dir.path(), dir.path()).unwrap(),
                Measured::Diagnostics(vec![])
            );
        }
    }
}
