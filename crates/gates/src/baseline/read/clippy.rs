//! The `clippy-json` diagnostics format: cargo's JSON messages (`cargo clippy
//! --message-format json`). A span's relative `file_name` is relative to the workspace root
//! (where cargo runs rustc), not to where the gate runs (`--manifest-path`, a `cwd` inside a
//! member), so it is resolved against the nearest ancestor of the package's manifest that
//! holds the file: the one reader that looks at the disk.

use std::collections::HashSet;
use std::path::Path;

use super::Reported;
use crate::baseline::finding::Level;

/// Each warning and error with a primary span; a message cargo reports once per target (lib
/// and lib test under `--all-targets`) counts once. Lines that are not JSON are skipped.
pub(super) fn read(output: &str) -> Vec<Reported> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for line in output.lines().filter(|l| l.starts_with('{')) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-message" {
            continue;
        }
        let m = &v["message"];
        let level = match m["level"].as_str() {
            Some("warning") => Level::Warning,
            Some("error") => Level::Error,
            _ => continue,
        };
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
            out.push(Reported {
                file,
                line,
                column: column as usize,
                code,
                message,
                level,
            });
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

#[cfg(test)]
mod tests {
    use crate::baseline::finding::Level;
    use crate::baseline::measure::{Diagnostic, Measured, measure};
    use crate::baseline::spec::{Format, Spec};

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
                column: 5,
                code: "clippy::eq_op".into(),
                message: "equal expressions as operands to `==`".into(),
                text: "x == x".into(),
                level: Level::Error,
            }])
        );
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
            column: 9,
            code: "unused_variables".into(),
            message: "unused variable: `unused`".into(),
            text: "let unused = 1;".into(),
            level: Level::Warning,
        };
        assert_eq!(m, Measured::Diagnostics(vec![diag(2), diag(5)]));
    }
}
