//! What a shard's report records of its shard (`K/N`, a digest of the plan it was cut from and
//! one of the cut itself); `merge.rs` checks and merges the shards' reports.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{Command, Plan};
use crate::select::Shard;
use crate::timings::Timings;

/// Which shard of which plan a report covers (`qa --shard K/N`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShardInfo {
    /// K: this shard, from 1.
    pub index: usize,
    /// N: how many shards the plan was cut into.
    pub count: usize,
    /// `sha256:HEX` of the plan before it was cut: each gate's name, command, working
    /// directory, env, `allow_failure` and needs, in declaration order (what decides the shard
    /// assignment). The same xtask.toml and gate selection give the same digest on any machine.
    pub plan_digest: String,
    /// `sha256:HEX` of the cut: the shard each gate of the plan went to. Shards cut by
    /// different durations (`--timings`, or each runner's own result cache) may disagree on
    /// it, and then `qa report merge` refuses them: a gate could have run twice or never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_digest: Option<String>,
}

impl ShardInfo {
    /// The record of `shard` of `plan` (the plan before sharding), cut by `timings`.
    pub fn new(shard: Shard, plan: &Plan, timings: &Timings) -> ShardInfo {
        let cut = crate::balance::assign(plan, &timings.weights(plan), shard.count);
        let cut: Vec<(&str, usize)> = plan
            .gates
            .iter()
            .zip(cut)
            .map(|(g, s)| (g.name.as_str(), s + 1))
            .collect();
        ShardInfo {
            index: shard.index,
            count: shard.count,
            plan_digest: plan_digest(plan),
            cut_digest: Some(sha256(
                &serde_json::json!({ "qa-cut": 1, "shards": cut }).to_string(),
            )),
        }
    }
}

/// `sha256:HEX` over a canonical JSON form of the plan's gates (see [`ShardInfo::plan_digest`]).
/// Nothing of the machine enters it: no path, no `jobs`, no resolved program.
pub(crate) fn plan_digest(plan: &Plan) -> String {
    let gates: Vec<serde_json::Value> = plan
        .gates
        .iter()
        .map(|g| {
            let (kind, command) = match &g.command {
                Command::Argv(argv) => ("argv", serde_json::json!(argv)),
                Command::Shell(line) => ("shell", serde_json::json!(line)),
                Command::Builtin(name) => ("builtin", serde_json::json!(name)),
            };
            serde_json::json!({
                "name": g.name,
                kind: command,
                "cwd": g.cwd,
                "env": g.env,
                "allow_failure": g.allow_failure,
                "needs": g.needs.iter().map(|&n| &plan.gates[n].name).collect::<Vec<_>>(),
            })
        })
        .collect();
    sha256(&serde_json::json!({ "qa-plan": 1, "gates": gates }).to_string())
}

/// `sha256:HEX` of `text`.
fn sha256(text: &str) -> String {
    format!(
        "sha256:{}",
        repo::text::hex(&Sha256::digest(text.as_bytes()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Gate;

    fn plan(cmds: &[&str]) -> Plan {
        Plan {
            jobs: 2,
            gates: cmds
                .iter()
                .enumerate()
                .map(|(i, c)| Gate::bare(&format!("g{i}"), Command::Shell(c.to_string())))
                .collect(),
        }
    }

    #[test]
    fn the_digest_follows_the_plan_and_nothing_else() {
        let a = plan(&["true", "false"]);
        let mut more_jobs = a.clone();
        more_jobs.jobs = 16;
        assert_eq!(plan_digest(&a), plan_digest(&more_jobs));
        assert!(plan_digest(&a).starts_with("sha256:"));
        assert_ne!(plan_digest(&a), plan_digest(&plan(&["true", "true"])));
        let mut needs = a.clone();
        needs.gates[1].needs = vec![0];
        assert_ne!(plan_digest(&a), plan_digest(&needs));
    }
}
