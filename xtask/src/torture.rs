//! smbtorture, Samba's conformance suite, against smbkitd, through a
//! known-failures file.
//!
//! `tests/smbtorture/tests.txt` names the tests we run. Each runs in its own
//! smbtorture process against one smbkitd on loopback, with its share on
//! tmpfs. `tests/smbtorture/known-failures.txt` lists the tests expected to
//! fail, each with its reason. The step fails when a test not listed there
//! does not pass, and also when a listed test passes: then its entry must be
//! removed, so the file cannot go stale.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{cargo, step, target_dir, workspace_root};
use crate::net::{free_ports, wait_listening};

/// The user smbtorture logs on as, and its password.
pub const USER: &str = "torture";
/// The password of [`USER`].
pub const PASSWORD: &str = "Torture-Pass-1";
/// The share smbtorture is pointed at (beside it, the read-only "noperm").
pub const SHARE: &str = "share";
/// A test that runs longer than this is killed and counts as failed.
const TEST_TIMEOUT: Duration = Duration::from_secs(120);

/// What one smbtorture test came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    Skip,
}

/// Kills the server when the step ends, whichever way it ends.
pub struct Running {
    pub child: Child,
    share: PathBuf,
    pub addr: SocketAddr,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.share);
    }
}

pub fn run() -> Result<(), String> {
    let root = workspace_root();
    let tests = read_list(&root.join("tests/smbtorture/tests.txt"))?;
    let known = read_known(&root.join("tests/smbtorture/known-failures.txt"))?;
    if let Some(stray) = known.keys().find(|name| !tests.contains(name)) {
        return Err(format!(
            "known-failures.txt lists `{stray}`, which tests.txt does not run"
        ));
    }

    let binary = build_smbkitd()?;
    let server = start(&binary)?;
    let addr = server.addr;

    println!(
        "==> smbtorture: {} tests against smbkitd on {addr}",
        tests.len()
    );
    let output = target_dir()?.join("smbtorture-output.txt");
    let mut unexpected = Vec::new();
    let mut counts = BTreeMap::<&str, usize>::new();
    for test in &tests {
        let (outcome, log) = run_one(addr, USER, PASSWORD, test, &output, TEST_TIMEOUT)?;
        let expected_failure = known.get(test);
        let verdict = match (outcome, expected_failure) {
            (Outcome::Pass, None) => "ok",
            (Outcome::Pass, Some(_)) => {
                unexpected.push(format!(
                    "{test} now passes: remove it from tests/smbtorture/known-failures.txt"
                ));
                "PASSES BUT IS LISTED"
            }
            (Outcome::Fail | Outcome::Skip, Some(_)) => "known failure",
            (Outcome::Fail, None) => {
                unexpected.push(format!("{test} failed:\n{}", tail(&log, 25)));
                "FAILED"
            }
            (Outcome::Skip, None) => {
                unexpected.push(format!("{test} was skipped:\n{}", tail(&log, 10)));
                "SKIPPED"
            }
        };
        *counts.entry(verdict).or_default() += 1;
        println!("    {verdict:>22}  {test}");
    }
    drop(server);

    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
    println!("==> smbtorture: {}", summary.join(", "));
    if unexpected.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "smbtorture: {} unexpected result(s):\n{}",
            unexpected.len(),
            unexpected.join("\n")
        ))
    }
}

/// Test names, one a line; `#` starts a comment.
fn read_list(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// `name  reason…` lines; every entry must give a reason.
fn read_known(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut known = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        if reason.trim().is_empty() {
            return Err(format!(
                "{}:{}: `{name}` has no reason",
                path.display(),
                number + 1
            ));
        }
        known.insert(name.to_owned(), reason.trim().to_owned());
    }
    Ok(known)
}

/// Builds smbkitd (debug) and returns the binary's path.
pub fn build_smbkitd() -> Result<PathBuf, String> {
    step(
        "cargo build smbkitd",
        cargo().args([
            "build",
            "--locked",
            "-p",
            "smbkit-server",
            "--bin",
            "smbkitd",
        ]),
    )?;
    Ok(target_dir()?.join("debug").join("smbkitd"))
}

