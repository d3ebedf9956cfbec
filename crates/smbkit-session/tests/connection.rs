//! Whole client↔server exchanges through `Connection`, in process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use smbkit_seal::Cipher;
use smbkit_session::{Dialect, EncryptionPolicy, Item, Response};
use smbkit_sign::SigningAlgorithm;
use smbkit_wire::fsctl::{
    VALIDATE_NEGOTIATE_INFO, ValidateNegotiateInfoRequest, ValidateNegotiateInfoResponse,
};
use smbkit_wire::ioctl::{FLAG_IS_FSCTL, IoctlRequest, IoctlResponse};
use smbkit_wire::negotiate::{NegotiateResponse, algorithm, capabilities, dialect, security_mode};
use smbkit_wire::session_setup::{SessionSetupResponse, session_flags};
use smbkit_wire::smb1::{Smb1Header, Smb1Negotiate};
use smbkit_wire::tree_connect::{share_flags, share_type};
use smbkit_wire::{Command, FileId, Guid, HeaderFlags, NtStatus, Pdu, U16List};

const ALL: [u16; 5] = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];

#[test]
fn negotiates_each_dialect() {
    for d in ALL {
        let mut c = Client::new(connection(config()));
        let r = c.negotiate(&[d], &[algorithm::AES128_GCM], &[]);
        assert_eq!(r.header.status, NtStatus::SUCCESS, "{d:#x}");
        let resp = NegotiateResponse::decode(&r.bytes).unwrap();
        assert_eq!(resp.dialect_revision, d);
        assert_eq!(resp.server_guid, Guid(GUID));
        assert_eq!(resp.system_time, NOW);
        assert_eq!(
            resp.security_mode,
            security_mode::SIGNING_ENABLED | security_mode::SIGNING_REQUIRED
        );
        assert_eq!(resp.capabilities & capabilities::DFS, 0);
        assert_eq!(resp.capabilities & capabilities::LEASING, 0);
        assert_eq!(resp.capabilities & capabilities::MULTI_CHANNEL, 0);
        let large = resp.capabilities & capabilities::LARGE_MTU != 0;
        assert_eq!(large, d >= 0x0210);
        let enc = resp.capabilities & capabilities::ENCRYPTION != 0;
        assert_eq!(enc, d == 0x0300 || d == 0x0302, "{d:#x}");
        if d == 0x0202 {
            assert_eq!(resp.max_read_size, 65536);
        } else {
            assert_eq!(resp.max_read_size, 8 << 20);
        }
        assert!(resp.security_buffer.starts_with(&[0x60]));
        assert_eq!(resp.contexts.is_empty(), d != 0x0311);
        assert!(r.header.credits >= 1);
        // Highest common wins.
        let mut c = Client::new(connection(config()));
        let r = c.negotiate(&ALL, &[], &[]);
        assert_eq!(
            NegotiateResponse::decode(&r.bytes)
                .unwrap()
                .dialect_revision,
            0x0311
        );
    }
}

#[test]
fn dialect_limits_and_no_common_dialect() {
    let mut cfg = config();
    cfg.min_dialect = Dialect::Smb300;
    cfg.max_dialect = Dialect::Smb302;
    let mut c = Client::new(connection(cfg.clone()));
    let r = c.negotiate(&ALL, &[], &[]);
    assert_eq!(
        NegotiateResponse::decode(&r.bytes)
            .unwrap()
            .dialect_revision,
        0x0302
    );
    let mut c = Client::new(connection(cfg));
    let r = c.negotiate(&[0x0202, 0x0210], &[], &[]);
    assert_eq!(r.header.status, NtStatus::NOT_SUPPORTED);
    // Unknown dialects only.
    let mut c = Client::new(connection(config()));
    assert_eq!(
        c.negotiate(&[0x0201, 0x0400], &[], &[]).header.status,
        NtStatus::NOT_SUPPORTED
    );
    // 3.1.1 without a preauth context.
    let mut c = Client::new(connection(config()));
    let mut req = c.negotiate_request(&[0x0311], &[], &[]);
    // Rebuild without contexts: count 0 at body offset 32.
    req[64 + 32] = 0;
    req[64 + 33] = 0;
    let out = c.exchange(req).unwrap().unwrap();
    let (_, r) = c.open(out);
    assert_eq!(r[0].header.status, NtStatus::INVALID_PARAMETER);
}

