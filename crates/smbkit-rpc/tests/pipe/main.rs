//! A client driving `PipeEndpoint` the way smbclient, Windows and macOS do:
//! bind, then calls, with fragmentation both ways and the error paths.
//!
//! The client helpers live here; each module holds the tests of one area.

// Test helpers outside `#[test]` fns may unwrap too: a failing test should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use bytes::Bytes;
use smbkit_rpc::pdu::*;
use smbkit_rpc::srvsvc::ShareEnumRequest;
use smbkit_rpc::*;

mod binding;
mod calls;
mod faults;
mod fragmentation;

fn info() -> Arc<ServerInfo> {
    Arc::new(
        ServerInfo::new("SMBKIT")
            .with_comment("smbkit test server")
            .with_domain("TESTGROUP")
            .with_share(ShareEntry::disk("public", "Public files").with_path("/srv/public"))
            .with_share(ShareEntry::disk("Private", "hidden one").with_browseable(false)),
    )
}

fn bind_pdu(call_id: u32, iface: SyntaxId, max_recv: u16, ctx_ids: &[u16]) -> Vec<u8> {
    Pdu {
        header: Header::new(PacketType::Bind, PFC_FIRST_FRAG | PFC_LAST_FRAG, call_id),
        body: Body::Bind(Bind {
            max_xmit_frag: 4280,
            max_recv_frag: max_recv,
            assoc_group_id: 0,
            contexts: ctx_ids
                .iter()
                .map(|id| PresentationContext {
                    context_id: *id,
                    abstract_syntax: iface,
                    transfer_syntaxes: vec![NDR20],
                })
                .collect(),
        }),
    }
    .encode()
    .unwrap()
}

fn request_pdu(call_id: u32, ctx: u16, opnum: u16, stub: &[u8], flags: u8) -> Vec<u8> {
    Pdu {
        header: Header::new(PacketType::Request, flags, call_id),
        body: Body::Request(Request {
            alloc_hint: stub.len() as u32,
            context_id: ctx,
            opnum,
            object: None,
            stub: Bytes::copy_from_slice(stub),
        }),
    }
    .encode()
    .unwrap()
}

fn bound(kind: &str, max_recv: u16) -> PipeEndpoint {
    let mut pipe = PipeEndpoint::open(kind, info()).unwrap();
    let iface = pipe.kind().interface();
    pipe.write(&bind_pdu(1, iface, max_recv, &[0])).unwrap();
    let ack = Pdu::decode(&pipe.read(65536)).unwrap();
    let Body::BindAck(a) = ack.body else {
        panic!("no bind_ack: {ack:?}")
    };
    assert_eq!(a.results[0].result, RESULT_ACCEPTANCE);
    assert!(pipe.is_bound());
    pipe
}

/// Reads fragments until LAST_FRAG; returns the stub and the fragments.
fn read_response(pipe: &mut PipeEndpoint, call_id: u32) -> (Vec<u8>, Vec<Pdu>) {
    let mut stub = Vec::new();
    let mut frags = Vec::new();
    loop {
        let bytes = pipe.read(65536);
        assert!(!bytes.is_empty(), "response ended without LAST_FRAG");
        let pdu = Pdu::decode(&bytes).unwrap();
        assert_eq!(pdu.header.call_id, call_id);
        let Body::Response(r) = &pdu.body else {
            panic!("not a response: {pdu:?}")
        };
        stub.extend_from_slice(&r.stub);
        let last = pdu.header.flags & PFC_LAST_FRAG != 0;
        frags.push(pdu);
        if last {
            return (stub, frags);
        }
    }
}

fn call(pipe: &mut PipeEndpoint, call_id: u32, opnum: u16, stub: &[u8]) -> Vec<u8> {
    pipe.write(&request_pdu(
        call_id,
        0,
        opnum,
        stub,
        PFC_FIRST_FRAG | PFC_LAST_FRAG,
    ))
    .unwrap();
    read_response(pipe, call_id).0
}

fn fault_of(bytes: &[u8]) -> (u8, Fault) {
    let pdu = Pdu::decode(bytes).unwrap();
    match pdu.body {
        Body::Fault(f) => (pdu.header.flags, f),
        other => panic!("not a fault: {other:?}"),
    }
}

fn enum_request(level: u32, pref: u32, resume: Option<u32>) -> Vec<u8> {
    ShareEnumRequest {
        server_name: Some("\\\\127.0.0.1".into()),
        level,
        preferred_max_len: pref,
        resume_handle: resume,
    }
    .encode()
}

fn many_shares(n: usize) -> Arc<ServerInfo> {
    let mut info = ServerInfo::new("BIG");
    for i in 0..n {
        info.shares.push(ShareEntry::disk(
            format!("share{i:03}"),
            format!("comment number {i} {}", "x".repeat(i % 17)),
        ));
    }
    Arc::new(info)
}
