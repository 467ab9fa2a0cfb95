//! What the command line says about itself: shell completions (`completions SHELL`), man
//! pages (`man --out DIR`) and the Markdown CLI reference `docs/reference/cli.md`
//! (`cli-reference [--check]`), all generated from the clap definitions so they cannot drift.
//! The reference is written (or checked) in the workspace this binary was built from only.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Command;

use crate::exit::Exit;
use crate::generated::{self, Generated, Mode};

/// The CLI reference: where it lives in the workspace, and what regenerates it.
pub(crate) const CLI_REFERENCE: Generated<'static> = Generated {
    path: "docs/reference/cli.md",
    command: "cargo xtask cli-reference",
};

/// Arguments of `cargo xtask completions`.
#[derive(Debug, clap::Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Arguments of `cargo xtask man`.
#[derive(Debug, clap::Args)]
pub(crate) struct ManArgs {
    /// Directory to write the pages into (one per command: xtask.1, xtask-qa.1, ...).
    #[arg(long, value_name = "DIR", default_value = "target/man")]
    out: PathBuf,
}

/// Arguments of `cargo xtask cli-reference`.
#[derive(Debug, clap::Args)]
pub(crate) struct CliReferenceArgs {
    /// Do not write; exit 1 with a diff when the committed reference differs from the clap
    /// definitions.
    #[arg(long)]
    check: bool,
}

/// Prints completions for the installed binary's name, `xtask`.
pub(crate) fn completions(mut cli: Command, args: &CompletionsArgs) -> anyhow::Result<Exit> {
    // clap_complete panics on a write error: generate into memory, then print.
    let mut text = Vec::new();
    clap_complete::generate(args.shell, &mut cli, "xtask", &mut text);
    crate::out::print(text)?;
    Ok(Exit::Success)
}

/// Writes one man page per command into `--out` (relative to the current directory).
pub(crate) fn man(cli: Command, args: &ManArgs) -> anyhow::Result<Exit> {
    let mut cli = cli.name("xtask").bin_name("xtask");
    cli.build();
    let mut written = Vec::new();
    write_man_pages(&cli, "xtask", &args.out, &mut written)?;
    for path in written {
        crate::out::print(format!("{}\n", path.display()))?;
    }
    Ok(Exit::Success)
}

/// Writes (or with `--check`, compares) `docs/reference/cli.md`; `repo` must be the workspace
/// this binary was built from.
pub(crate) fn cli_reference(
    cli: Command,
    repo: &repo::Repo,
    args: &CliReferenceArgs,
) -> anyhow::Result<Exit> {
    generated::this_workspace(repo, CLI_REFERENCE)?;
    generated::ensure(
        repo.root(),
        CLI_REFERENCE,
        &markdown(cli),
        Mode::from_check(args.check),
    )
}

/// The Markdown reference: every command's full `--help`, in command-tree order.
pub(crate) fn markdown(cli: Command) -> String {
    let mut cli = cli.term_width(100).max_term_width(100);
    cli.build();
    let mut out = String::from(
        "# Command-line reference\n\n\
         Generated from the clap definitions by `cargo xtask cli-reference`; do not edit by hand.\n\
         `cargo test` fails when this file is stale.\n",
    );
    push_command(&mut out, &mut cli);
    out
}

fn push_command(out: &mut String, cmd: &mut Command) {
    if cmd.is_hide_set() {
        return;
    }
    let name = cmd.get_bin_name().unwrap_or(cmd.get_name()).to_string();
    let help = cmd.render_long_help().to_string();
    let help: Vec<&str> = help.lines().map(str::trim_end).collect();
    out.push_str(&format!(
        "\n## `{name}`\n\n```text\n{}\n```\n",
        help.join("\n").trim_end()
    ));
    for sub in cmd.get_subcommands_mut() {
        if sub.get_name() != "help" {
            push_command(out, sub);
        }
    }
}

fn write_man_pages(
    cmd: &Command,
    name: &str,
    dir: &Path,
    written: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    if cmd.is_hide_set() {
        return Ok(());
    }
    let page = cmd.clone().name(name.to_string());
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut buf)
        .context("render man page")?;
    let path = dir.join(format!("{name}.1"));
    repo::fs::write_atomic(&path, &buf)?;
    written.push(path);
    for sub in cmd.get_subcommands() {
        if sub.get_name() != "help" {
            write_man_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
        }
    }
    Ok(())
}