#[test]
fn second_negotiate_disconnects() {
    let mut c = Client::new(connection(config()));
    c.negotiate(&ALL, &[], &[]);
    let req = c.negotiate_request(&ALL, &[], &[]);
    assert!(c.exchange(req).is_err());
}

#[test]
fn smb1_upgrade() {
    for (offer, answer) in [
        (
            &[&b"NT LM 0.12"[..], b"SMB 2.002", b"SMB 2.???"][..],
            dialect::WILDCARD,
        ),
        (&[&b"NT LM 0.12"[..], b"SMB 2.002"][..], dialect::SMB202),
    ] {
        let mut c = Client::new(connection(config()));
        let mut smb1 = Vec::new();
        Smb1Negotiate::encode_with(&Smb1Header::default(), offer, &mut smb1).unwrap();
        let out = c.exchange(smb1).unwrap().unwrap();
        let resp = NegotiateResponse::decode(&out).unwrap();
        assert_eq!(resp.dialect_revision, answer);
        c.next_mid = 1;
        if answer == dialect::WILDCARD {
            let r = c.negotiate(&[0x0210, 0x0302], &[], &[]);
            assert_eq!(r.header.message_id, 1);
            assert_eq!(
                NegotiateResponse::decode(&r.bytes)
                    .unwrap()
                    .dialect_revision,
                0x0302
            );
        } else {
            c.dialect = 0x0202;
            c.signing = SigningAlgorithm::HmacSha256;
            let r = c.session_setup("alice", "correct horse", true);
            assert_eq!(r.header.status, NtStatus::SUCCESS);
        }
    }
    // SMB1 without SMB2 dialects, or another SMB1 command: dropped.
    let mut c = Client::new(connection(config()));
    let mut smb1 = Vec::new();
    Smb1Negotiate::encode_with(&Smb1Header::default(), &[b"NT LM 0.12"], &mut smb1).unwrap();
    assert!(c.exchange(smb1.clone()).is_err());
    smb1[4] = 0x73;
    let mut c = Client::new(connection(config()));
    assert!(c.exchange(smb1).is_err());
    assert!(c.exchange(Vec::new()).is_err());
    assert!(c.exchange(vec![0x42; 80]).is_err());
}

#[test]
fn session_setup_spnego_and_raw_every_dialect() {
    for d in ALL {
        for spnego in [true, false] {
            let mut c = Client::new(connection(config()));
            c.negotiate(&[d], &[algorithm::AES128_CCM], &[]);
            let r = c.session_setup("alice", "correct horse", spnego);
            assert_eq!(r.header.status, NtStatus::SUCCESS, "{d:#x} spnego={spnego}");
            let flags = SessionSetupResponse::decode(&r.bytes)
                .unwrap()
                .session_flags;
            assert_eq!(flags, 0);
            if d >= 0x0300 {
                // The final response is signed with the new key (3.3.4.1.1).
                c.verify(&r);
            }
            // A signed request on the session is accepted and answered signed.
            let (_, echo) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
            assert_eq!(echo.header.status, NtStatus::SUCCESS);
            c.verify(&echo);
        }
    }
}

#[test]
fn smb311_final_signature_for_every_signing_algorithm() {
    for alg in SigningAlgorithm::ALL {
        let c = signed_in(&[0x0311], &[algorithm::AES128_GCM], &[alg.id()]);
        assert_eq!(c.signing, alg);
        // `signed_in` derived the keys from the client's own preauth chain;
        // the reply to a signed ECHO verifies with them.
        let mut c = c;
        let (_, echo) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
        c.verify(&echo);
    }
    // No signing context: AES-CMAC.
    let c = signed_in(&[0x0311], &[], &[]);
    assert_eq!(c.signing, SigningAlgorithm::AesCmac);
    // Server preference, not the client's order.
    let c = signed_in(&[0x0311], &[], &[0x0000, 0x0001, 0x0002]);
    assert_eq!(c.signing, SigningAlgorithm::AesGmac);
}

