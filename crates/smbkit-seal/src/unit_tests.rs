//! Tests that need crate internals: the encrypt direction of the published
//! vectors (sealing with a chosen nonce, which the public API never allows)
//! and the nonce-counter limit.

use serde::Deserialize;

use crate::engine::Engine;
use crate::key::{message_size, seal_with_nonce};
use crate::{
    Cipher, DecryptionKey, EncryptionKey, SealError, TRANSFORM_HEADER_LEN, TransformHeader,
};

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
    plaintext: String,
    signature: String,
    transformed: String,
    ciphertext: Option<String>,
}

fn vectors() -> Vec<Vector> {
    let file: VectorFile =
        toml::from_str(include_str!("../tests/data/smb3_transform.toml")).unwrap();
    assert_eq!(file.smb3_transform.len(), 12);
    file.smb3_transform
}

fn cipher_named(name: &str) -> Cipher {
    Cipher::ALL.into_iter().find(|c| c.name() == name).unwrap()
}

#[test]
fn published_vectors_encrypt_byte_for_byte() {
    for v in vectors() {
        let cipher = cipher_named(&v.cipher);
        let key = hex::decode(&v.key).unwrap();
        let transformed = hex::decode(&v.transformed).unwrap();
        let plaintext = hex::decode(&v.plaintext).unwrap();

        // The published header supplies the nonce field (verbatim, including
        // the non-zero bytes after the AEAD nonce) and the session id.
        let published = TransformHeader::parse(&transformed).unwrap();
        assert_eq!(
            hex::encode(published.aead_nonce(cipher)),
            v.aead_nonce,
            "{}",
            v.id
        );

        let engine = Engine::new(cipher, &key).unwrap();
        let mut header = [0u8; TRANSFORM_HEADER_LEN];
        let mut message = plaintext.clone();
        let size = message_size(&message).unwrap();
        seal_with_nonce(
            &engine,
            published.nonce(),
            published.session_id(),
            size,
            &mut header,
            &mut message,
        )
        .unwrap();

        assert_eq!(hex::encode(&header[4..20]), v.signature, "{} tag", v.id);
        if let Some(ciphertext) = &v.ciphertext {
            assert_eq!(&hex::encode(&message), ciphertext, "{} ciphertext", v.id);
        }
        let mut ours = header.to_vec();
        ours.extend_from_slice(&message);
        assert_eq!(hex::encode(ours), v.transformed, "{} transformed", v.id);
    }
}

#[test]
fn counter_at_limit_refuses_to_seal() {
    for cipher in Cipher::ALL {
        let key = EncryptionKey::new(cipher, &vec![7u8; cipher.key_len()]).unwrap();
        let dec = DecryptionKey::new(cipher, &vec![7u8; cipher.key_len()]).unwrap();

        // The last usable counter value is u64::MAX - 1.
        key.set_counter(u64::MAX - 1);
        let mut frame = [0u8; TRANSFORM_HEADER_LEN + 5];
        frame[TRANSFORM_HEADER_LEN..].copy_from_slice(b"hello");
        key.seal_frame(1, &mut frame).unwrap();
        let header = TransformHeader::parse(&frame).unwrap();
        assert_eq!(header.nonce()[..8], (u64::MAX - 1).to_le_bytes());
        assert_eq!(dec.unseal_frame(&mut frame).unwrap(), b"hello");

        // Now the counter is at the limit: every further seal is refused,
        // and the buffers are left alone.
        let mut frame = [0xAAu8; TRANSFORM_HEADER_LEN + 5];
        for _ in 0..3 {
            assert_eq!(
                key.seal_frame(1, &mut frame),
                Err(SealError::NonceExhausted)
            );
        }
        assert!(frame.iter().all(|b| *b == 0xAA));
    }
}

#[test]
fn key_material_types_zeroize_on_drop() {
    // Fails to compile if the `zeroize` features of aes / aes-gcm are lost.
    fn assert_zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    assert_zeroize_on_drop::<aes::Aes128>();
    assert_zeroize_on_drop::<aes::Aes256>();
    assert_zeroize_on_drop::<aes_gcm::Aes128Gcm>();
    assert_zeroize_on_drop::<aes_gcm::Aes256Gcm>();
    assert_zeroize_on_drop::<EncryptionKey>();
    assert_zeroize_on_drop::<DecryptionKey>();
}

#[test]
fn aes256_differs_from_aes128_with_the_first_16_key_bytes() {
    // Same nonce, same header, same plaintext: only the key size differs. A
    // key silently truncated to 16 bytes would make these equal.
    let key: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    let nonce = [0x42u8; 16];
    let plaintext = [0x5Au8; 100];
    for (c128, c256) in [
        (Cipher::Aes128Ccm, Cipher::Aes256Ccm),
        (Cipher::Aes128Gcm, Cipher::Aes256Gcm),
    ] {
        let seal = |cipher: Cipher, key: &[u8]| {
            let engine = Engine::new(cipher, key).unwrap();
            let mut header = [0u8; TRANSFORM_HEADER_LEN];
            let mut message = plaintext;
            seal_with_nonce(&engine, &nonce, 9, 100, &mut header, &mut message).unwrap();
            (header, message)
        };
        let (h128, m128) = seal(c128, &key[..16]);
        let (h256, m256) = seal(c256, &key);
        assert_ne!(m128, m256, "{c256} ciphertext");
        assert_ne!(h128[4..20], h256[4..20], "{c256} tag");
        // Everything but the tag is the same header.
        assert_eq!(h128[..4], h256[..4]);
        assert_eq!(h128[20..], h256[20..]);
        // And each opens only with its own key.
        let mut frame = [h256.as_slice(), m256.as_slice()].concat();
        assert_eq!(
            DecryptionKey::new(c256, &key)
                .unwrap()
                .unseal_frame(&mut frame)
                .unwrap(),
            plaintext
        );
    }
}
