//! Named pipes on IPC$: CREATE of srvsvc/wkssvc, DCE/RPC bind and
//! NetrShareEnum level 1 through WRITE/READ and through
//! FSCTL_PIPE_TRANSCEIVE (decoded with smbkit-rpc's client-side decoders),
//! message cutting with BUFFER_OVERFLOW, PIPE_WAIT, QUERY_INFO/SET_INFO on a
//! pipe handle, CLOSE and cleanup.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use bytes::Bytes;
use smbkit_dispatch::smbkit_vfs::{MemFs, MemFsOptions};
use smbkit_dispatch::{
    Call, DEFAULT_SERVER_NAME, Dispatcher, FileServer, Limits, Request, Response, SessionInfo,
    TreeInfo,
};
use smbkit_rpc::pdu::{
    Bind, Body, Header as RpcHeader, NDR20, PacketType, Pdu as RpcPdu, PresentationContext,
    Request as RpcRequest,
};
use smbkit_rpc::srvsvc::{self, ShareEnumRequest, ShareEnumResponse};
use smbkit_rpc::{STYPE_DISKTREE, STYPE_IPC, STYPE_SPECIAL, wkssvc};
use smbkit_session::Dialect;
use smbkit_wire::close::{CloseRequest, CloseResponse, FLAG_POSTQUERY_ATTRIB};
use smbkit_wire::codec::string_to_utf16le;
use smbkit_wire::create::{CreateRequest, CreateResponse, access, create_action, disposition};
use smbkit_wire::fscc::class;
use smbkit_wire::ioctl::{FLAG_IS_FSCTL, IoctlRequest, IoctlResponse};
use smbkit_wire::query_directory::QueryDirectoryRequest;
use smbkit_wire::query_info::{QueryInfoRequest, QueryInfoResponse, info_type};
use smbkit_wire::read::{ReadRequest, ReadResponse};
use smbkit_wire::set_info::SetInfoRequest;
use smbkit_wire::write::{WriteRequest, WriteResponse};
use smbkit_wire::{Command, FileId, Header, HeaderFlags, NtStatus, Pdu, Writer, fsctl};

struct Env {
    d: Dispatcher<MemFs>,
    session: Arc<SessionInfo>,
    ipc: Arc<TreeInfo>,
    disk: Arc<TreeInfo>,
    conn: u64,
}

