//! The `[format]` section of `xtask.toml`: limits, timeouts and the formatters, with the
//! defaults used when nothing is configured (rustfmt in a Cargo workspace, ruff when the
//! project configures ruff).

use std::time::Duration;

use serde::Deserialize;

use crate::FormatError;

/// Default cap on the files of one batch.
pub const DEFAULT_MAX_FILES: usize = 25;
/// Default cap on the changed lines of one batch.
pub const DEFAULT_MAX_LINES: usize = 2000;
/// Default timeout of one formatter process.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The resolved `[format]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatConfig {
    pub max_files: usize,
    pub max_lines: usize,
    pub by_owner: bool,
    /// `unparseable`: whether `format enforce` fails on a file the formatter cannot parse.
    pub unparseable: crate::unparseable::Policy,
    pub formatters: Vec<FormatterConfig>,
}

/// Which adapter drives a formatter.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Rustfmt,
    Ruff,
    Command,
}

/// One `[[format.formatter]]`, defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatterConfig {
    pub name: String,
    pub kind: Kind,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// `command` kind: argv that exits non-zero when any of `{files}` needs formatting.
    pub check: Option<Vec<String>>,
    /// `command` kind: argv that formats `{files}` in place.
    pub fix: Option<Vec<String>>,
    pub timeout: Duration,
    /// Format each changed file's output again before writing and refuse the batch when
    /// that changes it (`verify`; default true, false for ruff, whose diffs are applied
    /// without copies, so a second pass would need a mirror of its own).
    pub verify: bool,
}

/// The sections of `xtask.toml` this crate owns. Its JSON Schema (doc comments become
/// descriptions) is part of `docs/reference/xtask-toml.schema.json`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct File {
    /// Settings of `format`, the staged-formatting planner; every key is optional.
    #[serde(default)]
    #[schemars(with = "Option<RawFormat>")]
    format: Option<toml::Spanned<RawFormat>>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawFormat {
    /// Most files in one batch (default 25; `format plan --max-files` overrides).
    max_files: Option<usize>,
    /// Most changed lines (removed + added) in one batch (default 2000).
    max_lines: Option<usize>,
    /// Never mix CODEOWNERS owners in a batch (default false).
    by_owner: Option<bool>,
    /// Whether `format enforce` may fail on a file the formatter cannot parse (default
    /// `fail`).
    unparseable: Option<crate::unparseable::Policy>,
    /// Seconds a formatter process may run before its process group is killed (default 300),
    /// for every formatter without its own `timeout`.
    #[schemars(range(min = 0.0))]
    timeout: Option<f64>,
    /// The formatters (`[[format.formatter]]`); a file goes to the first whose globs take it.
    #[serde(default)]
    #[schemars(with = "Vec<RawFormatter>")]
    formatter: Vec<toml::Spanned<RawFormatter>>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawFormatter {
    /// One word; names the formatter in the plan and in `format check --formatter`.
    name: String,
    /// The adapter (default: `rustfmt` or `ruff` for those names, else `command`).
    kind: Option<Kind>,
    /// Globs of the files it formats.
    include: Option<Vec<String>>,
    /// Globs of files it leaves alone.
    #[serde(default)]
    exclude: Vec<String>,
    /// `command` kind: an argv that exits non-zero when any of `{files}` needs formatting.
    check: Option<Vec<String>>,
    /// `command` kind: an argv that formats `{files}` in place.
    fix: Option<Vec<String>>,
    /// Seconds per formatter process.
    #[schemars(range(min = 0.0))]
    timeout: Option<f64>,
    /// Format the output again before writing and refuse the batch if it changes.
    verify: Option<bool>,
}

/// The JSON Schema of `[format]`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(File)).expect("a schema serializes")
}

