//! Not read yet (a warning says so). To come: `yarn.lock`: Yarn 1's own format
//! (`# yarn lockfile v1`) and Yarn 2+ (berry), YAML with `__metadata`. Neither says which packages only development uses: that comes from the
//! project's `package.json` `devDependencies`.

use std::path::Path;

use super::NpmGraph;
use crate::SbomError;

pub(super) fn read(path: &Path, _text: &str) -> Result<NpmGraph, SbomError> {
    Err(super::lockfile_error(
        path,
        None,
        "yarn.lock: not read yet".into(),
    ))
}
