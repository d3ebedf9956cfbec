//! A client driving `PipeEndpoint` the way smbclient, Windows and macOS do:
//! bind, then calls, with fragmentation both ways and the error paths.

// Test helpers outside `#[test]` fns may unwrap too: a failing test should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use bytes::Bytes;
use smbkit_rpc::ndr::NdrReader;
use smbkit_rpc::pdu::*;
use smbkit_rpc::srvsvc::{
    self, ServerGetInfoRequest, ShareEnumRequest, ShareEnumResponse, ShareGetInfoRequest,
};
use smbkit_rpc::werror::*;
use smbkit_rpc::wkssvc::{self, WkstaGetInfoRequest};
use smbkit_rpc::*;

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

#[test]
fn bind_then_share_enum_level1_decoded_by_hand() {
    let mut pipe = bound("srvsvc", 4280);
    let stub = call(&mut pipe, 2, 15, &enum_request(1, 0xFFFF_FFFF, Some(0)));

    // Decode with the bare NDR reader, field by field.
    let mut r = NdrReader::new(&stub);
    assert_eq!(r.u32().unwrap(), 1, "level");
    assert_eq!(r.union_discriminant().unwrap(), 1);
    assert!(r.unique_pointer().unwrap().is_some(), "container");
    assert_eq!(
        r.u32().unwrap(),
        2,
        "EntriesRead: IPC$ and public, not Private"
    );
    assert!(r.unique_pointer().unwrap().is_some(), "buffer");
    assert_eq!(r.conformant_count(12).unwrap(), 2);
    let mut fixed = Vec::new();
    for _ in 0..2 {
        let name = r.unique_pointer().unwrap();
        let kind = r.u32().unwrap();
        let remark = r.unique_pointer().unwrap();
        assert!(name.is_some() && remark.is_some());
        fixed.push(kind);
    }
    let mut names = Vec::new();
    for _ in 0..2 {
        names.push((r.string().unwrap(), r.string().unwrap()));
    }
    assert_eq!(fixed, vec![0x8000_0003, 0]);
    assert_eq!(
        names,
        vec![
            ("IPC$".to_owned(), "IPC Service".to_owned()),
            ("public".to_owned(), "Public files".to_owned())
        ]
    );
    assert_eq!(r.u32().unwrap(), 2, "TotalEntries");
    assert!(
        r.unique_pointer().unwrap().is_some(),
        "resume handle pointer"
    );
    assert_eq!(r.u32().unwrap(), 0, "resume handle");
    assert_eq!(r.u32().unwrap(), ERROR_SUCCESS);
    assert_eq!(r.remaining(), 0);
}

#[test]
fn share_enum_level0_and_other_levels() {
    let mut pipe = bound("srvsvc", 4280);
    let stub = call(&mut pipe, 2, 15, &enum_request(0, 0xFFFF_FFFF, None));
    let resp = ShareEnumResponse::decode(&stub).unwrap();
    assert_eq!(resp.level, 0);
    let names: Vec<_> = resp.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["IPC$", "public"]);
    assert_eq!(resp.resume_handle, None);
    assert_eq!(resp.status, ERROR_SUCCESS);

    for (i, level) in [2u32, 501, 502].into_iter().enumerate() {
        let stub = call(
            &mut pipe,
            3 + i as u32,
            15,
            &enum_request(level, 0xFFFF_FFFF, None),
        );
        let mut r = NdrReader::new(&stub);
        assert_eq!(r.u32().unwrap(), level);
        assert_eq!(r.u32().unwrap(), level);
        r.unique_pointer().unwrap().unwrap();
        assert_eq!(r.u32().unwrap(), 2);
        // WERROR is the last u32.
        assert_eq!(&stub[stub.len() - 4..], &[0, 0, 0, 0], "level {level}");
    }
    // Level 2 carries the path of "public".
    let stub = call(&mut pipe, 9, 15, &enum_request(2, 0xFFFF_FFFF, None));
    let text = String::from_utf16_lossy(
        &stub
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    );
    assert!(text.contains("/srv/public"));
}