#[test]
fn final_response_signature_uses_clients_chain() {
    let mut c = Client::new(connection(config()));
    c.negotiate(&[0x0311], &[], &[0x0002]);
    let r = c.session_setup("bob", "hunter2", true);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    c.verify(&r);
    // A chain that missed one message derives other keys: the check can fail.
    let mut wrong = c.preauth.clone();
    wrong.update(b"x");
    assert_ne!(wrong.value(), c.preauth.value());
}

#[test]
fn wrong_password_then_retry_on_same_connection() {
    let mut c = Client::new(connection(config()));
    c.negotiate(&[0x0311], &[], &[]);
    let r = c.session_setup("alice", "wrong", true);
    assert_eq!(r.header.status, NtStatus::LOGON_FAILURE);
    let failed = r.header.session_id;
    let r = c.session_setup("mallory", "x", false);
    assert_eq!(r.header.status, NtStatus::LOGON_FAILURE);
    assert_eq!(c.conn.session_count(), 0, "half-made sessions are dropped");
    let r = c.session_setup("alice", "correct horse", true);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    c.verify(&r);
    assert_ne!(r.header.session_id, failed);
    assert_eq!(c.conn.session_count(), 1);
}

#[test]
fn encryption_with_every_cipher_both_ways() {
    for cipher in Cipher::ALL {
        let mut c = signed_in(&[0x0311], &[cipher.id()], &[]);
        assert_eq!(c.cipher, Some(cipher));
        c.seal = true;
        let (sealed, r) = c.tree_connect("Data");
        assert!(sealed, "{cipher}: encrypted request, encrypted response");
        assert_eq!(r.header.status, NtStatus::SUCCESS);
        assert!(
            !r.header.flags.contains(HeaderFlags::SIGNED),
            "never signed inside encryption"
        );
    }
    // 3.0.2: AES-128-CCM through the capability bit.
    let mut c = signed_in(&[0x0302], &[], &[]);
    assert_eq!(c.cipher, Some(Cipher::Aes128Ccm));
    c.seal = true;
    let (sealed, r) = c.tree_connect("Secret");
    assert!(sealed);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
}

#[test]
fn wrong_keys_are_refused_with_a_diagnosis() {
    for cipher in [Cipher::Aes128Gcm, Cipher::Aes256Ccm] {
        let mut c = signed_in(&[0x0311], &[cipher.id()], &[]);
        let mid = c.mid();
        let msg = message(&header(Command::ECHO, mid, c.session_id, 0), &echo_body());
        // Sealed with the server-to-client key: the client swapped directions.
        let wrong = smbkit_seal::EncryptionKey::new(cipher, &c.s2c_key).unwrap();
        let mut frame = vec![0u8; 52];
        frame.extend_from_slice(&msg);
        wrong.seal_frame(c.session_id, &mut frame).unwrap();
        let e = c.exchange(frame).unwrap_err();
        assert!(e.reason.contains("server-to-client"), "{}", e.reason);
        // Sealed with an unrelated key: a plain tag mismatch.
        let mut c = signed_in(&[0x0311], &[cipher.id()], &[]);
        let other = smbkit_seal::EncryptionKey::new(cipher, &vec![7; cipher.key_len()]).unwrap();
        let mut frame = vec![0u8; 52];
        frame.extend_from_slice(&msg);
        other.seal_frame(c.session_id, &mut frame).unwrap();
        let e = c.exchange(frame).unwrap_err();
        assert!(e.reason.contains("tag mismatch"), "{}", e.reason);
        // Inner SessionId different from the transform's.
        let mut c = signed_in(&[0x0311], &[cipher.id()], &[]);
        c.seal = true;
        let mid = c.mid();
        let frame = c.finish(message(&header(Command::ECHO, mid, 42, 0), &echo_body()));
        let e = c.exchange(frame).unwrap_err();
        assert!(e.reason.contains("SessionId"), "{}", e.reason);
    }
}

#[test]
fn tampered_signature_is_access_denied() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let mid = c.mid();
    let mut msg = c.finish(message(
        &header(Command::ECHO, mid, c.session_id, 0),
        &echo_body(),
    ));
    msg[50] ^= 0x80;
    let out = c.exchange(msg).unwrap().unwrap();
    let (_, r) = c.open(out);
    assert_eq!(r[0].header.status, NtStatus::ACCESS_DENIED);
    // Unsigned on a session that requires signing.
    c.sign = false;
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::ACCESS_DENIED);
    // The connection lives on.
    c.sign = true;
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::SUCCESS);
}

