//! `cargo xtask sbom`: writes the repository's bill of materials, CycloneDX 1.7/1.6/1.5 and/or
//! SPDX 2.3 JSON, reproducible byte for byte.
//!
//! Synopsis: `cargo xtask sbom [--format cyclonedx|spdx|all] [--spec-version 1.7|1.6|1.5]
//! [--output PATH] [--target TRIPLE|all] [--features F | --all-features | --no-default-features]
//! [--no-dev] [--per-member] [--offline] [--python auto|off|PATH...] [--python-env PATH]
//! [--npm auto|off|PATH...] [--strict] [--ci auto|off]`. Writes `dist/sbom/<workspace>.cdx.json` (and
//! `.spdx.json`) unless told otherwise.

use std::path::Path;

use clap::ValueEnum;

use crate::exit::Exit;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cargo xtask sbom\n  cargo xtask sbom --format all --no-dev\n  SOURCE_DATE_EPOCH=0 cargo xtask sbom --spec-version 1.5 --output bom.json"
)]
pub(crate) struct Args {
    /// Which document to write [default: `[sbom] format` of xtask.toml, else cyclonedx].
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// CycloneDX specification version [default: 1.7].
    #[arg(long, value_name = "VERSION", value_parser = ["1.7", "1.6", "1.5"])]
    spec_version: Option<String>,
    /// The file to write; a directory with `--format all` or `--per-member`
    /// [default: dist/sbom/<workspace>.cdx.json].
    #[arg(long, value_name = "PATH")]
    output: Option<std::path::PathBuf>,
    /// Resolve dependencies for this target triple, or `all` for every platform [default: the host].
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// Space- or comma-separated features to activate.
    #[arg(
        long,
        short = 'F',
        value_name = "FEATURES",
        conflicts_with = "all_features"
    )]
    features: Vec<String>,
    /// Activate every feature of every member.
    #[arg(long)]
    all_features: bool,
    /// Do not activate the `default` feature.
    #[arg(long)]
    no_default_features: bool,
    /// Leave out development-only dependencies (by default they are listed with scope `excluded`).
    #[arg(long)]
    no_dev: bool,
    /// One document per workspace member instead of one for the workspace.
    #[arg(long)]
    per_member: bool,
    /// Run cargo without network access.
    #[arg(long)]
    offline: bool,
    /// Python lockfiles to read: `auto` (every uv.lock, poetry.lock and requirements*.txt
    /// under the root), `off`, or the files themselves [default: auto].
    #[arg(long, value_name = "auto|off|PATH", num_args = 1..)]
    python: Vec<String>,
    /// The Python environment whose installed metadata gives licences; must exist
    /// [default: $VIRTUAL_ENV, else .venv at the root or beside a lockfile].
    #[arg(long, value_name = "PATH")]
    python_env: Option<std::path::PathBuf>,
    /// JavaScript lockfiles to read: `auto` (every package-lock.json, pnpm-lock.yaml and
    /// yarn.lock under the root, outside node_modules and what git ignores), `off`, or the files
    /// themselves [default: auto].
    #[arg(long, value_name = "auto|off|PATH", num_args = 1..)]
    npm: Vec<String>,
    /// Refuse an unpinned requirements line instead of skipping it with a warning.
    #[arg(long)]
    strict: bool,
    /// List the GitHub Actions and reusable workflows `.github/workflows` uses, as
    /// `pkg:github` components with their ref: `auto` (when that folder exists) or `off`
    /// [default: auto].
    #[arg(long, value_enum, value_name = "auto|off")]
    ci: Option<CiArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CiArg {
    Auto,
    Off,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Cyclonedx,
    Spdx,
    All,
}

pub(crate) fn run(root: Option<&Path>, args: Args) -> anyhow::Result<Exit> {
    let repo = repo::Repo::discover(root)?;
    let cwd = std::env::current_dir()?;
    let options = sbom::SbomOptions {
        format: args.format.map(|f| match f {
            FormatArg::Cyclonedx => sbom::Format::Cyclonedx,
            FormatArg::Spdx => sbom::Format::Spdx,
            FormatArg::All => sbom::Format::All,
        }),
        spec_version: args
            .spec_version
            .as_deref()
            .and_then(sbom::SpecVersion::parse),
        output: args.output.map(|o| cwd.join(o)),
        platform: args.target.as_deref().map(sbom::parse_platform),
        features: sbom::Features {
            features: args
                .features
                .iter()
                .flat_map(|f| f.split([',', ' ']))
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
            all_features: args.all_features,
            no_default_features: args.no_default_features,
        },
        no_dev: args.no_dev,
        per_member: args.per_member,
        offline: args.offline,
        python: match args.python.as_slice() {
            [] => None,
            [one] if one == "auto" => Some(sbom::PythonMode::Auto),
            [one] if one == "off" => Some(sbom::PythonMode::Off),
            files => Some(sbom::PythonMode::Files(
                files.iter().map(|f| cwd.join(f)).collect(),
            )),
        },
        python_env: args.python_env.map(|e| cwd.join(e)),
        npm: match args.npm.as_slice() {
            [] => None,
            [one] if one == "auto" => Some(sbom::NpmMode::Auto),
            [one] if one == "off" => Some(sbom::NpmMode::Off),
            files => Some(sbom::NpmMode::Files(
                files.iter().map(|f| cwd.join(f)).collect(),
            )),
        },
        strict: args.strict,
        ci: args.ci.map(|c| match c {
            CiArg::Auto => sbom::CiMode::Auto,
            CiArg::Off => sbom::CiMode::Off,
        }),
    };
    match sbom::generate(&repo, &options) {
        Ok(outcome) => {
            for warning in &outcome.warnings {
                eprintln!("warning: {warning}");
            }
            for w in &outcome.written {
                let shown = w.path.strip_prefix(repo.root()).unwrap_or(&w.path);
                crate::out::print(format!(
                    "wrote {} ({}: {} components)\n",
                    shown.display(),
                    w.subject,
                    w.components
                ))?;
            }
            Ok(Exit::Success)
        }
        Err(sbom::SbomError::Interrupted) => Ok(Exit::Interrupted),
        Err(e) => Err(e.into()),
    }
}
