//! Test support shared by every crate's tests: the pinned Python tools (ruff, uv, mypy, the
//! official CycloneDX and SPDX validators) installed into a venv under `target/test-tools/`,
//! pinned npm packages (pnpm, yarn, the SARIF Multitool) installed beside them, pinned cargo
//! subcommands (cargo-nextest) built by `cargo install`, temporary git repositories to run
//! tasks on, and private nginx (WebDAV) and redis servers ([`servers`]) from Debian packages that
//! apt-get installs when missing.
//!
//! A tool that cannot be installed fails the test that asked for it, loudly, with pip's output:
//! tests never skip because a tool is missing.

#![allow(clippy::print_stderr)]

mod cargo_tool;
mod git;
pub mod json_schema;
mod node;
pub mod peak_memory;
mod python;
mod sarif;
pub mod servers;

pub use cargo_tool::CargoTool;
pub use git::GitRepo;
pub use node::NodeTool;
pub use python::Venv;
pub use sarif::{SARIF_MULTITOOL_VERSION, sarif_multitool};

use std::path::{Path, PathBuf};

/// The root of this workspace.
pub fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Where test tools live: `<target>/test-tools`.
pub fn tools_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    };
    target.join("test-tools")
}
