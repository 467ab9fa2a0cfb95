//! `sbom`: software bills of materials for a repository. Readers (the Cargo workspace through
//! `cargo metadata` and `Cargo.lock`; Python's `uv.lock`, `poetry.lock` and pinned
//! `requirements*.txt`; npm's `package-lock.json`, `pnpm-lock.yaml` and `yarn.lock`) build one ecosystem-neutral [`Model`];
//! writers turn it into CycloneDX 1.6/1.5 or SPDX 2.3 JSON that is identical byte for byte for identical inputs.
//!
//! [`generate`] is the whole task: resolve the options against `[sbom]` of `xtask.toml`, read,
//! check, render every document in memory, and only then write them (atomically).

pub mod actions;
pub mod cargo;
mod cargo_output;
pub mod cyclonedx;
mod discover;
pub mod model;
mod naming;
mod npm;
mod pyenv;
pub mod python;
pub mod spdx_json;
mod trove;
mod unlocked;
mod workspaces;

use std::path::{Path, PathBuf};

use repo::process::{self, Cmd, RunOptions};
use serde::Deserialize;

pub use cargo::{Features, Platform};
pub use cyclonedx::SpecVersion;
pub use model::{Model, ModelError};

/// The tool named in every document.
pub const TOOL_NAME: &str = "cargo-xtask-sbom";
/// Its version.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The UUID v5 namespace serial numbers and document namespaces are derived in.
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6c1f_9b0e_4f7a_5e21_9a3d_2b8c_7e44_51a0);

/// A timestamp used when neither `SOURCE_DATE_EPOCH` nor a git `HEAD` gives one:
/// 1980-01-01T00:00:00Z, the epoch of ZIP files and reproducible-builds tooling.
pub const FIXED_EPOCH: i64 = 315_532_800;

/// Which documents to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Cyclonedx,
    Spdx,
    All,
}

/// What `cargo xtask sbom` was asked to do; every `None` falls back to `[sbom]` of
/// `xtask.toml`, then to the default. `SbomOptions::default()` is what `builtin:sbom` runs.
#[derive(Debug, Clone, Default)]
pub struct SbomOptions {
    pub format: Option<Format>,
    pub spec_version: Option<SpecVersion>,
    /// A file for one format; a directory for `--format all` or `--per-member`. Relative paths
    /// are taken from the repository root.
    pub output: Option<PathBuf>,
    pub platform: Option<Platform>,
    pub features: Features,
    /// Leave out development-only dependencies instead of marking them `excluded`.
    pub no_dev: bool,
    /// One document per workspace member instead of one for the workspace.
    pub per_member: bool,
    /// Pass `--offline` to cargo.
    pub offline: bool,
    /// Which Python lockfiles to read; `None` defers to `[sbom] python`, else `auto`.
    pub python: Option<PythonMode>,
    /// The environment whose installed metadata gives Python licences; default `.venv` at the
    /// root when it exists.
    pub python_env: Option<PathBuf>,
    /// Which JavaScript lockfiles to read; `None` defers to `[sbom] npm`, else `auto`.
    pub npm: Option<NpmMode>,
    /// Refuse an unpinned requirements line instead of skipping it with a warning.
    pub strict: bool,
    /// Whether to list the GitHub Actions the workflows use; `None` is `auto`.
    pub ci: Option<CiMode>,
}

/// Whether to list the GitHub Actions of `.github/workflows`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CiMode {
    /// When `.github/workflows` exists at the root.
    #[default]
    Auto,
    Off,
}

/// Which Python lockfiles to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PythonMode {
    /// Every `uv.lock`, `poetry.lock` and `requirements*.txt` found under the root.
    #[default]
    Auto,
    /// None.
    Off,
    /// Exactly these files (relative paths from the root).
    Files(Vec<PathBuf>),
}

/// Which JavaScript lockfiles to read: `Auto` finds every `package-lock.json`,
/// `pnpm-lock.yaml` and `yarn.lock` under the root (what git ignores and `node_modules` left out).
pub type NpmMode = PythonMode;

