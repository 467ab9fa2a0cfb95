//! Exit codes, the part of the interface scripts rely on, and how errors are printed.

use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Everything required passed.
    Success,
    /// A gate or check failed.
    Failure,
    /// Ctrl-C: children killed, partial reports written.
    Interrupted,
}

impl From<gates::Outcome> for Exit {
    /// A run's outcome as the command's end: pass 0, fail 1, interrupted 130.
    fn from(outcome: gates::Outcome) -> Exit {
        match outcome {
            gates::Outcome::Pass => Exit::Success,
            gates::Outcome::Fail => Exit::Failure,
            gates::Outcome::Interrupted => Exit::Interrupted,
        }
    }
}

/// Prints an error (exit 2; exit 1 when stdout could not be written) or maps the outcome to
/// its exit code.
pub(crate) fn report(result: anyhow::Result<Exit>) -> ExitCode {
    match result {
        Ok(Exit::Success) => ExitCode::SUCCESS,
        Ok(Exit::Failure) => ExitCode::from(1),
        Ok(Exit::Interrupted) => ExitCode::from(130),
        Err(e) if e.downcast_ref::<crate::out::StdoutError>().is_some() => {
            let e = e
                .downcast_ref::<crate::out::StdoutError>()
                .expect("checked");
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
