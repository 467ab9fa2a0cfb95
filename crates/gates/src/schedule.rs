//! The scheduler's decisions, as a pure function over the gates' states: which gates are
//! blocked (a need did not pass) and which start next (needs passed, in declaration order, up to
//! `jobs` at once, never two gates holding the same lock). No IO, no clock: the runner asks,
//! acts, and asks again.

use crate::model::{Plan, Status};

/// Where a gate is in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Not started yet.
    Pending,
    /// Running now.
    Running,
    /// Ended so.
    Done(Status),
    /// Not run because no change touches its `paths`; counts as passed for its dependants.
    Unaffected,
}

/// What the runner should do now.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Decision {
    /// Gates to mark blocked, each with the need (index) that did not pass.
    pub block: Vec<(usize, usize)>,
    /// Gates to start, in this order.
    pub start: Vec<usize>,
}

/// Decides what happens next. Blocking is transitive: a gate blocked now becomes a need that
/// did not pass, so its dependants are blocked in the same decision.
pub(crate) fn decide(plan: &Plan, states: &[State]) -> Decision {
    let mut states = states.to_vec();
    let mut decision = Decision::default();
    // Blocks first, to a fixed point (dependants may come before their needs in the file).
    loop {
        let mut changed = false;
        for (i, gate) in plan.gates.iter().enumerate() {
            if states[i] != State::Pending {
                continue;
            }
            let failed = gate
                .needs
                .iter()
                .copied()
                .find(|&n| matches!(states[n], State::Done(s) if s != Status::Pass));
            if let Some(need) = failed {
                states[i] = State::Done(Status::Blocked);
                decision.block.push((i, need));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut running = states.iter().filter(|s| **s == State::Running).count();
    for (i, gate) in plan.gates.iter().enumerate() {
        if running >= plan.jobs {
            break;
        }
        if states[i] != State::Pending {
            continue;
        }
        let ready = gate
            .needs
            .iter()
            .all(|&n| matches!(states[n], State::Done(Status::Pass) | State::Unaffected));
        let lock_free = gate.lock.as_ref().is_none_or(|lock| {
            !plan
                .gates
                .iter()
                .zip(&states)
                .any(|(g, s)| *s == State::Running && g.lock.as_ref() == Some(lock))
        });
        if ready && lock_free {
            states[i] = State::Running;
            decision.start.push(i);
            running += 1;
        }
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Command, Gate};

    /// `spec`: "name:need,need:lock" per gate.
    fn plan(jobs: usize, spec: &[&str]) -> Plan {
        let names: Vec<&str> = spec.iter().map(|s| s.split(':').next().unwrap()).collect();
        let gates = spec
            .iter()
            .map(|s| {
                let mut parts = s.split(':');
                let name = parts.next().unwrap();
                let needs = parts
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .filter(|n| !n.is_empty())
                    .map(|n| names.iter().position(|m| *m == n).unwrap())
                    .collect();
                let lock = parts.next().filter(|l| !l.is_empty()).map(str::to_string);
                Gate {
                    needs,
                    lock,
                    ..Gate::bare(name, Command::Argv(vec!["true".into()]))
                }
            })
            .collect();
        Plan { jobs, gates }
    }

    use State::{Done, Pending, Running};

    #[test]
    fn ready_gates_start_in_declaration_order_up_to_jobs() {
        let p = plan(2, &["a", "b", "c", "d:a"]);
        let d = decide(&p, &[Pending; 4]);
        assert_eq!(d.start, [0, 1]);
        let d = decide(&p, &[Done(Status::Pass), Running, Pending, Pending]);
        assert_eq!(d.start, [2]);
        let d = decide(
            &p,
            &[Done(Status::Pass), Done(Status::Fail), Pending, Pending],
        );
        assert_eq!(d.start, [2, 3]);
    }

    #[test]
    fn a_failure_blocks_exactly_its_dependants_transitively() {
        let p = plan(4, &["lint", "test", "cover:test", "build:cover", "docs"]);
        let d = decide(
            &p,
            &[
                Done(Status::Pass),
                Done(Status::Fail),
                Pending,
                Pending,
                Running,
            ],
        );
        assert_eq!(d.block, [(2, 1), (3, 2)]);
        assert!(d.start.is_empty());
    }

    #[test]
    fn blocking_reaches_dependants_declared_first() {
        let p = plan(1, &["late:mid", "mid:root", "root"]);
        let d = decide(&p, &[Pending, Pending, Done(Status::Timeout)]);
        assert_eq!(d.block, [(1, 2), (0, 1)]);
    }

    #[test]
    fn gates_sharing_a_lock_never_overlap() {
        let p = plan(4, &["clippy::cargo", "test::cargo", "ruff::", "doc::cargo"]);
        let d = decide(&p, &[Pending; 4]);
        assert_eq!(d.start, [0, 2]);
        let d = decide(&p, &[Running, Pending, Running, Pending]);
        assert!(d.start.is_empty());
        let d = decide(&p, &[Done(Status::Fail), Pending, Running, Pending]);
        assert_eq!(d.start, [1]);
    }

    #[test]
    fn an_unaffected_need_counts_as_passed() {
        let p = plan(2, &["fmt", "lint:fmt"]);
        let d = decide(&p, &[State::Unaffected, Pending]);
        assert_eq!(d.start, [1]);
        assert!(d.block.is_empty());
    }

    #[test]
    fn nothing_to_do_when_all_are_done() {
        let p = plan(2, &["a", "b:a"]);
        let d = decide(&p, &[Done(Status::Pass), Done(Status::Pass)]);
        assert_eq!(d, Decision::default());
    }
}
