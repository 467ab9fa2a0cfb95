//! How long each gate takes, for cutting shards by time (`qa --shard K/N`): read from a
//! previous JSON report (`--timings REPORT.json`, `crate::read_timings`: each gate that ran,
//! not a cached one) or,
//! without one, from the durations the result cache recorded with each gate's latest pass.
//! Durations are rounded up to tenths of a second (at least 0.1 s), so that runs of trivial
//! gates, a few milliseconds apart, weigh the same and cut the plan the same way; a gate with
//! no duration weighs the median of the known ones, and with none known every gate weighs the
//! same (shards balanced by gate count).

use repo::Repo;
use std::collections::BTreeMap;

use crate::model::Plan;

/// Durations of gates by name, in seconds, and where they came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
    by_gate: BTreeMap<String, f64>,
    /// `REPORT.json`, `the result cache`, or empty when no duration is known.
    pub source: String,
}

impl Timings {
    /// No durations: shards balanced by gate count.
    pub fn none() -> Timings {
        Timings::default()
    }

    /// Durations by gate name (in seconds) read from `source`; negative and non-finite ones are
    /// left out.
    pub(crate) fn new(durations: impl IntoIterator<Item = (String, f64)>, source: &str) -> Timings {
        Timings {
            by_gate: durations
                .into_iter()
                .filter(|(_, d)| d.is_finite() && *d >= 0.0)
                .collect(),
            source: source.to_string(),
        }
    }

    /// The durations the result cache recorded with each gate's latest pass (none when the
    /// cache is off).
    pub fn from_cache(repo: &Repo, plan: &Plan) -> Timings {
        let cache = crate::cache::Cache::new(repo, true);
        let timings = Timings::new(
            plan.gates
                .iter()
                .filter_map(|g| Some((g.name.clone(), cache.last_pass(&g.name)?.duration_s))),
            "the result cache",
        );
        if timings.by_gate.is_empty() {
            Timings::none()
        } else {
            timings
        }
    }

    /// Each gate's weight in tenths of a second (see the module's comment): its duration
    /// rounded up, else the median of the known ones, else 1 for every gate.
    pub(crate) fn weights(&self, plan: &Plan) -> Vec<u64> {
        let known: Vec<Option<u64>> = plan
            .gates
            .iter()
            .map(|g| self.by_gate.get(&g.name).map(|&d| tenths(d)))
            .collect();
        let mut sorted: Vec<u64> = known.iter().flatten().copied().collect();
        sorted.sort_unstable();
        let median = match sorted.len() {
            0 => 1,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]).div_ceil(2),
        };
        known.into_iter().map(|w| w.unwrap_or(median)).collect()
    }

    /// How many of `plan`'s gates have a duration.
    pub fn known(&self, plan: &Plan) -> usize {
        plan.gates
            .iter()
            .filter(|g| self.by_gate.contains_key(&g.name))
            .count()
    }
}

/// `seconds` rounded up to tenths, at least one.
fn tenths(seconds: f64) -> u64 {
    // Durations are bounded by any sane run; a huge or odd value saturates.
    ((seconds * 10.0).ceil() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Command, Gate};

    fn plan(names: &[&str]) -> Plan {
        Plan {
            jobs: 1,
            gates: names
                .iter()
                .map(|n| Gate::bare(n, Command::Argv(vec!["true".into()])))
                .collect(),
        }
    }

    #[test]
    fn unknown_gates_weigh_the_median_and_durations_round_up_to_tenths() {
        let t = Timings {
            by_gate: [("a", 0.004), ("b", 2.01), ("c", 0.5)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            source: "x".into(),
        };
        assert_eq!(t.weights(&plan(&["a", "b", "c", "d"])), [1, 21, 5, 5]);
        assert_eq!(Timings::none().weights(&plan(&["a", "b"])), [1, 1]);
    }
}
