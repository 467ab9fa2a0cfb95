//! Licences of Python distributions, from an installed environment's metadata
//! (`site-packages/*.dist-info/METADATA`, legacy `*.egg-info`): PEP 639 `License-Expression`,
//! else a `License` field that parses as SPDX, else the licence classifiers (`trove.rs`). What
//! names no single licence is left out, never guessed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::SbomError;
use crate::model::Licence;
use crate::python::normalise;

/// Licences by (normalised name, version).
pub(crate) type Licences = BTreeMap<(String, String), Licence>;

/// The environments whose metadata gives licences: the one named (`--python-env`, else
/// `[sbom] python_env`), which must exist; else `VIRTUAL_ENV` when set; else a `.venv` at the
/// root or beside any lockfile read. When none is found, one warning says how to point at one.
pub(crate) fn environments(
    named: Option<(&str, PathBuf)>,
    root: &Path,
    lockfiles: &[PathBuf],
    warnings: &mut Vec<String>,
) -> Result<Vec<PathBuf>, SbomError> {
    if let Some((flag, env)) = named {
        if !env.is_dir() {
            return Err(SbomError::Usage(format!(
                "{flag} {}: no such directory; name a Python virtual environment (the folder holding pyvenv.cfg, e.g. .venv)",
                env.display()
            )));
        }
        return Ok(vec![env]);
    }
    if let Some(env) = std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
        let env = root.join(env);
        if env.is_dir() {
            return Ok(vec![env]);
        }
        warnings.push(format!(
            "VIRTUAL_ENV={}: no such directory; Python licences are left out (activate an existing environment or pass --python-env PATH)",
            env.display()
        ));
        return Ok(Vec::new());
    }
    let mut dirs: Vec<PathBuf> = std::iter::once(root.to_path_buf())
        .chain(
            lockfiles
                .iter()
                .filter_map(|f| f.parent().map(Path::to_path_buf)),
        )
        .map(|d| d.join(".venv"))
        .filter(|d| d.is_dir())
        .collect();
    dirs.sort();
    dirs.dedup();
    if dirs.is_empty() {
        warnings.push(
            "no Python environment (.venv at the root or beside a lockfile, or VIRTUAL_ENV): Python licences are left out; create one (`uv sync`, `poetry install`, `pip install -r ...`) or pass --python-env PATH".to_string(),
        );
    }
    Ok(dirs)
}

/// Reads every distribution's metadata under `env` (a virtual environment's root).
pub(crate) fn licences(env: &Path) -> Licences {
    let mut found = Licences::new();
    for site in site_packages(env) {
        let Ok(entries) = std::fs::read_dir(&site) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Wheels install `*.dist-info/METADATA`; legacy installs `*.egg-info/PKG-INFO`, or an
            // `*.egg-info` file holding the same headers.
            let metadata = if name.ends_with(".dist-info") {
                entry.path().join("METADATA")
            } else if name.ends_with(".egg-info") && entry.path().is_dir() {
                entry.path().join("PKG-INFO")
            } else if name.ends_with(".egg-info") {
                entry.path()
            } else {
                continue;
            };
            let Ok(text) = std::fs::read_to_string(metadata) else {
                continue;
            };
            if let Some((key, licence)) = from_metadata(&text) {
                found.insert(key, licence);
            }
        }
    }
    found
}

fn site_packages(env: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![env.join("Lib/site-packages")];
    if let Ok(entries) = std::fs::read_dir(env.join("lib")) {
        dirs.extend(
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("python"))
                .map(|e| e.path().join("site-packages")),
        );
    }
    dirs.sort();
    dirs.into_iter().filter(|d| d.is_dir()).collect()
}

/// The (name, version) and licence of one `METADATA` file (RFC 822 headers, then the body).
pub(crate) fn from_metadata(text: &str) -> Option<((String, String), Licence)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push('\n');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let get = |key: &str| {
        headers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let key = (normalise(get("name")?), get("version")?.to_string());
    let licence = get("license-expression")
        .and_then(expression)
        .or_else(|| get("license").and_then(expression))
        .or_else(|| {
            classifiers(
                headers
                    .iter()
                    .filter(|(k, _)| k == "classifier")
                    .map(|(_, v)| v.as_str()),
            )
        })?;
    Some((key, Licence::Expression(licence)))
}

