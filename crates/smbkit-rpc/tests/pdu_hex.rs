//! Hex round trips for every PDU type the pipe reads or writes.
//!
//! No published DCE/RPC vectors exist in the project's vector set, so every
//! byte string below was built by hand, field by field, from the layouts in
//! C706 chapter 12 and MS-RPCE 2.2.2 (header, bind, bind_ack, bind_nak,
//! alter_context(_resp), request, response, fault) and MS-SRVS 3.1.4.8 /
//! 2.2.4 for the NetrShareEnum stubs. Each test decodes the bytes, checks
//! the fields, and encodes them back to the same bytes; where the server
//! produces the PDU, the bytes it produces are compared too.

// Test helpers outside `#[test]` fns may unwrap too: a failing test should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use bytes::Bytes;
use smbkit_rpc::pdu::*;
use smbkit_rpc::srvsvc::{self, ShareEnumRequest};
use smbkit_rpc::{PipeEndpoint, ServerInfo, ShareEntry};

/// Joins hex fragments, ignoring spaces.
fn hx(parts: &[&str]) -> Vec<u8> {
    let s: String = parts
        .concat()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    hex::decode(s).unwrap()
}

const SRVSVC_V3: &str = "c84f324b 7016 d301 12785a47bf6ee188 0300 0000";
const NDR_V2: &str = "045d888a eb1c c911 9fe808002b104860 02000000";
const NDR64_V1: &str = "33057171 babe 3749 8319b5dbef9ccc36 01000000";
const BTFN_V1: &str = "2c1cb76c 1298 4045 0300000000000000 01000000";

/// bind, call_id 1, three contexts (NDR, NDR64, bind-time feature
/// negotiation) as Windows offers them.
fn bind_bytes() -> Vec<u8> {
    hx(&[
        "05 00 0b 03 10000000 a000 0000 01000000", // header, frag_length 160
        "b810 b810 00000000",                      // max_xmit 4280, max_recv 4280, assoc 0
        "03 000000",                               // 3 contexts
        "0000 01 00",
        SRVSVC_V3,
        NDR_V2, // ctx 0
        "0100 01 00",
        SRVSVC_V3,
        NDR64_V1, // ctx 1
        "0200 01 00",
        SRVSVC_V3,
        BTFN_V1, // ctx 2
    ])
}

/// The bind_ack the server must answer [`bind_bytes`] with.
fn bind_ack_bytes() -> Vec<u8> {
    hx(&[
        "05 00 0c 03 10000000 7400 0000 01000000", // frag_length 116
        "b810 b810 f0530000",                      // assoc group 0x53f0
        "0d00 5c504950455c73727673766300",         // "\PIPE\srvsvc\0"
        "00",                                      // pad to 4 (offset 39 -> 40)
        "03 000000",
        "0000 0000",
        NDR_V2,                                                // accepted
        "0200 0200 00000000000000000000000000000000 00000000", // NDR64 refused
        "0300 0000 00000000000000000000000000000000 00000000", // negotiate_ack
    ])
}

fn info() -> Arc<ServerInfo> {
    Arc::new(ServerInfo::new("SRV").with_share(ShareEntry::disk("data", "Data")))
}

fn round_trip(bytes: &[u8]) -> Pdu {
    let pdu = Pdu::decode(bytes).unwrap();
    assert_eq!(usize::from(pdu.header.frag_length), bytes.len());
    assert_eq!(pdu.encode().unwrap(), bytes, "encode(decode(x)) != x");
    pdu
}

#[test]
fn bind_round_trip() {
    let pdu = round_trip(&bind_bytes());
    assert_eq!(pdu.header.packet_type(), Some(PacketType::Bind));
    assert_eq!(pdu.header.call_id, 1);
    assert!(pdu.header.is_little_endian_ascii_ieee());
    let Body::Bind(b) = pdu.body else {
        panic!("not a bind")
    };
    assert_eq!(
        (b.max_xmit_frag, b.max_recv_frag, b.assoc_group_id),
        (4280, 4280, 0)
    );
    assert_eq!(b.contexts.len(), 3);
    assert_eq!(b.contexts[0].abstract_syntax, srvsvc::SRVSVC);
    assert_eq!(b.contexts[0].transfer_syntaxes, vec![NDR20]);
    assert_eq!(b.contexts[1].context_id, 1);
    assert_eq!(b.contexts[1].transfer_syntaxes, vec![NDR64]);
    assert!(b.contexts[2].transfer_syntaxes[0].is_bind_time_feature_negotiation());
}

