//! Encryption: every cipher both ways, wrong keys, encrypted shares, the
//! server's encryption policy.

use super::*;
use smbkit_seal::Cipher;
use smbkit_session::{EncryptionPolicy, Response};
use smbkit_wire::negotiate::algorithm;
use smbkit_wire::session_setup::{SessionSetupResponse, session_flags};
use smbkit_wire::tree_connect::{share_flags, share_type};
use smbkit_wire::{Command, HeaderFlags, NtStatus, Pdu};

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

#[test]
fn a_wrong_key_after_good_frames_still_disconnects() {
    // After the first frame unseals, no diagnostic copy is kept: a later
    // wrong-key frame is refused all the same, as a tag mismatch.
    let cipher = Cipher::Aes128Gcm;
    let mut c = signed_in(&[0x0311], &[cipher.id()], &[]);
    c.seal = true;
    let mid = c.mid();
    let frame = c.finish(message(
        &header(Command::ECHO, mid, c.session_id, 0),
        &echo_body(),
    ));
    c.exchange(frame).unwrap();
    let mid = c.mid();
    let msg = message(&header(Command::ECHO, mid, c.session_id, 0), &echo_body());
    let wrong = smbkit_seal::EncryptionKey::new(cipher, &c.s2c_key).unwrap();
    let mut frame = vec![0u8; 52];
    frame.extend_from_slice(&msg);
    wrong.seal_frame(c.session_id, &mut frame).unwrap();
    let e = c.exchange(frame).unwrap_err();
    assert!(e.reason.contains("tag mismatch"), "{}", e.reason);
}
