//! The file service with real clients, every check made on the disk behind
//! the share: Samba's `smbclient` (ls, get, put, mkdir, rmdir, rm, rename,
//! allinfo, recursive mput/mget of a tree, -L) at SMB 2.1 and 3.1.1, signed
//! and (3.1.1) encrypted; Python smbprotocol's `smbclient` module on two
//! thousand files (open, write, read, stat, scandir, rename, remove) and
//! server-side copy. Run with `cargo test -p smbkit-server --features
//! interop`; `cargo xtask test` installs the clients. A missing client
//! fails the test.
#![cfg(feature = "interop")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{
    PASSWORD, TestServer, USER, bytes, python, require_smbclient, require_smbprotocol, smbclient,
    start, temp_dir, text, tree,
};

/// (dialect, --client-protection): 2.1 cannot encrypt, 3.1.1 both ways.
const SMBCLIENT_MODES: [(&str, &str); 3] = [
    ("SMB2_10", "sign"),
    ("SMB3_11", "sign"),
    ("SMB3_11", "encrypt"),
];

/// Runs smbclient and fails the test on a failed exit or any NT_STATUS in
/// its output; returns the output.
async fn smbclient_ok(
    server: &TestServer,
    mode: (&str, &str),
    local: &Path,
    commands: &str,
) -> String {
    let out = smbclient(server, mode.0, mode.1, local, commands).await;
    let t = text(&out);
    assert!(
        out.status.success() && !t.contains("NT_STATUS"),
        "{mode:?} `{commands}`:\n{t}"
    );
    t
}

