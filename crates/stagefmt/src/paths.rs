//! Repository-relative paths as the plan file stores them, and the checks that keep every
//! path inside the root: no absolute paths, no `..`, no symlink on the way.
//!
//! Paths flow as `PathBuf` (any bytes); the plan file stores them as text: `%` becomes `%25`
//! and every byte that is not valid UTF-8 becomes `%XX`, so every name round-trips.

use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};

/// The plan-file text of a relative path.
pub fn encode(path: &Path) -> String {
    let bytes = path.as_os_str().as_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '%' {
                out.push_str("%25");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path a plan-file text names; `None` when a `%` escape is malformed.
pub fn decode(text: &str) -> Option<PathBuf> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(PathBuf::from(std::ffi::OsString::from_vec(out)))
}

/// Why a path may not be touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsafe {
    /// Absolute, empty, or with `..` or `.` components.
    NotRelative,
    /// A symlink (the file itself or a directory on the way).
    Symlink(PathBuf),
}

/// Checks that `rel` is a plain relative path (no `..`, not absolute).
pub fn check_relative(rel: &Path) -> Result<(), Unsafe> {
    if rel.as_os_str().is_empty() {
        return Err(Unsafe::NotRelative);
    }
    for c in rel.components() {
        if !matches!(c, Component::Normal(_)) {
            return Err(Unsafe::NotRelative);
        }
    }
    Ok(())
}

/// Checks that `root/rel` stays inside `root`: `rel` is relative and neither it nor any
/// directory between `root` and it is a symlink. A missing path is fine (it is not followed).
pub fn check_inside(root: &Path, rel: &Path) -> Result<(), Unsafe> {
    check_relative(rel)?;
    let mut at = root.to_path_buf();
    for c in rel.components() {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Unsafe::Symlink(
                    at.strip_prefix(root).unwrap_or(&at).to_path_buf(),
                ));
            }
            Ok(_) => {}
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

/// The path as text for people (lossy).
pub fn show(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_round_trips_any_bytes() {
        for raw in [
            &b"pkg/a.py"[..],
            b"100%/x.py",
            b"n\xff\xfe.py",
            b"-x y.py",
            b"\xc3\xa9t\xc3\xa9.py",
        ] {
            let path = PathBuf::from(std::ffi::OsString::from_vec(raw.to_vec()));
            let text = encode(&path);
            assert_eq!(decode(&text).unwrap(), path, "{text}");
        }
        assert_eq!(encode(Path::new("100%/a.py")), "100%25/a.py");
        assert_eq!(
            encode(&PathBuf::from(std::ffi::OsString::from_vec(
                b"n\xff.py".to_vec()
            ))),
            "n%FF.py"
        );
        assert_eq!(encode(Path::new("été.py")), "été.py");
        assert_eq!(decode("bad%zz"), None);
        assert_eq!(decode("bad%2"), None);
    }

    #[test]
    fn only_plain_relative_paths_pass() {
        assert!(check_relative(Path::new("a/b.py")).is_ok());
        for bad in ["../outside.py", "/etc/passwd", "a/../../b", "./a", ""] {
            assert_eq!(
                check_relative(Path::new(bad)),
                Err(Unsafe::NotRelative),
                "{bad}"
            );
        }
    }

    #[test]
    fn symlinks_on_the_way_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x.py"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("x.py"), dir.path().join("f.py")).unwrap();
        assert_eq!(
            check_inside(dir.path(), Path::new("link/x.py")),
            Err(Unsafe::Symlink(PathBuf::from("link")))
        );
        assert_eq!(
            check_inside(dir.path(), Path::new("f.py")),
            Err(Unsafe::Symlink(PathBuf::from("f.py")))
        );
        assert!(check_inside(dir.path(), Path::new("new/file.py")).is_ok());
    }
}
