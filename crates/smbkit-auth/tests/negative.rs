//! Refusals, on the captured Windows sign-in (tests/data/ntlmv2.toml).
// Test helpers outside #[test] fns: a failure here should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{h, h8, security_buffer, utf16};
use smbkit_auth::ntlm::message::MIC_OFFSET;
use smbkit_auth::ntlm::{AuthenticateMessage, verify_authenticate};
use smbkit_auth::{AuthError, MemoryCredentials};

struct Captured {
    ntlm: [Vec<u8>; 3],
    server_challenge: [u8; 8],
    user: String,
    password: String,
}

fn captured() -> Captured {
    let c = common::ntlm().ntlmv2_capture.remove(0);
    let ntlm = [
        &c.session_setup_request_1,
        &c.session_setup_response_1,
        &c.session_setup_request_2,
    ]
    .map(|p| common::ntlm_in_spnego(&security_buffer(&h(p))));
    Captured {
        ntlm,
        server_challenge: h8(&c.server_challenge),
        user: c.user,
        password: c.password,
    }
}

fn verify(c: &Captured, auth: &[u8], creds: &MemoryCredentials) -> Result<(), AuthError> {
    verify_authenticate(
        &c.ntlm[0],
        &c.ntlm[1],
        auth,
        &c.server_challenge,
        creds,
        false,
    )
    .map(|_| ())
}

fn good_creds(c: &Captured) -> MemoryCredentials {
    MemoryCredentials::new().with_password(&c.user, &c.password)
}

#[test]
fn the_unmodified_capture_verifies() {
    let c = captured();
    verify(&c, &c.ntlm[2], &good_creds(&c)).unwrap();
}

#[test]
fn wrong_password_and_unknown_user_look_the_same() {
    let c = captured();
    let wrong = MemoryCredentials::new().with_password(&c.user, "Password01?");
    let unknown = MemoryCredentials::new().with_password("someone-else", &c.password);
    let e1 = verify(&c, &c.ntlm[2], &wrong).unwrap_err();
    let e2 = verify(&c, &c.ntlm[2], &unknown).unwrap_err();
    assert_eq!(e1, AuthError::LogonFailure);
    assert_eq!(e1, e2);
    assert_eq!(e1.to_string(), e2.to_string());
}

#[test]
fn tampered_mic_is_logon_failure() {
    let c = captured();
    for bit in [0usize, 77, 127] {
        let mut auth = c.ntlm[2].clone();
        auth[MIC_OFFSET + bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            verify(&c, &auth, &good_creds(&c)).unwrap_err(),
            AuthError::LogonFailure
        );
    }
    // A changed NEGOTIATE (as a downgrade attack would) breaks the MIC too.
    let mut neg = c.ntlm[0].clone();
    neg[12] &= !0x10; // drop NEGOTIATE_SIGN
    let err = verify_authenticate(
        &neg,
        &c.ntlm[1],
        &c.ntlm[2],
        &c.server_challenge,
        &good_creds(&c),
        false,
    );
    assert_eq!(err.unwrap_err(), AuthError::LogonFailure);
}

#[test]
fn tampered_ntproofstr_or_challenge_is_logon_failure() {
    let c = captured();
    let nt_offset = u32::from_le_bytes(c.ntlm[2][24..28].try_into().unwrap()) as usize;
    let mut auth = c.ntlm[2].clone();
    auth[nt_offset + 3] ^= 0x80;
    assert_eq!(
        verify(&c, &auth, &good_creds(&c)).unwrap_err(),
        AuthError::LogonFailure
    );
    // Client challenge inside temp.
    let mut auth = c.ntlm[2].clone();
    auth[nt_offset + 16 + 16] ^= 0x01;
    assert_eq!(
        verify(&c, &auth, &good_creds(&c)).unwrap_err(),
        AuthError::LogonFailure
    );
    // Another server challenge.
    let mut other = c.server_challenge;
    other[0] ^= 1;
    let err = verify_authenticate(
        &c.ntlm[0],
        &c.ntlm[1],
        &c.ntlm[2],
        &other,
        &good_creds(&c),
        false,
    );
    assert_eq!(err.unwrap_err(), AuthError::LogonFailure);
}

#[test]
fn ntlmv1_and_lm_only_are_refused() {
    let c = captured();
    let mut msg = AuthenticateMessage::parse(&c.ntlm[2]).unwrap();
    msg.mic = None;
    msg.nt_response = vec![0x11; 24];
    msg.lm_response = vec![0x22; 24];
    let err = verify(&c, &msg.encode().unwrap(), &good_creds(&c)).unwrap_err();
    assert_eq!(err, AuthError::InsecureResponse);
    assert_eq!(err.ntstatus(), 0xC000_006D);
    msg.nt_response = vec![];
    assert_eq!(
        verify(&c, &msg.encode().unwrap(), &good_creds(&c)).unwrap_err(),
        AuthError::InsecureResponse
    );
    // Too short for NTLMv2 but not NTLMv1: malformed.
    msg.nt_response = vec![0x11; 30];
    assert!(matches!(
        verify(&c, &msg.encode().unwrap(), &good_creds(&c)),
        Err(AuthError::Malformed(_))
    ));
}

#[test]
fn anonymous_is_refused_by_default() {
    let c = captured();
    let mut msg = AuthenticateMessage::parse(&c.ntlm[2]).unwrap();
    msg.mic = None;
    msg.nt_response = vec![];
    msg.lm_response = vec![0];
    msg.user_name = vec![];
    msg.encrypted_random_session_key = vec![];
    let bytes = msg.encode().unwrap();
    assert_eq!(
        verify(&c, &bytes, &good_creds(&c)).unwrap_err(),
        AuthError::AnonymousRefused
    );
    let ok = verify_authenticate(
        &c.ntlm[0],
        &c.ntlm[1],
        &bytes,
        &c.server_challenge,
        &good_creds(&c),
        true,
    )
    .unwrap();
    assert!(ok.anonymous);
    assert_eq!(ok.workstation, "DRIVER311");
}

#[test]
fn mic_flagged_but_missing_is_refused() {
    // Re-encode without the MIC field: MsvAvFlags still says there is one.
    let c = captured();
    let mut msg = AuthenticateMessage::parse(&c.ntlm[2]).unwrap();
    msg.mic = None;
    assert_eq!(
        verify(&c, &msg.encode().unwrap(), &good_creds(&c)).unwrap_err(),
        AuthError::LogonFailure
    );
    assert_eq!(msg.user_name, utf16(&c.user));
}
