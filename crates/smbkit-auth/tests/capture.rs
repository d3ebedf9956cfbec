//! The captured Windows sign-ins (administrator / SUT311 / `Password01!`):
//! NTLM messages picked out of the SPNEGO tokens in the SMB2 SESSION_SETUP
//! packets, verified from the password. Data: tests/data/*.toml.
// Test helpers outside #[test] fns: a failure here should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Session, final_token, h, h8, h16, security_buffer, session_of_chain, utf16};
use smbkit_auth::ntlm::av_pair::TargetInfo;
use smbkit_auth::ntlm::crypto::{self, NtlmKeys};
use smbkit_auth::ntlm::message::{MIC_LEN, MIC_OFFSET};
use smbkit_auth::ntlm::{
    AuthenticateMessage, ChallengeMessage, NegotiateFlags, NegotiateMessage, NtlmAcceptor,
    NtlmConfig, Version, verify_authenticate,
};
use smbkit_auth::spnego::{self, Mech, NegState, NegTokenResp, NegotiationToken};
use smbkit_auth::{MemoryCredentials, NtHash, SessionKey};

fn capture() -> common::Capture {
    common::ntlm().ntlmv2_capture.remove(0)
}

fn capture_session(c: &common::Capture) -> Session {
    let spnego = [
        &c.session_setup_request_1,
        &c.session_setup_response_1,
        &c.session_setup_request_2,
    ]
    .map(|p| security_buffer(&h(p)));
    let ntlm = [0, 1, 2].map(|i| common::ntlm_in_spnego(&spnego[i]));
    Session { spnego, ntlm }
}

fn creds(c: &common::Capture) -> MemoryCredentials {
    MemoryCredentials::new().with_password(&c.user, &c.password)
}

#[test]
fn capture_packets_are_the_master_chain_packets() {
    let c = capture();
    let chain = common::chains()
        .preauth_chain
        .into_iter()
        .find(|x| x.id == "ms-anatomy-smb311-master")
        .unwrap();
    assert_eq!(chain.messages[2], c.session_setup_request_1);
    assert_eq!(chain.messages[3], c.session_setup_response_1);
    assert_eq!(chain.messages[4], c.session_setup_request_2);
}

#[test]
fn capture_fields_and_intermediate_values() {
    let c = capture();
    let s = capture_session(&c);
    let hash = NtHash::from_password(&c.password);
    assert_eq!(hash.as_bytes(), &h16(&c.nt_hash));

    let neg = NegotiateMessage::parse(&s.ntlm[0]).unwrap();
    assert_eq!(neg.flags, NegotiateFlags(0xe208_8297));
    assert_eq!(neg.encode().unwrap(), s.ntlm[0]);

    let chal = ChallengeMessage::parse(&s.ntlm[1]).unwrap();
    assert_eq!(chal.server_challenge, h8(&c.server_challenge));
    assert_eq!(
        format!("{:#X}", chal.flags.bits()),
        c.negotiate_flags_challenge
    );
    assert_eq!(chal.encode().unwrap(), s.ntlm[1]);

    let auth = AuthenticateMessage::parse(&s.ntlm[2]).unwrap();
    assert_eq!(
        format!("{:#X}", auth.flags.bits()),
        c.negotiate_flags_authenticate
    );
    assert_eq!(auth.user_name, utf16(&c.user));
    assert_eq!(auth.domain_name, utf16(&c.domain));
    assert_eq!(auth.workstation, utf16(&c.workstation));
    assert_eq!(auth.mic, Some(h16(&c.mic)));
    assert_eq!(
        auth.encrypted_random_session_key,
        h(&c.encrypted_random_session_key)
    );
    assert_eq!(&auth.nt_response[..16], h(&c.ntproofstr).as_slice());
    assert_eq!(
        &auth.nt_response[16 + 16..16 + 24],
        h(&c.client_challenge).as_slice()
    );
    assert_eq!(auth.encode().unwrap(), s.ntlm[2]);

    let ntowf = crypto::ntowfv2(&hash, &c.user, &auth.domain_name);
    assert_eq!(ntowf.as_bytes(), &h16(&c.ntowfv2));
    // The upper-cased name is what goes into NTOWFv2.
    assert_eq!(
        crypto::ntowfv2(&hash, &c.user_upper, &auth.domain_name),
        ntowf
    );
    let proof = crypto::nt_proof_str(&ntowf, &chal.server_challenge, &auth.nt_response[16..]);
    assert_eq!(proof, h16(&c.ntproofstr));
    let kxkey = crypto::session_base_key(&ntowf, &proof);
    assert_eq!(kxkey.as_bytes(), &h16(&c.key_exchange_key));
    let exported =
        crypto::exported_session_key(&kxkey, auth.flags, &auth.encrypted_random_session_key)
            .unwrap();
    assert_eq!(exported.as_bytes(), &h16(&c.exported_session_key));
    let mut zeroed = s.ntlm[2].clone();
    zeroed[MIC_OFFSET..MIC_OFFSET + MIC_LEN].fill(0);
    assert_eq!(
        crypto::mic(&exported, &s.ntlm[0], &s.ntlm[1], &zeroed),
        h16(&c.mic)
    );
}

