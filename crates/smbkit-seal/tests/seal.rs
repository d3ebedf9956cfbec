//! Sealing through the public API: round trips, the nonce scheme, key-length
//! refusal, AES-256, input checks, and agreement with the bare RustCrypto
//! AEADs (so the SMB framing, not only our own inverse, is checked).

// Test helpers outside `#[test]` fns: a failing test should fail loudly.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::Arc;

use aead::array::Array;
use aead::consts::{U11, U16};
use aead::{AeadInOut, KeyInit};
use smbkit_seal::{
    Cipher, DecryptionKey, EncryptionKey, KeyError, SealError, TRANSFORM_HEADER_LEN,
    TransformHeader, UnsealError,
};

const SMB2_ECHO: [u8; 68] = {
    // An SMB2 ECHO request header + body (64 + 4 bytes), SessionId 0x1122.
    let mut m = [0u8; 68];
    m[0] = 0xFE;
    m[1] = b'S';
    m[2] = b'M';
    m[3] = b'B';
    m[4] = 64;
    m[12] = 0x0D; // Command = ECHO
    m[40] = 0x22;
    m[41] = 0x11;
    m[64] = 4;
    m
};

fn key_bytes(cipher: Cipher, seed: u8) -> Vec<u8> {
    (0..cipher.key_len())
        .map(|i| seed.wrapping_add(i as u8))
        .collect()
}

fn pair(cipher: Cipher, seed: u8) -> (EncryptionKey, DecryptionKey) {
    let k = key_bytes(cipher, seed);
    (
        EncryptionKey::new(cipher, &k).unwrap(),
        DecryptionKey::new(cipher, &k).unwrap(),
    )
}

fn frame_for(message: &[u8]) -> Vec<u8> {
    let mut frame = vec![0u8; TRANSFORM_HEADER_LEN];
    frame.extend_from_slice(message);
    frame
}

#[test]
fn cipher_ids_lengths_and_names() {
    let table = [
        (Cipher::Aes128Ccm, 1, 16, 11, "AES-128-CCM"),
        (Cipher::Aes128Gcm, 2, 16, 12, "AES-128-GCM"),
        (Cipher::Aes256Ccm, 3, 32, 11, "AES-256-CCM"),
        (Cipher::Aes256Gcm, 4, 32, 12, "AES-256-GCM"),
    ];
    for (cipher, id, key_len, nonce_len, name) in table {
        assert_eq!(cipher.id(), id);
        assert_eq!(Cipher::from_id(id), Some(cipher));
        assert_eq!(cipher.key_len(), key_len);
        assert_eq!(cipher.nonce_len(), nonce_len);
        assert_eq!(cipher.name(), name);
        assert_eq!(cipher.to_string(), name);
    }
    assert_eq!(Cipher::from_id(0), None);
    assert_eq!(Cipher::from_id(5), None);
    assert_eq!(Cipher::from_id(0xFFFF), None);
}

#[test]
fn round_trip_all_ciphers_frame_and_split() {
    for cipher in Cipher::ALL {
        let (enc, dec) = pair(cipher, 1);
        assert_eq!(enc.cipher(), cipher);
        assert_eq!(dec.cipher(), cipher);

        let mut frame = frame_for(&SMB2_ECHO);
        enc.seal_frame(0x1122, &mut frame).unwrap();
        assert_ne!(&frame[TRANSFORM_HEADER_LEN..], &SMB2_ECHO[..]);
        let header = TransformHeader::parse(&frame).unwrap();
        assert_eq!(header.protocol_id(), *b"\xfdSMB");
        assert_eq!(header.original_message_size(), 68);
        assert_eq!(header.reserved(), 0);
        assert_eq!(header.flags(), 1);
        assert_eq!(header.session_id(), 0x1122);
        assert_eq!(dec.unseal_frame(&mut frame).unwrap(), &SMB2_ECHO[..]);

        let mut header = [0x55u8; TRANSFORM_HEADER_LEN];
        let mut message = SMB2_ECHO;
        enc.seal_in_place(7, &mut header, &mut message).unwrap();
        assert_eq!(TransformHeader::parse(&header).unwrap().session_id(), 7);
        dec.unseal_in_place(&header, &mut message).unwrap();
        assert_eq!(message, SMB2_ECHO);

        let mut message = SMB2_ECHO;
        enc.seal_in_place(7, &mut header, &mut message).unwrap();
        let parsed = TransformHeader::parse(&header).unwrap();
        dec.unseal_parsed(&parsed, &mut message).unwrap();
        assert_eq!(message, SMB2_ECHO);
    }
}

