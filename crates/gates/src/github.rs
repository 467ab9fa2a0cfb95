//! GitHub Actions output: each gate that did not pass gets a bounded tail of its log folded in a
//! `::group::`, every piece of untrusted text (log lines, reasons, names, commands) is echoed
//! inside the runner's own `::stop-commands::TOKEN` ... `::TOKEN::` with a fresh unguessable
//! token, our own `::error` annotations stay outside with their data escaped, and `outcome` and
//! `failed` are appended to `$GITHUB_OUTPUT`. Rendering is pure; reading a log's tail and
//! appending to the output file are the only IO.

use std::cell::Cell;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use repo::fs::FsError;
use sha2::{Digest, Sha256};

use crate::model::Status;
use crate::report::{GateReport, Outcome, Report};

/// At most this many lines of a log are echoed in a gate's group.
pub(crate) const ECHO_LINES: usize = 200;
/// At most this many bytes of a log (its end) are read and echoed in a gate's group.
pub(crate) const ECHO_BYTES: usize = 256 * 1024;
/// At most this many lines of a log tail go into an `::error` annotation.
const ANNOTATION_LINES: usize = 30;
/// At most this many bytes of a log tail go into an `::error` annotation.
const ANNOTATION_BYTES: usize = 16 * 1024;

/// Fresh `::stop-commands::` tokens: SHA-256 of a random seed and a counter, so each is
/// unguessable by the gates whose output it fences, and never one that occurs in the text.
#[derive(Debug)]
pub struct Tokens {
    seed: Vec<u8>,
    next: Cell<u64>,
}

impl Tokens {
    /// Tokens seeded from the operating system's randomness (`/dev/urandom`), or, failing
    /// that, from the time, the process id and an address.
    pub fn new() -> Tokens {
        let mut seed = vec![0u8; 32];
        let random = File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut seed));
        if random.is_err() {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let local = 0u8;
            let address = std::ptr::addr_of!(local) as usize;
            seed = format!("{now}:{}:{address}", std::process::id()).into_bytes();
        }
        Tokens::from_seed(&seed)
    }

    /// Tokens from a given seed (tests).
    pub(crate) fn from_seed(seed: &[u8]) -> Tokens {
        Tokens {
            seed: seed.to_vec(),
            next: Cell::new(0),
        }
    }

    /// A token that none of `texts` contains, in any case (the runner compares tokens without
    /// regard to case).
    pub(crate) fn fresh(&self, texts: &[&str]) -> String {
        loop {
            let n = self.next.get();
            self.next.set(n.wrapping_add(1));
            let mut hasher = Sha256::new();
            hasher.update(&self.seed);
            hasher.update(n.to_le_bytes());
            let token = repo::text::hex(&hasher.finalize()[..16]);
            let token = format!("qa{token}");
            if !texts
                .iter()
                .any(|t| t.to_ascii_lowercase().contains(&token))
            {
                return token;
            }
        }
    }
}

impl Default for Tokens {
    fn default() -> Tokens {
        Tokens::new()
    }
}

/// `text` fenced so that GitHub Actions runs none of the workflow commands in it: a
/// `::stop-commands::TOKEN` line, the text (ending with a newline), and the `::TOKEN::` line
/// that resumes command processing.
pub(crate) fn fenced(text: &str, tokens: &Tokens) -> String {
    let token = tokens.fresh(&[text]);
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    format!("::stop-commands::{token}\n{text}{newline}::{token}::\n")
}

/// `text` fenced as by `fenced` when a line of it could be read as a workflow command (it
/// holds `::` or `##[`), else as it is: for the terminal view, which would otherwise double
/// its lines with fences.
pub fn fenced_if_needed(text: &str, tokens: &Tokens) -> String {
    if text.contains("::") || text.contains("##[") {
        fenced(text, tokens)
    } else {
        text.to_string()
    }
}

/// What a gate's group echoes of its log: its last lines, and a closing note saying how much
/// was left out and where the whole log is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Echo {
    pub text: String,
    pub note: String,
}

/// The end of a gate's log on disk (`root` joined with its `log`): at most `ECHO_LINES` lines
/// and `ECHO_BYTES` bytes, read from the end of the file, never the whole file. `None` when
/// the gate has no log or it cannot be read.
pub fn log_echo(root: &Path, gate: &GateReport) -> Option<Echo> {
    let log = gate.log.as_ref()?;
    // One byte more than is echoed, to tell whether the first line kept starts a line.
    let (bytes, len) = crate::run::file_end(&root.join(log), ECHO_BYTES as u64 + 1)?;
    let (kept, _) = last_lines(&bytes, ECHO_LINES, ECHO_BYTES);
    let left_out = len - kept.len() as u64;
    let text = String::from_utf8_lossy(kept).into_owned();
    let note = if left_out > 0 {
        format!(
            "[qa] {left_out} bytes of this log are left out above: shown are its last {} lines \
             of {len} bytes; the whole log is {log}",
            text.lines().count()
        )
    } else {
        format!("[qa] the whole log is {log}")
    };
    Some(Echo { text, note })
}

