//! `xtask.toml`: loading, top-level validation, and errors that name the file, line and key.
//!
//! Each task crate owns the schema of its own sections (`[qa]` and `[gates]`, `[format]`,
//! `[sbom]`) and deserializes it with [`ConfigFile::section`]; this module checks the file's
//! syntax and its top-level keys, and turns every serde or validation error into a
//! [`ConfigError`] with a line, a column and a did-you-mean.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::fs;

/// The configuration file's name, at the repository root.
pub const FILE_NAME: &str = "xtask.toml";

/// The top-level tables `xtask.toml` may hold.
pub const SECTIONS: &[&str] = &["qa", "gates", "format", "sbom"];

/// A loaded `xtask.toml`: its path and text, syntax and top-level keys already checked.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
    text: String,
}

/// An error in `xtask.toml`, pointing at the line, column and key involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column, when the error has a place in the file.
    pub location: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl ConfigFile {
    /// Loads `path`; `Ok(None)` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<ConfigFile>, ConfigError> {
        if !path.exists() {
            return Ok(None);
        }
        let text = fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            location: None,
            message: e.source.to_string(),
        })?;
        ConfigFile::parse(path, text).map(Some)
    }

    /// Checks `text` as the contents of `path`: TOML syntax (duplicate keys included) and the
    /// top-level keys.
    pub fn parse(path: &Path, text: String) -> Result<ConfigFile, ConfigError> {
        let file = ConfigFile {
            path: path.to_path_buf(),
            text,
        };
        let doc: toml::Spanned<toml::Table> =
            toml::from_str(&file.text).map_err(|e| file.toml_error(&e))?;
        // Spans of top-level keys are not kept by `Table`; find each unknown key's line by text.
        for key in doc.get_ref().keys() {
            if !SECTIONS.contains(&key.as_str()) {
                let span = file.find_key(key);
                let hint = did_you_mean(key, SECTIONS.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(file.error_at(
                    span,
                    format!(
                        "unknown section `{key}`{hint}; expected one of {}",
                        list(SECTIONS.iter().copied())
                    ),
                ));
            }
        }
        Ok(file)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Deserializes the whole file into `T`, a struct that names only the sections its crate
    /// owns (serde ignores the others at the top level; use `deny_unknown_fields` below it).
    pub fn section<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        toml::from_str(&self.text).map_err(|e| self.toml_error(&e))
    }

    /// An error at a byte range of the file (from a `toml::Spanned` value), or at no place.
    pub fn error_at(&self, span: Option<Range<usize>>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            path: self.path.clone(),
            location: span.map(|s| crate::text::line_column(&self.text, s.start)),
            message: message.into(),
        }
    }

    /// Turns a parse or deserialization error into a [`ConfigError`], rewording serde's
    /// "unknown field" into an unknown key with a did-you-mean.
    pub fn toml_error(&self, err: &toml::de::Error) -> ConfigError {
        let message = err.message().trim_end().to_string();
        let message = reword_unknown_field(&message).unwrap_or(message);
        self.error_at(err.span(), message)
    }

    fn find_key(&self, key: &str) -> Option<Range<usize>> {
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let trimmed = line.trim_start().trim_start_matches('[').trim_start();
            let bare = trimmed.trim_start_matches(['"', '\'']);
            let key_follows = bare
                .strip_prefix(key)
                .is_some_and(|rest| rest.starts_with(['"', '\'', ' ', '=', '.', ']', '\t']));
            if key_follows {
                let start = offset + (line.len() - line.trim_start().len());
                return Some(start..start + key.len());
            }
            offset += line.len();
        }
        None
    }
}

/// The closest of `candidates` to `word`, when one is close enough to be a typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `` `a`, `b` or `c` ``: a list of names for an error message.
pub fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    match names.split_last() {
        None => "nothing".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn reword_unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let hint = did_you_mean(field, expected.iter().copied())
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    Some(if expected.is_empty() {
        format!("unknown key `{field}`{hint}")
    } else {
        format!(
            "unknown key `{field}`{hint}; expected one of {}",
            list(expected)
        )
    })
}

/// Edit distance counting a swap of two neighbours as one edit (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
        ConfigFile::parse(Path::new("xtask.toml"), text.to_string())
    }

    #[test]
    fn unknown_section_has_line_and_hint() {
        let err = parse("[qa]\njobs = 2\n\n[gatse.fmt]\nrun = 'x'\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "xtask.toml:4:1: unknown section `gatse` (did you mean `gates`?); \
             expected one of `qa`, `gates`, `format` or `sbom`"
        );
    }

    #[test]
    fn syntax_errors_and_duplicate_keys_have_a_line() {
        let err = parse("[gates.a]\nrun = 'x'\n[gates.a]\nrun = 'y'\n").unwrap_err();
        assert_eq!(err.location.map(|l| l.0), Some(3), "{err}");
        let err = parse("[qa]\njobs = \n").unwrap_err();
        assert_eq!(err.location.map(|l| l.0), Some(2), "{err}");
    }

    #[test]
    fn unknown_fields_are_reworded_with_did_you_mean() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Gate {
            run: String,
            needs: Option<Vec<String>>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct File {
            gates: std::collections::BTreeMap<String, Gate>,
        }
        let file = parse("[gates.fmt]\nrun = 'x'\nnedds = ['y']\n").unwrap();
        let err = file.section::<File>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "xtask.toml:3:1: unknown key `nedds` (did you mean `needs`?); expected one of `run` or `needs`"
        );
    }

    #[test]
    fn did_you_mean_only_suggests_near_words() {
        assert_eq!(
            did_you_mean("tiemout", ["timeout", "tool"]),
            Some("timeout")
        );
        assert_eq!(did_you_mean("zzz", ["timeout", "tool"]), None);
    }
}