/// The licences the classifiers name, as one `OR` expression; `None` when one of them names no
/// single licence (`BSD License` beside `MIT License` would otherwise read as MIT alone).
/// `OSI Approved` and `DFSG approved` alone are categories, not licences.
fn classifiers<'a>(values: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut ids = Vec::new();
    for v in values.map(str::trim) {
        if !v.starts_with("License ::")
            || v == "License :: OSI Approved"
            || v == "License :: DFSG approved"
        {
            continue;
        }
        ids.push(crate::trove::spdx_id(v)?);
    }
    ids.sort_unstable();
    ids.dedup();
    (!ids.is_empty()).then(|| ids.join(" OR "))
}

/// A canonical SPDX expression for `text`, when it is one (`MIT`, `Apache 2.0`,
/// `MIT/Apache-2.0`); `None` for free text such as a whole licence.
fn expression(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text.contains('\n') || text.eq_ignore_ascii_case("unknown") {
        return None;
    }
    let canonical = spdx::Expression::canonicalize(text)
        .ok()?
        .unwrap_or_else(|| text.to_string());
    let parsed = spdx::Expression::parse(&canonical).ok()?;
    // The lax reading turns a bare name into one version (`LGPL` into LGPL-2.0-only, `BSD`
    // into BSD-2-Clause): each version the expression names must be written in the text.
    let numbers = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect()
    };
    let written = numbers(text);
    let guessed = parsed.requirements().any(|r| match &r.req.license {
        spdx::LicenseItem::Spdx { id, .. } => numbers(id.name)
            .first()
            .is_some_and(|n| !written.contains(n)),
        spdx::LicenseItem::Other { .. } => false,
    });
    (!guessed).then_some(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn licence(metadata: &str) -> Option<String> {
        from_metadata(metadata).map(|(_, l)| match l {
            Licence::Expression(e) => e,
            Licence::Named { name, .. } => name,
        })
    }

    #[test]
    fn expression_then_field_then_classifiers() {
        assert_eq!(
            licence("Name: A_b\nVersion: 1\nLicense-Expression: MIT OR Apache-2.0\nLicense: GPL\n"),
            Some("MIT OR Apache-2.0".into())
        );
        assert_eq!(
            licence("Name: a\nVersion: 1\nLicense: Apache 2.0\n"),
            Some("Apache-2.0".into())
        );
        assert_eq!(
            licence("Name: a\nVersion: 1\nLicense: MIT/Apache-2.0\n"),
            Some("MIT OR Apache-2.0".into())
        );
        assert_eq!(
            licence(
                "Name: a\nVersion: 1\nLicense: Copyright (c) someone\n  all rights\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: ISC License (ISCL)\nClassifier: License :: OSI Approved\n"
            ),
            Some("ISC OR MIT".into())
        );
        // `Apache Software License` names no version: the pair is not read as MIT alone.
        assert_eq!(
            licence(
                "Name: a\nVersion: 1\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: Apache Software License\n"
            ),
            None
        );
        assert_eq!(
            licence("Name: a\nVersion: 1\nClassifier: License :: OSI Approved :: BSD License\n"),
            None
        );
        // A bare name names no version: neither the field nor the classifier is a guess.
        assert_eq!(
            licence(
                "Name: a\nVersion: 1\nLicense: LGPL\nClassifier: License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)\n"
            ),
            None
        );
        assert_eq!(licence("Name: a\nVersion: 1\nLicense: BSD\n"), None);
        assert_eq!(
            licence(
                "Name: a\nVersion: 1\nLicense: LGPL\nClassifier: License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)\n"
            ),
            Some("LGPL-2.0-or-later".into())
        );
        assert_eq!(
            licence(
                "Name: a\nVersion: 1\nClassifier: License :: OSI Approved :: PostgreSQL License\n"
            ),
            Some("PostgreSQL".into())
        );
        assert_eq!(
            from_metadata("Name: Foo.Bar\nVersion: 2.0\nLicense: MIT\n\nLicense: body\n")
                .unwrap()
                .0,
            ("foo-bar".to_string(), "2.0".to_string())
        );
    }
}
