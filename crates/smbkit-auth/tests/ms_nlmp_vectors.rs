//! MS-NLMP 4.2.4 (NTLMv2) published values, from tests/data/ntlmv2.toml.
// Test helpers outside #[test] fns: a failure here should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{h, h8, h16, utf16};
use smbkit_auth::ntlm::av_pair::{self, TargetInfo};
use smbkit_auth::ntlm::crypto;
use smbkit_auth::ntlm::{
    AuthenticateMessage, ChallengeMessage, NegotiateFlags, verify_authenticate,
};
use smbkit_auth::{MemoryCredentials, NtHash, SessionKey};

fn v() -> common::Ntlmv2 {
    common::ntlm().ntlmv2.remove(0)
}

#[test]
fn ntowfv1_and_ntowfv2() {
    let v = v();
    let hash = NtHash::from_password(&v.password);
    assert_eq!(hash.as_bytes(), &h16(&v.ntowfv1));
    assert_eq!(
        NtHash::from_hex(&v.ntowfv1).unwrap().as_bytes(),
        hash.as_bytes()
    );
    assert_eq!(
        NtHash::from_hex(&v.ntowfv1.to_uppercase())
            .unwrap()
            .as_bytes(),
        hash.as_bytes()
    );
    let ntowf = crypto::ntowfv2(&hash, &v.user, &utf16(&v.domain));
    assert_eq!(ntowf.as_bytes(), &h16(&v.ntowfv2));
}

#[test]
fn ntproofstr_session_base_key_and_exported_key() {
    let v = v();
    let ntowf = SessionKey::from_bytes(h16(&v.ntowfv2));
    let proof = crypto::nt_proof_str(&ntowf, &h8(&v.server_challenge), &h(&v.temp));
    assert_eq!(proof, h16(&v.ntproofstr));
    let base = crypto::session_base_key(&ntowf, &proof);
    assert_eq!(base.as_bytes(), &h16(&v.session_base_key));
    let exported = crypto::exported_session_key(
        &base,
        NegotiateFlags::KEY_EXCH,
        &h(&v.encrypted_random_session_key),
    )
    .unwrap();
    assert_eq!(exported.as_bytes(), &h16(&v.random_session_key));
    // Without KEY_EXCH the exported key is the key exchange key.
    let plain = crypto::exported_session_key(&base, NegotiateFlags::default(), &[]).unwrap();
    assert_eq!(plain, base);
    // LMv2 = HMAC-MD5(NTOWFv2, ServerChallenge || ClientChallenge) || ClientChallenge.
    let lm = crypto::hmac_md5(
        ntowf.as_bytes(),
        &[&h(&v.server_challenge), &h(&v.client_challenge)],
    );
    assert_eq!(lm.as_slice(), &h(&v.lmv2_response)[..16]);
}

#[test]
fn temp_is_built_from_time_client_challenge_and_target_info() {
    let v = v();
    let mut temp = vec![1u8, 1, 0, 0, 0, 0, 0, 0];
    temp.extend(h(&v.time));
    temp.extend(h(&v.client_challenge));
    temp.extend([0u8; 4]);
    temp.extend(h(&v.target_info));
    temp.extend([0u8; 4]);
    assert_eq!(temp, h(&v.temp));
}

#[test]
fn challenge_message_parses_and_round_trips() {
    let v = v();
    let bytes = h(&v.challenge_message);
    let msg = ChallengeMessage::parse(&bytes).unwrap();
    assert_eq!(msg.server_challenge, h8(&v.server_challenge));
    assert_eq!(msg.flags, NegotiateFlags(0xe28a_8233));
    assert_eq!(msg.target_name, utf16("Server"));
    assert_eq!(msg.target_info, h(&v.target_info));
    let version = msg.version.unwrap();
    assert_eq!(
        (
            version.major,
            version.minor,
            version.build,
            version.revision
        ),
        (6, 0, 6000, 15)
    );
    let info = TargetInfo::parse(&msg.target_info).unwrap();
    assert_eq!(info.nb_domain_name, "Domain");
    assert_eq!(info.nb_computer_name, "Server");
    assert_eq!(info.timestamp, None);
    assert_eq!(av_pair::parse(&msg.target_info).unwrap().len(), 2);
    assert_eq!(msg.encode().unwrap(), bytes);
}

#[test]
fn authenticate_message_parses_and_round_trips() {
    let v = v();
    let bytes = h(&v.authenticate_message);
    let msg = AuthenticateMessage::parse(&bytes).unwrap();
    assert_eq!(msg.domain_name, utf16(&v.domain));
    assert_eq!(msg.user_name, utf16(&v.user));
    assert_eq!(msg.workstation, utf16(&v.workstation));
    assert_eq!(msg.lm_response, h(&v.lmv2_response));
    let mut nt = h(&v.ntproofstr);
    nt.extend(h(&v.temp));
    assert_eq!(msg.nt_response, nt);
    assert_eq!(
        msg.encrypted_random_session_key,
        h(&v.encrypted_random_session_key)
    );
    assert_eq!(msg.flags, NegotiateFlags(0xe288_8235));
    assert!(msg.version.is_some());
    assert_eq!(msg.mic, None);
    assert!(!msg.is_anonymous());
    assert_eq!(msg.encode().unwrap(), bytes);
}

#[test]
fn stateless_verification_gives_the_published_keys() {
    let v = v();
    // The user name is looked up case-insensitively.
    let creds = MemoryCredentials::new().with_password("USER", &v.password);
    let auth = verify_authenticate(
        &[],
        &h(&v.challenge_message),
        &h(&v.authenticate_message),
        &h8(&v.server_challenge),
        &creds,
        false,
    )
    .unwrap();
    assert_eq!(auth.user, v.user);
    assert_eq!(auth.domain, v.domain);
    assert_eq!(auth.workstation, v.workstation);
    assert!(!auth.anonymous);
    assert!(!auth.mic_verified);
    assert_eq!(auth.session_key.as_bytes(), &h16(&v.random_session_key));
    let keys = auth.ntlm_keys().unwrap();
    assert_eq!(keys.client_signing.as_bytes(), &h16(&v.client_signing_key));
    assert_eq!(keys.client_sealing.as_bytes(), &h16(&v.client_sealing_key));
    assert!(keys.key_exch);
}

#[test]
fn secrets_do_not_show_in_debug() {
    let v = v();
    let key = SessionKey::from_bytes(h16(&v.session_base_key));
    let hash = NtHash::from_password(&v.password);
    for text in [format!("{key:?}"), format!("{hash:?}")] {
        assert!(!text.contains("8d") && !text.contains("a4"), "{text}");
        assert!(text.contains("redacted"));
    }
    let creds = MemoryCredentials::new().with_password("User", &v.password);
    let text = format!("{creds:?}");
    assert!(text.contains("USER") && !text.contains("a4f4"), "{text}");
}