/// One document written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    /// What it describes (the workspace or a member).
    pub subject: String,
    /// Its components, the subject included.
    pub components: usize,
}

/// What [`generate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomOutcome {
    pub written: Vec<Written>,
    /// What was skipped and why (an unpinned requirement, an edge to an unlisted package).
    pub warnings: Vec<String>,
}

/// Why no bill of materials was written. Nothing is written when any of these happen.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    #[error(transparent)]
    Config(#[from] repo::ConfigError),
    #[error(
        "{}: no Cargo.toml here, nor a pyproject.toml, uv.lock, poetry.lock, requirements*.txt, package-lock.json, pnpm-lock.yaml or yarn.lock here or below; run from a repository or pass --root",
        .0.display()
    )]
    NoManifest(PathBuf),
    #[error("{0}")]
    Unpinned(String),
    #[error("--python {}: not a file", .0.display())]
    NoSuchLockfile(PathBuf),
    #[error(
        "{}: missing; `{}` never resolves dependencies itself: run `cargo generate-lockfile` (or a build) and commit the lockfile",
        .0.display(),
        repo::invocation::current().command("sbom")
    )]
    NoLockfile(PathBuf),
    #[error("`{command}` failed:\n{stderr}")]
    Cargo { command: String, stderr: String },
    #[error(
        "--target {target}: rustc does not know this target (`rustc --print target-list` lists those it knows; `all` resolves for every platform)\n{stderr}"
    )]
    UnknownTarget { target: String, stderr: String },
    #[error("{}{}: {message}", path.display(), location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    Lockfile {
        path: PathBuf,
        location: Option<(usize, usize)>,
        message: String,
    },
    #[error(
        "SOURCE_DATE_EPOCH={0:?}: expected whole seconds since 1970-01-01, from 0 to 253402300799 (9999-12-31T23:59:59Z), digits only"
    )]
    SourceDateEpoch(String),
    #[error("{0}")]
    Usage(String),
    #[error("the bill of materials is inconsistent: {0}")]
    Model(#[from] ModelError),
    #[error(transparent)]
    Spdx(#[from] spdx_json::DuplicateSpdxId),
    #[error(transparent)]
    Spawn(#[from] process::SpawnError),
    #[error(transparent)]
    Fs(#[from] repo::fs::FsError),
    #[error("interrupted")]
    Interrupted,
}

/// `[sbom]` of `xtask.toml`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
struct SbomConfig {
    /// The document name and output file stem; default the root package's name, else the root
    /// `pyproject.toml`'s, else as `naming.rs` says (never the checkout folder's).
    name: Option<String>,
    /// The documents to write (default `cyclonedx`).
    format: Option<Format>,
    /// CycloneDX version: "1.7" (default), "1.6" or "1.5".
    #[schemars(extend("enum" = ["1.7", "1.6", "1.5"]))]
    spec_version: Option<String>,
    /// A file for one format, a directory for `all`; relative to the root.
    output: Option<PathBuf>,
    /// A target triple, "all", or "host" (default).
    target: Option<String>,
    /// Leave out dev-only dependencies (default false: scope `excluded`).
    no_dev: bool,
    /// `"auto"`, `"off"`, or a list of lockfiles.
    #[schemars(schema_with = "lockfiles_schema")]
    python: Option<toml::Value>,
    /// The environment whose installed metadata gives Python licences (must exist).
    python_env: Option<PathBuf>,
    /// Refuse unpinned requirements lines (default: skip them with a warning).
    strict: bool,
    /// `"auto"`, `"off"`, or a list of lockfiles.
    #[schemars(schema_with = "lockfiles_schema")]
    npm: Option<toml::Value>,
}

/// The sections of `xtask.toml` this crate owns. Its JSON Schema (doc comments become
/// descriptions) is part of `docs/reference/xtask-toml.schema.json`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct ConfigSections {
    /// Defaults of `sbom` and of the `builtin:sbom` gate; a flag on the command line wins.
    #[serde(default)]
    sbom: SbomConfig,
}

/// `python` and `npm`: `"auto"`, `"off"`, a lockfile, or a list of lockfiles from the root.
fn lockfiles_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "anyOf": [
            { "type": "string" },
            { "type": "array", "items": { "type": "string" } }
        ]
    })
}

