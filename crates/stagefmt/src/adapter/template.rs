//! The adapter for any formatter given as an argv template in xtask.toml (`fix`, optional
//! `check`): checked and fixed on scratch copies.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use repo::process::{Cmd, End};

use super::chunks::chunks;
use super::copies::{format_scratch, read_formatted};
use super::run::{check_interrupted, run, run_fix};
use super::{Adapter, CheckOutput, Files, Formatted, RunFailure};
use crate::config::FormatterConfig;
use crate::scratch::Mirror;
use crate::{FormatError, diff};

/// Any formatter with a `fix` argv template (prettier, black, clang-format, ...). Checking
/// formats scratch copies and compares, which works for every tool; a `check` template, when
/// given, first rules out the chunks that are already formatted.
pub(super) struct Template {
    config: FormatterConfig,
}

impl Template {
    pub(super) fn new(config: &FormatterConfig) -> Self {
        Template {
            config: config.clone(),
        }
    }
}

impl Adapter for Template {
    fn config(&self) -> &FormatterConfig {
        &self.config
    }

    fn version(&self, _root: &Path) -> Option<String> {
        None
    }

    fn check(&self, root: &Path, files: &Files<'_>) -> Result<CheckOutput, FormatError> {
        let files = files()?;
        let formatted: Vec<Formatted> = match &self.config.check {
            None => format_scratch(self, root, files)?,
            Some(template) => {
                let formatted: Vec<Vec<Formatted>> = chunks(files)
                    .par_iter()
                    .map(|chunk| {
                        // On scratch copies: a check that writes never touches the tree, and
                        // is refused. A chunk it finds unformatted is formatted in the same
                        // copies.
                        let copies = chunk
                            .iter()
                            .map(|f| Ok((f.clone(), repo::fs::read(&root.join(f))?)))
                            .collect::<Result<Vec<_>, FormatError>>()?;
                        let mirror = Mirror::new(root, &copies)?;
                        let cmd = template_cmd(template, chunk.iter()).cwd(mirror.dir());
                        let done = run(&cmd, &self.config, "the formatter")?;
                        check_interrupted(&cmd, done.end)?;
                        for (f, original) in &copies {
                            if mirror.read(f)? != *original {
                                return Err(check_wrote(&self.config.name, template, f));
                            }
                        }
                        if done.end == End::Exited(0) {
                            return Ok(Vec::new());
                        }
                        self.fix(root, mirror.dir(), chunk)
                            .map_err(FormatError::Run)?;
                        read_formatted(&mirror, copies)
                    })
                    .collect::<Result<_, FormatError>>()?;
                formatted.into_iter().flatten().collect()
            }
        };
        let mut out = CheckOutput::default();
        for f in formatted {
            if f.formatted != f.original {
                out.pending
                    .insert(f.path, diff::count(&f.original, &f.formatted));
            }
        }
        Ok(out)
    }

    fn fix(&self, _root: &Path, dir: &Path, files: &[PathBuf]) -> Result<(), RunFailure> {
        let template = self
            .config
            .fix
            .as_ref()
            .expect("validated: command has `fix`");
        chunks(files).par_iter().try_for_each(|chunk| {
            let cmd = template_cmd(template, chunk.iter()).cwd(dir);
            run_fix(&cmd, &self.config)
        })
    }
}

/// The error for a `check` command that changed a (scratch) file it was given.
fn check_wrote(name: &str, template: &[String], file: &Path) -> FormatError {
    FormatError::Other(format!(
        "formatter `{name}`: its `check` command (`{}`) changed {} when it should only read \
         it; it ran on a scratch copy, so the file in your tree is untouched. Give the tool its \
         check-only option in `check` (such as `--check`) or remove `check` from its \
         [[format.formatter]] in xtask.toml",
        template.join(" "),
        crate::paths::show(file)
    ))
}

/// `template` with its `{files}` argument replaced by the files, each as `./PATH` so that a
/// name starting with `-` is never an option.
fn template_cmd<'a>(template: &[String], files: impl Iterator<Item = &'a PathBuf> + Clone) -> Cmd {
    let mut cmd = Cmd::new(&template[0]);
    for arg in &template[1..] {
        if arg == "{files}" {
            cmd = cmd.args(
                files
                    .clone()
                    .map(|f| Path::new(".").join(f).into_os_string()),
            );
        } else {
            cmd = cmd.arg(arg);
        }
    }
    cmd
}
