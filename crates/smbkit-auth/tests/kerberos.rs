//! The Kerberos acceptor end to end, with a KDC played by the test: tickets
//! and authenticators built with the crate's encoders, driven through the
//! SPNEGO [`Acceptor`] as an SMB session would.
// Test helpers outside #[test] fns: a failure here should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use smbkit_auth::krb5::asn1::{
    ApReq, Authenticator, Checksum, EncApRepPart, EncTicketPart, EncryptedData, PrincipalName,
    Ticket, decode_ap_rep, format_time,
};
use smbkit_auth::krb5::crypto::usage;
use smbkit_auth::krb5::{
    Enctype, KerberosAcceptor, KerberosConfig, Key, Keytab, KeytabEntry, KrbError, gss,
};
use smbkit_auth::spnego::{self, Mech, NegState, NegTokenInit, NegotiationToken};
use smbkit_auth::{
    Acceptor, AcceptorConfig, AuthError, AuthMechanism, MemoryCredentials, NtlmConfig, Step,
};

const REALM: &str = "SMBKIT.TEST";
const NOW: i64 = 1_795_331_700; // 2026-11-22 07:15:00 UTC
const AES256: Enctype = Enctype::Aes256CtsHmacSha196;

fn filetime(unix: i64) -> u64 {
    (u64::try_from(unix).unwrap() + 11_644_473_600) * 10_000_000
}

fn service_key() -> Key {
    // Random-looking fixed bytes (string-to-key is covered by the RFC vectors).
    Key::new(
        AES256,
        &(0u8..32)
            .map(|i| i.wrapping_mul(37) ^ 0x5C)
            .collect::<Vec<_>>(),
    )
    .unwrap()
}

fn keytab() -> Keytab {
    Keytab::from_entries(vec![KeytabEntry {
        realm: REALM.into(),
        components: vec!["cifs".into(), "srv.smbkit.test".into()],
        kvno: 2,
        key: service_key(),
    }])
}

fn acceptor_config() -> AcceptorConfig {
    let krb = KerberosAcceptor::new(KerberosConfig::new(keytab(), vec![REALM.into()]));
    AcceptorConfig::new(NtlmConfig::standalone("srv")).with_kerberos(Arc::new(krb))
}

fn creds() -> MemoryCredentials {
    let mut c = MemoryCredentials::new();
    c.add_kerberos_only("alice");
    c.add_password("bob", "Bob-Pass-1");
    c
}

/// What the test KDC and initiator put in a ticket and authenticator.
#[derive(Clone)]
struct Req {
    service_key: Key,
    sname: Vec<&'static str>,
    ticket_realm: &'static str,
    client: &'static str,
    crealm: &'static str,
    auth_client: &'static str,
    start: i64,
    end: i64,
    ctime: i64,
    mutual: bool,
    session_key: Key,
    auth_subkey: Option<Key>,
}

impl Default for Req {
    fn default() -> Self {
        Self {
            service_key: service_key(),
            sname: vec!["cifs", "srv.smbkit.test"],
            ticket_realm: REALM,
            client: "alice",
            crealm: REALM,
            auth_client: "alice",
            start: NOW - 60,
            end: NOW + 3600,
            ctime: NOW,
            mutual: true,
            session_key: Key::new(Enctype::Aes128CtsHmacSha196, &[0x42; 16]).unwrap(),
            auth_subkey: Some(Key::new(Enctype::Aes128CtsHmacSha196, &[7; 16]).unwrap()),
        }
    }
}