impl FormatConfig {
    /// Loads `[format]` from the repository's `xtask.toml`, or the defaults for the repository.
    pub fn load(repo: &repo::Repo) -> Result<FormatConfig, FormatError> {
        let raw = match repo.config() {
            Some(file) => {
                let parsed: File = file.section()?;
                parsed.format.map(|f| (file, f))
            }
            None => None,
        };
        let Some((file, spanned)) = raw else {
            return Ok(FormatConfig::defaults(repo, Vec::new()));
        };
        let span = spanned.span();
        let raw = spanned.into_inner();
        let err = |span: std::ops::Range<usize>, msg: String| {
            FormatError::Config(file.error_at(Some(span), msg))
        };
        let timeout = seconds(raw.timeout).map_err(|m| err(span.clone(), m))?;
        let timeout = timeout.unwrap_or(DEFAULT_TIMEOUT);
        let mut formatters = Vec::new();
        for f in raw.formatter {
            let span = f.span();
            let f = f.into_inner();
            let kind = match f.kind {
                Some(kind) => kind,
                None => match f.name.as_str() {
                    "rustfmt" => Kind::Rustfmt,
                    "ruff" => Kind::Ruff,
                    _ => Kind::Command,
                },
            };
            if formatters
                .iter()
                .any(|g: &FormatterConfig| g.name == f.name)
            {
                return Err(err(
                    span,
                    format!("formatter `{}` is defined twice", f.name),
                ));
            }
            if f.name.is_empty() || f.name.contains(char::is_whitespace) {
                return Err(err(
                    span,
                    format!("formatter name `{}` must be one word", f.name),
                ));
            }
            match kind {
                Kind::Command => {
                    let Some(fix) = &f.fix else {
                        return Err(err(
                            span,
                            format!(
                                "formatter `{}` is a command: it needs `fix = [\"tool\", \"--write\", \"{{files}}\"]`",
                                f.name
                            ),
                        ));
                    };
                    for (key, argv) in [("fix", Some(fix)), ("check", f.check.as_ref())] {
                        if let Some(argv) = argv
                            && !argv.iter().any(|a| a == "{files}")
                        {
                            return Err(err(
                                span.clone(),
                                format!(
                                    "formatter `{}`: `{key}` must contain a `{{files}}` argument",
                                    f.name
                                ),
                            ));
                        }
                    }
                }
                Kind::Rustfmt | Kind::Ruff => {
                    if f.check.is_some() || f.fix.is_some() {
                        return Err(err(
                            span,
                            format!(
                                "formatter `{}`: `check` and `fix` are for `kind = \"command\"`; the {} adapter builds its own command line",
                                f.name,
                                kind_name(kind)
                            ),
                        ));
                    }
                }
            }
            let include = f.include.unwrap_or_else(|| default_include(kind));
            if include.is_empty() {
                return Err(err(
                    span,
                    format!("formatter `{}` needs `include` globs", f.name),
                ));
            }
            for glob in include.iter().chain(&f.exclude) {
                if let Err(e) = globset::Glob::new(glob) {
                    return Err(err(
                        span.clone(),
                        format!("formatter `{}`: bad glob `{glob}`: {e}", f.name),
                    ));
                }
            }
            let own_timeout = seconds(f.timeout).map_err(|m| err(span.clone(), m))?;
            formatters.push(FormatterConfig {
                name: f.name,
                kind,
                include,
                exclude: f.exclude,
                check: f.check,
                fix: f.fix,
                timeout: own_timeout.unwrap_or(timeout),
                verify: f.verify.unwrap_or(kind != Kind::Ruff),
            });
        }
        let defaulted = formatters.is_empty();
        let mut config = FormatConfig::defaults(repo, formatters);
        config.max_files = raw.max_files.unwrap_or(DEFAULT_MAX_FILES);
        config.max_lines = raw.max_lines.unwrap_or(DEFAULT_MAX_LINES);
        config.by_owner = raw.by_owner.unwrap_or(false);
        config.unparseable = raw.unparseable.unwrap_or_default();
        if config.max_files == 0 || config.max_lines == 0 {
            return Err(err(
                span,
                "`max_files` and `max_lines` must be at least 1".to_string(),
            ));
        }
        if defaulted {
            for f in &mut config.formatters {
                f.timeout = timeout;
            }
        }
        Ok(config)
    }

    /// The defaults: the given formatters, or when there are none, rustfmt for a Cargo
    /// workspace and ruff when the project configures ruff.
    fn defaults(repo: &repo::Repo, formatters: Vec<FormatterConfig>) -> FormatConfig {
        let formatters = if formatters.is_empty() {
            let mut found = Vec::new();
            if repo.is_cargo() {
                found.push(builtin(Kind::Rustfmt));
            }
            if configures_ruff(repo) {
                found.push(builtin(Kind::Ruff));
            }
            found
        } else {
            formatters
        };
        FormatConfig {
            max_files: DEFAULT_MAX_FILES,
            max_lines: DEFAULT_MAX_LINES,
            by_owner: false,
            unparseable: crate::unparseable::Policy::default(),
            formatters,
        }
    }

    /// The formatter called `name`.
    pub fn formatter(&self, name: &str) -> Option<&FormatterConfig> {
        self.formatters.iter().find(|f| f.name == name)
    }
}

/// The name of an adapter kind as written in `xtask.toml`.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Rustfmt => "rustfmt",
        Kind::Ruff => "ruff",
        Kind::Command => "command",
    }
}

fn builtin(kind: Kind) -> FormatterConfig {
    let name = kind_name(kind).to_string();
    FormatterConfig {
        include: default_include(kind),
        name,
        kind,
        exclude: Vec::new(),
        check: None,
        fix: None,
        timeout: DEFAULT_TIMEOUT,
        verify: kind != Kind::Ruff,
    }
}

pub(crate) fn default_include(kind: Kind) -> Vec<String> {
    match kind {
        Kind::Rustfmt => vec!["**/*.rs".to_string()],
        Kind::Ruff => vec!["**/*.py".to_string(), "**/*.pyi".to_string()],
        Kind::Command => Vec::new(),
    }
}

/// Whether the project configures ruff: `ruff.toml`, `.ruff.toml`, or `[tool.ruff]` in
/// `pyproject.toml`.
fn configures_ruff(repo: &repo::Repo) -> bool {
    if repo.path("ruff.toml").is_file() || repo.path(".ruff.toml").is_file() {
        return true;
    }
    std::fs::read_to_string(repo.path("pyproject.toml")).is_ok_and(|text| {
        text.lines()
            .any(|l| l.trim_start().starts_with("[tool.ruff"))
    })
}

fn seconds(value: Option<f64>) -> Result<Option<Duration>, String> {
    match value {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(format!(
            "`timeout` must be a positive number of seconds, not {s}"
        )),
    }
}
