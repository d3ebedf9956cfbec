//! Full in-process exchanges: a minimal NTLMv2 client written here, against
//! the `Acceptor`, SPNEGO-wrapped and raw.
// Test helpers outside #[test] fns: a failure here should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use smbkit_auth::client::NtlmInitiator;
use smbkit_auth::ntlm::crypto::NtlmKeys;
use smbkit_auth::ntlm::{
    AuthenticateMessage, ChallengeMessage, NegotiateFlags, NegotiateMessage, NtlmConfig,
};
use smbkit_auth::spnego::{self, Mech, NegState, NegTokenInit, NegTokenResp, NegotiationToken};
use smbkit_auth::{Acceptor, AcceptorConfig, AuthError, MemoryCredentials, SessionKey, Step};

const NOW: u64 = 0x01d0_aecb_adf5_a1a1;

/// The test client: the crate's public NTLMv2 initiator, plus the
/// NEGOTIATE bytes it sent (for the tests that build SPNEGO by hand).
struct Client {
    inner: NtlmInitiator,
    negotiate: Vec<u8>,
}

impl Client {
    fn new(password: &'static str) -> Self {
        Self::with(NtlmInitiator::new("alice", "WORKGROUP", password))
    }

    fn with(inner: NtlmInitiator) -> Self {
        let inner = inner.fixed_randomness([0x42; 16], [0xCC; 8]);
        let negotiate = inner.negotiate_message().unwrap();
        Self { inner, negotiate }
    }

    fn without_mic(self) -> Self {
        Self::with(self.inner.mic(false))
    }

    /// AUTHENTICATE for `challenge`; also returns the exported key and flags.
    fn authenticate(&self, challenge: &[u8]) -> (Vec<u8>, SessionKey, NegotiateFlags) {
        let mut client = self.inner.clone();
        let a = client.authenticate(challenge).unwrap();
        assert_eq!(a.timestamp, NOW);
        assert_eq!(client.session_key(), Some(&a.session_key));
        (a.message, a.session_key, a.flags)
    }
}

fn creds() -> MemoryCredentials {
    MemoryCredentials::new()
        .with_password("Alice", "correct horse")
        .with_password("bob", "hunter2")
}

fn acceptor() -> Acceptor {
    Acceptor::new(AcceptorConfig::new(NtlmConfig::standalone("fileserver")))
}

fn cont(step: Step) -> Vec<u8> {
    match step {
        Step::Continue(t) => t,
        Step::Done { .. } => panic!("expected Continue"),
    }
}

fn resp(token: &[u8]) -> NegTokenResp {
    match spnego::parse(token).unwrap() {
        NegotiationToken::Resp(r) => r,
        NegotiationToken::Init(_) => panic!("expected NegTokenResp"),
    }
}

#[test]
fn raw_ntlmssp_exchange() {
    let client = Client::new("correct horse");
    let mut server = acceptor();
    let challenge = cont(server.step(&client.negotiate, NOW, &creds()).unwrap());
    assert!(challenge.starts_with(b"NTLMSSP\0"), "raw in, raw out");
    let chal = ChallengeMessage::parse(&challenge).unwrap();
    assert_eq!(chal.flags, NegotiateFlags(0xe28a_8215));
    assert_eq!(chal.target_name, common::utf16("FILESERVER"));
    let (auth_msg, client_key, _) = client.authenticate(&challenge);
    let Step::Done { token, auth } = server.step(&auth_msg, NOW, &creds()).unwrap() else {
        panic!("not done")
    };
    assert_eq!(token, None);
    assert_eq!(auth.user, "alice");
    assert_eq!(auth.domain, "WORKGROUP");
    assert_eq!(auth.workstation, "CLIENT");
    assert!(!auth.anonymous);
    assert!(auth.mic_verified);
    assert_eq!(auth.session_key, client_key);
    assert!(server.is_finished());
    assert_eq!(
        server.step(&auth_msg, NOW, &creds()).unwrap_err(),
        AuthError::Finished
    );
}

