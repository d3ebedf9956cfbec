//! Round trips of messages for which no published capture is at hand. Each
//! packet below was written by hand from the MS-SMB2 section 2.2 layouts
//! (field by field, commented), not captured.

// Test helpers may fail loudly (clippy.toml allows it inside #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{hex_bytes, roundtrip};
use smbkit_wire::cancel::CancelRequest;
use smbkit_wire::echo::{EchoRequest, EchoResponse};
use smbkit_wire::error_response::{ErrorContext, ErrorResponse, error_id};
use smbkit_wire::fsctl::{self, ValidateNegotiateInfoRequest, ValidateNegotiateInfoResponse};
use smbkit_wire::ioctl::{FLAG_IS_FSCTL, IoctlRequest, IoctlResponse};
use smbkit_wire::logoff::{LogoffRequest, LogoffResponse};
use smbkit_wire::negotiate::{NegotiateContext, NegotiateRequest, algorithm};
use smbkit_wire::smb1::Smb1Negotiate;
use smbkit_wire::tree_connect::{TreeConnectRequest, TreeConnectResponse, flags, share_type};
use smbkit_wire::tree_disconnect::{TreeDisconnectRequest, TreeDisconnectResponse};
use smbkit_wire::{
    Command, FileId, Header, HeaderFlags, HeaderId, NtStatus, Pdu, WireError, split_compound,
};

/// A sync request header for `command` (hex), MessageId 5, TreeId 1,
/// SessionId 0x11, NextCommand as given.
fn req_header(command: u8, next: u32) -> String {
    format!(
        "fe534d42 4000 0100 00000000 {command:02x}00 1f00 00000000 {next:08x}
         0500000000000000 feff0000 01000000 1100000000000000
         00000000000000000000000000000000",
        next = next.swap_bytes()
    )
}

/// The matching response header (SERVER_TO_REDIR, status SUCCESS).
fn rsp_header(command: u8) -> String {
    format!(
        "fe534d42 4000 0100 00000000 {command:02x}00 0100 01000000 00000000
         0500000000000000 feff0000 01000000 1100000000000000
         00000000000000000000000000000000"
    )
}

#[test]
fn four_byte_bodies() {
    for (cmd, what) in [
        (2u8, "logoff"),
        (4, "tree disconnect"),
        (0xd, "echo"),
        (0xc, "cancel"),
    ] {
        let req = hex_bytes(&(req_header(cmd, 0) + "0400 0000"));
        let rsp = hex_bytes(&(rsp_header(cmd) + "0400 0000"));
        let h = match cmd {
            2 => {
                roundtrip::<LogoffResponse>(&rsp);
                roundtrip::<LogoffRequest>(&req).0
            }
            4 => {
                roundtrip::<TreeDisconnectResponse>(&rsp);
                roundtrip::<TreeDisconnectRequest>(&req).0
            }
            0xd => {
                roundtrip::<EchoResponse>(&rsp);
                roundtrip::<EchoRequest>(&req).0
            }
            _ => roundtrip::<CancelRequest>(&req).0,
        };
        assert_eq!(h.command.0, u16::from(cmd), "{what}");
        assert_eq!(h.tree_id(), Some(1));
        // Wrong StructureSize, and a body for another command.
        let bad = hex_bytes(&(req_header(cmd, 0) + "0500 0000"));
        assert!(matches!(
            EchoRequest::decode(&bad),
            Err(WireError::BadStructureSize { .. } | WireError::WrongCommand { .. })
        ));
    }
    let logoff = hex_bytes(&(req_header(2, 0) + "0400 0000"));
    assert_eq!(
        EchoRequest::decode(&logoff),
        Err(WireError::WrongCommand {
            expected: 0x0d,
            got: 0x02
        })
    );
    let short = hex_bytes(&(req_header(0xd, 0) + "0400"));
    assert!(matches!(
        EchoRequest::decode(&short),
        Err(WireError::Truncated { .. })
    ));
}

