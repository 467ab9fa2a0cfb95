//! Formatting through scratch copies in a mirror of the tree (crate::scratch), so a formatter
//! never touches a real file.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::line_endings::keep_line_endings;
use super::{Adapter, Formatted};
use crate::FormatError;
use crate::scratch::Mirror;

/// Formats `files` (relative to `root`) through scratch copies in a mirror of the tree
/// ([`crate::scratch`]), so that the real files are never touched. With the formatter's
/// `verify`, the changed copies are formatted a second time in place (one more run, no more
/// copies) and both outputs kept in [`Formatted::again`].
pub fn format_scratch(
    adapter: &(impl Adapter + ?Sized),
    root: &Path,
    files: &[PathBuf],
) -> Result<Vec<Formatted>, FormatError> {
    // The originals are read beneath the root, through no symlink.
    let beneath = repo::beneath::RootDir::open(root)?;
    let contents = files
        .par_iter()
        .map(|rel| Ok((rel.clone(), beneath.read(rel)?)))
        .collect::<Result<Vec<_>, FormatError>>()?;
    let mirror = Mirror::new(root, &contents)?;
    let names: Vec<PathBuf> = contents.iter().map(|(p, _)| p.clone()).collect();
    adapter
        .fix(root, mirror.dir(), &names)
        .map_err(FormatError::Run)?;
    let mut out = read_formatted(&mirror, contents)?;
    if adapter.config().verify {
        let changed: Vec<usize> = (0..out.len())
            .filter(|&i| out[i].formatted != out[i].original)
            .collect();
        if !changed.is_empty() {
            let firsts = changed
                .par_iter()
                .map(|&i| mirror.read(&out[i].path))
                .collect::<Result<Vec<_>, FormatError>>()?;
            let names: Vec<PathBuf> = changed.iter().map(|&i| out[i].path.clone()).collect();
            adapter.fix(root, mirror.dir(), &names).map_err(|e| {
                FormatError::Other(format!(
                    "formatter `{}` could not format its own output again (its output is not \
                     trusted): {e}",
                    adapter.config().name
                ))
            })?;
            for (&i, first) in changed.iter().zip(firsts) {
                let second = mirror.read(&out[i].path)?;
                out[i].again = Some((first, second));
            }
        }
    }
    Ok(out)
}

/// Formats `contents` (each file's path relative to `root`, and the bytes to format as that
/// file) through copies in a mirror of the tree; the mirror is removed whatever happens.
pub fn format_contents(
    adapter: &(impl Adapter + ?Sized),
    root: &Path,
    contents: &[(PathBuf, Vec<u8>)],
) -> Result<Vec<Formatted>, FormatError> {
    let mirror = Mirror::new(root, contents)?;
    let names: Vec<PathBuf> = contents.iter().map(|(p, _)| p.clone()).collect();
    adapter
        .fix(root, mirror.dir(), &names)
        .map_err(FormatError::Run)?;
    read_formatted(&mirror, contents.to_vec())
}

/// The formatted copies in `mirror` of `contents` (path and original bytes).
pub(super) fn read_formatted(
    mirror: &Mirror,
    contents: Vec<(PathBuf, Vec<u8>)>,
) -> Result<Vec<Formatted>, FormatError> {
    contents
        .into_par_iter()
        .map(|(path, original)| {
            let formatted = mirror.read(&path)?;
            let formatted = keep_line_endings(&original, formatted);
            Ok(Formatted {
                path,
                original,
                formatted,
                again: None,
            })
        })
        .collect()
}