impl Req {
    /// The GSS-framed AP-REQ.
    fn token(&self) -> Vec<u8> {
        let part = EncTicketPart {
            flags: 0x4081_0000,
            key: self.session_key.clone(),
            crealm: self.crealm.into(),
            cname: PrincipalName::new(1, &[self.client]),
            authtime: self.start,
            starttime: Some(self.start),
            endtime: self.end,
        };
        let ticket = Ticket {
            realm: self.ticket_realm.into(),
            sname: PrincipalName::new(2, &self.sname),
            enc_part: EncryptedData {
                etype: self.service_key.etype().number(),
                kvno: Some(2),
                cipher: self
                    .service_key
                    .encrypt(usage::TICKET, &part.encode())
                    .unwrap(),
            },
        };
        let mut cksum = vec![16, 0, 0, 0];
        cksum.extend_from_slice(&[0; 16]);
        let flags: u32 = if self.mutual { 2 | 0x20 } else { 0x20 };
        cksum.extend_from_slice(&flags.to_le_bytes());
        let auth = Authenticator {
            crealm: self.crealm.into(),
            cname: PrincipalName::new(1, &[self.auth_client]),
            cksum: Some(Checksum {
                cksumtype: 0x8003,
                checksum: cksum,
            }),
            cusec: 123_456,
            ctime: self.ctime,
            ctime_raw: format_time(self.ctime),
            subkey: self.auth_subkey.clone(),
            seq_number: Some(99),
        };
        let req = ApReq {
            ap_options: if self.mutual { 0x2000_0000 } else { 0 },
            ticket,
            authenticator: EncryptedData {
                etype: self.session_key.etype().number(),
                kvno: None,
                cipher: self
                    .session_key
                    .encrypt(usage::AP_REQ_AUTHENTICATOR, &auth.encode())
                    .unwrap(),
            },
        };
        gss::wrap(gss::TOK_AP_REQ, &req.encode())
    }
}

fn spnego_init(mechs: Vec<Mech>, token: Vec<u8>) -> Vec<u8> {
    NegTokenInit::new(mechs, Some(token)).encode()
}

fn krb_mechs() -> Vec<Mech> {
    vec![Mech::MsKerberos, Mech::Kerberos]
}

/// The subkey in a GSS-framed AP-REP, checked like an initiator would.
fn subkey_from_ap_rep(req: &Req, gss_token: &[u8]) -> Key {
    let (tok_id, rep) = gss::unwrap(gss_token).unwrap();
    assert_eq!(tok_id, gss::TOK_AP_REP);
    let enc = decode_ap_rep(rep).unwrap();
    let plain = req
        .session_key
        .decrypt(usage::AP_REP_ENC_PART, &enc.cipher)
        .unwrap();
    let part = EncApRepPart::decode(&plain).unwrap();
    assert_eq!(part.ctime_raw, format_time(req.ctime));
    assert_eq!(part.cusec, 123_456);
    assert!(part.seq_number.is_some());
    part.subkey.unwrap()
}

fn step(acceptor: &mut Acceptor, token: &[u8]) -> Result<Step, AuthError> {
    acceptor.step(token, filetime(NOW), &creds())
}

#[test]
fn negotiate_token_offers_kerberos_only_when_configured() {
    let with = Acceptor::new(acceptor_config()).negotiate_token();
    let NegotiationToken::Init(init) = spnego::parse(&with).unwrap() else {
        panic!()
    };
    assert_eq!(
        init.mech_types,
        [Mech::MsKerberos, Mech::Kerberos, Mech::Ntlmssp]
    );
    let without = Acceptor::new(AcceptorConfig::new(NtlmConfig::default())).negotiate_token();
    let NegotiationToken::Init(init) = spnego::parse(&without).unwrap() else {
        panic!()
    };
    assert_eq!(init.mech_types, [Mech::Ntlmssp]);
}

#[test]
fn spnego_kerberos_with_mutual_authentication() {
    let req = Req::default();
    let mut acc = Acceptor::new(acceptor_config());
    let Step::Done { token, auth } =
        step(&mut acc, &spnego_init(krb_mechs(), req.token())).unwrap()
    else {
        panic!("expected Done")
    };
    assert_eq!((auth.user.as_str(), auth.domain.as_str()), ("alice", REALM));
    assert_eq!(auth.mechanism, AuthMechanism::Kerberos);
    let NegotiationToken::Resp(resp) = spnego::parse(&token.unwrap()).unwrap() else {
        panic!()
    };
    assert_eq!(resp.neg_state, Some(NegState::AcceptCompleted));
    assert_eq!(resp.supported_mech, Some(Mech::MsKerberos));
    let subkey = subkey_from_ap_rep(&req, &resp.response_token.unwrap());
    // The SMB session key is the acceptor subkey, at full length, of the
    // authenticator subkey's enctype.
    assert_eq!(subkey.etype(), Enctype::Aes128CtsHmacSha196);
    assert_eq!(auth.session_key.as_bytes(), subkey.as_bytes());
    assert!(acc.is_finished());
}

