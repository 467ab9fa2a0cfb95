//! Shared helpers of the branch tests (`format_merge_driver`, `format_rebase`): a Python
//! repository whose main applies a ruff batch while feature branches edit inside its files,
//! git run with the pinned ruff on PATH (git runs the merge driver), and the formatters run
//! directly for the expected results.

#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

pub(crate) use testkit::GitRepo;

/// The file every branch edits; in the batch main applies.
pub(crate) const CALC: &str = "pkg/calc.py";

pub(crate) const CALC_BEFORE: &str = "def add( a,b ):\n    return a+b\n\n\ndef unused( ):\n    pass\n\n\ndef scale( x ):\n    y=x*2\n    z=y+1\n    return z\n\n\ndef name( s ):\n    return s.upper( )\n";

/// One replacement in a file: (file, from, to).
pub(crate) type Edit = (&'static str, &'static str, &'static str);

/// Feature branches: name, and each commit as replacements.
pub(crate) const BRANCHES: &[(&str, &[&[Edit]])] = &[
    // Two commits inside one function body.
    (
        "body",
        &[&[(CALC, "y=x*2", "y=x*3")], &[(CALC, "z=y+1", "z=y+2")]],
    ),
    // A signature.
    (
        "signature",
        &[&[(
            CALC,
            "def add( a,b ):\n    return a+b",
            "def add( a,b,c=0 ):\n    return a+b+c",
        )]],
    ),
    // An added function, and an edit of a file of the batch main leaves pending.
    (
        "added",
        &[
            &[(
                CALC,
                "    return s.upper( )\n",
                "    return s.upper( )\n\n\ndef extra( q ):\n    return q*2\n",
            )],
            &[("other/late.py", "{'a':1}", "{'a':2}")],
        ],
    ),
    // Deleted lines.
    (
        "deleted",
        &[&[(CALC, "def unused( ):\n    pass\n\n\n", "")]],
    ),
];

/// The branch with a true conflict: it changes the line `main-real` changes too.
pub(crate) const CONFLICT_EDIT: Edit = (CALC, "s.upper( )", "s.title( )");

/// A Python repository: `pkg` (two files) and `other` planned as two batches; main then
/// applies the `pkg` batch with `--commit`; feature branches from before the batch; and
/// `main-real`, main with a real change of `name` on top. Returns the repository (on main)
/// and the id of the applied batch.
pub(crate) fn python_branches() -> (GitRepo, String) {
    python_branches_with(false)
}

/// [`python_branches`]; with `both`, main then applies the `other` batch too (a second
/// commit), so branches cross two batches.
pub(crate) fn python_branches_with(both: bool) -> (GitRepo, String) {
    let repo = GitRepo::new();
    repo.write("pyproject.toml", "[tool.ruff]\n");
    repo.write(".gitignore", "/target\n");
    repo.write(CALC, CALC_BEFORE);
    repo.write("pkg/util.py", "VALUES=[1,2,3]\n");
    repo.write("other/late.py", "def late( ):\n    return {'a':1}\n");
    repo.commit("initial");
    let r = xtask(&repo, &["format", "plan", "--max-files", "2"]);
    assert_eq!(r.0, 0, "{}", r.1);
    repo.commit("plan");
    let plan = repo.read(".xtask/format-plan.toml");
    let batch = plan
        .split("\n[[batch]]\n")
        .find(|b| b.contains("\"pkg/calc.py\""))
        .and_then(|b| b.lines().find_map(|l| l.strip_prefix("id = \"")))
        .map(|s| s.trim_end_matches('"').to_string())
        .unwrap_or_else(|| panic!("no batch holds pkg/calc.py:\n{plan}"));
    assert!(
        !plan.contains("\"pkg/calc.py\",\n  \"other/late.py\""),
        "{plan}"
    );
    for (name, commits) in BRANCHES {
        repo.git(&["checkout", "--quiet", "-b", name, "main"]);
        for (i, edits) in commits.iter().enumerate() {
            edit(&repo, edits);
            repo.commit(&format!("{name} {i}"));
        }
    }
    repo.git(&["checkout", "--quiet", "-b", "conflict", "main"]);
    edit(&repo, &[CONFLICT_EDIT]);
    repo.commit("conflict");
    repo.git(&["checkout", "--quiet", "main"]);
    let r = xtask(&repo, &["format", "--batch", &batch, "--commit"]);
    assert_eq!(r.0, 0, "{}", r.1);
    if both {
        let r = xtask(&repo, &["format", "--next", "1", "--commit"]);
        assert_eq!(r.0, 0, "{}", r.1);
        assert_eq!(
            repo.read("other/late.py"),
            "def late():\n    return {\"a\": 1}\n"
        );
    }
    repo.git(&["checkout", "--quiet", "-b", "main-real", "main"]);
    edit(&repo, &[(CALC, "s.upper()", "s.lower()")]);
    repo.commit("main-real");
    repo.git(&["checkout", "--quiet", "main"]);
    (repo, batch)
}

/// Applies replacements, each of which must match.
pub(crate) fn edit(repo: &GitRepo, edits: &[(&str, &str, &str)]) {
    for (file, from, to) in edits {
        let text = repo.read(file);
        assert!(text.contains(from), "{file} lacks {from:?}:\n{text}");
        repo.write(file, text.replacen(from, to, 1));
    }
}

/// `xtask ARGS --root REPO` with the pinned ruff on PATH: (exit code, stdout and stderr).
pub(crate) fn xtask(repo: &GitRepo, args: &[&str]) -> (i32, String) {
    run(Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .arg("--root")
        .arg(repo.root()))
}

/// `xtask ARGS --root DIR` for a repository root below the top of the work tree.
pub(crate) fn xtask_at(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    run(Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .arg("--root")
        .arg(dir))
}

/// git in the repository with the pinned ruff on PATH (git runs the driver, which runs
/// ruff): (exit code, stdout and stderr). Never panics: a conflict is a result.
pub(crate) fn git(repo: &GitRepo, args: &[&str]) -> (i32, String) {
    run(Command::new("git").args(args).current_dir(repo.root()))
}

fn run(cmd: &mut Command) -> (i32, String) {
    let out = cmd
        .env("PATH", testkit::Venv::test().path_env())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("SOURCE_DATE_EPOCH", "1795521600")
        .env("GIT_EDITOR", "true")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `git show REV:PATH`.
pub(crate) fn show(repo: &GitRepo, rev: &str, path: &str) -> String {
    repo.git(&["show", &format!("{rev}:{path}")])
}

/// The pinned ruff's formatting of `text` as the file `name`.
pub(crate) fn ruff_format(repo: &GitRepo, name: &str, text: &str) -> String {
    pipe(
        Command::new(testkit::Venv::test().bin("ruff"))
            .args(["format", "--stdin-filename", name, "-"])
            .current_dir(repo.root()),
        text,
    )
}

/// rustfmt's formatting of `text` (edition 2021).
pub(crate) fn rustfmt(text: &str) -> String {
    pipe(Command::new("rustfmt").args(["--edition", "2021"]), text)
}

fn pipe(cmd: &mut Command, text: &str) -> String {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the formatter");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("formatter output");
    assert!(
        out.status.success(),
        "formatter failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}
