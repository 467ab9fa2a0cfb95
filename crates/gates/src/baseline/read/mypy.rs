//! The `mypy` diagnostics format: mypy's text output,
//! `path:line[:column[:end_line:end_column]]: error: message  [code]`. `--pretty` wraps a
//! message over several lines (a line may start with the space before `[code]`) and follows it
//! with the source and a marker, indented by four; the wrapped lines are joined, so the
//! fingerprints do not depend on the terminal width. Notes are not diagnostics. When mypy
//! could not check the code ("errors prevented further checking" after a syntax error or a
//! duplicate module; an error without a line, such as a file it cannot read or a usage
//! error), its output measures nothing, and saying so beats reading it as "every known error
//! fixed".

use std::sync::LazyLock;

use regex::Regex;

use super::{Reported, normalise};
use crate::baseline::error::MeasureError;
use crate::baseline::finding::Level;

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<file>[^:\n]+):(?:(?P<line>\d+):(?:(?P<column>\d+):(?:\d+:){0,2})?)? (?P<severity>error|note|warning): (?P<message>.*)$",
    )
    .expect("a valid regex")
});
static SUMMARY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(Found \d+ errors? in \d+ files?|Success: )").expect("a valid regex")
});
static CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<message>.*?)\s+\[(?P<code>[\w-]+)\]$").expect("a valid regex")
});

/// An error as mypy printed it, continuation lines joined.
struct Error {
    file: String,
    /// `None` for an error about a whole file or the command line.
    line: Option<usize>,
    column: usize,
    message: String,
}

pub(super) fn read(output: &str) -> Result<Vec<Reported>, MeasureError> {
    let mut errors: Vec<Error> = Vec::new();
    let mut open = false;
    let mut stopped = false;
    for line in output.lines() {
        if let Some(c) = HEADER.captures(line) {
            open = &c["severity"] == "error";
            if open {
                errors.push(Error {
                    file: c["file"].to_string(),
                    line: c.name("line").and_then(|l| l.as_str().parse().ok()),
                    column: c
                        .name("column")
                        .and_then(|l| l.as_str().parse().ok())
                        .unwrap_or(0),
                    message: c["message"].to_string(),
                });
            }
        } else if SUMMARY.is_match(line) {
            stopped |= line.contains("errors prevented further checking");
            open = false;
        } else if line.trim().is_empty() || line.starts_with("    ") {
            // The end, or `--pretty`'s source line and marker, indented by four.
            open = false;
        } else if open && let Some(last) = errors.last_mut() {
            last.message.push(' ');
            last.message.push_str(line);
        }
        // A message ending in its `[code]` is whole.
        if open && let Some(last) = errors.last() {
            open = !CODE.is_match(last.message.trim_end());
        }
    }
    if stopped || errors.iter().any(|e| e.line.is_none()) {
        let shown: Vec<String> = errors
            .iter()
            .take(3)
            .map(|e| match e.line {
                Some(line) => format!("{}:{line}: {}", e.file, normalise(&e.message)),
                None => format!("{}: {}", e.file, normalise(&e.message)),
            })
            .collect();
        let more = match errors.len() - shown.len() {
            0 if shown.is_empty() => "see its log".to_string(),
            0 => String::new(),
            n => format!(" (and {n} more)"),
        };
        return Err(MeasureError::MypyUnchecked {
            errors: format!("{}{more}", shown.join("; ")),
        });
    }
    Ok(errors
        .into_iter()
        .map(|e| {
            let message = e.message.trim_end();
            let (message, code) = match CODE.captures(message) {
                Some(c) => (c["message"].to_string(), c["code"].to_string()),
                None => (message.to_string(), String::new()),
            };
            Reported {
                file: e.file,
                line: e.line.unwrap_or(0),
                column: e.column,
                code,
                message,
                level: Level::Error,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::baseline::error::MeasureError;
    use crate::baseline::finding::Level;
    use crate::baseline::measure::{Diagnostic, Measured, measure};
    use crate::baseline::spec::{Format, Spec};

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

    fn mypy_measure(output: &str, dir: &Path) -> Result<Measured, MeasureError> {
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
            column: 0,
            code: code.into(),
            message: message.into(),
            text: text.into(),
            level: Level::Error,
        };
        // The same diagnostics, with the columns `--show-column-numbers` adds.
        let columns_of = |m: Measured| match m {
            Measured::Diagnostics(d) => d.iter().map(|d| d.column).collect::<Vec<_>>(),
            Measured::Count(_) => panic!("diagnostics"),
        };
        let without_columns = |m: Measured| match m {
            Measured::Diagnostics(d) => Measured::Diagnostics(
                d.into_iter()
                    .map(|d| Diagnostic { column: 0, ..d })
                    .collect(),
            ),
            m => m,
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
        let pretty = mypy_measure(MYPY_PRETTY, dir.path()).unwrap();
        assert_eq!(columns_of(pretty.clone()), [1, 12, 12]);
        assert_eq!(without_columns(pretty), expected);
        // `--show-column-numbers` alone, and `--hide-error-codes`.
        let columns = "app/shapes.py:9:12: error: Incompatible return value type (got \"int\", \
                       expected \"str\")\nFound 1 error in 1 file (checked 2 source files)\n";
        let Measured::Diagnostics(d) = mypy_measure(columns, dir.path()).unwrap() else {
            panic!("diagnostics")
        };
        assert_eq!(
            d,
            [Diagnostic {
                column: 12,
                ..diag(
                    9,
                    "",
                    "Incompatible return value type (got \"int\", expected \"str\")",
                    "return n"
                )
            }]
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
            mypy_measure(duplicate, dir.path()).unwrap_err().to_string(),
            "mypy could not check the code, so its output does not measure the debt: \
             tests/unit/conftest.py: Duplicate module named \"conftest\" (also at \
             \"tests/integration/conftest.py\")"
        );
        let syntax = "app/c.py:1: error: Expected a parameter or the end of the parameter list  \
                      [syntax]\napp/c.py:2: error: Unexpected EOF while parsing  [syntax]\n\
                      Found 2 errors in 1 file (errors prevented further checking)\n";
        assert_eq!(
            mypy_measure(syntax, dir.path()).unwrap_err().to_string(),
            "mypy could not check the code, so its output does not measure the debt: \
             app/c.py:1: Expected a parameter or the end of the parameter list [syntax]; \
             app/c.py:2: Unexpected EOF while parsing [syntax]"
        );
        let usage = "usage: mypy [-h] [-v] [-V] [more options; see below]\n            \
                     [-m MODULE] [-p PACKAGE] [-c PROGRAM_TEXT] [files ...]\n\
                     mypy: error: unrecognized arguments: --bogus\n";
        assert_eq!(
            mypy_measure(usage, dir.path()).unwrap_err().to_string(),
            "mypy could not check the code, so its output does not measure the debt: \
             mypy: unrecognized arguments: --bogus"
        );
    }
}
