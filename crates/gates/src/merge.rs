//! `qa report merge`: the check made before merging shards' reports (every shard of one plan,
//! each once) and the merge itself, with the verdict recomputed over the union.

use std::collections::BTreeMap;
use std::path::Path;

use crate::report::{GateReport, Outcome, Report};
use crate::shards::ShardInfo;

/// Checks that `reports` (each with the path it was read from) can be merged: either none is a
/// shard's report (merged as they are), or all are, with one `N` and one plan digest, and each
/// shard `1..=N` given exactly once. Returns every problem found, each naming the files.
pub fn check_merge(reports: &[(&Path, &Report)]) -> Result<(), Vec<String>> {
    let name = |p: &Path| p.display().to_string();
    let sharded: Vec<(&Path, &ShardInfo)> = reports
        .iter()
        .filter_map(|(p, r)| r.shard.as_ref().map(|s| (*p, s)))
        .collect();
    if sharded.is_empty() {
        return Ok(());
    }
    let mut problems = Vec::new();
    let unsharded: Vec<String> = reports
        .iter()
        .filter(|(_, r)| r.shard.is_none())
        .map(|(p, _)| name(p))
        .collect();
    if !unsharded.is_empty() {
        problems.push(format!(
            "{} {} not from a sharded run but {} {}: merge the shards of one run, or only \
             unsharded reports",
            unsharded.join(", "),
            if unsharded.len() == 1 { "is" } else { "are" },
            sharded
                .iter()
                .map(|(p, _)| name(p))
                .collect::<Vec<_>>()
                .join(", "),
            if sharded.len() == 1 { "is" } else { "are" },
        ));
    }
    // The most common N and digest (the first on a tie) are the reference.
    let count = most_common(sharded.iter().map(|(_, s)| s.count));
    let digest = most_common(sharded.iter().map(|(_, s)| s.plan_digest.clone()));
    let reference = |pick: &dyn Fn(&ShardInfo) -> bool| {
        sharded
            .iter()
            .find(|(_, s)| pick(s))
            .map(|(p, s)| (name(p), s))
    };
    for (path, s) in &sharded {
        if !(1..=s.count).contains(&s.index) {
            problems.push(format!(
                "{} claims to be shard {}/{}, which no `--shard` writes (1 <= K <= N)",
                name(path),
                s.index,
                s.count
            ));
        } else if s.count != count {
            if let Some((other, o)) = reference(&|o| o.count == count) {
                problems.push(format!(
                    "{} is shard {}/{} but {other} is shard {}/{}: every shard must come from \
                     the same `--shard K/N`",
                    name(path),
                    s.index,
                    s.count,
                    o.index,
                    o.count
                ));
            }
        } else if s.plan_digest != digest
            && let Some((other, o)) = reference(&|o| o.plan_digest == digest)
        {
            problems.push(format!(
                "{} is from another plan (digest {}; {other} has {}): every shard must run the \
                 same xtask.toml and gate selection",
                name(path),
                short(&s.plan_digest),
                short(&o.plan_digest)
            ));
        }
    }
    // Shards of one plan cut differently (by other durations) may have run a gate twice or
    // never: the most common cut is the reference.
    let cut = most_common(sharded.iter().map(|(_, s)| s.cut_digest.clone()));
    for (path, s) in &sharded {
        if s.count == count
            && s.plan_digest == digest
            && s.cut_digest != cut
            && let Some((other, o)) = reference(&|o| o.cut_digest == cut)
        {
            problems.push(format!(
                "{} was cut into shards differently from {other} (cut {}; {other} has {}): \
                 their durations differed; give every shard the same `--timings REPORT.json`",
                name(path),
                s.cut_digest.as_deref().map_or("none", short),
                o.cut_digest.as_deref().map_or("none", short)
            ));
        }
    }
    let mut by_index: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (path, s) in &sharded {
        if s.count == count
            && s.plan_digest == digest
            && s.cut_digest == cut
            && (1..=count).contains(&s.index)
        {
            by_index.entry(s.index).or_default().push(name(path));
        }
    }
    for k in 1..=count {
        match by_index.get(&k).map(Vec::as_slice) {
            None | Some([]) => problems.push(format!("shard {k}/{count} is missing")),
            Some([_]) => {}
            Some(files) => problems.push(format!(
                "shard {k}/{count} given {}: {}",
                if files.len() == 2 {
                    "twice".to_string()
                } else {
                    format!("{} times", files.len())
                },
                files.join(", ")
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn most_common<T: PartialEq + Clone + Default>(items: impl Iterator<Item = T>) -> T {
    let items: Vec<T> = items.collect();
    let mut best: Option<(&T, usize)> = None;
    for item in &items {
        let n = items.iter().filter(|x| *x == item).count();
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((item, n));
        }
    }
    best.map(|(t, _)| t.clone()).unwrap_or_default()
}

/// `sha256:1a2b3c4d5e6f`: enough of a digest to tell two apart in a message.
fn short(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

/// Merges shard reports into one: their gates in the order given, the earliest start, the
/// longest duration, the widest `jobs`; the verdict and counts recomputed. A gate reported by
/// several shards keeps the entry that ran (the last one, when several did).
pub fn merge(reports: &[Report]) -> Report {
    let mut gates: Vec<GateReport> = Vec::new();
    for r in reports {
        for g in &r.gates {
            match gates.iter_mut().find(|x| x.name == g.name) {
                Some(existing) if g.start_s.is_some() || existing.start_s.is_none() => {
                    *existing = g.clone();
                }
                Some(_) => {}
                None => gates.push(g.clone()),
            }
        }
    }
    let started_at = reports
        .iter()
        .map(|r| r.started_at.clone())
        .min()
        .unwrap_or_default();
    let duration = reports.iter().map(|r| r.duration_s).fold(0.0, f64::max);
    let jobs = reports.iter().map(|r| r.jobs).max().unwrap_or(1);
    let interrupted = reports.iter().any(|r| r.outcome == Outcome::Interrupted);
    let mut merged = Report::new(started_at, duration, jobs, interrupted, gates);
    let mut hosts: Vec<&str> = Vec::new();
    for host in reports.iter().filter_map(|r| r.hostname.as_deref()) {
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    merged.hostname = (!hosts.is_empty()).then(|| hosts.join(","));
    merged.annotated = !reports.is_empty() && reports.iter().all(|r| r.annotated);
    let because = reports.iter().find_map(|r| r.require_tools.clone());
    crate::verdict::require_checked(&mut merged, &crate::verdict::Strict { because });
    merged
}

/// The gates whose GitHub annotations the run that reported them already printed: each gate
/// of a report marked `annotated` that ran there (or was decided there: blocked, skipped).
/// `qa report merge --github` prints annotations for the others only.
pub fn annotated_gates(reports: &[Report]) -> std::collections::HashSet<&str> {
    reports
        .iter()
        .filter(|r| r.annotated)
        .flat_map(|r| &r.gates)
        .map(|g| g.name.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(shard: Option<(usize, usize, &str)>) -> Report {
        let mut r = Report::new("x".into(), 1.0, 1, false, vec![]);
        r.shard = shard.map(|(index, count, d)| ShardInfo {
            index,
            count,
            plan_digest: d.into(),
            cut_digest: None,
        });
        r
    }

    fn check(reports: &[(&str, Report)]) -> Vec<String> {
        let with_paths: Vec<(&Path, &Report)> =
            reports.iter().map(|(p, r)| (Path::new(*p), r)).collect();
        check_merge(&with_paths).err().unwrap_or_default()
    }

    #[test]
    fn merge_wants_each_shard_of_one_plan_once() {
        let s = |k, n, d| report(Some((k, n, d)));
        assert!(check(&[("a", s(1, 2, "d")), ("b", s(2, 2, "d"))]).is_empty());
        assert!(check(&[("a", report(None)), ("b", report(None))]).is_empty());
        assert_eq!(
            check(&[("a", s(1, 3, "d")), ("c", s(3, 3, "d"))]),
            ["shard 2/3 is missing"]
        );
        assert_eq!(
            check(&[("a", s(0, 1, "d")), ("b", s(1, 1, "d"))]),
            ["a claims to be shard 0/1, which no `--shard` writes (1 <= K <= N)"]
        );
        assert_eq!(
            check(&[
                ("a", s(1, 2, "d")),
                ("b", s(1, 2, "d")),
                ("c", s(2, 2, "d"))
            ]),
            ["shard 1/2 given twice: a, b"]
        );
        assert_eq!(
            check(&[
                ("a", s(1, 2, "sha256:1111111111111111")),
                ("b", s(2, 2, "sha256:1111111111111111")),
                ("c", s(2, 2, "sha256:2222222222222222"))
            ]),
            [
                "c is from another plan (digest sha256:222222222222; a has sha256:111111111111): \
                 every shard must run the same xtask.toml and gate selection"
            ]
        );
        assert_eq!(
            check(&[
                ("a", s(1, 2, "d")),
                ("b", s(2, 3, "d")),
                ("c", s(2, 2, "d"))
            ]),
            [
                "b is shard 2/3 but a is shard 1/2: every shard must come from the same `--shard K/N`"
            ]
        );
        let mut cut_b = s(2, 2, "d");
        if let Some(info) = &mut cut_b.shard {
            info.cut_digest = Some("sha256:3333333333333333".into());
        }
        assert_eq!(
            check(&[("a", s(1, 2, "d")), ("b", cut_b), ("c", s(2, 2, "d"))]),
            [
                "b was cut into shards differently from a (cut sha256:333333333333; a has \
                 none): their durations differed; give every shard the same `--timings \
                 REPORT.json`"
            ]
        );
        assert_eq!(
            check(&[("a", s(1, 1, "d")), ("b", report(None))]),
            [
                "b is not from a sharded run but a is: merge the shards of one run, or only \
                 unsharded reports"
            ]
        );
    }
}
