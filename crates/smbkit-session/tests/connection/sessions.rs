//! Sessions: logoff, several sessions, reauthentication, requests before
//! NEGOTIATE or for unknown sessions, anonymous sign-in.

use super::*;
use smbkit_seal::Cipher;
use smbkit_session::Share;
use smbkit_wire::session_setup::{SessionSetupResponse, session_flags};
use smbkit_wire::{Command, HeaderFlags, NtStatus, Pdu};

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
        let (_, r) = c
            .request(
                Command::SESSION_SETUP,
                0,
                &body(&anonymous_authenticate(&challenge)),
            )
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

#[test]
fn a_share_with_a_user_list_admits_only_those_users() {
    let mut cfg = config();
    cfg.shares.push(Share::new("Team").with_users(&["BOB"]));
    for (user, password, expected) in [
        ("alice", "correct horse", NtStatus::ACCESS_DENIED),
        ("bob", "hunter2", NtStatus::SUCCESS),
    ] {
        let mut c = Client::new(connection(cfg.clone()));
        c.negotiate(&[0x0311], &[], &[]);
        assert_eq!(
            c.session_setup(user, password, true).header.status,
            NtStatus::SUCCESS
        );
        let (_, r) = c.tree_connect("team");
        assert_eq!(r.header.status, expected, "{user}");
        // Shares without a list stay open to everyone.
        let (_, r) = c.tree_connect("Data");
        assert_eq!(r.header.status, NtStatus::SUCCESS, "{user}");
    }
}

/// Runs a two-leg NTLM reauthentication of the client's session with the
/// NEGOTIATE token `neg` and the AUTHENTICATE message `auth` builds from the
/// CHALLENGE; returns the final response.
fn reauthenticate(c: &mut Client, neg: &[u8], auth: &mut dyn FnMut(&[u8]) -> Vec<u8>) -> Reply {
    let body = |t: &[u8]| {
        smbkit_wire::session_setup::SessionSetupRequest {
            security_mode: 1,
            security_buffer: t,
            ..Default::default()
        }
        .encode_body_to_vec()
        .unwrap()
    };
    let (_, r) = c.request(Command::SESSION_SETUP, 0, &body(neg)).unwrap();
    assert_eq!(r.header.status, NtStatus::MORE_PROCESSING_REQUIRED);
    let challenge = SessionSetupResponse::decode(&r.bytes)
        .unwrap()
        .security_buffer
        .to_vec();
    let (_, r) = c
        .request(Command::SESSION_SETUP, 0, &body(&auth(&challenge)))
        .unwrap();
    r
}

/// An anonymous AUTHENTICATE message answering `challenge` (raw NTLMSSP).
fn anonymous_authenticate(challenge: &[u8]) -> Vec<u8> {
    use smbkit_auth::ntlm::{AuthenticateMessage, ChallengeMessage, NegotiateFlags};
    let flags = ChallengeMessage::parse(challenge).unwrap().flags & !NegotiateFlags::KEY_EXCH;
    AuthenticateMessage {
        lm_response: vec![0],
        nt_response: vec![],
        domain_name: vec![],
        user_name: vec![],
        workstation: vec![],
        encrypted_random_session_key: vec![],
        flags: flags | NegotiateFlags::ANONYMOUS,
        version: None,
        mic: None,
    }
    .encode()
    .unwrap()
}

#[test]
fn a_user_session_may_become_anonymous_and_back_without_new_keys() {
    // Guest access is off: a new anonymous session is refused (see
    // anonymous_sessions_only_with_guest), but a signed-in user may
    // reauthenticate as anonymous under the session's keys (Windows does;
    // smbtorture smb2.session.reauth2-5).
    let mut c = signed_in(&[0x0311], &[], &[]);
    let sid = c.session_id;
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    let anon = smbkit_auth::client::NtlmInitiator::new("", "", "");
    let r = reauthenticate(&mut c, &anon.negotiate_message().unwrap(), &mut |ch| {
        anonymous_authenticate(ch)
    });
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    assert_eq!(r.header.session_id, sid);
    c.verify(&r);
    let flags = SessionSetupResponse::decode(&r.bytes)
        .unwrap()
        .session_flags;
    assert_eq!(flags, session_flags::IS_NULL);
    // Requests still go signed with the old keys, and dispatch sees an
    // anonymous session that is not a guest.
    let mid = c.mid();
    let frame = c.finish(message(
        &header(Command::CREATE, mid, sid, tid),
        &create_body(),
    ));
    c.exchange_with(frame, &|req| {
        assert!(req.session.anonymous);
        assert!(!req.session.guest);
        assert_eq!(req.session.user, "");
        None
    })
    .unwrap();
    // Its existing tree stays; a new tree connect is refused.
    let (_, r) = c.tree_connect("Data");
    assert_eq!(r.header.status, NtStatus::ACCESS_DENIED);
    // Back to a user: a signed-in user again, who may connect trees.
    let mut bob = smbkit_auth::client::NtlmInitiator::new("bob", "WORKGROUP", "hunter2");
    let neg = bob.spnego_init().unwrap();
    let r = reauthenticate(&mut c, &neg, &mut |ch| bob.spnego_authenticate(ch).unwrap());
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    c.verify(&r);
    let mid = c.mid();
    let frame = c.finish(message(
        &header(Command::CREATE, mid, sid, tid),
        &create_body(),
    ));
    c.exchange_with(frame, &|req| {
        assert!(!req.session.anonymous);
        assert_eq!(req.session.user, "bob");
        None
    })
    .unwrap();
    let (_, r) = c.tree_connect("Data");
    assert_eq!(r.header.status, NtStatus::SUCCESS);
}

#[test]
fn a_failed_reauthentication_is_a_logon_failure_and_ends_the_session() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let mut wrong = smbkit_auth::client::NtlmInitiator::new("bob", "WORKGROUP", "wrong");
    let neg = wrong.spnego_init().unwrap();
    let r = reauthenticate(&mut c, &neg, &mut |ch| {
        wrong.spnego_authenticate(ch).unwrap()
    });
    assert_eq!(r.header.status, NtStatus::LOGON_FAILURE);
    // Signed with the session's key, which the client checks it against.
    assert!(r.header.flags.contains(HeaderFlags::SIGNED));
    c.verify(&r);
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::USER_SESSION_DELETED);
}
