//! Shared helpers of the `format_*` end-to-end tests: run the built binary on a temp git
//! repository with the pinned ruff on PATH, generate Python and Rust repositories, read plans.

#![allow(dead_code)]

use std::fmt;
use std::process::Command;

pub(crate) use testkit::GitRepo;

/// A finished run of the binary.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// `xtask ARGS --root REPO` with the pinned ruff first on PATH and a fixed date.
pub(crate) fn xtask(repo: &GitRepo, args: &[&str]) -> Run {
    xtask_env(repo, args, &[])
}

/// [`xtask`] with extra environment.
pub(crate) fn xtask_env(repo: &GitRepo, args: &[&str], env: &[(&str, &str)]) -> Run {
    xtask_path(repo, args, env, testkit::Venv::test().path_env())
}

/// [`xtask`] with an explicit PATH.
pub(crate) fn xtask_path(
    repo: &GitRepo,
    args: &[&str],
    env: &[(&str, &str)],
    path: std::ffi::OsString,
) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .arg("--root")
        .arg(repo.root())
        .env("PATH", path)
        .env("SOURCE_DATE_EPOCH", "1795521600")
        // Printed commands read `cargo xtask --root REPO ...` whatever started the tests.
        .env("CARGO", env!("CARGO"))
        .env_remove("XTASK_INVOCATION")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CARGO_TARGET_DIR")
        .envs(env.iter().copied())
        .output()
        .expect("run xtask");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A Python repository configured for ruff with `unformatted` unformatted files across nested
/// packages (app/billing, app/core/..., app/ui, lib, tools), five formatted files, and an
/// excluded folder ruff must never report.
pub(crate) fn python_repo(unformatted: usize) -> GitRepo {
    let repo = GitRepo::new();
    repo.write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"0\"\n\n[tool.ruff]\nextend-exclude = [\"vendored\"]\n");
    repo.write("vendored/thirdparty.py", "x=1\n");
    for f in [
        "app/__init__.py",
        "app/core/__init__.py",
        "lib/__init__.py",
        "tools/__init__.py",
        "app/ui/__init__.py",
    ] {
        repo.write(f, "VERSION = 1\n");
    }
    let places: Vec<String> = (0..unformatted)
        .map(|i| match i % 14 {
            0 => format!("app/billing/invoice_{i}.py"),
            1..=3 => format!("app/core/engine/step_{i}.py"),
            4..=6 => format!("app/core/store/sql/q_{i}.py"),
            7 | 8 => format!("app/core/api_{i}.py"),
            9 => format!("app/ui/view_{i}.py"),
            10 | 11 => format!("lib/util_{i}.py"),
            _ => format!("tools/script_{i}.py"),
        })
        .collect();
    for (i, p) in places.iter().enumerate() {
        let body = if i % 2 == 0 {
            format!("def  f{i}( a ):\n  return a\n")
        } else {
            format!("x{i}=1\ny{i} = [1,2]\n")
        };
        repo.write(p, body);
    }
    repo.commit("initial");
    repo
}

/// A Cargo workspace of two crates (editions 2021 and 2024) with unformatted files, a
/// `#[rustfmt::skip]` module and a nested module.
pub(crate) fn rust_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    repo.write(".gitignore", "/target\n");
    repo.write(
        "crates/alpha/Cargo.toml",
        "[package]\nname = \"alpha\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    repo.write(
        "crates/alpha/src/lib.rs",
        "mod util;\n#[rustfmt::skip]\nmod generated;\npub fn a( )->u32{util::u()}\n",
    );
    repo.write("crates/alpha/src/util.rs", "pub fn u()->u32{1}\n");
    repo.write("crates/alpha/src/generated.rs", "pub const   G : u32=1;\n");
    repo.write(
        "crates/beta/Cargo.toml",
        "[package]\nname = \"beta\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    repo.write(
        "crates/beta/src/lib.rs",
        "mod nested;\npub fn b(a: Option<u32>)->bool{ if let Some(x) = a && x > 1 { return true } false }\n",
    );
    repo.write(
        "crates/beta/src/nested/mod.rs",
        "mod deep;\npub fn n( ){}\n",
    );
    repo.write("crates/beta/src/nested/deep.rs", "pub fn d( ){}\n");
    repo.commit("initial");
    repo
}

/// The ids of the plan's batches, in order.
pub(crate) fn batch_ids(plan: &str) -> Vec<String> {
    plan.lines()
        .filter_map(|l| l.strip_prefix("id = \""))
        .map(|s| s.trim_end_matches('"').to_string())
        .collect()
}

/// The text of one `[[batch]]` table.
pub(crate) fn batch_block(plan: &str, id: &str) -> String {
    plan.split("\n[[batch]]\n")
        .find(|b| b.starts_with(&format!("id = \"{id}\"\n")))
        .unwrap_or_else(|| panic!("no batch {id} in\n{plan}"))
        .to_string()
}

/// The files of one batch.
pub(crate) fn batch_files(plan: &str, id: &str) -> Vec<String> {
    let block = batch_block(plan, id);
    let list = block.split("files = [\n").nth(1).expect("files");
    list.lines()
        .take_while(|l| *l != "]")
        .map(|l| l.trim().trim_end_matches(',').trim_matches('"').to_string())
        .collect()
}

/// Paths `git status` reports as changed or new, sorted.
pub(crate) fn changed_files(repo: &GitRepo) -> Vec<String> {
    let out = repo.git(&["status", "--porcelain=v1", "-z", "--untracked-files=all"]);
    let mut files: Vec<String> = out
        .split('\0')
        .filter(|e| e.len() > 3)
        .map(|e| e[3..].to_string())
        .collect();
    files.sort();
    files
}

/// The scratch copies (regular files, links not followed) under the repository's
/// `target/xtask/format-scratch`, where formatters work on copies.
pub(crate) fn scratch_copies(repo: &GitRepo) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let kind = e.file_type().unwrap();
            if kind.is_dir() {
                walk(&e.path(), out);
            } else if kind.is_file() {
                out.push(e.path());
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo.path("target/xtask/format-scratch"), &mut out);
    out.sort();
    out
}

/// Files of the work tree (`.git` and `target` aside) whose name starts with `prefix`.
pub(crate) fn tree_files_named(repo: &GitRepo, prefix: &str) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, prefix: &str, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let name = e.file_name();
            if name == ".git" || name == "target" {
                continue;
            }
            if name.to_string_lossy().starts_with(prefix) {
                out.push(e.path());
            }
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), prefix, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(repo.root(), prefix, &mut out);
    out
}
