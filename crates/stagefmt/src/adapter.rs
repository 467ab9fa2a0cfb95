//! Formatter adapters: one trait, three implementations, one file each (`rustfmt.rs`,
//! `ruff.rs`, and `template.rs` for any command given as an argv template).
//!
//! An adapter knows how to ask its tool which files would change (with changed-line counts)
//! and how to format a list of files in place. Files go to the tool in chunks that stay under
//! the argument limit, chunks run in parallel (rayon), always after `--` (or as `./path`), and
//! every process goes through [`repo::process::run`] with the formatter's timeout.
//!
//! [`Adapter::format`] gives formatted contents without writing a real file: ruff through
//! `ruff format --diff` applied in memory ([`crate::patch`]), the others through
//! [`format_scratch`] (copies in a mirror of the tree under `target/xtask/format-scratch`,
//! [`crate::scratch`]), so a formatter that fails, crashes, is killed or hangs never touches a
//! real file. A `check` command of a template formatter runs on such copies too.
//!
//! Beside them: `copies.rs` (formatting through scratch copies), `line_endings.rs`,
//! `chunks.rs` (argument-limit chunks, side-by-side work) and `run.rs` (processes and their
//! failures).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::FormatError;
use crate::config::{FormatterConfig, Kind};

mod chunks;
mod copies;
mod line_endings;
mod ruff;
mod run;
mod rustfmt;
mod template;

pub use chunks::chunks;
pub(crate) use chunks::par_map;
pub use copies::{format_contents, format_scratch};
pub use line_endings::keep_line_endings;
pub(crate) use run::run;

/// What a check found: files that would change (with changed lines) and files the tool could
/// not parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOutput {
    pub pending: BTreeMap<PathBuf, usize>,
    pub broken: BTreeMap<PathBuf, String>,
    /// How many files the tool itself considered, when it says (crate::considered).
    pub considered: Option<usize>,
}

/// The files a formatter takes, computed on first call (a walk of the repository).
pub type Files<'a> = dyn Fn() -> Result<&'a [PathBuf], FormatError> + Sync + 'a;

/// A formatter process that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{command}` {what}")]
pub struct RunFailure {
    pub command: String,
    pub what: String,
    /// Ctrl-C ended it.
    pub interrupted: bool,
}

/// A formatter the tasks can drive.
pub trait Adapter: Sync {
    /// Its configuration.
    fn config(&self) -> &FormatterConfig;
    /// Its version line (`ruff 0.17.6`), when the tool tells it.
    fn version(&self, root: &Path) -> Option<String>;
    /// Which of its files would change. `files` walks the repository on first call and gives
    /// the files (relative to `root`) this formatter takes; an adapter that can run its tool
    /// over the whole tree calls it while the tool runs.
    fn check(&self, root: &Path, files: &Files<'_>) -> Result<CheckOutput, FormatError>;
    /// [`Adapter::check`] where no changed-line counts are needed (they may be 0): cheaper
    /// for a tool that can list files without printing diffs.
    fn check_pending(&self, root: &Path, files: &Files<'_>) -> Result<CheckOutput, FormatError> {
        self.check(root, files)
    }
    /// Formats `files` in place in `dir`, a scratch mirror of `root` (the working
    /// directory): each path is relative to both, a copy in `dir` of the real file in `root`.
    fn fix(&self, root: &Path, dir: &Path, files: &[PathBuf]) -> Result<(), RunFailure>;
    /// The formatted contents of `files` (relative to `root`) without touching them: by
    /// default through scratch copies ([`format_scratch`]).
    fn format(&self, root: &Path, files: &[PathBuf]) -> Result<Vec<Formatted>, FormatError> {
        format_scratch(self, root, files)
    }
    /// `contents` formatted as the file `path` (relative to `root`; it need not exist),
    /// without touching any file of the tree, with the original's line endings: by default
    /// through a scratch mirror ([`format_contents`]). The merge driver formats the versions
    /// of a file this way.
    fn format_one(
        &self,
        root: &Path,
        path: &Path,
        contents: &[u8],
    ) -> Result<Vec<u8>, FormatError> {
        let mut out = format_contents(self, root, &[(path.to_path_buf(), contents.to_vec())])?;
        Ok(out.pop().map(|f| f.formatted).unwrap_or_default())
    }
}

/// The adapter for a configured formatter.
pub fn adapter(config: &FormatterConfig, root: &Path) -> Box<dyn Adapter> {
    match config.kind {
        Kind::Rustfmt => Box::new(rustfmt::Rustfmt::new(config, root)),
        Kind::Ruff => Box::new(ruff::Ruff::new(config)),
        Kind::Command => Box::new(template::Template::new(config)),
    }
}

/// A file formatted in a scratch copy.
#[derive(Debug, Clone)]
pub struct Formatted {
    pub path: PathBuf,
    pub original: Vec<u8>,
    /// The formatter's output, with the original's line endings.
    pub formatted: Vec<u8>,
    /// When the adapter formatted its output a second time in the same copies (`verify`):
    /// the formatter's first output and its second, as it wrote them.
    pub again: Option<(Vec<u8>, Vec<u8>)>,
}
