//! Licences of Python distributions, from an installed environment's metadata
//! (`site-packages/*.dist-info/METADATA`): `License-Expression`, else `License`, else the licence
//! classifiers, normalised to SPDX expressions. What cannot be normalised is left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::Licence;
use crate::python::normalise;

/// Licences by (normalised name, version).
pub(crate) type Licences = BTreeMap<(String, String), Licence>;

/// Reads every distribution's metadata under `env` (a virtual environment's root).
pub(crate) fn licences(env: &Path) -> Licences {
    let mut found = Licences::new();
    for site in site_packages(env) {
        let Ok(entries) = std::fs::read_dir(&site) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".dist-info") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(entry.path().join("METADATA")) else {
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
            let ids: Vec<&str> = headers
                .iter()
                .filter(|(k, _)| k == "classifier")
                .filter_map(|(_, v)| classifier(v))
                .collect();
            let mut ids = ids;
            ids.sort();
            ids.dedup();
            (!ids.is_empty()).then(|| ids.join(" OR "))
        })?;
    Some((key, Licence::Expression(licence)))
}

/// A canonical SPDX expression for `text`, when it is one (`MIT`, `Apache 2.0`,
/// `MIT/Apache-2.0`); `None` for free text such as a whole licence.
fn expression(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text.contains('\n') || text.eq_ignore_ascii_case("unknown") {
        return None;
    }
    if let Ok(canonical) = spdx::Expression::canonicalize(text) {
        let canonical = canonical.unwrap_or_else(|| text.to_string());
        if spdx::Expression::parse(&canonical).is_ok() {
            return Some(canonical);
        }
    }
    match spdx::imprecise_license_id(text) {
        Some((id, len)) if len == text.len() => Some(id.name.to_string()),
        _ => None,
    }
}

/// The SPDX id a Trove licence classifier names unambiguously.
fn classifier(text: &str) -> Option<&'static str> {
    let name = text.strip_prefix("License :: ")?;
    let name = name.strip_prefix("OSI Approved :: ").unwrap_or(name);
    Some(match name {
        "MIT License" => "MIT",
        "MIT No Attribution License (MIT-0)" => "MIT-0",
        "Apache Software License" => "Apache-2.0",
        "ISC License (ISCL)" => "ISC",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "Python Software Foundation License" => "PSF-2.0",
        "The Unlicense (Unlicense)" => "Unlicense",
        "zlib/libpng License" => "Zlib",
        "Historical Permission Notice and Disclaimer (HPND)" => "HPND",
        "Boost Software License 1.0 (BSL-1.0)" => "BSL-1.0",
        "GNU General Public License v2 (GPLv2)" => "GPL-2.0-only",
        "GNU General Public License v2 or later (GPLv2+)" => "GPL-2.0-or-later",
        "GNU General Public License v3 (GPLv3)" => "GPL-3.0-only",
        "GNU General Public License v3 or later (GPLv3+)" => "GPL-3.0-or-later",
        "GNU Lesser General Public License v3 (LGPLv3)" => "LGPL-3.0-only",
        "GNU Lesser General Public License v3 or later (LGPLv3+)" => "LGPL-3.0-or-later",
        "GNU Affero General Public License v3" => "AGPL-3.0-only",
        "Eclipse Public License 2.0 (EPL-2.0)" => "EPL-2.0",
        // "BSD License" and the like name no single licence: left out rather than guessed.
        _ => return None,
    })
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
                "Name: a\nVersion: 1\nLicense: Copyright (c) someone\n  all rights\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: Apache Software License\n"
            ),
            Some("Apache-2.0 OR MIT".into())
        );
        assert_eq!(
            licence("Name: a\nVersion: 1\nClassifier: License :: OSI Approved :: BSD License\n"),
            None
        );
        assert_eq!(
            from_metadata("Name: Foo.Bar\nVersion: 2.0\nLicense: MIT\n\nLicense: body\n")
                .unwrap()
                .0,
            ("foo-bar".to_string(), "2.0".to_string())
        );
    }
}