/// The JSON Schema of `[sbom]`.
pub fn config_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ConfigSections)).expect("a schema serializes")
}

/// Builds the bill of materials of `repo` and writes it.
pub fn generate(repo: &repo::Repo, options: &SbomOptions) -> Result<SbomOutcome, SbomError> {
    let config = match repo.config() {
        Some(file) => file.section::<ConfigSections>()?.sbom,
        None => SbomConfig::default(),
    };
    let spec = match (options.spec_version, &config.spec_version) {
        (Some(v), _) => v,
        (None, Some(text)) => SpecVersion::parse(text).ok_or_else(|| {
            SbomError::Usage(format!(
                "xtask.toml: [sbom] spec_version = {text:?}: expected \"1.7\", \"1.6\" or \"1.5\""
            ))
        })?,
        (None, None) => SpecVersion::default(),
    };
    let format = options
        .format
        .or(config.format)
        .unwrap_or(Format::Cyclonedx);
    let platform = match (&options.platform, &config.target) {
        (Some(p), _) => p.clone(),
        (None, Some(t)) => parse_platform(t),
        (None, None) => Platform::Host,
    };
    let no_dev = options.no_dev || config.no_dev;
    let output = options
        .output
        .clone()
        .or(config.output)
        .map(|o| repo.path(o));
    // `git log` for the timestamp runs while cargo resolves.
    let created = std::thread::spawn({
        let root = repo.root().to_path_buf();
        move || created(&root)
    });

    let python_mode = match (&options.python, &config.python) {
        (Some(mode), _) => mode.clone(),
        (None, Some(value)) => config_python(value)?,
        (None, None) => PythonMode::Auto,
    };
    let cargo_read = cargo::CargoRead {
        root: repo.root(),
        repo_root: repo.root(),
        platform: &platform,
        features: &options.features,
        no_dev,
        offline: options.offline,
    };
    let ci = options.ci.unwrap_or_default() == CiMode::Auto;
    // `cargo metadata`, most of the run, resolves every Cargo workspace at once while the
    // repository is walked and every other lockfile read. Errors come in the order of a
    // sequential run: a bad lockfile argument, then cargo's, then the other readers'; returning
    // early drops the cargo runs still going, which ends them.
    let root_cargo = repo.is_cargo().then(|| cargo::start(&cargo_read));
    let found = discover::discover(repo.root());
    let (nested, cargo_warnings) = workspaces::nested(repo.root(), &found);
    let nested_cargo: Vec<_> = nested
        .iter()
        .map(|dir| {
            cargo::start(&cargo::CargoRead {
                root: dir,
                ..cargo_read.clone()
            })
        })
        .collect();
    let python_files = python_files(repo, &python_mode, &found)?;
    let npm_files = npm_files(repo, options, config.npm.as_ref(), &found)?;
    let (unlocked, mut warnings) = match &python_mode {
        PythonMode::Auto => unlocked::projects(repo.root(), &found)?,
        _ => Default::default(),
    };
    let nothing_else = python_files.is_empty() && unlocked.is_empty() && npm_files.is_empty();
    let lockfiles = read_lockfiles(LockfilesRead {
        repo,
        options,
        python_env: config.python_env.as_deref(),
        strict: options.strict || config.strict,
        no_dev,
        python_files: &python_files,
        unlocked,
        npm_files: &npm_files,
    });
    let actions = ci.then(|| actions::read(repo.root()));
    let cargo_graph = workspaces::finish(root_cargo.into_iter().chain(nested_cargo))?;
    warnings.extend(cargo_warnings);
    if cargo_graph.is_none() && nothing_else {
        return Err(SbomError::NoManifest(repo.root().to_path_buf()));
    }
    let (mut python_graph, npm_graph) = lockfiles?;
    let python_name = python_graph
        .projects
        .values()
        .find(|p| {
            p.purl
                .as_deref()
                .is_some_and(|u| u.ends_with("download_url=file:."))
        })
        .map(|p| p.name.clone());
    let name = config
        .name
        .or(cargo_graph.as_ref().and_then(|g| g.root_package.clone()))
        .or(python_name)
        .unwrap_or_else(|| naming::fallback_name(repo.root()));
    warnings.splice(0..0, std::mem::take(&mut python_graph.warnings));
    let mut graph = merge(cargo_graph, python_graph);
    warnings.extend(npm_graph.warnings);
    graph.members.extend(npm_graph.projects);
    graph.components.extend(npm_graph.components);
    graph.edges.extend(npm_graph.edges);
    let created = created.join().unwrap_or(Ok(FIXED_EPOCH))?;
    let mut model = workspace_model(&name, graph, created);
    if let Some(actions) = actions {
        actions::add_to(&mut model, actions?);
    }
    model.check()?;

    let models = if options.per_member && !model.parts.is_empty() {
        model
            .parts
            .keys()
            .filter_map(|id| model.for_part(id))
            .collect()
    } else {
        vec![model]
    };
    let many_files = options.per_member || format == Format::All;
    let dir = match (&output, many_files) {
        (Some(o), true) => o.clone(),
        _ => repo.path("dist/sbom"),
    };
    let mut documents = Vec::new();
    for m in &models {
        m.check()?;
        let stem = file_stem(&m.name);
        if matches!(format, Format::Cyclonedx | Format::All) {
            let path = match (&output, many_files) {
                (Some(o), false) => o.clone(),
                _ => dir.join(format!("{stem}.cdx.json")),
            };
            documents.push((path, m, cyclonedx::write(m, spec)));
        }
        if matches!(format, Format::Spdx | Format::All) {
            let path = match (&output, many_files) {
                (Some(o), false) => o.clone(),
                _ => dir.join(format!("{stem}.spdx.json")),
            };
            documents.push((path, m, spdx_json::write(m)?));
        }
    }
    let mut paths = std::collections::BTreeSet::new();
    for (path, m, _) in &documents {
        if !paths.insert(path) {
            return Err(SbomError::Usage(format!(
                "two documents would be written to {} (a second part named `{}`); set --output or use one document",
                path.display(),
                m.name
            )));
        }
    }
    let mut written = Vec::new();
    for (path, m, bytes) in documents {
        // Renamed into place whole, but not synced: a document is made again, byte for byte,
        // from the lockfiles it describes, and an fsync (up to tens of milliseconds on a busy
        // disk) would be the largest cost of the run after cargo's.
        repo::fs::write_atomic_unsynced(&path, &bytes)?;
        written.push(Written {
            path,
            subject: m.name.clone(),
            components: m.len(),
        });
    }
    drop_in_background(models);
    Ok(SbomOutcome { written, warnings })
}