#[test]
fn encrypt_required_share() {
    let mut c = signed_in(&[0x0311], &[algorithm::AES256_GCM], &[]);
    let (sealed, r) = c.tree_connect("secret");
    assert!(!sealed);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    let resp = Client::tree_response(&r);
    assert_eq!(resp.share_type, share_type::DISK);
    assert_ne!(resp.share_flags & share_flags::ENCRYPT_DATA, 0);
    let tid = r.header.tree_id().unwrap();
    // Unencrypted request on the tree: refused.
    let (_, r) = c.request(Command::CREATE, tid, &create_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::ACCESS_DENIED);
    // Encrypted: goes to dispatch, and the answer comes back sealed.
    c.seal = true;
    let mid = c.mid();
    let frame = c.finish(message(
        &header(Command::CREATE, mid, c.session_id, tid),
        &create_body(),
    ));
    let out = c
        .exchange_with(frame, &|req| {
            assert_eq!(req.tree.as_ref().unwrap().share, "Secret");
            assert!(req.tree.as_ref().unwrap().encrypt);
            assert_eq!(req.session.user, "alice");
            Some(Response::new(NtStatus::SUCCESS, vec![89, 0, 1, 2]))
        })
        .unwrap()
        .unwrap();
    let (sealed, r) = c.open(out);
    assert!(sealed);
    assert_eq!(r[0].header.status, NtStatus::SUCCESS);
    assert_eq!(&r[0].bytes[64..], &[89, 0, 1, 2]);

    // A client that cannot encrypt (no cipher) is refused the share.
    let mut c = signed_in(&[0x0311], &[], &[]);
    let (_, r) = c.tree_connect("Secret");
    assert_eq!(r.header.status, NtStatus::ACCESS_DENIED);
    let (_, r) = c.tree_connect("IPC$");
    assert_eq!(Client::tree_response(&r).share_type, share_type::PIPE);
    let (_, r) = c.tree_connect("nope");
    assert_eq!(r.header.status, NtStatus::BAD_NETWORK_NAME);

    // SMB 2.x cannot encrypt at all: refused too, never served in the clear.
    for dialect in [0x0202, 0x0210] {
        let mut c = signed_in(&[dialect], &[], &[]);
        let (_, r) = c.tree_connect("Secret");
        assert_eq!(r.header.status, NtStatus::ACCESS_DENIED, "{dialect:#x}");
        let (_, r) = c.tree_connect("Data");
        assert_eq!(r.header.status, NtStatus::SUCCESS, "{dialect:#x}");
    }
}

#[test]
fn encryption_required_policy() {
    let mut cfg = config();
    cfg.encryption = EncryptionPolicy::Required;
    let mut c = Client::new(connection(cfg.clone()));
    c.negotiate(&[0x0311], &[algorithm::AES128_GCM], &[]);
    let r = c.session_setup("alice", "correct horse", true);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    let flags = SessionSetupResponse::decode(&r.bytes)
        .unwrap()
        .session_flags;
    assert_eq!(flags, session_flags::ENCRYPT_DATA);
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::ACCESS_DENIED);
    c.seal = true;
    let (sealed, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert!(sealed);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    // A client without a cipher cannot get a session.
    let mut c = Client::new(connection(cfg));
    c.negotiate(&[0x0311], &[], &[]);
    let r = c.session_setup("alice", "correct horse", true);
    assert_eq!(r.header.status, NtStatus::ACCESS_DENIED);
}

fn validate_body(c: &Client, dialects: &[u16], guid: [u8; 16]) -> Vec<u8> {
    let mut input = Vec::new();
    ValidateNegotiateInfoRequest {
        capabilities: c.capabilities,
        guid: Guid(guid),
        security_mode: c.security_mode,
        dialects: U16List::from_values(dialects),
    }
    .encode(&mut input)
    .unwrap();
    IoctlRequest {
        ctl_code: VALIDATE_NEGOTIATE_INFO,
        file_id: FileId::ANY,
        input: &input,
        max_input_response: 0,
        output: &[],
        max_output_response: 24,
        flags: FLAG_IS_FSCTL,
    }
    .encode_body_to_vec()
    .unwrap()
}