#[test]
fn aes256_subkey_is_the_32_byte_session_key() {
    let req = Req {
        session_key: Key::new(AES256, &[0x33; 32]).unwrap(),
        auth_subkey: None,
        ..Req::default()
    };
    // No initiator subkey: ours has the ticket session key's enctype.
    let mut acc = Acceptor::new(acceptor_config());
    let Step::Done { token, auth } = step(&mut acc, &req.token()).unwrap() else {
        panic!()
    };
    let subkey = subkey_from_ap_rep(&req, &token.unwrap());
    assert_eq!(auth.session_key.as_bytes(), subkey.as_bytes());
    assert_eq!(subkey.etype(), AES256);
    assert_eq!(auth.session_key.as_bytes().len(), 32);
}

#[test]
fn raw_gss_token_is_answered_raw() {
    let req = Req::default();
    let mut acc = Acceptor::new(acceptor_config());
    let Step::Done { token, auth } = step(&mut acc, &req.token()).unwrap() else {
        panic!()
    };
    assert_eq!(auth.user, "alice");
    let subkey = subkey_from_ap_rep(&req, &token.unwrap());
    assert_eq!(auth.session_key.as_bytes(), subkey.as_bytes());
}

#[test]
fn without_mutual_authentication_there_is_no_ap_rep() {
    let req = Req {
        mutual: false,
        ..Req::default()
    };
    let mut acc = Acceptor::new(acceptor_config());
    let Step::Done { token, auth } = step(&mut acc, &req.token()).unwrap() else {
        panic!()
    };
    assert!(token.is_none());
    // The initiator's subkey is the context key then.
    assert_eq!(auth.session_key.as_bytes(), &[7; 16]);
}

#[test]
fn kerberos_first_without_a_token_asks_for_it() {
    let req = Req::default();
    let mut acc = Acceptor::new(acceptor_config());
    let init = NegTokenInit::new(vec![Mech::Kerberos, Mech::Ntlmssp], None).encode();
    let Step::Continue(out) = step(&mut acc, &init).unwrap() else {
        panic!()
    };
    let NegotiationToken::Resp(resp) = spnego::parse(&out).unwrap() else {
        panic!()
    };
    assert_eq!(resp.supported_mech, Some(Mech::Kerberos));
    assert_eq!(resp.neg_state, Some(NegState::AcceptIncomplete));
    let next = spnego::NegTokenResp {
        response_token: Some(req.token()),
        ..spnego::NegTokenResp::default()
    }
    .encode();
    let Step::Done { auth, .. } = step(&mut acc, &next).unwrap() else {
        panic!()
    };
    assert_eq!(auth.user, "alice");
}

fn refused(req: &Req) -> KrbError {
    let mut acc = Acceptor::new(acceptor_config());
    let err = step(&mut acc, &spnego_init(krb_mechs(), req.token())).unwrap_err();
    assert_eq!(err.ntstatus(), 0xC000_006D, "{err}");
    let AuthError::Kerberos(k) = err else {
        panic!("not a Kerberos refusal: {err:?}")
    };
    k
}

#[test]
fn refusals_are_logon_failures() {
    let wrong_key = Key::new(AES256, &[0x11; 32]).unwrap();
    let cases: Vec<(Req, KrbError)> = vec![
        (
            Req {
                sname: vec!["cifs", "other.smbkit.test"],
                ..Req::default()
            },
            KrbError::UnknownService,
        ),
        (
            Req {
                service_key: wrong_key,
                ..Req::default()
            },
            KrbError::Integrity,
        ),
        (
            Req {
                start: NOW - 7200,
                end: NOW - 3600,
                ..Req::default()
            },
            KrbError::TicketExpired,
        ),
        (
            Req {
                start: NOW + 3600,
                ..Req::default()
            },
            KrbError::TicketNotYetValid,
        ),
        (
            Req {
                ctime: NOW - 301,
                ..Req::default()
            },
            KrbError::ClockSkew,
        ),
        (
            Req {
                auth_client: "mallory",
                ..Req::default()
            },
            KrbError::ClientMismatch,
        ),
        (
            Req {
                crealm: "OTHER.REALM",
                ..Req::default()
            },
            KrbError::RealmNotAccepted,
        ),
        (
            Req {
                client: "carol",
                auth_client: "carol",
                ..Req::default()
            },
            KrbError::UnknownUser,
        ),
    ];
    for (req, want) in cases {
        assert_eq!(refused(&req), want);
    }
}