/// The share lives on tmpfs where there is one (ext4 skews some
/// conformance tests), else in the target directory. `tag` keeps the
/// directories of servers that run side by side apart.
pub fn share_dir(tag: &str) -> Result<PathBuf, String> {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        target_dir()?
    };
    let dir = base.join(format!("smbkit-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Starts smbkitd with the "share" and "noperm" shares on tmpfs and waits
/// until it listens.
pub fn start(binary: &Path) -> Result<Running, String> {
    let [port] = free_ports()?;
    let share = share_dir("torture")?;
    let log = target_dir()?.join("smbtorture-smbkitd.log");
    let log_file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    // smbtorture also connects to a share named "noperm", where its user
    // may connect but not write (smb2.ioctl.bug14788.*).
    let (served, noperm) = (share.join("share"), share.join("noperm"));
    for dir in [&served, &noperm] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let config = target_dir()?.join("smbtorture-smbkitd.toml");
    std::fs::write(
        &config,
        format!(
            "[[share]]\nname = \"{SHARE}\"\npath = {share:?}\n\n\
             [[share]]\nname = \"noperm\"\npath = {noperm:?}\nread_only = true\n\n\
             [[user]]\nname = \"{USER}\"\npassword = \"{PASSWORD}\"\n",
            share = served.display().to_string(),
            noperm = noperm.display().to_string(),
        ),
    )
    .map_err(|e| format!("{}: {e}", config.display()))?;
    let child = Command::new(binary)
        .arg("--config")
        .arg(&config)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|e| format!("starting {}: {e}", binary.display()))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let running = Running { child, share, addr };
    wait_listening(addr, "smbkitd", &log)?;
    println!("==> smbkitd on {addr}, log in {}", log.display());
    Ok(running)
}

/// Runs one smbtorture test as `user`, killed after `timeout`; returns its
/// outcome and its output. The output goes to a file, so a chatty test
/// never blocks on a full pipe.
pub fn run_one(
    addr: SocketAddr,
    user: &str,
    password: &str,
    test: &str,
    output: &Path,
    timeout: Duration,
) -> Result<(Outcome, String), String> {
    let file = std::fs::File::create(output).map_err(|e| format!("{}: {e}", output.display()))?;
    let file_err = file
        .try_clone()
        .map_err(|e| format!("{}: {e}", output.display()))?;
    let mut child = Command::new("smbtorture")
        .arg(format!("//{}/{SHARE}", addr.ip()))
        .args(["-p", &addr.port().to_string()])
        .args(["-U", &format!("{user}%{password}")])
        .args(["-T", "samba3"])
        .arg(test)
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(file_err)
        .spawn()
        .map_err(|e| format!("starting smbtorture: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("waiting for smbtorture: {e}")),
        }
    };
    let mut log = String::from_utf8_lossy(&std::fs::read(output).unwrap_or_default()).into_owned();
    let Some(status) = status else {
        log.push_str(&format!("\n{KILLED} ({} s)", timeout.as_secs()));
        return Ok((Outcome::Fail, log));
    };
    let failed = log
        .lines()
        .any(|l| l.starts_with("failure: ") || l.starts_with("error: "));
    let passed = log.lines().any(|l| l.starts_with("success: "));
    let skipped = log.lines().any(|l| l.starts_with("skip: "));
    let outcome = if status.success() && passed && !failed {
        Outcome::Pass
    } else if status.success() && skipped && !failed && !passed {
        Outcome::Skip
    } else {
        Outcome::Fail
    };
    Ok((outcome, log))
}

/// The line `run_one` appends to the output of a test it had to kill.
pub const KILLED: &str = "(killed after the time limit)";

fn tail(log: &str, lines: usize) -> String {
    let all: Vec<&str> = log.lines().collect();
    let start = all.len().saturating_sub(lines);
    all.get(start..)
        .unwrap_or_default()
        .iter()
        .map(|l| format!("      | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
