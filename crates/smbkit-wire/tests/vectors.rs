//! Round trips of real Windows packets (tests/data/windows-packets.toml, copied
//! from the published vectors; see the header of that file for the sources).

// Test helpers may fail loudly (clippy.toml allows it inside #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::roundtrip;
use serde::Deserialize;
use smbkit_wire::error_response::ErrorResponse;
use smbkit_wire::negotiate::{NegotiateContext, NegotiateRequest, NegotiateResponse, algorithm};
use smbkit_wire::session_setup::{SessionSetupRequest, SessionSetupResponse};
use smbkit_wire::{Command, Guid, HeaderFlags, NtStatus, Pdu, split_compound};

#[derive(Deserialize)]
struct Data {
    preauth_chain: Vec<Chain>,
    smb2_signing: Vec<Signed>,
}

#[derive(Deserialize)]
struct Chain {
    id: String,
    session_id: String,
    messages: Vec<String>,
}

#[derive(Deserialize)]
struct Signed {
    id: String,
    message: String,
    signature: String,
}

fn data() -> Data {
    toml::from_str(include_str!("data/windows-packets.toml")).expect("vector file parses")
}

fn bytes(h: &str) -> Vec<u8> {
    hex::decode(h).expect("hex")
}

#[test]
fn windows_311_negotiate_and_session_setup_roundtrip() {
    let data = data();
    assert_eq!(data.preauth_chain.len(), 4);
    for chain in &data.preauth_chain {
        let msgs: Vec<Vec<u8>> = chain.messages.iter().map(|m| bytes(m)).collect();
        assert_eq!(msgs.len(), 5, "{}", chain.id);
        // Every packet is a single (non-compound) message.
        for m in &msgs {
            let parts: Vec<_> = split_compound(m).collect::<Result<_, _>>().unwrap();
            assert_eq!(parts, vec![m.as_slice()]);
        }

        // Per session: first MessageId, client SecurityMode and Capabilities,
        // as read from the captures. The "anatomy" sessions began with an SMB1
        // multi-protocol negotiate (MessageId 0), so their SMB2 NEGOTIATE is 1.
        let (mid0, client_security_mode, client_caps) = match chain.id.as_str() {
            "ms-blog-smb311-gcm" | "ms-blog-smb311-ccm" => (0, 1, 0x66),
            "ms-anatomy-smb311-master" => (1, 0, 0x3f),
            "ms-anatomy-smb311-binding" => (1, 1, 0x3f),
            other => panic!("unknown chain {other}"),
        };

        // 1. NEGOTIATE request.
        let (h, req) = roundtrip::<NegotiateRequest>(&msgs[0]);
        assert_eq!(h.command, Command::NEGOTIATE);
        assert_eq!(h.message_id, mid0);
        assert!(!h.is_response());
        assert_eq!(
            req.dialects.to_vec(),
            [0x0202, 0x0210, 0x0300, 0x0302, 0x0311]
        );
        assert_eq!(req.security_mode, client_security_mode);
        assert_eq!(req.capabilities, client_caps);
        if chain.id == "ms-blog-smb311-gcm" {
            assert_eq!(
                req.client_guid.to_string(),
                "a07f0d4f-f509-46b2-b2ef-62551d7d7c09"
            );
        }
        assert_ne!(req.client_guid, Guid::default());
        assert_eq!(req.contexts.len(), 2);
        match &req.contexts[0] {
            NegotiateContext::PreauthIntegrity {
                hash_algorithms,
                salt,
            } => {
                assert_eq!(hash_algorithms.to_vec(), [algorithm::HASH_SHA512]);
                assert_eq!(salt.len(), 32);
            }
            other => panic!("unexpected {other:?}"),
        }
        // The CCM session's client listed CCM first.
        let offered = if chain.id.contains("ccm") {
            [algorithm::AES128_CCM, algorithm::AES128_GCM]
        } else {
            [algorithm::AES128_GCM, algorithm::AES128_CCM]
        };
        match &req.contexts[1] {
            NegotiateContext::Encryption { ciphers } => {
                assert_eq!(ciphers.to_vec(), offered);
            }
            other => panic!("unexpected {other:?}"),
        }

        // 2. NEGOTIATE response.
        let (h, rsp) = roundtrip::<NegotiateResponse>(&msgs[1]);
        assert!(h.is_response());
        assert_eq!(h.status, NtStatus::SUCCESS);
        assert_eq!(rsp.dialect_revision, 0x0311);
        assert_eq!(rsp.security_mode, 1);
        assert_eq!(
            rsp.server_guid,
            Guid(
                bytes("39cbcaf329714942bdce5d60f09ab3fb")
                    .try_into()
                    .unwrap()
            )
        );
        assert_eq!(rsp.max_transact_size, 0x0080_0000);
        assert_eq!(rsp.max_read_size, 0x0080_0000);
        assert_eq!(rsp.max_write_size, 0x0080_0000);
        assert_eq!(rsp.security_buffer.len(), 0x140);
        assert_eq!(rsp.security_buffer[0], 0x60, "GSS-API token");
        let expected_cipher = if chain.id.contains("ccm") {
            algorithm::AES128_CCM
        } else {
            algorithm::AES128_GCM
        };
        assert!(matches!(
            &rsp.contexts[..],
            [
                NegotiateContext::PreauthIntegrity { hash_algorithms, salt },
                NegotiateContext::Encryption { ciphers },
            ] if hash_algorithms.to_vec() == [1] && salt.len() == 32
                && ciphers.to_vec() == [expected_cipher]
        ));

        // 3-5. SESSION_SETUP request, MORE_PROCESSING response, request.
        let binding = chain.id.contains("binding");
        let (h, ss1) = roundtrip::<SessionSetupRequest>(&msgs[2]);
        assert_eq!(h.command, Command::SESSION_SETUP);
        assert_eq!(h.message_id, mid0 + 1);
        assert_eq!(ss1.flags, u8::from(binding));
        assert_eq!(ss1.security_mode, 1);
        assert_eq!(ss1.capabilities, 1);
        assert_eq!(ss1.previous_session_id, 0);
        assert_eq!(ss1.security_buffer.len(), 0x4a);
        assert_eq!(ss1.security_buffer[0], 0x60);
        assert!(ss1.security_buffer.windows(8).any(|w| w == b"NTLMSSP\0"));

        let (h, ss_rsp) = roundtrip::<SessionSetupResponse>(&msgs[3]);
        assert_eq!(h.status, NtStatus::MORE_PROCESSING_REQUIRED);
        let sid = u64::from_str_radix(chain.session_id.trim_start_matches("0x"), 16).unwrap();
        assert_eq!(h.session_id, sid);
        assert_eq!(ss_rsp.session_flags, 0);
        assert_eq!(ss_rsp.security_buffer.len(), 0xb3);
        assert_eq!(h.flags.contains(HeaderFlags::SIGNED), binding);

        let (h, ss2) = roundtrip::<SessionSetupRequest>(&msgs[4]);
        assert_eq!(h.message_id, mid0 + 2);
        assert_eq!(h.session_id, sid);
        assert_eq!(ss2.security_buffer.len(), 0x1cf);
    }
}

