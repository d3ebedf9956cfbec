//! Property tests: no decoder panics on arbitrary or mutated bytes, and
//! decode(encode(v)) == v for generated values of the encodable types.

// Test helpers may fail loudly (clippy.toml allows it inside #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use proptest::prelude::*;
use smbkit_wire::codec::U16List;
use smbkit_wire::error_response::ErrorResponse;
use smbkit_wire::fsctl::{ValidateNegotiateInfoRequest, ValidateNegotiateInfoResponse};
use smbkit_wire::ioctl::{IoctlRequest, IoctlResponse};
use smbkit_wire::negotiate::{NegotiateContext, NegotiateRequest, NegotiateResponse, dialect};
use smbkit_wire::session_setup::{SessionSetupRequest, SessionSetupResponse};
use smbkit_wire::smb1::Smb1Negotiate;
use smbkit_wire::tree_connect::{
    TreeConnectContext, TreeConnectRequest, TreeConnectResponse, flags,
};
use smbkit_wire::{
    Command, FileId, Guid, Header, HeaderFlags, HeaderId, NtStatus, Pdu, Writer, split_compound,
};

/// Runs every decoder over `bytes`; none may panic.
fn decode_all(bytes: &[u8]) {
    let _ = Header::decode(bytes);
    let _ = split_compound(bytes).take(64).count();
    let _ = ErrorResponse::decode(bytes).map(|e| e.contexts());
    let _ = NegotiateRequest::decode(bytes);
    let _ = NegotiateResponse::decode(bytes);
    let _ = SessionSetupRequest::decode(bytes);
    let _ = SessionSetupResponse::decode(bytes);
    let _ = TreeConnectRequest::decode(bytes).map(|t| t.path_string());
    let _ = TreeConnectResponse::decode(bytes);
    let _ = IoctlRequest::decode(bytes);
    let _ = IoctlResponse::decode(bytes);
    let _ = smbkit_wire::echo::EchoRequest::decode(bytes);
    let _ = smbkit_wire::cancel::CancelRequest::decode(bytes);
    let _ = smbkit_wire::logoff::LogoffRequest::decode(bytes);
    let _ = smbkit_wire::tree_disconnect::TreeDisconnectRequest::decode(bytes);
    let _ = ValidateNegotiateInfoRequest::decode(bytes);
    let _ = ValidateNegotiateInfoResponse::decode(bytes);
    let _ = Smb1Negotiate::decode(bytes).map(|n| (n.smb2_answer(), n.dialects().count()));
    let _ = smbkit_wire::codec::utf16le_to_string("x", bytes);
}

/// Real packets to mutate, so that mutations reach deep into the parsers.
fn seeds() -> Vec<Vec<u8>> {
    let text = include_str!("data/windows-packets.toml");
    text.lines()
        .filter_map(|l| {
            let l = l.trim().trim_end_matches(',');
            let l = l.strip_prefix("message = ").unwrap_or(l);
            let h = l.strip_prefix('"')?.strip_suffix('"')?;
            if h.starts_with("fe534d42") {
                hex::decode(h).ok()
            } else {
                None
            }
        })
        .collect()
}

/// A message with the given command: a header, a 2-byte StructureSize, then
/// arbitrary bytes.
fn framed(command: u16, structure_size: u16, tail: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let mut w = Writer::new(&mut v);
    Header {
        command: Command(command),
        ..Header::default()
    }
    .encode(&mut w);
    w.u16(structure_size);
    w.bytes(tail);
    v
}

fn u16list(max: usize) -> impl Strategy<Value = U16List<'static>> {
    prop::collection::vec(any::<u16>(), 0..max).prop_map(|v| U16List::from_values(&v))
}

fn leak(v: Vec<u8>) -> &'static [u8] {
    Box::leak(v.into_boxed_slice())
}

fn blob(max: usize) -> impl Strategy<Value = &'static [u8]> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(leak)
}

fn guid() -> impl Strategy<Value = Guid> {
    any::<[u8; 16]>().prop_map(Guid)
}

fn negotiate_context() -> impl Strategy<Value = NegotiateContext<'static>> {
    prop_oneof![
        (u16list(4), blob(40)).prop_map(|(hash_algorithms, salt)| {
            NegotiateContext::PreauthIntegrity {
                hash_algorithms,
                salt,
            }
        }),
        u16list(5).prop_map(|ciphers| NegotiateContext::Encryption { ciphers }),
        (any::<u32>(), u16list(5))
            .prop_map(|(flags, algorithms)| NegotiateContext::Compression { flags, algorithms }),
        blob(30).prop_map(|name| NegotiateContext::NetName { name }),
        any::<u32>().prop_map(|flags| NegotiateContext::Transport { flags }),
        u16list(3).prop_map(|transforms| NegotiateContext::RdmaTransform { transforms }),
        u16list(3).prop_map(|algorithms| NegotiateContext::Signing { algorithms }),
        (9u16..0xffff, blob(20))
            .prop_map(|(context_type, data)| NegotiateContext::Unknown { context_type, data }),
    ]
}

