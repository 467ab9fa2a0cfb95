//! The plan file, `.xtask/format-plan.toml`: the formatters and their versions, the limits,
//! and per batch its id, formatter, module, owner, files, changed lines and status. Written
//! by hand-rolled, sorted TOML so the same plan is the same bytes; read with file:line errors.
//! The schema is documented in `docs/reference/format-plan.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::paths;

/// Where the plan lives, relative to the root.
pub const PLAN_PATH: &str = ".xtask/format-plan.toml";
/// The schema version this code reads and writes.
pub const SCHEMA: u32 = 1;

/// A staged-formatting plan.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub max_files: usize,
    pub max_lines: usize,
    pub by_owner: bool,
    /// Formatter name to its version line when the plan was made (empty when unknown).
    pub formatters: BTreeMap<String, String>,
    /// Files a formatter could not parse when the plan was made (or last updated), in no
    /// batch; sorted. `format enforce` does not fail on them while they stay unparseable.
    pub unparseable: Vec<PathBuf>,
    /// The refs `format plan --avoid` ordered the batches around (a `git for-each-ref`
    /// pattern such as `refs/remotes/origin/*`), kept for `plan --update`.
    pub avoid: Option<String>,
    pub batches: Vec<Batch>,
}

/// One reviewable batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: String,
    pub formatter: String,
    /// The directory the batch covers (its files' common ancestor); empty for the root.
    pub module: PathBuf,
    /// CODEOWNERS owners of every file (`--by-owner` only).
    pub owner: Option<String>,
    pub lines: usize,
    pub status: Status,
    /// Sorted.
    pub files: Vec<PathBuf>,
    /// Pending batches planned with `--avoid`: the branches that changed any of its files
    /// since their merge base (they would need the merge driver); sorted.
    pub branches: Vec<String>,
}

/// A batch's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Pending,
    Done {
        /// The commit that formatted it (`--commit`), when known.
        commit: Option<String>,
        /// `YYYY-MM-DD`.
        date: String,
    },
}

impl Status {
    pub fn is_done(&self) -> bool {
        matches!(self, Status::Done { .. })
    }
}

/// A plan file that cannot be used, with the place in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct PlanError {
    pub path: PathBuf,
    pub location: Option<(usize, usize)>,
    pub message: String,
}

impl Plan {
    /// The batch called `id`.
    pub fn batch(&self, id: &str) -> Option<&Batch> {
        self.batches.iter().find(|b| b.id == id)
    }

    /// Every file of the plan to its batch.
    pub fn file_index(&self) -> BTreeMap<&Path, &Batch> {
        let mut index = BTreeMap::new();
        for b in &self.batches {
            for f in &b.files {
                index.insert(f.as_path(), b);
            }
        }
        index
    }

