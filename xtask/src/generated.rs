//! The files this workspace generates from its own code and commits: `docs/reference/cli.md`
//! (`cli-reference`), `docs/reference/qa-report.schema.json` (`qa schema`) and
//! `docs/reference/xtask-toml.schema.json` (`config-schema`). One
//! compare-or-write for both, as rust-analyzer's `ensure_file_contents`: [`Mode::Write`] writes
//! the fresh text; [`Mode::Check`] writes nothing and, when the committed file differs, prints a
//! unified diff and the command that regenerates it (exit 1). Both act only on the workspace
//! this binary was built from, never on a repository they happen to run in.

use std::path::Path;

use anyhow::Context;

use crate::exit::Exit;

/// Write the fresh text, or only compare it with the committed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Write,
    Check,
}

impl Mode {
    /// `--check` given: compare; else write.
    pub(crate) fn from_check(check: bool) -> Mode {
        if check { Mode::Check } else { Mode::Write }
    }
}

/// One generated file: where it lives under the workspace root, and the command that
/// regenerates it (as `cargo xtask` spells it: the file is committed, the wording fixed).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Generated<'a> {
    pub(crate) path: &'a str,
    pub(crate) command: &'a str,
}

/// Refuses, naming both, a repository other than the workspace this binary was built from.
pub(crate) fn this_workspace(repo: &repo::Repo, file: Generated<'_>) -> anyhow::Result<()> {
    let home = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let home = home.canonicalize().with_context(|| {
        format!(
            "finding the workspace this binary was built from, {}",
            home.display()
        )
    })?;
    if repo.root() != home {
        anyhow::bail!(
            "`{}` writes {} of the workspace this binary was built from ({}), not of {}: \
             run it in that workspace",
            file.command,
            file.path,
            home.display(),
            repo.root().display()
        );
    }
    Ok(())
}

/// Writes `fresh` to the file under `root`, or with [`Mode::Check`] compares: success when the
/// committed text is `fresh`, else a diff (committed to fresh) on stderr and [`Exit::Failure`].
pub(crate) fn ensure(
    root: &Path,
    file: Generated<'_>,
    fresh: &str,
    mode: Mode,
) -> anyhow::Result<Exit> {
    let path = root.join(file.path);
    match mode {
        Mode::Write => {
            repo::fs::write_atomic(&path, fresh.as_bytes())?;
            crate::out::print(format!("wrote {}\n", path.display()))?;
            Ok(Exit::Success)
        }
        Mode::Check => {
            let committed = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
            };
            if committed == fresh {
                return Ok(Exit::Success);
            }
            eprint!("{}", stale(file, &committed, fresh));
            Ok(Exit::Failure)
        }
    }
}

/// The message for a stale file: what to run, then the diff from the committed text.
fn stale(file: Generated<'_>, committed: &str, fresh: &str) -> String {
    let diff = similar::TextDiff::from_lines(committed, fresh)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{} (committed)", file.path),
            &format!("{} (generated)", file.path),
        )
        .to_string();
    format!(
        "{} is stale: the code it is generated from changed.\n\
         Run `{}` and commit the result. The difference:\n{diff}",
        file.path, file.command
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: Generated<'static> = Generated {
        path: "docs/generated.txt",
        command: "cargo xtask regenerate",
    };

    #[test]
    fn check_passes_on_the_same_text_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "a\nb\n").unwrap();
        assert_eq!(
            ensure(dir.path(), FILE, "a\nb\n", Mode::Check).unwrap(),
            Exit::Success
        );
        assert_eq!(
            ensure(dir.path(), FILE, "a\nc\n", Mode::Check).unwrap(),
            Exit::Failure
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a\nb\n");
    }

    #[test]
    fn check_of_a_missing_file_fails_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            ensure(dir.path(), FILE, "a\n", Mode::Check).unwrap(),
            Exit::Failure
        );
        assert!(!dir.path().join("docs").exists());
    }

    #[test]
    fn write_writes_the_fresh_text() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            ensure(dir.path(), FILE, "new\n", Mode::Write).unwrap(),
            Exit::Success
        );
        let text = std::fs::read_to_string(dir.path().join(FILE.path)).unwrap();
        assert_eq!(text, "new\n");
    }

    #[test]
    fn the_stale_message_names_the_command_and_shows_the_diff() {
        let text = stale(FILE, "one\ntwo\nthree\n", "one\n2\nthree\n");
        assert!(text.starts_with("docs/generated.txt is stale"), "{text}");
        assert!(text.contains("Run `cargo xtask regenerate`"), "{text}");
        assert!(
            text.contains("--- docs/generated.txt (committed)"),
            "{text}"
        );
        assert!(
            text.contains("+++ docs/generated.txt (generated)"),
            "{text}"
        );
        assert!(text.contains("\n-two\n+2\n"), "{text}");
    }
}
