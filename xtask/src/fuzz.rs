//! `cargo xtask fuzz [--seconds N] [TARGET…]`: replays the committed fuzz
//! inputs (regressions and seed corpus) on any toolchain, then runs each
//! cargo-fuzz target for N seconds when a nightly toolchain is present.
//!
//! The fuzz package (`fuzz/`) is a workspace of its own. Its targets are
//! built once (`cargo +nightly fuzz build -O`), then run one after the other
//! with a memory limit (an allocation sized by a length field is a finding,
//! not a slow test), a per-input timeout and a maximum input length per
//! target. New inputs go to `fuzz/work/<target>/` (ignored by git); the
//! committed seeds in `fuzz/corpus/<target>/` are only read. A crash leaves
//! its input in `fuzz/artifacts/<target>/` and fails the run.
//!
//! The toolchain is `nightly`, or the one named by `SMBKIT_FUZZ_TOOLCHAIN`
//! (e.g. a dated nightly).

use std::process::Command;

use crate::cmd::{cargo, step, workspace_root};

/// cargo-fuzz version installed when it is missing.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Seconds per target when `--seconds` is not given.
const DEFAULT_SECONDS: u64 = 60;

/// Every target with its `-max_len`: a little above the largest message the
/// target's decoders meet in practice, so the fuzzer spends its time on
/// structure rather than on length.
const TARGETS: [(&str, u32); 9] = [
    ("wire_pdu", 8192),
    ("compound", 16384),
    ("transform", 4096),
    ("ntlm", 4096),
    ("spnego", 4096),
    ("rpc_pdu", 8192),
    ("rpc_pipe", 16384),
    ("session", 16384),
    ("krb5", 4096),
];

/// libFuzzer options common to every target: 2 GiB of resident memory and
/// no single allocation above 1 GiB, 10 s per input.
const LIMITS: [&str; 3] = ["-rss_limit_mb=2048", "-malloc_limit_mb=1024", "-timeout=10"];

pub fn run(args: &[&str]) -> Result<(), String> {
    let mut seconds = DEFAULT_SECONDS;
    let mut chosen: Vec<&str> = Vec::new();
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        match arg {
            "--seconds" => {
                let value = rest.next().ok_or("`--seconds` needs a number")?;
                seconds = value
                    .parse()
                    .map_err(|_| format!("`--seconds {value}`: not a number"))?;
            }
            name if TARGETS.iter().any(|(t, _)| *t == name) => chosen.push(name),
            other => {
                let names: Vec<&str> = TARGETS.iter().map(|(t, _)| *t).collect();
                return Err(format!(
                    "fuzz: unknown argument `{other}` (targets: {})",
                    names.join(", ")
                ));
            }
        }
    }
    let fuzz_dir = workspace_root().join("fuzz");
    let manifest = fuzz_dir.join("Cargo.toml");

    // The committed inputs first: they need no nightly and no libFuzzer run.
    step(
        "fuzz: replay regressions and seed corpus (cargo test in fuzz/)",
        cargo()
            .args(["test", "--release", "--manifest-path"])
            .arg(&manifest),
    )?;

    if !nightly_present() {
        println!(
            "==> fuzz: skipped, no nightly toolchain is present (`rustup toolchain install {}` to fuzz)",
            toolchain()
        );
        return Ok(());
    }
    if !nightly(&["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        step(
            &format!("cargo install cargo-fuzz {CARGO_FUZZ_VERSION}"),
            cargo().args([
                "install",
                "--locked",
                "cargo-fuzz",
                "--version",
                CARGO_FUZZ_VERSION,
            ]),
        )?;
    }
    step(
        "fuzz: build every target once (cargo +nightly fuzz build -O)",
        &mut nightly(&["fuzz", "build", "-O"]),
    )?;
    for (target, max_len) in TARGETS {
        if !chosen.is_empty() && !chosen.contains(&target) {
            continue;
        }
        let work = fuzz_dir.join("work").join(target);
        std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
        let seeds = fuzz_dir.join("corpus").join(target);
        let mut command = nightly(&["fuzz", "run", "-O", target]);
        command
            .arg(&work)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-max_len={max_len}"))
            .args(LIMITS)
            .arg("-print_final_stats=1");
        step(&format!("fuzz: {target} for {seconds} s"), &mut command)?;
    }
    Ok(())
}

/// The toolchain the targets are built with.
fn toolchain() -> String {
    std::env::var("SMBKIT_FUZZ_TOOLCHAIN").unwrap_or_else(|_| "nightly".to_owned())
}

/// Whether `cargo +nightly` works here.
fn nightly_present() -> bool {
    nightly(&["--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `cargo +nightly ARGS` run from the workspace root (where `fuzz/` is).
/// Through rustup's `cargo` proxy, not `$CARGO`, which is pinned to the
/// toolchain that started xtask.
fn nightly(args: &[&str]) -> Command {
    let mut command = Command::new("cargo");
    command
        .current_dir(workspace_root())
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .arg(format!("+{}", toolchain()))
        .args(args);
    command
}
