//! The SARIF 2.1.0 report (`qa --sarif PATH`, `qa report merge --sarif PATH`), for GitHub code
//! scanning and other SARIF viewers: every diagnostic the gates' diagnostics baselines read
//! (ruff, clippy, mypy, a regex), one run per tool, each result with its rule, level, message,
//! location relative to `%SRCROOT%` (the repository root), a line-number-free fingerprint and,
//! when the gate has a stored baseline, its `baselineState` (`new` or `unchanged`). Made from
//! the report alone, so shards' JSON reports merge into one. Pure; the same report gives the
//! same bytes.

use serde_json::{Value, json};

use crate::baseline::{BaselineReport, Finding};
use crate::report::Report;

/// Where the SARIF 2.1.0 schema the document names is published.
pub(crate) const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `partialFingerprints` key of our fingerprints (see [`Finding::fingerprint`]).
const FINGERPRINT_KEY: &str = "qaDiagnostic/v1";

/// The report's diagnostics as a SARIF 2.1.0 log, pretty JSON with a trailing newline.
pub(crate) fn sarif(report: &Report) -> String {
    let mut runs: Vec<Run<'_>> = Vec::new();
    for g in &report.gates {
        let Some(b) = diagnostics_of(g) else { continue };
        let tool = b.tool.clone().unwrap_or_else(|| g.name.clone());
        let i = match runs.iter().position(|r| r.tool == tool) {
            Some(i) => i,
            None => {
                runs.push(Run {
                    tool,
                    gates: vec![],
                    findings: vec![],
                });
                runs.len() - 1
            }
        };
        runs[i].gates.push(g.name.clone());
        runs[i].findings.extend(b.diagnostics.iter());
    }
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": runs.iter().map(Run::to_json).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&log).expect("a SARIF log serializes");
    text.push('\n');
    text
}

/// The gate's diagnostics baseline, when the gate ran far enough to be measured.
fn diagnostics_of(g: &crate::report::GateReport) -> Option<&BaselineReport> {
    g.baseline
        .as_ref()
        .filter(|b| b.kind == crate::baseline::Kind::Diagnostics)
}

/// The results of one tool, from every gate that ran it.
struct Run<'a> {
    tool: String,
    gates: Vec<String>,
    findings: Vec<&'a Finding>,
}

impl Run<'_> {
    fn to_json(&self) -> Value {
        let mut rules: Vec<&str> = self.findings.iter().map(|f| rule_id(f)).collect();
        rules.sort_unstable();
        rules.dedup();
        let results: Vec<Value> = self.findings.iter().map(|f| result(f, &rules)).collect();
        let mut driver = json!({
            "name": self.tool,
            "rules": rules.iter().map(|id| rule(&self.tool, id)).collect::<Vec<_>>(),
        });
        if let Some(uri) = information_uri(&self.tool) {
            driver["informationUri"] = json!(uri);
        }
        json!({
            "tool": { "driver": driver },
            "automationDetails": { "id": format!("qa/{}/", self.tool) },
            "originalUriBaseIds": {
                "%SRCROOT%": {
                    "description": { "text": "The root of the repository qa ran in." }
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": { "gates": self.gates },
        })
    }
}

/// The rule id of a finding: its code, or `unnamed` when the tool gave none.
fn rule_id(f: &Finding) -> &str {
    if f.code.is_empty() {
        "unnamed"
    } else {
        &f.code
    }
}

fn result(f: &Finding, rules: &[&str]) -> Value {
    let id = rule_id(f);
    let mut location = json!({ "artifactLocation": artifact(&f.file) });
    if f.line > 0 {
        let mut region = json!({ "startLine": f.line });
        if f.column > 0 {
            region["startColumn"] = json!(f.column);
        }
        location["region"] = region;
    }
    let mut result = json!({
        "ruleId": id,
        "ruleIndex": rules.binary_search(&id).unwrap_or_default(),
        "level": f.level.as_str(),
        "message": { "text": f.message },
        "locations": [{ "physicalLocation": location }],
        "partialFingerprints": { FINGERPRINT_KEY: f.fingerprint },
    });
    if let Some(state) = f.state {
        result["baselineState"] = json!(state);
    }
    result
}

/// A file relative to the repository root under `%SRCROOT%`; an absolute one as a `file:` URI.
fn artifact(file: &str) -> Value {
    if file.starts_with('/') {
        json!({ "uri": format!("file://{}", percent_encode(file)) })
    } else {
        json!({ "uri": percent_encode(file), "uriBaseId": "%SRCROOT%" })
    }
}

/// A rule as code scanning wants it described. The tools' output names a rule but does not
/// describe it, so the descriptions say whose rule it is and where its documentation is.
fn rule(tool: &str, id: &str) -> Value {
    let help_uri = help_uri(tool, id);
    let short = if id == "unnamed" {
        format!("A {tool} diagnostic without a rule code")
    } else {
        format!("{tool} rule {id}")
    };
    let docs = match (&help_uri, information_uri(tool)) {
        (Some(uri), _) => format!("{tool} documents it at {uri}"),
        (None, Some(uri)) => format!("{tool} documents its rules at {uri}"),
        (None, None) => format!("see the {tool} gate's command and its documentation"),
    };
    let mut rule = json!({
        "id": id,
        "shortDescription": { "text": short },
        "fullDescription": {
            "text": format!("{short}, as reported by the qa gate that ran {tool}; each result's message says what it found.")
        },
        "help": { "text": format!("{short}: {docs}.") },
    });
    if let Some(uri) = help_uri {
        rule["helpUri"] = json!(uri);
    }
    rule
}

/// Where a known tool documents itself.
fn information_uri(tool: &str) -> Option<&'static str> {
    match tool {
        "ruff" => Some("https://docs.astral.sh/ruff/"),
        "clippy" => Some("https://rust-lang.github.io/rust-clippy/"),
        "mypy" => Some("https://mypy.readthedocs.io/"),
        _ => None,
    }
}

/// Where a known tool documents a rule, when its id alone says.
fn help_uri(tool: &str, id: &str) -> Option<String> {
    match tool {
        "clippy" => id.strip_prefix("clippy::").map(|lint| {
            format!("https://rust-lang.github.io/rust-clippy/master/index.html#{lint}")
        }),
        _ => None,
    }
}

/// A path as a URI reference: unreserved characters and `/` kept, every other byte of its UTF-8
/// percent-encoded.
fn percent_encode(path: &str) -> String {
    repo::text::percent_encode(path, b"/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(percent_encode("app/my file#1.py"), "app/my%20file%231.py");
        assert_eq!(percent_encode("src/é.rs"), "src/%C3%A9.rs");
        assert_eq!(artifact("/abs/x.py"), json!({ "uri": "file:///abs/x.py" }));
    }
}