    /// The plan as TOML text: same plan, same bytes.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# Staged-formatting plan, written by `cargo xtask format plan`; commit it.\n",
        );
        out.push_str("# Schema: docs/reference/format-plan.md. Apply a batch with\n");
        out.push_str("# `cargo xtask format --batch ID`; `format status` shows the rollout.\n");
        out.push_str(&format!("schema = {SCHEMA}\n"));
        out.push_str(&format!("max_files = {}\n", self.max_files));
        out.push_str(&format!("max_lines = {}\n", self.max_lines));
        out.push_str(&format!("by_owner = {}\n", self.by_owner));
        if let Some(avoid) = &self.avoid {
            out.push_str(&format!("avoid = {}\n", quote(avoid)));
        }
        if !self.unparseable.is_empty() {
            out.push_str("unparseable = [\n");
            for f in &self.unparseable {
                out.push_str(&format!("  {},\n", quote(&paths::encode(f))));
            }
            out.push_str("]\n");
        }
        for (name, version) in &self.formatters {
            let key = if !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                name.clone()
            } else {
                quote(name)
            };
            out.push_str(&format!(
                "\n[formatter.{key}]\nversion = {}\n",
                quote(version)
            ));
        }
        for b in &self.batches {
            out.push_str("\n[[batch]]\n");
            out.push_str(&format!("id = {}\n", quote(&b.id)));
            out.push_str(&format!("formatter = {}\n", quote(&b.formatter)));
            out.push_str(&format!("module = {}\n", quote(&paths::encode(&b.module))));
            if let Some(owner) = &b.owner {
                out.push_str(&format!("owner = {}\n", quote(owner)));
            }
            out.push_str(&format!("lines = {}\n", b.lines));
            if !b.branches.is_empty() {
                let list: Vec<String> = b.branches.iter().map(|n| quote(n)).collect();
                out.push_str(&format!("branches = [{}]\n", list.join(", ")));
            }
            match &b.status {
                Status::Pending => out.push_str("status = \"pending\"\n"),
                Status::Done { commit, date } => {
                    out.push_str("status = \"done\"\n");
                    if let Some(commit) = commit {
                        out.push_str(&format!("commit = {}\n", quote(commit)));
                    }
                    out.push_str(&format!("date = {}\n", quote(date)));
                }
            }
            out.push_str("files = [\n");
            for f in &b.files {
                out.push_str(&format!("  {},\n", quote(&paths::encode(f))));
            }
            out.push_str("]\n");
        }
        out
    }

    /// Reads a plan from its text; `path` is for the errors.
    pub fn parse(path: &Path, text: &str) -> Result<Plan, PlanError> {
        let err = |span: Option<std::ops::Range<usize>>, message: String| PlanError {
            path: path.to_path_buf(),
            location: span.map(|s| repo::text::line_column(text, s.start)),
            message,
        };
        let raw: RawPlan =
            toml::from_str(text).map_err(|e| err(e.span(), e.message().trim_end().to_string()))?;
        if *raw.schema.get_ref() != SCHEMA {
            return Err(err(
                Some(raw.schema.span()),
                format!(
                    "schema {} is not supported; this xtask reads schema {SCHEMA}",
                    raw.schema.get_ref()
                ),
            ));
        }
        let mut plan = Plan {
            max_files: raw.max_files,
            max_lines: raw.max_lines,
            by_owner: raw.by_owner,
            formatters: raw
                .formatter
                .into_iter()
                .map(|(k, v)| (k, v.version))
                .collect(),
            unparseable: Vec::new(),
            avoid: raw.avoid,
            batches: Vec::new(),
        };
        for f in raw.unparseable {
            let text_span = f.span();
            let file = paths::decode(f.get_ref())
                .filter(|p| paths::check_relative(p).is_ok())
                .ok_or_else(|| {
                    err(
                        Some(text_span),
                        format!(
                            "unparseable file `{}` is not a plain path inside the repository",
                            f.get_ref()
                        ),
                    )
                })?;
            plan.unparseable.push(file);
        }
        plan.unparseable.sort();
        plan.unparseable.dedup();
        let mut seen_files: BTreeMap<PathBuf, String> = BTreeMap::new();
        for spanned in raw.batch {
            let span = spanned.span();
            let b = spanned.into_inner();
            if plan.batch(&b.id).is_some() {
                return Err(err(Some(span), format!("batch `{}` is listed twice", b.id)));
            }
            if !plan.formatters.contains_key(&b.formatter) {
                return Err(err(
                    Some(span),
                    format!(
                        "batch `{}` names formatter `{}`, which has no [formatter.{}] table",
                        b.id, b.formatter, b.formatter
                    ),
                ));
            }
            let status = match (b.status.as_str(), b.commit, b.date) {
                ("pending", None, None) => Status::Pending,
                ("done", commit, Some(date)) => Status::Done { commit, date },
                ("done", _, None) => {
                    return Err(err(
                        Some(span),
                        format!("batch `{}` is done but has no `date`", b.id),
                    ));
                }
                ("pending", _, _) => {
                    return Err(err(
                        Some(span),
                        format!("batch `{}` is pending but has a `commit` or `date`", b.id),
                    ));
                }
                (other, _, _) => {
                    return Err(err(
                        Some(span),
                        format!(
                            "batch `{}`: unknown status `{other}`; expected `pending` or `done`",
                            b.id
                        ),
                    ));
                }
            };
            let module = paths::decode(&b.module).ok_or_else(|| {
                err(
                    Some(span.clone()),
                    format!("batch `{}`: bad module `{}`", b.id, b.module),
                )
            })?;
            let mut files = Vec::new();
            for f in b.files {
                let text_span = f.span();
                let file = paths::decode(f.get_ref()).ok_or_else(|| {
                    err(
                        Some(text_span.clone()),
                        format!("bad `%` escape in file `{}`", f.get_ref()),
                    )
                })?;
                if paths::check_relative(&file).is_err() {
                    return Err(err(
                        Some(text_span),
                        format!(
                            "file `{}` is not a plain path inside the repository (no `..`, not absolute); refusing the plan",
                            f.get_ref()
                        ),
                    ));
                }
                if let Some(other) = seen_files.insert(file.clone(), b.id.clone()) {
                    return Err(err(
                        Some(text_span),
                        format!(
                            "file `{}` is in batches `{other}` and `{}`",
                            f.get_ref(),
                            b.id
                        ),
                    ));
                }
                files.push(file);
            }
            files.sort();
            let mut branches = b.branches;
            branches.sort();
            branches.dedup();
            plan.batches.push(Batch {
                id: b.id,
                formatter: b.formatter,
                module,
                owner: b.owner,
                lines: b.lines,
                status,
                files,
                branches,
            });
        }
        Ok(plan)
    }

    /// Loads the plan of the repository at `root`; `Ok(None)` when there is none.
    pub fn load(root: &Path) -> Result<Option<Plan>, PlanError> {
        let path = root.join(PLAN_PATH);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(PlanError {
                    path: PathBuf::from(PLAN_PATH),
                    location: None,
                    message: e.to_string(),
                });
            }
        };
        Plan::parse(Path::new(PLAN_PATH), &text).map(Some)
    }

    /// Writes the plan atomically to `root/.xtask/format-plan.toml`, through no symlink.
    pub fn save(&self, root: &Path) -> Result<(), repo::fs::FsError> {
        repo::beneath::RootDir::open(root)?
            .write_atomic(Path::new(PLAN_PATH), self.to_toml().as_bytes())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    schema: toml::Spanned<u32>,
    max_files: usize,
    max_lines: usize,
    by_owner: bool,
    #[serde(default)]
    unparseable: Vec<toml::Spanned<String>>,
    #[serde(default)]
    avoid: Option<String>,
    #[serde(default)]
    formatter: BTreeMap<String, RawFormatter>,
    #[serde(default)]
    batch: Vec<toml::Spanned<RawBatch>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFormatter {
    version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    id: String,
    formatter: String,
    module: String,
    owner: Option<String>,
    lines: usize,
    status: String,
    commit: Option<String>,
    date: Option<String>,
    files: Vec<toml::Spanned<String>>,
    #[serde(default)]
    branches: Vec<String>,
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Plan {
        Plan {
            max_files: 25,
            max_lines: 2000,
            by_owner: false,
            formatters: [("ruff".to_string(), "ruff 0.17.6".to_string())].into(),
            unparseable: vec!["tools/broken.py".into()],
            avoid: Some("refs/remotes/origin/*".into()),
            batches: vec![
                Batch {
                    id: "pkg-a".into(),
                    formatter: "ruff".into(),
                    module: "pkg/a".into(),
                    owner: None,
                    lines: 12,
                    status: Status::Done {
                        commit: Some("abc123".into()),
                        date: "2026-11-24".into(),
                    },
                    files: vec!["pkg/a/-x \"q\".py".into(), "pkg/a/x.py".into()],
                    branches: Vec::new(),
                },
                Batch {
                    id: "pkg-b".into(),
                    formatter: "ruff".into(),
                    module: "pkg/b".into(),
                    owner: Some("@team".into()),
                    lines: 3,
                    status: Status::Pending,
                    files: vec![PathBuf::from(
                        <std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(
                            b"pkg/b/n\xff.py".to_vec(),
                        ),
                    )],
                    branches: vec!["origin/fix \"x\"".into(), "origin/work".into()],
                },
            ],
        }
    }

    #[test]
    fn round_trips_byte_for_byte() {
        let text = sample().to_toml();
        let back = Plan::parse(Path::new(PLAN_PATH), &text).unwrap();
        assert_eq!(back, sample());
        assert_eq!(back.to_toml(), text);
        assert!(text.contains("  \"pkg/b/n%FF.py\",\n"), "{text}");
    }

    #[test]
    fn refuses_paths_outside_the_root_with_a_line() {
        let text = sample()
            .to_toml()
            .replace("\"pkg/a/x.py\"", "\"../outside.py\"");
        let err = Plan::parse(Path::new(PLAN_PATH), &text).unwrap_err();
        let line = text
            .lines()
            .position(|l| l.contains("../outside.py"))
            .unwrap()
            + 1;
        assert_eq!(err.location.map(|l| l.0), Some(line));
        assert!(
            err.to_string()
                .contains("not a plain path inside the repository"),
            "{err}"
        );
        let abs = sample()
            .to_toml()
            .replace("\"pkg/a/x.py\"", "\"/etc/passwd\"");
        assert!(Plan::parse(Path::new(PLAN_PATH), &abs).is_err());
    }

    #[test]
    fn malformed_plans_name_the_line() {
        let text = sample().to_toml().replace("lines = 3", "lines = \"three\"");
        let err = Plan::parse(Path::new(PLAN_PATH), &text).unwrap_err();
        let line = text.lines().position(|l| l.contains("three")).unwrap() + 1;
        assert!(
            err.to_string()
                .starts_with(&format!(".xtask/format-plan.toml:{line}:")),
            "{err}"
        );
        let err = Plan::parse(Path::new(PLAN_PATH), "schema = 1\nmax_files = [\n").unwrap_err();
        assert_eq!(err.location.map(|l| l.0), Some(2), "{err}");
        let text = sample()
            .to_toml()
            .replace("status = \"pending\"", "status = \"half\"");
        let err = Plan::parse(Path::new(PLAN_PATH), &text).unwrap_err();
        assert!(err.message.contains("unknown status `half`"), "{err}");
    }
}