#[test]
fn sealed_frames_decrypt_with_the_bare_rustcrypto_aeads() {
    fn open<A: AeadInOut<TagSize = U16>>(aead: A, nonce: &[u8], frame: &mut [u8]) {
        let (header, message) = frame.split_at_mut(TRANSFORM_HEADER_LEN);
        let nonce = aead::Nonce::<A>::try_from(nonce).unwrap();
        let tag = Array::try_from(&header[4..20]).unwrap();
        aead.decrypt_inout_detached(&nonce, &header[20..52], message.into(), &tag)
            .unwrap();
    }
    type Aes128Ccm = ccm::Ccm<aes::Aes128, U16, U11>;
    type Aes256Ccm = ccm::Ccm<aes::Aes256, U16, U11>;
    for cipher in Cipher::ALL {
        let k = key_bytes(cipher, 9);
        let enc = EncryptionKey::new(cipher, &k).unwrap();
        let mut frame = frame_for(&SMB2_ECHO);
        enc.seal_frame(0x1122, &mut frame).unwrap();
        let nonce = TransformHeader::parse(&frame)
            .unwrap()
            .aead_nonce(cipher)
            .to_vec();
        match cipher {
            Cipher::Aes128Ccm => open(Aes128Ccm::new_from_slice(&k).unwrap(), &nonce, &mut frame),
            Cipher::Aes128Gcm => open(
                aes_gcm::Aes128Gcm::new_from_slice(&k).unwrap(),
                &nonce,
                &mut frame,
            ),
            Cipher::Aes256Ccm => open(Aes256Ccm::new_from_slice(&k).unwrap(), &nonce, &mut frame),
            Cipher::Aes256Gcm => open(
                aes_gcm::Aes256Gcm::new_from_slice(&k).unwrap(),
                &nonce,
                &mut frame,
            ),
        }
        assert_eq!(&frame[TRANSFORM_HEADER_LEN..], &SMB2_ECHO[..], "{cipher}");
    }
}

#[test]
fn key_length_must_match_the_cipher() {
    for cipher in Cipher::ALL {
        for len in [0, 15, 16, 17, 24, 31, 32, 33, 64] {
            let key = vec![1u8; len];
            let enc = EncryptionKey::new(cipher, &key);
            let dec = DecryptionKey::new(cipher, &key);
            if len == cipher.key_len() {
                assert!(enc.is_ok() && dec.is_ok());
            } else {
                let expected = KeyError::WrongKeyLength {
                    cipher,
                    expected: cipher.key_len(),
                    actual: len,
                };
                assert_eq!(enc.unwrap_err(), expected);
                assert_eq!(dec.unwrap_err(), expected);
            }
        }
    }
    // The specific mistake: a 16-byte (AES-128-sized) key for AES-256.
    let err = EncryptionKey::new(Cipher::Aes256Gcm, &[0u8; 16]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "AES-256-GCM needs a 32-byte key, got 16 bytes"
    );
}

#[test]
fn aes256_keys_do_not_decrypt_aes128_frames_and_vice_versa() {
    // AES-256 with a 32-byte key vs AES-128 with its first 16 bytes: neither
    // opens the other's frame (a truncated key would).
    for (c128, c256) in [
        (Cipher::Aes128Ccm, Cipher::Aes256Ccm),
        (Cipher::Aes128Gcm, Cipher::Aes256Gcm),
    ] {
        let k = key_bytes(c256, 3);
        let enc256 = EncryptionKey::new(c256, &k).unwrap();
        let dec128 = DecryptionKey::new(c128, &k[..16]).unwrap();
        let mut frame = frame_for(&SMB2_ECHO);
        enc256.seal_frame(1, &mut frame).unwrap();
        assert_eq!(
            dec128.unseal_frame(&mut frame),
            Err(UnsealError::AuthenticationFailed)
        );

        let enc128 = EncryptionKey::new(c128, &k[..16]).unwrap();
        let dec256 = DecryptionKey::new(c256, &k).unwrap();
        let mut frame = frame_for(&SMB2_ECHO);
        enc128.seal_frame(1, &mut frame).unwrap();
        assert_eq!(
            dec256.unseal_frame(&mut frame),
            Err(UnsealError::AuthenticationFailed)
        );
    }
}