#[test]
fn unknown_level_is_a_werror_not_a_fault() {
    let mut pipe = bound("srvsvc", 4280);
    // Level 3 is not in SHARE_ENUM_UNION: empty arm.
    let stub = call(&mut pipe, 2, 15, &enum_request(3, 0xFFFF_FFFF, Some(0)));
    assert_eq!(
        hex::encode(&stub),
        concat!(
            "03000000", "03000000", "00000000", "00000200", "00000000", "7c000000"
        )
    );
    // Level 503 is an IDL arm we do not serve: NULL container.
    let stub = call(&mut pipe, 3, 15, &enum_request(503, 0xFFFF_FFFF, None));
    assert_eq!(
        hex::encode(&stub),
        concat!(
            "f7010000", "f7010000", "00000000", "00000000", "00000000", "7c000000"
        )
    );
    let resp = ShareEnumResponse::decode(&stub).unwrap();
    assert_eq!(resp.status, ERROR_INVALID_LEVEL);

    let get = ShareGetInfoRequest {
        server_name: None,
        net_name: "public".into(),
        level: 7,
    }
    .encode();
    assert_eq!(
        hex::encode(call(&mut pipe, 4, 16, &get)),
        "070000007c000000"
    );
    let get = ShareGetInfoRequest {
        server_name: None,
        net_name: "public".into(),
        level: 1004,
    }
    .encode();
    assert_eq!(
        hex::encode(call(&mut pipe, 5, 16, &get)),
        "ec030000000000007c000000"
    );
    let srv = ServerGetInfoRequest {
        server_name: None,
        level: 103,
    }
    .encode();
    assert_eq!(
        hex::encode(call(&mut pipe, 6, 21, &srv)),
        "67000000000000007c000000"
    );

    let mut wks = bound("wkssvc", 4280);
    let req = WkstaGetInfoRequest {
        server_name: None,
        level: 502,
    }
    .encode();
    assert_eq!(
        hex::encode(call(&mut wks, 2, 0, &req)),
        "f6010000000000007c000000"
    );
}

#[test]
fn share_get_info_levels() {
    let mut pipe = bound("srvsvc", 4280);
    let get = |level, name: &str| {
        ShareGetInfoRequest {
            server_name: Some("\\\\SMBKIT".into()),
            net_name: name.into(),
            level,
        }
        .encode()
    };
    // Level 1, name matched case-insensitively, also for a hidden share.
    let stub = call(&mut pipe, 2, 16, &get(1, "PRIVATE"));
    let mut r = NdrReader::new(&stub);
    assert_eq!(r.u32().unwrap(), 1);
    r.unique_pointer().unwrap().unwrap();
    r.unique_pointer().unwrap().unwrap();
    assert_eq!(r.u32().unwrap(), STYPE_DISKTREE);
    r.unique_pointer().unwrap().unwrap();
    assert_eq!(r.string().unwrap(), "Private");
    assert_eq!(r.string().unwrap(), "hidden one");
    assert_eq!(r.u32().unwrap(), ERROR_SUCCESS);
    assert_eq!(r.remaining(), 0);

    // Level 1005: flags 0.
    assert_eq!(
        hex::encode(call(&mut pipe, 3, 16, &get(1005, "ipc$"))),
        "ed0300000000020000000000".to_owned() + "00000000"
    );
    // Levels 0, 2, 501, 502 succeed.
    for (i, level) in [0u32, 2, 501, 502].into_iter().enumerate() {
        let stub = call(&mut pipe, 4 + i as u32, 16, &get(level, "public"));
        assert_eq!(&stub[..4], &level.to_le_bytes());
        assert_eq!(&stub[stub.len() - 4..], &[0, 0, 0, 0]);
    }
    // Unknown share.
    assert_eq!(
        hex::encode(call(&mut pipe, 9, 16, &get(1, "nope"))),
        "0100000000000000".to_owned() + "06090000"
    );
}

