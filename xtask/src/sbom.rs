//! `cargo xtask sbom`: not built yet.

use std::path::Path;

use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_root: Option<&Path>, _args: Args) -> anyhow::Result<Exit> {
    anyhow::bail!("`sbom` is not built yet")
}
