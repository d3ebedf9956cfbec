//! Property tests: key derivation never panics, and a packet hashed in
//! pieces gives the same chain value as the packet hashed whole.

// Test helpers outside `#[test]` fns may unwrap too: a failing test should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use smbkit_kdf::kbkdf::kbkdf_ctr_hmac_sha256;
use smbkit_kdf::{
    CipherKeyLen, Derivation, KdfError, PreauthHash, PreauthIntegrity, Role, SessionKeys,
    channel_signing_key,
};

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::Client), Just(Role::Server)]
}

fn cipher() -> impl Strategy<Value = Option<CipherKeyLen>> {
    prop_oneof![
        Just(None),
        Just(Some(CipherKeyLen::Aes128)),
        Just(Some(CipherKeyLen::Aes256))
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn derive_never_panics(
        session_key in proptest::collection::vec(any::<u8>(), 0..=64),
        role in role(),
        cipher in cipher(),
        dialect in 0u8..3,
        preauth in proptest::array::uniform32(any::<u8>()),
    ) {
        let mut hash = [0u8; 64];
        hash[..32].copy_from_slice(&preauth);
        hash[32..].copy_from_slice(&preauth);
        let hash = PreauthHash::from_bytes(hash);
        let derivation = match dialect {
            0 => Derivation::Smb2,
            1 => Derivation::Smb30,
            _ => Derivation::Smb311 { preauth_hash: &hash },
        };
        let result = SessionKeys::derive(role, &session_key, derivation, cipher);
        let channel = channel_signing_key(&session_key, derivation);
        if session_key.is_empty() {
            prop_assert_eq!(result.unwrap_err(), KdfError::EmptySessionKey);
            prop_assert_eq!(channel.unwrap_err(), KdfError::EmptySessionKey);
            return Ok(());
        }
        let allowed = !matches!(
            (dialect, cipher),
            (0, Some(_)) | (1, Some(CipherKeyLen::Aes256))
        );
        prop_assert_eq!(result.is_ok(), allowed);
        prop_assert_eq!(channel.is_ok(), dialect != 0);
        if let Ok(keys) = result {
            prop_assert_eq!(keys.signing_key().len(), 16);
            prop_assert_eq!(keys.application_key().is_some(), dialect != 0);
            prop_assert_eq!(keys.encryption_key().map(|k| k.key_len()), cipher);
            prop_assert_eq!(keys.decryption_key().map(|k| k.key_len()), cipher);
            if let Ok(channel) = channel {
                prop_assert_eq!(&channel, keys.signing_key());
            }
        }
    }

    #[test]
    fn vectored_update_equals_update_of_the_joined_packet(
        start in proptest::array::uniform32(any::<u8>()),
        packet in proptest::collection::vec(any::<u8>(), 0..4096),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let mut seed = [0u8; 64];
        seed[..32].copy_from_slice(&start);
        let seed = PreauthHash::from_bytes(seed);

        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(packet.len() + 1)).collect();
        points.sort_unstable();
        let mut parts: Vec<&[u8]> = Vec::new();
        let mut from = 0;
        for p in points {
            parts.push(&packet[from..p]);
            from = p;
        }
        parts.push(&packet[from..]);

        let mut whole = PreauthIntegrity::from_value(seed);
        whole.update(&packet);
        let mut pieces = PreauthIntegrity::from_value(seed);
        pieces.update_vectored(&parts);
        prop_assert_eq!(whole.value(), pieces.value());
        prop_assert_ne!(whole.value(), &seed);
    }

    #[test]
    fn shorter_output_is_a_prefix_of_longer_output(
        ki in proptest::collection::vec(any::<u8>(), 0..80),
        fixed in proptest::collection::vec(any::<u8>(), 0..80),
        short in 0usize..70,
        extra in 0usize..70,
    ) {
        let mut a = vec![0u8; short];
        let mut b = vec![0u8; short + extra];
        kbkdf_ctr_hmac_sha256(&ki, &fixed, &mut a).unwrap();
        kbkdf_ctr_hmac_sha256(&ki, &fixed, &mut b).unwrap();
        prop_assert_eq!(&a[..], &b[..short]);
    }
}
