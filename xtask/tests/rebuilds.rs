//! The end-to-end tests that build the binary again: `cargo install` (install), maturin's wheel
//! (wheel), the pre-commit hooks that install that wheel (pre_commit_hooks) and the GitHub
//! Action's install step (action). They reuse the test run's own build, and cargo re-links
//! `target/debug/xtask` even when it compiles nothing: a test of the `suite` binary spawning it
//! in that instant would find no file. So they are a test binary of their own, which cargo runs
//! after the other, never beside it (`cargo test -p xtask --test rebuilds`).

mod actions_support;
mod wheel_support;

mod action;
mod install;
mod pre_commit_hooks;
mod wheel;