#[test]
fn server_get_info_and_wksta_get_info() {
    let mut pipe = bound("srvsvc", 4280);
    let stub = call(
        &mut pipe,
        2,
        21,
        &ServerGetInfoRequest {
            server_name: None,
            level: 101,
        }
        .encode(),
    );
    let mut r = NdrReader::new(&stub);
    assert_eq!(r.u32().unwrap(), 101);
    r.unique_pointer().unwrap().unwrap();
    assert_eq!(r.u32().unwrap(), PLATFORM_ID_NT);
    r.unique_pointer().unwrap().unwrap();
    assert_eq!((r.u32().unwrap(), r.u32().unwrap()), (10, 0));
    assert_eq!(r.u32().unwrap(), 0x9003);
    r.unique_pointer().unwrap().unwrap();
    assert_eq!(r.string().unwrap(), "SMBKIT");
    assert_eq!(r.string().unwrap(), "smbkit test server");
    assert_eq!(r.u32().unwrap(), ERROR_SUCCESS);
    assert_eq!(r.remaining(), 0);
    for level in [100u32, 102] {
        let stub = call(
            &mut pipe,
            3,
            21,
            &ServerGetInfoRequest {
                server_name: None,
                level,
            }
            .encode(),
        );
        assert_eq!(&stub[..4], &level.to_le_bytes());
        assert_eq!(&stub[stub.len() - 4..], &[0, 0, 0, 0]);
    }

    let mut wks = bound("\\PIPE\\WKSSVC", 4280);
    assert_eq!(wks.kind(), PipeKind::Wkssvc);
    let stub = call(
        &mut wks,
        2,
        0,
        &WkstaGetInfoRequest {
            server_name: Some("\\\\x".into()),
            level: 100,
        }
        .encode(),
    );
    let mut r = NdrReader::new(&stub);
    assert_eq!(r.u32().unwrap(), 100);
    r.unique_pointer().unwrap().unwrap();
    assert_eq!(r.u32().unwrap(), 500);
    r.unique_pointer().unwrap().unwrap();
    r.unique_pointer().unwrap().unwrap();
    assert_eq!((r.u32().unwrap(), r.u32().unwrap()), (10, 0));
    assert_eq!(r.string().unwrap(), "SMBKIT");
    assert_eq!(r.string().unwrap(), "TESTGROUP");
    assert_eq!(r.u32().unwrap(), ERROR_SUCCESS);
    assert_eq!(r.remaining(), 0);
    // srvsvc opnums are unknown on wkssvc.
    wks.write(&request_pdu(3, 0, 15, &[], 3)).unwrap();
    assert_eq!(fault_of(&wks.read(4280)).1.status, NCA_S_OP_RNG_ERROR);
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

#[test]
fn response_fragmented_to_max_recv_frag() {
    let info = many_shares(120);
    let mut pipe = PipeEndpoint::open("srvsvc", info.clone()).unwrap();
    // A client offering 1000 gets the 1432 minimum.
    pipe.write(&bind_pdu(1, srvsvc::SRVSVC, 1000, &[0]))
        .unwrap();
    let Body::BindAck(a) = Pdu::decode(&pipe.read(4280)).unwrap().body else {
        panic!()
    };
    assert_eq!(a.max_xmit_frag, MIN_FRAG);
    pipe.write(&request_pdu(
        7,
        0,
        15,
        &enum_request(1, 0xFFFF_FFFF, None),
        3,
    ))
    .unwrap();
    let total_queued = pipe.queued();
    let (stub, frags) = read_response(&mut pipe, 7);
    assert!(frags.len() >= 5, "{} fragments", frags.len());
    let mut hint_expected = stub.len() as u32;
    for (i, f) in frags.iter().enumerate() {
        assert!(usize::from(f.header.frag_length) <= usize::from(MIN_FRAG));
        assert_eq!(f.header.flags & PFC_FIRST_FRAG != 0, i == 0);
        assert_eq!(f.header.flags & PFC_LAST_FRAG != 0, i == frags.len() - 1);
        let Body::Response(r) = &f.body else { panic!() };
        assert_eq!(r.alloc_hint, hint_expected);
        hint_expected -= r.stub.len() as u32;
        if i + 1 < frags.len() {
            assert_eq!(r.stub.len() % 8, 0);
        }
    }
    assert_eq!(
        total_queued,
        frags
            .iter()
            .map(|f| usize::from(f.header.frag_length))
            .sum::<usize>()
    );
    let req = ShareEnumRequest::decode(&enum_request(1, 0xFFFF_FFFF, None)).unwrap();
    assert_eq!(stub, srvsvc::share_enum(&info, &req));
    let resp = ShareEnumResponse::decode(&stub).unwrap();
    assert_eq!(resp.entries.len(), 121);
    assert_eq!(resp.entries[120].name, "share119");
}

#[test]
fn reads_in_pieces_report_pending() {
    let mut pipe = bound("srvsvc", 4280);
    pipe.write(&request_pdu(
        2,
        0,
        15,
        &enum_request(1, 0xFFFF_FFFF, None),
        3,
    ))
    .unwrap();
    let whole = pipe.queued();
    assert!(whole > 150);
    let mut got = Vec::new();
    let a = pipe.read(100);
    assert_eq!(a.len(), 100);
    assert_eq!(pipe.pending(), whole - 100);
    got.extend_from_slice(&a);
    let b = pipe.read(100);
    got.extend_from_slice(&b);
    assert_eq!(pipe.pending(), whole - 200);
    let c = pipe.read(4280);
    got.extend_from_slice(&c);
    assert_eq!(pipe.pending(), 0);
    assert_eq!(pipe.queued(), 0);
    assert!(pipe.read(4280).is_empty());
    let Body::Response(_) = Pdu::decode(&got).unwrap().body else {
        panic!()
    };
}

#[test]
fn transact_with_overflow_then_read() {
    let mut pipe = PipeEndpoint::open("srvsvc", info()).unwrap();
    let (ack, more) = pipe
        .transact(&bind_pdu(1, srvsvc::SRVSVC, 4280, &[0]), 4280)
        .unwrap();
    assert!(!more);
    assert!(matches!(Pdu::decode(&ack).unwrap().body, Body::BindAck(_)));

    let req = request_pdu(2, 0, 15, &enum_request(1, 0xFFFF_FFFF, None), 3);
    let (head, more) = pipe.transact(&req, 64).unwrap();
    assert!(more);
    assert_eq!(head.len(), 64);
    // The rest must be read before the next transceive.
    assert_eq!(pipe.transact(&req, 4280), Err(RpcError::PipeBusy));
    assert_eq!(RpcError::PipeBusy.nt_status(), 0xC000_00AE);
    let tail = pipe.read(4280);
    assert_eq!(pipe.pending(), 0);
    let whole = [head.as_ref(), tail.as_ref()].concat();
    assert!(matches!(
        Pdu::decode(&whole).unwrap().body,
        Body::Response(_)
    ));
    let (full, more) = pipe.transact(&req, 4280).unwrap();
    assert!(!more);
    assert_eq!(full.as_ref(), whole.as_slice());
}

#[test]
fn request_fragments_reassembled_and_writes_split() {
    let mut pipe = bound("srvsvc", 4280);
    let stub = enum_request(1, 0xFFFF_FFFF, Some(0));
    let parts = [&stub[..16], &stub[16..40], &stub[40..]];
    let flags = [PFC_FIRST_FRAG, 0, PFC_LAST_FRAG];
    let mut wire = Vec::new();
    for (p, f) in parts.iter().zip(flags) {
        wire.extend_from_slice(&request_pdu(5, 0, 15, p, f));
    }
    // Delivered in odd chunks that cut headers and bodies.
    for chunk in wire.chunks(7) {
        pipe.write(chunk).unwrap();
    }
    let (resp, frags) = read_response(&mut pipe, 5);
    assert_eq!(frags.len(), 1);
    let resp = ShareEnumResponse::decode(&resp).unwrap();
    assert_eq!(resp.entries.len(), 2);
    assert_eq!(resp.entries[1].comment, "Public files");

    // A middle fragment without a first one: protocol error fault.
    pipe.write(&request_pdu(9, 0, 15, &stub, PFC_LAST_FRAG))
        .unwrap();
    let (flags, f) = fault_of(&pipe.read(4280));
    assert_eq!(f.status, NCA_PROTO_ERROR);
    assert_ne!(flags & PFC_DID_NOT_EXECUTE, 0);
}

#[test]
fn oversized_request_is_refused_once() {
    let mut pipe = bound("srvsvc", 4280);
    let chunk = vec![0u8; 4000];
    pipe.write(&request_pdu(3, 0, 15, &chunk, PFC_FIRST_FRAG))
        .unwrap();
    for _ in 0..20 {
        pipe.write(&request_pdu(3, 0, 15, &chunk, 0)).unwrap();
    }
    pipe.write(&request_pdu(3, 0, 15, &chunk, PFC_LAST_FRAG))
        .unwrap();
    let (_, f) = fault_of(&pipe.read(4280));
    assert_eq!(f.status, NCA_S_FAULT_REMOTE_NO_MEMORY);
    assert_eq!(pipe.queued(), 0, "one fault only");
    // The pipe still works.
    let stub = call(&mut pipe, 4, 15, &enum_request(0, 0xFFFF_FFFF, None));
    assert_eq!(ShareEnumResponse::decode(&stub).unwrap().entries.len(), 2);
}

#[test]
fn faults_for_bad_calls() {
    let mut pipe = bound("srvsvc", 4280);
    // Unknown context id.
    pipe.write(&request_pdu(
        2,
        5,
        15,
        &enum_request(1, 0xFFFF_FFFF, None),
        3,
    ))
    .unwrap();
    let (_, f) = fault_of(&pipe.read(4280));
    assert_eq!((f.status, f.context_id), (NCA_S_UNK_IF, 5));
    // Unknown opnum.
    pipe.write(&request_pdu(3, 0, 99, &[], 3)).unwrap();
    let (flags, f) = fault_of(&pipe.read(4280));
    assert_eq!(f.status, NCA_S_OP_RNG_ERROR);
    assert_eq!(flags, PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_DID_NOT_EXECUTE);
    // Truncated stub.
    pipe.write(&request_pdu(4, 0, 15, &[0, 0, 2, 0, 9], 3))
        .unwrap();
    assert_eq!(fault_of(&pipe.read(4280)).1.status, NCA_S_FAULT_NDR);
    // A string count far beyond the stub.
    pipe.write(&request_pdu(
        5,
        0,
        16,
        &hex::decode("00000000ffffff0f00000000ffffff0f").unwrap(),
        3,
    ))
    .unwrap();
    assert_eq!(fault_of(&pipe.read(4280)).1.status, NCA_S_FAULT_NDR);
    // Big-endian request.
    let mut be = request_pdu(6, 0, 15, &[], 3);
    be[4] = 0;
    pipe.write(&be).unwrap();
    assert_eq!(fault_of(&pipe.read(4280)).1.status, NCA_PROTO_ERROR);
    // RPC-level authentication.
    let mut auth = request_pdu(7, 0, 15, &[0; 16], 3);
    auth[10] = 8;
    pipe.write(&auth).unwrap();
    assert_eq!(
        fault_of(&pipe.read(4280)).1.status,
        NCA_UNSUPPORTED_AUTHN_LEVEL
    );
    // Still usable.
    let stub = call(&mut pipe, 8, 15, &enum_request(1, 0xFFFF_FFFF, None));
    assert_eq!(ShareEnumResponse::decode(&stub).unwrap().status, 0);
}

#[test]
fn bind_refusals() {
    let nak_reason = |bytes: &[u8]| match Pdu::decode(bytes).unwrap().body {
        Body::BindNak(n) => n.reason,
        other => panic!("not a bind_nak: {other:?}"),
    };
    // Second bind.
    let mut pipe = bound("srvsvc", 4280);
    pipe.write(&bind_pdu(2, srvsvc::SRVSVC, 4280, &[0]))
        .unwrap();
    assert_eq!(nak_reason(&pipe.read(4280)), REJECT_REASON_NOT_SPECIFIED);
    // Authentication requested.
    let mut pipe = PipeEndpoint::open("srvsvc", info()).unwrap();
    let mut b = bind_pdu(1, srvsvc::SRVSVC, 4280, &[0]);
    b.extend_from_slice(&[0; 16]);
    b[8] += 16;
    b[10] = 8;
    pipe.write(&b).unwrap();
    assert_eq!(
        nak_reason(&pipe.read(4280)),
        REJECT_AUTHENTICATION_TYPE_NOT_RECOGNIZED
    );
    // Version 4.
    let mut b = bind_pdu(1, srvsvc::SRVSVC, 4280, &[0]);
    b[0] = 4;
    pipe.write(&b).unwrap();
    let nak = Pdu::decode(&pipe.read(4280)).unwrap();
    assert_eq!(
        nak.body,
        Body::BindNak(BindNak {
            reason: 4,
            versions: vec![(5, 0)]
        })
    );
    assert_eq!(nak.header.call_id, 1);
    assert!(!pipe.is_bound());
    // Wrong interface on this pipe: bound, but the context is refused.
    pipe.write(&bind_pdu(1, wkssvc::WKSSVC, 4280, &[0]))
        .unwrap();
    let Body::BindAck(a) = Pdu::decode(&pipe.read(4280)).unwrap().body else {
        panic!()
    };
    assert_eq!(
        (a.results[0].result, a.results[0].reason),
        (
            RESULT_PROVIDER_REJECTION,
            REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED
        )
    );
    pipe.write(&request_pdu(
        2,
        0,
        15,
        &enum_request(1, 0xFFFF_FFFF, None),
        3,
    ))
    .unwrap();
    assert_eq!(fault_of(&pipe.read(4280)).1.status, NCA_S_UNK_IF);
}

#[test]
fn errors_that_fail_the_write() {
    let mut pipe = PipeEndpoint::open("srvsvc", info()).unwrap();
    assert_eq!(
        pipe.write(&request_pdu(1, 0, 15, &[], 3)),
        Err(RpcError::NotBound)
    );
    let mut short = bind_pdu(1, srvsvc::SRVSVC, 4280, &[0]);
    short[8] = 10;
    short[9] = 0;
    assert_eq!(
        pipe.write(&short),
        Err(RpcError::Pdu(PduError::FragLength(10)))
    );
    let mut resp = request_pdu(1, 0, 15, &[], 3);
    resp[2] = 2;
    assert_eq!(pipe.write(&resp), Err(RpcError::UnexpectedPdu(2)));
    resp[2] = 42;
    assert_eq!(
        pipe.write(&resp),
        Err(RpcError::Pdu(PduError::UnknownType(42)))
    );
    assert_eq!(RpcError::NotBound.nt_status(), 0xC000_000D);
}

#[test]
fn resume_handle_and_preferred_length() {
    let info = many_shares(30);
    let mut pipe = PipeEndpoint::open("srvsvc", info.clone()).unwrap();
    pipe.write(&bind_pdu(1, srvsvc::SRVSVC, 4280, &[0]))
        .unwrap();
    pipe.read(4280);
    let mut resume = 0;
    let mut names = Vec::new();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let stub = call(
            &mut pipe,
            10 + rounds,
            15,
            &enum_request(1, 400, Some(resume)),
        );
        let resp = ShareEnumResponse::decode(&stub).unwrap();
        assert_eq!(resp.total_entries as usize, 31 - names.len());
        assert!(!resp.entries.is_empty());
        names.extend(resp.entries.into_iter().map(|e| e.name));
        match resp.status {
            ERROR_MORE_DATA => {
                resume = resp.resume_handle.unwrap();
                assert_ne!(resume, 0);
            }
            ERROR_SUCCESS => {
                assert_eq!(resp.resume_handle, Some(0));
                break;
            }
            other => panic!("status {other}"),
        }
    }
    assert!(rounds > 3);
    let all: Vec<_> = info.shares.iter().map(|s| s.name.clone()).collect();
    assert_eq!(names, all);
    // A resume handle past the end.
    let stub = call(&mut pipe, 99, 15, &enum_request(1, 0xFFFF_FFFF, Some(1000)));
    let resp = ShareEnumResponse::decode(&stub).unwrap();
    assert_eq!(
        (resp.entries.len(), resp.total_entries, resp.status),
        (0, 0, 0)
    );
}