#[test]
fn async_cancel() {
    // CANCEL of an async request: ASYNC_COMMAND flag, AsyncId 0x42 in place of
    // Reserved/TreeId (MS-SMB2 2.2.1.1).
    let msg = hex_bytes(
        "fe534d42 4000 0000 00000000 0c00 0000 02000000 00000000
         0900000000000000 4200000000000000 1100000000000000
         00000000000000000000000000000000
         0400 0000",
    );
    let (h, _) = roundtrip::<CancelRequest>(&msg);
    assert_eq!(h.command, Command::CANCEL);
    assert_eq!(h.id, HeaderId::Async { async_id: 0x42 });
    assert!(h.flags.contains(HeaderFlags::ASYNC_COMMAND));
    assert_eq!(h.message_id, 9);
}

#[test]
fn tree_connect_plain() {
    // "\\srv\IPC$" in UTF-16LE.
    let name = "5c005c007300720076005c00490050004300240000";
    let name = &name[..name.len() - 2];
    let msg = hex_bytes(&format!(
        "{}
         0900      # StructureSize
         0000      # Flags
         4800      # PathOffset = 72
         1400      # PathLength = 20
         {name}",
        req_header(3, 0)
    ));
    let (_, req) = roundtrip::<TreeConnectRequest>(&msg);
    assert_eq!(req.flags, 0);
    assert_eq!(req.path_string().unwrap(), "\\\\srv\\IPC$");
    assert!(req.contexts.is_empty());

    // The path may not start inside the fixed part, nor run past the end.
    let mut bad = msg.clone();
    bad[68] = 0x46;
    assert!(matches!(
        TreeConnectRequest::decode(&bad),
        Err(WireError::BufferInFixedPart { .. })
    ));
    let mut bad = msg.clone();
    bad[70] = 0x16;
    assert!(matches!(
        TreeConnectRequest::decode(&bad),
        Err(WireError::BufferOutOfRange { .. })
    ));
    // An unpaired surrogate in the name is refused by the String helper.
    let mut bad = msg.clone();
    bad[73] = 0xd8;
    let req = TreeConnectRequest::decode(&bad).unwrap();
    assert_eq!(
        req.path_string(),
        Err(WireError::BadUtf16 { field: "Path" })
    );
}

#[test]
fn tree_connect_extension_311() {
    // 3.1.1 with SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT: the extension
    // (2.2.9.1) starts the Buffer at 72, the path follows at 88, one context
    // (type 1, 5 data bytes) at align8(88 + 8) = 96.
    let msg = hex_bytes(&format!(
        "{}
         0900 0400 5800 0800          # StructureSize, Flags=EXTENSION_PRESENT, PathOffset 88, PathLength 8
         60000000 0100                # TreeConnectContextOffset 96, Count 1
         00000000000000000000         # Reserved (10)
         5c005c0073005c00             # \\\\s\\\\
         0100 0500 00000000 0102030405 # context type 1, DataLength 5",
        req_header(3, 0)
    ));
    let (_, req) = roundtrip::<TreeConnectRequest>(&msg);
    assert!(req.has_extension());
    assert_eq!(req.flags, flags::EXTENSION_PRESENT);
    assert_eq!(req.path_string().unwrap(), "\\\\s\\");
    assert_eq!(req.contexts.len(), 1);
    assert_eq!(req.contexts[0].context_type, 1);
    assert_eq!(req.contexts[0].data, [1, 2, 3, 4, 5]);
    // Misaligned context offset.
    let mut bad = msg.clone();
    bad[72] = 0x61;
    assert!(matches!(
        TreeConnectRequest::decode(&bad),
        Err(WireError::Misaligned { .. })
    ));
    // A path pointing into the extension header.
    let mut bad = msg.clone();
    bad[68] = 0x50;
    assert!(matches!(
        TreeConnectRequest::decode(&bad),
        Err(WireError::BufferInFixedPart { .. })
    ));
}

