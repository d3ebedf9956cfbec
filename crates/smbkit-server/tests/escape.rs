//! Attempts to leave the share, through real clients: `..` components,
//! absolute and drive paths, symbolic links inside the share that point
//! outside (to a file, to a directory, to `/etc`), stream names on them,
//! and renames and hard links of a file in the share to a name outside. Outside the share sits a canary directory; every attempt must
//! fail with the status named here, and afterwards the canary directory
//! must be byte-for-byte what it was, with nothing added. Samba's
//! smbclient tries what a user would type; Python smbprotocol's raw
//! `Open` sends exactly the path given, which smbclient would clean up
//! first. Run with `cargo test -p smbkit-server --features interop`.
#![cfg(feature = "interop")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{
    PASSWORD, TestServer, USER, python, require_smbclient, require_smbprotocol, smbclient, start,
    temp_dir, text, tree,
};

const CANARY: &[u8] = b"canary: must never be read or changed through the share\n";

/// A share with symlinks out of it, and the canary directory beside it.
struct Setup {
    share: PathBuf,
    outside: PathBuf,
    before: BTreeMap<PathBuf, Option<Vec<u8>>>,
    server: TestServer,
}

impl Setup {
    async fn new(tag: &str) -> Setup {
        let base = temp_dir(tag);
        let share = base.join("share");
        let outside = base.join("outside");
        std::fs::create_dir_all(&share).unwrap();
        std::fs::create_dir_all(outside.join("sub")).unwrap();
        std::fs::write(outside.join("canary.txt"), CANARY).unwrap();
        std::fs::write(outside.join("sub/inner.txt"), b"inner canary\n").unwrap();
        std::fs::write(share.join("ok.txt"), b"inside\n").unwrap();
        std::fs::create_dir_all(share.join("dir")).unwrap();
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, share.join(name)).unwrap();
        };
        link(&outside.join("canary.txt"), "link_file");
        link(Path::new("../outside/canary.txt"), "link_rel");
        link(&outside, "link_dir");
        link(Path::new("/etc"), "link_etc");
        // A link one level down, climbing out with a relative target.
        std::os::unix::fs::symlink("../../outside", share.join("dir/up")).unwrap();
        let before = tree(&outside);
        let server = start(&share, "").await;
        Setup {
            share,
            outside,
            before,
            server,
        }
    }

    /// The canary directory is unchanged: same names, same bytes, nothing new.
    fn assert_outside_untouched(&self, after: &str) {
        assert_eq!(
            tree(&self.outside),
            self.before,
            "the directory outside the share changed after {after}"
        );
        assert_eq!(
            std::fs::read(self.outside.join("canary.txt")).unwrap(),
            CANARY
        );
    }
}

/// Raw smbprotocol: for each `label path mode` line on stdin-like argv,
/// opens `path` exactly as given and prints `label status`, where status
/// is the NTSTATUS in hex, or `opened:<what it read>` / `opened:wrote`.
const RAW: &str = r#"
import sys, uuid
from smbprotocol.connection import Connection
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect
from smbprotocol.open import (Open, CreateDisposition, CreateOptions, FileAttributes,
    FilePipePrinterAccessMask as A, DirectoryAccessMask as D, ImpersonationLevel, ShareAccess)
