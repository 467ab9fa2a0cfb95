//! The run's report: serde types with a `schema_version` (the JSON report, its JSON Schema
//! generated from these types) and the verdict computed from the gates' ends. What is made of
//! it lives elsewhere: Markdown and JUnit in `render.rs`, SARIF in `sarif.rs`, GitHub Actions
//! in `github.rs`, the terminal in `term.rs`, merging shards in `merge.rs`.

use serde::{Deserialize, Serialize};

use crate::baseline::BaselineReport;
use crate::model::Status;
use crate::shards::ShardInfo;
use crate::summary::{Summary, Tests};

/// The version of the JSON report's shape; raised on any incompatible change.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// Where the committed JSON Schema of the report lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "docs/reference/qa-report.schema.json";

/// The report of one `qa` run (or of several shards merged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The version of this shape: 1.
    pub schema_version: u32,
    /// When the run started, RFC 3339 in UTC.
    pub started_at: String,
    /// Wall time of the whole run, in seconds.
    pub duration_s: f64,
    /// How many gates could run at once.
    pub jobs: usize,
    /// The machine the run ran on (for a merged report, each shard's, comma-separated); null
    /// when the system names none.
    #[serde(default)]
    pub hostname: Option<String>,
    /// True when the run that wrote this report printed its GitHub Actions annotations (it ran
    /// with `GITHUB_ACTIONS=true`), so `qa report merge --github` does not print them again.
    #[serde(default)]
    pub annotated: bool,
    /// For a shard's report (`qa --shard K/N`): which shard, and a digest of the plan it was
    /// cut from; absent for an unsharded run and a merged report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
    /// `pass`: every required gate passed or was skipped; `fail`: a required gate failed, was
    /// blocked, timed out or could not start, or `require_tools` holds and the run checked
    /// nothing or skipped a required gate for a missing tool (see `outcome_reason`);
    /// `interrupted`: Ctrl-C stopped the run.
    pub outcome: Outcome,
    /// Why the outcome is what it is when the gates alone do not say: a run that checked
    /// nothing, or a required gate skipped for a missing tool while `require_tools` holds.
    #[serde(default)]
    pub outcome_reason: Option<String>,
    /// What makes a required gate skipped for a missing tool (and a run that checked nothing)
    /// fail this run: `CI=true`, `--require-tools` or `[qa] require_tools = true`; null when
    /// nothing does (a developer machine: the summary lists what did not run).
    #[serde(default)]
    pub require_tools: Option<String>,
    /// What the run did with the remote cache, when it used one: its URL (without
    /// credentials), mode, hits, passes stored, and what went wrong with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_cache: Option<crate::remote::RemoteReport>,
    /// How many gates ended in each status.
    pub counts: Counts,
    /// Every gate of the run, in declaration order.
    pub gates: Vec<GateReport>,
}

/// The run's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Interrupted,
}

/// Gates per status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub blocked: usize,
    pub skipped: usize,
    pub timeout: usize,
    pub error: usize,
}

impl Counts {
    /// `3 pass, 1 fail, 0 blocked, 0 skipped, 0 timeout, 0 error`: the counts line of the
    /// terminal summary and the Markdown notes.
    pub(crate) fn line(&self) -> String {
        format!(
            "{} pass, {} fail, {} blocked, {} skipped, {} timeout, {} error",
            self.pass, self.fail, self.blocked, self.skipped, self.timeout, self.error
        )
    }
}

/// One gate's end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateReport {
    pub name: String,
    pub status: Status,
    /// Why it ended so, in words (always set unless it passed).
    pub reason: Option<String>,
    /// Who answers for it (`owner` in xtask.toml).
    pub owner: Option<String>,
    /// What it checks (`description` in xtask.toml).
    #[serde(default)]
    pub description: Option<String>,
    /// The gates it needs.
    pub needs: Vec<String>,
    /// For a blocked gate, the need that did not pass.
    pub blocked_by: Option<String>,
    /// False when `allow_failure = true`: its failure does not fail the run.
    pub required: bool,
    /// When it started, in seconds after the run started (null when it never ran).
    pub start_s: Option<f64>,
    /// How long it ran, in seconds (null when it never ran).
    pub duration_s: Option<f64>,
    /// The command that reproduces it, quoted for a POSIX shell.
    pub command: String,
    /// Its log (stdout and stderr interleaved), relative to the repository root when inside it.
    pub log: Option<String>,
    /// The exit code, when it exited.
    pub exit_code: Option<i32>,
    /// The log's last lines, for gates that did not pass, without terminal escape sequences.
    pub log_tail: Option<String>,
    /// Its debt against the stored baseline, for gates with `baseline`.
    pub baseline: Option<BaselineReport>,
    /// True when the result came from the cache: same inputs, argv, env and tool version as a
    /// run that passed.
    pub cached: bool,
    /// True when that cached result came from the remote cache (`[qa.cache] remote`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remote_cache: bool,
    /// For a gate skipped because what it needs is missing: the `tool` not on PATH, or the
    /// Python `module` its interpreter cannot import.
    #[serde(default)]
    pub missing_tool: Option<String>,
    /// What its tool found, read from its log (see `summary` in the xtask.toml reference);
    /// null when no reader knows the tool or the output held nothing to read.
    #[serde(default)]
    pub summary: Option<Summary>,
    /// The test cases of the JUnit file it wrote (`junit`), when it wrote one this run.
    #[serde(default)]
    pub tests: Option<Tests>,
}

impl GateReport {
    /// This report, ended with `status` for `reason`.
    pub(crate) fn ended(self, status: Status, reason: impl Into<Option<String>>) -> GateReport {
        GateReport {
            status,
            reason: reason.into(),
            ..self
        }
    }
}

impl Report {
    /// Builds the verdict and counts from the gates.
    pub(crate) fn new(
        started_at: String,
        duration_s: f64,
        jobs: usize,
        interrupted: bool,
        gates: Vec<GateReport>,
    ) -> Report {
        let mut counts = Counts::default();
        for g in &gates {
            *match g.status {
                Status::Pass => &mut counts.pass,
                Status::Fail => &mut counts.fail,
                Status::Blocked => &mut counts.blocked,
                Status::Skipped => &mut counts.skipped,
                Status::Timeout => &mut counts.timeout,
                Status::Error => &mut counts.error,
            } += 1;
        }
        let failed = gates.iter().any(|g| g.required && g.status.fails_run());
        let outcome = if interrupted {
            Outcome::Interrupted
        } else if failed {
            Outcome::Fail
        } else {
            Outcome::Pass
        };
        Report {
            schema_version: SCHEMA_VERSION,
            started_at,
            duration_s,
            jobs,
            hostname: None,
            annotated: false,
            shard: None,
            outcome,
            outcome_reason: None,
            require_tools: None,
            remote_cache: None,
            counts,
            gates,
        }
    }

    /// The report as pretty JSON with a trailing newline.
    pub(crate) fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a report serializes");
        text.push('\n');
        text
    }
}

/// The JSON Schema of [`Report`], as committed at [`SCHEMA_PATH`].
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Report);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}