#[test]
fn validate_negotiate() {
    let offered = [0x0210, 0x0300, 0x0302];
    let mut c = signed_in(&offered, &[], &[]);
    let (_, r) = c.tree_connect("IPC$");
    let tid = r.header.tree_id().unwrap();
    let body = validate_body(&c, &offered, CLIENT_GUID);
    let (_, r) = c.request(Command::IOCTL, tid, &body).unwrap();
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    c.verify(&r);
    let resp = IoctlResponse::decode(&r.bytes).unwrap();
    let info = ValidateNegotiateInfoResponse::decode(resp.output).unwrap();
    assert_eq!(info.dialect, 0x0302);
    assert_eq!(info.guid, Guid(GUID));
    assert_eq!(info.capabilities, c.server_caps);
    assert_eq!(
        info.security_mode,
        security_mode::SIGNING_ENABLED | security_mode::SIGNING_REQUIRED
    );
    // A mismatch (a downgraded dialect list, another GUID) drops the connection.
    let body = validate_body(&c, &[0x0210, 0x0300], CLIENT_GUID);
    assert!(c.request(Command::IOCTL, tid, &body).is_err());
    let mut c = signed_in(&offered, &[], &[]);
    let (_, r) = c.tree_connect("IPC$");
    let body = validate_body(&c, &offered, [9; 16]);
    assert!(
        c.request(Command::IOCTL, r.header.tree_id().unwrap(), &body)
            .is_err()
    );
    // 3.1.1: MS-SMB2 3.3.5.15.12 terminates the connection.
    let mut c = signed_in(&[0x0311], &[], &[]);
    let (_, r) = c.tree_connect("IPC$");
    let body = validate_body(&c, &[0x0311], CLIENT_GUID);
    assert!(
        c.request(Command::IOCTL, r.header.tree_id().unwrap(), &body)
            .is_err()
    );
}

/// Builds a compound of (command, related, body) with the client's ids.
fn compound(c: &mut Client, parts: &[(Command, bool, &[u8])], tid: u32) -> (Vec<u8>, Vec<u64>) {
    let mut frame = Vec::new();
    let mut mids = Vec::new();
    let n = parts.len();
    for (i, (cmd, related, body)) in parts.iter().enumerate() {
        let mid = c.mid();
        mids.push(mid);
        let mut h = header(*cmd, mid, c.session_id, tid);
        if *related {
            h.flags = h.flags.with(HeaderFlags::RELATED_OPERATIONS);
            h.session_id = u64::MAX;
            h.id = smbkit_wire::HeaderId::Sync {
                process_id: 0xFEFF,
                tree_id: u32::MAX,
            };
        }
        let mut m = message(&h, body);
        if i + 1 < n {
            while !m.len().is_multiple_of(8) {
                m.push(0);
            }
            let len = m.len() as u32;
            m[20..24].copy_from_slice(&len.to_le_bytes());
        }
        let m = c.finish(m);
        frame.extend_from_slice(&m);
    }
    (frame, mids)
}