#[test]
fn a_replayed_ap_req_is_refused() {
    let config = acceptor_config();
    let token = spnego_init(krb_mechs(), Req::default().token());
    let mut first = Acceptor::new(config.clone());
    assert!(matches!(
        step(&mut first, &token).unwrap(),
        Step::Done { .. }
    ));
    let mut again = Acceptor::new(config);
    assert_eq!(
        step(&mut again, &token).unwrap_err(),
        AuthError::Kerberos(KrbError::Replay)
    );
}

#[test]
fn a_refused_ticket_falls_back_to_ntlm_when_offered() {
    let req = Req {
        crealm: "OTHER.REALM",
        ..Req::default()
    };
    let mut acc = Acceptor::new(acceptor_config());
    let init = spnego_init(
        vec![Mech::MsKerberos, Mech::Kerberos, Mech::Ntlmssp],
        req.token(),
    );
    let Step::Continue(out) = step(&mut acc, &init).unwrap() else {
        panic!()
    };
    let NegotiationToken::Resp(resp) = spnego::parse(&out).unwrap() else {
        panic!()
    };
    assert_eq!(resp.supported_mech, Some(Mech::Ntlmssp));
    assert_eq!(resp.response_token, None);
    // The NTLM exchange follows; bob signs in with his password.
    let client = smbkit_auth::client::NtlmInitiator::new("bob", "", "Bob-Pass-1");
    let neg = spnego::NegTokenResp {
        response_token: Some(client.negotiate_message().unwrap()),
        ..spnego::NegTokenResp::default()
    }
    .encode();
    let Step::Continue(_challenge) = step(&mut acc, &neg).unwrap() else {
        panic!()
    };
}

#[test]
fn kerberos_is_refused_when_not_configured() {
    let mut acc = Acceptor::new(AcceptorConfig::new(NtlmConfig::default()));
    let err = step(&mut acc, &Req::default().token()).unwrap_err();
    assert_eq!(err, AuthError::MechNotSupported);
    let mut acc = Acceptor::new(AcceptorConfig::new(NtlmConfig::default()));
    let err = step(&mut acc, &spnego_init(krb_mechs(), Req::default().token())).unwrap_err();
    assert_eq!(err, AuthError::MechNotSupported);
}

#[test]
fn garbage_kerberos_tokens_do_not_panic() {
    let good = Req::default().token();
    for cut in 0..good.len() {
        let mut acc = Acceptor::new(acceptor_config());
        let _ = step(&mut acc, &good[..cut]);
        let mut flipped = good.clone();
        flipped[cut] ^= 0x41;
        let mut acc = Acceptor::new(acceptor_config());
        let _ = step(&mut acc, &flipped);
    }
}

#[test]
fn kerberos_only_users_cannot_sign_in_with_ntlm() {
    let ntlm_as = |user: &str, password: &str| {
        let mut acc = Acceptor::new(acceptor_config());
        let mut client = smbkit_auth::client::NtlmInitiator::new(user, "", password);
        let Step::Continue(challenge) =
            step(&mut acc, &client.negotiate_message().unwrap()).unwrap()
        else {
            panic!()
        };
        let auth = client.authenticate(&challenge).unwrap();
        step(&mut acc, &auth.message)
    };
    // alice has no NT hash at all: whatever password she tries.
    for password in ["", "Alice-Krb-Pass-1", "anything"] {
        assert_eq!(
            ntlm_as("alice", password).unwrap_err(),
            AuthError::LogonFailure
        );
    }
    // bob, with a password, still signs in with NTLM on the same acceptor.
    let Step::Done { auth, .. } = ntlm_as("bob", "Bob-Pass-1").unwrap() else {
        panic!()
    };
    assert_eq!(auth.mechanism, AuthMechanism::Ntlm);
}