/// The Python and npm lockfiles to read, and how.
struct LockfilesRead<'a> {
    repo: &'a repo::Repo,
    options: &'a SbomOptions,
    /// `[sbom] python_env` of `xtask.toml`.
    python_env: Option<&'a Path>,
    strict: bool,
    no_dev: bool,
    python_files: &'a [PathBuf],
    /// Python projects without a lockfile, each a part of its own.
    unlocked: Vec<model::Component>,
    npm_files: &'a [PathBuf],
}

/// Reads the Python lockfiles (with licences from an installed environment, when there is one)
/// and the npm ones.
fn read_lockfiles(
    read: LockfilesRead<'_>,
) -> Result<(python::PythonGraph, npm::NpmGraph), SbomError> {
    let (repo, options) = (read.repo, read.options);
    let mut python_graph = python::read(&python::PythonRead {
        root: repo.root(),
        files: read.python_files,
        no_dev: read.no_dev,
        strict: read.strict,
    })?;
    for c in read.unlocked {
        python_graph.projects.entry(c.id.clone()).or_insert(c);
    }
    // The environment named, else VIRTUAL_ENV, else a `.venv` at the root or beside a lockfile.
    let envs = if read.python_files.is_empty() {
        Vec::new()
    } else {
        let named = match (options.python_env.clone(), read.python_env) {
            (Some(e), _) => Some(("--python-env", repo.path(e))),
            (None, Some(e)) => Some(("xtask.toml [sbom] python_env", repo.path(e))),
            (None, None) => None,
        };
        pyenv::environments(
            named,
            repo.root(),
            read.python_files,
            &mut python_graph.warnings,
        )?
    };
    if !read.python_files.is_empty() && !envs.is_empty() {
        let mut licences = pyenv::Licences::new();
        for env in &envs {
            for (key, licence) in pyenv::licences(env) {
                licences.entry(key).or_insert(licence);
            }
        }
        for c in python_graph
            .projects
            .values_mut()
            .chain(python_graph.components.values_mut())
        {
            if c.licence.is_none()
                && let Some(v) = &c.version
                && let Some(l) = licences.get(&(c.name.clone(), v.clone()))
            {
                c.licence = Some(l.clone());
            }
        }
    }
    let npm_graph = npm::read(&npm::NpmRead {
        root: repo.root(),
        files: read.npm_files,
        no_dev: read.no_dev,
    })?;
    Ok((python_graph, npm_graph))
}