#[test]
fn compounds_related_and_cascade() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let (_, r) = c.tree_connect("Data");
    let tid = r.header.tree_id().unwrap();
    // ECHO + related ECHO: both answered, chained, each signed.
    let echo = echo_body();
    let (frame, mids) = compound(
        &mut c,
        &[(Command::ECHO, false, &echo), (Command::ECHO, true, &echo)],
        0,
    );
    let out = c.exchange(frame).unwrap().unwrap();
    let (_, replies) = c.open(out);
    assert_eq!(replies.len(), 2);
    for (r, mid) in replies.iter().zip(&mids) {
        assert_eq!(r.header.message_id, *mid);
        assert_eq!(r.header.status, NtStatus::SUCCESS);
        c.verify(r);
    }
    assert_eq!(replies[0].header.next_command as usize % 8, 0);
    assert!(
        replies[1]
            .header
            .flags
            .contains(HeaderFlags::RELATED_OPERATIONS)
    );

    // CREATE (dispatch fails it) + related CREATE: the second gets the same status.
    let body = create_body();
    let (frame, _) = compound(
        &mut c,
        &[
            (Command::CREATE, false, &body),
            (Command::CREATE, true, &body),
        ],
        tid,
    );
    let mut batch = c.conn.receive(frame, NOW).unwrap();
    assert_eq!(batch.items.len(), 2);
    for item in &mut batch.items {
        let Item::Pending { request, response } = item else {
            panic!("pending")
        };
        assert_eq!(request.session.id, c.session_id, "inherited SessionId");
        assert_eq!(request.tree.as_ref().unwrap().id, tid, "inherited TreeId");
        *response = Some(if request.related {
            Response::new(NtStatus::SUCCESS, vec![89, 0])
        } else {
            Response::error(NtStatus::OBJECT_NAME_NOT_FOUND)
        });
    }
    let out = c.conn.respond(batch).unwrap().unwrap();
    let (_, replies) = c.open(out[4..].to_vec());
    assert_eq!(replies[0].header.status, NtStatus::OBJECT_NAME_NOT_FOUND);
    assert_eq!(replies[1].header.status, NtStatus::OBJECT_NAME_NOT_FOUND);
    c.verify(&replies[1]);

    // Only a failed CREATE cascades: CREATE ok + related QUERY_DIRECTORY that
    // finds nothing + related CLOSE: the CLOSE keeps its own success.
    let (frame, _) = compound(
        &mut c,
        &[
            (Command::CREATE, false, &body),
            (Command::QUERY_DIRECTORY, true, &[33, 0]),
            (Command::CLOSE, true, &[24, 0]),
        ],
        tid,
    );
    let mut batch = c.conn.receive(frame, NOW).unwrap();
    for item in &mut batch.items {
        let Item::Pending { request, response } = item else {
            panic!("pending")
        };
        *response = Some(match request.header.command {
            Command::CREATE => Response::new(NtStatus::SUCCESS, vec![89, 0]),
            Command::QUERY_DIRECTORY => Response::error(NtStatus::NO_SUCH_FILE),
            _ => Response::new(NtStatus::SUCCESS, vec![60, 0]),
        });
    }
    let out = c.conn.respond(batch).unwrap().unwrap();
    let (_, replies) = c.open(out[4..].to_vec());
    let statuses: Vec<NtStatus> = replies.iter().map(|r| r.header.status).collect();
    assert_eq!(
        statuses,
        [NtStatus::SUCCESS, NtStatus::NO_SUCH_FILE, NtStatus::SUCCESS]
    );

    // A session-layer failure (unknown tree) cascades without reaching dispatch.
    let (frame, _) = compound(
        &mut c,
        &[
            (Command::CREATE, false, &body),
            (Command::CREATE, true, &body),
        ],
        999,
    );
    let batch = c.conn.receive(frame, NOW).unwrap();
    assert!(
        batch
            .items
            .iter()
            .all(|i| matches!(i, Item::Done(r) if r.status == NtStatus::NETWORK_NAME_DELETED))
    );
    // First request related: INVALID_PARAMETER.
    let (frame, _) = compound(&mut c, &[(Command::ECHO, true, &echo)], 0);
    let out = c.exchange(frame).unwrap().unwrap();
    assert_eq!(c.open(out).1[0].header.status, NtStatus::INVALID_PARAMETER);
    // Pending left unanswered: NOT_SUPPORTED, never success.
    let (_, r) = c
        .request(Command::QUERY_INFO, tid, &[41, 0, 0, 0, 0, 0, 0, 0])
        .unwrap();
    assert_eq!(r.header.status, NtStatus::NOT_SUPPORTED);
}

#[test]
fn credits_and_message_ids() {
    let mut c = Client::new(connection(config()));
    let r = c.negotiate(&[0x0311], &[], &[]);
    assert!(r.header.credits >= 1);
    let r = c.session_setup("alice", "correct horse", true);
    assert!(r.header.credits >= 1);
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.credits, 64, "CreditRequest honoured");
    assert!(c.conn.credits_outstanding() <= 512);
    // Replay of a used MessageId: disconnect.
    let mid = c.next_mid - 1;
    let msg = c.finish(message(
        &header(Command::ECHO, mid, c.session_id, 0),
        &echo_body(),
    ));
    assert!(c.exchange(msg).is_err());
    // Beyond the window: disconnect.
    let mut c = signed_in(&[0x0311], &[], &[]);
    let msg = c.finish(message(
        &header(Command::ECHO, 100_000, c.session_id, 0),
        &echo_body(),
    ));
    assert!(c.exchange(msg).is_err());
    // CANCEL consumes no id and gets no answer.
    let mut c = signed_in(&[0x0311], &[], &[]);
    let mid = c.next_mid;
    let msg = c.finish(message(
        &header(Command::CANCEL, mid, c.session_id, 0),
        &echo_body(),
    ));
    assert_eq!(c.exchange(msg).unwrap(), None);
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.message_id, mid);
    // Multi-credit: a 1 MiB READ needs CreditCharge 16.
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    let mut read = vec![49, 0, 0, 0];
    read.extend_from_slice(&(1u32 << 20).to_le_bytes());
    read.resize(49, 0);
    let (_, r) = c.request(Command::READ, tid, &read).unwrap();
    assert_eq!(r.header.status, NtStatus::INVALID_PARAMETER);
}

