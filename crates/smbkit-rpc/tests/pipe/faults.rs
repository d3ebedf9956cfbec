//! Faults and errors: WERRORs that are not faults, faults for bad calls,
//! errors that fail the write, the union discriminant.

use super::*;
use smbkit_rpc::srvsvc::{
    self, ServerGetInfoRequest, ShareEnumRequest, ShareEnumResponse, ShareGetInfoRequest,
};
use smbkit_rpc::werror::*;
use smbkit_rpc::wkssvc::WkstaGetInfoRequest;

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
