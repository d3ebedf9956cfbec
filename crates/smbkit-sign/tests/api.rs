//! Errors, ids, key lengths and Debug output of the public API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use smbkit_sign::{SignError, Signer, SigningAlgorithm, VerifyError, gmac_nonce};

fn valid_message(len: usize) -> Vec<u8> {
    let mut m = vec![0u8; len];
    m[..4].copy_from_slice(b"\xfeSMB");
    m
}

#[test]
fn algorithm_ids_round_trip() {
    let expected = [
        (SigningAlgorithm::HmacSha256, 0x0000, "HMAC-SHA256"),
        (SigningAlgorithm::AesCmac, 0x0001, "AES-128-CMAC"),
        (SigningAlgorithm::AesGmac, 0x0002, "AES-128-GMAC"),
    ];
    for (alg, id, name) in expected {
        assert_eq!(alg.id(), id);
        assert_eq!(u16::from(alg), id);
        assert_eq!(SigningAlgorithm::from_id(id), Ok(alg));
        assert_eq!(SigningAlgorithm::try_from(id), Ok(alg));
        assert_eq!(alg.to_string(), name);
        assert_eq!(alg.key_len(), 16);
    }
    for id in [0x0003u16, 0x00ff, 0xffff] {
        assert_eq!(
            SigningAlgorithm::from_id(id),
            Err(SignError::UnknownAlgorithm { id })
        );
    }
}

#[test]
fn key_length_is_checked() {
    for alg in SigningAlgorithm::ALL {
        for len in [0usize, 1, 15, 17, 32, 64] {
            let key = vec![1u8; len];
            assert_eq!(
                Signer::new(alg, &key).unwrap_err(),
                SignError::InvalidKeyLength {
                    algorithm: alg,
                    expected: 16,
                    actual: len
                }
            );
        }
        assert!(Signer::new(alg, &[1u8; 16]).is_ok());
    }
}

#[test]
fn debug_shows_algorithm_not_key() {
    let key = [0xABu8; 16];
    for alg in SigningAlgorithm::ALL {
        let signer = Signer::new(alg, &key).unwrap();
        let text = format!("{signer:?} {signer:#?}");
        assert!(text.contains(&format!("{alg:?}")), "{text}");
        let lower = text.to_lowercase();
        assert!(
            !lower.contains("ab, ab") && !lower.contains("abab") && !lower.contains("171"),
            "{text}"
        );
    }
    let gmac = smbkit_sign::gmac::Gmac::<aes::Aes128>::new_from_slice(&key).unwrap();
    assert_eq!(format!("{gmac:?}"), "Gmac { .. }");
}

#[test]
fn short_messages_are_refused() {
    for alg in SigningAlgorithm::ALL {
        let signer = Signer::new(alg, &[3u8; 16]).unwrap();
        for len in [0usize, 4, 47, 48, 63] {
            let mut m = valid_message(64);
            m.truncate(len);
            if len < 4 {
                m.clear();
            }
            let len = m.len();
            assert_eq!(signer.sign(&mut m), Err(SignError::MessageTooShort { len }));
            assert_eq!(signer.verify(&m), Err(VerifyError::MessageTooShort { len }));
            assert_eq!(
                signer.sign_vectored(&mut m, &[&[0u8; 100]]),
                Err(SignError::MessageTooShort { len }),
                "the header buffer itself must hold the 64-byte header"
            );
            assert_eq!(
                signer.verify_vectored(&m, &[&[0u8; 100]]),
                Err(VerifyError::MessageTooShort { len })
            );
        }
        // Exactly a header is a message (e.g. a body-less ECHO would still have
        // a body, but the signer does not judge bodies).
        let mut m = valid_message(64);
        signer.sign(&mut m).unwrap();
        assert_eq!(signer.verify(&m), Ok(()));
    }
}

#[test]
fn non_smb2_headers_are_refused() {
    let signer = Signer::new(SigningAlgorithm::AesCmac, &[3u8; 16]).unwrap();
    for id in [*b"\xffSMB", *b"\xfdSMB", *b"\xfcSMB", *b"\xfeSMC", [0; 4]] {
        let mut m = valid_message(80);
        m[..4].copy_from_slice(&id);
        let before = m.clone();
        assert_eq!(
            signer.sign(&mut m),
            Err(SignError::NotSmb2Header { found: id })
        );
        assert_eq!(m, before, "a refused message is left untouched");
        assert_eq!(
            signer.verify(&m),
            Err(VerifyError::NotSmb2Header { found: id })
        );
        assert_eq!(gmac_nonce(&m), Err(SignError::NotSmb2Header { found: id }));
    }
    assert_eq!(
        gmac_nonce(&[0xfe, b'S', b'M', b'B']),
        Err(SignError::MessageTooShort { len: 4 })
    );
}

#[test]
fn algorithms_and_keys_give_different_signatures() {
    let msg = valid_message(300);
    let mut sigs = Vec::new();
    for alg in SigningAlgorithm::ALL {
        for key in [[1u8; 16], [2u8; 16]] {
            sigs.push(
                Signer::new(alg, &key)
                    .unwrap()
                    .compute_signature(&msg, &[])
                    .unwrap(),
            );
        }
    }
    let n = sigs.len();
    sigs.sort_unstable();
    sigs.dedup();
    assert_eq!(sigs.len(), n);
}

#[test]
fn errors_read_well() {
    assert_eq!(
        SignError::MessageTooShort { len: 10 }.to_string(),
        "message is 10 bytes, shorter than the 64-byte SMB2 header"
    );
    assert_eq!(VerifyError::BadSignature.to_string(), "bad signature");
    assert_eq!(
        SignError::NotSmb2Header { found: *b"\xfdSMB" }.to_string(),
        "not an SMB2 header: protocol id is [fd, 53, 4d, 42], expected fe 53 4d 42"
    );
    assert_eq!(
        SignError::InvalidKeyLength {
            algorithm: SigningAlgorithm::AesGmac,
            expected: 16,
            actual: 8
        }
        .to_string(),
        "AES-128-GMAC takes a 16-byte key, got 8 bytes"
    );
}