/// A small tree with an empty directory, nested directories, an empty
/// file and a file of several credits' worth.
fn make_tree(root: &Path) {
    for dir in ["tree/empty", "tree/sub/deeper", "tree/sub/other"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("tree/a.txt"), b"alpha\n").unwrap();
    std::fs::write(root.join("tree/zero"), b"").unwrap();
    std::fs::write(root.join("tree/sub/big.bin"), bytes(7, 1_300_000)).unwrap();
    std::fs::write(root.join("tree/sub/deeper/c.txt"), bytes(8, 4097)).unwrap();
    std::fs::write(root.join("tree/sub/other/d d.txt"), b"spaced name").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbclient_commands_change_the_share() {
    require_smbclient();
    let base = temp_dir("smbclient-cmds");
    let share = base.join("share");
    std::fs::create_dir_all(&share).unwrap();
    let server = start(&share, "").await;
    for (n, mode) in SMBCLIENT_MODES.into_iter().enumerate() {
        let local = base.join(format!("local-{n}"));
        std::fs::create_dir_all(&local).unwrap();
        let payload = bytes(n as u64, 300_000);
        std::fs::write(local.join("a.bin"), &payload).unwrap();

        // mkdir + put: the directory and the bytes are on disk.
        smbclient_ok(&server, mode, &local, "mkdir D; put a.bin D\\a.bin").await;
        assert!(share.join("D").is_dir(), "{mode:?}");
        assert_eq!(std::fs::read(share.join("D/a.bin")).unwrap(), payload);

        // ls shows the file with its size.
        let out = smbclient_ok(&server, mode, &local, "ls D\\*").await;
        assert!(
            out.lines()
                .any(|l| l.contains("a.bin") && l.split_whitespace().any(|w| w == "300000")),
            "{mode:?}: {out}"
        );

        // get: the local copy equals the file on the share.
        smbclient_ok(&server, mode, &local, "get D\\a.bin back.bin").await;
        assert_eq!(std::fs::read(local.join("back.bin")).unwrap(), payload);

        // allinfo: times, attributes and the one data stream with its size.
        let out = smbclient_ok(&server, mode, &local, "allinfo D\\a.bin").await;
        for field in ["create_time:", "write_time:", "change_time:", "attributes:"] {
            assert!(out.contains(field), "{mode:?}: no {field}: {out}");
        }
        assert!(
            out.contains("stream: [::$DATA], 300000 bytes"),
            "{mode:?}: {out}"
        );

        // rename: the old name is gone, the new one has the same bytes.
        smbclient_ok(&server, mode, &local, "rename D\\a.bin D\\b.bin").await;
        assert!(!share.join("D/a.bin").exists(), "{mode:?}");
        assert_eq!(std::fs::read(share.join("D/b.bin")).unwrap(), payload);

        // rm, rmdir: gone from the disk.
        smbclient_ok(&server, mode, &local, "rm D\\b.bin").await;
        assert!(!share.join("D/b.bin").exists(), "{mode:?}");
        smbclient_ok(&server, mode, &local, "rmdir D").await;
        assert!(!share.join("D").exists(), "{mode:?}");
        assert!(
            std::fs::read_dir(&share).unwrap().next().is_none(),
            "{mode:?}: share not empty"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbclient_recursive_mput_and_mget_copy_a_tree() {
    require_smbclient();
    let base = temp_dir("smbclient-tree");
    let share = base.join("share");
    std::fs::create_dir_all(&share).unwrap();
    let server = start(&share, "").await;
    let source = base.join("source");
    make_tree(&source);
    let original = tree(&source.join("tree"));
    assert_eq!(original.len(), 9, "4 directories, 5 files");
    for (n, mode) in SMBCLIENT_MODES.into_iter().enumerate() {
        smbclient_ok(&server, mode, &source, "prompt off; recurse on; mput tree").await;
        assert_eq!(tree(&share.join("tree")), original, "{mode:?}: mput");

        let back = base.join(format!("back-{n}"));
        std::fs::create_dir_all(&back).unwrap();
        smbclient_ok(&server, mode, &back, "prompt off; recurse on; mget tree").await;
        assert_eq!(tree(&back.join("tree")), original, "{mode:?}: mget");

        // Clean up through the server: deltree removes it from the disk.
        smbclient_ok(&server, mode, &back, "deltree tree").await;
        assert!(!share.join("tree").exists(), "{mode:?}: deltree");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbclient_lists_shares_signed_and_encrypted() {
    require_smbclient();
    let base = temp_dir("smbclient-list");
    let share = base.join("share");
    std::fs::create_dir_all(&share).unwrap();
    let server = start(&share, "").await;
    for (dialect, protection) in SMBCLIENT_MODES {
        let out = common::run(
            "smbclient",
            vec![
                "-L".into(),
                "//127.0.0.1".into(),
                "-p".into(),
                server.port(),
                "-U".into(),
                format!("{USER}%{PASSWORD}"),
                "-m".into(),
                dialect.into(),
                format!("--client-protection={protection}"),
            ],
            None,
        )
        .await;
        let t = text(&out);
        assert!(out.status.success() && !t.contains("NT_STATUS"), "{t}");
        let rows: Vec<Vec<&str>> = t.lines().map(|l| l.split_whitespace().collect()).collect();
        for (name, kind) in [("public", "Disk"), ("IPC$", "IPC")] {
            assert!(
                rows.iter()
                    .any(|r| r.len() >= 2 && r[0] == name && r[1] == kind),
                "{dialect} {protection}: no `{name} {kind}` row:\n{t}"
            );
        }
    }
}

/// Phases over `\\127.0.0.1\public\many`, one Python process each, so the
/// test can look at the disk in between. The contents of file `i` are
/// `"file {i} " * (1 + i % 7)`; every fourth file is renamed into `moved`.
const MANY: &str = r#"
import sys, smbclient
port, enc, phase, n = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3], int(sys.argv[4])
smbclient.register_session("127.0.0.1", username=sys.argv[5], password=sys.argv[6],
                           port=port, encrypt=enc)
base = r"\\127.0.0.1\public\many"
def content(i): return (f"file {i} " * (1 + i % 7)).encode()
def name(i): return f"f{i:05}.txt"
if phase == "write":
    smbclient.mkdir(base, port=port)
    for i in range(n):
        with smbclient.open_file(base + "\\" + name(i), mode="wb", port=port) as f:
            f.write(content(i))
elif phase == "read-rename":
    entries = {e.name: e for e in smbclient.scandir(base, port=port)}
    assert sorted(entries) == [name(i) for i in range(n)], sorted(entries)[:5]
    for i in range(n):
        e = entries[name(i)]
        assert e.is_file() and not e.is_dir(), name(i)
        assert e.smb_info.end_of_file == len(content(i)), (name(i), e.smb_info)
        with smbclient.open_file(base + "\\" + name(i), mode="rb", port=port) as f:
            assert f.read() == content(i), name(i)
    for i in range(0, n, 50):
        st = smbclient.stat(base + "\\" + name(i), port=port)
        assert st.st_size == len(content(i)), (i, st)
    smbclient.mkdir(base + r"\moved", port=port)
    for i in range(0, n, 4):
        smbclient.rename(base + "\\" + name(i), base + r"\moved\g" + name(i)[1:], port=port)
elif phase == "remove":
    for e in smbclient.scandir(base + r"\moved", port=port):
        smbclient.remove(e.path, port=port)
    smbclient.rmdir(base + r"\moved", port=port)
    for e in smbclient.scandir(base, port=port):
        smbclient.remove(e.path, port=port)
    smbclient.rmdir(base, port=port)
    assert smbclient.listdir(r"\\127.0.0.1\public", port=port) == []
elif phase == "copy":
    for i in range(n):
        smbclient.copyfile(base + "\\" + name(i), base + r"\copy-" + name(i), port=port)
    smbclient.copyfile(base + r"\big.bin", base + r"\big-copy.bin", port=port)
print("ok", phase)
"#;

fn content(i: usize) -> Vec<u8> {
    format!("file {i} ").repeat(1 + i % 7).into_bytes()
}

fn file_name(i: usize) -> String {
    format!("f{i:05}.txt")
}

async fn many(server: &TestServer, encrypt: bool, phase: &str, n: usize) {
    let out = python(
        MANY,
        &[
            server.port(),
            if encrypt { "1" } else { "0" }.into(),
            phase.into(),
            n.to_string(),
            USER.into(),
            PASSWORD.into(),
        ],
    )
    .await;
    assert_eq!(out.trim(), format!("ok {phase}"));
}

/// The share directory of one smbprotocol run.
async fn smbprotocol_share(tag: &str) -> (PathBuf, TestServer) {
    require_smbprotocol();
    let base = temp_dir(tag);
    let share = base.join("share");
    std::fs::create_dir_all(&share).unwrap();
    let server = start(&share, "").await;
    (share, server)
}

async fn thousands_of_files(tag: &str, encrypt: bool, n: usize) {
    let (share, server) = smbprotocol_share(tag).await;
    let dir = share.join("many");

    many(&server, encrypt, "write", n).await;
    let on_disk = tree(&dir);
    assert_eq!(on_disk.len(), n);
    for i in 0..n {
        assert_eq!(
            on_disk.get(Path::new(&file_name(i))),
            Some(&Some(content(i))),
            "{}",
            file_name(i)
        );
    }

    many(&server, encrypt, "read-rename", n).await;
    let on_disk = tree(&dir);
    assert_eq!(on_disk.len(), n + 1, "n files and the directory `moved`");
    for i in 0..n {
        let (path, gone) = if i % 4 == 0 {
            (format!("moved/g{}", &file_name(i)[1..]), file_name(i))
        } else {
            (file_name(i), format!("moved/g{}", &file_name(i)[1..]))
        };
        assert_eq!(
            on_disk.get(Path::new(&path)),
            Some(&Some(content(i))),
            "{path}"
        );
        assert!(!on_disk.contains_key(Path::new(&gone)), "{gone}");
    }

    many(&server, encrypt, "remove", n).await;
    assert!(!dir.exists());
    assert!(std::fs::read_dir(&share).unwrap().next().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbprotocol_two_thousand_files_signed() {
    thousands_of_files("py-many", false, 2000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbprotocol_files_encrypted() {
    thousands_of_files("py-many-enc", true, 200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbprotocol_copyfile_is_a_server_side_copy() {
    let (share, server) = smbprotocol_share("py-copy").await;
    let dir = share.join("many");
    let n = 20;
    many(&server, false, "write", n).await;
    // 3 MiB + 1: more than one 1 MiB chunk, and a short last one.
    let big = bytes(99, (3 << 20) + 1);
    std::fs::write(dir.join("big.bin"), &big).unwrap();
    many(&server, false, "copy", n).await;
    for i in 0..n {
        let copy = dir.join(format!("copy-{}", file_name(i)));
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            content(i),
            "{}",
            copy.display()
        );
        assert_eq!(std::fs::read(dir.join(file_name(i))).unwrap(), content(i));
    }
    assert_eq!(std::fs::read(dir.join("big-copy.bin")).unwrap(), big);
}
