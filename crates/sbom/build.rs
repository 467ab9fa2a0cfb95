//! Records the target triple this crate is built for, the default `--target` of `cargo xtask
//! sbom` (the host, as `cargo build` without `--target` would use).

fn main() {
    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    println!("cargo:rustc-env=SBOM_HOST_TARGET={target}");
}
