//! Property tests: sign/verify round trips, tamper detection, vectored
//! signing, and agreement with the bare RustCrypto primitives.
// Helpers outside `#[test]` fns are test code too: a failing test should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aes::Aes128;
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, KeyInit};
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use sha2::Sha256;
use smbkit_sign::{Signer, SigningAlgorithm, VerifyError, gmac_nonce};

fn any_algorithm() -> impl Strategy<Value = SigningAlgorithm> {
    prop::sample::select(SigningAlgorithm::ALL.to_vec())
}

/// A message of `len` bytes (>= 64) with an SMB2 protocol id and pseudo-random
/// content derived from `seed`.
fn message(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut m: Vec<u8> = (0..len)
        .map(|_| {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    m[..4].copy_from_slice(&[0xFE, b'S', b'M', b'B']);
    m
}

/// The signature the bare primitive gives over `msg` with bytes 48..64 zeroed.
fn reference_signature(alg: SigningAlgorithm, key: &[u8; 16], msg: &[u8]) -> [u8; 16] {
    let mut zeroed = msg.to_vec();
    zeroed[48..64].fill(0);
    let full: Vec<u8> = match alg {
        SigningAlgorithm::HmacSha256 => {
            let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).unwrap();
            mac.update(&zeroed);
            mac.finalize().into_bytes().to_vec()
        }
        SigningAlgorithm::AesCmac => {
            let mut mac = <cmac::Cmac<Aes128> as cmac::KeyInit>::new_from_slice(key).unwrap();
            cmac::Mac::update(&mut mac, &zeroed);
            cmac::Mac::finalize(mac).into_bytes().to_vec()
        }
        SigningAlgorithm::AesGmac => {
            let gcm = Aes128Gcm::new_from_slice(key).unwrap();
            let nonce = gmac_nonce(msg).unwrap();
            gcm.encrypt_inout_detached(&nonce.into(), &zeroed, (&mut [][..]).into())
                .unwrap()
                .to_vec()
        }
    };
    full[..16].try_into().unwrap()
}

/// Splits `body` at the given (unsorted, possibly repeated) cut points.
fn split<'a>(body: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    points.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for p in points {
        pieces.push(&body[start..p]);
        start = p;
    }
    pieces.push(&body[start..]);
    pieces
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sign_then_verify_matches_reference(
        alg in any_algorithm(),
        key in any::<[u8; 16]>(),
        len in 64usize..=70_000,
        seed in any::<u64>(),
    ) {
        let signer = Signer::new(alg, &key).unwrap();
        let mut msg = message(len, seed);
        let original = msg.clone();
        signer.sign(&mut msg).unwrap();
        prop_assert_eq!(&msg[48..64], &reference_signature(alg, &key, &original)[..]);
        prop_assert_eq!(&msg[..48], &original[..48]);
        prop_assert_eq!(&msg[64..], &original[64..]);
        prop_assert_eq!(signer.verify(&msg), Ok(()));
        // Signing is idempotent: the old signature does not feed the new one.
        let mut again = msg.clone();
        signer.sign(&mut again).unwrap();
        prop_assert_eq!(again, msg);
    }

    #[test]
    fn any_flipped_bit_is_refused(
        alg in any_algorithm(),
        key in any::<[u8; 16]>(),
        len in 64usize..=4096,
        seed in any::<u64>(),
        bit in any::<prop::sample::Index>(),
    ) {
        let signer = Signer::new(alg, &key).unwrap();
        let mut msg = message(len, seed);
        signer.sign(&mut msg).unwrap();
        let bit = bit.index(len * 8);
        msg[bit / 8] ^= 1 << (bit % 8);
        let result = signer.verify(&msg);
        if bit < 32 {
            prop_assert!(matches!(result, Err(VerifyError::NotSmb2Header { .. })), "{:?}", result);
        } else {
            prop_assert_eq!(result, Err(VerifyError::BadSignature));
        }
        let result = signer.verify_vectored(&msg[..64], &[&msg[64..]]);
        prop_assert!(result.is_err());
    }

    #[test]
    fn sign_vectored_equals_sign(
        alg in any_algorithm(),
        key in any::<[u8; 16]>(),
        len in 64usize..=20_000,
        seed in any::<u64>(),
        header_extra in 0usize..=100,
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let signer = Signer::new(alg, &key).unwrap();
        let msg = message(len, seed);
        let mut whole = msg.clone();
        signer.sign(&mut whole).unwrap();

        let head_len = (64 + header_extra).min(len);
        let (head, body) = msg.split_at(head_len);
        let pieces = split(body, &cuts);
        let mut header = head.to_vec();
        signer.sign_vectored(&mut header, &pieces).unwrap();
        prop_assert_eq!(&header[..], &whole[..head_len]);

        prop_assert_eq!(signer.verify_vectored(&whole[..head_len], &pieces), Ok(()));
        prop_assert_eq!(
            signer.compute_signature(&msg, &[]).unwrap(),
            <[u8; 16]>::try_from(&whole[48..64]).unwrap()
        );
    }

    #[test]
    fn gmac_nonce_follows_header(
        seed in any::<u64>(),
        message_id in any::<u64>(),
        server in any::<bool>(),
        cancel in any::<bool>(),
        other_flags in any::<u32>(),
        command in any::<u16>(),
    ) {
        let mut msg = message(200, seed);
        let flags = (other_flags & !1) | u32::from(server);
        let command = if cancel { 0x000C } else if command == 0x000C { 0x0008 } else { command };
        msg[12..14].copy_from_slice(&command.to_le_bytes());
        msg[16..20].copy_from_slice(&flags.to_le_bytes());
        msg[24..32].copy_from_slice(&message_id.to_le_bytes());

        let nonce = gmac_nonce(&msg).unwrap();
        prop_assert_eq!(&nonce[..8], &message_id.to_le_bytes()[..]);
        let word = u32::from(server) | (u32::from(cancel) << 1);
        prop_assert_eq!(&nonce[8..], &word.to_le_bytes()[..]);

        // The same bytes under each of the four nonce words give four signatures.
        let key = [0x11u8; 16];
        let gmac = smbkit_sign::gmac::Gmac::<Aes128>::new_from_slice(&key).unwrap();
        let mut tags = Vec::new();
        for w in 0u32..4 {
            let mut n = nonce;
            n[8..].copy_from_slice(&w.to_le_bytes());
            tags.push(gmac.compute(&n, &msg).unwrap());
        }
        tags.sort_unstable();
        tags.dedup();
        prop_assert_eq!(tags.len(), 4);
    }
}

proptest! {
    // Multi-MiB messages: a handful of cases only (debug builds are slow).
    #![proptest_config(ProptestConfig::with_cases(3))]

    #[test]
    fn large_messages_round_trip(
        alg in any_algorithm(),
        key in any::<[u8; 16]>(),
        len in (1usize << 20)..=(8 << 20),
        cut in any::<prop::sample::Index>(),
    ) {
        let signer = Signer::new(alg, &key).unwrap();
        let mut msg = vec![0x5Au8; len];
        msg[..4].copy_from_slice(&[0xFE, b'S', b'M', b'B']);
        msg[len / 2] = 0xA5;
        signer.sign(&mut msg).unwrap();
        prop_assert_eq!(signer.verify(&msg), Ok(()));
        let at = 64 + cut.index(len - 63);
        prop_assert_eq!(signer.verify_vectored(&msg[..at], &[&msg[at..]]), Ok(()));
        msg[len - 1] ^= 0x80;
        prop_assert_eq!(signer.verify(&msg), Err(VerifyError::BadSignature));
    }
}