/// SPNEGO exchange; returns the final token and the client's keys.
fn spnego_exchange(
    client: &Client,
    mechs: Vec<Mech>,
    send_mech_list_mic: bool,
) -> Result<(Vec<u8>, SessionKey, bool), AuthError> {
    let mut server = acceptor();
    let c = creds();
    let optimistic = (mechs.first() == Some(&Mech::Ntlmssp)).then(|| client.negotiate.clone());
    let init = NegTokenInit::new(mechs.clone(), optimistic.clone());
    let first = resp(&cont(server.step(&init.encode(), NOW, &c)?));
    assert_eq!(first.neg_state, Some(NegState::AcceptIncomplete));
    assert_eq!(first.supported_mech, Some(Mech::Ntlmssp));
    let challenge = match first.response_token {
        Some(ch) => ch,
        None => {
            // NTLMSSP was not first: the server asked for our NTLM token.
            assert!(optimistic.is_none());
            let next = NegTokenResp {
                response_token: Some(client.negotiate.clone()),
                ..Default::default()
            };
            let r = resp(&cont(server.step(&next.encode(), NOW, &c)?));
            assert_eq!(r.neg_state, Some(NegState::AcceptIncomplete));
            r.response_token.unwrap()
        }
    };
    let (auth_msg, key, flags) = client.authenticate(&challenge);
    let keys = NtlmKeys::derive(&key, flags).unwrap();
    let mech_types_der = spnego::encode_mech_types(&mechs);
    let mic = keys.client_signature(0, &mech_types_der).unwrap().to_vec();
    let msg = NegTokenResp {
        response_token: Some(auth_msg),
        mech_list_mic: send_mech_list_mic.then(|| mic.clone()),
        ..Default::default()
    };
    let server_mic = keys.server_signature(0, &mech_types_der).unwrap().to_vec();
    let (token, auth, requested) = match server.step(&msg.encode(), NOW, &c)? {
        Step::Done { token, auth } => (token.unwrap(), auth, false),
        Step::Continue(t) => {
            // request-mic: the server signed, now wants ours.
            let r = resp(&t);
            assert_eq!(r.neg_state, Some(NegState::RequestMic));
            assert_eq!(r.mech_list_mic, Some(server_mic.clone()));
            let msg = NegTokenResp {
                mech_list_mic: Some(mic),
                ..Default::default()
            };
            let Step::Done { token, auth } = server.step(&msg.encode(), NOW, &c)? else {
                panic!("not done")
            };
            (token.unwrap(), auth, true)
        }
    };
    assert_eq!(auth.session_key, key);
    assert!(server.is_finished());
    let fin = resp(&token);
    assert_eq!(fin.neg_state, Some(NegState::AcceptCompleted));
    if let Some(m) = &fin.mech_list_mic {
        assert_eq!(m, &server_mic);
    }
    Ok((token, key, requested))
}

#[test]
fn spnego_exchange_with_mech_list_mic() {
    let client = Client::new("correct horse");
    let (token, _, requested) = spnego_exchange(&client, vec![Mech::Ntlmssp], true).unwrap();
    assert!(!requested);
    assert!(resp(&token).mech_list_mic.is_some());
}

#[test]
fn spnego_exchange_server_requests_the_mic() {
    let client = Client::new("correct horse");
    let (token, _, requested) = spnego_exchange(&client, vec![Mech::Ntlmssp], false).unwrap();
    assert!(requested);
    // Our MIC went out with request-mic; the final token has none.
    assert_eq!(resp(&token).mech_list_mic, None);
}

#[test]
fn spnego_exchange_old_client_without_any_mic() {
    let client = Client::new("correct horse").without_mic();
    let (token, _, requested) = spnego_exchange(&client, vec![Mech::Ntlmssp], false).unwrap();
    assert!(!requested);
    assert_eq!(resp(&token).mech_list_mic, None);
}

#[test]
fn spnego_exchange_when_ntlmssp_is_not_first() {
    let client = Client::new("correct horse").without_mic(); // even without NTLM MIC, the downgrade demands a mechListMIC
    let (_, _, requested) = spnego_exchange(
        &client,
        vec![Mech::MsKerberos, Mech::Kerberos, Mech::Ntlmssp],
        false,
    )
    .unwrap();
    assert!(requested);
    let client = Client::new("correct horse");
    let (token, _, requested) =
        spnego_exchange(&client, vec![Mech::Kerberos, Mech::Ntlmssp], true).unwrap();
    assert!(!requested);
    assert!(resp(&token).mech_list_mic.is_some());
}

#[test]
fn spnego_wrong_password_is_logon_failure() {
    let client = Client::new("Tr0ub4dor&3");
    let err = spnego_exchange(&client, vec![Mech::Ntlmssp], true).unwrap_err();
    assert_eq!(err, AuthError::LogonFailure);
    assert_eq!(err.ntstatus(), 0xC000_006D);
}

