//! Property tests: hostile bytes never panic, never make the endpoint hold
//! more than the input justifies, and the codecs are consistent.

// Test helpers outside `#[test]` fns may unwrap too: a failing test should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use bytes::Bytes;
use proptest::prelude::*;
use smbkit_rpc::pdu::*;
use smbkit_rpc::srvsvc::{self, ShareEnumRequest, ShareEnumResponse};
use smbkit_rpc::*;

fn info() -> Arc<ServerInfo> {
    Arc::new(
        ServerInfo::new("PROP")
            .with_share(ShareEntry::disk("a", "first"))
            .with_share(ShareEntry::disk("b", "second").with_path("/b")),
    )
}

/// Largest answer the test server gives to one fragment (bind_ack, fault,
/// or a share list of three entries at any level).
const MAX_ANSWER: usize = 1024;

fn bound_pipe() -> PipeEndpoint {
    let mut pipe = PipeEndpoint::open("srvsvc", info()).unwrap();
    let bind = Pdu {
        header: Header::new(PacketType::Bind, 3, 1),
        body: Body::Bind(Bind {
            max_xmit_frag: 4280,
            max_recv_frag: 4280,
            assoc_group_id: 0,
            contexts: vec![PresentationContext {
                context_id: 0,
                abstract_syntax: srvsvc::SRVSVC,
                transfer_syntaxes: vec![NDR20],
            }],
        }),
    };
    pipe.write(&bind.encode().unwrap()).unwrap();
    pipe.read(4280);
    pipe
}

