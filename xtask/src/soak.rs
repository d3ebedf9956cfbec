//! `cargo xtask soak --minutes N`: a bounded soak of a release smbkitd.
//!
//! Starts smbkitd on loopback with a share on tmpfs, runs `smbkit-soak`
//! (honest and hostile clients at once, from the smbkit-tests package)
//! against it, samples the server's resident memory (VmRSS) every few
//! seconds, and fails when an honest operation failed, the server died or
//! logged a panic, or its memory kept growing: the peak of the last quarter
//! of the run may exceed the peak of the second quarter by at most 10 % +
//! 4 MiB. The curve is printed and written to `target/soak.tsv`.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{cargo, step, target_dir};
use crate::net::{free_ports, wait_listening};

const USER: &str = "soak";
const PASSWORD: &str = "Soak-Pass-3";
const SHARE: &str = "soak";
const SAMPLE_EVERY: Duration = Duration::from_secs(5);

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(args: &[&str]) -> Result<(), String> {
    let mut minutes: u64 = 5;
    let mut honest: usize = 16;
    let mut hostile: usize = 16;
    let mut rest = args;
    let number = |flag: &str, v: &str| -> Result<u64, String> {
        v.parse::<u64>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{flag} takes a positive number, not `{v}`"))
    };
    loop {
        match rest {
            [] => break,
            ["--minutes", v, tail @ ..] => {
                minutes = number("--minutes", v)?;
                rest = tail;
            }
            ["--honest", v, tail @ ..] => {
                honest = usize::try_from(number("--honest", v)?).map_err(|e| e.to_string())?;
                rest = tail;
            }
            ["--hostile", v, tail @ ..] => {
                hostile = usize::try_from(number("--hostile", v)?).map_err(|e| e.to_string())?;
                rest = tail;
            }
            [other, ..] => {
                return Err(format!(
                    "soak: unexpected `{other}`; usage: cargo xtask soak [--minutes N] \
                     [--honest N] [--hostile N]"
                ));
            }
        }
    }
    step(
        "cargo build --release smbkitd smbkit-soak",
        cargo().args([
            "build",
            "--release",
            "--locked",
            "-p",
            "smbkit-server",
            "--bin",
            "smbkitd",
            "-p",
            "smbkit-tests",
            "--bin",
            "smbkit-soak",
        ]),
    )?;
    let release = target_dir()?.join("release");
    let scratch = PathBuf::from(format!("/dev/shm/smbkit-soak-{}", std::process::id()));
    let share = scratch.join("share");
    std::fs::create_dir_all(&share).map_err(|e| format!("{}: {e}", share.display()))?;
    let result = soak(&release, &scratch, &share, minutes, honest, hostile);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn soak(
    release: &Path,
    scratch: &Path,
    share: &Path,
    minutes: u64,
    honest: usize,
    hostile: usize,
) -> Result<(), String> {
    let [port] = free_ports()?;
    let config = scratch.join("smbkitd.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = [\"127.0.0.1:{port}\"]\n\n\
             [[share]]\nname = \"{SHARE}\"\npath = {:?}\n\n\
             [[user]]\nname = \"{USER}\"\npassword = \"{PASSWORD}\"\n",
            share.display().to_string()
        ),
    )
    .map_err(|e| format!("{}: {e}", config.display()))?;
    let log = target_dir()?.join("soak-smbkitd.log");
    let log_file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let server = Killed(
        Command::new(release.join("smbkitd"))
            .arg("--config")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("starting smbkitd: {e}"))?,
    );
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    wait_listening(addr, "smbkitd", &log)?;
    let pid = server.0.id();
    println!(
        "==> soak: {minutes} min, {honest} honest + {hostile} hostile clients against smbkitd pid {pid} on {addr}"
    );

    let seconds = minutes * 60;
    let mut client = Killed(
        Command::new(release.join("smbkit-soak"))
            .args(["--addr", &addr.to_string()])
            .args(["--user", USER, "--password", PASSWORD, "--share", SHARE])
            .args(["--seconds", &seconds.to_string()])
            .args(["--honest", &honest.to_string()])
            .args(["--hostile", &hostile.to_string()])
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting smbkit-soak: {e}"))?,
    );
    let started = Instant::now();
    let mut curve: Vec<(u64, u64)> = Vec::new();
    let status = loop {
        let elapsed = started.elapsed().as_secs();
        match rss_kib(pid) {
            Some(kib) => curve.push((elapsed, kib)),
            None => {
                return Err(format!(
                    "smbkitd (pid {pid}) is gone after {elapsed} s; see {}",
                    log.display()
                ));
            }
        }
        if let Some(status) = client.0.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if elapsed > seconds + 120 {
            return Err("smbkit-soak did not finish 2 minutes after its deadline".to_owned());
        }
        std::thread::sleep(SAMPLE_EVERY);
    };
    drop(server);

    let mut table = String::from("seconds\trss_kib\n");
    for (t, kib) in &curve {
        let _ = writeln!(table, "{t}\t{kib}");
    }
    let tsv = target_dir()?.join("soak.tsv");
    std::fs::write(&tsv, &table).map_err(|e| format!("{}: {e}", tsv.display()))?;
    println!(
        "==> smbkitd resident memory (KiB) over time, also in {}:",
        tsv.display()
    );
    for (t, kib) in &curve {
        println!("    {t:>6} s  {kib:>8} KiB");
    }

    let server_log = std::fs::read_to_string(&log).unwrap_or_default();
    if server_log.contains("panicked") {
        return Err(format!("smbkitd logged a panic; see {}", log.display()));
    }
    if !status.success() {
        return Err(format!(
            "smbkit-soak failed ({status}): an honest operation failed"
        ));
    }
    let quarter = curve.len() / 4;
    if quarter == 0 {
        return Err("the soak was too short to judge memory (need 4+ samples)".to_owned());
    }
    let peak = |part: &[(u64, u64)]| part.iter().map(|&(_, k)| k).max().unwrap_or(0);
    let second = peak(curve.get(quarter..2 * quarter).unwrap_or_default());
    let last = peak(curve.get(curve.len() - quarter..).unwrap_or_default());
    let allowed = second + second / 10 + 4096;
    println!(
        "==> peak RSS: second quarter {second} KiB, last quarter {last} KiB (allowed {allowed} KiB)"
    );
    if last > allowed {
        return Err(format!(
            "smbkitd's memory kept growing: {second} KiB → {last} KiB"
        ));
    }
    Ok(())
}