#[test]
fn bind_ack_round_trip_and_server_output() {
    let pdu = round_trip(&bind_ack_bytes());
    let Body::BindAck(a) = pdu.body else {
        panic!("not a bind_ack")
    };
    assert_eq!(a.secondary_address, b"\\PIPE\\srvsvc\0");
    assert_eq!(a.results[0].result, RESULT_ACCEPTANCE);
    assert_eq!(a.results[1].result, RESULT_PROVIDER_REJECTION);
    assert_eq!(a.results[1].reason, REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED);
    assert_eq!(a.results[2].result, RESULT_NEGOTIATE_ACK);

    let mut pipe = PipeEndpoint::open("srvsvc", info()).unwrap();
    pipe.write(&bind_bytes()).unwrap();
    assert_eq!(pipe.read(4280).as_ref(), bind_ack_bytes().as_slice());
    assert_eq!(pipe.queued(), 0);
}

#[test]
fn bind_nak_round_trip_and_big_endian_refusal() {
    // The bind with drep 00 00 00 00 (big-endian): refused.
    let mut bind = bind_bytes();
    bind[4] = 0x00;
    let nak = hx(&[
        "05 00 0d 03 10000000 1800 0000 01000000", // frag_length 24
        "0400",                                    // protocol version not supported
        "01 05 00",                                // one version: 5.0
        "000000",                                  // pad to 4
    ]);
    let pdu = round_trip(&nak);
    assert_eq!(
        pdu.body,
        Body::BindNak(BindNak {
            reason: REJECT_PROTOCOL_VERSION_NOT_SUPPORTED,
            versions: vec![(5, 0)]
        })
    );
    let mut pipe = PipeEndpoint::open("srvsvc", info()).unwrap();
    pipe.write(&bind).unwrap();
    assert_eq!(pipe.read(4280).as_ref(), nak.as_slice());
    assert!(!pipe.is_bound());
}

#[test]
fn alter_context_round_trip_and_answer() {
    let alter = hx(&[
        "05 00 0e 03 10000000 4800 0000 02000000", // frag_length 72
        "b810 b810 f0530000",
        "01 000000",
        "0100 01 00",
        SRVSVC_V3,
        NDR_V2,
    ]);
    let resp = hx(&[
        "05 00 0f 03 10000000 3800 0000 02000000", // frag_length 56
        "b810 b810 f0530000",
        "0000", // empty secondary address
        "0000", // pad to 4 (offset 26 -> 28)
        "01 000000",
        "0000 0000",
        NDR_V2,
    ]);
    let pdu = round_trip(&alter);
    assert!(matches!(pdu.body, Body::AlterContext(_)));
    let pdu = round_trip(&resp);
    assert!(matches!(pdu.body, Body::AlterContextResp(ref a) if a.secondary_address.is_empty()));

    let mut pipe = PipeEndpoint::open("srvsvc", info()).unwrap();
    pipe.write(&bind_bytes()).unwrap();
    pipe.read(4280);
    pipe.write(&alter).unwrap();
    assert_eq!(pipe.read(4280).as_ref(), resp.as_slice());
}

/// NetrShareEnum level 1 request stub (ServerName "\\srv", empty
/// container, MAX_PREFERRED_LENGTH, resume handle 0).
fn share_enum_stub() -> Vec<u8> {
    hx(&[
        "00000200",                   // ServerName: referent
        "06000000 00000000 06000000", // max 6, offset 0, actual 6
        "5c005c00 73007200 76000000", // "\\srv\0"
        "01000000 01000000",          // Level 1, switch 1
        "04000200",                   // container referent
        "00000000 00000000",          // EntriesRead 0, Buffer NULL
        "ffffffff",                   // PreferedMaximumLength
        "08000200 00000000",          // ResumeHandle -> 0
    ])
}

fn share_enum_request() -> Vec<u8> {
    hx(&[
        "05 00 00 03 10000000 5400 0000 02000000", // frag_length 84, call 2
        "3c000000 0000 0f00",                      // alloc_hint 60, ctx 0, opnum 15
        &hex::encode(share_enum_stub()),
    ])
}

/// The answer for IPC$ + data.
fn share_enum_response_stub() -> Vec<u8> {
    hx(&[
        "01000000 01000000",                                     // Level 1, switch 1
        "00000200",                                              // container referent
        "02000000 04000200",                                     // EntriesRead 2, Buffer referent
        "02000000",                                              // MaxCount 2
        "08000200 03000080 0c000200", // IPC$: name, STYPE_IPC|SPECIAL, remark
        "10000200 00000000 14000200", // data: name, DISKTREE, remark
        "05000000 00000000 05000000 4900500043002400 0000 0000", // "IPC$"
        "0c000000 00000000 0c000000", // "IPC Service"
        "49005000430020005300650072007600690063006500 0000",
        "05000000 00000000 05000000 6400610074006100 0000 0000", // "data"
        "05000000 00000000 05000000 4400610074006100 0000 0000", // "Data"
        "02000000",                                              // TotalEntries
        "18000200 00000000",                                     // ResumeHandle -> 0
        "00000000",                                              // WERR_OK
    ])
}

