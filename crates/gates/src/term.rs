//! The terminal view on stderr: a live line per running gate (indicatif) and a progress line
//! below them (gates done of the total, how many run, the time so far) when stderr is a TTY,
//! plain `[pass] fmt 0.4s` lines as gates end otherwise; under `-v`, each line a running gate
//! prints, as `NAME | line`; a failing gate's last lines; then a
//! summary table. Colour only on a TTY and never when `NO_COLOR` is set; the tools' own escape
//! sequences in a failing gate's last lines likewise (read from its log on a colour terminal,
//! else the report's tail, which has none).

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::{Gate, Plan, Status};
use crate::report::{GateReport, Outcome, Report};
use crate::run::Observer;

/// How many log lines a failing gate shows in the terminal.
const SHOWN_LINES: usize = 15;

/// The terminal view.
#[derive(Debug)]
pub struct Terminal {
    color: bool,
    live: Option<(MultiProgress, HashMap<String, ProgressBar>)>,
    /// Under GitHub Actions: each block printed that holds `::` or `##[` is fenced with
    /// `::stop-commands::`, so gate names, reasons and log lines never act as workflow commands.
    fence: Option<crate::github::Tokens>,
    /// The repository root, against which a gate's `log` is read on a colour terminal.
    root: Option<std::path::PathBuf>,
    /// On a TTY: gates done of the total, how many run, the time so far.
    progress: Option<ProgressBar>,
}

impl Terminal {
    /// A view on stderr: live when stderr is a TTY, coloured unless `NO_COLOR` is set.
    pub fn stderr() -> Terminal {
        let tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Terminal {
            color: tty && !no_color,
            live: tty.then(|| {
                (
                    MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                    HashMap::new(),
                )
            }),
            fence: None,
            root: None,
            progress: None,
        }
    }

    /// Where gates' logs are, relative to: on a colour terminal a failing gate's last lines are
    /// read from its log with the tool's colours; without a root, or without colour, they are
    /// the report's tail, without them.
    pub fn root(mut self, root: &std::path::Path) -> Terminal {
        self.root = Some(root.to_path_buf());
        self
    }

    /// Fences everything this view prints against GitHub Actions' workflow commands.
    pub fn github(mut self, on: bool) -> Terminal {
        self.fence = on.then(crate::github::Tokens::new);
        self
    }

    /// Prints the summary table, after clearing any live line left (none should be: each gate
    /// clears its own as it ends, interrupted or not).
    pub fn summary(&self, report: &Report) {
        if let Some((multi, bars)) = &self.live {
            for bar in bars.values() {
                bar.finish_and_clear();
            }
            if let Some(progress) = &self.progress {
                progress.finish_and_clear();
            }
            let _ = multi.clear();
        }
        let text = summary(report, self.color);
        let text = match &self.fence {
            Some(tokens) => crate::github::fenced_if_needed(&text, tokens),
            None => text,
        };
        let _ = write!(std::io::stderr(), "{text}");
    }

    fn line(&self, text: &str) {
        let fenced;
        let text = match &self.fence {
            Some(tokens) => {
                fenced = crate::github::fenced_if_needed(text, tokens);
                fenced.trim_end()
            }
            None => text,
        };
        match &self.live {
            Some((multi, _)) => {
                let _ = multi.println(text);
            }
            None => {
                let _ = writeln!(std::io::stderr(), "{text}");
            }
        }
    }
}

impl Terminal {
    /// Says how many gates run now on the progress line.
    fn update_progress(&self) {
        if let (Some(progress), Some((_, bars))) = (&self.progress, &self.live) {
            progress.set_message(format!("{} running", bars.len()));
        }
    }
}

