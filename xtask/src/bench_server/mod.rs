//! `cargo xtask bench server`: smbkitd and Samba's smbd on loopback, driven
//! by the same client (Samba's smbclient) in the same run, as one table.
//!
//! Both servers serve a directory on tmpfs. For each configuration (SMB 3.1.1
//! with signing, and with AES-128-GCM encryption) the client puts one random
//! file to each server and gets it back, alternating between the servers round
//! by round, so that a burst of load from elsewhere hits both alike. Each
//! transfer records its wall time and the CPU time the server spent on it:
//! smbkitd's own utime + stime, and for Samba the per-connection child's, read
//! from the parent's cutime + cstime once the child has exited.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::bench::{machine, median};
use crate::cmd::{cargo, output, step, target_dir, workspace_root};
use crate::net::{free_ports, wait_listening};

mod load;
mod report;
mod servers;
mod small;

use load::{LoadOp, build_generator, load_protections, load_transfer};
pub use report::replace_section;
use report::{mb_per_s, section, table};
use servers::{Samba, Server, Smbkitd, clock_ticks};

const DEFAULT_ROUNDS: usize = 3;
const DEFAULT_SIZE_MIB: u64 = 512;
/// The share name on both servers.
const SHARE: &str = "bench";
/// The account on both servers; for Samba also a system user owning the
/// share (created when missing).
const USER: &str = "smbkitbench";
const PASSWORD: &str = "Bench-Pass-7";
/// Name of the file on the shares.
const REMOTE: &str = "bench.bin";
/// One transfer taking longer than this counts as a failure.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(600);
/// The heading of the section this benchmark owns in `docs/performance.md`.
pub const SECTION: &str = "## Server: smbkitd against Samba";

/// A client protection level measured, with what smbclient is told.
#[derive(Clone, Copy)]
enum Protection {
    Sign,
    Encrypt,
}

impl Protection {
    fn name(self) -> &'static str {
        match self {
            Self::Sign => "sign",
            Self::Encrypt => "encrypt",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Put,
    Get,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Self::Put => "put",
            Self::Get => "get",
        }
    }
}

pub fn run(args: &[&str]) -> Result<(), String> {
    let mut rounds = DEFAULT_ROUNDS;
    let mut size_mib = DEFAULT_SIZE_MIB;
    let mut rest = args;
    loop {
        match rest {
            [] => break,
            ["--rounds", n, tail @ ..] => {
                rounds = n
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--rounds takes a positive number, not `{n}`"))?;
                rest = tail;
            }
            ["--size-mib", m, tail @ ..] => {
                size_mib = m
                    .parse()
                    .ok()
                    .filter(|&m| m > 0)
                    .ok_or_else(|| format!("--size-mib takes a positive number, not `{m}`"))?;
                rest = tail;
            }
            [other, ..] => {
                return Err(format!(
                    "bench server: unexpected `{other}`; usage: cargo xtask bench server \
                     [--rounds N] [--size-mib M]"
                ));
            }
        }
    }
    bench(rounds, size_mib)
}

