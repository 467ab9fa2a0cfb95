//! Each gate's latest pass (its key, time, duration and key parts), for `--dry-run`'s "what
//! changed" and shard timings: one file, `qa-cache/last.json`, read once per run and written
//! once at its end. Gates hashing the same input files (every gate without `inputs`) share one
//! copy of that file list. Two runs ending at once each merge into the file as they find it;
//! the later one wins a gate both ran, which costs at most an explanation's detail.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::parts::{LastPass, digest};

/// The file's name in `qa-cache/`.
pub(crate) const FILE: &str = "last.json";

/// What `last.json` holds.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct LastPasses {
    /// Each gate's latest pass, its `parts.files` left empty and named in `files` instead.
    #[serde(default)]
    gates: BTreeMap<String, Stored>,
    /// Input file lists (path → digest) by the digest of the list.
    #[serde(default)]
    files: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    pass: LastPass,
    /// The key of its file list in [`LastPasses::files`].
    files: String,
}

impl LastPasses {
    /// The passes kept at `path`; none when it is missing, not a regular file or unreadable.
    pub(crate) fn read(path: &Path) -> LastPasses {
        let regular = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file());
        regular
            .then(|| serde_json::from_slice(&std::fs::read(path).ok()?).ok())
            .flatten()
            .unwrap_or_default()
    }

    /// Gate `gate`'s latest pass, with its input files.
    pub(crate) fn get(&self, gate: &str) -> Option<LastPass> {
        let stored = self.gates.get(gate)?;
        let mut pass = stored.pass.clone();
        pass.parts.files = self.files.get(&stored.files)?.clone();
        Some(pass)
    }

    /// Records `pass` as gate `gate`'s latest, sharing its file list with any equal one.
    pub(crate) fn insert(&mut self, gate: &str, mut pass: LastPass) {
        let files = std::mem::take(&mut pass.parts.files);
        let id = digest(&serde_json::to_vec(&files).unwrap_or_default());
        self.files.entry(id.clone()).or_insert(files);
        self.gates
            .insert(gate.to_string(), Stored { pass, files: id });
    }

    /// Writes the passes to `path` whole (temp file and rename), dropping file lists no pass
    /// names; never through a symlink or over anything but a regular file. Failures are
    /// ignored: the record only explains.
    pub(crate) fn write(mut self, path: &Path) {
        let used: std::collections::BTreeSet<&String> =
            self.gates.values().map(|s| &s.files).collect();
        let unused: Vec<String> = self
            .files
            .keys()
            .filter(|k| !used.contains(k))
            .cloned()
            .collect();
        for k in unused {
            self.files.remove(&k);
        }
        // In place, as the entries (`Cache::put`): runs take turns under the run lock, and a
        // torn file does not parse, so is read as no record at all. Never through a symlink.
        if let Ok(text) = serde_json::to_vec(&self) {
            let _ = repo::fs::write_nofollow(path, &text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::KeyParts;

    fn pass(key: &str, files: &[(&str, &str)]) -> LastPass {
        LastPass {
            key: key.into(),
            passed_at: "t".into(),
            duration_s: 1.5,
            parts: KeyParts {
                files: files
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
                ..KeyParts::default()
            },
        }
    }

    #[test]
    fn gates_share_one_file_list_and_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let mut last = LastPasses::read(&path);
        last.insert("a", pass("ka", &[("x.py", "1")]));
        last.insert("b", pass("kb", &[("x.py", "1")]));
        last.insert("c", pass("kc", &[("y.py", "2")]));
        // Replaced: its old list is no longer named and is dropped.
        last.insert("c", pass("kc2", &[("y.py", "3")]));
        last.write(&path);
        let back = LastPasses::read(&path);
        assert_eq!(back.files.len(), 2);
        assert_eq!(back.get("a").unwrap().parts.files["x.py"], "1");
        assert_eq!(back.get("b").unwrap().key, "kb");
        assert_eq!(back.get("c").unwrap().parts.files["y.py"], "3");
        assert!(back.get("d").is_none());
    }

    #[test]
    fn unreadable_or_odd_files_read_as_empty_and_are_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(&path, "{not json").unwrap();
        assert!(LastPasses::read(&path).get("a").is_none());
        let outside = dir.path().join("outside");
        std::fs::write(&outside, "kept").unwrap();
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&outside, &path).unwrap();
        let mut last = LastPasses::default();
        last.insert("a", pass("ka", &[]));
        last.write(&path);
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "kept");
        assert!(LastPasses::read(&path).get("a").is_none());
    }
}