#[test]
fn nonces_count_up_with_a_fixed_salt_and_zero_tail() {
    for cipher in Cipher::ALL {
        let (enc, dec) = pair(cipher, 5);
        let mut first_salt = None;
        for expected_counter in 0u64..20 {
            let mut frame = frame_for(&SMB2_ECHO);
            enc.seal_frame(1, &mut frame).unwrap();
            let nonce = *TransformHeader::parse(&frame).unwrap().nonce();
            let counter = u64::from_le_bytes(nonce[..8].try_into().unwrap());
            assert_eq!(counter, expected_counter, "{cipher}");
            let salt = nonce[8..cipher.nonce_len()].to_vec();
            assert_eq!(salt.len(), cipher.nonce_len() - 8);
            assert_eq!(*first_salt.get_or_insert(salt.clone()), salt, "{cipher}");
            assert!(
                nonce[cipher.nonce_len()..].iter().all(|b| *b == 0),
                "{cipher}"
            );
            dec.unseal_frame(&mut frame).unwrap();
        }
    }
}

#[test]
fn same_message_twice_gives_different_frames() {
    for cipher in Cipher::ALL {
        let (enc, _) = pair(cipher, 6);
        let mut a = frame_for(&SMB2_ECHO);
        let mut b = frame_for(&SMB2_ECHO);
        enc.seal_frame(1, &mut a).unwrap();
        enc.seal_frame(1, &mut b).unwrap();
        assert_ne!(a[20..36], b[20..36]);
        assert_ne!(a[4..20], b[4..20]);
        assert_ne!(a[TRANSFORM_HEADER_LEN..], b[TRANSFORM_HEADER_LEN..]);
    }
}

