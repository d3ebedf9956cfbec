//! `cargo xtask test`: the one command that proves the tree.

use crate::cmd::{cargo, step};

/// cargo-deny version installed when it is missing (checked against
/// `deny.toml`'s format).
const CARGO_DENY_VERSION: &str = "0.20.2";

pub fn run(args: &[&str]) -> Result<(), String> {
    if let Some(unknown) = args.first() {
        return Err(format!("`test` takes no arguments (got `{unknown}`)"));
    }
    install_missing()?;
    step(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--", "--check"]),
    )?;
    step(
        "cargo clippy -D warnings",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "cargo deny check licenses bans sources",
        cargo().args(["deny", "--locked", "check", "licenses", "bans", "sources"]),
    )?;
    step(
        "cargo test",
        cargo().args(["test", "--workspace", "--locked"]),
    )?;
    step(
        "interop: smbclient and smbprotocol against smbkitd",
        cargo().args([
            "test",
            "--locked",
            "-p",
            "smbkit-server",
            "--features",
            "interop",
        ]),
    )?;
    crate::torture::run()?;
    // Last: the fuzz targets, 60 s each (skipped with a note without nightly).
    crate::fuzz::run(&[])?;
    println!("==> all checks passed");
    Ok(())
}

/// Installs the tools the checks need when they are missing, so a fresh
/// machine needs nothing but the Rust toolchain.
fn install_missing() -> Result<(), String> {
    for (component, probe) in [("rustfmt", "fmt"), ("clippy", "clippy")] {
        if !cargo()
            .args([probe, "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
        {
            step(
                &format!("rustup component add {component}"),
                std::process::Command::new("rustup").args(["component", "add", component]),
            )?;
        }
    }
    if !cargo()
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        step(
            &format!("cargo install cargo-deny {CARGO_DENY_VERSION}"),
            cargo().args([
                "install",
                "--locked",
                "cargo-deny",
                "--version",
                CARGO_DENY_VERSION,
            ]),
        )?;
    }
    crate::peers::install_missing()
}
