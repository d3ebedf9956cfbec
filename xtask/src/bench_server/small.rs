//! The rows that are not bulk throughput, all driven by `smbkit-load`
//! against both servers: small files (create + write 4 KiB + close, stat,
//! listing, delete), connection setup, many connections reading small
//! blocks at random (throughput and p99 latency), and memory per idle
//! connection and per open handle.

use std::io::{BufRead as _, BufReader};

use super::*;

/// Files in the small-file rows.
pub(super) const FILES: usize = 10_000;
/// Connections the small-file workload spreads over.
const FILE_CONNECTIONS: usize = 4;
/// Connection setups measured, and how many run at once.
const SETUPS: usize = 2_000;
const SETUP_PARALLEL: usize = 2;
/// Concurrent connections reading at random, block size, seconds, file.
const RANDOM_CONNECTIONS: usize = 256;
const RANDOM_KIB: u32 = 4;
const RANDOM_SECONDS: u64 = 10;
const RANDOM_FILE_MIB: u64 = 64;
const RANDOM_FILE: &str = "random.bin";
/// Idle connections and open handles for the memory rows.
const IDLE_CONNECTIONS: usize = 100;
const HANDLES: usize = 1_000;

/// One row of the second table: a measurement per server per round.
pub(super) struct Metric {
    pub name: &'static str,
    pub unit: &'static str,
    /// Whether a larger number is better (throughput) or worse (latency,
    /// memory); the ratio is oriented so that above 1 favours smbkitd.
    pub higher_is_better: bool,
    pub smbkitd: Vec<f64>,
    pub samba: Vec<f64>,
}

impl Metric {
    fn new(name: &'static str, unit: &'static str, higher_is_better: bool) -> Metric {
        Metric {
            name,
            unit,
            higher_is_better,
            smbkitd: Vec::new(),
            samba: Vec::new(),
        }
    }

    fn push(&mut self, server: &dyn Server, value: f64) {
        if server.name() == "smbkitd" {
            self.smbkitd.push(value);
        } else {
            self.samba.push(value);
        }
    }
}

