//! `cargo xtask bench crypto`: our signers and sealers beside the bare
//! RustCrypto primitives, measured in the same run, as one table.
//!
//! The benchmarks themselves are criterion benches in `smbkit-sign` and
//! `smbkit-seal`. Each criterion group is one operation and algorithm
//! (`seal_aes-128-gcm`), with two functions: `smbkit` (our API) and
//! `rustcrypto` (the primitive on the same buffer), at each size. This
//! module runs them and reads back the medians criterion stored.

use std::fmt::Write as _;
use std::path::Path;

use crate::cmd::{cargo, output, step, target_dir, workspace_root};

/// Buffer sizes every crypto bench measures.
const SIZES: [u64; 3] = [4096, 65536, 1_048_576];

/// The benches to run: (package, bench target, criterion groups).
const SUITES: [(&str, &str, &[&str]); 2] = [
    (
        "smbkit-seal",
        "seal",
        &[
            "seal_aes-128-gcm",
            "unseal_aes-128-gcm",
            "seal_aes-256-gcm",
            "unseal_aes-256-gcm",
            "seal_aes-128-ccm",
            "unseal_aes-128-ccm",
            "seal_aes-256-ccm",
            "unseal_aes-256-ccm",
        ],
    ),
    (
        "smbkit-sign",
        "sign",
        &["sign_aes-128-gmac", "sign_aes-128-cmac", "sign_hmac-sha256"],
    ),
];

/// Rounds of the whole suite; each row reports the median over rounds, so a
/// burst of load from another process moves one round, not the result.
const DEFAULT_ROUNDS: usize = 3;

pub fn run(args: &[&str]) -> Result<(), String> {
    match args {
        ["crypto"] => crypto(DEFAULT_ROUNDS),
        ["crypto", "--rounds", n] => crypto(
            n.parse()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("--rounds takes a positive number, not `{n}`"))?,
        ),
        ["server", rest @ ..] => crate::bench_server::run(rest),
        [] => Err("say which benchmark: `cargo xtask bench crypto` or \
             `cargo xtask bench server [--rounds N] [--size-mib M]`"
            .to_owned()),
        [other, ..] => Err(format!(
            "unknown benchmark `{other}`; known: crypto, server"
        )),
    }
}

/// One row of the table: medians over the rounds.
struct Row {
    group: &'static str,
    size: u64,
    /// Our throughput, GB/s.
    ours: f64,
    /// The bare primitive's throughput, GB/s.
    bare: f64,
    /// Median over rounds of (our throughput / bare throughput) measured
    /// in the same round.
    ratio: f64,
}

fn baseline(round: usize) -> String {
    format!("xtask-round-{round}")
}

fn crypto(rounds: usize) -> Result<(), String> {
    for round in 1..=rounds {
        for (package, bench, _) in SUITES {
            step(
                &format!("round {round}/{rounds}: cargo bench -p {package} --bench {bench}"),
                cargo().args([
                    "bench",
                    "--locked",
                    "-p",
                    package,
                    "--bench",
                    bench,
                    "--",
                    "--save-baseline",
                    &baseline(round),
                    "--warm-up-time",
                    "0.5",
                    "--measurement-time",
                    "1.5",
                ]),
            )?;
        }
    }
    let criterion = target_dir()?.join("criterion");
    let mut rows = Vec::new();
    for (_, _, groups) in SUITES {
        for &group in groups {
            for size in SIZES {
                let mut ours = Vec::new();
                let mut bare = Vec::new();
                let mut ratio = Vec::new();
                for round in 1..=rounds {
                    let name = baseline(round);
                    let o = gbps(size, median_ns(&criterion, group, "smbkit", size, &name)?);
                    let b = gbps(
                        size,
                        median_ns(&criterion, group, "rustcrypto", size, &name)?,
                    );
                    ours.push(o);
                    bare.push(b);
                    ratio.push(o / b);
                }
                rows.push(Row {
                    group,
                    size,
                    ours: median(&mut ours),
                    bare: median(&mut bare),
                    ratio: median(&mut ratio),
                });
            }
        }
    }
    let table = table(&rows);
    println!("\n{table}");
    let report = report(&table, rounds)?;
    let path = workspace_root().join("docs").join("performance.md");
    // Keep the section `bench server` wrote, if any.
    let server = std::fs::read_to_string(&path).ok().and_then(|old| {
        old.find(crate::bench_server::SECTION)
            .and_then(|i| old.get(i..))
            .map(str::to_owned)
    });
    let report = match server {
        Some(server) => {
            crate::bench_server::replace_section(&report, crate::bench_server::SECTION, &server)
        }
        None => report,
    };
    std::fs::write(&path, report).map_err(|e| format!("writing {}: {e}", path.display()))?;
    println!("written to {}", path.display());
    Ok(())
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    match (values.get(mid.wrapping_sub(1)), values.get(mid)) {
        (Some(a), Some(b)) if values.len().is_multiple_of(2) => (a + b) / 2.0,
        (_, Some(m)) => *m,
        _ => f64::NAN,
    }
}

