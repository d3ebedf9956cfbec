//! The real `smbkitd` binary: bad configurations fail with one line, a good
//! one starts, logs its start-up line and exits 0 on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn smbkitd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_smbkitd"));
    c.env_remove("SMBKIT_LOG").env("RUST_BACKTRACE", "1");
    c
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("smbkitd-bin-test-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs smbkitd with `args` and returns (exit code, stderr).
fn run_failing(args: &[&str]) -> (i32, String) {
    let out = smbkitd().args(args).stdin(Stdio::null()).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    (out.status.code().expect("exited, not killed"), stderr)
}

fn assert_one_line(args: &[&str], want: &str) {
    let (code, stderr) = run_failing(args);
    assert_ne!(code, 0, "{args:?} should fail; stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr:?}");
    assert!(stderr.ends_with('\n'));
    assert!(
        stderr.starts_with(want),
        "{args:?}:\n got  {stderr:?}\n want {want:?}"
    );
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"));
}

#[test]
fn bad_configurations_print_one_line_and_fail() {
    let dir = temp_dir("bad");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };

    let unknown = write(
        "unknown.toml",
        "[server]\nlisten = [\"127.0.0.1:0\"]\nlisen = 1\n",
    );
    assert_one_line(
        &["--config", &unknown],
        &format!("smbkitd: config file {unknown} line 3: unknown field `lisen`"),
    );

    let missing = write(
        "missing.toml",
        "[[share]]\nname = \"public\"\npath = \"/nonexistent/srv/public\"\n",
    );
    assert_one_line(
        &["--config", &missing],
        "smbkitd: share \"public\": path /nonexistent/srv/public does not exist",
    );

    let share = format!(
        "[[share]]\nname = \"public\"\npath = {:?}\n",
        dir.display().to_string()
    );
    let no_secret = write(
        "nosecret.toml",
        &format!("{share}[[user]]\nname = \"alice\"\n"),
    );
    assert_one_line(
        &["--config", &no_secret],
        "smbkitd: user \"alice\": needs a password or an nt_hash",
    );
    let dup = write("dup.toml", &format!("{share}{share}"));
    assert_one_line(
        &["--config", &dup],
        "smbkitd: share \"public\": defined twice",
    );
    let bad_value = write(
        "badvalue.toml",
        &format!("[server]\nsigning = \"maybe\"\n{share}"),
    );
    assert_one_line(
        &["--config", &bad_value],
        "smbkitd: server.signing: bad value \"maybe\" (expected required or enabled)",
    );

    assert_one_line(&[], "smbkitd: no share configured");
    assert_one_line(
        &["--config", "/nonexistent/smbkitd.toml"],
        "smbkitd: cannot read config file /nonexistent/smbkitd.toml:",
    );

    // Port in use.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let share_arg = format!("public={}", dir.display());
    assert_one_line(
        &["--listen", &addr, "--share", &share_arg],
        &format!("smbkitd: cannot listen on {addr}: "),
    );
}

#[cfg(unix)]
#[test]
fn starts_and_exits_zero_on_sigterm() {
    let dir = temp_dir("run");
    let share_arg = format!("public={}", dir.display());
    let mut child = smbkitd()
        .args([
            "--listen",
            "127.0.0.1:0",
            "--share",
            &share_arg,
            "--user",
            "alice:secret",
        ])
        .env("SMBKIT_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("listening on 127.0.0.1:"), "{line}");
    assert!(
        line.contains(&format!("public={}", dir.display())),
        "{line}"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("smbkitd did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(code, Some(0));
}