fn env() -> Env {
    let fs = Arc::new(MemFs::new(MemFsOptions::default()));
    let files = FileServer::new(Limits::default())
        .share("public", Arc::clone(&fs), false)
        .share("media", fs, true)
        .server_name("TESTSRV");
    let d = Dispatcher::with_files(files).build();
    let conn = d.connection_id();
    Env {
        d,
        session: Arc::new(SessionInfo {
            id: 0x21,
            user: "alice".into(),
            domain: String::new(),
            anonymous: false,
            guest: false,
            dialect: Dialect::Smb311,
            client_guid: [0x5A; 16],
        }),
        ipc: Arc::new(TreeInfo {
            id: 1,
            share: "IPC$".into(),
            ipc: true,
            encrypt: false,
        }),
        disk: Arc::new(TreeInfo {
            id: 2,
            share: "public".into(),
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

/// A response body behind a server header, for the wire decoders.
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

fn bind_pdu(call_id: u32, interface: smbkit_rpc::pdu::SyntaxId) -> Vec<u8> {
    RpcPdu {
        header: RpcHeader::new(PacketType::Bind, 0x03, call_id),
        body: Body::Bind(Bind {
            max_xmit_frag: 4280,
            max_recv_frag: 4280,
            assoc_group_id: 0,
            contexts: vec![PresentationContext {
                context_id: 0,
                abstract_syntax: interface,
                transfer_syntaxes: vec![NDR20],
            }],
        }),
    }
    .encode()
    .unwrap()
}

fn share_enum_pdu(call_id: u32) -> Vec<u8> {
    let stub = ShareEnumRequest {
        server_name: Some("\\\\TESTSRV".into()),
        level: 1,
        preferred_max_len: srvsvc::MAX_PREFERRED_LENGTH,
        resume_handle: Some(0),
    }
    .encode();
    RpcPdu {
        header: RpcHeader::new(PacketType::Request, 0x03, call_id),
        body: Body::Request(RpcRequest {
            alloc_hint: u32::try_from(stub.len()).unwrap(),
            context_id: 0,
            opnum: srvsvc::OPNUM_NETR_SHARE_ENUM,
            object: None,
            stub: Bytes::from(stub),
        }),
    }
    .encode()
    .unwrap()
}

/// Checks a NetrShareEnum level 1 answer PDU: IPC$ and both disk shares.
fn check_share_list(pdu: &[u8], call_id: u32) {
    let pdu = RpcPdu::decode(pdu).unwrap();
    assert_eq!(pdu.header.call_id, call_id);
    let Body::Response(response) = pdu.body else {
        panic!("not a response: {:?}", pdu.body)
    };
    let shares = ShareEnumResponse::decode(&response.stub).unwrap();
    assert_eq!(shares.status, 0, "WERR_OK");
    assert_eq!(shares.level, 1);
    let names: Vec<_> = shares.entries.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["IPC$", "public", "media"]);
    assert_eq!(shares.entries[0].share_type, STYPE_IPC | STYPE_SPECIAL);
    assert_eq!(shares.entries[1].share_type, STYPE_DISKTREE);
    assert_eq!(shares.entries[2].share_type, STYPE_DISKTREE);
    assert_eq!(shares.total_entries, 3);
}

impl Env {
    async fn send_on(&self, tree: &Arc<TreeInfo>, command: Command, msg: Bytes) -> Response {
        let req = Request {
            header: Header {
                command,
                ..Header::default()
            },
            message: msg,
            related: false,
            session: Arc::clone(&self.session),
            tree: Some(Arc::clone(tree)),
        };
        self.d.call_route(Call::new(req, self.conn)).await.unwrap()
    }

    async fn send(&self, command: Command, msg: Bytes) -> Response {
        self.send_on(&self.ipc, command, msg).await
    }

    async fn open(&self, name: &str) -> Result<CreateResponse<'static>, NtStatus> {
        let name = string_to_utf16le(name);
        let req = CreateRequest {
            impersonation_level: 2,
            // What smbclient asks for on a pipe.
            desired_access: 0x0002_019F,
            share_access: 3,
            create_disposition: disposition::OPEN,
            name: &name,
            ..CreateRequest::default()
        };
        let r = self
            .send(Command::CREATE, message(Command::CREATE, &req))
            .await;
        if r.status != NtStatus::SUCCESS {
            return Err(r.status);
        }
        let msg = with_header(&r.body, Command::CREATE);
        let c = CreateResponse::decode(&msg).unwrap();
        Ok(CreateResponse {
            contexts: Vec::new(),
            ..c
        })
    }

    async fn write(&self, id: FileId, data: &[u8]) -> Response {
        let req = WriteRequest {
            file_id: id,
            data,
            ..WriteRequest::default()
        };
        self.send(Command::WRITE, message(Command::WRITE, &req))
            .await
    }

    /// READ: status and data.
    async fn read(&self, id: FileId, length: u32) -> (NtStatus, Vec<u8>) {
        let req = ReadRequest {
            length,
            file_id: id,
            ..ReadRequest::default()
        };
        let r = self.send(Command::READ, message(Command::READ, &req)).await;
        if r.status.is_error() {
            return (r.status, Vec::new());
        }
        let data = ReadResponse::decode(&with_header(&r.body, Command::READ))
            .unwrap()
            .data
            .to_vec();
        (r.status, data)
    }

    async fn ioctl_on(
        &self,
        tree: &Arc<TreeInfo>,
        code: u32,
        id: FileId,
        input: &[u8],
        max_output: u32,
    ) -> (NtStatus, Vec<u8>) {
        let req = IoctlRequest {
            ctl_code: code,
            file_id: id,
            input,
            max_output_response: max_output,
            flags: FLAG_IS_FSCTL,
            ..IoctlRequest::default()
        };
        let r = self
            .send_on(tree, Command::IOCTL, message(Command::IOCTL, &req))
            .await;
        if r.status.is_error() {
            return (r.status, Vec::new());
        }
        let msg = with_header(&r.body, Command::IOCTL);
        let resp = IoctlResponse::decode(&msg).unwrap();
        assert_eq!(resp.ctl_code, code);
        (r.status, resp.output.to_vec())
    }

    async fn transceive(&self, id: FileId, input: &[u8], max: u32) -> (NtStatus, Vec<u8>) {
        self.ioctl_on(&self.ipc, fsctl::PIPE_TRANSCEIVE, id, input, max)
            .await
    }

    async fn close(&self, id: FileId, flags: u16) -> Response {
        self.send(
            Command::CLOSE,
            message(Command::CLOSE, &CloseRequest { flags, file_id: id }),
        )
        .await
    }

    /// Opens srvsvc and binds it with WRITE + READ.
    async fn bound_srvsvc(&self) -> FileId {
        let id = self.open("srvsvc").await.unwrap().file_id;
        assert_eq!(
            self.write(id, &bind_pdu(1, srvsvc::SRVSVC)).await.status,
            NtStatus::SUCCESS
        );
        let (status, ack) = self.read(id, 4280).await;
        assert_eq!(status, NtStatus::SUCCESS);
        assert!(matches!(
            RpcPdu::decode(&ack).unwrap().body,
            Body::BindAck(_)
        ));
        id
    }
}

#[tokio::test]
async fn create_answers_like_a_pipe() {
    let e = env();
    let c = e.open("srvsvc").await.unwrap();
    assert_eq!(c.create_action, create_action::OPENED);
    assert_eq!(c.file_attributes, 0x80, "FILE_ATTRIBUTE_NORMAL");
    assert_eq!((c.allocation_size, c.end_of_file), (0, 0));
    assert_eq!(
        (
            c.creation_time,
            c.last_access_time,
            c.last_write_time,
            c.change_time
        ),
        (0, 0, 0, 0)
    );
    assert_ne!(c.file_id, FileId::ANY);
    assert_eq!(e.d.files().unwrap().open_count(), 1);
    // Names with a leading backslash, \PIPE\ and in any case.
    for name in ["\\srvsvc", "SRVSVC", "\\PIPE\\srvsvc", "wkssvc", "\\WksSvc"] {
        let other = e.open(name).await.unwrap();
        assert_ne!(other.file_id, c.file_id, "{name}");
    }
    assert_eq!(e.d.files().unwrap().open_count(), 6);
}

#[tokio::test]
async fn unknown_pipe_is_not_found() {
    let e = env();
    for name in ["lsarpc", "samr", "srvsvc2", "", "\\PIPE\\", "public"] {
        assert_eq!(
            e.open(name).await.unwrap_err(),
            NtStatus::OBJECT_NAME_NOT_FOUND,
            "{name:?}"
        );
    }
    assert_eq!(e.d.files().unwrap().open_count(), 0);
}

#[tokio::test]
async fn share_enum_through_write_and_read() {
    let e = env();
    let id = e.open("srvsvc").await.unwrap().file_id;
    let bind = bind_pdu(1, srvsvc::SRVSVC);
    let w = e.write(id, &bind).await;
    assert_eq!(w.status, NtStatus::SUCCESS);
    let count = WriteResponse::decode(&with_header(&w.body, Command::WRITE))
        .unwrap()
        .count;
    assert_eq!(count as usize, bind.len());

    let (status, ack) = e.read(id, 4280).await;
    assert_eq!(status, NtStatus::SUCCESS);
    let ack = RpcPdu::decode(&ack).unwrap();
    assert_eq!(ack.header.call_id, 1);
    let Body::BindAck(ack) = ack.body else {
        panic!("no bind_ack")
    };
    assert_eq!(ack.secondary_address, b"\\PIPE\\srvsvc\0");
    assert_eq!(ack.results.len(), 1);
    assert_eq!(ack.results[0].result, 0, "acceptance");

    // Nothing queued: a non-blocking empty read.
    assert_eq!(e.read(id, 4280).await.0, NtStatus::PIPE_EMPTY);

    assert_eq!(
        e.write(id, &share_enum_pdu(2)).await.status,
        NtStatus::SUCCESS
    );
    let (status, answer) = e.read(id, 4280).await;
    assert_eq!(status, NtStatus::SUCCESS);
    check_share_list(&answer, 2);
    assert_eq!(e.read(id, 4280).await.0, NtStatus::PIPE_EMPTY);
}

#[tokio::test]
async fn share_enum_through_transceive() {
    let e = env();
    let id = e.open("srvsvc").await.unwrap().file_id;
    // The bind can go through transceive too.
    let (status, ack) = e.transceive(id, &bind_pdu(7, srvsvc::SRVSVC), 4280).await;
    assert_eq!(status, NtStatus::SUCCESS);
    assert!(matches!(
        RpcPdu::decode(&ack).unwrap().body,
        Body::BindAck(_)
    ));
    let (status, answer) = e.transceive(id, &share_enum_pdu(8), 4280).await;
    assert_eq!(status, NtStatus::SUCCESS);
    check_share_list(&answer, 8);
    // Nothing left behind.
    assert_eq!(e.read(id, 4280).await.0, NtStatus::PIPE_EMPTY);
}

#[tokio::test]
async fn small_reads_overflow_then_return_the_rest() {
    let e = env();
    let id = e.bound_srvsvc().await;
    assert_eq!(
        e.write(id, &share_enum_pdu(2)).await.status,
        NtStatus::SUCCESS
    );
    let mut whole = Vec::new();
    for _ in 0..2 {
        let (status, part) = e.read(id, 16).await;
        assert_eq!(status, NtStatus::BUFFER_OVERFLOW);
        assert_eq!(part.len(), 16);
        whole.extend_from_slice(&part);
    }
    let (status, rest) = e.read(id, 4280).await;
    assert_eq!(status, NtStatus::SUCCESS);
    assert!(!rest.is_empty());
    whole.extend_from_slice(&rest);
    // frag_length (offset 8) covers exactly what was read.
    assert_eq!(
        usize::from(u16::from_le_bytes([whole[8], whole[9]])),
        whole.len()
    );
    check_share_list(&whole, 2);
    assert_eq!(e.read(id, 4280).await.0, NtStatus::PIPE_EMPTY);
}

#[tokio::test]
async fn transceive_overflow_then_read() {
    let e = env();
    let id = e.bound_srvsvc().await;
    let (status, head) = e.transceive(id, &share_enum_pdu(3), 24).await;
    assert_eq!(status, NtStatus::BUFFER_OVERFLOW);
    assert_eq!(head.len(), 24);
    // A second transceive while output is unread: the pipe is busy.
    assert_eq!(
        e.transceive(id, &share_enum_pdu(4), 4280).await.0,
        NtStatus::PIPE_BUSY
    );
    let (status, rest) = e.read(id, 4280).await;
    assert_eq!(status, NtStatus::SUCCESS);
    let mut whole = head;
    whole.extend_from_slice(&rest);
    check_share_list(&whole, 3);
}

#[tokio::test]
async fn rpc_errors_keep_the_pipe() {
    let e = env();
    let id = e.open("srvsvc").await.unwrap().file_id;
    // A request before any bind.
    assert_eq!(
        e.write(id, &share_enum_pdu(1)).await.status,
        NtStatus::INVALID_PARAMETER
    );
    // A header with a PDU type clients never send (bind_ack = 12).
    let mut bogus = bind_pdu(1, srvsvc::SRVSVC);
    bogus[2] = 12;
    assert_eq!(
        e.transceive(id, &bogus, 4280).await.0,
        NtStatus::INVALID_PARAMETER
    );
    // The pipe still works.
    let (status, ack) = e.transceive(id, &bind_pdu(2, srvsvc::SRVSVC), 4280).await;
    assert_eq!(status, NtStatus::SUCCESS);
    assert!(matches!(
        RpcPdu::decode(&ack).unwrap().body,
        Body::BindAck(_)
    ));
}

#[tokio::test]
async fn wkssvc_binds_its_own_interface() {
    let e = env();
    let id = e.open("wkssvc").await.unwrap().file_id;
    let (status, ack) = e.transceive(id, &bind_pdu(1, wkssvc::WKSSVC), 4280).await;
    assert_eq!(status, NtStatus::SUCCESS);
    let Body::BindAck(ack) = RpcPdu::decode(&ack).unwrap().body else {
        panic!("no bind_ack")
    };
    assert_eq!(ack.secondary_address, b"\\PIPE\\wkssvc\0");
    assert_eq!(ack.results[0].result, 0);
    // srvsvc's interface is not served on wkssvc.
    let id2 = e.open("wkssvc").await.unwrap().file_id;
    let (_, nak) = e.transceive(id2, &bind_pdu(1, srvsvc::SRVSVC), 4280).await;
    let Body::BindAck(ack) = RpcPdu::decode(&nak).unwrap().body else {
        panic!("no bind_ack")
    };
    assert_eq!(ack.results[0].result, 2, "provider rejection");
}

#[tokio::test]
async fn close_then_read_is_file_closed() {
    let e = env();
    let id = e.bound_srvsvc().await;
    assert_eq!(
        e.write(id, &share_enum_pdu(2)).await.status,
        NtStatus::SUCCESS
    );
    let r = e.close(id, FLAG_POSTQUERY_ATTRIB).await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let c = CloseResponse::decode(&with_header(&r.body, Command::CLOSE)).unwrap();
    assert_eq!(c.flags, FLAG_POSTQUERY_ATTRIB);
    assert_eq!(c.file_attributes, 0x80);
    assert_eq!((c.end_of_file, c.allocation_size, c.change_time), (0, 0, 0));
    assert_eq!(e.d.files().unwrap().open_count(), 0);
    assert_eq!(e.read(id, 4280).await.0, NtStatus::FILE_CLOSED);
    assert_eq!(e.write(id, b"x").await.status, NtStatus::FILE_CLOSED);
    assert_eq!(
        e.transceive(id, &share_enum_pdu(3), 4280).await.0,
        NtStatus::FILE_CLOSED
    );
    assert_eq!(e.close(id, 0).await.status, NtStatus::FILE_CLOSED);
}

#[tokio::test]
async fn tree_disconnect_and_connection_loss_close_pipes() {
    let mut e = env();
    e.open("srvsvc").await.unwrap();
    e.open("wkssvc").await.unwrap();
    assert_eq!(e.d.files().unwrap().open_count(), 2);
    // TREE_DISCONNECT: the session layer drops the tree, a sweep closes.
    e.ipc = Arc::new(TreeInfo {
        id: 3,
        share: "IPC$".into(),
        ipc: true,
        encrypt: false,
    });
    assert_eq!(e.d.sweep(e.conn).await, 2);
    assert_eq!(e.d.files().unwrap().open_count(), 0);
    e.open("srvsvc").await.unwrap();
    assert_eq!(e.d.close_connection(e.conn).await, 1);
    assert_eq!(e.d.files().unwrap().open_count(), 0);
}

#[tokio::test]
async fn pipe_handles_are_only_pipes() {
    let e = env();
    let pipe = e.open("srvsvc").await.unwrap().file_id;
    // A directory command on a pipe handle.
    let p = string_to_utf16le("*");
    let q = QueryDirectoryRequest {
        file_information_class: class::FILE_DIRECTORY_INFORMATION,
        file_id: pipe,
        pattern: &p,
        output_buffer_length: 4096,
        ..QueryDirectoryRequest::default()
    };
    assert_eq!(
        e.send(
            Command::QUERY_DIRECTORY,
            message(Command::QUERY_DIRECTORY, &q)
        )
        .await
        .status,
        NtStatus::INVALID_DEVICE_REQUEST
    );
    // Transceive on a file handle.
    let name = string_to_utf16le("f.txt");
    let create = CreateRequest {
        impersonation_level: 2,
        desired_access: access::GENERIC_READ | access::GENERIC_WRITE,
        share_access: 7,
        create_disposition: disposition::OPEN_IF,
        name: &name,
        ..CreateRequest::default()
    };
    let r = e
        .send_on(&e.disk, Command::CREATE, message(Command::CREATE, &create))
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let file = CreateResponse::decode(&with_header(&r.body, Command::CREATE))
        .unwrap()
        .file_id;
    assert_eq!(
        e.ioctl_on(&e.disk, fsctl::PIPE_TRANSCEIVE, file, b"x", 1024)
            .await
            .0,
        NtStatus::INVALID_DEVICE_REQUEST
    );
}

fn pipe_wait_input(name: &str) -> Vec<u8> {
    let name = string_to_utf16le(name);
    let mut v = Vec::new();
    v.extend_from_slice(&0i64.to_le_bytes());
    v.extend_from_slice(&u32::try_from(name.len()).unwrap().to_le_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&name);
    v
}

#[tokio::test]
async fn pipe_wait() {
    let e = env();
    let (status, out) = e
        .ioctl_on(
            &e.ipc,
            fsctl::PIPE_WAIT,
            FileId::ANY,
            &pipe_wait_input("srvsvc"),
            0,
        )
        .await;
    assert_eq!(status, NtStatus::SUCCESS);
    assert!(out.is_empty());
    assert_eq!(
        e.ioctl_on(
            &e.ipc,
            fsctl::PIPE_WAIT,
            FileId::ANY,
            &pipe_wait_input("lsarpc"),
            0
        )
        .await
        .0,
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    // Truncated request.
    let mut short = pipe_wait_input("srvsvc");
    short.truncate(16);
    assert_eq!(
        e.ioctl_on(&e.ipc, fsctl::PIPE_WAIT, FileId::ANY, &short, 0)
            .await
            .0,
        NtStatus::INVALID_PARAMETER
    );
}

#[tokio::test]
async fn query_and_set_info_on_a_pipe() {
    let e = env();
    let id = e.open("srvsvc").await.unwrap().file_id;
    let query = |c: u8, len: u32| QueryInfoRequest {
        info_type: info_type::FILE,
        file_info_class: c,
        output_buffer_length: len,
        file_id: id,
        ..QueryInfoRequest::default()
    };
    let r = e
        .send(
            Command::QUERY_INFO,
            message(
                Command::QUERY_INFO,
                &query(class::FILE_STANDARD_INFORMATION, 1024),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let out = QueryInfoResponse::decode(&with_header(&r.body, Command::QUERY_INFO))
        .unwrap()
        .output
        .to_vec();
    // AllocationSize 4096, EndOfFile 0, NumberOfLinks 1, DeletePending 1,
    // Directory 0, Reserved.
    let mut expected = Vec::new();
    expected.extend_from_slice(&4096u64.to_le_bytes());
    expected.extend_from_slice(&0u64.to_le_bytes());
    expected.extend_from_slice(&1u32.to_le_bytes());
    expected.extend_from_slice(&[1, 0, 0, 0]);
    assert_eq!(out, expected);
    // Too small a buffer.
    let r = e
        .send(
            Command::QUERY_INFO,
            message(
                Command::QUERY_INFO,
                &query(class::FILE_STANDARD_INFORMATION, 8),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::INFO_LENGTH_MISMATCH);
    let r = e
        .send(
            Command::QUERY_INFO,
            message(
                Command::QUERY_INFO,
                &query(class::FILE_BASIC_INFORMATION, 1024),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::NOT_SUPPORTED);

    // FilePipeInformation: message mode accepted, byte mode refused.
    let set = |buffer: &'static [u8]| SetInfoRequest {
        info_type: info_type::FILE,
        file_info_class: 23,
        file_id: id,
        buffer,
        ..SetInfoRequest::default()
    };
    let r = e
        .send(
            Command::SET_INFO,
            message(Command::SET_INFO, &set(&[1, 0, 0, 0, 0, 0, 0, 0])),
        )
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let r = e
        .send(
            Command::SET_INFO,
            message(Command::SET_INFO, &set(&[0, 0, 0, 0, 0, 0, 0, 0])),
        )
        .await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    let r = e
        .send(Command::SET_INFO, message(Command::SET_INFO, &set(&[1, 0])))
        .await;
    assert_eq!(r.status, NtStatus::INFO_LENGTH_MISMATCH);
}

#[tokio::test]
async fn server_info_from_the_file_server() {
    let e = env();
    let info = e.d.files().unwrap().server_info();
    assert_eq!(info.name, "TESTSRV");
    assert_eq!(info.domain, "WORKGROUP");
    let names: Vec<_> = info.shares.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["IPC$", "public", "media"]);

    let plain: FileServer<MemFs> = FileServer::new(Limits::default()).workgroup("LAB");
    let info = plain.server_info();
    assert_eq!(info.name, DEFAULT_SERVER_NAME);
    assert_eq!(DEFAULT_SERVER_NAME, "SMBKIT");
    assert_eq!(info.domain, "LAB");
    // A later builder call is not hidden by the first build.
    let renamed = plain.server_name("OTHER");
    assert_eq!(renamed.server_info().name, "OTHER");
}