#[test]
fn logoff_and_several_sessions() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let first = c.session_id;
    let first_signer = c.signer.take();
    let r = c.session_setup("bob", "hunter2", false);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    let second = c.session_id;
    assert_ne!(first, second);
    assert_eq!(c.conn.session_count(), 2);
    let (_, r) = c.request(Command::LOGOFF, 0, &[4, 0, 0, 0]).unwrap();
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    c.verify(&r);
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::USER_SESSION_DELETED);
    // The first session still works.
    c.session_id = first;
    c.signer = first_signer;
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    // Unknown tree, tree disconnect.
    let (_, r) = c.request(Command::CREATE, 77, &create_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::NETWORK_NAME_DELETED);
    let (_, t) = c.tree_connect("DATA");
    let tid = t.header.tree_id().unwrap();
    let (_, r) = c
        .request(Command::TREE_DISCONNECT, tid, &[4, 0, 0, 0])
        .unwrap();
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    let (_, r) = c.request(Command::CREATE, tid, &create_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::NETWORK_NAME_DELETED);
}

#[test]
fn reauthentication_keeps_keys() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let sid = c.session_id;
    let signer = c.signer.take();
    // Reauth as bob on the same SessionId, signed with the session key.
    let mut initiator = smbkit_auth::client::NtlmInitiator::new("bob", "WORKGROUP", "hunter2");
    c.signer = signer;
    let body = |t: &[u8]| {
        smbkit_wire::session_setup::SessionSetupRequest {
            security_mode: 1,
            security_buffer: t,
            ..Default::default()
        }
        .encode_body_to_vec()
        .unwrap()
    };
    let (_, r) = c
        .request(
            Command::SESSION_SETUP,
            0,
            &body(&initiator.spnego_init().unwrap()),
        )
        .unwrap();
    assert_eq!(r.header.status, NtStatus::MORE_PROCESSING_REQUIRED);
    assert_eq!(r.header.session_id, sid);
    let token = SessionSetupResponse::decode(&r.bytes)
        .unwrap()
        .security_buffer
        .to_vec();
    let (_, r) = c
        .request(
            Command::SESSION_SETUP,
            0,
            &body(&initiator.spnego_authenticate(&token).unwrap()),
        )
        .unwrap();
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    c.verify(&r);
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    let mid = c.mid();
    let frame = c.finish(message(
        &header(Command::CREATE, mid, sid, tid),
        &create_body(),
    ));
    c.exchange_with(frame, &|req| {
        assert_eq!(req.session.user, "bob");
        None
    })
    .unwrap();
    // An unsigned reauthentication of a signing session is refused.
    c.sign = false;
    let (_, r) = c
        .request(
            Command::SESSION_SETUP,
            0,
            &body(&initiator.spnego_init().unwrap()),
        )
        .unwrap();
    assert_eq!(r.header.status, NtStatus::ACCESS_DENIED);
    c.sign = true;
    // Binding is not accepted.
    let mut b = body(&[]);
    b[2] = 1;
    let (_, r) = c.request(Command::SESSION_SETUP, 0, &b).unwrap();
    assert_eq!(r.header.status, NtStatus::REQUEST_NOT_ACCEPTED);
}

