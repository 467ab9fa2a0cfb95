//! Choosing which gates run: changed-path selection (`--changed-since REF`: a gate with
//! `paths` globs runs only when a changed file matches) and CI sharding (`--shard K/N`: a
//! deterministic share of the gates, each with everything connected to it by `needs`, cut by
//! the gates' durations: `balance.rs`, `timings.rs`).

use globset::{Glob, GlobSetBuilder};
use repo::Repo;
use repo::process::{self, Cmd, RunOptions};

use crate::error::QaError;
use crate::model::{Gate, Plan};

/// Files changed since the merge base of `base` and `HEAD`, plus uncommitted and untracked
/// (but not ignored) files; paths relative to the repository root, sorted.
pub fn changed_files(repo: &Repo, base: &str) -> Result<Vec<String>, QaError> {
    let merge_base = git(repo, &["merge-base", base, "HEAD"])?;
    let merge_base = merge_base.trim();
    let mut files: Vec<String> = Vec::new();
    for args in [
        vec!["diff", "--name-only", "-z", merge_base, "--"],
        vec!["ls-files", "-z", "--others", "--exclude-standard"],
    ] {
        let out = git(repo, &args)?;
        files.extend(
            out.split('\0')
                .filter(|p| !p.is_empty())
                .map(str::to_string),
        );
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn git(repo: &Repo, args: &[&str]) -> Result<String, QaError> {
    let cmd = Cmd::new("git").args(args).cwd(repo.root());
    let done = process::run(&cmd, RunOptions::capture()).map_err(|e| QaError::Git {
        command: e.command,
        message: e.reason,
    })?;
    if !done.end.success() {
        return Err(QaError::Git {
            command: cmd.display(),
            message: String::from_utf8_lossy(&done.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&done.stdout).into_owned())
}

/// Per gate, whether it is unaffected by `changed`: it has `paths` and none of them matches.
pub(crate) fn unaffected(plan: &Plan, changed: &[String]) -> Vec<bool> {
    plan.gates
        .iter()
        .map(|g| match paths_set(g) {
            Some(Some(set)) => !changed.iter().any(|f| set.is_match(f)),
            _ => false,
        })
        .collect()
}

/// The files of `changed` that `gate`'s `paths` match (none when it has no `paths`).
pub(crate) fn matching(gate: &Gate, changed: &[String]) -> Vec<String> {
    match paths_set(gate) {
        Some(Some(set)) => changed
            .iter()
            .filter(|f| set.is_match(f))
            .cloned()
            .collect(),
        _ => Vec::new(),
    }
}

/// The gate's `paths` as a glob set: `None` without `paths`, `Some(None)` when they do not
/// build (they were validated when xtask.toml was loaded).
fn paths_set(gate: &Gate) -> Option<Option<globset::GlobSet>> {
    let globs = gate.paths.as_ref()?;
    let mut b = GlobSetBuilder::new();
    for glob in globs {
        if let Ok(glob) = Glob::new(glob) {
            b.add(glob);
        }
    }
    Some(b.build().ok())
}

/// A CI shard: `K/N` with 1 <= K <= N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let parse = || {
            let (k, n) = s.split_once('/')?;
            Some((k.trim().parse().ok()?, n.trim().parse().ok()?))
        };
        match parse() {
            Some((k, n)) if n >= 1 && (1..=n).contains(&k) => Ok(Shard { index: k, count: n }),
            _ => Err(format!(
                "`{s}` is not a shard: write K/N with 1 <= K <= N, e.g. 1/2"
            )),
        }
    }
}

/// The plan restricted to one shard's gates, cut by the gates' weights (`crate::balance`).
pub fn shard(plan: &Plan, shard: Shard, timings: &crate::timings::Timings) -> Plan {
    let of = crate::balance::assign(plan, &timings.weights(plan), shard.count);
    let picked: Vec<usize> = (0..plan.gates.len())
        .filter(|&i| of[i] == shard.index - 1)
        .collect();
    plan.restrict(&picked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Command, Gate};

    fn plan(needs: &[&[usize]]) -> Plan {
        Plan {
            jobs: 2,
            gates: needs
                .iter()
                .enumerate()
                .map(|(i, n)| Gate {
                    needs: n.to_vec(),
                    paths: Some(vec![format!("src{i}/**")]),
                    ..Gate::bare(&format!("g{i}"), Command::Argv(vec!["true".into()]))
                })
                .collect(),
        }
    }

    #[test]
    fn a_shard_keeps_its_gates_and_their_needs() {
        // g0 <- g1 <- g2 form one group; g3, g4, g5 stand alone; g6 needs g4.
        let p = plan(&[&[], &[0], &[1], &[], &[], &[], &[4]]);
        let s = shard(&p, "2/2".parse().unwrap(), &crate::timings::Timings::none());
        let names: Vec<&str> = s.gates.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["g3", "g4", "g6"]);
        assert_eq!(s.gates[2].needs, [1]);
    }

    #[test]
    fn shard_syntax_is_checked() {
        assert_eq!("1/3".parse::<Shard>(), Ok(Shard { index: 1, count: 3 }));
        for bad in ["0/2", "3/2", "1", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn unaffected_gates_have_paths_that_match_nothing() {
        let mut p = plan(&[&[], &[]]);
        p.gates[1].paths = None;
        assert_eq!(unaffected(&p, &["src1/a.rs".into()]), [true, false]);
        assert_eq!(unaffected(&p, &["src0/x/y.py".into()]), [false, false]);
    }
}
