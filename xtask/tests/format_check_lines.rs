//! `format check` asks ruff only which files it would reformat (`--check --output-format
//! concise`, no diffs), in the old and the new pinned ruff alike; changed-line counts, which need
//! `ruff format --diff`, come with `format check --lines` and in `format plan`.

use crate::format_support;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;

use format_support::*;

/// PATH with a `ruff` first that logs its arguments to `log` and runs the venv's ruff.
fn logging_path(venv: &testkit::Venv, dir: &std::path::Path, log: &std::path::Path) -> OsString {
    let ruff = dir.join("ruff");
    std::fs::write(
        &ruff,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            venv.bin("ruff").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&ruff, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(&venv.path_env()));
    std::env::join_paths(paths).unwrap()
}

fn pending(json: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    json["formatters"][0]["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["path"].as_str().unwrap().to_string(), p["lines"].clone()))
        .collect()
}

#[test]
fn check_asks_ruff_for_no_diff_and_lines_come_when_asked_in_old_and_new_ruff() {
    let repo = python_repo(6);
    repo.write("app/broken.py", "def f(:\n");
    // A name that is not UTF-8: ruff prints it lossily, in JSON and in text.
    repo.write(
        std::path::PathBuf::from(std::ffi::OsString::from_vec(
            b"pkg/caf\xe9 latin1.py".to_vec(),
        )),
        "d=1\n",
    );
    repo.commit("broken");
    for venv in ["test", "ruff-old"] {
        let venv = testkit::Venv::get(venv);
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("log");
        let path = logging_path(&venv, tmp.path(), &log);

        let quick = xtask_path(&repo, &["format", "check", "--json"], &[], path.clone());
        assert_eq!(quick.code, 1, "{quick}");
        // The arguments hold the non-UTF-8 name.
        let args = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
        assert!(
            args.lines().all(|l| !l.contains("--diff")) && args.contains("--check"),
            "format check asked ruff for diffs: {args}"
        );
        // Its count comes from ruff's summary, not from a debug log (which costs ruff 40%).
        assert!(!args.contains("--verbose"), "{args}");
        std::fs::remove_file(&log).unwrap();

        let counted = xtask_path(
            &repo,
            &["format", "check", "--lines", "--json"],
            &[],
            path.clone(),
        );
        assert_eq!(counted.code, 1, "{counted}");
        assert!(String::from_utf8_lossy(&std::fs::read(&log).unwrap()).contains("--diff"));

        let quick: serde_json::Value = serde_json::from_str(&quick.stdout).unwrap();
        let counted: serde_json::Value = serde_json::from_str(&counted.stdout).unwrap();
        let (quick_pending, counted_pending) = (pending(&quick), pending(&counted));
        assert_eq!(quick_pending.len(), 7, "{quick}");
        assert!(
            quick_pending.iter().any(|p| p.0 == "pkg/caf%E9 latin1.py"),
            "{quick}"
        );
        assert_eq!(
            quick_pending.iter().map(|p| &p.0).collect::<Vec<_>>(),
            counted_pending.iter().map(|p| &p.0).collect::<Vec<_>>()
        );
        assert!(quick_pending.iter().all(|p| p.1.is_null()), "{quick}");
        assert!(
            counted_pending.iter().all(|p| p.1.as_u64() > Some(0)),
            "{counted}"
        );
        assert_eq!(
            quick["formatters"][0]["broken"], counted["formatters"][0]["broken"],
            "the unparseable file is reported alike"
        );
        assert!(
            quick["formatters"][0]["broken"][0]["error"]
                .as_str()
                .unwrap()
                .starts_with("1:7: "),
            "{quick}"
        );

        let text = xtask_path(&repo, &["format", "check"], &[], path.clone());
        assert!(
            text.stdout.starts_with("ruff: 7 of ")
                && text.stdout.lines().next().is_some_and(
                    |l| l.ends_with(" file(s) would be reformatted, 1 cannot be parsed")
                ),
            "{text}"
        );
        assert!(!text.stdout.contains("+-"), "{text}");
        let text = xtask_path(&repo, &["format", "check", "--lines"], &[], path);
        assert!(text.stdout.contains(" changed line(s)"), "{text}");
        assert!(text.stdout.contains("  +-"), "{text}");
    }
}
