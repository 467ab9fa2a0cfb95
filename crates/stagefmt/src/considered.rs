//! How many files a formatter considered, read from its own output, so `format check` counts
//! what the formatter looks at (ruff's `exclude`/`extend-exclude`, cargo fmt's module tree)
//! rather than every file the globs match.

/// ruff's closing summary (on stdout with `--check`, on stderr with `--diff`): `N file(s) would
/// be reformatted, M file(s) already formatted` (either part alone too), which counts the files
/// ruff took of those it was given (not the ones its `exclude` settings drop, with
/// `--force-exclude`). Unparseable files are in neither number. `None` when ruff printed no
/// summary (nothing to format, or a version that words it otherwise).
pub(crate) fn ruff_summary(stderr: &str) -> Option<usize> {
    let mut found = None;
    for line in stderr.lines() {
        let mut total = 0;
        let mut parts = 0;
        for part in line.trim().split(", ") {
            let Some((n, rest)) = part.split_once(' ') else {
                parts = 0;
                break;
            };
            let known = ["file would be reformatted", "files would be reformatted"].contains(&rest)
                || ["file already formatted", "files already formatted"].contains(&rest);
            match n.parse::<usize>() {
                Ok(n) if known => {
                    total += n;
                    parts += 1;
                }
                _ => {
                    parts = 0;
                    break;
                }
            }
        }
        if parts > 0 {
            found = Some(total);
        }
    }
    found
}

/// The files `rustfmt -v` (through `cargo fmt -- -v`, or run on cargo fmt's targets)
/// formatted: one `Formatting PATH` line each, the exact set cargo fmt walks. A file two
/// targets include is listed by each: callers count the distinct paths.
pub(crate) fn rustfmt_verbose(stdout: &str) -> impl Iterator<Item = &str> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Formatting "))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ruff_summaries_of_both_versions() {
        let s = "error: Failed to parse a.py:1:7: x\n1 file would be reformatted, 2 files already formatted\n";
        assert_eq!(ruff_summary(s), Some(3));
        assert_eq!(ruff_summary("3 files already formatted\n"), Some(3));
        assert_eq!(ruff_summary("12 files would be reformatted\n"), Some(12));
        assert_eq!(ruff_summary("warning: No Python files found\n"), None);
        assert_eq!(ruff_summary("2 files would be reformatted, soon\n"), None);
    }
}
