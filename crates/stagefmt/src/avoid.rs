//! `format plan --avoid REFS`: plans that avoid open branches. For every ref matching the
//! pattern (`git for-each-ref`, e.g. `refs/remotes/origin/*`), the files it changed since its
//! merge base with HEAD (`git diff --name-only HEAD...REF`); then, a pure step, each pending
//! batch lists the branches touching its files and the batches no branch touches come first
//! (fewest branches first, the planner's order kept among equals), so `format --next` applies
//! them first and the others wait for the branches or need the merge driver.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use crate::FormatError;
use crate::git::output as git;
use crate::plan::Plan;

/// Each file (relative to the root) changed by any matching branch, to those branches'
/// short names.
pub(crate) type Touches = BTreeMap<PathBuf, BTreeSet<String>>;

/// The files each branch matching `pattern` changed since its merge base with HEAD.
pub(crate) fn touches(root: &Path, pattern: &str) -> Result<Touches, FormatError> {
    let refs = git(
        root,
        &[
            "for-each-ref",
            "--format=%(refname)%00%(refname:short)%00%(symref)",
            pattern,
        ],
    )?;
    let mut out = Touches::new();
    for line in String::from_utf8_lossy(&refs).lines() {
        let mut parts = line.split('\0');
        let (Some(full), Some(short), symref) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        // `origin/HEAD` names another ref of the list.
        if symref.is_some_and(|s| !s.is_empty()) {
            continue;
        }
        let range = format!("HEAD...{full}");
        let changed = git(
            root,
            &[
                "diff",
                "--name-only",
                "-z",
                "--no-renames",
                "--relative",
                &range,
                "--",
            ],
        )?;
        for name in changed.split(|&b| b == 0).filter(|n| !n.is_empty()) {
            out.entry(PathBuf::from(OsString::from_vec(name.to_vec())))
                .or_default()
                .insert(short.to_string());
        }
    }
    Ok(out)
}

/// Records on each pending batch the branches touching its files and orders the batches:
/// done ones first, then pending ones by how many branches touch them, fewest first (a
/// stable sort: the planner's order among equals). Pure.
pub(crate) fn order(plan: &mut Plan, touches: &Touches) {
    for b in &mut plan.batches {
        b.branches = if b.status.is_done() {
            Vec::new()
        } else {
            let set: BTreeSet<&String> = b
                .files
                .iter()
                .filter_map(|f| touches.get(f))
                .flatten()
                .collect();
            set.into_iter().cloned().collect()
        };
    }
    plan.batches
        .sort_by_key(|b| (!b.status.is_done(), b.branches.len()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::batch;

    #[test]
    fn untouched_batches_come_first_and_list_no_branch() {
        let mut plan = Plan {
            batches: vec![
                batch("a", false, &["a/x.py", "a/y.py"]),
                batch("b", false, &["b/x.py"]),
                batch("done", true, &["d/x.py"]),
                batch("c", false, &["c/x.py"]),
            ],
            ..Plan::default()
        };
        let touches: Touches = [
            ("a/x.py", &["origin/f1", "origin/f2"][..]),
            ("a/y.py", &["origin/f1"][..]),
            ("b/x.py", &["origin/f2"][..]),
            ("d/x.py", &["origin/f3"][..]),
        ]
        .into_iter()
        .map(|(f, bs)| (PathBuf::from(f), bs.iter().map(|b| b.to_string()).collect()))
        .collect();
        order(&mut plan, &touches);
        let got: Vec<(&str, Vec<&str>)> = plan
            .batches
            .iter()
            .map(|b| {
                (
                    b.id.as_str(),
                    b.branches.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("done", vec![]),
                ("c", vec![]),
                ("b", vec!["origin/f2"]),
                ("a", vec!["origin/f1", "origin/f2"]),
            ]
        );
    }
}