/// What a merged report can echo of a gate: the log tail kept in its shard's report (bounded
/// again, whatever the report holds). `None` when it kept none.
pub fn report_echo(gate: &GateReport) -> Option<Echo> {
    let tail = gate.log_tail.as_ref()?;
    let (kept, cut) = last_lines(tail.as_bytes(), ECHO_LINES, ECHO_BYTES);
    let text = String::from_utf8_lossy(kept).into_owned();
    let log = gate.log.as_deref().unwrap_or("(none)");
    let note = format!(
        "[qa] the last lines kept in the report{}; the whole log was {log} on the runner that \
         ran it",
        if cut { ", shortened" } else { "" }
    );
    Some(Echo { text, note })
}

/// The workflow commands for a run: a `::group::` per gate that did not pass and has a log
/// (its reproduce command and the [`Echo`] of its log, fenced), then an `::error` annotation
/// per new baseline diagnostic and per failed or timed-out gate, for the gates `annotate`
/// picks (a merge leaves out those a shard already annotated).
pub fn github_commands(
    report: &Report,
    echo: &dyn Fn(&GateReport) -> Option<Echo>,
    annotate: &dyn Fn(&GateReport) -> bool,
    tokens: &Tokens,
) -> String {
    let mut out = String::new();
    for g in &report.gates {
        if g.status == Status::Pass {
            continue;
        }
        let Some(echo) = echo(g) else { continue };
        out.push_str(&format!(
            "::group::{}\n",
            escape_data(&format!("{} ({})", g.name, g.status.as_str()))
        ));
        let mut body = format!("$ {}\n{}", g.command, echo.text);
        if !body.ends_with('\n') {
            body.push('\n');
        }
        body.push_str(&echo.note);
        out.push_str(&fenced(&body, tokens));
        out.push_str("::endgroup::\n");
    }
    if let Some(reason) = &report.outcome_reason {
        out.push_str(&format!(
            "::error title=qa: fail::{}\n",
            escape_data(reason)
        ));
    }
    for g in report.gates.iter().filter(|g| annotate(g)) {
        for d in g.baseline.iter().flat_map(|b| &b.new_diagnostics) {
            out.push_str(&format!(
                "::error file={},line={},title={}::{}\n",
                escape_property(&d.file),
                d.line,
                escape_property(&format!("qa: {} new {}", g.name, d.code)),
                escape_data(&d.message)
            ));
        }
        if matches!(g.status, Status::Fail | Status::Timeout) {
            let tail = g.log_tail.as_deref().map(|t| {
                let (kept, _) = last_lines(t.as_bytes(), ANNOTATION_LINES, ANNOTATION_BYTES);
                format!("\n{}", String::from_utf8_lossy(kept))
            });
            let message = format!(
                "{}\nReproduce: {}{}",
                g.reason.as_deref().unwrap_or(g.status.as_str()),
                g.command,
                tail.unwrap_or_default()
            );
            out.push_str(&format!(
                "::error title={}::{}\n",
                escape_property(&format!("qa: {} {}", g.name, g.status.as_str())),
                escape_data(&message)
            ));
        }
    }
    out
}

/// The lines appended to `$GITHUB_OUTPUT`: `outcome=pass|fail|interrupted` and `failed=` the
/// names of the gates that ended `fail`, `blocked`, `timeout` or `error` (required or not), as a
/// JSON array on one line (`[]` when none), for `fromJSON` in `if:` expressions.
pub(crate) fn output_lines(report: &Report) -> String {
    let outcome = match report.outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Interrupted => "interrupted",
    };
    let failed: Vec<&str> = report
        .gates
        .iter()
        .filter(|g| g.status.fails_run())
        .map(|g| g.name.as_str())
        .collect();
    // serde_json escapes control characters, so the array is always one line.
    let failed = serde_json::to_string(&failed).unwrap_or_else(|_| "[]".into());
    format!("outcome={outcome}\nfailed={failed}\n")
}

/// Appends `output_lines` to the `$GITHUB_OUTPUT` file (never replacing what earlier steps
/// wrote there).
pub fn write_output(path: &Path, report: &Report) -> Result<(), FsError> {
    repo::fs::append(path, output_lines(report).as_bytes())
}

