//! The file-command handlers against `MemFs`: success and error paths of
//! each command, share modes through CREATE, delete-on-close, directory
//! enumeration over several calls with a small buffer, ownership.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use bytes::Bytes;
use smbkit_dispatch::smbkit_vfs::{MemFs, MemFsOptions};
use smbkit_dispatch::{
    Call, Dispatcher, FileServer, Limits, Request, Response, SessionInfo, TreeInfo,
};
use smbkit_session::Dialect;
use smbkit_wire::close::{CloseRequest, CloseResponse, FLAG_POSTQUERY_ATTRIB};
use smbkit_wire::codec::string_to_utf16le;
use smbkit_wire::create::{
    CreateRequest, CreateResponse, access, disposition, options, share_access,
};
use smbkit_wire::fscc::{self, DirClass, FileRenameInformation, InfoClass, decode_entries};
use smbkit_wire::query_directory::{QueryDirectoryRequest, QueryDirectoryResponse, flags};
use smbkit_wire::query_info::{QueryInfoRequest, QueryInfoResponse, info_type};
use smbkit_wire::read::{ReadRequest, ReadResponse};
use smbkit_wire::set_info::SetInfoRequest;
use smbkit_wire::write::{WriteRequest, WriteResponse};
use smbkit_wire::{Command, FileId, Header, NtStatus, Pdu, Writer};

struct Env {
    d: Dispatcher<MemFs>,
    session: Arc<SessionInfo>,
    tree: Arc<TreeInfo>,
    conn: u64,
}

fn env_with(read_only: bool) -> Env {
    let fs = Arc::new(MemFs::new(MemFsOptions::default()));
    let files = FileServer::new(Limits::default()).share("public", fs, read_only);
    let d = Dispatcher::with_files(files).build();
    let conn = d.connection_id();
    Env {
        d,
        session: Arc::new(SessionInfo {
            id: 0x11,
            user: "alice".into(),
            domain: String::new(),
            anonymous: false,
            dialect: Dialect::Smb311,
        }),
        tree: Arc::new(TreeInfo {
            id: 5,
            share: "public".into(),
            ipc: false,
            encrypt: false,
        }),
        conn,
    }
}

fn env() -> Env {
    env_with(false)
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

    async fn create_raw(
        &self,
        name: &str,
        desired: u32,
        share: u32,
        disp: u32,
        opts: u32,
    ) -> Response {
        let name = string_to_utf16le(name);
        let req = CreateRequest {
            impersonation_level: 2,
            desired_access: desired,
            share_access: share,
            create_disposition: disp,
            create_options: opts,
            name: &name,
            ..CreateRequest::default()
        };
        self.send(Command::CREATE, message(Command::CREATE, &req))
            .await
    }

    async fn create(
        &self,
        name: &str,
        desired: u32,
        disp: u32,
        opts: u32,
    ) -> Result<CreateResponse<'static>, NtStatus> {
        let r = self
            .create_raw(
                name,
                desired,
                share_access::READ | share_access::WRITE | share_access::DELETE,
                disp,
                opts,
            )
            .await;
        if r.status != NtStatus::SUCCESS {
            return Err(r.status);
        }
        let msg = with_header_cmd(&r.body, Command::CREATE);
        let c = CreateResponse::decode(&msg).unwrap();
        Ok(CreateResponse {
            contexts: Vec::new(),
            ..c
        })
    }

    async fn close(&self, id: FileId) -> Response {
        self.send(
            Command::CLOSE,
            message(
                Command::CLOSE,
                &CloseRequest {
                    flags: FLAG_POSTQUERY_ATTRIB,
                    file_id: id,
                },
            ),
        )
        .await
    }

    async fn write(&self, id: FileId, offset: u64, data: &[u8]) -> Response {
        self.send(
            Command::WRITE,
            message(
                Command::WRITE,
                &WriteRequest {
                    offset,
                    file_id: id,
                    data,
                    ..WriteRequest::default()
                },
            ),
        )
        .await
    }

    async fn read(&self, id: FileId, offset: u64, length: u32, minimum: u32) -> Response {
        self.send(
            Command::READ,
            message(
                Command::READ,
                &ReadRequest {
                    length,
                    offset,
                    file_id: id,
                    minimum_count: minimum,
                    ..ReadRequest::default()
                },
            ),
        )
        .await
    }

    async fn query_dir(&self, id: FileId, pattern: &str, class: u8, fl: u8, len: u32) -> Response {
        let p = string_to_utf16le(pattern);
        self.send(
            Command::QUERY_DIRECTORY,
            message(
                Command::QUERY_DIRECTORY,
                &QueryDirectoryRequest {
                    file_information_class: class,
                    flags: fl,
                    file_id: id,
                    pattern: &p,
                    output_buffer_length: len,
                    ..QueryDirectoryRequest::default()
                },
            ),
        )
        .await
    }

    async fn query_info(&self, id: FileId, ty: u8, class: u8, len: u32, extra: u32) -> Response {
        self.send(
            Command::QUERY_INFO,
            message(
                Command::QUERY_INFO,
                &QueryInfoRequest {
                    info_type: ty,
                    file_info_class: class,
                    output_buffer_length: len,
                    additional_information: extra,
                    file_id: id,
                    ..QueryInfoRequest::default()
                },
            ),
        )
        .await
    }

    async fn set_info(&self, id: FileId, class: u8, buffer: &[u8]) -> Response {
        self.send(
            Command::SET_INFO,
            message(
                Command::SET_INFO,
                &SetInfoRequest {
                    info_type: info_type::FILE,
                    file_info_class: class,
                    additional_information: 0,
                    file_id: id,
                    buffer,
                },
            ),
        )
        .await
    }
}