#[test]
fn request_round_trip_and_client_encoder() {
    let pdu = round_trip(&share_enum_request());
    let Body::Request(r) = &pdu.body else {
        panic!("not a request")
    };
    assert_eq!(
        (r.alloc_hint, r.context_id, r.opnum, r.object),
        (60, 0, 15, None)
    );
    assert_eq!(r.stub.as_ref(), share_enum_stub().as_slice());
    let req = ShareEnumRequest::decode(&r.stub).unwrap();
    assert_eq!(
        req,
        ShareEnumRequest {
            server_name: Some("\\\\srv".into()),
            level: 1,
            preferred_max_len: 0xFFFF_FFFF,
            resume_handle: Some(0),
        }
    );
    assert_eq!(req.encode(), share_enum_stub());
}

#[test]
fn request_with_object_uuid_round_trip() {
    let bytes = hx(&[
        "05 00 00 83 10000000 2c00 0000 07000000", // PFC_OBJECT_UUID, frag_length 44
        "04000000 0100 1500",                      // alloc 4, ctx 1, opnum 21
        "00112233445566778899aabbccddeeff",        // object
        "65000000",                                // stub
    ]);
    let pdu = round_trip(&bytes);
    let Body::Request(r) = pdu.body else { panic!() };
    assert_eq!(r.object.unwrap().0[0], 0x00);
    assert_eq!(r.object.unwrap().0[15], 0xff);
    assert_eq!(r.stub, Bytes::from_static(&[0x65, 0, 0, 0]));
}

#[test]
fn response_round_trip_and_server_output() {
    let stub = share_enum_response_stub();
    assert_eq!(stub.len(), 172);
    let resp = hx(&[
        "05 00 02 03 10000000 c400 0000 02000000", // frag_length 196
        "ac000000 0000 00 00",                     // alloc_hint 172, ctx 0
        &hex::encode(&stub),
    ]);
    let pdu = round_trip(&resp);
    let Body::Response(r) = &pdu.body else {
        panic!("not a response")
    };
    assert_eq!(r.stub.as_ref(), stub.as_slice());

    // The stub generator alone …
    let req = ShareEnumRequest::decode(&share_enum_stub()).unwrap();
    assert_eq!(srvsvc::share_enum(&info(), &req), stub);
    // … and through the pipe.
    let mut pipe = PipeEndpoint::open("srvsvc", info()).unwrap();
    pipe.write(&bind_bytes()).unwrap();
    pipe.read(4280);
    pipe.write(&share_enum_request()).unwrap();
    assert_eq!(pipe.read(4280).as_ref(), resp.as_slice());
}

#[test]
fn fault_round_trip_and_unknown_opnum() {
    let fault = hx(&[
        "05 00 03 23 10000000 2000 0000 03000000", // FIRST|LAST|DID_NOT_EXECUTE, 32 bytes
        "00000000 0000 00 00",                     // alloc_hint, ctx, cancel count
        "0200011c",                                // nca_s_op_rng_error
        "00000000",
    ]);
    let pdu = round_trip(&fault);
    assert_eq!(
        pdu.body,
        Body::Fault(Fault {
            alloc_hint: 0,
            context_id: 0,
            cancel_count: 0,
            status: NCA_S_OP_RNG_ERROR
        })
    );
    let request = hx(&[
        "05 00 00 03 10000000 1c00 0000 03000000",
        "04000000 0000 6300",
        "00000000",
    ]);
    let mut pipe = PipeEndpoint::open("srvsvc", info()).unwrap();
    pipe.write(&bind_bytes()).unwrap();
    pipe.read(4280);
    pipe.write(&request).unwrap();
    assert_eq!(pipe.read(4280).as_ref(), fault.as_slice());
}

#[test]
fn header_fields() {
    let h = Header::decode(&share_enum_request()).unwrap();
    assert_eq!(
        h,
        Header {
            rpc_vers: 5,
            rpc_vers_minor: 0,
            ptype: 0,
            flags: PFC_FIRST_FRAG | PFC_LAST_FRAG,
            drep: DREP_LE,
            frag_length: 84,
            auth_length: 0,
            call_id: 2,
        }
    );
    let mut out = Vec::new();
    h.encode(&mut out);
    assert_eq!(out, share_enum_request()[..16]);
}
