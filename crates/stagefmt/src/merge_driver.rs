//! `format merge-driver`: the git merge driver for the files of done batches. Git calls it as
//! `xtask format merge-driver -- %O %A %B %P` (base, ours, theirs, the path); it formats the
//! three versions with the batch's formatter (the adapter and configuration `apply` uses,
//! through `Adapter::format_one`: ruff from its stdin, the others on scratch copies; never the
//! work tree), merges the formatted versions with `git merge-file`
//! and writes the result to %A, formatted again when the merge is clean. A real conflict stays
//! one: the standard markers are written to %A and the outcome says so (the binary exits 1).
//! A version the formatter cannot parse, or a file in no done batch, gets git's plain merge of
//! the originals. Set up and removed by `--install` / `--uninstall` (`install.rs`); which
//! plans say a file is done is in `plans.rs`.

mod install;
mod plans;

pub use install::{
    DRIVER_NAME, InstallOptions, Installed, Saved, install, restore, save, uninstall,
};

use std::path::{Path, PathBuf};

use repo::process::{self, Cmd, RunOptions};

use crate::FormatError;
use crate::adapter::adapter;
use crate::config::FormatConfig;

/// What git hands the driver.
#[derive(Debug, Clone)]
pub struct MergeDriverOptions {
    /// %O: the merge base's version (a temporary file).
    pub base: PathBuf,
    /// %A: our version; the result is written here.
    pub ours: PathBuf,
    /// %B: their version.
    pub theirs: PathBuf,
    /// %P: the file's path, relative to the top of the work tree.
    pub path: PathBuf,
    /// %L: the conflict marker size.
    pub marker_size: Option<usize>,
    /// %S, %X, %Y: the labels of base, ours and theirs in conflict markers.
    pub labels: Labels,
}

/// Conflict-marker labels; git's temporary file names when absent.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub base: Option<String>,
    pub ours: Option<String>,
    pub theirs: Option<String>,
}

/// What the driver did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeDriverOutcome {
    /// The result in %A holds conflict markers.
    pub conflict: bool,
    pub merge: MergeKind,
}

/// How the three versions were merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeKind {
    /// Formatted with the batch's formatter, then merged.
    Formatted { batch: String, formatter: String },
    /// The plain merge of the originals, and why.
    Plain { reason: String },
}

/// Merges one file as git's merge driver (see the module documentation).
pub fn merge_driver(
    repo: &repo::Repo,
    options: &MergeDriverOptions,
) -> Result<MergeDriverOutcome, FormatError> {
    let root = repo.root();
    let read = |p: &Path| repo::fs::read(p).map_err(FormatError::from);
    let originals = [
        read(&options.base)?,
        read(&options.ours)?,
        read(&options.theirs)?,
    ];
    let plain = |reason: String| -> Result<MergeDriverOutcome, FormatError> {
        let merged = merge_file(root, options, &originals, false)?;
        repo::fs::write_atomic(&options.ours, &merged.text)?;
        Ok(MergeDriverOutcome {
            conflict: merged.conflict,
            merge: MergeKind::Plain { reason },
        })
    };
    let Some(rel) = plans::relative_to_root(root, &options.path)? else {
        return plain("outside the repository's root".to_string());
    };
    let Some(done) = plans::done_batch(root, &rel)? else {
        return plain("in no done batch".to_string());
    };
    let config = FormatConfig::load(repo)?;
    let Some(formatter) = config.formatter(&done.formatter) else {
        return plain(format!(
            "batch `{}`'s formatter `{}` is not configured in xtask.toml",
            done.batch, done.formatter
        ));
    };
    crate::scratch::prepare(repo)?;
    let adapter = adapter(formatter, root);
    let format = |bytes: &[u8]| adapter.format_one(root, &rel, bytes);
    let (base, (ours, theirs)) = rayon::join(
        || format(&originals[0]),
        || rayon::join(|| format(&originals[1]), || format(&originals[2])),
    );
    let formatted = match (base, ours, theirs) {
        (Ok(b), Ok(o), Ok(t)) => [b, o, t],
        (b, o, t) => {
            let (which, e) = [("base", b), ("ours", o), ("theirs", t)]
                .into_iter()
                .find_map(|(w, r)| r.err().map(|e| (w, e)))
                .expect("one failed");
            let first = e.to_string();
            let first = first.lines().next().unwrap_or_default().to_string();
            return plain(format!(
                "`{}` could not format {which}'s version: {first}",
                done.formatter
            ));
        }
    };
    let mut merged = merge_file(root, options, &formatted, true)?;
    if !merged.conflict {
        // Both sides are formatted; the merge of two formatted edits usually is too, but
        // not always (a line joined from both sides): the file belongs to a done batch.
        if let Ok(again) = format(&merged.text) {
            merged.text = again;
        }
    }
    repo::fs::write_atomic(&options.ours, &merged.text)?;
    Ok(MergeDriverOutcome {
        conflict: merged.conflict,
        merge: MergeKind::Formatted {
            batch: done.batch,
            formatter: done.formatter,
        },
    })
}

/// The output of `git merge-file`.
struct Merged {
    text: Vec<u8>,
    conflict: bool,
}

/// `git merge-file -p` over `[base, ours, theirs]`; `copies`: the contents differ from git's
/// files, so they are written to temporary files first (the labels stay git's).
fn merge_file(
    root: &Path,
    options: &MergeDriverOptions,
    contents: &[Vec<u8>; 3],
    copies: bool,
) -> Result<Merged, FormatError> {
    let dir;
    let files: [PathBuf; 3] = if copies {
        let base = crate::scratch::base(root);
        dir = tempfile::Builder::new()
            .prefix("merge-")
            .tempdir_in(&base)
            .or_else(|_| tempfile::tempdir())
            .map_err(|e| FormatError::Other(format!("creating a temporary directory: {e}")))?;
        let mut out: [PathBuf; 3] = Default::default();
        for (i, name) in ["base", "ours", "theirs"].iter().enumerate() {
            out[i] = dir.path().join(name);
            repo::fs::write_atomic_unsynced(&out[i], &contents[i])?;
        }
        out
    } else {
        [
            options.base.clone(),
            options.ours.clone(),
            options.theirs.clone(),
        ]
    };
    let label = |l: &Option<String>, p: &Path| l.clone().unwrap_or_else(|| p.display().to_string());
    let mut cmd = Cmd::new("git").arg("merge-file").arg("-p");
    if let Some(n) = options.marker_size {
        cmd = cmd.arg(format!("--marker-size={n}"));
    }
    let cmd = cmd
        .args(["-L", &label(&options.labels.ours, &options.ours)])
        .args(["-L", &label(&options.labels.base, &options.base)])
        .args(["-L", &label(&options.labels.theirs, &options.theirs)])
        .arg("--")
        .arg(files[1].as_os_str())
        .arg(files[0].as_os_str())
        .arg(files[2].as_os_str());
    let done =
        process::run(&cmd, RunOptions::capture()).map_err(|e| FormatError::Git(e.to_string()))?;
    match done.end {
        process::End::Exited(0) => Ok(Merged {
            text: done.stdout,
            conflict: false,
        }),
        process::End::Exited(n) if (1..=127).contains(&n) => Ok(Merged {
            text: done.stdout,
            conflict: true,
        }),
        _ => Err(FormatError::Git(format!(
            "`{}` failed: {}",
            cmd.display(),
            String::from_utf8_lossy(&done.stderr).trim()
        ))),
    }
}
