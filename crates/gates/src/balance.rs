//! Cutting a plan into shards by weight (longest processing time first): gates connected by
//! `needs` form one group that stays together; groups, heaviest first (then by the name of
//! their first gate), each go to the least-loaded shard (the lowest index on a tie). A pure
//! function: the same plan and weights give the same cut on any machine.

use crate::model::Plan;

/// Which shard (0-based) of `count` each gate of `plan` belongs to, given each gate's weight.
pub(crate) fn assign(plan: &Plan, weights: &[u64], count: usize) -> Vec<usize> {
    let roots = groups(plan);
    // Each group: its root, its weight, the name of its first gate (in declaration order).
    let mut order: Vec<(usize, u64, &str)> = Vec::new();
    for (i, &r) in roots.iter().enumerate() {
        match order.iter_mut().find(|(root, _, _)| *root == r) {
            Some(group) => group.1 += weights[i],
            None => order.push((r, weights[i], plan.gates[i].name.as_str())),
        }
    }
    order.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.cmp(b.2)));
    let mut load = vec![0u64; count.max(1)];
    let mut shard_of_root = std::collections::HashMap::new();
    for (root, weight, _) in order {
        let target = (0..load.len()).min_by_key(|&s| (load[s], s)).unwrap_or(0);
        load[target] += weight;
        shard_of_root.insert(root, target);
    }
    roots.iter().map(|r| shard_of_root[r]).collect()
}

/// Each gate's group: the lowest index of the gates connected to it by `needs`.
fn groups(plan: &Plan) -> Vec<usize> {
    let n = plan.gates.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, g) in plan.gates.iter().enumerate() {
        for &need in &g.needs {
            let (a, b) = (find(&mut parent, i), find(&mut parent, need));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    (0..n).map(|i| find(&mut parent, i)).collect()
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
                    ..Gate::bare(&format!("g{i}"), Command::Argv(vec!["true".into()]))
                })
                .collect(),
        }
    }

    #[test]
    fn heaviest_groups_first_to_the_least_loaded_shard() {
        // g0 <- g1 <- g2 form one group; g3, g4, g5 stand alone; g6 needs g4.
        let p = plan(&[&[], &[0], &[1], &[], &[], &[], &[4]]);
        let equal = [1; 7];
        // Groups: {g0,g1,g2} 3, {g4,g6} 2, {g3} 1, {g5} 1.
        assert_eq!(assign(&p, &equal, 2), [0, 0, 0, 1, 1, 0, 1]);
        assert_eq!(assign(&p, &equal, 3), [0, 0, 0, 2, 1, 2, 1]);
        // g5 takes 10: alone on one shard; everything else on the other.
        let skewed = [1, 1, 1, 1, 1, 10, 1];
        assert_eq!(assign(&p, &skewed, 2), [1, 1, 1, 1, 1, 0, 1]);
    }

    #[test]
    fn equal_groups_go_by_name() {
        let p = plan(&[&[], &[], &[]]);
        assert_eq!(assign(&p, &[2, 2, 2], 2), [0, 1, 0]);
        assert_eq!(assign(&p, &[1, 3, 1], 3), [1, 0, 2]);
    }
}
