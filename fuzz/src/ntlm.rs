//! `ntlm`: the MS-NLMP codec (NEGOTIATE, CHALLENGE, AUTHENTICATE, AV pairs)
//! and both ends of the NTLM exchange fed hostile messages.
//!
//! Input: one selector byte, then the message. Selectors 0–3 run a decoder
//! with its round trip; 4 feeds an AUTHENTICATE to an acceptor that has
//! answered a fixed NEGOTIATE with a fixed challenge (deterministic); 5
//! feeds a CHALLENGE to the client side (`NtlmInitiator`).

use smbkit_auth::MemoryCredentials;
use smbkit_auth::client::NtlmInitiator;
use smbkit_auth::ntlm::av_pair::{self, TargetInfo};
use smbkit_auth::ntlm::message::message_type;
use smbkit_auth::ntlm::{
    AuthenticateMessage, ChallengeMessage, NegotiateMessage, NtlmAcceptor, NtlmConfig,
};

/// The FILETIME the harness runs at.
pub const NOW: u64 = 0x01db_1234_5678_9abc;
/// The server challenge of the acceptor mode.
pub const SERVER_CHALLENGE: [u8; 8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
/// The user the acceptor knows.
pub const USER: (&str, &str) = ("alice", "correct horse");

/// The client of the harness: fixed randomness, so its messages are stable.
pub fn initiator() -> NtlmInitiator {
    NtlmInitiator::new(USER.0, "WORKGROUP", USER.1).fixed_randomness([0x42; 16], [0x24; 8])
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&selector, msg)) = data.split_first() else {
        return;
    };
    let _ = message_type(msg);
    match selector % 6 {
        0 => {
            if let Ok(first) = NegotiateMessage::parse(msg) {
                let bytes = first.encode().expect("a parsed NEGOTIATE encodes");
                let second = NegotiateMessage::parse(&bytes).expect("re-encoded NEGOTIATE parses");
                assert_eq!(first, second, "NegotiateMessage: parse∘encode");
            }
        }
        1 => {
            if let Ok(first) = ChallengeMessage::parse(msg) {
                let bytes = first.encode().expect("a parsed CHALLENGE encodes");
                let second = ChallengeMessage::parse(&bytes).expect("re-encoded CHALLENGE parses");
                assert_eq!(first, second, "ChallengeMessage: parse∘encode");
            }
        }
        2 => {
            if let Ok(first) = AuthenticateMessage::parse(msg) {
                let _ = first.is_anonymous();
                let bytes = first.encode().expect("a parsed AUTHENTICATE encodes");
                let second =
                    AuthenticateMessage::parse(&bytes).expect("re-encoded AUTHENTICATE parses");
                assert!(first == second, "AuthenticateMessage: parse∘encode");
            }
        }
        3 => {
            if let Ok(first) = av_pair::parse(msg) {
                let _ = av_pair::msv_av_flags(&first);
                if let Some(bytes) = av_pair::encode(&first) {
                    let second = av_pair::parse(&bytes).expect("re-encoded AV pairs parse");
                    assert_eq!(first, second, "AvPair list: parse∘encode");
                }
            }
            if let Ok(first) = TargetInfo::parse(msg)
                && let Some(bytes) = first.encode()
            {
                let second = TargetInfo::parse(&bytes).expect("re-encoded TargetInfo parses");
                assert_eq!(first, second, "TargetInfo: parse∘encode");
            }
        }
        4 => {
            let mut config = NtlmConfig::standalone("fuzzsrv");
            config.allow_anonymous = selector & 0x80 != 0;
            let mut acceptor = NtlmAcceptor::new(config);
            let negotiate = initiator().negotiate_message().expect("NEGOTIATE");
            acceptor
                .negotiate_with_challenge(&negotiate, NOW, SERVER_CHALLENGE)
                .expect("our own NEGOTIATE is accepted");
            let creds = MemoryCredentials::new().with_password(USER.0, USER.1);
            if let Ok(auth) = acceptor.authenticate(msg, &creds) {
                // Only the right password or an allowed anonymous sign-in.
                assert!(auth.anonymous || auth.user.eq_ignore_ascii_case(USER.0));
                assert!(!auth.anonymous || selector & 0x80 != 0, "anonymous refused");
            }
        }
        _ => {
            let _ = initiator().authenticate(msg);
        }
    }
}
