//! cargo clippy (and any cargo build): the warnings and errors rustc reported, counted from
//! their headline (`warning: ...`, `error[E0308]: ...`) without cargo's own lines (`generated
//! N warnings`, `could not compile`, `aborting due to`), or from `--message-format json`.

use regex::Regex;
use serde::Deserialize;

use super::{Summary, build};

#[derive(Deserialize)]
struct Line {
    reason: String,
    message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    level: String,
}

pub(super) fn read(output: &str) -> Option<Summary> {
    let headline = Regex::new(r"^(warning|error)(\[[^\]]+\])?: (.*)$").expect("a valid regex");
    let (mut warnings, mut errors, mut seen) = (0u64, 0u64, false);
    for line in output.lines() {
        if line.starts_with('{') {
            if let Ok(Line {
                reason,
                message: Some(m),
            }) = serde_json::from_str::<Line>(line)
                && reason == "compiler-message"
            {
                match m.level.as_str() {
                    "warning" => warnings += 1,
                    "error" | "error: internal compiler error" => errors += 1,
                    _ => {}
                }
            }
            if line.contains("\"reason\":\"build-finished\"") {
                seen = true;
            }
            continue;
        }
        if line.trim_start().starts_with("Finished ")
            || line.starts_with("error: could not compile")
        {
            seen = true;
        }
        let Some(c) = headline.captures(line) else {
            continue;
        };
        if cargo_own(&c[3]) {
            continue;
        }
        match &c[1] {
            "warning" => warnings += 1,
            _ => errors += 1,
        }
    }
    if !seen && warnings == 0 && errors == 0 {
        return None;
    }
    Some(build(
        "clippy",
        &[("errors", errors), ("warnings", warnings)],
    ))
}

/// cargo's and rustc's lines about the build rather than the code.
fn cargo_own(message: &str) -> bool {
    (message.starts_with('`') && message.contains(" generated "))
        || message.starts_with("could not compile")
        || message.starts_with("aborting due to")
        || message.starts_with("build failed")
        || message.starts_with("Some errors have detailed explanations")
        || message.starts_with("For more information about this error")
        || message.contains("warnings emitted")
        || message.contains("warning emitted")
}
