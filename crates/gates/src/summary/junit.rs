//! A gate's own JUnit file (`junit = "PATH"`, or pytest's `--junitxml`): its test cases, kept
//! in the report so qa's JUnit folds them under the gate's suite and the Markdown names the
//! failures.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The test cases a gate's JUnit file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tests {
    /// The file they were read from, as the gate's `junit` names it.
    pub file: String,
    pub cases: Vec<TestCase>,
}

impl Tests {
    /// The ids of the cases that failed or erred: `classname::name`, or the name alone.
    pub(crate) fn failed(&self) -> Vec<String> {
        self.cases
            .iter()
            .filter(|c| matches!(c.status, TestStatus::Failed | TestStatus::Error))
            .map(TestCase::id)
            .collect()
    }
}

/// One test case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    pub name: String,
    #[serde(default)]
    pub classname: Option<String>,
    pub status: TestStatus,
    /// Seconds, as the file gives them.
    #[serde(default)]
    pub time_s: Option<f64>,
    /// The failure's, error's or skip's message.
    #[serde(default)]
    pub message: Option<String>,
    /// The failure's or error's text (a traceback), cut to its last 4 KiB.
    #[serde(default)]
    pub details: Option<String>,
}

impl TestCase {
    /// `classname::name`, or the name alone.
    pub(crate) fn id(&self) -> String {
        match &self.classname {
            Some(c) if !c.is_empty() => format!("{c}::{}", self.name),
            _ => self.name.clone(),
        }
    }
}

/// How a test case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TestStatus {
    Passed,
    Failed,
    Error,
    Skipped,
}

/// How many bytes of a failure's text are kept.
const DETAILS_BYTES: usize = 4096;

/// The test cases of the JUnit file at `path` (shown as `file`), when it was written at or
/// after `since` (a file left by an earlier run says nothing of this one). An unreadable or
/// malformed file is an error in words, for the gate's reason.
pub(crate) fn read_junit(
    path: &Path,
    file: &str,
    since: std::time::SystemTime,
) -> Result<Tests, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("no JUnit file at {file}: {e}"))?;
    if meta.modified().is_ok_and(|m| m < since) {
        return Err(format!(
            "the JUnit file {file} was not written by this run (it is older than the gate)"
        ));
    }
    let text = std::fs::read(path).map_err(|e| format!("cannot read {file}: {e}"))?;
    parse(&String::from_utf8_lossy(&text), file)
}

/// The test cases of a JUnit document, `<testsuites>` or a lone `<testsuite>`.
pub(crate) fn parse(text: &str, file: &str) -> Result<Tests, String> {
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| format!("the JUnit file {file} is not well-formed XML: {e}"))?;
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|n| {
            let child = ["failure", "error", "skipped"]
                .into_iter()
                .find_map(|tag| n.children().find(|c| c.has_tag_name(tag)));
            let status = match child.map(|c| c.tag_name().name()) {
                Some("failure") => TestStatus::Failed,
                Some("error") => TestStatus::Error,
                Some(_) => TestStatus::Skipped,
                None => TestStatus::Passed,
            };
            let details = child
                .and_then(|c| c.text())
                .map(str::trim)
                .filter(|t| !t.is_empty() && status != TestStatus::Skipped)
                .map(last_bytes);
            TestCase {
                name: n.attribute("name").unwrap_or("").to_string(),
                classname: n.attribute("classname").map(str::to_string),
                status,
                time_s: n.attribute("time").and_then(|t| t.parse().ok()),
                message: child
                    .and_then(|c| c.attribute("message"))
                    .map(str::to_string),
                details,
            }
        })
        .collect();
    Ok(Tests {
        file: file.to_string(),
        cases,
    })
}

fn last_bytes(text: &str) -> String {
    if text.len() <= DETAILS_BYTES {
        return text.to_string();
    }
    let mut at = text.len() - DETAILS_BYTES;
    while !text.is_char_boundary(at) {
        at += 1;
    }
    format!("…{}", &text[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_suite_is_read_and_a_malformed_file_named() {
        let xml = "<testsuite><testcase name='a' time='1e300'/>\
                   <testcase name='b' classname='m' time='NaN'><error message='boom'>trace</error></testcase>\
                   <testcase name='c' time='-1'><skipped/></testcase></testsuite>";
        let tests = parse(xml, "j.xml").unwrap();
        let statuses: Vec<TestStatus> = tests.cases.iter().map(|c| c.status).collect();
        assert_eq!(
            statuses,
            [TestStatus::Passed, TestStatus::Error, TestStatus::Skipped]
        );
        assert_eq!(tests.failed(), ["m::b"]);
        assert_eq!(tests.cases[1].details.as_deref(), Some("trace"));
        assert!(
            parse("<testsuite>", "bad.xml")
                .unwrap_err()
                .contains("bad.xml")
        );
    }
}