/// The Python lockfiles to read: those named, else every one found.
fn python_files(
    repo: &repo::Repo,
    mode: &PythonMode,
    found: &discover::Found,
) -> Result<Vec<PathBuf>, SbomError> {
    match mode {
        PythonMode::Off => Ok(Vec::new()),
        PythonMode::Auto => Ok(found.python_lockfiles()),
        PythonMode::Files(files) => files
            .iter()
            .map(|f| {
                let path = repo.path(f);
                if path.is_file() {
                    Ok(path)
                } else {
                    Err(SbomError::NoSuchLockfile(f.clone()))
                }
            })
            .collect(),
    }
}

/// Frees a large value on another thread. Freeing cargo's parsed metadata and the model, many
/// thousands of small allocations, took a fifth of this task's CPU time on a workspace of 678
/// packages, and nothing waits for it. If no thread can be started, the value is freed here.
pub(crate) fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("sbom-drop".into())
        .spawn(move || drop(value));
}

fn config_python(value: &toml::Value) -> Result<PythonMode, SbomError> {
    match value {
        toml::Value::String(s) if s == "auto" => Ok(PythonMode::Auto),
        toml::Value::String(s) if s == "off" => Ok(PythonMode::Off),
        toml::Value::String(s) => Ok(PythonMode::Files(vec![PathBuf::from(s)])),
        toml::Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str().map(PathBuf::from).ok_or_else(|| {
                    SbomError::Usage("xtask.toml: [sbom] python: expected file names".into())
                })
            })
            .collect::<Result<_, _>>()
            .map(PythonMode::Files),
        _ => Err(SbomError::Usage(
            "xtask.toml: [sbom] python: expected \"auto\", \"off\" or a list of lockfiles".into(),
        )),
    }
}

/// The JavaScript lockfiles to read: `--npm`, else `[sbom] npm`, else every one found.
fn npm_files(
    repo: &repo::Repo,
    options: &SbomOptions,
    config: Option<&toml::Value>,
    found: &discover::Found,
) -> Result<Vec<PathBuf>, SbomError> {
    let mode = match (&options.npm, config) {
        (Some(mode), _) => mode.clone(),
        (None, Some(value)) => config_python(value).map_err(|_| {
            SbomError::Usage(
                "xtask.toml: [sbom] npm: expected \"auto\", \"off\" or a list of lockfiles".into(),
            )
        })?,
        (None, None) => NpmMode::Auto,
    };
    match mode {
        NpmMode::Off => Ok(Vec::new()),
        NpmMode::Auto => Ok(found.npm_lockfiles()),
        NpmMode::Files(files) => files
            .iter()
            .map(|f| {
                let path = repo.path(f);
                if path.is_file() {
                    Ok(path)
                } else {
                    Err(SbomError::Usage(format!(
                        "--npm {}: not a file",
                        f.display()
                    )))
                }
            })
            .collect(),
    }
}