#[test]
fn capture_verifies_from_the_password() {
    let c = capture();
    let s = capture_session(&c);
    let auth = verify_authenticate(
        &s.ntlm[0],
        &s.ntlm[1],
        &s.ntlm[2],
        &h8(&c.server_challenge),
        &creds(&c),
        false,
    )
    .unwrap();
    assert_eq!(auth.user, c.user);
    assert_eq!(auth.domain, c.domain);
    assert_eq!(auth.workstation, c.workstation);
    assert!(!auth.anonymous);
    assert!(auth.mic_verified);
    assert_eq!(auth.session_key.as_bytes(), &h16(&c.exported_session_key));
    let keys = auth.ntlm_keys().unwrap();
    assert_eq!(keys.client_signing.as_bytes(), &h16(&c.client_signing_key));
    assert_eq!(keys.server_signing.as_bytes(), &h16(&c.server_signing_key));
    assert_eq!(keys.client_sealing.as_bytes(), &h16(&c.client_sealing_key));
    assert_eq!(keys.server_sealing.as_bytes(), &h16(&c.server_sealing_key));
    // Stored as an NT hash instead of a password: same result.
    let mut by_hash = MemoryCredentials::new();
    by_hash.add_nt_hash("Administrator", NtHash::from_hex(&c.nt_hash).unwrap());
    let again = verify_authenticate(
        &s.ntlm[0],
        &s.ntlm[1],
        &s.ntlm[2],
        &h8(&c.server_challenge),
        &by_hash,
        false,
    )
    .unwrap();
    assert_eq!(again.session_key, auth.session_key);
}

/// Our acceptor, configured like the captured server, sends Windows' CHALLENGE
/// byte for byte, and then accepts the captured AUTHENTICATE.
#[test]
fn acceptor_reproduces_the_windows_challenge() {
    let c = capture();
    let s = capture_session(&c);
    let windows = ChallengeMessage::parse(&s.ntlm[1]).unwrap();
    let info = TargetInfo::parse(&windows.target_info).unwrap();
    let mut config = NtlmConfig::standalone(&c.domain);
    config.dns_computer_name = info.dns_computer_name.clone();
    config.dns_domain_name = info.dns_domain_name.clone();
    config.version = Version {
        major: 10,
        minor: 0,
        build: 10130,
        revision: 15,
    };
    assert_eq!(windows.version, Some(config.version));
    let mut acceptor = NtlmAcceptor::new(config);
    let ours = acceptor
        .negotiate_with_challenge(&s.ntlm[0], info.timestamp.unwrap(), h8(&c.server_challenge))
        .unwrap();
    assert_eq!(hex::encode(&ours), hex::encode(&s.ntlm[1]));
    // And SPNEGO-wrapped, the same bytes as Windows' first SESSION_SETUP response.
    assert_eq!(
        NegTokenResp::accept_incomplete(Some(ours)).encode(),
        s.spnego[1]
    );

    let auth = acceptor.authenticate(&s.ntlm[2], &creds(&c)).unwrap();
    assert_eq!(auth.session_key.as_bytes(), &h16(&c.exported_session_key));
    assert!(acceptor.is_finished());
}

fn check_mech_list_mics(s: &Session, keys: &NtlmKeys, final_spnego: &[u8]) {
    let NegotiationToken::Init(init) = spnego::parse(&s.spnego[0]).unwrap() else {
        panic!("not an init")
    };
    assert_eq!(init.mech_types, vec![Mech::Ntlmssp]);
    assert_eq!(
        hex::encode(&init.mech_types_der),
        "300c060a2b06010401823702020a"
    );
    let NegotiationToken::Resp(resp) = spnego::parse(&s.spnego[2]).unwrap() else {
        panic!("not a resp")
    };
    assert_eq!(resp.neg_state, Some(NegState::AcceptIncomplete));
    let client_mic = resp.mech_list_mic.unwrap();
    assert_eq!(
        keys.client_signature(0, &init.mech_types_der)
            .unwrap()
            .as_slice(),
        client_mic.as_slice()
    );
    // The server's accept-completed token, byte for byte.
    let ours = keys.server_signature(0, &init.mech_types_der).unwrap();
    assert_eq!(
        hex::encode(NegTokenResp::accept_completed(Some(ours.to_vec())).encode()),
        hex::encode(final_spnego)
    );
    let NegotiationToken::Resp(fin) = spnego::parse(final_spnego).unwrap() else {
        panic!("not a resp")
    };
    assert_eq!(fin.neg_state, Some(NegState::AcceptCompleted));
}