impl Observer for Terminal {
    fn planned(&mut self, total: usize) {
        if let Some((multi, _)) = &self.live {
            let bar = multi.add(ProgressBar::new(total as u64));
            bar.set_style(
                ProgressStyle::with_template("qa: {pos}/{len} gates done, {msg}, {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message("0 running");
            bar.enable_steady_tick(Duration::from_millis(200));
            self.progress = Some(bar);
        }
    }

    fn output(&mut self, gate: &str, line: &str) {
        let line = if self.color {
            line.to_string()
        } else {
            crate::ansi::strip(line)
        };
        self.line(&format!("{gate} | {line}"));
    }

    fn started(&mut self, gate: &Gate) {
        if let Some((multi, bars)) = &mut self.live {
            let bar = match &self.progress {
                Some(progress) => multi.insert_before(progress, ProgressBar::new_spinner()),
                None => multi.add(ProgressBar::new_spinner()),
            };
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(gate.name.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
            bars.insert(gate.name.clone(), bar);
        }
        self.update_progress();
    }

    fn finished(&mut self, gate: &GateReport) {
        if let Some((multi, bars)) = &mut self.live
            && let Some(bar) = bars.remove(&gate.name)
        {
            bar.finish_and_clear();
            multi.remove(&bar);
        }
        if let Some(progress) = &self.progress {
            progress.inc(1);
        }
        self.update_progress();
        self.line(&end_line(gate, self.color));
        let coloured = match (&self.root, &gate.log) {
            (Some(root), Some(log)) if self.color && gate.log_tail.is_some() => {
                crate::run::tail(&root.join(log), crate::run::TAIL_LINES)
            }
            _ => None,
        };
        if matches!(gate.status, Status::Fail | Status::Timeout | Status::Error)
            && let Some(tail) = coloured.as_ref().or(gate.log_tail.as_ref())
        {
            let lines: Vec<&str> = tail.lines().collect();
            let shown = &lines[lines.len().saturating_sub(SHOWN_LINES)..];
            let mut text = String::new();
            for l in shown {
                text.push_str("    ");
                text.push_str(l);
                text.push('\n');
            }
            if coloured.is_some() {
                // A tail may begin or end inside a tool's colour.
                text.push_str("\x1b[0m");
            }
            if let Some(log) = &gate.log {
                text.push_str(&format!("    (full log: {log})"));
            }
            self.line(text.trim_end());
        }
    }
}

fn paint(text: &str, status: Status, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match status {
        Status::Pass => "32",
        Status::Fail | Status::Timeout | Status::Error => "31",
        Status::Blocked => "33",
        Status::Skipped => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// `[pass] fmt 0.4s`, `[blocked] cover: needs `tests`, which failed`.
pub(crate) fn end_line(gate: &GateReport, color: bool) -> String {
    let tag = paint(&format!("[{}]", gate.status.as_str()), gate.status, color);
    let time = if gate.cached {
        " (cached)".to_string()
    } else {
        gate.duration_s
            .map(|d| format!(" {d:.1}s"))
            .unwrap_or_default()
    };
    let reason = match (gate.status, &gate.reason) {
        (Status::Pass, _) | (_, None) => String::new(),
        (_, Some(r)) => format!(": {r}"),
    };
    let found = gate
        .summary
        .as_ref()
        .map(|s| format!(" — {}", s.text))
        .unwrap_or_default();
    format!("{tag} {}{time}{reason}{found}", gate.name)
}

/// The summary table printed at the end of a run.
pub fn summary(report: &Report, color: bool) -> String {
    let width = report
        .gates
        .iter()
        .map(|g| g.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "\n{:width$}  {:8} {:>8}  {}\n",
        "gate", "status", "time", "owner / reason"
    );
    for g in &report.gates {
        let status = format!(
            "{:8}",
            if g.cached {
                "cached"
            } else {
                g.status.as_str()
            }
        );
        let time = g.duration_s.map(|d| format!("{d:.1}s")).unwrap_or_default();
        let mut note = g.owner.clone().unwrap_or_default();
        if let Some(r) = &g.reason {
            if !note.is_empty() {
                note.push_str(" / ");
            }
            note.push_str(r);
        }
        if let Some(s) = &g.summary {
            if !note.is_empty() {
                note.push_str(" — ");
            }
            note.push_str(&s.text);
        }
        if !g.required {
            note.push_str(" (allowed to fail)");
        }
        out.push_str(
            format!(
                "{:width$}  {} {time:>8}  {note}",
                g.name,
                paint(&status, g.status, color)
            )
            .trim_end(),
        );
        out.push('\n');
    }
    out.push_str(&format!(
        "\nqa: {} in {:.1}s ({})\n",
        match report.outcome {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::Interrupted => "interrupted",
        },
        report.duration_s,
        report.counts.line()
    ));
    if let Some(note) = crate::verdict::note(report) {
        out.push_str(&note);
        out.push('\n');
    }
    out
}

/// The gates as JSON for a CI matrix (`qa --list --json`): name, needs, command, owner,
/// description, lock.
///
/// `cache` gives, by the gate's index, which cache would answer for it (`local`, `remote`),
/// if one would.
pub fn list_json(
    plan: &Plan,
    reproduce: &dyn Fn(&Gate) -> String,
    cache: &dyn Fn(usize) -> Option<&'static str>,
) -> String {
    let gates: Vec<serde_json::Value> = plan
        .gates
        .iter()
        .enumerate()
        .map(|(i, g)| {
            serde_json::json!({
                "name": g.name,
                "needs": g.needs.iter().map(|&n| plan.gates[n].name.as_str()).collect::<Vec<_>>(),
                "command": reproduce(g),
                "owner": g.owner,
                "description": g.description,
                "lock": g.lock,
                "cache": cache(i),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&gates).expect("JSON values serialize");
    text.push('\n');
    text
}

/// The gate graph for `qa --list`: each gate, what it runs, what it needs, its lock.
pub fn list(plan: &Plan, reproduce: &dyn Fn(&Gate) -> String) -> String {
    let width = plan
        .gates
        .iter()
        .map(|g| g.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!("{} gates, jobs = {}\n", plan.gates.len(), plan.jobs);
    for g in &plan.gates {
        out.push_str(&format!("{:width$}  {}\n", g.name, reproduce(g)));
        if let Some(description) = &g.description {
            out.push_str(&format!("{:width$}    {description}\n", ""));
        }
        let mut notes = Vec::new();
        if !g.needs.is_empty() {
            let needs: Vec<&str> = g
                .needs
                .iter()
                .map(|&n| plan.gates[n].name.as_str())
                .collect();
            notes.push(format!("needs {}", needs.join(", ")));
        }
        if let Some(lock) = &g.lock {
            notes.push(format!("lock {lock}"));
        }
        if let Some(owner) = &g.owner {
            notes.push(format!("owner {owner}"));
        }
        if let Some(t) = g.timeout {
            notes.push(format!("timeout {}s", t.as_secs_f64()));
        }
        if g.allow_failure {
            notes.push("allowed to fail".into());
        }
        if let Some(b) = &g.baseline {
            notes.push(match b {
                crate::baseline::Spec::Count(re) => format!("baseline count `{re}`"),
                crate::baseline::Spec::Diagnostics(_) => "baseline diagnostics".into(),
            });
        }
        if let Some(paths) = &g.paths {
            notes.push(format!("paths {}", paths.join(", ")));
        }
        if let Some(inputs) = &g.inputs {
            notes.push(format!("inputs {}", inputs.join(", ")));
        }
        if !notes.is_empty() {
            out.push_str(&format!("{:width$}    {}\n", "", notes.join("; ")));
        }
    }
    out
}