#[test]
fn requests_before_negotiate_and_unknown_sessions() {
    let mut c = Client::new(connection(config()));
    let msg = message(&header(Command::ECHO, 0, 0, 0), &echo_body());
    assert!(c.exchange(msg).is_err());
    let mut c = Client::new(connection(config()));
    c.negotiate(&[0x0302], &[], &[]);
    c.session_id = 0x1234;
    let (_, r) = c.request(Command::CREATE, 1, &create_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::USER_SESSION_DELETED);
    assert!(
        !r.header.flags.contains(HeaderFlags::SIGNED),
        "an unsigned request gets an unsigned answer"
    );
    // ECHO without a session is answered.
    c.session_id = 0;
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    // A transform for an unknown session: disconnect.
    let mut frame = vec![0u8; 52];
    frame.extend_from_slice(&message(&header(Command::ECHO, 9, 5, 0), &echo_body()));
    let k = smbkit_seal::EncryptionKey::new(Cipher::Aes128Ccm, &[1; 16]).unwrap();
    k.seal_frame(5, &mut frame).unwrap();
    assert!(c.exchange(frame).is_err());
}

#[test]
fn anonymous_sessions_only_with_guest() {
    use smbkit_auth::ntlm::{AuthenticateMessage, ChallengeMessage, NegotiateFlags};
    for guest in [false, true] {
        let mut cfg = config();
        cfg.guest = guest;
        let mut ntlm = smbkit_auth::ntlm::NtlmConfig::standalone("smbkit");
        ntlm.allow_anonymous = true;
        cfg.auth = smbkit_auth::AcceptorConfig::new(ntlm);
        let mut c = Client::new(connection(cfg));
        c.negotiate(&[0x0311], &[], &[]);
        let initiator = smbkit_auth::client::NtlmInitiator::new("", "", "");
        let neg = initiator.negotiate_message().unwrap();
        let body = |t: &[u8]| {
            smbkit_wire::session_setup::SessionSetupRequest {
                security_mode: 1,
                security_buffer: t,
                ..Default::default()
            }
            .encode_body_to_vec()
            .unwrap()
        };
        let (_, r) = c.request(Command::SESSION_SETUP, 0, &body(&neg)).unwrap();
        c.session_id = r.header.session_id;
        let challenge = SessionSetupResponse::decode(&r.bytes)
            .unwrap()
            .security_buffer
            .to_vec();
        let flags = ChallengeMessage::parse(&challenge).unwrap().flags & !NegotiateFlags::KEY_EXCH;
        let anon = AuthenticateMessage {
            lm_response: vec![0],
            nt_response: vec![],
            domain_name: vec![],
            user_name: vec![],
            workstation: vec![],
            encrypted_random_session_key: vec![],
            flags: flags | NegotiateFlags::ANONYMOUS,
            version: None,
            mic: None,
        };
        let (_, r) = c
            .request(Command::SESSION_SETUP, 0, &body(&anon.encode().unwrap()))
            .unwrap();
        if guest {
            assert_eq!(r.header.status, NtStatus::SUCCESS);
            assert!(!r.header.flags.contains(HeaderFlags::SIGNED));
            let f = SessionSetupResponse::decode(&r.bytes)
                .unwrap()
                .session_flags;
            assert_eq!(f, session_flags::IS_NULL);
            let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
            assert_eq!(r.header.status, NtStatus::SUCCESS);
            assert!(!r.header.flags.contains(HeaderFlags::SIGNED));
        } else {
            assert_eq!(r.header.status, NtStatus::LOGON_FAILURE);
        }
    }
}

#[test]
fn signed_request_for_an_unknown_session_gets_the_signed_flag_and_no_signature() {
    // A client that signs expects SMB2_FLAGS_SIGNED back; with no session
    // there is no key, so the signature stays zero (Samba's client accepts
    // exactly this for USER_SESSION_DELETED).
    let mut c = signed_in(&[0x0311], &[], &[]);
    let real = c.session_id;
    assert!(
        real != 0 && real <= u64::from(u32::MAX),
        "SessionId fits in 32 bits"
    );
    c.session_id = real ^ 0x0000_0001_0000_0000;
    let (_, r) = c.request(Command::CREATE, 1, &create_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::USER_SESSION_DELETED);
    assert!(r.header.flags.contains(HeaderFlags::SIGNED));
    assert_eq!(r.header.signature, [0u8; 16]);
    // The real session is untouched.
    c.session_id = real;
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    c.verify(&r);
}