fn output(r: &Response, command: Command) -> Vec<u8> {
    let mut msg = Vec::new();
    Header {
        command,
        ..Header::default()
    }
    .encode(&mut Writer::new(&mut msg));
    msg.extend_from_slice(&r.body);
    match command {
        Command::QUERY_DIRECTORY => QueryDirectoryResponse::decode(&msg)
            .unwrap()
            .output
            .to_vec(),
        _ => QueryInfoResponse::decode(&msg).unwrap().output.to_vec(),
    }
}

const RW: u32 = access::FILE_READ_DATA
    | access::FILE_WRITE_DATA
    | access::FILE_READ_ATTRIBUTES
    | access::FILE_WRITE_ATTRIBUTES
    | access::DELETE;

#[tokio::test]
async fn create_write_read_close() {
    let e = env();
    let c = e
        .create(
            "a.txt",
            RW,
            disposition::CREATE,
            options::NON_DIRECTORY_FILE,
        )
        .await
        .unwrap();
    assert_eq!(c.create_action, 2); // FILE_CREATED
    assert_eq!(c.oplock_level, 0);
    let w = e.write(c.file_id, 0, b"hello world").await;
    assert_eq!(w.status, NtStatus::SUCCESS);
    assert_eq!(
        WriteResponse::decode(&with_header_cmd(&w.body, Command::WRITE))
            .unwrap()
            .count,
        11
    );
    // Append offset.
    let w = e.write(c.file_id, u64::MAX, b"!").await;
    assert_eq!(w.status, NtStatus::SUCCESS);
    let r = e.read(c.file_id, 6, 100, 0).await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(
        ReadResponse::decode(&with_header_cmd(&r.body, Command::READ))
            .unwrap()
            .data,
        b"world!"
    );
    // At EOF, and MinimumCount not met.
    assert_eq!(
        e.read(c.file_id, 12, 10, 0).await.status,
        NtStatus::END_OF_FILE
    );
    assert_eq!(
        e.read(c.file_id, 10, 10, 5).await.status,
        NtStatus::END_OF_FILE
    );
    // Longer than MaxReadSize.
    assert_eq!(
        e.read(c.file_id, 0, (8 << 20) + 1, 0).await.status,
        NtStatus::INVALID_PARAMETER
    );
    let cl = e.close(c.file_id).await;
    assert_eq!(cl.status, NtStatus::SUCCESS);
    let cr = CloseResponse::decode(&with_header_cmd(&cl.body, Command::CLOSE)).unwrap();
    assert_eq!((cr.flags, cr.end_of_file), (FLAG_POSTQUERY_ATTRIB, 12));
    // Closed: every handler says FILE_CLOSED.
    assert_eq!(e.close(c.file_id).await.status, NtStatus::FILE_CLOSED);
    assert_eq!(
        e.read(c.file_id, 0, 1, 0).await.status,
        NtStatus::FILE_CLOSED
    );
    // Reopen: OPENED, size 12; OVERWRITE_IF truncates.
    let c = e.create("A.TXT", RW, disposition::OPEN, 0).await.unwrap();
    assert_eq!((c.create_action, c.end_of_file), (1, 12));
    e.close(c.file_id).await;
    let c = e
        .create("a.txt", RW, disposition::OVERWRITE_IF, 0)
        .await
        .unwrap();
    assert_eq!((c.create_action, c.end_of_file), (3, 0));
    // A read-only handle cannot write.
    let ro = e
        .create("a.txt", access::FILE_READ_DATA, disposition::OPEN, 0)
        .await
        .unwrap();
    assert_eq!(
        e.write(ro.file_id, 0, b"x").await.status,
        NtStatus::ACCESS_DENIED
    );
}

