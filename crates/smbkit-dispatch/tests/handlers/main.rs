//! The file-command handlers against `MemFs`: success and error paths of
//! each command, share modes through CREATE, delete-on-close, directory
//! enumeration over several calls with a small buffer, ownership.
//!
//! The shared helpers (`Env` and its request builders) live here; each
//! module holds the tests of one area.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use bytes::Bytes;
use smbkit_dispatch::smbkit_vfs::{MemFs, MemFsOptions};
use smbkit_dispatch::{
    Call, Dispatcher, FileServer, Limits, Request, Response, SessionInfo, TreeInfo,
};
use smbkit_session::Dialect;
use smbkit_wire::close::{CloseRequest, FLAG_POSTQUERY_ATTRIB};
use smbkit_wire::codec::string_to_utf16le;
use smbkit_wire::create::{CreateRequest, CreateResponse, access, share_access};
use smbkit_wire::query_directory::{QueryDirectoryRequest, QueryDirectoryResponse};
use smbkit_wire::query_info::{QueryInfoRequest, QueryInfoResponse, info_type};
use smbkit_wire::read::ReadRequest;
use smbkit_wire::set_info::SetInfoRequest;
use smbkit_wire::write::WriteRequest;
use smbkit_wire::{Command, FileId, Header, NtStatus, Pdu, Writer};

mod copychunk;
mod create;
mod directory;
mod dirlease;
mod info;
mod ioctl;
mod lock;
mod notify;
mod oplock;
mod query_info_rules;
mod read_write;
mod rw_rules;
mod security;
mod setinfo_rules;
mod share_modes;
mod streams;

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
            guest: false,
            dialect: Dialect::Smb311,
            client_guid: [0x5A; 16],
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

const RW: u32 = access::FILE_READ_DATA
    | access::FILE_WRITE_DATA
    | access::FILE_READ_ATTRIBUTES
    | access::FILE_WRITE_ATTRIBUTES
    | access::DELETE;
