//! Real clients against an in-process `Server` on 127.0.0.1:0: Samba's
//! `smbclient` on every dialect (signed and, for 3.x, encrypted), the share
//! listing over `IPC$`/srvsvc (`smbclient -L` on 3.1.1 and 2.0.2, `rpcclient
//! -c netshareenumall`) and Python smbprotocol's `smbclient` module. Run with
//! `cargo test -p smbkit-server --features interop` (`cargo xtask test`
//! installs the clients). A missing client fails the test.
#![cfg(feature = "interop")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

mod common;

use common::{TestServer, config_from, serve, temp_dir};

fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

async fn start(root: &Path) -> TestServer {
    let share = format!("public={}", root.display());
    serve(config_from(&["--share", &share, "--user", "alice:secret"])).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbclient_every_dialect() {
    assert!(
        have("smbclient", "--version"),
        "smbclient (Samba) is not installed: run `cargo xtask test`, which installs it"
    );
    let root = temp_dir("smbclient");
    let server = start(&root).await;
    let addr = server.addr;
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
    drop(server);
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
    let server = start(&root).await;
    let addr = server.addr;
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
    drop(server);
}

/// Runs a Samba command-line client and returns (success, stdout, stderr).
async fn run_samba(program: &'static str, args: Vec<String>) -> (bool, String, String) {
    let out = tokio::task::spawn_blocking(move || Command::new(program).args(&args).output())
        .await
        .unwrap()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `smbclient -L`: IPC$, the srvsvc pipe, bind and NetShareEnumAll level 1
/// (written, then read through FSCTL_PIPE_TRANSCEIVE).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbclient_lists_shares() {
    assert!(
        have("smbclient", "--version"),
        "smbclient (Samba) is not installed: run `cargo xtask test`, which installs it"
    );
    let root = temp_dir("smbclient-list");
    let server = start(&root).await;
    let addr = server.addr;
    for dialect in ["SMB3_11", "SMB2_02"] {
        let (ok, stdout, stderr) = run_samba(
            "smbclient",
            vec![
                "-L".into(),
                "//127.0.0.1".into(),
                "-p".into(),
                addr.port().to_string(),
                "-U".into(),
                "alice%secret".into(),
                "-m".into(),
                dialect.into(),
            ],
        )
        .await;
        assert!(ok, "{dialect}: {stdout}\n{stderr}");
        // The listing: "<name> <type> <comment>" rows.
        let rows: Vec<Vec<&str>> = stdout
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert!(
            rows.iter()
                .any(|r| r.len() >= 2 && r[0] == "public" && r[1] == "Disk"),
            "{dialect}: no `public Disk` row: {stdout}\n{stderr}"
        );
        assert!(
            rows.iter()
                .any(|r| r.len() >= 2 && r[0] == "IPC$" && r[1] == "IPC"),
            "{dialect}: no `IPC$ IPC` row: {stdout}\n{stderr}"
        );
        assert!(
            !stdout.contains("NT_STATUS") && !stderr.contains("NT_STATUS"),
            "{dialect}: {stdout}\n{stderr}"
        );
    }
    drop(server);
}

/// `rpcclient -c netshareenumall`: srvsvc NetShareEnumAll level 1 over
/// `\PIPE\srvsvc`, printed as `netname:` lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpcclient_netshareenumall() {
    assert!(
        have("rpcclient", "--version"),
        "rpcclient (Samba) is not installed: run `cargo xtask test`, which installs it"
    );
    let root = temp_dir("rpcclient");
    let server = start(&root).await;
    let addr = server.addr;
    let (ok, stdout, stderr) = run_samba(
        "rpcclient",
        vec![
            "-p".into(),
            addr.port().to_string(),
            "127.0.0.1".into(),
            "-U".into(),
            "alice%secret".into(),
            "-c".into(),
            "netshareenumall".into(),
        ],
    )
    .await;
    assert!(ok, "{stdout}\n{stderr}");
    let names: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("netname:"))
        .map(str::trim)
        .collect();
    assert_eq!(names, ["IPC$", "public"], "{stdout}\n{stderr}");
    assert!(
        !stdout.contains("NT_STATUS") && !stderr.contains("NT_STATUS"),
        "{stdout}\n{stderr}"
    );
    drop(server);
}
