//! The official SARIF Multitool (npm `@microsoft/sarif-multitool`), pinned, for validating the
//! SARIF logs `qa --sarif` writes.

use std::path::PathBuf;

use crate::NodeTool;

/// The Multitool's version, exact.
pub const SARIF_MULTITOOL_VERSION: &str = "5.7.0";

/// The `Sarif.Multitool` executable, installed on first use. `@microsoft/sarif-multitool`
/// is a Node wrapper whose platform packages are optional dependencies pinned only by a range
/// (`^5.7.0`); the Linux package it runs is installed directly at the exact version, and made
/// executable as its own (skipped: installs run with `--ignore-scripts`) postinstall does.
pub fn sarif_multitool() -> PathBuf {
    if cfg!(not(all(target_os = "linux", target_arch = "x86_64"))) {
        panic!(
            "the SARIF Multitool's npm package ships an x86_64 Linux binary; run these tests there"
        );
    }
    let tool = NodeTool::get("@microsoft/sarif-multitool-linux", SARIF_MULTITOOL_VERSION);
    let exe = tool
        .dir()
        .join("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    assert!(exe.is_file(), "{} is not installed", exe.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("cannot make {} executable: {e}", exe.display()));
    }
    exe
}
