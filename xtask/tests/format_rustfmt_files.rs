//! `format check` in a Cargo workspace reports exactly the files `cargo fmt --all --check`
//! would change (it runs rustfmt over cargo fmt's targets itself, on every core): a
//! `#[rustfmt::skip] mod`, `ignore` in rustfmt.toml (nightly-only: stable formats the file), a `#[path]` module outside the crate, a
//! build script, an example, an integration test, a bench, a stray file no module names, and
//! crates of different editions (a 2015 crate that uses `async` as a name parses only as 2015).

use crate::format_support;

use std::collections::BTreeSet;
use std::process::Command;

use format_support::*;

/// Every Rust file below is unformatted, so each file rustfmt visits is listed.
fn workspace() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    repo.write(".gitignore", "/target\n");
    repo.write("rustfmt.toml", "ignore = [\"crates/old/src/ignored.rs\"]\n");
    repo.write(
        "crates/old/Cargo.toml",
        "[package]\nname = \"old\"\nversion = \"0.1.0\"\nedition = \"2015\"\n",
    );
    repo.write(
        "crates/old/src/lib.rs",
        "mod kw;\nmod ignored;\n#[rustfmt::skip]\nmod skipped;\n\
         #[path = \"../../../generated/out.rs\"]\nmod out;\npub fn lib( )->u32{1}\n",
    );
    repo.write("crates/old/src/kw.rs", "pub fn async( )->u32{ 2 }\n");
    repo.write("crates/old/src/ignored.rs", "pub fn i( )->u32{3}\n");
    repo.write("crates/old/src/skipped.rs", "pub const   S : u32=4;\n");
    repo.write("generated/out.rs", "pub const   O : u32=5;\n");
    repo.write("crates/old/src/stray.rs", "pub fn stray( ){}\n");
    repo.write("crates/old/build.rs", "fn main( ){}\n");
    repo.write("crates/old/examples/demo.rs", "fn main( ){}\n");
    repo.write("crates/old/tests/it.rs", "#[test]\nfn t( ){}\n");
    repo.write("crates/old/benches/speed.rs", "fn main( ){}\n");
    repo.write(
        "crates/new/Cargo.toml",
        "[package]\nname = \"new\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[bin]]\nname = \"tool\"\npath = \"src/main.rs\"\n",
    );
    repo.write(
        "crates/new/src/lib.rs",
        "pub mod inner {\n    pub mod deep;\n}\npub async fn n( ){}\n",
    );
    repo.write("crates/new/src/inner/deep.rs", "pub fn d( ){}\n");
    repo.write("crates/new/src/main.rs", "fn main( ){}\n");
    repo.commit("initial");
    repo
}

/// The pending paths of `format check --json`.
fn ours(repo: &GitRepo) -> BTreeSet<String> {
    let run = xtask(repo, &["format", "check", "--json"]);
    assert_eq!(run.code, 1, "{run}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let rustfmt = &json["formatters"][0];
    assert_eq!(rustfmt["name"], "rustfmt", "{run}");
    assert_eq!(
        rustfmt["broken"],
        serde_json::json!([]),
        "a file rustfmt could not parse (wrong edition?): {run}"
    );
    rustfmt["pending"]
        .as_array()
        .expect("pending")
        .iter()
        .map(|p| p["path"].as_str().expect("path").to_string())
        .collect()
}

/// The files `cargo fmt --all --check -- -l` lists, relative to the root.
fn cargo_fmt(repo: &GitRepo) -> BTreeSet<String> {
    let out = Command::new("cargo")
        .args(["fmt", "--all", "--check", "--", "-l"])
        .current_dir(repo.root())
        .output()
        .expect("cargo fmt (rustup component add rustfmt)");
    assert_eq!(
        out.status.code(),
        Some(1),
        "cargo fmt: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = repo.root().canonicalize().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            // rustfmt prints a `#[path]` module as `DIR/../FILE`: resolve the `..`.
            let mut p = std::path::PathBuf::new();
            for c in std::path::Path::new(l.trim()).components() {
                match c {
                    std::path::Component::ParentDir => {
                        p.pop();
                    }
                    c => p.push(c),
                }
            }
            p.strip_prefix(&root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn the_files_are_exactly_cargo_fmts() {
    let repo = workspace();
    let expected: BTreeSet<String> = [
        "crates/new/src/inner/deep.rs",
        "crates/new/src/lib.rs",
        "crates/new/src/main.rs",
        "crates/old/benches/speed.rs",
        "crates/old/build.rs",
        "crates/old/examples/demo.rs",
        // `ignore` is a nightly-only option: stable rustfmt (and so cargo fmt) warns and
        // formats the file anyway.
        "crates/old/src/ignored.rs",
        "crates/old/src/kw.rs",
        "crates/old/src/lib.rs",
        "crates/old/tests/it.rs",
        "generated/out.rs",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(cargo_fmt(&repo), expected, "cargo fmt's own list changed");
    assert_eq!(ours(&repo), expected);
    // Nothing was written.
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_broken_manifest_falls_back_to_cargo_fmt_and_says_why() {
    let repo = workspace();
    repo.write("crates/new/Cargo.toml", "[package\n");
    repo.commit("broken manifest");
    let run = xtask(&repo, &["format", "check"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("cargo fmt"), "{run}");
}
