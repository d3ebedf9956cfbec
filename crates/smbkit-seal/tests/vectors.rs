//! The published SMB 3.x transform vectors (tests/data/smb3_transform.toml,
//! from the Microsoft Open Specifications encryption blogs), decrypt
//! direction and header fields, byte for byte. The encrypt direction needs a
//! chosen nonce and lives in the crate's unit tests.

// Test helpers outside `#[test]` fns: a failing test should fail loudly.
#![allow(clippy::unwrap_used)]

use serde::Deserialize;
use smbkit_seal::{Cipher, DecryptionKey, TRANSFORM_HEADER_LEN, TransformHeader, UnsealError};

#[derive(Deserialize)]
struct VectorFile {
    smb3_transform: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    id: String,
    cipher: String,
    key: String,
    aead_nonce: String,
    aad: Option<String>,
    plaintext: String,
    signature: String,
    ciphertext: Option<String>,
    transformed: String,
}

fn vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/smb3_transform.toml"
    ))
    .unwrap();
    let file: VectorFile = toml::from_str(&text).unwrap();
    assert_eq!(file.smb3_transform.len(), 12);
    file.smb3_transform
}

fn cipher_named(name: &str) -> Cipher {
    Cipher::ALL.into_iter().find(|c| c.name() == name).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn every_vector_decrypts_to_the_published_plaintext() {
    let mut seen = [0usize; 4];
    for v in vectors() {
        let cipher = cipher_named(&v.cipher);
        seen[usize::from(cipher.id() - 1)] += 1;
        let key = DecryptionKey::new(cipher, &unhex(&v.key)).unwrap();
        let mut frame = unhex(&v.transformed);
        let plaintext = key.unseal_frame(&mut frame).unwrap();
        assert_eq!(hex::encode(plaintext), v.plaintext, "{}", v.id);
    }
    // 8 AES-128-CCM (3.0 and 3.1.1), 4 AES-128-GCM; none published for AES-256.
    assert_eq!(seen, [8, 4, 0, 0]);
}

#[test]
fn every_vector_decrypts_with_split_header_and_message() {
    for v in vectors() {
        let cipher = cipher_named(&v.cipher);
        let key = DecryptionKey::new(cipher, &unhex(&v.key)).unwrap();
        let frame = unhex(&v.transformed);
        let (header, message) = frame.split_at(TRANSFORM_HEADER_LEN);
        let mut message = message.to_vec();
        if let Some(ciphertext) = &v.ciphertext {
            assert_eq!(&hex::encode(&message), ciphertext, "{}", v.id);
        }
        key.unseal_in_place(header, &mut message).unwrap();
        assert_eq!(hex::encode(&message), v.plaintext, "{}", v.id);
    }
}

#[test]
fn every_vector_header_parses_to_the_published_fields() {
    for v in vectors() {
        let cipher = cipher_named(&v.cipher);
        let transformed = unhex(&v.transformed);
        let plaintext = unhex(&v.plaintext);
        let header = TransformHeader::parse(&transformed).unwrap();

        assert_eq!(header.protocol_id(), [0xFD, b'S', b'M', b'B'], "{}", v.id);
        assert_eq!(hex::encode(header.signature()), v.signature, "{}", v.id);
        assert_eq!(
            hex::encode(header.aead_nonce(cipher)),
            v.aead_nonce,
            "{}",
            v.id
        );
        assert_eq!(
            header.nonce()[..cipher.nonce_len()],
            unhex(&v.aead_nonce)[..]
        );
        assert_eq!(
            header.original_message_size() as usize,
            plaintext.len(),
            "{}",
            v.id
        );
        assert_eq!(header.flags(), 1, "{}", v.id);
        assert_eq!(header.reserved(), 0, "{}", v.id);
        // The transform's SessionId is the SessionId of the SMB2 header inside
        // (bytes 40..48 of the plaintext).
        let inner_session_id = u64::from_le_bytes(plaintext[40..48].try_into().unwrap());
        assert_eq!(header.session_id(), inner_session_id, "{}", v.id);
        assert_ne!(header.session_id(), 0, "{}", v.id);
        // AAD = bytes 20..52 verbatim; where the blog printed the AAD, it matches.
        assert_eq!(header.aad()[..], transformed[20..52], "{}", v.id);
        if let Some(aad) = &v.aad {
            assert_eq!(&hex::encode(header.aad()), aad, "{}", v.id);
        }
        assert_eq!(header.as_bytes()[..], transformed[..TRANSFORM_HEADER_LEN]);
    }
}

#[test]
fn smb30_vectors_have_non_zero_bytes_after_the_ccm_nonce() {
    // The reason the AAD must be the received bytes, never a rebuilt or
    // zero-padded nonce: these decrypt only because we keep bytes 11..16.
    let v = vectors()
        .into_iter()
        .find(|v| v.id == "ms-blog-smb300-write-request")
        .unwrap();
    let transformed = unhex(&v.transformed);
    let header = TransformHeader::parse(&transformed).unwrap();
    assert_eq!(hex::encode(&header.nonce()[11..]), "4a744da3ee");

    // Zeroing the unused nonce bytes breaks authentication.
    let mut frame = transformed.clone();
    frame[20 + 11..20 + 16].fill(0);
    let key = DecryptionKey::new(Cipher::Aes128Ccm, &unhex(&v.key)).unwrap();
    assert_eq!(
        key.unseal_frame(&mut frame),
        Err(UnsealError::AuthenticationFailed)
    );
}

#[test]
fn every_single_bit_flip_of_a_published_frame_is_refused() {
    // Small vectors: every bit of header and ciphertext.
    for v in vectors()
        .into_iter()
        .filter(|v| v.id.ends_with("write-response"))
    {
        let cipher = cipher_named(&v.cipher);
        let key = DecryptionKey::new(cipher, &unhex(&v.key)).unwrap();
        let pristine = unhex(&v.transformed);
        let plaintext = unhex(&v.plaintext);
        for bit in 0..pristine.len() * 8 {
            let mut frame = pristine.clone();
            frame[bit / 8] ^= 1 << (bit % 8);
            let err = key.unseal_frame(&mut frame).unwrap_err();
            let byte = bit / 8;
            let expected = match byte {
                0..4 => UnsealError::BadProtocolId {
                    found: frame[..4].try_into().unwrap(),
                },
                36..40 => UnsealError::SizeMismatch {
                    declared: u32::from_le_bytes(frame[36..40].try_into().unwrap()),
                    actual: plaintext.len(),
                },
                42..44 => UnsealError::BadFlags {
                    found: u16::from_le_bytes(frame[42..44].try_into().unwrap()),
                },
                // Signature, Nonce, Reserved, SessionId and the ciphertext are
                // all covered by the tag.
                _ => UnsealError::AuthenticationFailed,
            };
            assert_eq!(err, expected, "{} bit {bit}", v.id);
            let message = &frame[TRANSFORM_HEADER_LEN..];
            if expected == UnsealError::AuthenticationFailed {
                // No unauthenticated plaintext is left behind: the buffer is wiped.
                assert!(message.iter().all(|b| *b == 0), "{} bit {bit}", v.id);
            } else {
                // Checks before decryption leave the ciphertext untouched.
                assert_eq!(message, &pristine[TRANSFORM_HEADER_LEN..]);
            }
        }
    }
}

#[test]
fn wrong_key_is_refused_and_wipes_the_buffer() {
    for v in vectors() {
        let cipher = cipher_named(&v.cipher);
        let mut key = unhex(&v.key);
        key[0] ^= 0x80;
        let key = DecryptionKey::new(cipher, &key).unwrap();
        let mut frame = unhex(&v.transformed);
        assert_eq!(
            key.unseal_frame(&mut frame),
            Err(UnsealError::AuthenticationFailed),
            "{}",
            v.id
        );
        assert!(frame[TRANSFORM_HEADER_LEN..].iter().all(|b| *b == 0));
        // The header is not touched.
        assert_eq!(
            frame[..TRANSFORM_HEADER_LEN],
            unhex(&v.transformed)[..TRANSFORM_HEADER_LEN]
        );
    }
}
