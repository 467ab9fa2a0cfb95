//! `.pre-commit-hooks.yaml` run by the real pre-commit and prek (pinned in
//! tools/python/hooks.txt): a repository that names this one's hooks (a copy of the file,
//! committed in a hook repository of its own) runs `format enforce`, `format check` and `qa`
//! through the `xtask` of the installed wheel, with no cargo or rustc on the `PATH`; and the
//! guide's `repo: local` recipe installs the wheel into the hook's own venv (`language: python`).

use std::path::Path;
use std::process::Output;

use crate::wheel_support;

use testkit::{GitRepo, Venv};
use wheel_support::{installed, without_rust};

/// The two hook managers: their command and the variable that moves their cache.
const MANAGERS: [(&str, &str); 2] = [("pre-commit", "PRE_COMMIT_HOME"), ("prek", "PREK_HOME")];

/// A Python repository formatted by ruff, with one lint gate.
fn python_repo(pre_commit_config: &str) -> GitRepo {
    let repo = GitRepo::new();
    repo.write("apps/core.py", "def answer() -> int:\n    return 42\n");
    repo.write(".gitignore", "/target\n/dist\n");
    repo.write(
        "xtask.toml",
        "[gates.lint]\nrun = [\"ruff\", \"check\", \"apps\"]\n\n\
         [[format.formatter]]\nname = \"ruff\"\ninclude = [\"**/*.py\"]\n",
    );
    repo.write(".pre-commit-config.yaml", pre_commit_config);
    repo.commit("init");
    repo
}

/// Runs `MANAGER run --all-files` in `repo`, its cache in `home`, with `bin` first on a PATH
/// that holds no Rust.
fn run_hooks(manager: &str, home_var: &str, home: &Path, repo: &GitRepo, bin: &Path) -> Output {
    without_rust(&Venv::get("hooks").bin(manager), &[bin])
        .args(["run", "--all-files"])
        .env_remove("PRE_COMMIT_HOME")
        .env_remove("PREK_HOME")
        .env(home_var, home)
        .current_dir(repo.root())
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A folder holding links to ruff and, when given, the installed `xtask`.
fn bin_dir(xtask: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(Venv::test().bin("ruff"), dir.path().join("ruff")).unwrap();
    if let Some(xtask) = xtask {
        std::os::unix::fs::symlink(xtask, dir.path().join("xtask")).unwrap();
    }
    dir
}

#[test]
fn pre_commit_and_prek_run_the_hooks_of_this_repository() {
    let wheel = installed();
    // The hook repository: this repository's hook file, committed where the managers clone it.
    let hooks = GitRepo::new();
    let file = std::fs::read_to_string(testkit::workspace_root().join(".pre-commit-hooks.yaml"))
        .expect("read .pre-commit-hooks.yaml");
    hooks.write(".pre-commit-hooks.yaml", file);
    hooks.commit("hooks");
    let rev = hooks.git(&["rev-parse", "HEAD"]).trim().to_string();
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: xtask-format\n      \
         - id: xtask-format-check\n      - id: xtask-qa\n        args: [lint]\n",
        hooks.root().display()
    );
    let bin = bin_dir(Some(&wheel.xtask()));

    for (manager, home_var) in MANAGERS {
        let repo = python_repo(&config);
        let home = tempfile::tempdir().unwrap();
        let pass = run_hooks(manager, home_var, home.path(), &repo, bin.path());
        let out = text(&pass);
        assert_eq!(pass.status.code(), Some(0), "{manager}:\n{out}");
        for name in ["xtask format enforce", "xtask format check", "xtask qa"] {
            assert!(out.contains(name), "{manager} did not run `{name}`:\n{out}");
        }
        assert!(
            repo.path("target/xtask/qa/lint.log").exists(),
            "{manager}: qa did not run the lint gate:\n{out}"
        );

        repo.write("apps/core.py", "def answer( )->int:\n    return 42\n");
        repo.commit("unformatted");
        let fail = run_hooks(manager, home_var, home.path(), &repo, bin.path());
        let out = text(&fail);
        assert_eq!(fail.status.code(), Some(1), "{manager}:\n{out}");
        assert!(out.contains("apps/core.py"), "{manager}:\n{out}");
        assert_eq!(
            repo.read("apps/core.py"),
            "def answer( )->int:\n    return 42\n",
            "{manager}: a check hook rewrote the file"
        );
    }
}

#[test]
fn the_local_python_recipe_installs_the_wheel_into_the_hooks_venv() {
    let wheel = installed();
    let config = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: xtask-format\n        \
         name: xtask format enforce\n        entry: xtask format enforce\n        \
         language: python\n        additional_dependencies: [\"{}\"]\n        \
         pass_filenames: false\n",
        wheel.wheel.display()
    );
    // No `xtask` on the PATH: the hook's venv has it. uv on it for prek, which installs
    // Python hooks with uv.
    let bin = bin_dir(None);
    std::os::unix::fs::symlink(Venv::test().bin("uv"), bin.path().join("uv")).unwrap();
    for (manager, home_var) in MANAGERS {
        let repo = python_repo(&config);
        let home = tempfile::tempdir().unwrap();
        let pass = run_hooks(manager, home_var, home.path(), &repo, bin.path());
        let out = text(&pass);
        assert_eq!(pass.status.code(), Some(0), "{manager}:\n{out}");
        assert!(out.contains("xtask format enforce"), "{manager}:\n{out}");

        repo.write("apps/core.py", "def answer( )->int:\n    return 42\n");
        repo.commit("unformatted");
        let fail = run_hooks(manager, home_var, home.path(), &repo, bin.path());
        let out = text(&fail);
        assert_eq!(fail.status.code(), Some(1), "{manager}:\n{out}");
        assert!(out.contains("apps/core.py"), "{manager}:\n{out}");
    }
}

#[test]
fn the_benchmark_pins_the_hook_managers_the_tests_run() {
    let root = testkit::workspace_root();
    let pins = std::fs::read_to_string(root.join("tools/python/hooks.txt")).unwrap();
    let bench = std::fs::read_to_string(root.join("benches/qa.sh")).unwrap();
    for (package, variable) in [
        ("pre-commit", "PRE_COMMIT_VERSION"),
        ("prek", "PREK_VERSION"),
    ] {
        let version = pins
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{package}==")))
            .unwrap_or_else(|| panic!("tools/python/hooks.txt pins no {package}"));
        assert!(
            bench.contains(&format!("{variable}={version}\n")),
            "benches/qa.sh should set {variable}={version}, as tools/python/hooks.txt pins"
        );
    }
}