fn header() -> impl Strategy<Value = Header> {
    (
        any::<(u16, u32, u16, u16, u32, u32, u64, u64)>(),
        prop_oneof![
            any::<(u32, u32)>().prop_map(|(process_id, tree_id)| HeaderId::Sync {
                process_id,
                tree_id
            }),
            any::<u64>().prop_map(|async_id| HeaderId::Async { async_id }),
        ],
        any::<[u8; 16]>(),
    )
        .prop_map(|((cc, st, cmd, cr, fl, nc, mid, sid), id, signature)| {
            let flags = match id {
                HeaderId::Async { .. } => HeaderFlags(fl).with(HeaderFlags::ASYNC_COMMAND),
                HeaderId::Sync { .. } => HeaderFlags(fl).without(HeaderFlags::ASYNC_COMMAND),
            };
            Header {
                credit_charge: cc,
                status: NtStatus(st),
                command: Command(cmd),
                credits: cr,
                flags,
                next_command: nc,
                message_id: mid,
                id,
                session_id: sid,
                signature,
            }
        })
}

/// Encodes `body` after a header for `command`, decodes it and compares.
fn check_roundtrip<'a, P>(
    command: Command,
    body: &P,
    buf: &'a mut Vec<u8>,
) -> Result<(), TestCaseError>
where
    P: Pdu<'a> + PartialEq + core::fmt::Debug,
{
    let mut w = Writer::new(&mut *buf);
    Header {
        command,
        ..Header::default()
    }
    .encode(&mut w);
    body.encode(&mut w)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let buf: &'a Vec<u8> = buf;
    let back = P::decode(buf).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, body);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        decode_all(&bytes);
    }

    #[test]
    fn decoders_never_panic_on_framed_bodies(
        command in 0u16..0x13,
        ss in prop_oneof![Just(4u16), Just(9), Just(16), Just(25), Just(36), Just(49), Just(57), Just(65), any::<u16>()],
        tail in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        decode_all(&framed(command, ss, &tail));
    }

    #[test]
    fn decoders_never_panic_on_mutated_real_packets(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let seeds = seeds();
        prop_assert!(seeds.len() >= 20);
        let mut msg = pick.get(&seeds).clone();
        for (at, value) in edits {
            let i = at.index(msg.len());
            msg[i] = value;
        }
        decode_all(&msg);
        let len = cut.index(msg.len() + 1);
        decode_all(&msg[..len]);
    }

    #[test]
    fn header_roundtrip(h in header()) {
        let mut v = Vec::new();
        h.encode(&mut Writer::new(&mut v));
        prop_assert_eq!(v.len(), 64);
        prop_assert_eq!(Header::decode(&v).unwrap(), h);
    }

    #[test]
    fn compound_roundtrip(lens in prop::collection::vec(66usize..200, 1..6)) {
        let mut frame = Vec::new();
        let mut starts = Vec::new();
        for (i, len) in lens.iter().enumerate() {
            if i > 0 {
                smbkit_wire::header::chain_next(&mut frame, *starts.last().unwrap()).unwrap();
            }
            starts.push(frame.len());
            frame.extend(framed(i as u16, 4, &vec![0xAB; len - 66]));
        }
        let parts: Vec<&[u8]> = split_compound(&frame).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(parts.len(), lens.len());
        for (i, part) in parts.iter().enumerate() {
            prop_assert_eq!(Header::decode(part).unwrap().command, Command(i as u16));
            let expected = if i + 1 == lens.len() { lens[i] } else { lens[i].div_ceil(8) * 8 };
            prop_assert_eq!(part.len(), expected);
        }
    }

    #[test]
    fn negotiate_request_roundtrip(
        security_mode in any::<u16>(),
        capabilities in any::<u32>(),
        client_guid in guid(),
        mut dialects in prop::collection::vec(prop_oneof![Just(0x0202u16), Just(0x0210), Just(0x0300), Just(0x0302)], 0..4),
        smb311 in any::<bool>(),
        client_start_time in any::<u64>(),
        contexts in prop::collection::vec(negotiate_context(), 1..5),
    ) {
        if smb311 { dialects.push(dialect::SMB311); }
        let req = NegotiateRequest {
            security_mode,
            capabilities,
            client_guid,
            dialects: U16List::from_values(&dialects),
            client_start_time: if smb311 { 0 } else { client_start_time },
            contexts: if smb311 { contexts } else { Vec::new() },
        };
        check_roundtrip(Command::NEGOTIATE, &req, &mut Vec::new())?;
    }

    #[test]
    fn negotiate_response_roundtrip(
        fields in any::<(u16, u32, u32, u32, u32, u64, u64)>(),
        server_guid in guid(),
        smb311 in any::<bool>(),
        security_buffer in blob(400),
        contexts in prop::collection::vec(negotiate_context(), 0..4),
    ) {
        let (security_mode, capabilities, max_transact_size, max_read_size, max_write_size, system_time, server_start_time) = fields;
        let rsp = NegotiateResponse {
            security_mode,
            dialect_revision: if smb311 { dialect::SMB311 } else { dialect::SMB302 },
            server_guid,
            capabilities,
            max_transact_size,
            max_read_size,
            max_write_size,
            system_time,
            server_start_time,
            security_buffer,
            contexts: if smb311 { contexts } else { Vec::new() },
        };
        check_roundtrip(Command::NEGOTIATE, &rsp, &mut Vec::new())?;
    }

    #[test]
    fn session_setup_roundtrip(
        fields in any::<(u8, u8, u32, u32, u64, u16)>(),
        a in blob(300),
        b in blob(300),
    ) {
        let (flags, security_mode, capabilities, channel, previous_session_id, session_flags) = fields;
        let req = SessionSetupRequest { flags, security_mode, capabilities, channel, previous_session_id, security_buffer: a };
        check_roundtrip(Command::SESSION_SETUP, &req, &mut Vec::new())?;
        let rsp = SessionSetupResponse { session_flags, security_buffer: b };
        check_roundtrip(Command::SESSION_SETUP, &rsp, &mut Vec::new())?;
    }

    #[test]
    fn tree_connect_roundtrip(
        extension in any::<bool>(),
        other_flags in 0u16..4,
        path in blob(120),
        contexts in prop::collection::vec((any::<u16>(), blob(30)), 0..3),
        rsp in any::<(u8, u32, u32, u32)>(),
    ) {
        let req = TreeConnectRequest {
            flags: if extension { other_flags | flags::EXTENSION_PRESENT } else { other_flags },
            path,
            contexts: if extension {
                contexts.into_iter().map(|(context_type, data)| TreeConnectContext { context_type, data }).collect()
            } else {
                Vec::new()
            },
        };
        check_roundtrip(Command::TREE_CONNECT, &req, &mut Vec::new())?;
        let (share_type, share_flags, capabilities, maximal_access) = rsp;
        let rsp = TreeConnectResponse { share_type, share_flags, capabilities, maximal_access };
        check_roundtrip(Command::TREE_CONNECT, &rsp, &mut Vec::new())?;
    }

    #[test]
    fn ioctl_roundtrip(
        fields in any::<(u32, u64, u64, u32, u32, u32)>(),
        input in blob(200),
        output in blob(200),
    ) {
        let (ctl_code, p, v, max_input_response, max_output_response, flags) = fields;
        let file_id = FileId { persistent: p, volatile: v };
        let req = IoctlRequest { ctl_code, file_id, input, max_input_response, output, max_output_response, flags };
        check_roundtrip(Command::IOCTL, &req, &mut Vec::new())?;
        let rsp = IoctlResponse { ctl_code, file_id, input, output, flags };
        check_roundtrip(Command::IOCTL, &rsp, &mut Vec::new())?;
    }

    #[test]
    fn error_response_roundtrip(data in blob(100), pad in any::<u8>()) {
        let e = ErrorResponse { error_context_count: 0, error_data: data, empty_data_byte: if data.is_empty() { pad } else { 0 } };
        check_roundtrip(Command(0x0005), &e, &mut Vec::new())?;
    }

    #[test]
    fn validate_negotiate_roundtrip(
        capabilities in any::<u32>(),
        g in guid(),
        security_mode in any::<u16>(),
        dialects in u16list(8),
        dialect in any::<u16>(),
    ) {
        let req = ValidateNegotiateInfoRequest { capabilities, guid: g, security_mode, dialects };
        let mut v = Vec::new();
        req.encode(&mut v).unwrap();
        prop_assert_eq!(ValidateNegotiateInfoRequest::decode(&v).unwrap(), req);
        let rsp = ValidateNegotiateInfoResponse { capabilities, guid: g, security_mode, dialect };
        prop_assert_eq!(ValidateNegotiateInfoResponse::decode(&rsp.to_bytes()).unwrap(), rsp);
    }

    #[test]
    fn utf16_roundtrip(s in "\\PC{0,40}") {
        let bytes = smbkit_wire::codec::string_to_utf16le(&s);
        prop_assert_eq!(smbkit_wire::codec::utf16le_to_string("s", &bytes).unwrap(), s);
    }
}
