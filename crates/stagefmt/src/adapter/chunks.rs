//! Splitting file lists into process-sized chunks, and running work side by side.

use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use rayon::prelude::*;

/// Bytes of file arguments one process gets (Linux allows 2 MiB with the environment).
const ARG_BYTES: usize = 96 * 1024;

/// `f` over `items`, side by side on rayon's threads when there are several; a single item
/// runs on the calling thread. Handing work to the pool from outside it costs a thread's
/// wake-up there and another back, each up to a scheduler slice on a busy machine: most
/// checks have one formatter and one chunk.
pub(crate) fn par_map<T, R, E>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, E> + Sync + Send,
) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
{
    if items.len() <= 1 {
        items.iter().map(f).collect()
    } else {
        items.par_iter().map(f).collect()
    }
}

/// Splits `files` into chunks: at least one per rayon thread when there are enough files to
/// pay for another process start, each under the argument limit.
pub fn chunks(files: &[PathBuf]) -> Vec<&[PathBuf]> {
    const MIN_PER_PROCESS: usize = 64;
    let threads = rayon::current_num_threads().max(1);
    let wanted = (files.len() / MIN_PER_PROCESS).clamp(1, threads);
    chunks_of(files, files.len().div_ceil(wanted))
}

/// Splits `files` only where the argument limit demands: for a tool that spreads one
/// process's files over every core itself (ruff's check), where another process would only
/// add its start-up.
pub(super) fn arg_chunks(files: &[PathBuf]) -> Vec<&[PathBuf]> {
    chunks_of(files, usize::MAX)
}

/// Chunks of at most `per` files, each under the argument limit.
fn chunks_of(files: &[PathBuf], per: usize) -> Vec<&[PathBuf]> {
    if files.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, f) in files.iter().enumerate() {
        let len = f.as_os_str().as_bytes().len() + 3;
        if i > start && (i - start >= per || bytes + len > ARG_BYTES) {
            out.push(&files[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += len;
    }
    out.push(&files[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_stay_under_the_argument_limit_and_keep_order() {
        let files: Vec<PathBuf> = (0..5000)
            .map(|i| PathBuf::from(format!("{}/{i}.py", "d".repeat(60))))
            .collect();
        let chunks = chunks(&files);
        assert!(chunks.len() >= 2);
        for c in &chunks {
            let bytes: usize = c.iter().map(|f| f.as_os_str().len() + 3).sum();
            assert!(bytes <= ARG_BYTES, "{bytes}");
        }
        let joined: Vec<&PathBuf> = chunks.iter().flat_map(|c| c.iter()).collect();
        assert_eq!(joined.len(), files.len());
        assert!(joined.iter().zip(&files).all(|(a, b)| *a == b));
        assert_eq!(super::chunks(&files[..3]).len(), 1);
        let one_per_limit = arg_chunks(&files);
        assert_eq!(arg_chunks(&files[..1000]).len(), 1);
        assert!(
            one_per_limit
                .iter()
                .all(|c| { c.iter().map(|f| f.as_os_str().len() + 3).sum::<usize>() <= ARG_BYTES })
        );
        assert_eq!(one_per_limit.concat(), files);
    }
}