/// A scratch directory on tmpfs, removed at the end.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mkdir(path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn bench(rounds: usize, size_mib: u64) -> Result<(), String> {
    if !Path::new("/dev/shm").is_dir() {
        return Err("bench server needs /dev/shm (tmpfs) for the shares".to_owned());
    }
    install_samba()?;
    step(
        "cargo build --release smbkitd",
        cargo().args([
            "build",
            "--release",
            "--locked",
            "-p",
            "smbkit-server",
            "--bin",
            "smbkitd",
        ]),
    )?;
    let generator = build_generator()?;
    let target = target_dir()?;
    let binary = target.join("release").join("smbkitd");
    let logs = target.join("bench-server");
    mkdir(&logs)?;

    let scratch = Scratch(PathBuf::from(format!(
        "/dev/shm/smbkit-bench-server-{}",
        std::process::id()
    )));
    let _ = std::fs::remove_dir_all(&scratch.0);
    mkdir(&scratch.0)?;

    let bytes = size_mib
        .checked_mul(1 << 20)
        .ok_or("--size-mib is too large")?;
    let source = scratch.0.join("source.bin");
    println!(
        "==> writing {size_mib} MiB of random data to {}",
        source.display()
    );
    make_random_file(&source, bytes)?;

    ensure_system_user()?;
    let [smbkit_port, samba_port] = free_ports()?;
    let smbkitd = Smbkitd::start(&binary, &scratch.0, smbkit_port, &logs)?;
    let ticks = clock_ticks();

    let said = logs.join("smbclient.out");
    let mut samples: Vec<Sample> = Vec::new();
    let mut metrics: Vec<small::Metric> = Vec::new();
    for protection in [Protection::Sign, Protection::Encrypt] {
        let samba = Samba::start(&scratch.0, samba_port, protection, &logs)?;
        if let Protection::Encrypt = protection {
            samba.check_cipher()?;
        }
        if let Protection::Sign = protection {
            for server in [&smbkitd as &dyn Server, &samba] {
                println!("    memory per connection and per handle {}", server.name());
                small::memory(&generator, server, &mut metrics)
                    .map_err(|e| format!("{e}\n{}", server.log_tail(30)))?;
            }
        }
        // One untimed put to each server first: the first write of a run
        // into a fresh tmpfs directory is several times slower than the
        // next ones, on both servers alike.
        for server in [&smbkitd as &dyn Server, &samba] {
            transfer(server, protection, Op::Put, &source, bytes, ticks, &said)
                .map_err(|e| format!("{e}\n{}", server.log_tail(30)))?;
        }
        for round in 1..=rounds {
            for server in [&smbkitd as &dyn Server, &samba] {
                for op in [Op::Put, Op::Get] {
                    let sample = transfer(server, protection, op, &source, bytes, ticks, &said)
                        .map_err(|e| format!("{e}\n{}", server.log_tail(30)))?;
                    println!(
                        "    {:<7} {} round {round}/{rounds} {:<8} {:7.2} s {:8.1} MB/s  server CPU {:.2} s",
                        protection.name(),
                        op.name(),
                        server.name(),
                        sample.wall,
                        mb_per_s(bytes, sample.wall),
                        sample.cpu,
                    );
                    samples.push(Sample {
                        protection: protection.name(),
                        op: op.name(),
                        server: server.name(),
                        round,
                        ..sample
                    });
                }
            }
        }
        if let Protection::Sign = protection {
            for round in 1..=rounds {
                for server in [&smbkitd as &dyn Server, &samba] {
                    println!(
                        "    small operations round {round}/{rounds} {}",
                        server.name()
                    );
                    small::measure(&generator, server, &mut metrics)
                        .map_err(|e| format!("{e}\n{}", server.log_tail(30)))?;
                }
            }
        }
        for &load in load_protections(protection) {
            for round in 1..=rounds {
                for server in [&smbkitd as &dyn Server, &samba] {
                    for op in [LoadOp::Write, LoadOp::Read] {
                        let sample = load_transfer(&generator, server, load, op, size_mib, ticks)
                            .map_err(|e| format!("{e}\n{}", server.log_tail(30)))?;
                        println!(
                            "    {load:<11} {} round {round}/{rounds} {:<8} {:7.2} s {:8.1} MB/s  server CPU {:.2} s",
                            op.row(),
                            server.name(),
                            sample.wall,
                            mb_per_s(bytes, sample.wall),
                            sample.cpu,
                        );
                        samples.push(Sample { round, ..sample });
                    }
                }
            }
        }
        drop(samba);
    }
    drop(smbkitd);

    let table = format!(
        "{}\n{}",
        table(&samples, bytes),
        small::metrics_table(&mut metrics)
    );
    println!("\n{table}");
    let command = format!("cargo xtask bench server --rounds {rounds} --size-mib {size_mib}");
    let section = section(&table, rounds, size_mib, &command)?;
    let path = workspace_root().join("docs").join("performance.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Performance\n".to_owned());
    std::fs::write(&path, replace_section(&old, SECTION, &section))
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    println!("written to {}", path.display());
    Ok(())
}