/// A fragment with a well-formed header and arbitrary body.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![0u8, 11, 14, 18, 19]),
        any::<u8>(),
        prop::sample::select(vec![[0x10u8, 0, 0, 0], [0, 0, 0, 0], [0x10, 1, 0, 0]]),
        prop::sample::select(vec![0u16, 0, 0, 8]),
        0u32..4,
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(ptype, flags, drep, auth, call_id, body)| {
            let mut h = Header::new(PacketType::Request, flags, call_id);
            h.ptype = ptype;
            h.drep = drep;
            h.auth_length = auth;
            h.frag_length = u16::try_from(16 + body.len()).unwrap();
            let mut out = Vec::new();
            h.encode(&mut out);
            out.extend_from_slice(&body);
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_writes_never_panic_and_stay_bounded(
        data in prop::collection::vec(any::<u8>(), 0..4096),
        chunk in 1usize..600,
        bind_first in any::<bool>(),
    ) {
        let mut pipe = if bind_first { bound_pipe() } else { PipeEndpoint::open("srvsvc", info()).unwrap() };
        for part in data.chunks(chunk) {
            let _ = pipe.write(part);
            prop_assert!(pipe.buffered() < 65536);
        }
        // Each answered fragment took at least 16 input bytes.
        prop_assert!(pipe.queued() <= (data.len() / 16 + 1) * MAX_ANSWER);
        let mut drained = 0;
        while pipe.queued() > 0 {
            let piece = pipe.read(97);
            prop_assert!(!piece.is_empty() && piece.len() <= 97);
            drained += piece.len();
        }
        prop_assert_eq!(pipe.pending(), 0);
        prop_assert!(drained <= (data.len() / 16 + 1) * MAX_ANSWER);
    }

    #[test]
    fn well_framed_garbage_is_answered_not_refused(
        frags in prop::collection::vec(fragment(), 1..8),
    ) {
        let mut pipe = bound_pipe();
        let wire: Vec<u8> = frags.concat();
        // Every fragment has a valid frame and a known client PDU type: the
        // endpoint answers (ack, nak, fault) or waits, but never fails.
        prop_assert_eq!(pipe.write(&wire), Ok(()));
        prop_assert_eq!(pipe.buffered(), 0);
        while pipe.queued() > 0 {
            let msg = pipe.read(65536);
            let pdu = Pdu::decode(&msg).unwrap();
            prop_assert!(matches!(
                pdu.body,
                Body::BindAck(_) | Body::BindNak(_) | Body::AlterContextResp(_) | Body::Fault(_) | Body::Response(_)
            ));
            prop_assert!(msg.len() <= usize::from(MAX_FRAG));
        }
    }

    #[test]
    fn transact_never_panics(data in prop::collection::vec(any::<u8>(), 0..2048), max in 0usize..5000) {
        let mut pipe = bound_pipe();
        if let Ok((out, more)) = pipe.transact(&data, max) {
            prop_assert!(out.len() <= max);
            prop_assert_eq!(more, pipe.pending() > 0);
        }
    }

    #[test]
    fn interface_calls_never_panic(opnum in 0u16..32, stub in prop::collection::vec(any::<u8>(), 0..512)) {
        let info = info();
        for result in [srvsvc::call(&info, opnum, &stub), wkssvc::call(&info, opnum, &stub)] {
            match result {
                Ok(out) => prop_assert!(out.len() <= 4096),
                Err(CallError::UnknownOpnum(n)) => prop_assert_eq!(n, opnum),
                Err(CallError::BadStub(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn pdu_decode_never_panics_and_reencodes(
        data in prop_oneof![prop::collection::vec(any::<u8>(), 0..512), fragment()],
    ) {
        if let Ok(pdu) = Pdu::decode(&data)
            && let Ok(bytes) = pdu.encode()
        {
            let again = Pdu::decode(&bytes).unwrap();
            prop_assert_eq!(usize::from(again.header.frag_length), bytes.len());
            prop_assert_eq!(again.body, pdu.body);
        }
    }

    #[test]
    fn ndr_strings_and_requests_never_panic(data in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = smbkit_rpc::ndr::NdrReader::new(&data).string();
        let _ = ShareEnumRequest::decode(&data);
        let _ = srvsvc::ShareGetInfoRequest::decode(&data);
        let _ = srvsvc::ServerGetInfoRequest::decode(&data);
        let _ = ShareEnumResponse::decode(&data);
    }

    #[test]
    fn share_names_survive_the_round_trip(
        shares in prop::collection::vec(("\\PC{0,20}", "\\PC{0,40}"), 0..40),
        level in prop::sample::select(vec![0u32, 1]),
    ) {
        let mut info = ServerInfo::new("X");
        info.shares.clear();
        for (name, comment) in &shares {
            info.shares.push(ShareEntry::disk(name.clone(), comment.clone()));
        }
        let req = ShareEnumRequest { server_name: None, level, preferred_max_len: u32::MAX, resume_handle: None };
        let resp = ShareEnumResponse::decode(&srvsvc::share_enum(&info, &req)).unwrap();
        prop_assert_eq!(resp.entries.len(), shares.len());
        prop_assert_eq!(resp.total_entries as usize, shares.len());
        for (e, (name, comment)) in resp.entries.iter().zip(&shares) {
            prop_assert_eq!(&e.name, name);
            if level == 1 {
                prop_assert_eq!(&e.comment, comment);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn responses_fragment_to_any_negotiated_size(
        n in 0usize..150,
        max_recv in 0u16..6000,
        read_size in prop::sample::select(vec![64usize, 1000, 4280]),
    ) {
        let mut info = ServerInfo::new("FRAG");
        for i in 0..n {
            info.shares.push(ShareEntry::disk(format!("s{i}"), "c".repeat(i % 50)));
        }
        let info = Arc::new(info);
        let mut pipe = PipeEndpoint::open("srvsvc", info.clone()).unwrap();
        let bind = Pdu {
            header: Header::new(PacketType::Bind, 3, 1),
            body: Body::Bind(Bind {
                max_xmit_frag: 4280,
                max_recv_frag: max_recv,
                assoc_group_id: 0,
                contexts: vec![PresentationContext { context_id: 0, abstract_syntax: srvsvc::SRVSVC, transfer_syntaxes: vec![NDR20] }],
            }),
        };
        pipe.write(&bind.encode().unwrap()).unwrap();
        pipe.read(4280);
        let limit = usize::from(max_recv.clamp(MIN_FRAG, MAX_FRAG));
        prop_assert_eq!(usize::from(pipe.max_xmit_frag()), limit);

        let req = ShareEnumRequest { server_name: None, level: 1, preferred_max_len: u32::MAX, resume_handle: None };
        let request = Pdu {
            header: Header::new(PacketType::Request, 3, 2),
            body: Body::Request(Request { alloc_hint: 0, context_id: 0, opnum: 15, object: None, stub: Bytes::from(req.encode()) }),
        };
        pipe.write(&request.encode().unwrap()).unwrap();

        // Read like a client: READs of read_size, BUFFER_OVERFLOW → keep
        // reading the same message.
        let mut stub = Vec::new();
        loop {
            let mut msg = pipe.read(read_size).to_vec();
            while pipe.pending() > 0 {
                msg.extend_from_slice(&pipe.read(read_size));
            }
            prop_assert!(msg.len() <= limit);
            let pdu = Pdu::decode(&msg).unwrap();
            prop_assert_eq!(usize::from(pdu.header.frag_length), msg.len());
            let Body::Response(r) = pdu.body else { panic!("not a response") };
            stub.extend_from_slice(&r.stub);
            if pdu.header.flags & PFC_LAST_FRAG != 0 {
                break;
            }
        }
        prop_assert_eq!(pipe.queued(), 0);
        prop_assert_eq!(stub, srvsvc::share_enum(&info, &req));
    }
}