#[test]
fn tree_connect_response() {
    let msg = hex_bytes(&format!(
        "{}
         1000 01 00          # StructureSize 16, ShareType DISK, Reserved
         00080000            # ShareFlags ACCESS_BASED_DIRECTORY_ENUM
         00000000            # Capabilities
         ff011f00            # MaximalAccess 0x001f01ff",
        rsp_header(3)
    ));
    let (h, rsp) = roundtrip::<TreeConnectResponse>(&msg);
    assert!(h.is_response());
    assert_eq!(rsp.share_type, share_type::DISK);
    assert_eq!(rsp.share_flags, 0x800);
    assert_eq!(rsp.maximal_access, 0x001f_01ff);
}

fn validate_negotiate_input() -> Vec<u8> {
    hex_bytes(
        "7f000000                          # Capabilities
         00112233445566778899aabbccddeeff  # Guid
         0100                              # SecurityMode
         0400                              # DialectCount
         0202 1002 0003 0203               # Dialects",
    )
}

#[test]
fn ioctl_validate_negotiate_request() {
    let input = validate_negotiate_input();
    let msg = hex_bytes(&format!(
        "{}
         3900 0000               # StructureSize 57, Reserved
         04021400                # CtlCode FSCTL_VALIDATE_NEGOTIATE_INFO
         ffffffffffffffff ffffffffffffffff # FileId
         78000000 20000000       # InputOffset 120, InputCount 32
         00000000                # MaxInputResponse
         98000000 00000000       # OutputOffset 152 (where it would start), OutputCount 0
         18000000                # MaxOutputResponse 24
         01000000 00000000       # Flags IS_FSCTL, Reserved2
         {}",
        req_header(0xb, 0),
        hex::encode(&input)
    ));
    let (_, req) = roundtrip::<IoctlRequest>(&msg);
    assert_eq!(req.ctl_code, fsctl::VALIDATE_NEGOTIATE_INFO);
    assert_eq!(req.file_id, FileId::ANY);
    assert_eq!(req.flags, FLAG_IS_FSCTL);
    assert_eq!(req.max_output_response, 24);
    assert_eq!(req.input, input.as_slice());
    assert!(req.output.is_empty());

    let body = ValidateNegotiateInfoRequest::decode(req.input).unwrap();
    assert_eq!(body.capabilities, 0x7f);
    assert_eq!(body.security_mode, 1);
    assert_eq!(body.dialects.to_vec(), [0x0202, 0x0210, 0x0300, 0x0302]);
    let mut again = Vec::new();
    body.encode(&mut again).unwrap();
    assert_eq!(again, input);
    // DialectCount larger than the data, and trailing bytes.
    let mut bad = input.clone();
    bad[22] = 5;
    assert!(ValidateNegotiateInfoRequest::decode(&bad).is_err());
    let mut bad = input.clone();
    bad.push(0);
    assert!(ValidateNegotiateInfoRequest::decode(&bad).is_err());
}

#[test]
fn ioctl_validate_negotiate_response() {
    let output = hex_bytes("27000000 39cbcaf329714942bdce5d60f09ab3fb 0100 0203");
    let msg = hex_bytes(&format!(
        "{}
         3100 0000               # StructureSize 49, Reserved
         04021400                # CtlCode
         ffffffffffffffff ffffffffffffffff
         70000000 00000000       # InputOffset 112, InputCount 0
         70000000 18000000       # OutputOffset 112, OutputCount 24
         00000000 00000000       # Flags, Reserved2
         {}",
        rsp_header(0xb),
        hex::encode(&output)
    ));
    let (_, rsp) = roundtrip::<IoctlResponse>(&msg);
    assert_eq!(rsp.ctl_code, fsctl::VALIDATE_NEGOTIATE_INFO);
    assert!(rsp.input.is_empty());
    let body = ValidateNegotiateInfoResponse::decode(rsp.output).unwrap();
    assert_eq!(body.capabilities, 0x27);
    assert_eq!(body.security_mode, 1);
    assert_eq!(body.dialect, 0x0302);
    assert_eq!(body.to_bytes().as_slice(), output.as_slice());
    assert!(ValidateNegotiateInfoResponse::decode(&output[..23]).is_err());
}

