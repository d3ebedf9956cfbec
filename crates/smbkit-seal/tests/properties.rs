//! Property tests: round trips over sizes, single-bit tampering anywhere in a
//! frame, and hostile input to the parser. Case counts are bounded to keep
//! the debug test run short.

// Test helpers outside `#[test]` fns: a failing test should fail loudly.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use smbkit_seal::{
    Cipher, DecryptionKey, EncryptionKey, SealError, TRANSFORM_HEADER_LEN, TransformHeader,
    UnsealError,
};

/// Deterministic filler so large messages need no large proptest values.
fn filled(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn cipher() -> impl Strategy<Value = Cipher> {
    prop::sample::select(Cipher::ALL.to_vec())
}

fn keys(cipher: Cipher, seed: u64) -> (EncryptionKey, DecryptionKey) {
    let key = filled(cipher.key_len(), seed);
    (
        EncryptionKey::new(cipher, &key).unwrap(),
        DecryptionKey::new(cipher, &key).unwrap(),
    )
}

fn check_round_trip(cipher: Cipher, len: usize, seed: u64, session_id: u64) {
    let (enc, dec) = keys(cipher, seed);
    let message = filled(len, seed.rotate_left(17));
    let mut frame = vec![0u8; TRANSFORM_HEADER_LEN];
    frame.extend_from_slice(&message);
    if len == 0 {
        assert_eq!(
            enc.seal_frame(session_id, &mut frame),
            Err(SealError::EmptyMessage)
        );
        return;
    }
    enc.seal_frame(session_id, &mut frame).unwrap();
    let header = TransformHeader::parse(&frame).unwrap();
    assert_eq!(header.original_message_size() as usize, len);
    assert_eq!(header.session_id(), session_id);
    if len >= 16 {
        assert_ne!(frame[TRANSFORM_HEADER_LEN..], message[..]);
    }
    assert_eq!(dec.unseal_frame(&mut frame).unwrap(), &message[..]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn round_trip_up_to_70_000_bytes(
        cipher in cipher(),
        len in prop_oneof![0usize..=64, 0usize..=70_000, Just(70_000usize)],
        seed in any::<u64>(),
        session_id in any::<u64>(),
    ) {
        check_round_trip(cipher, len, seed, session_id);
    }

    #[test]
    fn any_single_bit_flip_is_refused(
        cipher in cipher(),
        len in 1usize..=2_000,
        seed in any::<u64>(),
        bit_seed in any::<usize>(),
    ) {
        let (enc, dec) = keys(cipher, seed);
        let message = filled(len, !seed);
        let mut sealed = vec![0u8; TRANSFORM_HEADER_LEN];
        sealed.extend_from_slice(&message);
        enc.seal_frame(seed, &mut sealed).unwrap();

        let bit = bit_seed % (sealed.len() * 8);
        let byte = bit / 8;
        let mut frame = sealed.clone();
        frame[byte] ^= 1 << (bit % 8);
        let err = dec.unseal_frame(&mut frame).unwrap_err();
        let expected = match byte {
            0..4 => UnsealError::BadProtocolId { found: frame[..4].try_into().unwrap() },
            36..40 => UnsealError::SizeMismatch {
                declared: u32::from_le_bytes(frame[36..40].try_into().unwrap()),
                actual: len,
            },
            42..44 => UnsealError::BadFlags {
                found: u16::from_le_bytes(frame[42..44].try_into().unwrap()),
            },
            _ => UnsealError::AuthenticationFailed,
        };
        prop_assert_eq!(&err, &expected);
        if err == UnsealError::AuthenticationFailed {
            prop_assert!(frame[TRANSFORM_HEADER_LEN..].iter().all(|b| *b == 0));
        }
        // The untampered frame still opens.
        prop_assert_eq!(dec.unseal_frame(&mut sealed).unwrap(), &message[..]);
    }

    #[test]
    fn successive_seals_count_the_nonce_up(cipher in cipher(), n in 1u64..40, seed in any::<u64>()) {
        let (enc, dec) = keys(cipher, seed);
        let mut previous: Option<[u8; 16]> = None;
        for i in 0..n {
            let mut frame = vec![0u8; TRANSFORM_HEADER_LEN + 10];
            enc.seal_frame(1, &mut frame).unwrap();
            let nonce = *TransformHeader::parse(&frame).unwrap().nonce();
            prop_assert_eq!(u64::from_le_bytes(nonce[..8].try_into().unwrap()), i);
            if let Some(previous) = previous {
                prop_assert_ne!(previous, nonce);
                prop_assert_eq!(&previous[8..], &nonce[8..]);
            }
            previous = Some(nonce);
            dec.unseal_frame(&mut frame).unwrap();
        }
    }

    #[test]
    fn hostile_frames_never_panic_and_never_open(
        cipher in cipher(),
        mut frame in prop::collection::vec(any::<u8>(), 0..200),
        make_plausible in any::<bool>(),
    ) {
        if make_plausible && frame.len() >= TRANSFORM_HEADER_LEN {
            // Get past the cheap checks so the tag check is reached.
            frame[..4].copy_from_slice(b"\xfdSMB");
            frame[42..44].copy_from_slice(&1u16.to_le_bytes());
            let size = (frame.len() - TRANSFORM_HEADER_LEN) as u32;
            frame[36..40].copy_from_slice(&size.to_le_bytes());
        }
        let _ = TransformHeader::parse(&frame);
        let (_, dec) = keys(cipher, 1);
        prop_assert!(dec.unseal_frame(&mut frame).is_err());
    }
}

proptest! {
    // Multi-MiB messages: a handful of cases.
    #![proptest_config(ProptestConfig::with_cases(4))]

    #[test]
    fn round_trip_up_to_8_mib(
        cipher in cipher(),
        len in 70_000usize..=8 << 20,
        seed in any::<u64>(),
    ) {
        check_round_trip(cipher, len, seed, 0xFFFF_FFFF_FFFF_FFFF);
    }
}

#[test]
fn round_trip_exactly_8_mib_all_ciphers() {
    for cipher in Cipher::ALL {
        check_round_trip(cipher, 8 << 20, 77, 5);
    }
}
