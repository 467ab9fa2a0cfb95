//! bandit: the issues by severity of its `Run metrics` (`Total issues (by severity):` then
//! `Undefined`, `Low`, `Medium`, `High` lines), in its default text output.

use super::{Summary, build};

pub(super) fn read(output: &str) -> Option<Summary> {
    let mut lines = output
        .lines()
        .skip_while(|l| l.trim() != "Total issues (by severity):");
    lines.next()?;
    let mut by = [0u64; 4];
    for line in lines.take(4) {
        let Some((name, n)) = line.trim().split_once(':') else {
            break;
        };
        let i = match name {
            "High" => 0,
            "Medium" => 1,
            "Low" => 2,
            "Undefined" => 3,
            _ => break,
        };
        by[i] = n.trim().parse().unwrap_or(0);
    }
    let total = by.iter().sum();
    let mut summary = build(
        "bandit",
        &[
            ("issues", total),
            ("high", by[0]),
            ("medium", by[1]),
            ("low", by[2]),
            ("undefined", by[3]),
        ],
    );
    summary.text = format!(
        "{total} issue{} (high {}, medium {}, low {})",
        if total == 1 { "" } else { "s" },
        by[0],
        by[1],
        by[2]
    );
    if by[3] > 0 {
        summary
            .text
            .insert_str(summary.text.len() - 1, &format!(", undefined {}", by[3]));
    }
    Some(summary)
}
