//! Not read yet (a warning says so). To come: `pnpm-lock.yaml` of `lockfileVersion` 6 and
//! 9: every importer (the project and its workspace packages) with its dependency tables, packages keyed `/name@version(peers)` (v6)
//! or `name@version` with their dependencies under `snapshots` (v9).

use std::path::Path;

use super::NpmGraph;
use crate::SbomError;

pub(super) fn read(path: &Path, _text: &str) -> Result<NpmGraph, SbomError> {
    Err(super::lockfile_error(
        path,
        None,
        "pnpm-lock.yaml: not read yet".into(),
    ))
}