#[test]
fn ioctl_with_input_and_output() {
    // Input of 3 bytes at 120, output 8-aligned at 128.
    let msg = hex_bytes(&format!(
        "{}
         3900 0000 17c01100      # CtlCode FSCTL_PIPE_TRANSCEIVE
         0100000000000000 0200000000000000
         78000000 03000000 00000000
         80000000 02000000 00100000
         01000000 00000000
         aabbcc 00000000 00 ddee",
        req_header(0xb, 0)
    ));
    let (_, req) = roundtrip::<IoctlRequest>(&msg);
    assert_eq!(req.ctl_code, fsctl::PIPE_TRANSCEIVE);
    assert_eq!(
        req.file_id,
        FileId {
            persistent: 1,
            volatile: 2
        }
    );
    assert_eq!(req.input, [0xaa, 0xbb, 0xcc]);
    assert_eq!(req.output, [0xdd, 0xee]);
}

#[test]
fn error_response_with_311_contexts() {
    // STATUS_BAD_NETWORK_NAME with two contexts: a default one with 4 bytes
    // and a share-redirect one starting 8-aligned (after 4 pad bytes).
    let msg = hex_bytes(
        "fe534d42 4000 0100 cc0000c0 0300 0100 01000000 00000000
         0500000000000000 feff0000 00000000 1100000000000000
         00000000000000000000000000000000
         0900 02 00 1a000000      # StructureSize 9, ErrorContextCount 2, ByteCount 26
         04000000 00000000 10000000 00000000 # ctx 1: len 4, DEFAULT, data
         02000000 53526472 abcd              # ctx 2: len 2, SHARE_REDIRECT",
    );
    let (h, e) = roundtrip::<ErrorResponse>(&msg);
    assert_eq!(h.status, NtStatus::BAD_NETWORK_NAME);
    assert_eq!(e.error_context_count, 2);
    let ctx = e.contexts().unwrap();
    assert_eq!(
        ctx,
        [
            ErrorContext {
                error_id: error_id::DEFAULT,
                data: &[0x10, 0, 0, 0]
            },
            ErrorContext {
                error_id: error_id::SHARE_REDIRECT,
                data: &[0xab, 0xcd]
            }
        ]
    );
    assert_eq!(ErrorContext::encode_list(&ctx).unwrap(), e.error_data);
    // A context longer than ByteCount is rejected at decode.
    let mut bad = msg.clone();
    bad[88] = 0x09;
    assert!(matches!(
        ErrorResponse::decode(&bad),
        Err(WireError::Truncated { .. })
    ));

    // The plain form every server sends: StructureSize 9, zeros, one 0 byte.
    let mut plain = Vec::new();
    let mut w = smbkit_wire::Writer::new(&mut plain);
    Header::decode(&msg).unwrap().encode(&mut w);
    ErrorResponse::EMPTY.encode(&mut w).unwrap();
    assert_eq!(hex::encode(&plain[64..]), "090000000000000000");
    assert_eq!(ErrorResponse::decode(&plain).unwrap(), ErrorResponse::EMPTY);
}