#[test]
fn pipe_names() {
    for name in [
        "srvsvc",
        "SRVSVC",
        "\\srvsvc",
        "\\PIPE\\srvsvc",
        "pipe\\SrvSvc",
    ] {
        assert_eq!(PipeKind::from_name(name), Some(PipeKind::Srvsvc), "{name}");
    }
    assert_eq!(PipeKind::from_name("wkssvc"), Some(PipeKind::Wkssvc));
    for name in ["lsarpc", "samr", "", "\\PIPE\\", "srvsvc2", "pipe"] {
        assert!(PipeEndpoint::open(name, info()).is_none(), "{name}");
    }
}

#[test]
fn alter_context_adds_a_context_and_btfn_is_acked() {
    let mut pipe = bound("srvsvc", 4280);
    let btfn = SyntaxId {
        uuid: Uuid::from_fields(0x6cb7_1c2c, 0x9812, 0x4540, [1, 0, 0, 0, 0, 0, 0, 0]),
        major: 1,
        minor: 0,
    };
    let alter = Pdu {
        header: Header::new(PacketType::AlterContext, 3, 2),
        body: Body::AlterContext(Bind {
            max_xmit_frag: 4280,
            max_recv_frag: 4280,
            assoc_group_id: ASSOC_GROUP_ID,
            contexts: vec![
                PresentationContext {
                    context_id: 3,
                    abstract_syntax: srvsvc::SRVSVC,
                    transfer_syntaxes: vec![NDR64, NDR20],
                },
                PresentationContext {
                    context_id: 4,
                    abstract_syntax: srvsvc::SRVSVC,
                    transfer_syntaxes: vec![btfn],
                },
            ],
        }),
    }
    .encode()
    .unwrap();
    pipe.write(&alter).unwrap();
    let resp = Pdu::decode(&pipe.read(4280)).unwrap();
    assert_eq!(
        resp.header.packet_type(),
        Some(PacketType::AlterContextResp)
    );
    let Body::AlterContextResp(a) = resp.body else {
        panic!()
    };
    assert_eq!(
        a.results[0],
        ContextResult {
            result: RESULT_ACCEPTANCE,
            reason: 0,
            transfer_syntax: NDR20
        }
    );
    assert_eq!(a.results[1].result, RESULT_NEGOTIATE_ACK);
    pipe.write(&request_pdu(
        5,
        3,
        15,
        &enum_request(0, 0xFFFF_FFFF, None),
        3,
    ))
    .unwrap();
    let (stub, _) = read_response(&mut pipe, 5);
    assert_eq!(ShareEnumResponse::decode(&stub).unwrap().entries.len(), 2);
}

#[test]
fn discriminant_must_repeat_the_level() {
    let mut stub = enum_request(1, 0xFFFF_FFFF, None);
    // ServerName string "\\127.0.0.1" is 12 + 24 bytes after the pointer.
    let at = 4 + 12 + 24 + 4;
    assert_eq!(&stub[at - 4..at + 4], &[1, 0, 0, 0, 1, 0, 0, 0]);
    stub[at] = 2;
    assert_eq!(ShareEnumRequest::decode(&stub), Err(NdrError::Union(2)));
    let mut pipe = bound("srvsvc", 4280);
    pipe.write(&request_pdu(2, 0, 15, &stub, 3)).unwrap();
    assert_eq!(fault_of(&pipe.read(4280)).1.status, NCA_S_FAULT_NDR);
}
