//! Check reports and plans for the unit tests of the commands that compare them.

use std::path::PathBuf;

use crate::check::{CheckReport, FormatterCheck, PendingFile};
use crate::config::Kind;
use crate::plan::{Batch, Plan, Status};

pub(crate) fn batch(id: &str, done: bool, files: &[&str]) -> Batch {
    Batch {
        id: id.into(),
        formatter: "ruff".into(),
        module: PathBuf::from(id),
        owner: None,
        lines: files.len(),
        status: if done {
            Status::Done {
                commit: None,
                date: "2026-11-24".into(),
            }
        } else {
            Status::Pending
        },
        files: files.iter().map(PathBuf::from).collect(),
        branches: Vec::new(),
    }
}

pub(crate) fn report(
    pending: &[&str],
    broken: &[&str],
    present: &[&str],
    version: &str,
) -> CheckReport {
    CheckReport {
        formatters: vec![FormatterCheck {
            name: "ruff".into(),
            kind: Kind::Ruff,
            version: Some(version.into()),
            checked: present.len(),
            pending: pending
                .iter()
                .map(|p| PendingFile {
                    path: p.into(),
                    lines: 2,
                })
                .collect(),
            broken: broken
                .iter()
                .map(|p| (PathBuf::from(p), "1:7: Expected an expression".into()))
                .collect(),
        }],
        present: present.iter().map(PathBuf::from).collect(),
        lines: true,
    }
}

pub(crate) fn plan_file() -> Plan {
    Plan {
        max_files: 25,
        max_lines: 2000,
        by_owner: false,
        formatters: [("ruff".to_string(), "ruff 0.14.14".to_string())].into(),
        unparseable: vec!["known_broken.py".into(), "fixed.py".into()],
        avoid: None,
        batches: vec![
            batch("a", true, &["a/x.py", "a/y.py", "a/gone.py"]),
            batch("b", false, &["b/x.py", "b/y.py", "b/broken.py"]),
        ],
    }
}
