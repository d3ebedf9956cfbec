//! Real clients against an in-process `Server` on 127.0.0.1:0, one server
//! configuration per cipher and per signing algorithm, so that the client
//! can only use that one: Python smbprotocol reports what it negotiated, and
//! moves data over it. Also: wrong credentials, and a share that requires
//! encryption, with Samba's smbclient. Run with
//! `cargo test -p smbkit-server --features interop` (`cargo xtask test`
//! installs the clients). A missing client fails the test.
#![cfg(feature = "interop")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::process::{Command, Output};

mod common;

use common::{TestServer, serve_file, temp_dir};

/// Starts a server from a TOML configuration (listen address forced to
/// 127.0.0.1:0); `@SHARE@` in it names a fresh share directory.
async fn start(toml: &str, tag: &str) -> TestServer {
    let dir = temp_dir(tag);
    let share = dir.join("share");
    std::fs::create_dir_all(&share).unwrap();
    let file = dir.join("smbkitd.toml");
    std::fs::write(&file, toml.replace("@SHARE@", &share.display().to_string())).unwrap();
    serve_file(&file).await
}

fn config(server_lines: &str) -> String {
    format!(
        "[server]\n{server_lines}\n\n\
         [[share]]\nname = \"public\"\npath = \"@SHARE@\"\n\n\
         [[share]]\nname = \"secret\"\npath = \"@SHARE@\"\nencrypt = true\n\n\
         [[user]]\nname = \"alice\"\npassword = \"secret\"\n"
    )
}

async fn run(program: &str, args: Vec<String>) -> Output {
    let program = program.to_owned();
    tokio::task::spawn_blocking(move || {
        Command::new(&program)
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("{program} could not start: {e}"))
    })
    .await
    .unwrap()
}

fn require_smbprotocol() {
    assert!(
        Command::new("python3")
            .args(["-c", "import smbprotocol"])
            .output()
            .is_ok_and(|o| o.status.success()),
        "python3 with smbprotocol is not installed: run `cargo xtask test`, which installs it"
    );
}

fn require_smbclient() {
    assert!(
        Command::new("smbclient")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "smbclient (Samba) is not installed: run `cargo xtask test`, which installs it"
    );
}

/// Connects with smbprotocol's low-level API, writes and reads back 200 KiB
/// (several credits' worth) and prints `dialect cipher signing`.
const PY: &str = r#"
import sys, uuid
from smbprotocol.connection import Connection
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect
from smbprotocol.open import (Open, CreateDisposition, CreateOptions, FileAttributes,
    FilePipePrinterAccessMask, ImpersonationLevel, ShareAccess)
port = int(sys.argv[1]); encrypt = sys.argv[2] == "1"
conn = Connection(uuid.uuid4(), "127.0.0.1", port, require_signing=True)
conn.connect()
session = Session(conn, "alice", "secret", require_encryption=encrypt)
session.connect()
tree = TreeConnect(session, r"\\127.0.0.1\public")
tree.connect()
f = Open(tree, "crypto.bin")
access = (FilePipePrinterAccessMask.GENERIC_READ | FilePipePrinterAccessMask.GENERIC_WRITE
          | FilePipePrinterAccessMask.DELETE)
f.create(ImpersonationLevel.Impersonation, access, FileAttributes.FILE_ATTRIBUTE_NORMAL,
         ShareAccess.FILE_SHARE_READ, CreateDisposition.FILE_OVERWRITE_IF,
         CreateOptions.FILE_NON_DIRECTORY_FILE | CreateOptions.FILE_DELETE_ON_CLOSE)
data = bytes(range(256)) * 800
f.write(data, 0)
assert f.read(0, len(data)) == data
f.close()
tree.disconnect()
session.disconnect()
conn.disconnect()
print(conn.dialect, conn.cipher_id, conn.signing_algorithm_id)
"#;

async fn smbprotocol(addr: SocketAddr, encrypt: bool) -> (u16, u16, u16) {
    let out = run(
        "python3",
        vec![
            "-c".into(),
            PY.into(),
            addr.port().to_string(),
            if encrypt { "1" } else { "0" }.into(),
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "smbprotocol failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fields: Vec<u16> = stdout
        .split_whitespace()
        .map(|f| f.parse().expect("a number"))
        .collect();
    assert_eq!(fields.len(), 3, "{stdout}");
    (fields[0], fields[1], fields[2])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbprotocol_with_each_cipher() {
    require_smbprotocol();
    for (name, id) in [
        ("AES-128-GCM", 2),
        ("AES-128-CCM", 1),
        ("AES-256-GCM", 4),
        ("AES-256-CCM", 3),
    ] {
        let server = start(
            &config(&format!("ciphers = [\"{name}\"]")),
            &format!("cipher-{id}"),
        )
        .await;
        let addr = server.addr;
        let (dialect, cipher, _) = smbprotocol(addr, true).await;
        assert_eq!(dialect, 0x0311, "{name}");
        assert_eq!(cipher, id, "{name}: negotiated cipher");
        drop(server);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbprotocol_with_each_signing_algorithm() {
    require_smbprotocol();
    for (name, id) in [("AES-128-GMAC", 2), ("AES-128-CMAC", 1), ("HMAC-SHA256", 0)] {
        let server = start(
            &config(&format!("signing_algorithms = [\"{name}\"]")),
            &format!("signing-{id}"),
        )
        .await;
        let addr = server.addr;
        let (dialect, _, signing) = smbprotocol(addr, false).await;
        assert_eq!(dialect, 0x0311, "{name}");
        assert_eq!(signing, id, "{name}: negotiated signing algorithm");
        drop(server);
    }
}

async fn smbclient(addr: SocketAddr, share: &str, user: &str, extra: &[&str]) -> String {
    let mut args = vec![
        format!("//127.0.0.1/{share}"),
        "-p".into(),
        addr.port().to_string(),
        "-U".into(),
        user.into(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.extend(["-c".into(), "ls".into()]);
    let out = run("smbclient", args).await;
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_and_an_encrypted_share() {
    require_smbclient();
    let server = start(&config(""), "smbclient").await;
    let addr = server.addr;

    let out = smbclient(addr, "public", "alice%wrong", &[]).await;
    assert!(out.contains("NT_STATUS_LOGON_FAILURE"), "{out}");
    let out = smbclient(addr, "public", "mallory%secret", &[]).await;
    assert!(out.contains("NT_STATUS_LOGON_FAILURE"), "{out}");
    let out = smbclient(addr, "public", "alice%secret", &[]).await;
    assert!(!out.contains("NT_STATUS"), "{out}");

    // A 2.1 client cannot encrypt: the encrypted share refuses it ...
    let out = smbclient(addr, "secret", "alice%secret", &["-m", "SMB2_10"]).await;
    assert!(out.contains("NT_STATUS_ACCESS_DENIED"), "{out}");
    // ... and serves a 3.x client, which encrypts because the share says so.
    for dialect in ["SMB3_00", "SMB3_11"] {
        let out = smbclient(addr, "secret", "alice%secret", &["-m", dialect]).await;
        assert!(!out.contains("NT_STATUS"), "{dialect}: {out}");
        assert!(out.contains("blocks of size"), "{dialect}: {out}");
    }
    drop(server);
}