from smbprotocol.exceptions import SMBResponseException
from smbprotocol.open import SMB2SetInfoRequest
from smbprotocol.file_info import FileRenameInformation, FileLinkInformation
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conn = Connection(uuid.uuid4(), "127.0.0.1", port, require_signing=True)
conn.connect()
session = Session(conn, user, password)
session.connect()
tree = TreeConnect(session, r"\\127.0.0.1\public")
tree.connect()
share = ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE | ShareAccess.FILE_SHARE_DELETE
modes = {
    "read": (A.GENERIC_READ, CreateDisposition.FILE_OPEN, CreateOptions.FILE_NON_DIRECTORY_FILE),
    "write": (A.GENERIC_WRITE, CreateDisposition.FILE_OPEN, CreateOptions.FILE_NON_DIRECTORY_FILE),
    "overwrite": (A.GENERIC_WRITE, CreateDisposition.FILE_OVERWRITE_IF, CreateOptions.FILE_NON_DIRECTORY_FILE),
    "create": (A.GENERIC_WRITE, CreateDisposition.FILE_CREATE, CreateOptions.FILE_NON_DIRECTORY_FILE),
    "supersede": (A.GENERIC_WRITE, CreateDisposition.FILE_SUPERSEDE, CreateOptions.FILE_NON_DIRECTORY_FILE),
    "delete": (A.DELETE, CreateDisposition.FILE_OPEN, CreateOptions.FILE_DELETE_ON_CLOSE | CreateOptions.FILE_NON_DIRECTORY_FILE),
    "list": (D.FILE_LIST_DIRECTORY, CreateDisposition.FILE_OPEN, CreateOptions.FILE_DIRECTORY_FILE),
    "mkdir": (D.FILE_LIST_DIRECTORY, CreateDisposition.FILE_CREATE, CreateOptions.FILE_DIRECTORY_FILE),
}
# `rename` and `link`: open ok.txt and SET_INFO FileRenameInformation or
# FileLinkInformation with the path as the new name.
def set_name(info_class, path, access):
    f = Open(tree, "ok.txt")
    f.create(ImpersonationLevel.Impersonation, access, FileAttributes.FILE_ATTRIBUTE_NORMAL,
             share, CreateDisposition.FILE_OPEN, CreateOptions.FILE_NON_DIRECTORY_FILE)
    try:
        info = info_class()
        info["replace_if_exists"] = False
        info["file_name"] = path
        req = SMB2SetInfoRequest()
        req["info_type"] = info.INFO_TYPE
        req["file_info_class"] = info.INFO_CLASS
        req["file_id"] = f.file_id
        req["buffer"] = info
        conn.receive(conn.send(req, sid=session.session_id, tid=tree.tree_connect_id))
        return "opened:" + info_class.__name__
    except SMBResponseException as e:
        return "%08x" % e.status
    finally:
        f.close()
for spec in sys.argv[4:]:
    label, path, mode = spec.split("|")
    if mode == "rename":
        print(label, set_name(FileRenameInformation, path, A.DELETE), flush=True)
        continue
    if mode == "link":
        print(label, set_name(FileLinkInformation, path, A.FILE_READ_ATTRIBUTES), flush=True)
        continue
    access, disposition, options = modes[mode]
    f = Open(tree, path)
    try:
        f.create(ImpersonationLevel.Impersonation, access, FileAttributes.FILE_ATTRIBUTE_NORMAL,
                 share, disposition, options)
    except SMBResponseException as e:
        print(label, "%08x" % e.status, flush=True)
        continue
    what = "opened"
    try:
        if mode == "read":
            what = "opened:" + f.read(0, 64).decode(errors="replace").split("\n")[0]
        elif mode == "list":
            what = "opened:" + ",".join(sorted(e["file_name"].get_value().decode("utf-16-le")
                                              for e in f.query_directory("*", 1)))
        elif mode in ("write", "overwrite", "create", "supersede"):
            f.write(b"ESCAPED", 0)
            what = "opened:wrote"
    finally:
        f.close()
    print(label, what.replace(" ", "_"), flush=True)
"#;

const OBJECT_NAME_INVALID: &str = "c0000033";
const OBJECT_NAME_NOT_FOUND: &str = "c0000034";
const ACCESS_DENIED: &str = "c0000022";
const INVALID_PARAMETER: &str = "c000000d";
/// A name with a stream part: not found while alternate data streams are
/// not supported (so macOS falls back to AppleDouble files), invalid once
/// they are when the stream name has a `\` (MS-FSCC 2.1.5), refused when
/// the file is a link out of the share.
const STREAM: &[&str] = &[OBJECT_NAME_NOT_FOUND, OBJECT_NAME_INVALID, ACCESS_DENIED];
const NOT_SUPPORTED: &str = "c00000bb";

