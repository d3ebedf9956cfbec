//! Real clients against an in-process `Server` on 127.0.0.1:0: Samba's
//! `smbclient` on every dialect (signed and, for 3.x, encrypted) and Python
//! smbprotocol's `smbclient` module. Run with
//! `cargo test -p smbkit-server --features interop` (`cargo xtask test`
//! installs the clients). A missing client fails the test.
#![cfg(feature = "interop")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use clap::Parser;
use smbkit_server::{Cli, Server, ServerConfig};

fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

async fn start(root: &Path) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let cli = Cli::try_parse_from([
        "smbkitd".to_owned(),
        "--listen".to_owned(),
        "127.0.0.1:0".to_owned(),
        "--share".to_owned(),
        format!("public={}", root.display()),
        "--user".to_owned(),
        "alice:secret".to_owned(),
    ])
    .expect("command line");
    let config = ServerConfig::load(&cli).expect("config");
    let server = Server::bind(config).await.expect("bind");
    let addr = server.local_addrs()[0];
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    (addr, tx)
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("smbkit-interop-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbclient_every_dialect() {
    assert!(
        have("smbclient", "--version"),
        "smbclient (Samba) is not installed: run `cargo xtask test`, which installs it"
    );
    let root = temp_dir("smbclient");
    let (addr, stop) = start(&root).await;
    let local = temp_dir("smbclient-local");
    std::fs::write(local.join("x"), b"interop payload\n").unwrap();
    for dialect in ["SMB2_02", "SMB2_10", "SMB3_00", "SMB3_02", "SMB3_11"] {
        let protections: &[&str] = if dialect.starts_with("SMB3") {
            &["sign", "encrypt"]
        } else {
            &["sign"]
        };
        for protection in protections {
            let out = tokio::task::spawn_blocking({
                let local = local.clone();
                let dialect = dialect.to_owned();
                let protection = protection.to_string();
                move || {
                    Command::new("smbclient")
                        .current_dir(&local)
                        .args([
                            "//127.0.0.1/public",
                            "-p",
                            &addr.port().to_string(),
                            "-U",
                            "alice%secret",
                            "-m",
                            &dialect,
                            &format!("--client-protection={protection}"),
                            "-c",
                            "ls; put x; get x x.back; mkdir d; rename x d\\y; ls d\\*; rm d\\y; rmdir d; ls",
                        ])
                        .output()
                        .unwrap()
                }
            })
            .await
            .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success()
                    && !stdout.contains("NT_STATUS")
                    && !stderr.contains("NT_STATUS"),
                "{dialect} {protection}: {stdout}\n{stderr}"
            );
            assert!(stdout.contains(" y "), "{dialect}: listing of d: {stdout}");
            assert_eq!(
                std::fs::read(local.join("x.back")).unwrap(),
                b"interop payload\n"
            );
            std::fs::remove_file(local.join("x.back")).unwrap();
            assert!(
                std::fs::read_dir(&root).unwrap().next().is_none(),
                "share not empty after {dialect}"
            );
        }
    }
    let _ = stop.send(());
}

const PY: &str = r#"
import sys, smbclient
port = int(sys.argv[1]); enc = sys.argv[2] == "1"
smbclient.register_session("127.0.0.1", username="alice", password="secret", port=port, encrypt=enc)
base = r"\\127.0.0.1\public"
p = base + r"\py.txt"
with smbclient.open_file(p, mode="w", port=port) as f:
    f.write("hello from python")
with smbclient.open_file(p, mode="r", port=port) as f:
    assert f.read() == "hello from python"
st = smbclient.stat(p, port=port)
assert st.st_size == 17, st
assert "py.txt" in smbclient.listdir(base, port=port)
smbclient.rename(p, base + r"\py2.txt", port=port)
smbclient.mkdir(base + r"\pd", port=port)
names = [e.name for e in smbclient.scandir(base, port=port)]
assert "pd" in names and "py2.txt" in names, names
smbclient.rmdir(base + r"\pd", port=port)
smbclient.remove(base + r"\py2.txt", port=port)
assert smbclient.listdir(base, port=port) == [], smbclient.listdir(base, port=port)
print("ok")
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbprotocol_file_operations() {
    assert!(
        Command::new("python3")
            .args(["-c", "import smbclient"])
            .output()
            .is_ok_and(|o| o.status.success()),
        "python3 with smbprotocol is not installed: run `cargo xtask test`, which installs it"
    );
    let root = temp_dir("smbprotocol");
    let (addr, stop) = start(&root).await;
    for enc in ["0", "1"] {
        let port = addr.port().to_string();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("python3")
                .args(["-c", PY, &port, enc])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "smbprotocol (encrypt={enc}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = stop.send(());
}
