//! Which reader summarises a gate: the program its command runs, looked for past environment
//! assignments and runners (`uv run`, `poetry run`, `python -m`...), and the subcommand that
//! says what the program does (`ruff format` or `ruff check`, `cargo test`, `clippy` or `fmt`).

use crate::model::{Command, Gate};

/// The tools with a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    RuffFormat,
    RuffCheck,
    Mypy,
    Pytest,
    Coverage,
    Bandit,
    DetectSecrets,
    CargoTest,
    Nextest,
    Clippy,
    CargoFmt,
}

/// The reader for what `gate` runs, or for its `tool` when the command names none; `None` for
/// a tool no reader knows (and for built-in gates).
pub(crate) fn pick(gate: &Gate) -> Option<Reader> {
    let words = program_words(&gate.command)?;
    reader_for(&words).or_else(|| gate.tool.as_deref().and_then(|t| reader_for(&[t.into()])))
}

/// Where a pytest gate writes JUnit: the value of `--junitxml PATH`, `--junitxml=PATH` or
/// `--junit-xml=PATH`, relative to the gate's working directory.
pub(crate) fn junit_path(gate: &Gate) -> Option<String> {
    let words = program_words(&gate.command)?;
    if reader_for(&words) != Some(Reader::Pytest) {
        return None;
    }
    option(
        &words,
        &["--junitxml", "--junit-xml"],
        &["--junitxml=", "--junit-xml="],
    )
}

/// The nextest profile a `cargo nextest run` gate uses: `--profile NAME`, `-P NAME`,
/// `--profile=NAME`, else its env's `NEXTEST_PROFILE`, else `default`; `None` for other gates.
pub(crate) fn nextest_profile(gate: &Gate) -> Option<String> {
    let words = program_words(&gate.command)?;
    if reader_for(&words) != Some(Reader::Nextest) {
        return None;
    }
    if let Some(profile) = option(&words, &["--profile", "-P"], &["--profile="]) {
        return Some(profile);
    }
    let env = gate.env.iter().find(|(k, _)| k == "NEXTEST_PROFILE");
    Some(env.map_or_else(|| "default".to_string(), |(_, v)| v.clone()))
}

/// The value of an option among `words` (up to a `--`): the word after one of `separate`
/// (`--profile NAME`), or the rest of a word starting with one of `joined` (`--profile=NAME`).
fn option(words: &[String], separate: &[&str], joined: &[&str]) -> Option<String> {
    let mut args = words.iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        if separate.contains(&arg.as_str()) {
            return args.next().cloned();
        }
        if let Some(value) = joined.iter().find_map(|j| arg.strip_prefix(j)) {
            return Some(value.to_string());
        }
    }
    None
}

/// The command's words from its program on: a shell line's first command, past `VAR=value`
/// assignments and the runners that start another program.
fn program_words(command: &Command) -> Option<Vec<String>> {
    let mut words = match command {
        Command::Argv(argv) => argv.clone(),
        // The line's first command, cut at its operators outside quotes.
        Command::Shell(line) => repo::process::split(crate::shell_words::pieces(line).first()?)?,
        Command::Builtin(_) => return None,
    };
    loop {
        while words
            .first()
            .is_some_and(|w| crate::shell_words::is_assignment(w))
        {
            words.remove(0);
        }
        let program = words.first().map(|p| base_name(p).to_string())?;
        let skip = match (program.as_str(), words.get(1).map(String::as_str)) {
            ("env", _) => 1,
            ("uv" | "poetry" | "pdm" | "hatch" | "rye" | "pipenv", Some("run")) => 2,
            ("uvx" | "pipx", _) if words.get(1).is_some_and(|w| w != "run") => 1,
            ("pipx", Some("run")) => 2,
            (p, Some("-m")) if p.starts_with("python") => 2,
            ("coverage", Some("run")) if words.iter().any(|w| w == "-m") => {
                words.iter().position(|w| w == "-m").map_or(1, |i| i + 1)
            }
            _ => 0,
        };
        if skip == 0 {
            return Some(words);
        }
        words.drain(..skip.min(words.len()));
        // Options of the runner itself (`uv run --frozen mypy`).
        while words.first().is_some_and(|w| w.starts_with('-')) {
            words.remove(0);
        }
    }
}

