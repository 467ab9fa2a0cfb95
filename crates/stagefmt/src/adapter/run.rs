//! Running a formatter's processes: timeouts, missing tools, failures, and the names tools
//! print for the files they were given.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use repo::process::{self, Cmd, End, RunOptions};

use super::RunFailure;
use crate::FormatError;
use crate::config::FormatterConfig;

/// Runs a check process with the formatter's timeout; a missing tool is a clear error.
pub(crate) fn run(
    cmd: &Cmd,
    config: &FormatterConfig,
    install: &str,
) -> Result<process::Finished, FormatError> {
    process::run(cmd, RunOptions::capture().timeout(Some(config.timeout))).map_err(|e| {
        FormatError::Tool {
            formatter: config.name.clone(),
            message: format!("{e}; install {install} or put it on PATH"),
        }
    })
}

pub(super) fn run_fix(cmd: &Cmd, config: &FormatterConfig) -> Result<(), RunFailure> {
    let done =
        process::run(cmd, RunOptions::capture().timeout(Some(config.timeout))).map_err(|e| {
            RunFailure {
                command: e.command.clone(),
                what: format!("could not start: {}", e.reason),
                interrupted: false,
            }
        })?;
    if done.end.success() {
        Ok(())
    } else {
        Err(failure(cmd, done.end, &done.stderr))
    }
}

pub(super) fn check_interrupted(cmd: &Cmd, end: End) -> Result<(), FormatError> {
    if end == End::Interrupted {
        return Err(FormatError::Run(failure(cmd, end, b"")));
    }
    Ok(())
}

pub(super) fn failure(cmd: &Cmd, end: End, stderr: &[u8]) -> RunFailure {
    let stderr = String::from_utf8_lossy(stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    let what = match end {
        End::Exited(code) => format!("exited with code {code}"),
        End::Signalled(sig) => format!("was killed by signal {sig}"),
        End::TimedOut => "timed out and was killed".to_string(),
        End::Interrupted => "was interrupted".to_string(),
    };
    let what = if tail.is_empty() {
        what
    } else {
        format!("{what}: {}", tail.join(" | "))
    };
    let mut command = cmd.display();
    if command.len() > 200 {
        let cut = (0..=200)
            .rev()
            .find(|&i| command.is_char_boundary(i))
            .unwrap_or(0);
        command.truncate(cut);
        command.push_str(" ...");
    }
    RunFailure {
        command,
        what,
        interrupted: end == End::Interrupted,
    }
}

/// Lossy display name (as tools print it, relative and absolute) to the file.
pub(super) fn by_name(root: &Path, files: &[PathBuf]) -> HashMap<String, PathBuf> {
    let mut names = HashMap::with_capacity(files.len() * 2);
    for f in files {
        names.insert(f.to_string_lossy().into_owned(), f.clone());
        names.insert(root.join(f).to_string_lossy().into_owned(), f.clone());
    }
    names
}

pub(super) fn version(root: &Path, program: &str) -> Option<String> {
    let done = process::run(
        &Cmd::new(program).arg("--version").cwd(root),
        RunOptions::capture(),
    )
    .ok()?;
    done.end
        .success()
        .then(|| String::from_utf8_lossy(&done.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
}
