//! What the file-service interop tests share: an in-process server on
//! 127.0.0.1:0 from a TOML configuration, scratch directories, running the
//! real clients (Samba's smbclient, Python smbprotocol) off the runtime's
//! threads, and comparing what ended up on disk.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clap::Parser;
use smbkit_server::{Cli, Server, ServerConfig};

/// The user every test logs on as.
pub const USER: &str = "alice";
/// Its password.
pub const PASSWORD: &str = "Secret-Pass-1";

/// A fresh, empty scratch directory named after the test and the process.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("smbkit-files-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh, empty scratch directory of its own on every call, for tests
/// that run side by side and each start a server.
pub fn unique_dir(tag: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    temp_dir(&format!("{tag}-{n}"))
}

/// A running in-process server; stops it when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// The port, as the clients take it.
    pub fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// Stops the server and waits (10 s at most) until it has closed every
    /// connection and returned.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(std::time::Duration::from_secs(10), task)
                .await
                .expect("the server stops within 10 s")
                .expect("the server task does not panic");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Parses `smbkitd ARGS… --listen 127.0.0.1:0` and loads the configuration
/// the way the binary does.
pub fn config_from(args: &[&str]) -> ServerConfig {
    let mut all = vec!["smbkitd"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--listen", "127.0.0.1:0"]);
    let cli = Cli::try_parse_from(all).expect("command line");
    ServerConfig::load(&cli).expect("config")
}

/// Runs a bound server on the test's runtime until the returned
/// [`TestServer`] is dropped.
pub fn spawn(server: Server) -> TestServer {
    let addr = server.local_addrs()[0];
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    TestServer {
        addr,
        stop: Some(tx),
        task: Some(task),
    }
}

/// Binds `config` and runs it until the returned [`TestServer`] is dropped.
pub async fn serve(config: ServerConfig) -> TestServer {
    spawn(Server::bind(config).await.expect("bind"))
}

/// Serves the TOML configuration `file` (listen address forced to
/// 127.0.0.1:0).
pub async fn serve_file(file: &Path) -> TestServer {
    serve(config_from(&["--config", &file.display().to_string()])).await
}

/// Starts a server with one share `public` at `share` (plus the extra TOML
/// in `more`) and the user [`USER`]; the listen address is 127.0.0.1:0.
pub async fn start(share: &Path, more: &str) -> TestServer {
    let dir = share.parent().unwrap();
    let file = dir.join(format!(
        "{}.toml",
        share.file_name().unwrap().to_string_lossy()
    ));
    let text = format!(
        "[[share]]\nname = \"public\"\npath = {:?}\n\n{more}\n\n\
         [[user]]\nname = \"{USER}\"\npassword = \"{PASSWORD}\"\n",
        share.display().to_string()
    );
    std::fs::write(&file, text).unwrap();
    serve_file(&file).await
}

/// Runs `program args` on a blocking thread, in `dir` when given.
pub async fn run(program: &str, args: Vec<String>, dir: Option<&Path>) -> Output {
    let program = program.to_owned();
    let dir = dir.map(Path::to_path_buf);
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(&program);
        command.args(&args);
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        command
            .output()
            .unwrap_or_else(|e| panic!("{program} could not start: {e}"))
    })
    .await
    .unwrap()
}

/// stdout and stderr together, for assertions and messages.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Fails the test with a hint when smbclient is missing.
pub fn require_smbclient() {
    assert!(
        Command::new("smbclient")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "smbclient (Samba) is not installed: run `cargo xtask test`, which installs it"
    );
}

/// Fails the test with a hint when Python smbprotocol is missing.
pub fn require_smbprotocol() {
    assert!(
        Command::new("python3")
            .args(["-c", "import smbclient, smbprotocol"])
            .output()
            .is_ok_and(|o| o.status.success()),
        "python3 with smbprotocol is not installed: run `cargo xtask test`, which installs it"
    );
}

/// One smbclient run against `//127.0.0.1/public`: `-m dialect`,
/// `--client-protection=protection`, `-c commands`, from `local`.
pub async fn smbclient(
    server: &TestServer,
    dialect: &str,
    protection: &str,
    local: &Path,
    commands: &str,
) -> Output {
    run(
        "smbclient",
        vec![
            "//127.0.0.1/public".into(),
            "-p".into(),
            server.port(),
            "-U".into(),
            format!("{USER}%{PASSWORD}"),
            "-m".into(),
            dialect.into(),
            format!("--client-protection={protection}"),
            "-c".into(),
            commands.into(),
        ],
        Some(local),
    )
    .await
}

/// Runs a Python script with `args`; fails the test when it fails.
pub async fn python(script: &str, args: &[String]) -> String {
    let mut all = vec!["-c".to_owned(), script.to_owned()];
    all.extend(args.iter().cloned());
    let out = run("python3", all, None).await;
    let t = text(&out);
    assert!(out.status.success(), "python failed:\n{t}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file and directory below `root`, by relative path: `None` for a
/// directory, the contents for a file. Symlinks are not followed.
pub fn tree(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                out.insert(rel, None);
                walk(root, &path, out);
            } else {
                out.insert(rel, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Deterministic pseudo-random bytes (xorshift), so a file's contents
/// differ from its neighbours' and from a shifted copy of itself.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
