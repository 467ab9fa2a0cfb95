//! The end-to-end tests of the built binary, as one test binary (`cargo test -p xtask --test
//! suite`, or `... --test suite qa_cache::` for one file's tests): every file of this folder is
//! a module of it, so cargo links one binary instead of one per file and the tests of every
//! file run side by side, not one file after another. The tests that build the binary again
//! are in `rebuilds.rs`, a second binary (see there why). The `tidy` test checks that no file
//! of this folder is left out.

mod actions_support;
mod format_branches_support;
mod format_support;
mod qa_support;
mod sbom_support;

mod ci_docs;
mod cli_reference;
mod completions_gates;
mod config_schema;
mod detached_child;
mod format_check_lines;
mod format_faults;
mod format_merge_driver;
mod format_plan_avoid;
mod format_races;
mod format_real_rollout;
mod format_rebase;
mod format_rollout;
mod format_ruff_diff;
mod format_rustfmt_files;
mod format_safety;
mod qa_ansi;
mod qa_args;
mod qa_baseline;
mod qa_baseline_tools;
mod qa_builtins;
mod qa_cache;
mod qa_config;
mod qa_dry_run;
mod qa_github;
mod qa_init_makefile;
mod qa_invocation;
mod qa_merge;
mod qa_outputs;
mod qa_progress;
mod qa_remote_cache;
mod qa_require_tools;
mod qa_run;
mod qa_sarif;
mod qa_select;
mod qa_shard_timings;
mod qa_shared_target;
mod qa_signals;
mod qa_summary;
mod sbom_cargo;
mod sbom_discover;
mod sbom_npm;
mod sbom_pnpm;
mod sbom_python;
mod sbom_python_rules;
mod sbom_spec;
mod sbom_yarn;
mod stdout_errors;
mod tidy;
