//! Property tests: no parser panics on arbitrary or mutated bytes; encoders
//! and parsers agree.
// Test helpers outside #[test] fns: a failure here should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use proptest::prelude::*;
use smbkit_auth::ntlm::{
    AuthenticateMessage, ChallengeMessage, NegotiateFlags, NegotiateMessage, Version, av_pair,
    message,
};
use smbkit_auth::spnego::{self, Mech, NegState, NegTokenResp, NegotiationToken};
use smbkit_auth::{Acceptor, AcceptorConfig, MemoryCredentials, NtlmConfig};

fn with_header(ty: u32, rest: Vec<u8>) -> Vec<u8> {
    let mut v = b"NTLMSSP\0".to_vec();
    v.extend(ty.to_le_bytes());
    v.extend(rest);
    v
}

/// The captured SPNEGO and NTLM tokens, to mutate.
fn seeds() -> Vec<Vec<u8>> {
    let c = common::ntlm().ntlmv2_capture.remove(0);
    let mut out = Vec::new();
    for p in [
        &c.session_setup_request_1,
        &c.session_setup_response_1,
        &c.session_setup_request_2,
    ] {
        let sp = common::security_buffer(&common::h(p));
        out.push(common::ntlm_in_spnego(&sp));
        out.push(sp);
    }
    out
}

fn mutate(mut v: Vec<u8>, edits: &[(usize, u8)]) -> Vec<u8> {
    for (at, x) in edits {
        if !v.is_empty() {
            let i = at % v.len();
            v[i] ^= x;
        }
    }
    v
}

fn parse_everything(b: &[u8]) {
    let _ = NegotiateMessage::parse(b);
    let _ = ChallengeMessage::parse(b);
    let _ = AuthenticateMessage::parse(b);
    let _ = message::message_type(b);
    let _ = av_pair::parse(b);
    let _ = av_pair::TargetInfo::parse(b);
    let _ = spnego::parse(b);
}

fn drive(tokens: &[Vec<u8>]) {
    let creds = MemoryCredentials::new().with_password("administrator", "Password01!");
    let mut config = NtlmConfig::standalone("srv");
    config.allow_anonymous = true;
    let mut a = Acceptor::new(AcceptorConfig::new(config));
    for t in tokens {
        let _ = a.step(t, 0, &creds);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsers_never_panic(b in proptest::collection::vec(any::<u8>(), 0..600)) {
        parse_everything(&b);
        for ty in 1..=3 {
            parse_everything(&with_header(ty, b.clone()));
        }
    }

    #[test]
    fn parsers_never_panic_on_mutated_captures(
        seed in 0usize..6,
        edits in proptest::collection::vec((any::<usize>(), 1u8..), 1..8),
        cut in any::<usize>(),
    ) {
        let s = seeds().swap_remove(seed);
        let m = mutate(s, &edits);
        parse_everything(&m);
        let cut = cut % (m.len() + 1);
        parse_everything(&m[..cut]);
    }

    #[test]
    fn acceptor_step_never_panics(
        tokens in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..4),
    ) {
        drive(&tokens);
    }

    #[test]
    fn acceptor_step_never_panics_on_mutated_sessions(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<usize>(), 1u8..), 1..6),
    ) {
        // SPNEGO tokens of the capture, one of them mutated, fed in order.
        let mut toks: Vec<Vec<u8>> = seeds().into_iter().skip(1).step_by(2).collect();
        toks.remove(1); // the server's token is not fed to a server
        let idx = which % toks.len();
        let t = toks[idx].clone();
        toks[idx] = mutate(t, &edits);
        drive(&toks);
        // And raw NTLM.
        let mut raw: Vec<Vec<u8>> = seeds().into_iter().step_by(2).collect();
        raw.remove(1);
        let t = raw[idx].clone();
        raw[idx] = mutate(t, &edits);
        drive(&raw);
    }

    #[test]
    fn authenticate_round_trips(
        lm in proptest::collection::vec(any::<u8>(), 0..40),
        nt in proptest::collection::vec(any::<u8>(), 0..120),
        dom in proptest::collection::vec(any::<u8>(), 0..20),
        user in proptest::collection::vec(any::<u8>(), 0..20),
        ws in proptest::collection::vec(any::<u8>(), 0..20),
        key in proptest::collection::vec(any::<u8>(), 0..17),
        flags in any::<u32>(),
        mic in proptest::option::of(any::<[u8; 16]>()),
    ) {
        let has_payload = [&lm, &nt, &dom, &user, &ws, &key].iter().any(|v| !v.is_empty());
        let msg = AuthenticateMessage {
            lm_response: lm, nt_response: nt, domain_name: dom, user_name: user, workstation: ws,
            encrypted_random_session_key: key, flags: NegotiateFlags(flags),
            version: Some(Version { major: 10, minor: 0, build: 19041, revision: 15 }), mic,
        };
        let bytes = msg.encode().unwrap();
        let back = AuthenticateMessage::parse(&bytes).unwrap();
        if has_payload {
            prop_assert_eq!(back, msg);
        } else {
            // Without payload the header length is all there is to go by.
            prop_assert_eq!(back.flags, msg.flags);
        }
    }

    #[test]
    fn neg_token_resp_round_trips(
        state in proptest::option::of(0u8..4),
        mech in proptest::option::of(prop_oneof![Just(Mech::Ntlmssp), Just(Mech::Kerberos),
            proptest::collection::vec(any::<u8>(), 1..20).prop_map(|o| Mech::from_oid(&o))]),
        token in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..400)),
        mic in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20)),
    ) {
        let neg_state = state.map(|s| match s {
            0 => NegState::AcceptCompleted, 1 => NegState::AcceptIncomplete, 2 => NegState::Reject,
            _ => NegState::RequestMic,
        });
        let r = NegTokenResp { neg_state, supported_mech: mech, response_token: token, mech_list_mic: mic };
        let bytes = r.encode();
        prop_assert_eq!(spnego::parse(&bytes).unwrap(), NegotiationToken::Resp(r));
    }

    #[test]
    fn av_pairs_round_trip(pairs in proptest::collection::vec((1u16.., proptest::collection::vec(any::<u8>(), 0..40)), 0..10)) {
        let list: Vec<av_pair::AvPair<'_>> = pairs.iter().map(|(id, v)| av_pair::AvPair { id: *id, value: v }).collect();
        let bytes = av_pair::encode(&list).unwrap();
        prop_assert_eq!(av_pair::parse(&bytes).unwrap(), list);
    }
}
