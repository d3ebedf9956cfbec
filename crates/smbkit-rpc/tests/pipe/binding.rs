//! Pipe names, bind refusals, alter_context and bind-time feature negotiation.

use super::*;
use smbkit_rpc::srvsvc::{self, ShareEnumResponse};
use smbkit_rpc::wkssvc;

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
