//! The name of the machine a task runs on (`gethostname`), for the reports that record it.

/// The host name; `None` when the system gives none or it is not UTF-8.
pub fn name() -> Option<String> {
    nix::unistd::gethostname()
        .ok()?
        .into_string()
        .ok()
        .filter(|n| !n.is_empty())
}
