//! The rustfmt adapter: cargo fmt's targets checked on every core, files fixed per edition.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use repo::process::{self, Cmd, End, RunOptions};

use super::chunks::chunks;
use super::run::{by_name, check_interrupted, failure, run, run_fix, version};
use super::{Adapter, CheckOutput, Files, RunFailure};
use crate::config::FormatterConfig;
use crate::{FormatError, diff};

/// rustfmt: in a Cargo workspace, `cargo fmt --all --check`'s targets checked on every core
/// ([`crate::rustfmt_check`], so `#[rustfmt::skip] mod` and each crate's edition are honoured;
/// `cargo fmt` itself when `cargo metadata` fails); fixing runs `rustfmt
/// --edition <crate's> --config skip_children=true -- FILES` so exactly the given files change.
pub(super) struct Rustfmt {
    config: FormatterConfig,
    editions: std::sync::OnceLock<Vec<(PathBuf, String)>>,
    cargo: bool,
}

impl Rustfmt {
    pub(super) fn new(config: &FormatterConfig, root: &Path) -> Self {
        Rustfmt {
            config: config.clone(),
            editions: std::sync::OnceLock::new(),
            cargo: root.join("Cargo.toml").is_file(),
        }
    }
}

impl Adapter for Rustfmt {
    fn config(&self) -> &FormatterConfig {
        &self.config
    }

    fn version(&self, root: &Path) -> Option<String> {
        version(root, "rustfmt")
    }

    fn check(&self, root: &Path, files: &Files<'_>) -> Result<CheckOutput, FormatError> {
        let (outputs, files): (Vec<(Cmd, process::Finished)>, &[PathBuf]) = if self.cargo
            && let Some(found) = crate::rustfmt_check::check(root, &self.config, files)?
        {
            found
        } else if self.cargo {
            // `-v` lists each file cargo fmt formats: the count of what it considers.
            let cmd = Cmd::new("cargo")
                .args(["fmt", "--all", "--check", "--", "--color", "never", "-v"])
                .cwd(root);
            let (done, files) = rayon::join(
                || run(&cmd, &self.config, "cargo (rustup component add rustfmt)"),
                files,
            );
            (vec![(cmd.clone(), done?)], files?)
        } else {
            let files = files()?;
            let outputs = chunks(files)
                .par_iter()
                .map(|chunk| {
                    let cmd = Cmd::new("rustfmt")
                        .args([
                            "--check",
                            "--color",
                            "never",
                            "--config",
                            "skip_children=true",
                        ])
                        .args(["--edition", "2021", "--"])
                        .args(chunk.iter().map(|f| f.as_os_str().to_owned()))
                        .cwd(root);
                    let done = run(&cmd, &self.config, "rustfmt (rustup component add rustfmt)")?;
                    Ok((cmd, done))
                })
                .collect::<Result<_, FormatError>>()?;
            (outputs, files)
        };
        if files.is_empty() {
            return Ok(CheckOutput::default());
        }
        let names = by_name(root, files);
        let mut out = CheckOutput::default();
        let mut considered = std::collections::BTreeSet::new();
        for (cmd, done) in outputs {
            check_interrupted(&cmd, done.end)?;
            let stdout = String::from_utf8_lossy(&done.stdout);
            let stderr = String::from_utf8_lossy(&done.stderr);
            considered.extend(
                crate::considered::rustfmt_verbose(&stdout).map(crate::rustfmt_check::resolve_dots),
            );
            for (name, lines) in diff::rustfmt(&stdout) {
                if let Some(file) = names.get(crate::rustfmt_check::resolve_dots(&name).as_str()) {
                    out.pending.insert(file.clone(), lines);
                }
            }
            // A file that does not parse: `error: ...` then ` --> PATH:LINE:COL`; kept as
            // `LINE:COL: MESSAGE` (crate::unparseable).
            let mut message = None;
            for line in stderr.lines() {
                if let Some(m) = line.strip_prefix("error: ") {
                    message = Some(m.to_string());
                } else if let Some(at) = line.trim_start().strip_prefix("--> ")
                    && let at = crate::rustfmt_check::resolve_dots(at)
                    && let Some((file, place)) = names.iter().find_map(|(n, f)| {
                        at.strip_prefix(n.as_str())
                            .and_then(|r| r.strip_prefix(':'))
                            .map(|place| (f, place.to_string()))
                    })
                {
                    out.broken.entry(file.clone()).or_insert_with(|| {
                        format!(
                            "{place}: {}",
                            message.as_deref().unwrap_or("does not parse")
                        )
                    });
                }
            }
            if self.cargo {
                // rustfmt lists no `Formatting` line for a file it cannot parse.
                out.considered = Some(considered.len() + out.broken.len());
            }
            match done.end {
                End::Exited(0) => {}
                End::Exited(1) if !out.pending.is_empty() || !out.broken.is_empty() => {}
                end => return Err(failure(&cmd, end, &done.stderr).into()),
            }
        }
        Ok(out)
    }

    fn fix(&self, root: &Path, dir: &Path, files: &[PathBuf]) -> Result<(), RunFailure> {
        let editions = self.editions.get_or_init(|| editions(root));
        let mut by_edition: BTreeMap<&str, Vec<PathBuf>> = BTreeMap::new();
        for real in files {
            let abs = root.join(real);
            let edition = editions
                .iter()
                .find(|(dir, _)| abs.starts_with(dir))
                .map_or("2021", |(_, e)| e.as_str());
            by_edition.entry(edition).or_default().push(real.clone());
        }
        let jobs: Vec<(&str, &[PathBuf])> = by_edition
            .iter()
            .flat_map(|(e, files)| chunks(files).into_iter().map(move |c| (*e, c)))
            .collect();
        jobs.par_iter().try_for_each(|(edition, chunk)| {
            let cmd = Cmd::new("rustfmt")
                .args([
                    "--color",
                    "never",
                    "--config",
                    "skip_children=true",
                    "--edition",
                ])
                .arg(*edition)
                .arg("--")
                .args(chunk.iter().map(|f| f.as_os_str().to_owned()))
                .cwd(dir);
            run_fix(&cmd, &self.config)
        })
    }
}

/// Each package's directory and edition, deepest first, from `cargo metadata`.
fn editions(root: &Path) -> Vec<(PathBuf, String)> {
    let cmd = Cmd::new("cargo")
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .cwd(root);
    let Ok(done) = process::run(&cmd, RunOptions::capture()) else {
        return Vec::new();
    };
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&done.stdout) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, String)> = json["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let manifest = Path::new(p["manifest_path"].as_str()?);
            Some((
                manifest.parent()?.to_path_buf(),
                p["edition"].as_str()?.to_string(),
            ))
        })
        .collect();
    out.sort_by_key(|(dir, _)| std::cmp::Reverse(dir.as_os_str().len()));
    out
}