#[test]
fn a_shared_key_never_repeats_a_nonce_across_threads() {
    let (enc, dec) = pair(Cipher::Aes128Gcm, 8);
    let enc = Arc::new(enc);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let enc = Arc::clone(&enc);
            std::thread::spawn(move || {
                (0..500)
                    .map(|_| {
                        let mut frame = frame_for(&SMB2_ECHO);
                        enc.seal_frame(t, &mut frame).unwrap();
                        frame
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut counters = HashSet::new();
    for handle in threads {
        for mut frame in handle.join().unwrap() {
            let nonce = *TransformHeader::parse(&frame).unwrap().nonce();
            assert!(counters.insert(u64::from_le_bytes(nonce[..8].try_into().unwrap())));
            assert_eq!(dec.unseal_frame(&mut frame).unwrap(), &SMB2_ECHO[..]);
        }
    }
    assert_eq!(counters, (0..2000).collect::<HashSet<u64>>());
}

#[test]
fn seal_input_checks() {
    let (enc, _) = pair(Cipher::Aes128Gcm, 2);
    let mut message = SMB2_ECHO;
    for len in [0, 51, 53, 100] {
        let mut header = vec![0u8; len];
        assert_eq!(
            enc.seal_in_place(1, &mut header, &mut message),
            Err(SealError::HeaderLength { actual: len })
        );
    }
    assert_eq!(
        message, SMB2_ECHO,
        "a refused seal leaves the message alone"
    );
    let mut header = [0u8; TRANSFORM_HEADER_LEN];
    assert_eq!(
        enc.seal_in_place(1, &mut header, &mut []),
        Err(SealError::EmptyMessage)
    );
    assert_eq!(header, [0u8; TRANSFORM_HEADER_LEN]);
    let mut short = [0u8; 51];
    assert_eq!(
        enc.seal_frame(1, &mut short),
        Err(SealError::FrameTooShort { actual: 51 })
    );
    let mut bare = [0u8; TRANSFORM_HEADER_LEN];
    assert_eq!(enc.seal_frame(1, &mut bare), Err(SealError::EmptyMessage));
}

#[test]
fn unseal_checks_name_what_failed() {
    let (enc, dec) = pair(Cipher::Aes128Ccm, 4);
    let mut sealed = frame_for(&SMB2_ECHO);
    enc.seal_frame(0x1122, &mut sealed).unwrap();

    // Truncated header.
    for len in [0, 1, 4, 51] {
        let mut frame = sealed[..len].to_vec();
        assert_eq!(
            dec.unseal_frame(&mut frame),
            Err(UnsealError::TruncatedHeader { actual: len })
        );
        assert_eq!(
            TransformHeader::parse(&sealed[..len]),
            Err(UnsealError::TruncatedHeader { actual: len })
        );
    }
    // Header slice of the wrong length for unseal_in_place.
    let mut message = sealed[TRANSFORM_HEADER_LEN..].to_vec();
    assert_eq!(
        dec.unseal_in_place(&sealed[..53], &mut message),
        Err(UnsealError::HeaderTooLong { actual: 53 })
    );
    // Plain SMB2 (0xFE) instead of a transform header.
    let mut frame = sealed.clone();
    frame[0] = 0xFE;
    assert_eq!(
        dec.unseal_frame(&mut frame),
        Err(UnsealError::BadProtocolId {
            found: [0xFE, b'S', b'M', b'B']
        })
    );
    // Flags.
    let mut frame = sealed.clone();
    frame[42..44].copy_from_slice(&2u16.to_le_bytes());
    assert_eq!(
        dec.unseal_frame(&mut frame),
        Err(UnsealError::BadFlags { found: 2 })
    );
    // Size mismatch: both numbers are reported.
    let mut frame = sealed.clone();
    frame.pop();
    let err = dec.unseal_frame(&mut frame).unwrap_err();
    assert_eq!(
        err,
        UnsealError::SizeMismatch {
            declared: 68,
            actual: 67
        }
    );
    assert_eq!(
        err.to_string(),
        "OriginalMessageSize says 68 bytes but 67 bytes follow the header"
    );
    let mut frame = sealed.clone();
    frame.extend_from_slice(&[0; 3]);
    assert_eq!(
        dec.unseal_frame(&mut frame),
        Err(UnsealError::SizeMismatch {
            declared: 68,
            actual: 71
        })
    );
    // Empty message.
    let mut frame = sealed[..TRANSFORM_HEADER_LEN].to_vec();
    frame[36..40].fill(0);
    assert_eq!(dec.unseal_frame(&mut frame), Err(UnsealError::EmptyMessage));
    // Tag mismatch.
    let mut frame = sealed.clone();
    frame[4] ^= 1;
    assert_eq!(
        dec.unseal_frame(&mut frame),
        Err(UnsealError::AuthenticationFailed)
    );
    // And the pristine frame still opens.
    let mut frame = sealed.clone();
    assert_eq!(dec.unseal_frame(&mut frame).unwrap(), &SMB2_ECHO[..]);
}

#[test]
fn debug_output_shows_no_key_material() {
    let key = [0xABu8; 32];
    let enc = EncryptionKey::new(Cipher::Aes256Gcm, &key).unwrap();
    let dec = DecryptionKey::new(Cipher::Aes256Gcm, &key).unwrap();
    for text in [format!("{enc:?}"), format!("{dec:?}"), format!("{enc:#?}")] {
        assert!(text.contains("Aes256Gcm"), "{text}");
        assert!(!text.to_lowercase().contains("ab, "), "{text}");
        assert!(!text.to_lowercase().contains("abab"), "{text}");
        assert!(!text.contains("171"), "{text}");
    }
    assert_eq!(
        format!("{enc:?}"),
        "EncryptionKey { cipher: Aes256Gcm, .. }"
    );
    assert_eq!(
        format!("{dec:?}"),
        "DecryptionKey { cipher: Aes256Gcm, .. }"
    );
}
