//! Completions that know the repository (clap_complete's dynamic engine): `COMPLETE=bash xtask`
//! prints a registration script whose completions call back into `xtask`, which completes
//! commands and flags from the clap definitions and `qa GATE...` (and `qa baseline update|status
//! GATE...`) with the gates of the repository around the current directory: its xtask.toml,
//! or the gates detected without one. Nothing is printed but the candidates.

use std::ffi::OsStr;

use clap::builder::StyledStr;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

/// When `COMPLETE` names a shell, answers the completion request (or prints the registration
/// script) and exits; otherwise returns and the command line is parsed as usual.
pub(crate) fn answer_if_asked(cli: fn() -> clap::Command) {
    clap_complete::CompleteEnv::with_factory(move || cli().name("xtask").bin_name("xtask"))
        .complete();
}

/// The completer of a `GATE` argument.
pub(crate) fn gate_names() -> ArgValueCompleter {
    ArgValueCompleter::new(gates_here)
}

/// The gates of the repository around the current directory that start with `current`, each
/// with its owner as help; none when there is no repository or its xtask.toml is invalid (a
/// completion never prints an error into the user's command line).
fn gates_here(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    let Ok(repo) = repo::Repo::discover(None) else {
        return Vec::new();
    };
    let Ok(loaded) = gates::load_plan(&repo, &crate::qa::builtins()) else {
        return Vec::new();
    };
    loaded
        .plan
        .gates
        .into_iter()
        .filter(|g| g.name.starts_with(prefix))
        .map(|g| CompletionCandidate::new(g.name).help(g.owner.map(StyledStr::from)))
        .collect()
}