#[test]
fn tampered_mech_list_mic_is_refused() {
    let client = Client::new("correct horse");
    let mut server = acceptor();
    let c = creds();
    let init = NegTokenInit::new(vec![Mech::Ntlmssp], Some(client.negotiate.clone()));
    let challenge = resp(&cont(server.step(&init.encode(), NOW, &c).unwrap()))
        .response_token
        .unwrap();
    let (auth_msg, key, flags) = client.authenticate(&challenge);
    let keys = NtlmKeys::derive(&key, flags).unwrap();
    let mut mic = keys
        .client_signature(0, &spnego::encode_mech_types(&[Mech::Ntlmssp]))
        .unwrap();
    mic[5] ^= 0x01;
    let msg = NegTokenResp {
        response_token: Some(auth_msg),
        mech_list_mic: Some(mic.to_vec()),
        ..Default::default()
    };
    assert_eq!(
        server.step(&msg.encode(), NOW, &c).unwrap_err(),
        AuthError::LogonFailure
    );
    assert!(server.is_finished());
}

#[test]
fn anonymous_only_when_allowed() {
    let anon = |flags: NegotiateFlags| AuthenticateMessage {
        lm_response: vec![0],
        nt_response: vec![],
        domain_name: vec![],
        user_name: vec![],
        workstation: vec![],
        encrypted_random_session_key: vec![],
        flags,
        version: None,
        mic: None,
    };
    let client = Client::new("");
    // Refused by default.
    let mut server = acceptor();
    let challenge = cont(server.step(&client.negotiate, NOW, &creds()).unwrap());
    let flags = ChallengeMessage::parse(&challenge).unwrap().flags;
    let msg = anon(flags | NegotiateFlags::ANONYMOUS).encode().unwrap();
    let err = server.step(&msg, NOW, &creds()).unwrap_err();
    assert_eq!(err, AuthError::AnonymousRefused);
    assert_eq!(err.ntstatus(), 0xC000_006D);

    // Allowed: SPNEGO-wrapped.
    let mut config = NtlmConfig::standalone("fileserver");
    config.allow_anonymous = true;
    let mut server = Acceptor::new(AcceptorConfig::new(config));
    let init = NegTokenInit::new(vec![Mech::Ntlmssp], Some(client.negotiate.clone()));
    let challenge = resp(&cont(server.step(&init.encode(), NOW, &creds()).unwrap()))
        .response_token
        .unwrap();
    let flags = ChallengeMessage::parse(&challenge).unwrap().flags & !NegotiateFlags::KEY_EXCH;
    let msg = NegTokenResp {
        response_token: Some(anon(flags).encode().unwrap()),
        ..Default::default()
    };
    let Step::Done { token, auth } = server.step(&msg.encode(), NOW, &creds()).unwrap() else {
        panic!("not done")
    };
    assert!(auth.anonymous);
    assert_eq!(auth.user, "");
    assert_eq!(auth.session_key, SessionKey::from_bytes([0; 16]));
    assert_eq!(
        resp(&token.unwrap()).neg_state,
        Some(NegState::AcceptCompleted)
    );
}

#[test]
fn empty_first_token_gets_the_negotiate_token() {
    let mut server = acceptor();
    let t = cont(server.step(&[], NOW, &creds()).unwrap());
    assert_eq!(t, spnego::neg_token_init2());
    assert_eq!(server.negotiate_token(), t);
    // Still at the start: a raw NEGOTIATE works next.
    let client = Client::new("correct horse");
    assert!(cont(server.step(&client.negotiate, NOW, &creds()).unwrap()).starts_with(b"NTLMSSP\0"));
}

