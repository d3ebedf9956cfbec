//! CHANGE_NOTIFY on a `LocalFs` share: changes made directly on disk by
//! this process (not through SMB) reach the watch, and a change made
//! through SMB is reported once, not again when the storage sees it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use smbkit_dispatch::smbkit_vfs::{LocalFs, LocalFsOptions};
use smbkit_dispatch::{
    Call, Dispatcher, FileServer, Limits, Request, Response, SessionInfo, TreeInfo,
};
use smbkit_session::Dialect;
use smbkit_wire::change_notify::{
    ChangeNotifyRequest, ChangeNotifyResponse, completion_filter as cf,
};
use smbkit_wire::close::CloseRequest;
use smbkit_wire::codec::string_to_utf16le;
use smbkit_wire::create::{
    CreateRequest, CreateResponse, access, disposition, options, share_access,
};
use smbkit_wire::fscc::{FileNotifyInformation, notify_action as act};
use smbkit_wire::{Command, FileId, Header, HeaderFlags, NtStatus, Pdu, Writer};

/// A temp directory, removed at the end.
struct Tmp(PathBuf);

impl Tmp {
    fn new(tag: &str) -> Tmp {
        let p = std::env::temp_dir().join(format!(
            "smbkit-dispatch-{tag}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir(&p).unwrap();
        Tmp(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Env {
    d: Dispatcher<LocalFs>,
    session: Arc<SessionInfo>,
    tree: Arc<TreeInfo>,
    conn: u64,
}

fn env(root: &Path) -> Env {
    let fs = Arc::new(LocalFs::new(root.to_path_buf(), LocalFsOptions::default()).unwrap());
    let files = FileServer::new(Limits::default()).share("share", fs, false);
    let d = Dispatcher::with_files(files).build();
    let conn = d.connection_id();
    Env {
        d,
        session: Arc::new(SessionInfo {
            id: 0x11,
            user: "alice".into(),
            domain: String::new(),
            anonymous: false,
            guest: false,
            dialect: Dialect::Smb311,
            client_guid: [0x5A; 16],
        }),
        tree: Arc::new(TreeInfo {
            id: 5,
            share: "share".into(),
            ipc: false,
            encrypt: false,
        }),
        conn,
    }
}

fn message<'a, P: Pdu<'a>>(command: Command, body: &P) -> Bytes {
    let mut v = Vec::new();
    let mut w = Writer::new(&mut v);
    Header {
        command,
        message_id: 1,
        ..Header::default()
    }
    .encode(&mut w);
    body.encode(&mut w).unwrap();
    Bytes::from(v)
}

fn with_header(body: &[u8], command: Command) -> Vec<u8> {
    let mut v = Vec::new();
    Header {
        command,
        flags: HeaderFlags::SERVER_TO_REDIR,
        ..Header::default()
    }
    .encode(&mut Writer::new(&mut v));
    v.extend_from_slice(body);
    v
}

const NAMES: u32 = cf::FILE_NAME | cf::DIR_NAME;

impl Env {
    async fn send(&self, command: Command, msg: Bytes) -> Response {
        let req = Request {
            header: Header {
                command,
                ..Header::default()
            },
            message: msg,
            related: false,
            session: Arc::clone(&self.session),
            tree: Some(Arc::clone(&self.tree)),
        };
        self.d.call_route(Call::new(req, self.conn)).await.unwrap()
    }

    async fn create(&self, name: &str, disp: u32, opts: u32) -> FileId {
        let name = string_to_utf16le(name);
        let req = CreateRequest {
            impersonation_level: 2,
            desired_access: access::FILE_READ_DATA
                | access::FILE_WRITE_DATA
                | access::FILE_READ_ATTRIBUTES,
            share_access: share_access::READ | share_access::WRITE | share_access::DELETE,
            create_disposition: disp,
            create_options: opts,
            name: &name,
            ..CreateRequest::default()
        };
        let r = self
            .send(Command::CREATE, message(Command::CREATE, &req))
            .await;
        assert_eq!(r.status, NtStatus::SUCCESS);
        let msg = with_header(&r.body, Command::CREATE);
        CreateResponse::decode(&msg).unwrap().file_id
    }

    async fn close(&self, id: FileId) {
        let req = CloseRequest {
            flags: 0,
            file_id: id,
        };
        let r = self
            .send(Command::CLOSE, message(Command::CLOSE, &req))
            .await;
        assert_eq!(r.status, NtStatus::SUCCESS);
    }

    /// One CHANGE_NOTIFY on `dir`, waited for at most five seconds.
    async fn notify(&self, dir: FileId) -> Vec<(u32, String)> {
        let req = ChangeNotifyRequest {
            flags: 0,
            output_buffer_length: 4096,
            file_id: dir,
            completion_filter: NAMES,
        };
        let msg = message(Command::CHANGE_NOTIFY, &req);
        let r = tokio::time::timeout(
            Duration::from_secs(5),
            self.send(Command::CHANGE_NOTIFY, msg),
        )
        .await
        .expect("no change reported within 5 s");
        assert_eq!(r.status, NtStatus::SUCCESS);
        let msg = with_header(&r.body, Command::CHANGE_NOTIFY);
        let out = ChangeNotifyResponse::decode(&msg).unwrap().output.to_vec();
        FileNotifyInformation::decode_all(&out)
            .unwrap()
            .iter()
            .map(|rec| (rec.action, rec.name_string().unwrap()))
            .collect()
    }

    /// Records from as many requests as it takes to see `last`.
    async fn notify_until(&self, dir: FileId, last: (u32, &str)) -> Vec<(u32, String)> {
        let mut all: Vec<(u32, String)> = Vec::new();
        while !all.iter().any(|(a, n)| (*a, n.as_str()) == last) {
            all.extend(self.notify(dir).await);
        }
        all
    }
}

fn rec(action: u32, name: &str) -> (u32, String) {
    (action, name.to_owned())
}

#[tokio::test]
async fn outside_changes_reach_the_watch_and_smb_changes_are_reported_once() {
    let tmp = Tmp::new("outside");
    let e = env(tmp.path());
    let w = e
        .create("w", disposition::CREATE, options::DIRECTORY_FILE)
        .await;

    // The first request sets the watch (the storage's too); an SMB create
    // completes it.
    let (first, ()) = tokio::join!(e.notify(w), async {
        tokio::task::yield_now().await;
        let f = e.create("w\\smb.txt", disposition::CREATE, 0).await;
        e.close(f).await;
    });
    assert_eq!(first, vec![rec(act::ADDED, "smb.txt")]);

    // Made on disk by this process.
    let dir = tmp.path().join("w");
    std::fs::write(dir.join("out.txt"), b"data").unwrap();
    assert_eq!(
        e.notify_until(w, (act::ADDED, "out.txt")).await,
        vec![rec(act::ADDED, "out.txt")],
        "the SMB create is not reported again"
    );
    std::fs::rename(dir.join("out.txt"), dir.join("moved.txt")).unwrap();
    assert_eq!(
        e.notify_until(w, (act::RENAMED_NEW_NAME, "moved.txt"))
            .await,
        vec![
            rec(act::RENAMED_OLD_NAME, "out.txt"),
            rec(act::RENAMED_NEW_NAME, "moved.txt")
        ]
    );
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::remove_file(dir.join("moved.txt")).unwrap();
    assert_eq!(
        e.notify_until(w, (act::REMOVED, "moved.txt")).await,
        vec![rec(act::ADDED, "sub"), rec(act::REMOVED, "moved.txt")]
    );

    // An SMB create, rename target and delete while no request waits, then
    // an outside marker: each SMB change is there once.
    let f = e.create("w\\again.txt", disposition::CREATE, 0).await;
    e.close(f).await;
    std::fs::write(dir.join("marker"), b"").unwrap();
    assert_eq!(
        e.notify_until(w, (act::ADDED, "marker")).await,
        vec![rec(act::ADDED, "again.txt"), rec(act::ADDED, "marker")]
    );
    e.close(w).await;
}