/// The Cargo and Python findings as one graph: members and projects are the parts.
fn merge(cargo: Option<cargo::CargoGraph>, python: python::PythonGraph) -> cargo::CargoGraph {
    let mut graph = cargo.unwrap_or(cargo::CargoGraph {
        root_package: None,
        workspace_root: PathBuf::new(),
        members: Default::default(),
        components: Default::default(),
        edges: Default::default(),
    });
    graph.members.extend(python.projects);
    graph.components.extend(python.components);
    // A project one lockfile names as its own and another as a dependency is a part.
    graph
        .components
        .retain(|id, _| !graph.members.contains_key(id));
    graph.edges.extend(python.edges);
    graph
}

/// `all`, else a target triple.
pub fn parse_platform(text: &str) -> Platform {
    match text {
        "all" => Platform::All,
        "host" => Platform::Host,
        t => Platform::Triple(t.to_string()),
    }
}

fn workspace_model(name: &str, graph: cargo::CargoGraph, created: i64) -> Model {
    // A repository that is one project at its root, the document named after it, is that
    // project: it is the subject, not the only part of a synthetic one of the same name (which
    // SPDX would list twice), and its purl names no `download_url=file:.`.
    const AT_ROOT: &str = "?download_url=file:.";
    if graph.members.len() == 1
        && let Some((_, project)) = graph.members.first_key_value()
        && project.name == name
        && project
            .purl
            .as_deref()
            .is_some_and(|p| p.ends_with(AT_ROOT))
    {
        let mut subject = project.clone();
        subject.purl = subject
            .purl
            .map(|p| p.trim_end_matches(AT_ROOT).to_string());
        return Model {
            name: name.to_string(),
            subject,
            parts: Default::default(),
            components: graph.components,
            edges: graph.edges,
            created,
            properties: Default::default(),
        };
    }
    let id = format!("workspace:{name}");
    let mut edges = graph.edges;
    edges.insert(
        id.clone(),
        graph
            .members
            .keys()
            .map(|m| (m.clone(), model::EdgeKind::Normal))
            .collect(),
    );
    Model {
        name: name.to_string(),
        subject: model::Component {
            id,
            kind: model::ComponentKind::Application,
            name: name.to_string(),
            version: None,
            description: None,
            authors: Vec::new(),
            purl: None,
            licence: None,
            sha256: Vec::new(),
            other_hashes: Vec::new(),
            links: Vec::new(),
            download: None,
            scope: model::Scope::Required,
            properties: Vec::new(),
        },
        parts: graph.members,
        components: graph.components,
        edges,
        created,
        properties: Default::default(),
    }
}

fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The documents' time: `SOURCE_DATE_EPOCH`, else the commit time of `HEAD`, else
/// [`FIXED_EPOCH`].
fn created(root: &Path) -> Result<i64, SbomError> {
    if let Some(text) = std::env::var_os("SOURCE_DATE_EPOCH") {
        let text = text.to_string_lossy().into_owned();
        return source_date_epoch(&text).ok_or(SbomError::SourceDateEpoch(text));
    }
    let cmd = Cmd::new("git")
        .args(["log", "-1", "--format=%ct", "HEAD"])
        .cwd(root);
    if let Ok(done) = process::run(&cmd, RunOptions::capture())
        && done.end.success()
        && let Ok(secs) = String::from_utf8_lossy(&done.stdout).trim().parse::<i64>()
    {
        return Ok(secs);
    }
    Ok(FIXED_EPOCH)
}

/// The latest second RFC 3339 (and so both schemas) can write: 9999-12-31T23:59:59Z.
const LAST_SECOND: i64 = 253_402_300_799;

/// `SOURCE_DATE_EPOCH` as the reproducible-builds specification defines it: ASCII digits
/// only (no sign, no spaces), no later than [`LAST_SECOND`].
fn source_date_epoch(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok().filter(|s| *s <= LAST_SECOND)
}