#[test]
fn out_of_order_and_unsupported() {
    let client = Client::new("correct horse");
    // AUTHENTICATE first.
    let mut server = acceptor();
    let mut probe = acceptor();
    let challenge = cont(probe.step(&client.negotiate, NOW, &creds()).unwrap());
    let (auth_msg, _, _) = client.authenticate(&challenge);
    assert!(matches!(
        server.step(&auth_msg, NOW, &creds()),
        Err(AuthError::UnexpectedToken(_))
    ));
    assert_eq!(
        server.step(&client.negotiate, NOW, &creds()).unwrap_err(),
        AuthError::Finished
    );

    // NEGOTIATE twice (raw).
    let mut server = acceptor();
    cont(server.step(&client.negotiate, NOW, &creds()).unwrap());
    assert!(server.step(&client.negotiate, NOW, &creds()).is_err());

    // NegTokenResp first.
    let mut server = acceptor();
    let r = NegTokenResp {
        response_token: Some(client.negotiate.clone()),
        ..Default::default()
    };
    assert!(matches!(
        server.step(&r.encode(), NOW, &creds()),
        Err(AuthError::UnexpectedToken(_))
    ));

    // Only Kerberos offered.
    let mut server = acceptor();
    let init = NegTokenInit::new(vec![Mech::Kerberos], Some(vec![1, 2, 3]));
    let err = server.step(&init.encode(), NOW, &creds()).unwrap_err();
    assert_eq!(err, AuthError::MechNotSupported);
    assert_eq!(err.ntstatus(), 0xC000_00BB);

    // Garbage.
    let mut server = acceptor();
    let err = server.step(&[0x60, 0x80, 0x00], NOW, &creds()).unwrap_err();
    assert!(matches!(err, AuthError::Malformed(_)));
    assert_eq!(err.ntstatus(), 0xC000_000D);

    // OEM-only client.
    let mut server = acceptor();
    let oem = NegotiateMessage {
        flags: NegotiateFlags(0x0000_0206),
        domain_name: vec![],
        workstation: vec![],
        version: None,
    };
    assert!(matches!(
        server.step(&oem.encode().unwrap(), NOW, &creds()),
        Err(AuthError::Unsupported(_))
    ));

    // A reject token encodes as RFC 4178 says.
    assert_eq!(
        hex::encode(NegTokenResp::reject().encode()),
        "a1073005a0030a0102"
    );
}

#[test]
fn requested_mic_must_verify() {
    let client = Client::new("correct horse");
    let mut server = acceptor();
    let c = creds();
    let init = NegTokenInit::new(vec![Mech::Ntlmssp], Some(client.negotiate.clone()));
    let challenge = resp(&cont(server.step(&init.encode(), NOW, &c).unwrap()))
        .response_token
        .unwrap();
    let (auth_msg, key, flags) = client.authenticate(&challenge);
    let msg = NegTokenResp {
        response_token: Some(auth_msg),
        ..Default::default()
    };
    let r = resp(&cont(server.step(&msg.encode(), NOW, &c).unwrap()));
    assert_eq!(r.neg_state, Some(NegState::RequestMic));
    // A MIC over another mechTypes list does not verify.
    let keys = NtlmKeys::derive(&key, flags).unwrap();
    let wrong = keys
        .client_signature(
            0,
            &spnego::encode_mech_types(&[Mech::Kerberos, Mech::Ntlmssp]),
        )
        .unwrap();
    let msg = NegTokenResp {
        mech_list_mic: Some(wrong.to_vec()),
        ..Default::default()
    };
    assert_eq!(
        server.step(&msg.encode(), NOW, &c).unwrap_err(),
        AuthError::LogonFailure
    );
    assert!(server.is_finished());
}

#[test]
fn initiator_spnego_helpers_sign_in() {
    let mut client = NtlmInitiator::new("bob", "WORKGROUP", "hunter2");
    let mut server = acceptor();
    let c = creds();
    let first = cont(
        server
            .step(&client.spnego_init().unwrap(), NOW, &c)
            .unwrap(),
    );
    assert!(client.session_key().is_none());
    let second = client.spnego_authenticate(&first).unwrap();
    let Step::Done { token, auth } = server.step(&second, NOW, &c).unwrap() else {
        panic!("not done")
    };
    assert_eq!(auth.user, "bob");
    assert!(auth.mic_verified);
    assert_eq!(Some(&auth.session_key), client.session_key());
    // Random session keys: two sign-ins do not share a key.
    assert_ne!(auth.session_key, SessionKey::from_bytes([0x42; 16]));
    let fin = resp(&token.unwrap());
    assert_eq!(fin.neg_state, Some(NegState::AcceptCompleted));
    assert!(fin.mech_list_mic.is_some());

    // The wrong password is refused by the acceptor, not by the client.
    let mut client = NtlmInitiator::new("bob", "WORKGROUP", "hunter3");
    let mut server = acceptor();
    let first = cont(
        server
            .step(&client.spnego_init().unwrap(), NOW, &c)
            .unwrap(),
    );
    let second = client.spnego_authenticate(&first).unwrap();
    assert_eq!(
        server.step(&second, NOW, &c).unwrap_err(),
        AuthError::LogonFailure
    );
    // A garbage server token is an error, not a panic.
    assert!(
        NtlmInitiator::new("bob", "", "x")
            .spnego_authenticate(&[0x60, 0x80])
            .is_err()
    );
    assert!(
        NtlmInitiator::new("bob", "", "x")
            .authenticate(b"NTLMSSP\0\x02")
            .is_err()
    );
}