/// (label, path as sent, mode, the statuses that are right). A `..`
/// component makes the name invalid; a leading `\\` is an invalid
/// parameter (MS-SMB2 3.3.5.9); a link that leads out of the share is
/// refused with ACCESS_DENIED; names with a stream part, see [`STREAM`].
const RAW_ATTEMPTS: &[(&str, &str, &str, &[&str])] = &[
    // `..` in every position.
    (
        "dotdot-read",
        r"..\outside\canary.txt",
        "read",
        &[OBJECT_NAME_INVALID],
    ),
    (
        "dotdot-etc",
        r"..\..\..\..\..\..\etc\passwd",
        "read",
        &[OBJECT_NAME_INVALID],
    ),
    (
        "dotdot-write",
        r"..\outside\canary.txt",
        "write",
        &[OBJECT_NAME_INVALID],
    ),
    (
        "dotdot-create",
        r"..\outside\new.txt",
        "create",
        &[OBJECT_NAME_INVALID],
    ),
    (
        "dotdot-inner",
        r"dir\..\..\outside\canary.txt",
        "overwrite",
        &[OBJECT_NAME_INVALID],
    ),
    (
        "dotdot-lead",
        r"\..\outside\canary.txt",
        "read",
        &[INVALID_PARAMETER],
    ),
    (
        "dotdot-mkdir",
        r"..\outside\newdir",
        "mkdir",
        &[OBJECT_NAME_INVALID],
    ),
    ("dotdot-list", r"..", "list", &[OBJECT_NAME_INVALID]),
    // Absolute and drive paths.
    ("abs-slash", "/etc/passwd", "read", &[OBJECT_NAME_INVALID]),
    ("abs-drive", r"C:\etc\passwd", "read", STREAM),
    (
        "abs-unc",
        r"\\?\C:\etc\passwd",
        "read",
        &[INVALID_PARAMETER],
    ),
    ("abs-double", r"\\etc\passwd", "read", &[INVALID_PARAMETER]),
    // Symlinks inside the share that point outside.
    ("link-file-read", "link_file", "read", &[ACCESS_DENIED]),
    ("link-file-write", "link_file", "write", &[ACCESS_DENIED]),
    (
        "link-file-overwrite",
        "link_file",
        "overwrite",
        &[ACCESS_DENIED],
    ),
    (
        "link-file-supersede",
        "link_file",
        "supersede",
        &[ACCESS_DENIED],
    ),
    ("link-rel-read", "link_rel", "read", &[ACCESS_DENIED]),
    ("link-rel-write", "link_rel", "write", &[ACCESS_DENIED]),
    (
        "link-dir-read",
        r"link_dir\canary.txt",
        "read",
        &[ACCESS_DENIED],
    ),
    (
        "link-dir-write",
        r"link_dir\canary.txt",
        "write",
        &[ACCESS_DENIED],
    ),
    (
        "link-dir-create",
        r"link_dir\new.txt",
        "create",
        &[ACCESS_DENIED],
    ),
    (
        "link-dir-delete",
        r"link_dir\canary.txt",
        "delete",
        &[ACCESS_DENIED],
    ),
    (
        "link-dir-mkdir",
        r"link_dir\newdir",
        "mkdir",
        &[ACCESS_DENIED],
    ),
    ("link-dir-list", "link_dir", "list", &[ACCESS_DENIED]),
    (
        "link-dir-deep",
        r"link_dir\sub\inner.txt",
        "read",
        &[ACCESS_DENIED],
    ),
    (
        "link-up-read",
        r"dir\up\canary.txt",
        "read",
        &[ACCESS_DENIED],
    ),
    (
        "link-up-write",
        r"dir\up\canary.txt",
        "overwrite",
        &[ACCESS_DENIED],
    ),
    (
        "link-etc-read",
        r"link_etc\passwd",
        "read",
        &[ACCESS_DENIED],
    ),
    ("link-etc-list", "link_etc", "list", &[ACCESS_DENIED]),
    // Stream names, on a link and around `..`.
    ("stream-link", "link_file:evil", "overwrite", STREAM),
    (
        "stream-link-data",
        "link_file::$DATA",
        "read",
        &[ACCESS_DENIED],
    ),
    ("stream-link-dir", "link_dir:evil", "overwrite", STREAM),
    (
        "stream-dotdot",
        r"ok.txt:..\..\outside\x",
        "overwrite",
        STREAM,
    ),
    ("stream-dotdot-name", "..:evil", "overwrite", STREAM),
    (
        "stream-dir-link",
        r"link_dir\canary.txt:evil",
        "overwrite",
        STREAM,
    ),
    // Renames and hard links of ok.txt to a new name outside (hard links
    // are not supported yet; once they are, the path rules apply).
    (
        "rename-dotdot",
        r"..\outside\moved.txt",
        "rename",
        &[OBJECT_NAME_INVALID],
    ),
    (
        "rename-lead",
        r"\..\outside\moved.txt",
        "rename",
        &[OBJECT_NAME_INVALID],
    ),
    (
        "rename-link-dir",
        r"link_dir\moved.txt",
        "rename",
        &[ACCESS_DENIED],
    ),
    (
        "rename-link-up",
        r"dir\up\moved.txt",
        "rename",
        &[ACCESS_DENIED],
    ),
    (
        "rename-link-etc",
        r"link_etc\moved.txt",
        "rename",
        &[ACCESS_DENIED],
    ),
    (
        "link-dotdot",
        r"..\outside\hard.txt",
        "link",
        &[NOT_SUPPORTED, OBJECT_NAME_INVALID],
    ),
    (
        "link-link-dir",
        r"link_dir\hard.txt",
        "link",
        &[NOT_SUPPORTED, ACCESS_DENIED],
    ),
    (
        "link-link-up",
        r"dir\up\hard.txt",
        "link",
        &[NOT_SUPPORTED, ACCESS_DENIED],
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_paths_stay_inside_the_share() {
    require_smbprotocol();
    let setup = Setup::new("escape-raw").await;
    let mut args = vec![setup.server.port(), USER.into(), PASSWORD.into()];
    args.extend(
        RAW_ATTEMPTS
            .iter()
            .map(|(label, path, mode, _)| format!("{label}|{path}|{mode}")),
    );
    // A control that must work, so that a broken script cannot pass.
    args.push("control|ok.txt|read".into());
    let out = python(RAW, &args).await;
    let got: BTreeMap<&str, &str> = out.lines().filter_map(|l| l.split_once(' ')).collect();
    assert_eq!(got.get("control"), Some(&"opened:inside"), "{out}");
    let mut wrong = Vec::new();
    for (label, path, mode, right) in RAW_ATTEMPTS {
        match got.get(label) {
            Some(status) if right.contains(status) => {}
            other => wrong.push(format!(
                "{label}: {mode} {path:?} gave {other:?}, expected one of {right:?}"
            )),
        }
    }
    setup.assert_outside_untouched("the raw attempts");
    assert!(wrong.is_empty(), "{}\n\nall:\n{out}", wrong.join("\n"));
    // The links themselves are still there, and the in-share file intact.
    assert!(setup.share.join("link_file").is_symlink());
    assert_eq!(
        std::fs::read(setup.share.join("ok.txt")).unwrap(),
        b"inside\n"
    );
}

/// What a user would type into smbclient. Each must fail with an NT_STATUS
/// and leave no local file with the canary's contents.
const SMBCLIENT_ATTEMPTS: &[&str] = &[
    r"get ..\outside\canary.txt got",
    r"get ..\..\..\..\etc\passwd got",
    r"get link_file got",
    r"get link_rel got",
    r"get link_dir\canary.txt got",
    r"get dir\up\canary.txt got",
    r"get link_etc\passwd got",
    r"get link_file:evil got",
    r"put evil link_file",
    r"put evil link_rel",
    r"put evil link_dir\canary.txt",
    r"put evil link_dir\new.txt",
    r"put evil ..\outside\new.txt",
    r"put evil link_file:evil",
    r"put evil ok.txt:..\..\outside\x",
    r"mkdir link_dir\newdir",
    r"rm link_dir\canary.txt",
    r"rename ok.txt link_dir\moved.txt",
    r"rename ok.txt ..\outside\moved.txt",
    r"rename ok.txt dir\up\moved.txt",
    r"ls link_etc\*",
    r"ls link_dir\*",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbclient_cannot_leave_the_share() {
    require_smbclient();
    let setup = Setup::new("escape-smbclient").await;
    let local = setup.share.parent().unwrap().join("local");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join("evil"), b"ESCAPED").unwrap();
    for (dialect, protection) in [("SMB3_11", "sign"), ("SMB2_10", "sign")] {
        for command in SMBCLIENT_ATTEMPTS {
            let out = smbclient(&setup.server, dialect, protection, &local, command).await;
            let t = text(&out);
            assert!(
                t.contains("NT_STATUS_"),
                "{dialect}: `{command}` did not fail:\n{t}"
            );
            assert!(
                !t.contains("must never be read") && !t.contains("root:x:"),
                "{dialect}: `{command}` showed something from outside:\n{t}"
            );
            if let Ok(got) = std::fs::read(local.join("got")) {
                assert!(got.is_empty(), "{dialect}: `{command}` fetched {got:?}");
                std::fs::remove_file(local.join("got")).unwrap();
            }
            setup.assert_outside_untouched(command);
        }
    }
    assert_eq!(
        std::fs::read(setup.share.join("ok.txt")).unwrap(),
        b"inside\n"
    );
    assert!(setup.share.join("link_file").is_symlink());
}