fn load(generator: &Path, server: &dyn Server, args: &[&str]) -> Result<String, String> {
    let out = Command::new(generator)
        .args(["--addr", &format!("127.0.0.1:{}", server.port())])
        .args(["--user", USER, "--password", PASSWORD, "--share", SHARE])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("starting smbkit-load: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{}: smbkit-load {} failed: {}",
            server.name(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn field(said: &str, name: &str) -> Result<f64, String> {
    said.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("smbkit-load said `{}`, no {name}", said.trim()))
}

/// Proportional set size of the server's processes, KiB (shared pages split
/// among the processes that share them, so forked children are not counted
/// twice).
fn pss_kib(server: &dyn Server) -> u64 {
    server
        .pids()
        .iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
        .filter_map(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
        })
        .sum()
}

/// Server memory while `smbkit-load --op hold` keeps `connections` idle
/// connections and `handles` open files, minus the memory before.
fn held_memory(
    generator: &Path,
    server: &dyn Server,
    connections: usize,
    handles: usize,
) -> Result<f64, String> {
    server.settle(server.children_now());
    let before = pss_kib(server);
    let mut child = Command::new(generator)
        .args(["--addr", &format!("127.0.0.1:{}", server.port())])
        .args(["--user", USER, "--password", PASSWORD, "--share", SHARE])
        .args(["--op", "hold", "--seconds", "60"])
        .args(["--connections", &connections.to_string()])
        .args(["--handles", &handles.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting smbkit-load: {e}"))?;
    let ready = child
        .stdout
        .take()
        .map(|out| BufReader::new(out).lines().next().and_then(Result::ok))
        .unwrap_or_default();
    if ready.as_deref() != Some("ready") {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!(
            "{}: smbkit-load hold never got ready",
            server.name()
        ));
    }
    std::thread::sleep(Duration::from_secs(1));
    let during = pss_kib(server);
    let _ = child.kill();
    let _ = child.wait();
    #[allow(clippy::cast_precision_loss)]
    let grown = during.saturating_sub(before) as f64;
    Ok(grown)
}

fn ensure_rows(metrics: &mut Vec<Metric>) {
    if metrics.is_empty() {
        metrics.extend([
            Metric::new("create + write 4 KiB + close", "files/s", true),
            Metric::new("stat (open + close with attributes)", "files/s", true),
            Metric::new("list a directory of 10,000", "entries/s", true),
            Metric::new("delete", "files/s", true),
            Metric::new(
                "connection setup (negotiate + session setup + tree connect)",
                "setups/s",
                true,
            ),
            Metric::new("256 connections, 4 KiB random reads", "reads/s", true),
            Metric::new(
                "256 connections, 4 KiB random reads, p99 latency",
                "ms",
                false,
            ),
            Metric::new("memory per idle connection", "KiB", false),
            Metric::new("memory per open handle", "KiB", false),
        ]);
    }
}

/// The small-file, connection-setup and random-read rows, one round per
/// call, for one server.
pub(super) fn measure(
    generator: &Path,
    server: &dyn Server,
    metrics: &mut Vec<Metric>,
) -> Result<(), String> {
    ensure_rows(metrics);
    let files = FILES.to_string();
    let said = load(
        generator,
        server,
        &[
            "--op",
            "files",
            "--files",
            &files,
            "--connections",
            &FILE_CONNECTIONS.to_string(),
        ],
    )?;
    #[allow(clippy::cast_precision_loss)]
    let n = FILES as f64;
    let listed = field(&said, "listed")?;
    if (listed - n).abs() > 0.5 {
        return Err(format!(
            "{}: the listing returned {listed} of {n} files",
            server.name()
        ));
    }
    let per_s = |key: &str| field(&said, key).map(|s| n / s);
    let values = [
        per_s("create_s")?,
        per_s("stat_s")?,
        per_s("list_s")?,
        per_s("delete_s")?,
    ];
    for (metric, value) in metrics.iter_mut().zip(values) {
        metric.push(server, value);
    }

    let said = load(
        generator,
        server,
        &[
            "--op",
            "connect",
            "--count",
            &SETUPS.to_string(),
            "--connections",
            &SETUP_PARALLEL.to_string(),
        ],
    )?;
    #[allow(clippy::cast_precision_loss)]
    let setups = SETUPS as f64 / field(&said, "seconds")?;
    if let Some(m) = metrics.get_mut(4) {
        m.push(server, setups);
    }
    server.settle(0);

    let mib = RANDOM_FILE_MIB.to_string();
    load(
        generator,
        server,
        &["--op", "write", "--file", RANDOM_FILE, "--size-mib", &mib],
    )?;
    let said = load(
        generator,
        server,
        &[
            "--op",
            "random",
            "--file",
            RANDOM_FILE,
            "--size-mib",
            &mib,
            "--io-kib",
            &RANDOM_KIB.to_string(),
            "--connections",
            &RANDOM_CONNECTIONS.to_string(),
            "--seconds",
            &RANDOM_SECONDS.to_string(),
        ],
    )?;
    let reads = field(&said, "reads")? / field(&said, "seconds")?;
    let p99_ms = field(&said, "p99_us")? / 1000.0;
    if let Some(m) = metrics.get_mut(5) {
        m.push(server, reads);
    }
    if let Some(m) = metrics.get_mut(6) {
        m.push(server, p99_ms);
    }
    server.settle(0);

    Ok(())
}

/// Memory per idle connection and per open handle, measured once on a
/// server that has not served anything yet (afterwards its allocator holds
/// freed memory that new connections reuse, which would hide their cost).
pub(super) fn memory(
    generator: &Path,
    server: &dyn Server,
    metrics: &mut Vec<Metric>,
) -> Result<(), String> {
    ensure_rows(metrics);
    #[allow(clippy::cast_precision_loss)]
    let per_connection =
        held_memory(generator, server, IDLE_CONNECTIONS, 0)? / IDLE_CONNECTIONS as f64;
    if let Some(m) = metrics.get_mut(7) {
        m.push(server, per_connection);
    }
    #[allow(clippy::cast_precision_loss)]
    let per_handle =
        (held_memory(generator, server, 1, HANDLES)? - per_connection).max(0.0) / HANDLES as f64;
    if let Some(m) = metrics.get_mut(8) {
        m.push(server, per_handle);
    }
    Ok(())
}

/// The second table: one row per metric, medians over the rounds.
pub(super) fn metrics_table(metrics: &mut [Metric]) -> String {
    let mut out =
        String::from("| workload | unit | smbkitd | Samba | ratio |\n|---|---|---:|---:|---:|\n");
    for m in metrics {
        let ours = median(&mut m.smbkitd);
        let theirs = median(&mut m.samba);
        let ratio = if m.higher_is_better {
            ours / theirs
        } else {
            theirs / ours
        };
        let _ = writeln!(
            out,
            "| {} | {} | {ours:.1} | {theirs:.1} | {ratio:.2} |",
            m.name, m.unit
        );
    }
    out
}
