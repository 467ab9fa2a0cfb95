//! `cargo xtask qa`: not built yet.

use std::path::Path;

use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_root: Option<&Path>, _args: Args) -> anyhow::Result<Exit> {
    anyhow::bail!("`qa` is not built yet")
}
