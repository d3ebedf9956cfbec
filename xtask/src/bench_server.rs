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
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::bench::{machine, median};
use crate::cmd::{cargo, output, step, target_dir, workspace_root};

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
    for protection in [Protection::Sign, Protection::Encrypt] {
        let samba = Samba::start(&scratch.0, samba_port, protection, &logs)?;
        if let Protection::Encrypt = protection {
            samba.check_cipher()?;
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
        drop(samba);
    }
    drop(smbkitd);

    let table = table(&samples, bytes);
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

/// Two distinct free loopback ports (both listeners are held until both are
/// known).
fn free_ports() -> Result<[u16; 2], String> {
    let bind = || {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr().map(|a| (l, a.port())))
            .map_err(|e| format!("finding a free port: {e}"))
    };
    let (_a, first) = bind()?;
    let (_b, second) = bind()?;
    Ok([first, second])
}

fn wait_listening(addr: SocketAddr, what: &str, log: &Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if Instant::now() > deadline {
            return Err(format!(
                "{what} did not listen on {addr} within 20 s (log: {})",
                log.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// What a transfer needs to know about the server it talks to.
trait Server {
    fn name(&self) -> &'static str;
    fn port(&self) -> u16;
    fn share_dir(&self) -> &Path;
    /// The CPU seconds counter that grows with the work of a connection.
    fn cpu_ticks(&self) -> Result<u64, String>;
    /// How many child processes the server has (0 when it has none).
    fn children_now(&self) -> usize;
    /// Waits until the work of a closed connection shows in `cpu_ticks`;
    /// `children` is what `children_now` said before the connection.
    fn settle(&self, children: usize);
    fn log_tail(&self, lines: usize) -> String;
}

/// smbkitd, killed on drop.
struct Smbkitd {
    child: Child,
    share: PathBuf,
    port: u16,
    log: PathBuf,
}

impl Smbkitd {
    fn start(binary: &Path, scratch: &Path, port: u16, logs: &Path) -> Result<Self, String> {
        let share = scratch.join("smbkitd-share");
        mkdir(&share)?;
        let config = scratch.join("smbkitd.toml");
        // Debug formatting quotes and escapes the path as TOML accepts.
        let text = format!(
            "[server]\nlisten = [\"127.0.0.1:{port}\"]\nmin_dialect = \"2.0.2\"\n\
             max_dialect = \"3.1.1\"\nciphers = [\"AES-128-GCM\"]\n\n\
             [[share]]\nname = \"{SHARE}\"\npath = {:?}\n\n\
             [[user]]\nname = \"{USER}\"\npassword = \"{PASSWORD}\"\n",
            share.display().to_string()
        );
        std::fs::write(&config, text).map_err(|e| format!("{}: {e}", config.display()))?;
        let log = logs.join("smbkitd.log");
        let log_file =
            std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = Command::new(binary)
            .arg("--config")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let server = Self {
            child,
            share,
            port,
            log,
        };
        wait_listening(
            SocketAddr::from(([127, 0, 0, 1], port)),
            "smbkitd",
            &server.log,
        )?;
        println!(
            "==> smbkitd pid {} on 127.0.0.1:{port}, log in {}",
            server.child.id(),
            server.log.display()
        );
        Ok(server)
    }
}

impl Drop for Smbkitd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server for Smbkitd {
    fn name(&self) -> &'static str {
        "smbkitd"
    }
    fn port(&self) -> u16 {
        self.port
    }
    fn share_dir(&self) -> &Path {
        &self.share
    }
    fn cpu_ticks(&self) -> Result<u64, String> {
        let [utime, stime, _, _] = stat_times(self.child.id())?;
        Ok(utime.saturating_add(stime))
    }
    fn children_now(&self) -> usize {
        0
    }
    fn settle(&self, _children: usize) {
        // The connection's work happens in this process; give its tasks a
        // moment to finish tearing the connection down.
        std::thread::sleep(Duration::from_millis(200));
    }
    fn log_tail(&self, lines: usize) -> String {
        tail_file(&self.log, lines)
    }
}

/// Samba's smbd in the foreground with private state, stopped on drop.
struct Samba {
    child: Child,
    dir: PathBuf,
    share: PathBuf,
    port: u16,
    log: PathBuf,
}

impl Samba {
    fn start(
        scratch: &Path,
        port: u16,
        protection: Protection,
        logs: &Path,
    ) -> Result<Self, String> {
        let dir = scratch.join(format!("samba-{}", protection.name()));
        let share = scratch.join("samba-share");
        let log_dir = logs.join(format!("samba-{}", protection.name()));
        for sub in ["lock", "state", "cache", "private", "pid", "ncalrpc"] {
            mkdir(&dir.join(sub))?;
        }
        mkdir(&share)?;
        mkdir(&log_dir)?;
        step(
            "chown the Samba share",
            Command::new("chown").arg(USER).arg(&share),
        )?;
        let encrypt = match protection {
            Protection::Sign => "off",
            Protection::Encrypt => "desired",
        };
        let d = dir.display();
        let conf = dir.join("smb.conf");
        let text = format!(
            "# Written by `cargo xtask bench server`; removed when it ends.\n\
             [global]\n\
             server role = standalone server\n\
             workgroup = BENCH\n\
             netbios name = SMBKITBENCH\n\
             # loopback only, no NetBIOS\n\
             interfaces = 127.0.0.1\n\
             bind interfaces only = yes\n\
             smb ports = {port}\n\
             disable netbios = yes\n\
             multicast dns register = no\n\
             # every piece of state in this directory\n\
             lock directory = {d}/lock\n\
             state directory = {d}/state\n\
             cache directory = {d}/cache\n\
             private dir = {d}/private\n\
             pid directory = {d}/pid\n\
             ncalrpc dir = {d}/ncalrpc\n\
             binddns dir = {d}/private\n\
             passdb backend = tdbsam:{d}/private/passdb.tdb\n\
             log file = {log}/log.%m\n\
             log level = 1\n\
             max log size = 0\n\
             usershare max shares = 0\n\
             load printers = no\n\
             printcap name = /dev/null\n\
             disable spoolss = yes\n\
             map to guest = never\n\
             # protocol\n\
             server min protocol = SMB2_02\n\
             server max protocol = SMB3_11\n\
             server signing = mandatory\n\
             server smb encrypt = {encrypt}\n\
             \n\
             [{SHARE}]\n\
             path = {share}\n\
             read only = no\n\
             valid users = {USER}\n\
             force user = {USER}\n",
            log = log_dir.display(),
            share = share.display(),
        );
        std::fs::write(&conf, text).map_err(|e| format!("{}: {e}", conf.display()))?;

        let mut smbpasswd = Command::new("smbpasswd")
            .arg("-c")
            .arg(&conf)
            .args(["-s", "-a", USER])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting smbpasswd: {e}"))?;
        if let Some(mut stdin) = smbpasswd.stdin.take() {
            let _ = writeln!(stdin, "{PASSWORD}\n{PASSWORD}");
        }
        let out = smbpasswd
            .wait_with_output()
            .map_err(|e| format!("smbpasswd: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "smbpasswd -a {USER} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }

        let log = log_dir.join("smbd.stderr");
        let log_file =
            std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        // smbd signals its whole process group when it stops: give it its
        // own group, so that the signal never reaches us.
        let child = Command::new("smbd")
            .process_group(0)
            .args(["--foreground", "--no-process-group", "-s"])
            .arg(&conf)
            .arg("-l")
            .arg(&log_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("starting smbd: {e}"))?;
        let server = Self {
            child,
            dir,
            share,
            port,
            log: log_dir.join("log.smbd"),
        };
        wait_listening(SocketAddr::from(([127, 0, 0, 1], port)), "smbd", &log)?;
        println!(
            "==> Samba smbd pid {} on 127.0.0.1:{port} (server smb encrypt = {encrypt}), logs in {}",
            server.child.id(),
            log_dir.display()
        );
        Ok(server)
    }

    /// Checks with smbstatus that an encrypted connection uses AES-128-GCM:
    /// smbclient stays connected while it waits on its standard input.
    fn check_cipher(&self) -> Result<(), String> {
        let mut client = smbclient(self.port(), Protection::Encrypt)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting smbclient: {e}"))?;
        std::thread::sleep(Duration::from_secs(2));
        let status = output(
            Command::new("smbstatus")
                .arg("-s")
                .arg(self.dir.join("smb.conf"))
                .arg("-b"),
        );
        drop(client.stdin.take());
        let _ = client.kill();
        let _ = client.wait();
        let status = status?;
        let line = status
            .lines()
            .find(|l| l.contains(USER))
            .ok_or_else(|| format!("smbstatus shows no session of {USER}:\n{status}"))?;
        if line.contains("AES-128-GCM") {
            println!(
                "    Samba session: {}",
                line.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            Ok(())
        } else {
            Err(format!("Samba did not negotiate AES-128-GCM: {line}"))
        }
    }

    /// The pids of the parent's children now.
    fn children(&self) -> Vec<u32> {
        let pid = self.child.id();
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }
}

impl Drop for Samba {
    fn drop(&mut self) {
        // SIGTERM lets smbd stop its helpers; whatever is left is killed.
        let pid = self.child.id();
        let mut family = self.children();
        family.push(pid);
        let _ = Command::new("kill").arg(pid.to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        for p in family {
            if Path::new(&format!("/proc/{p}")).exists() {
                let _ = Command::new("kill").args(["-9", &p.to_string()]).status();
            }
        }
        let dcerpcd = self.dir.join("pid").join("samba-dcerpcd.pid");
        if let Ok(text) = std::fs::read_to_string(dcerpcd) {
            let _ = Command::new("kill").arg(text.trim()).status();
        }
        let _ = std::fs::remove_dir_all(&self.share);
    }
}

impl Server for Samba {
    fn name(&self) -> &'static str {
        "Samba"
    }
    fn port(&self) -> u16 {
        self.port
    }
    fn share_dir(&self) -> &Path {
        &self.share
    }
    fn cpu_ticks(&self) -> Result<u64, String> {
        let [_, _, cutime, cstime] = stat_times(self.child.id())?;
        Ok(cutime.saturating_add(cstime))
    }
    fn children_now(&self) -> usize {
        self.children().len()
    }
    fn settle(&self, children: usize) {
        // The connection's child is counted in cutime + cstime once it has
        // exited and the parent has reaped it: wait until the parent is back
        // to the children it had before the connection (its helpers).
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.children().len() > children && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    fn log_tail(&self, lines: usize) -> String {
        tail_file(&self.log, lines)
    }
}

/// utime, stime, cutime, cstime (clock ticks) of `pid`, from /proc.
fn stat_times(pid: u32) -> Result<[u64; 4], String> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    // Fields after the command name (which may hold spaces) in parentheses:
    // state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    let (_, after) = text
        .rsplit_once(')')
        .ok_or_else(|| format!("{path}: no command name"))?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |n: usize| -> Result<u64, String> {
        fields
            .get(n - 3)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| format!("{path}: no field {n}"))
    };
    Ok([field(14)?, field(15)?, field(16)?, field(17)?])
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
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

/// MB/s (10^6 bytes per second).
fn mb_per_s(bytes: u64, seconds: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let bytes = bytes as f64;
    bytes / 1e6 / seconds
}

fn table(samples: &[Sample], bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let gib = bytes as f64 / f64::from(1u32 << 30);
    let mut out = String::from(
        "| operation | smbkitd MB/s | Samba MB/s | ratio | smbkitd CPU s/GiB | Samba CPU s/GiB |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for protection in ["sign", "encrypt"] {
        for op in ["put", "get"] {
            let pick = |server: &str| -> Vec<&Sample> {
                samples
                    .iter()
                    .filter(|s| s.protection == protection && s.op == op && s.server == server)
                    .collect()
            };
            let ours = pick("smbkitd");
            let theirs = pick("Samba");
            let mut ours_mbs: Vec<f64> = ours.iter().map(|s| mb_per_s(bytes, s.wall)).collect();
            let mut theirs_mbs: Vec<f64> = theirs.iter().map(|s| mb_per_s(bytes, s.wall)).collect();
            // Ratio per round (both servers measured back to back), then
            // the median.
            let mut ratio: Vec<f64> = ours
                .iter()
                .filter_map(|o| {
                    theirs
                        .iter()
                        .find(|t| t.round == o.round)
                        .map(|t| t.wall / o.wall)
                })
                .collect();
            let mut ours_cpu: Vec<f64> = ours.iter().map(|s| s.cpu / gib).collect();
            let mut theirs_cpu: Vec<f64> = theirs.iter().map(|s| s.cpu / gib).collect();
            let _ = writeln!(
                out,
                "| {op} ({protection}) | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} |",
                median(&mut ours_mbs),
                median(&mut theirs_mbs),
                median(&mut ratio),
                median(&mut ours_cpu),
                median(&mut theirs_cpu),
            );
        }
    }
    out
}

fn section(table: &str, rounds: usize, size_mib: u64, command: &str) -> Result<String, String> {
    let machine = machine()?;
    let smbd = output(Command::new("smbd").arg("--version"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    let smbclient = output(Command::new("smbclient").arg("--version"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    Ok(format!(
        "{SECTION}\n\n\
         Measured with `{command}`, which rewrites this section.\n\n\
         smbkitd (release build) and Samba's smbd run side by side on 127.0.0.1, each serving a\n\
         directory on /dev/shm to one user. The client is Samba's smbclient, SMB 3.1.1\n\
         (`-m SMB3_11`): `put` of one {size_mib} MiB random file (itself on tmpfs, so in memory) to\n\
         the share, then `get` of it to /dev/null. Two configurations: `sign`\n\
         (`--client-protection=sign`: signed, not encrypted) and `encrypt`\n\
         (`--client-protection=encrypt`, AES-128-GCM: smbkitd offers only\n\
         `ciphers = [\"AES-128-GCM\"]`; Samba runs with `server smb encrypt = desired` and its\n\
         default cipher order, and smbstatus confirmed it negotiated AES-128-GCM). Samba runs with\n\
         `server signing = mandatory`, and `server smb encrypt = off` for `sign`. The servers\n\
         alternate (smbkitd put, get, Samba put, get) for {rounds} round(s), after one untimed put\n\
         to each (the first write of a run into tmpfs is much slower, on both servers); each cell\n\
         is the median over the rounds. MB/s = 10^6 bytes per second of wall time of the whole smbclient run\n\
         (connect, session setup, transfer, logoff); ratio = median over rounds of smbkitd MB/s /\n\
         Samba MB/s in the same round (above 1 = smbkitd faster). Server CPU is user + system\n\
         time of the server for that transfer, per GiB moved: for smbkitd its process's\n\
         utime + stime from /proc/PID/stat; for Samba that of the per-connection smbd child, read\n\
         as the growth of the parent's cutime + cstime once the child has exited. The client\n\
         and both servers share the same cores.\n\n\
         - machine: {machine}\n\
         - Samba: smbd {smbd}, smbclient {smbclient}\n\n\
         {table}"
    ))
}

/// `doc` with the section starting at the line `heading` replaced by
/// `section` (up to the next `## ` heading or the end), or with `section`
/// appended when there is none.
pub fn replace_section(doc: &str, heading: &str, section: &str) -> String {
    let section = section.trim_end();
    let start = doc
        .match_indices(heading)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || doc.get(..i).is_some_and(|b| b.ends_with('\n')));
    match start {
        Some(start) => {
            let before = doc.get(..start).unwrap_or_default();
            let rest = doc.get(start + heading.len()..).unwrap_or_default();
            let after = rest
                .find("\n## ")
                .and_then(|i| rest.get(i + 1..))
                .unwrap_or_default();
            if after.is_empty() {
                format!("{before}{section}\n")
            } else {
                format!("{before}{section}\n\n{after}")
            }
        }
        None => format!("{}\n\n{section}\n", doc.trim_end()),
    }
}