/// The reader for a program and its arguments.
fn reader_for(words: &[String]) -> Option<Reader> {
    let program = base_name(words.first()?);
    let sub = words
        .iter()
        .skip(1)
        .find(|w| !w.starts_with('-') && !w.starts_with('+'))
        .map(String::as_str);
    Some(match (program, sub) {
        ("ruff", Some("format")) => Reader::RuffFormat,
        ("ruff", Some("check") | None) => Reader::RuffCheck,
        ("mypy" | "dmypy", _) => Reader::Mypy,
        ("pytest" | "py.test", _) => Reader::Pytest,
        ("coverage", Some("report")) => Reader::Coverage,
        ("bandit", _) => Reader::Bandit,
        ("detect-secrets", _) => Reader::DetectSecrets,
        ("cargo", Some("test")) => Reader::CargoTest,
        ("cargo", Some("nextest")) | ("cargo-nextest", _) => Reader::Nextest,
        ("cargo", Some("clippy")) | ("cargo-clippy", _) => Reader::Clippy,
        ("cargo", Some("fmt")) | ("cargo-fmt", _) => Reader::CargoFmt,
        _ => return None,
    })
}

fn base_name(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Gate {
        Gate::bare("g", Command::Argv(repo::process::split(line).unwrap()))
    }

    #[test]
    fn readers_are_picked_past_runners_and_assignments() {
        let cases = [
            ("ruff format --check .", Some(Reader::RuffFormat)),
            ("uv run --frozen ruff check src", Some(Reader::RuffCheck)),
            ("poetry run mypy apps tests", Some(Reader::Mypy)),
            ("python3 -m pytest -q", Some(Reader::Pytest)),
            ("/venv/bin/pytest", Some(Reader::Pytest)),
            ("coverage run -m pytest", Some(Reader::Pytest)),
            ("coverage report --fail-under 80", Some(Reader::Coverage)),
            ("bandit -r src", Some(Reader::Bandit)),
            ("detect-secrets scan", Some(Reader::DetectSecrets)),
            ("cargo test --workspace", Some(Reader::CargoTest)),
            ("cargo nextest run --workspace", Some(Reader::Nextest)),
            ("cargo +nightly clippy -- -D warnings", Some(Reader::Clippy)),
            ("cargo fmt --all --check", Some(Reader::CargoFmt)),
            ("env RUST_BACKTRACE=1 cargo test", Some(Reader::CargoTest)),
            ("cargo doc", None),
            ("make test", None),
        ];
        for (line, want) in cases {
            assert_eq!(pick(&argv(line)), want, "{line}");
        }
        let shell = Gate::bare(
            "g",
            Command::Shell("RUFF_CACHE_DIR=x ruff format --check . && mypy .".into()),
        );
        assert_eq!(pick(&shell), Some(Reader::RuffFormat));
        assert_eq!(
            pick(&Gate::bare("g", Command::Builtin("sbom".into()))),
            None
        );
        let mut tool = argv("make test");
        tool.tool = Some("pytest".into());
        assert_eq!(pick(&tool), Some(Reader::Pytest));
    }

    #[test]
    fn pytest_junit_paths_are_found() {
        assert_eq!(
            junit_path(&argv("pytest --junitxml out/junit.xml")).as_deref(),
            Some("out/junit.xml")
        );
        assert_eq!(
            junit_path(&argv("uv run pytest -q --junit-xml=j.xml")).as_deref(),
            Some("j.xml")
        );
        assert_eq!(junit_path(&argv("pytest -q")), None);
        assert_eq!(
            nextest_profile(&argv("cargo nextest run -P ci")).as_deref(),
            Some("ci")
        );
        assert_eq!(
            nextest_profile(&argv("cargo nextest run")).as_deref(),
            Some("default")
        );
        assert_eq!(nextest_profile(&argv("cargo test")), None);
        assert_eq!(junit_path(&argv("mypy --junit-xml m.xml")), None);
    }
}
