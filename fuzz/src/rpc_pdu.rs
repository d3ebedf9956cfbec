//! `rpc_pdu`: DCE/RPC connection-oriented PDUs and the NDR stubs of the
//! srvsvc and wkssvc calls (smbkit-rpc).
//!
//! Input: one selector byte, then the bytes. Selector 0: a whole PDU, which
//! must re-encode and decode to the same value. 1–4: a request stub of
//! NetrShareEnum, NetrShareGetInfo, NetrServerGetInfo, NetrWkstaGetInfo
//! (decode → encode → decode), then the call itself on a small server;
//! 5: a NetrShareEnum answer stub (the client-side decoder); 6: the raw NDR
//! reader.

use smbkit_rpc::ndr::NdrReader;
use smbkit_rpc::pdu::Pdu;
use smbkit_rpc::srvsvc::{
    self, ServerGetInfoRequest, ShareEnumRequest, ShareEnumResponse, ShareGetInfoRequest,
};
use smbkit_rpc::wkssvc::{self, WkstaGetInfoRequest};
use smbkit_rpc::{ServerInfo, ShareEntry};

/// The server the calls run against.
pub fn server_info() -> ServerInfo {
    ServerInfo::new("FUZZSRV")
        .with_comment("fuzzing")
        .with_share(ShareEntry::disk("share", "a disk share"))
        .with_share(ShareEntry::disk("other", ""))
}

macro_rules! stub {
    ($ty:ident, $stub:expr) => {{
        if let Ok(first) = $ty::decode($stub) {
            let bytes = first.encode();
            let second =
                $ty::decode(&bytes).expect(concat!(stringify!($ty), ": a re-encoded stub decodes"));
            assert_eq!(first, second, concat!(stringify!($ty), ": decode∘encode"));
        }
    }};
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let info = server_info();
    match selector % 7 {
        0 => {
            if let Ok(mut first) = Pdu::decode(rest)
                && let Ok(bytes) = first.encode()
            {
                let second = Pdu::decode(&bytes).expect("a re-encoded PDU decodes");
                // frag_length is derived: the encoder writes the real length,
                // the decoder keeps what the peer declared (which may cover
                // bytes the body does not use, e.g. padding). The decoder
                // drops an authentication trailer and the encoder writes
                // auth_length 0 (documented on `Pdu::encode`).
                assert_eq!(usize::from(second.header.frag_length), bytes.len());
                assert_eq!(second.header.auth_length, 0);
                first.header.frag_length = second.header.frag_length;
                first.header.auth_length = 0;
                assert_eq!(first, second, "rpc Pdu: decode∘encode");
                assert_eq!(
                    second.encode().ok(),
                    Some(bytes),
                    "rpc Pdu: encode is stable"
                );
            }
        }
        1 => {
            stub!(ShareEnumRequest, rest);
            let _ = srvsvc::call(&info, srvsvc::OPNUM_NETR_SHARE_ENUM, rest);
        }
        2 => {
            stub!(ShareGetInfoRequest, rest);
            let _ = srvsvc::call(&info, srvsvc::OPNUM_NETR_SHARE_GET_INFO, rest);
        }
        3 => {
            stub!(ServerGetInfoRequest, rest);
            let _ = srvsvc::call(&info, srvsvc::OPNUM_NETR_SERVER_GET_INFO, rest);
        }
        4 => {
            stub!(WkstaGetInfoRequest, rest);
            let _ = wkssvc::call(&info, wkssvc::OPNUM_NETR_WKSTA_GET_INFO, rest);
        }
        5 => {
            let _ = ShareEnumResponse::decode(rest);
        }
        _ => {
            let mut r = NdrReader::new(rest);
            // A little program in the first bytes drives the reader.
            for &op in rest.iter().take(32) {
                let ok = match op % 8 {
                    0 => r.u32().is_ok(),
                    1 => r.string().is_ok(),
                    2 => r.unique_pointer().is_ok(),
                    3 => r.full_pointer().is_ok(),
                    4 => r.conformant_count(usize::from(op >> 3)).is_ok(),
                    5 => r.align(usize::from(op >> 5).max(1)).is_ok(),
                    6 => r.union_discriminant().is_ok(),
                    _ => r.u64().is_ok(),
                };
                if !ok {
                    break;
                }
            }
        }
    }
}
