//! detect-secrets: `detect-secrets scan` prints a baseline, JSON whose `results` map each file
//! to its findings; it exits 0 whatever it found, so the summary is what tells.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Summary, build};

#[derive(Deserialize)]
struct Scan {
    results: BTreeMap<String, Vec<serde_json::Value>>,
}

pub(super) fn read(output: &str) -> Option<Summary> {
    let start = output.find("{\n").or_else(|| output.find('{'))?;
    // Only the first JSON value: anything the tool logged after it is not part of the scan.
    let mut stream = serde_json::Deserializer::from_str(&output[start..]).into_iter::<Scan>();
    let scan = stream.next()?.ok()?;
    let findings: usize = scan.results.values().map(Vec::len).sum();
    let files = scan.results.values().filter(|v| !v.is_empty()).count();
    let mut summary = build(
        "detect-secrets",
        &[("findings", findings as u64), ("files", files as u64)],
    );
    summary.text = format!(
        "{findings} possible secret{} in {files} file{}",
        if findings == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" }
    );
    Some(summary)
}