#[test]
fn capture_mech_list_mics_both_ways() {
    let c = capture();
    let s = capture_session(&c);
    let auth = verify_authenticate(
        &s.ntlm[0],
        &s.ntlm[1],
        &s.ntlm[2],
        &h8(&c.server_challenge),
        &creds(&c),
        false,
    )
    .unwrap();
    check_mech_list_mics(
        &s,
        auth.ntlm_keys().unwrap(),
        &final_token("ms-anatomy-smb311-master"),
    );
}

/// `ntlmv2_derived`: the same password signs in the 3.1.1 GCM, CCM and binding
/// sessions; their published SMB session keys come out.
#[test]
fn derived_blog_sessions_give_the_published_session_keys() {
    let file = common::ntlm();
    let d = &file.ntlmv2_derived[0];
    let creds = MemoryCredentials::new().with_password(&d.user, &d.password);
    let chains = common::chains().preauth_chain;
    let keys = common::keys().smb3_keys;
    assert_eq!(d.sessions.len(), 3);
    for line in &d.sessions {
        // "preauth_chain <id> -> smb3_keys <id> (session key <hex>)"
        let words: Vec<&str> = line.split_whitespace().collect();
        let (chain_id, keys_id, key_hex) = (
            words[1],
            words[4],
            words[words.len() - 1].trim_end_matches(')'),
        );
        let chain = chains.iter().find(|x| x.id == chain_id).unwrap();
        let published = keys.iter().find(|k| k.id == keys_id).unwrap();
        assert_eq!(published.session_key, key_hex);

        let s = session_of_chain(chain);
        let chal = ChallengeMessage::parse(&s.ntlm[1]).unwrap();
        let auth = verify_authenticate(
            &s.ntlm[0],
            &s.ntlm[1],
            &s.ntlm[2],
            &chal.server_challenge,
            &creds,
            false,
        )
        .unwrap_or_else(|e| panic!("{chain_id}: {e}"));
        assert!(auth.mic_verified, "{chain_id}");
        assert_eq!(auth.domain, d.domain);
        assert_eq!(
            hex::encode(auth.session_key.as_bytes()),
            published.session_key,
            "{chain_id}"
        );
        check_mech_list_mics(&s, auth.ntlm_keys().unwrap(), &final_token(chain_id));
    }
}

/// Windows' own SMB2 NEGOTIATE response token (NEGOEX + NTLMSSP, an optimistic
/// NEGOEX token) parses; our NegTokenInit2 parses back to what we offered.
#[test]
fn negotiate_response_tokens() {
    let chain = common::chains().preauth_chain.into_iter().next().unwrap();
    let token = security_buffer(&h(&chain.messages[1]));
    let NegotiationToken::Init(init) = spnego::parse(&token).unwrap() else {
        panic!("not an init")
    };
    assert_eq!(init.mech_types, vec![Mech::NegoEx, Mech::Ntlmssp]);
    assert!(init.mech_token.unwrap().starts_with(b"NEGOEXTS"));
    assert_eq!(init.hint_name, None);

    let ours = spnego::neg_token_init2();
    assert_eq!(
        hex::encode(&ours),
        concat!(
            // [APPLICATION 0] { SPNEGO OID, [0] { SEQUENCE { [0] mechTypes = { NTLMSSP },
            // [3] negHints { [0] GeneralString (36 bytes) } } } }, lengths counted by hand.
            "604806062b0601050502a03e303ca00e300c060a2b06010401823702020a",
            "a32a3028a0261b24",
            "6e6f745f646566696e65645f696e5f5246433431373840706c656173655f69676e6f7265"
        )
    );
    let NegotiationToken::Init(back) = spnego::parse(&ours).unwrap() else {
        panic!("not an init")
    };
    assert_eq!(back.mech_types, vec![Mech::Ntlmssp]);
    assert_eq!(
        back.hint_name.as_deref(),
        Some(spnego::HINT_NAME.as_bytes())
    );
    assert_eq!(back.mech_token, None);
    let with_krb = spnego::neg_token_init2_for(&[Mech::MsKerberos, Mech::Kerberos, Mech::Ntlmssp]);
    let NegotiationToken::Init(back) = spnego::parse(&with_krb).unwrap() else {
        panic!("not an init")
    };
    assert_eq!(
        back.mech_types,
        vec![Mech::MsKerberos, Mech::Kerberos, Mech::Ntlmssp]
    );
}

#[test]
fn session_key_equality_is_by_value() {
    let a = SessionKey::from_bytes([7; 16]);
    assert_eq!(a, SessionKey::from_bytes([7; 16]));
    assert_ne!(a, SessionKey::from_bytes([8; 16]));
}
