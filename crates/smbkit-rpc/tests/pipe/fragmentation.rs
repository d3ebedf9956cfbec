//! Fragmentation both ways: answers cut to MaxRecvFrag, reads in pieces,
//! transceive with overflow, requests in fragments and split writes.

use super::*;
use smbkit_rpc::srvsvc::{self, ShareEnumRequest, ShareEnumResponse};

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