#[test]
fn negotiate_request_every_context() {
    // A 3.1.1 NEGOTIATE offering 3.0.2 and 3.1.1 with one context of each
    // kind, plus an unknown type (0x0100, Samba's POSIX context), each after
    // the first 8-aligned from the header.
    let msg = hex_bytes(&format!(
        "{}
         2400 0200 0100 0000 7f000000          # StructureSize, DialectCount 2, SecurityMode, Reserved, Capabilities
         00112233445566778899aabbccddeeff      # ClientGuid
         68000000 0800 0000                    # NegotiateContextOffset 104, Count 8, Reserved2
         0203 1103                             # Dialects (ends at 104)
         0100 0800 00000000 0100 0200 0100 aabb     # PREAUTH: 1 hash, salt 2 bytes (ends 120)
         0200 0600 00000000 0200 0400 0200          # ENCRYPTION: AES-256-GCM, AES-128-GCM (ends 134)
         0000
         0300 0e00 00000000 0300 0000 01000000 0200 0300 0500 # COMPRESSION (ends 158)
         0000
         0500 0600 00000000 7300 7200 7600          # NETNAME \"srv\" (ends 174)
         0000
         0600 0400 00000000 01000000                # TRANSPORT (ends 188)
         00000000
         0700 0c00 00000000 0200 0000 00000000 0100 0200 # RDMA (ends 212)
         00000000
         0800 0600 00000000 0200 0200 0100          # SIGNING: GMAC, CMAC (ends 230)
         0000
         0001 0300 00000000 010203                  # unknown 0x0100",
        req_header(0, 0)
    ));
    let (_, req) = roundtrip::<NegotiateRequest>(&msg);
    assert!(req.offers_smb311());
    assert_eq!(req.contexts.len(), 8);
    use NegotiateContext as C;
    match &req.contexts[..] {
        [
            C::PreauthIntegrity {
                hash_algorithms,
                salt,
            },
            C::Encryption { ciphers },
            C::Compression { flags, algorithms },
            C::NetName { name },
            C::Transport { flags: tflags },
            C::RdmaTransform { transforms },
            C::Signing {
                algorithms: signing,
            },
            C::Unknown { context_type, data },
        ] => {
            assert_eq!(hash_algorithms.to_vec(), [1]);
            assert_eq!(*salt, [0xaa, 0xbb]);
            assert_eq!(
                ciphers.to_vec(),
                [algorithm::AES256_GCM, algorithm::AES128_GCM]
            );
            assert_eq!(*flags, algorithm::COMPRESSION_FLAG_CHAINED);
            assert_eq!(algorithms.to_vec(), [2, 3, 5]);
            assert_eq!(
                smbkit_wire::codec::utf16le_to_string("NetName", name).unwrap(),
                "srv"
            );
            assert_eq!(*tflags, algorithm::TRANSPORT_ACCEPT_LEVEL_SECURITY);
            assert_eq!(transforms.to_vec(), [1, 2]);
            assert_eq!(
                signing.to_vec(),
                [algorithm::SIGNING_AES_GMAC, algorithm::SIGNING_AES_CMAC]
            );
            assert_eq!((*context_type, *data), (0x0100, &[1u8, 2, 3][..]));
        }
        other => panic!("unexpected {other:?}"),
    }

    // A known context whose DataLength disagrees with its counts.
    let mut bad = msg.clone();
    bad[106] = 0x0a; // PREAUTH DataLength 10 instead of 8
    assert!(NegotiateRequest::decode(&bad).is_err());
    // A context list that starts misaligned or inside the dialects.
    let mut bad = msg.clone();
    bad[92] = 0x64;
    assert!(NegotiateRequest::decode(&bad).is_err());
}

#[test]
fn negotiate_request_without_311_keeps_client_start_time() {
    let msg = hex_bytes(&format!(
        "{}
         2400 0300 0200 0000 00000000
         00000000000000000000000000000000
         0102030405060708      # ClientStartTime (not contexts: no 3.1.1)
         0202 1002 0003",
        req_header(0, 0)
    ));
    let (_, req) = roundtrip::<NegotiateRequest>(&msg);
    assert!(!req.offers_smb311());
    assert_eq!(req.client_start_time, 0x0807_0605_0403_0201);
    assert!(req.contexts.is_empty());
    assert_eq!(req.security_mode, 2);
}