/// The median time per iteration, in nanoseconds, that criterion stored
/// for `baseline`.
fn median_ns(
    criterion: &Path,
    group: &str,
    function: &str,
    size: u64,
    baseline: &str,
) -> Result<f64, String> {
    let path = criterion
        .join(group)
        .join(function)
        .join(size.to_string())
        .join(baseline)
        .join("estimates.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("reading {}: {e} (did the bench run?)", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    value
        .pointer("/median/point_estimate")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| format!("{}: no median", path.display()))
}

/// Throughput in GB/s (10^9 bytes per second) of `size` bytes in `ns`.
fn gbps(size: u64, ns: f64) -> f64 {
    // u64 → f64 is exact for our sizes.
    #[allow(clippy::cast_precision_loss)]
    let bytes = size as f64;
    bytes / ns
}

fn size_label(size: u64) -> String {
    match size {
        s if s >= 1 << 20 => format!("{} MiB", s >> 20),
        s => format!("{} KiB", s >> 10),
    }
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| operation | size | smbkit GB/s | RustCrypto GB/s | ratio |\n\
         |---|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {:.3} | {:.3} | {:.3} |",
            row.group.replace('_', " "),
            size_label(row.size),
            row.ours,
            row.bare,
            row.ratio,
        );
    }
    out
}

/// One line about the machine: CPU model, cores, AES-related CPU flags.
pub fn machine() -> Result<String, String> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let aes = cpu_flags_have(&["aes", "pclmulqdq", "avx2", "vaes"]);
    Ok(format!("{cpu}, {cores} cores; CPU flags: {aes}"))
}

fn report(table: &str, rounds: usize) -> Result<String, String> {
    let machine = machine()?;
    let rustc = output(std::process::Command::new("rustc").arg("--version"))?;
    let rustflags = std::env::var("RUSTFLAGS").unwrap_or_default();
    let flags = if rustflags.is_empty() {
        "none (default target features; AES-NI and PCLMULQDQ found at run time)".to_owned()
    } else {
        format!("`{rustflags}`")
    };
    Ok(format!(
        "# Performance\n\n\
         Measured with `cargo xtask bench crypto` and `cargo xtask bench server`; each rewrites\n\
         its own section.\n\n\
         ## Crypto: smbkit against the bare RustCrypto primitives\n\n\
         Each row runs our API (`EncryptionKey::seal_in_place`, `DecryptionKey::unseal_in_place`,\n\
         `Signer::sign`) and, in the same run, the RustCrypto primitive it is built on over the same\n\
         buffer (the AEAD's detached in-place encrypt or decrypt with the same 32-byte AAD; the MAC\n\
         over the same message). The whole suite ran {rounds} times; each cell is the median over the\n\
         rounds of criterion's median. Throughput in 10^9 bytes per second; ratio = median over the\n\
         rounds of smbkit throughput / RustCrypto throughput in the same round (1.0 = no overhead).\n\n\
         - machine: {machine}\n\
         - compiler: {rustc}\
         - RUSTFLAGS: {flags}\n\n\
         {table}\n\
         Absolute numbers on a shared machine move from run to run; the ratios, measured in one\n\
         run, are what this table is for.\n"
    ))
}

fn cpu_flags_have(wanted: &[&str]) -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let flags: Vec<&str> = info
        .lines()
        .find(|l| l.starts_with("flags"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.split_whitespace().collect())
        .unwrap_or_default();
    wanted
        .iter()
        .map(|w| format!("{w} {}", if flags.contains(w) { "yes" } else { "no" }))
        .collect::<Vec<_>>()
        .join(", ")
}