/// Escapes a workflow command's data: `%`, CR and LF.
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value: as data, plus `:` and `,`.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The end of `bytes` holding at most `lines` lines and `max` bytes. A first line cut in two by
/// the byte limit is dropped, unless it is the only line. Returns the kept bytes and whether
/// anything was cut.
fn last_lines(bytes: &[u8], lines: usize, max: usize) -> (&[u8], bool) {
    let mut start = bytes.len().saturating_sub(max);
    if start > 0
        && bytes[start - 1] != b'\n'
        && let Some(nl) = bytes[start..].iter().position(|&b| b == b'\n')
        && start + nl + 1 < bytes.len()
    {
        start += nl + 1;
    }
    // Count line starts back from the end; a final newline does not start a line.
    let body_end = if bytes.ends_with(b"\n") {
        bytes.len() - 1
    } else {
        bytes.len()
    };
    let mut seen = 0;
    for i in (start..body_end).rev() {
        if bytes[i] == b'\n' {
            seen += 1;
            if seen == lines {
                start = i + 1;
                break;
            }
        }
    }
    (&bytes[start..], start > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(name: &str, status: Status) -> GateReport {
        GateReport {
            name: name.into(),
            status,
            reason: None,
            owner: None,
            description: None,
            needs: vec![],
            blocked_by: None,
            required: true,
            start_s: Some(0.0),
            duration_s: Some(1.0),
            command: "cargo test --workspace".into(),
            log: Some("target/xtask/qa/tests.log".into()),
            exit_code: None,
            log_tail: None,
            baseline: None,
            cached: false,
            remote_cache: false,
            missing_tool: None,
            summary: None,
            tests: None,
        }
    }

    #[test]
    fn groups_fence_logs_and_annotations_stay_outside() {
        let mut t = gate("tests", Status::Fail);
        t.reason = Some("exited 1".into());
        t.log_tail = Some("boom: 50% done".into());
        let report = Report::new(
            "x".into(),
            1.0,
            1,
            false,
            vec![t, gate("fmt", Status::Pass)],
        );
        let tokens = Tokens::from_seed(b"seed");
        let token = Tokens::from_seed(b"seed").fresh(&[]);
        let out = github_commands(
            &report,
            &|g| {
                Some(Echo {
                    text: format!("log of {}\n::error::fake\n", g.name),
                    note: "[qa] the whole log is x".into(),
                })
            },
            &|_| true,
            &tokens,
        );
        assert_eq!(
            out,
            format!(
                "::group::tests (fail)\n::stop-commands::{token}\n$ cargo test --workspace\n\
                 log of tests\n::error::fake\n[qa] the whole log is x\n::{token}::\n::endgroup::\n\
                 ::error title=qa%3A tests fail::exited 1%0AReproduce: cargo test --workspace%0Aboom: 50%25 done\n"
            )
        );
    }

    #[test]
    fn tokens_are_fresh_and_never_in_the_text() {
        let tokens = Tokens::from_seed(b"s");
        let first = Tokens::from_seed(b"s").fresh(&[]);
        // A text holding the first token (in upper case) gets the next one.
        let text = format!("::{}::", first.to_ascii_uppercase());
        let fence = fenced(&text, &tokens);
        assert!(!fence.contains(&format!("::stop-commands::{first}\n")));
        assert_ne!(Tokens::new().fresh(&[]), Tokens::new().fresh(&[]));
    }

    #[test]
    fn last_lines_are_bounded_by_lines_and_bytes() {
        assert_eq!(last_lines(b"a\nb\nc\n", 2, 100), (&b"b\nc\n"[..], true));
        assert_eq!(last_lines(b"a\nb\nc", 5, 100), (&b"a\nb\nc"[..], false));
        // Cut by bytes: a partial first line is dropped, a whole one kept.
        assert_eq!(last_lines(b"aaaa\nbb\ncc", 100, 4), (&b"cc"[..], true));
        assert_eq!(last_lines(b"aaaa\nbb\ncc", 100, 5), (&b"bb\ncc"[..], true));
        // One long line is kept cut rather than dropped.
        assert_eq!(last_lines(b"xyzxyz", 100, 3), (&b"xyz"[..], true));
    }

    #[test]
    fn outputs_are_one_line_each() {
        let mut odd = gate("a,b\nc", Status::Blocked);
        odd.required = false;
        let report = Report::new(
            "x".into(),
            1.0,
            1,
            false,
            vec![gate("ok", Status::Pass), gate("lint", Status::Fail), odd],
        );
        assert_eq!(
            output_lines(&report),
            "outcome=fail\nfailed=[\"lint\",\"a,b\\nc\"]\n"
        );
    }
}
