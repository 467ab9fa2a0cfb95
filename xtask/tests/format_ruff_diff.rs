//! ruff batches are applied from `ruff format --diff` (ruff only reads the real files; the
//! diffs are applied in memory): byte-identical to `ruff format` in place over 150+ varied
//! files (CRLF, no final newline, diff-like lines in strings, empty and blank files, odd
//! names that go through scratch copies), and a file that stops parsing fails its batch alone.

use crate::format_support;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use format_support::*;

/// Python bodies that ruff changes in different ways (or not at all).
const BODIES: &[&str] = &[
    "x=1\ny = [1,2,\n 3]\n",
    "def f(a,b):\n  return a+b\n",
    "X = 1\n",
    "",
    "\n\n\n",
    "import os\nimport sys\n\n\n\n\ndef main( ):\n    print( os.sep,sys.argv )\n",
    "s = '''\n--- a.py\n+++ a.py\n@@ -1 +1 @@\n-x\n+y\n\\\\ No newline\n'''\nt=s\n",
    "class   A :\n\tdef m(self) :\n\t\treturn {'k':1,'j':[1,2,3]}\n",
    "# comment only\n",
    "value = call(argument_number_one, argument_number_two, argument_number_three, argument_number_four)\n",
    "async def g():\n    await   h()\n\n\n\n\n# trailing\n\n\n",
    "greeting = \"h\u{e9}llo w\u{f6}rld \u{1f600}\"\nn=  2\n",
    "@decorator( 1 )\ndef d():\n    '''Docstring.   '''\n    pass\n\n\n\n",
    "if True :\n    pass\nelif False:\n  pass\nelse :\n        x = (\n1)\n",
    "x = 1   \ny = 2\t\n",
];

/// Writes `tree` (relative path bytes, contents) under `dir`.
fn write_tree(dir: &Path, tree: &[(PathBuf, Vec<u8>)]) {
    for (rel, contents) in tree {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

/// 165 files: every body with LF, with CRLF, without its final newline, in several packages;
/// plus a mixed-ending file, a lone-CR file, a non-UTF-8 name and a name with a space.
fn varied_tree() -> Vec<(PathBuf, Vec<u8>)> {
    let mut tree = Vec::new();
    let mut n = 0;
    for (i, body) in BODIES.iter().enumerate() {
        for variant in 0..11 {
            let mut text = body.to_string();
            if variant % 3 == 1 {
                text = text.replace('\n', "\r\n");
            }
            if variant % 4 == 2 {
                text = text.trim_end_matches(['\n', '\r']).to_string();
            }
            let dir = ["app", "app/core", "lib", "tools/deep/er"][variant % 4];
            tree.push((
                PathBuf::from(format!("{dir}/m{i}_{variant}_{n}.py")),
                text.into_bytes(),
            ));
            n += 1;
        }
    }
    tree.push((
        PathBuf::from("app/mixed.py"),
        b"a=1\r\nb=2\nc=3\r\n".to_vec(),
    ));
    tree.push((PathBuf::from("app/lone_cr.py"), b"a=1\rb=2\n".to_vec()));
    tree.push((
        PathBuf::from(OsString::from_vec(b"lib/caf\xe9.py".to_vec())),
        b"x=[1,2]\n".to_vec(),
    ));
    tree.push((PathBuf::from("lib/with space.py"), b"y=(1,)\n".to_vec()));
    tree
}

#[test]
fn applying_from_ruffs_diff_is_byte_identical_to_ruff_in_place() {
    let tree = varied_tree();
    assert!(tree.len() >= 150);
    let pyproject = "[project]\nname = \"demo\"\nversion = \"0\"\n";

    // The reference: the pinned ruff formatting a copy of the tree in place.
    let reference = tempfile::tempdir().unwrap();
    write_tree(reference.path(), &tree);
    std::fs::write(reference.path().join("pyproject.toml"), pyproject).unwrap();
    let ruff = std::process::Command::new(testkit::Venv::test().bin("ruff"))
        .args(["format", "--no-cache", "--"])
        .args(tree.iter().map(|(p, _)| p))
        .current_dir(reference.path())
        .output()
        .unwrap();
    assert!(
        ruff.status.success(),
        "{}",
        String::from_utf8_lossy(&ruff.stderr)
    );

    let repo = GitRepo::new();
    write_tree(repo.root(), &tree);
    repo.write("pyproject.toml", pyproject);
    repo.write(
        "xtask.toml",
        "[format]\nmax_files = 20\n\n[[format.formatter]]\nname = \"ruff\"\n",
    );
    repo.commit("varied files");
    let r = xtask(&repo, &["format", "plan"]);
    assert_eq!(r.code, 0, "{r}");
    let batches = batch_ids(&repo.read(".xtask/format-plan.toml")).len();
    assert!(batches >= 8, "{batches} batches");
    repo.commit("plan");
    let r = xtask(&repo, &["format", "--next", "1000"]);
    assert_eq!(r.code, 0, "{r}");

    let mut differ = Vec::new();
    for (rel, _) in &tree {
        let want = std::fs::read(reference.path().join(rel)).unwrap();
        let got = std::fs::read(repo.root().join(rel)).unwrap();
        if want != got {
            differ.push(format!(
                "{}:\n  ruff: {:?}\n  ours: {:?}",
                rel.display(),
                String::from_utf8_lossy(&want),
                String::from_utf8_lossy(&got)
            ));
        }
    }
    assert!(differ.is_empty(), "{}\n{r}", differ.join("\n"));
    // Nothing but the formatted files and the plan changed; no scratch copy is left.
    let changed = changed_files(&repo);
    assert!(
        changed
            .iter()
            .all(|c| c.ends_with(".py") || c == ".xtask/format-plan.toml")
    );
    assert!(changed.len() > 100, "{}", changed.len());
    let mut dirs = vec![repo.root().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                !name.starts_with(".xtask-fmt-"),
                "scratch copy left: {name}"
            );
            if entry.file_type().unwrap().is_dir() && name != ".git" {
                dirs.push(entry.path());
            }
        }
    }
}

#[test]
fn a_file_that_stops_parsing_fails_its_batch_alone_and_is_not_touched() {
    let repo = python_repo(28);
    repo.write(
        "xtask.toml",
        "[format]\nmax_files = 4\n\n[[format.formatter]]\nname = \"ruff\"\n",
    );
    repo.commit("config");
    assert_eq!(xtask(&repo, &["format", "plan"]).code, 0);
    repo.commit("plan");
    let plan = repo.read(".xtask/format-plan.toml");
    let ids = batch_ids(&plan);
    assert!(ids.len() >= 3, "{plan}");
    let victim = batch_files(&plan, &ids[1])[0].clone();
    repo.write(&victim, "def broken(:\n");
    repo.commit("break one file");
    let others: Vec<(String, String)> = batch_files(&plan, &ids[1])
        .into_iter()
        .map(|f| (f.clone(), repo.read(&f)))
        .collect();

    let r = xtask(&repo, &["format", "--next", "1000"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains(&format!("FAILED  {}:", ids[1])), "{r}");
    assert!(r.stdout.contains("exited with code 2"), "{r}");
    assert!(r.stdout.contains("Failed to parse"), "{r}");
    // The failed batch is untouched and pending; every other batch is done.
    for (f, before) in others {
        assert_eq!(repo.read(&f), before, "{f} changed");
    }
    let plan = repo.read(".xtask/format-plan.toml");
    for id in &ids {
        let want = if *id == ids[1] { "pending" } else { "done" };
        assert!(
            batch_block(&plan, id).contains(&format!("status = \"{want}\"")),
            "{id}: {plan}"
        );
    }
}