#[test]
fn smb1_multiprotocol_negotiate() {
    // The SMB1 NEGOTIATE impacket sends first ([MS-CIFS] 2.2.4.52.1): SMB1
    // header, WordCount 0, ByteCount, three dialect strings.
    let dialects = "024e54204c4d20302e313200 02534d4220322e30303200 02534d4220322e3f3f3f00";
    let msg = hex_bytes(&format!(
        "ff534d42 72 00000000 18 4bc8 0000 0000000000000000 0000 0000 feff 0000 0000
         00 2200 {dialects}"
    ));
    assert!(smbkit_wire::smb1::is_smb1(&msg));
    let neg = Smb1Negotiate::decode(&msg).unwrap();
    let names: Vec<&[u8]> = neg.dialects().collect();
    assert_eq!(names, [&b"NT LM 0.12"[..], b"SMB 2.002", b"SMB 2.???"]);
    assert_eq!(neg.smb2_answer(), Some(0x02FF));
    assert_eq!(neg.header.flags2, 0xc84b);
    let mut again = Vec::new();
    neg.encode(&mut again).unwrap();
    assert_eq!(again, msg);

    // Only "SMB 2.002" → 0x0202; no SMB2 dialect → None.
    let mut only202 = Vec::new();
    Smb1Negotiate::encode_with(&neg.header, &[b"NT LM 0.12", b"SMB 2.002"], &mut only202).unwrap();
    assert_eq!(
        Smb1Negotiate::decode(&only202).unwrap().smb2_answer(),
        Some(0x0202)
    );
    let mut smb1only = Vec::new();
    Smb1Negotiate::encode_with(&neg.header, &[b"NT LM 0.12"], &mut smb1only).unwrap();
    assert_eq!(
        Smb1Negotiate::decode(&smb1only).unwrap().smb2_answer(),
        None
    );

    // Another SMB1 command, an unterminated string, a missing marker.
    let mut other = msg.clone();
    other[4] = 0x73;
    assert_eq!(
        Smb1Negotiate::decode(&other),
        Err(WireError::NotSmb1Negotiate(0x73))
    );
    assert_eq!(
        WireError::NotSmb1Negotiate(0x73).status(),
        NtStatus::NOT_SUPPORTED
    );
    let mut bad = msg.clone();
    let last = bad.len() - 1;
    bad[last] = b'x';
    assert!(Smb1Negotiate::decode(&bad).is_err());
    let mut bad = msg.clone();
    bad[35] = 0x03;
    assert!(Smb1Negotiate::decode(&bad).is_err());
}

#[test]
fn compound_of_handbuilt_messages() {
    // A two-request chain: ECHO (padded to 72 bytes) + LOGOFF.
    let first = hex_bytes(&(req_header(0xd, 72) + "0400 0000 00000000"));
    let second = hex_bytes(&(req_header(2, 0) + "0400 0000"));
    let frame = [first.clone(), second.clone()].concat();
    let parts: Vec<&[u8]> = split_compound(&frame).collect::<Result<_, _>>().unwrap();
    assert_eq!(parts, [first.as_slice(), second.as_slice()]);
    assert_eq!(Header::decode(parts[1]).unwrap().command, Command::LOGOFF);
    EchoRequest::decode(parts[0]).unwrap();
    LogoffRequest::decode(parts[1]).unwrap();
    // A buffer of the first message may not reach into the second: it is cut.
    assert_eq!(parts[0].len(), 72);
}

#[test]
fn wire_errors_map_to_invalid_parameter() {
    let e = EchoRequest::decode(&hex_bytes("fe534d42 4000")).unwrap_err();
    assert_eq!(e.status(), NtStatus::INVALID_PARAMETER);
    assert!(e.to_string().contains("truncated"), "{e}");
}
