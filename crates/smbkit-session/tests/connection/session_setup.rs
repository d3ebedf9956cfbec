//! SESSION_SETUP and signing: every dialect and signing algorithm, the final
//! response's signature, a wrong password, a tampered signature.

use super::*;
use smbkit_sign::SigningAlgorithm;
use smbkit_wire::negotiate::algorithm;
use smbkit_wire::session_setup::SessionSetupResponse;
use smbkit_wire::{Command, NtStatus, Pdu};

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