/// Installs Debian's `samba` (smbd, smbpasswd, smbstatus) and `smbclient`
/// when missing.
fn install_samba() -> Result<(), String> {
    let have = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if have("smbd") && have("smbclient") && have("smbstatus") {
        return Ok(());
    }
    step(
        "apt-get update",
        Command::new("apt-get").args(["update", "-qq"]),
    )?;
    step(
        "apt-get install samba smbclient",
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(["samba", "smbclient"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// The system account Samba's share runs as.
fn ensure_system_user() -> Result<(), String> {
    let exists = Command::new("id")
        .arg(USER)
        .output()
        .is_ok_and(|o| o.status.success());
    if exists {
        return Ok(());
    }
    step(
        &format!("useradd {USER}"),
        Command::new("useradd").args(["-M", "-r", "-s", "/usr/sbin/nologin", USER]),
    )
}

fn make_random_file(path: &Path, bytes: u64) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut random = std::fs::File::open("/dev/urandom")
        .map_err(|e| format!("/dev/urandom: {e}"))?
        .take(bytes);
    let mut file = std::fs::File::create(path).map_err(fail)?;
    let copied = std::io::copy(&mut random, &mut file).map_err(fail)?;
    if copied != bytes {
        return Err(format!(
            "{}: wrote {copied} of {bytes} bytes",
            path.display()
        ));
    }
    file.flush().map_err(fail)?;
    // Read it once, so that the first transfer does not pay for it.
    let mut sink = std::io::sink();
    std::io::copy(&mut std::fs::File::open(path).map_err(fail)?, &mut sink).map_err(fail)?;
    Ok(())
}

fn smbclient(port: u16, protection: Protection) -> Command {
    let mut command = Command::new("smbclient");
    command
        .arg(format!("//127.0.0.1/{SHARE}"))
        .args(["-p", &port.to_string()])
        .args(["-U", &format!("{USER}%{PASSWORD}")])
        .args(["-m", "SMB3_11"])
        .arg(format!("--client-protection={}", protection.name()));
    command
}

/// One measured transfer.
struct Sample {
    protection: &'static str,
    op: &'static str,
    server: &'static str,
    round: usize,
    /// Wall time, seconds.
    wall: f64,
    /// Server CPU time, seconds.
    cpu: f64,
}

fn transfer(
    server: &dyn Server,
    protection: Protection,
    op: Op,
    source: &Path,
    bytes: u64,
    ticks: f64,
    said_path: &Path,
) -> Result<Sample, String> {
    let remote = server.share_dir().join(REMOTE);
    let command = match op {
        Op::Put => {
            // Every put starts from an empty share.
            let _ = std::fs::remove_file(&remote);
            format!("put {} {REMOTE}", source.display())
        }
        Op::Get => format!("get {REMOTE} /dev/null"),
    };
    let _ = Command::new("sync").status();
    let children = server.children_now();
    let before = server.cpu_ticks()?;
    // The output goes to a file, so that smbclient never blocks on a pipe.
    let fail = |e: std::io::Error| format!("{}: {e}", said_path.display());
    let said_file = std::fs::File::create(said_path).map_err(fail)?;
    let said_err = said_file.try_clone().map_err(fail)?;
    let started = Instant::now();
    let mut child = smbclient(server.port(), protection)
        .args(["-c", &command])
        .stdin(Stdio::null())
        .stdout(said_file)
        .stderr(said_err)
        .spawn()
        .map_err(|e| format!("starting smbclient: {e}"))?;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TRANSFER_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} {} {}: smbclient killed after {} s",
                    server.name(),
                    protection.name(),
                    op.name(),
                    TRANSFER_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for smbclient: {e}")),
        }
    };
    let wall = started.elapsed().as_secs_f64();
    server.settle(children);
    let after = server.cpu_ticks()?;
    let said = String::from_utf8_lossy(&std::fs::read(said_path).unwrap_or_default()).into_owned();
    let size_ok = match op {
        Op::Put => std::fs::metadata(&remote).is_ok_and(|m| m.len() == bytes),
        Op::Get => said.contains(&format!("of size {bytes} ")),
    };
    if !status.success() || !size_ok || said.contains("NT_STATUS_") {
        return Err(format!(
            "{} {} {} failed ({status}); smbclient said:\n{}",
            server.name(),
            protection.name(),
            op.name(),
            said.trim()
        ));
    }
    #[allow(clippy::cast_precision_loss)]
    let cpu = after.saturating_sub(before) as f64 / ticks;
    Ok(Sample {
        protection: protection.name(),
        op: op.name(),
        server: server.name(),
        round: 0,
        wall,
        cpu,
    })
}

fn tail_file(path: &Path, lines: usize) -> String {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    let mut out = format!("last lines of {}:", path.display());
    for line in all.get(start..).unwrap_or_default() {
        let _ = write!(out, "\n  | {line}");
    }
    out
}