#[test]
fn signed_packets_roundtrip() {
    let data = data();
    assert_eq!(data.smb2_signing.len(), 9);
    let mut seen = [0usize; 3];
    for v in &data.smb2_signing {
        let msg = bytes(&v.message);
        let h = smbkit_wire::Header::decode(&msg).unwrap();
        assert!(h.flags.contains(HeaderFlags::SIGNED), "{}", v.id);
        assert_eq!(hex::encode(h.signature), v.signature, "{}", v.id);
        match (h.command, h.is_response(), h.status) {
            (Command::IOCTL, true, NtStatus::FILE_CLOSED) => {
                // SMBLibrary's captured 2.x error: ByteCount 0 and a 0xFF pad byte.
                let (_, e) = roundtrip::<ErrorResponse>(&msg);
                assert_eq!(e.error_context_count, 0);
                assert!(e.error_data.is_empty());
                assert_eq!(e.empty_data_byte, 0xff);
                assert!(e.contexts().unwrap().is_empty());
                seen[0] += 1;
            }
            (Command::SESSION_SETUP, true, _) => {
                let (_, r) = roundtrip::<SessionSetupResponse>(&msg);
                if h.status == NtStatus::SUCCESS {
                    // The final response: SPNEGO accept-completed, 0x1d bytes.
                    assert_eq!(r.security_buffer.len(), 0x1d);
                    assert_eq!(r.security_buffer[0], 0xa1);
                } else {
                    assert_eq!(h.status, NtStatus::MORE_PROCESSING_REQUIRED);
                }
                seen[1] += 1;
            }
            (Command::SESSION_SETUP, false, _) => {
                let (_, r) = roundtrip::<SessionSetupRequest>(&msg);
                assert_eq!(r.flags, 1, "binding requests");
                seen[2] += 1;
            }
            other => panic!("unexpected packet {other:?} in {}", v.id),
        }
    }
    assert_eq!(seen, [2, 5, 2]);
}

#[test]
fn truncating_a_real_packet_is_an_error_not_a_panic() {
    let data = data();
    let msg = bytes(&data.preauth_chain[0].messages[1]);
    for len in 0..msg.len() {
        assert!(
            NegotiateResponse::decode(&msg[..len]).is_err(),
            "truncated to {len} bytes"
        );
    }
}