fn with_header_cmd(body: &[u8], command: Command) -> Vec<u8> {
    let mut v = Vec::new();
    Header {
        command,
        flags: smbkit_wire::HeaderFlags::SERVER_TO_REDIR,
        ..Header::default()
    }
    .encode(&mut Writer::new(&mut v));
    v.extend_from_slice(body);
    v
}

#[tokio::test]
async fn create_errors() {
    let e = env();
    assert_eq!(
        e.create("missing", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    assert_eq!(
        e.create("nodir\\f", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_PATH_NOT_FOUND
    );
    assert_eq!(
        e.create("\\lead", RW, disposition::OPEN_IF, 0)
            .await
            .unwrap_err(),
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(
        e.create("a*b", RW, disposition::OPEN_IF, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_INVALID
    );
    assert_eq!(
        e.create("f:stream", RW, disposition::OPEN_IF, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    assert_eq!(
        e.create("x", RW, 6, 0).await.unwrap_err(),
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(
        e.create(
            "x",
            RW,
            disposition::OPEN_IF,
            options::DIRECTORY_FILE | options::NON_DIRECTORY_FILE
        )
        .await
        .unwrap_err(),
        NtStatus::INVALID_PARAMETER
    );
    let d = e
        .create("dir", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap();
    assert_eq!(d.file_attributes & 0x10, 0x10);
    let f = e.create("file", RW, disposition::CREATE, 0).await.unwrap();
    assert_eq!(
        e.create("file", RW, disposition::CREATE, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_COLLISION
    );
    assert_eq!(
        e.create("file", RW, disposition::OPEN, options::DIRECTORY_FILE)
            .await
            .unwrap_err(),
        NtStatus::NOT_A_DIRECTORY
    );
    assert_eq!(
        e.create("dir", RW, disposition::OPEN, options::NON_DIRECTORY_FILE)
            .await
            .unwrap_err(),
        NtStatus::FILE_IS_A_DIRECTORY
    );
    // DELETE_ON_CLOSE without DELETE access.
    assert_eq!(
        e.create(
            "file",
            access::FILE_READ_DATA,
            disposition::OPEN,
            options::DELETE_ON_CLOSE
        )
        .await
        .unwrap_err(),
        NtStatus::INVALID_PARAMETER
    );
    // The share root.
    let root = e
        .create("", access::FILE_READ_ATTRIBUTES, disposition::OPEN, 0)
        .await
        .unwrap();
    assert_eq!(root.file_attributes & 0x10, 0x10);
    e.close(d.file_id).await;
    e.close(f.file_id).await;
    e.close(root.file_id).await;
    // IPC$: only the pipes smbkit-rpc serves (tests/pipes.rs has the rest).
    let ipc = Env {
        tree: Arc::new(TreeInfo {
            id: 1,
            share: "IPC$".into(),
            ipc: true,
            encrypt: false,
        }),
        ..e
    };
    assert_eq!(
        ipc.create("lsarpc", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    assert!(ipc.create("srvsvc", RW, disposition::OPEN, 0).await.is_ok());
}

#[tokio::test]
async fn read_only_share() {
    let e = env_with(true);
    assert_eq!(
        e.create("new", access::FILE_READ_DATA, disposition::CREATE, 0)
            .await
            .unwrap_err(),
        NtStatus::MEDIA_WRITE_PROTECTED
    );
    assert_eq!(
        e.create("", access::GENERIC_WRITE, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::ACCESS_DENIED
    );
    let root = e
        .create("", access::MAXIMUM_ALLOWED, disposition::OPEN, 0)
        .await
        .unwrap();
    assert_eq!(
        e.set_info(
            root.file_id,
            fscc::class::FILE_DISPOSITION_INFORMATION,
            &[1]
        )
        .await
        .status,
        NtStatus::ACCESS_DENIED
    );
}

#[tokio::test]
async fn share_modes_through_create() {
    let e = env();
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    e.close(f.file_id).await;
    // Reader sharing read only.
    let a = e
        .create_raw(
            "f",
            access::FILE_READ_DATA,
            share_access::READ,
            disposition::OPEN,
            0,
        )
        .await;
    assert_eq!(a.status, NtStatus::SUCCESS);
    let cases = [
        (
            access::FILE_READ_DATA,
            share_access::READ,
            NtStatus::SUCCESS,
        ),
        (
            access::FILE_WRITE_DATA,
            share_access::READ | share_access::WRITE,
            NtStatus::SHARING_VIOLATION,
        ),
        (
            access::FILE_READ_DATA,
            share_access::WRITE,
            NtStatus::SHARING_VIOLATION,
        ),
        (access::DELETE, 7, NtStatus::SHARING_VIOLATION),
        (access::FILE_READ_ATTRIBUTES, 0, NtStatus::SUCCESS),
    ];
    for (desired, share, want) in cases {
        let r = e
            .create_raw("f", desired, share, disposition::OPEN, 0)
            .await;
        assert_eq!(r.status, want, "desired {desired:#x} share {share}");
    }
    // An overwrite that would conflict does not truncate.
    let w = e
        .create_raw("f", access::FILE_WRITE_DATA, 7, disposition::OVERWRITE, 0)
        .await;
    assert_eq!(w.status, NtStatus::SHARING_VIOLATION);
}

#[tokio::test]
async fn delete_on_close_and_disposition() {
    let e = env();
    let f = e
        .create("gone", RW, disposition::CREATE, options::DELETE_ON_CLOSE)
        .await
        .unwrap();
    let other = e
        .create("gone", access::FILE_READ_ATTRIBUTES, disposition::OPEN, 0)
        .await
        .unwrap();
    e.close(f.file_id).await;
    // Delete pending now: new opens refused, the last close deletes.
    assert_eq!(
        e.create("gone", access::FILE_READ_ATTRIBUTES, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::DELETE_PENDING
    );
    e.close(other.file_id).await;
    assert_eq!(
        e.create("gone", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );

    // Disposition on a non-empty directory.
    let d = e
        .create("d", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap();
    let inner = e.create("d\\x", RW, disposition::CREATE, 0).await.unwrap();
    assert_eq!(
        e.set_info(d.file_id, fscc::class::FILE_DISPOSITION_INFORMATION, &[1])
            .await
            .status,
        NtStatus::DIRECTORY_NOT_EMPTY
    );
    assert_eq!(
        e.set_info(
            inner.file_id,
            fscc::class::FILE_DISPOSITION_INFORMATION,
            &[1]
        )
        .await
        .status,
        NtStatus::SUCCESS
    );
    e.close(inner.file_id).await;
    assert_eq!(
        e.set_info(
            d.file_id,
            fscc::class::FILE_DISPOSITION_INFORMATION_EX,
            &1u32.to_le_bytes()
        )
        .await
        .status,
        NtStatus::SUCCESS
    );
    e.close(d.file_id).await;
    assert_eq!(
        e.create("d", RW, disposition::OPEN, 0).await.unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
}

#[tokio::test]
async fn rename_and_set_info() {
    let e = env();
    let d = e
        .create("dir", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap();
    e.close(d.file_id).await;
    let f = e.create("x", RW, disposition::CREATE, 0).await.unwrap();
    let g = e.create("taken", RW, disposition::CREATE, 0).await.unwrap();
    e.close(g.file_id).await;
    let rename = |name: &str, replace: bool| {
        let n = string_to_utf16le(name);
        FileRenameInformation {
            replace_if_exists: replace,
            root_directory: 0,
            file_name: &n,
        }
        .to_bytes()
        .unwrap()
    };
    let class = fscc::class::FILE_RENAME_INFORMATION;
    assert_eq!(
        e.set_info(f.file_id, class, &rename("taken", false))
            .await
            .status,
        NtStatus::OBJECT_NAME_COLLISION
    );
    assert_eq!(
        e.set_info(f.file_id, class, &rename("dir\\y", false))
            .await
            .status,
        NtStatus::SUCCESS
    );
    // The open follows the rename: its name is the new one.
    let q = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_NAME_INFORMATION,
            100,
            0,
        )
        .await;
    let name = fscc::FileNameInformation::decode(&output(&q, Command::QUERY_INFO))
        .unwrap()
        .name_string()
        .unwrap();
    assert_eq!(name, "\\dir\\y");
    assert_eq!(
        e.set_info(f.file_id, class, &rename("taken", true))
            .await
            .status,
        NtStatus::SUCCESS
    );
    // Renaming a directory with an open file inside.
    let d = e
        .create("dir", RW, disposition::OPEN, options::DIRECTORY_FILE)
        .await
        .unwrap();
    let inside = e
        .create("dir\\z", RW, disposition::CREATE, 0)
        .await
        .unwrap();
    assert_eq!(
        e.set_info(d.file_id, class, &rename("dir2", false))
            .await
            .status,
        NtStatus::ACCESS_DENIED
    );
    e.close(inside.file_id).await;
    assert_eq!(
        e.set_info(d.file_id, class, &rename("dir2", false))
            .await
            .status,
        NtStatus::SUCCESS
    );
    // EndOfFile, Basic.
    let eof = 5u64.to_le_bytes();
    assert_eq!(
        e.set_info(f.file_id, fscc::class::FILE_END_OF_FILE_INFORMATION, &eof)
            .await
            .status,
        NtStatus::SUCCESS
    );
    let basic = fscc::FileBasicInformation {
        last_write_time: 0x01D0_0000_0000_0000,
        file_attributes: 0x2,
        ..Default::default()
    };
    assert_eq!(
        e.set_info(
            f.file_id,
            fscc::class::FILE_BASIC_INFORMATION,
            &basic.to_bytes().unwrap()
        )
        .await
        .status,
        NtStatus::SUCCESS
    );
    let q = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_ALL_INFORMATION,
            4096,
            0,
        )
        .await;
    assert_eq!(q.status, NtStatus::SUCCESS);
    let out = output(&q, Command::QUERY_INFO);
    let all = fscc::FileAllInformation::decode(&out).unwrap();
    assert_eq!(all.standard.end_of_file, 5);
    assert_eq!(all.basic.last_write_time, 0x01D0_0000_0000_0000);
    assert_eq!(all.basic.file_attributes & 0x2, 0x2);
    assert_eq!(all.name.name_string().unwrap(), "\\taken");
    // Security set is refused honestly; unknown classes are invalid.
    assert_eq!(
        e.set_info(f.file_id, 200, &[0; 8]).await.status,
        NtStatus::INVALID_INFO_CLASS
    );
}

#[tokio::test]
async fn query_info_buffers() {
    let e = env();
    let f = e
        .create(
            "some-long-file-name.txt",
            RW | access::READ_CONTROL,
            disposition::CREATE,
            0,
        )
        .await
        .unwrap();
    // Fixed class, too small: INFO_LENGTH_MISMATCH.
    let r = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_BASIC_INFORMATION,
            39,
            0,
        )
        .await;
    assert_eq!(r.status, NtStatus::INFO_LENGTH_MISMATCH);
    // Variable class cut: BUFFER_OVERFLOW with as much as fits.
    let r = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_ALL_INFORMATION,
            110,
            0,
        )
        .await;
    assert_eq!(r.status, NtStatus::BUFFER_OVERFLOW);
    assert_eq!(output(&r, Command::QUERY_INFO).len(), 110);
    // Internal id equals the directory listing's FileId.
    let r = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_INTERNAL_INFORMATION,
            8,
            0,
        )
        .await;
    let id = u64::from_le_bytes(output(&r, Command::QUERY_INFO)[..8].try_into().unwrap());
    assert_ne!(id, 0);
    // Stream: one ::$DATA entry.
    let r = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_STREAM_INFORMATION,
            200,
            0,
        )
        .await;
    let out = output(&r, Command::QUERY_INFO);
    let streams = fscc::FileStreamInformation::decode(&out).unwrap();
    assert_eq!(streams.entries.len(), 1);
    // FS size: exactly 24 bytes (smbclient's check).
    let r = e
        .query_info(
            f.file_id,
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_SIZE_INFORMATION,
            100,
            0,
        )
        .await;
    assert_eq!(output(&r, Command::QUERY_INFO).len(), 24);
    let r = e
        .query_info(
            f.file_id,
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_ATTRIBUTE_INFORMATION,
            100,
            0,
        )
        .await;
    let out = output(&r, Command::QUERY_INFO);
    let attr = fscc::FileFsAttributeInformation::decode(&out).unwrap();
    assert_eq!(attr.file_system_attributes, 0x6);
    // Security: too small → BUFFER_TOO_SMALL with the size; then the descriptor.
    let r = e.query_info(f.file_id, info_type::SECURITY, 0, 10, 7).await;
    assert_eq!(r.status, NtStatus::BUFFER_TOO_SMALL);
    assert_eq!(&r.body[r.body.len() - 4..], &80u32.to_le_bytes());
    let r = e
        .query_info(f.file_id, info_type::SECURITY, 0, 200, 7)
        .await;
    assert_eq!(output(&r, Command::QUERY_INFO).len(), 80);
    // Quota, set-only and unknown classes.
    assert_eq!(
        e.query_info(f.file_id, info_type::QUOTA, 0, 100, 0)
            .await
            .status,
        NtStatus::NOT_SUPPORTED
    );
    assert_eq!(
        e.query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_DISPOSITION_INFORMATION,
            100,
            0
        )
        .await
        .status,
        NtStatus::INVALID_INFO_CLASS
    );
    assert_eq!(
        e.query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_ALTERNATE_NAME_INFORMATION,
            100,
            0
        )
        .await
        .status,
        NtStatus::NOT_SUPPORTED
    );
}

#[tokio::test]
async fn directory_enumeration_in_small_steps() {
    let e = env();
    let d = e
        .create("dir", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap();
    for i in 0..10 {
        let f = e
            .create(&format!("dir\\file{i:02}.txt"), RW, disposition::CREATE, 0)
            .await
            .unwrap();
        e.close(f.file_id).await;
    }
    let f = e
        .create("dir\\other.dat", RW, disposition::CREATE, 0)
        .await
        .unwrap();
    e.close(f.file_id).await;
    let class = fscc::class::FILE_ID_BOTH_DIRECTORY_INFORMATION;
    let mut names = Vec::new();
    let mut calls = 0;
    loop {
        // Room for two entries with short names (104 + name, 8-aligned).
        let r = e.query_dir(d.file_id, "*", class, 0, 300).await;
        if r.status == NtStatus::NO_MORE_FILES {
            break;
        }
        assert_eq!(r.status, NtStatus::SUCCESS);
        calls += 1;
        let out = output(&r, Command::QUERY_DIRECTORY);
        for entry in decode_entries(DirClass::IdBothDirectory, &out).unwrap() {
            names.push(entry.name_string().unwrap());
        }
    }
    assert_eq!(names.len(), 13);
    assert_eq!(&names[..2], &[".", ".."]);
    assert!(calls >= 6, "{calls} calls");
    // Restart with a DOS pattern; single entry.
    let r = e
        .query_dir(
            d.file_id,
            "<.txt",
            class,
            flags::RESTART_SCANS | flags::RETURN_SINGLE_ENTRY,
            4096,
        )
        .await;
    let out = output(&r, Command::QUERY_DIRECTORY);
    let got = decode_entries(DirClass::IdBothDirectory, &out).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].name_string().unwrap(), "file00.txt");
    // Exact name lookup (macOS style), case-insensitive, on-disk name back.
    let r = e
        .query_dir(
            d.file_id,
            "OTHER.DAT",
            fscc::class::FILE_NAMES_INFORMATION,
            flags::RESTART_SCANS,
            4096,
        )
        .await;
    let out = output(&r, Command::QUERY_DIRECTORY);
    assert_eq!(
        decode_entries(DirClass::Names, &out).unwrap()[0]
            .name_string()
            .unwrap(),
        "other.dat"
    );
    // Nothing matches at a restart: NO_SUCH_FILE.
    assert_eq!(
        e.query_dir(d.file_id, "nope*", class, flags::REOPEN, 4096)
            .await
            .status,
        NtStatus::NO_SUCH_FILE
    );
    // Too small for the fixed part; unknown class; a file handle.
    assert_eq!(
        e.query_dir(d.file_id, "*", class, flags::RESTART_SCANS, 50)
            .await
            .status,
        NtStatus::INFO_LENGTH_MISMATCH
    );
    assert_eq!(
        e.query_dir(d.file_id, "*", 99, 0, 4096).await.status,
        NtStatus::INVALID_INFO_CLASS
    );
    let file = e
        .create("dir\\other.dat", RW, disposition::OPEN, 0)
        .await
        .unwrap();
    assert_eq!(
        e.query_dir(file.file_id, "*", class, 0, 4096).await.status,
        NtStatus::INVALID_PARAMETER
    );
}

#[tokio::test]
async fn ownership_and_connection_close() {
    let e = env();
    let f = e.create("mine", RW, disposition::CREATE, 0).await.unwrap();
    // Another tree, session or connection cannot use the handle.
    let other_tree = Env {
        tree: Arc::new(TreeInfo {
            id: 6,
            share: "public".into(),
            ipc: false,
            encrypt: false,
        }),
        ..env()
    };
    let _ = other_tree;
    let stranger = Env {
        conn: e.conn + 1,
        d: e.d.clone(),
        session: Arc::clone(&e.session),
        tree: Arc::clone(&e.tree),
    };
    assert_eq!(
        stranger.read(f.file_id, 0, 1, 0).await.status,
        NtStatus::FILE_CLOSED
    );
    let same_ids_new_tree = Env {
        conn: e.conn,
        d: e.d.clone(),
        session: Arc::clone(&e.session),
        tree: Arc::new((*e.tree).clone()),
    };
    assert_eq!(
        same_ids_new_tree.read(f.file_id, 0, 1, 0).await.status,
        NtStatus::FILE_CLOSED
    );
    assert_eq!(e.d.files().unwrap().open_count(), 1);
    // The tree is dropped (TREE_DISCONNECT): a sweep closes its opens.
    assert_eq!(e.d.sweep(e.conn).await, 0);
    drop(stranger);
    drop(same_ids_new_tree);
    let Env { d, conn, tree, .. } = e;
    drop(tree);
    assert_eq!(d.sweep(conn).await, 1);
    assert_eq!(d.files().unwrap().open_count(), 0);
}

#[tokio::test]
async fn ioctl_answers() {
    use smbkit_wire::ioctl::{FLAG_IS_FSCTL, IoctlRequest};
    let e = env();
    let io = |code: u32, fid: FileId| IoctlRequest {
        ctl_code: code,
        file_id: fid,
        max_output_response: 1024,
        flags: FLAG_IS_FSCTL,
        ..IoctlRequest::default()
    };
    let r = e
        .send(
            Command::IOCTL,
            message(
                Command::IOCTL,
                &io(smbkit_wire::fsctl::DFS_GET_REFERRALS, FileId::ANY),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::FS_DRIVER_REQUIRED);
    let r = e
        .send(
            Command::IOCTL,
            message(
                Command::IOCTL,
                &io(
                    smbkit_wire::fsctl::QUERY_NETWORK_INTERFACE_INFO,
                    FileId::ANY,
                ),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::NOT_SUPPORTED);
    let r = e
        .send(
            Command::IOCTL,
            message(
                Command::IOCTL,
                &io(
                    0x0009_00A8,
                    FileId {
                        persistent: 1,
                        volatile: 2,
                    },
                ),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::FILE_CLOSED);
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    let r = e
        .send(
            Command::IOCTL,
            message(Command::IOCTL, &io(0x0009_00A8, f.file_id)),
        )
        .await;
    assert_eq!(r.status, NtStatus::INVALID_DEVICE_REQUEST);
}
