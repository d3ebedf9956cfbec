//! RFC 3962 appendix B vectors: AES string-to-key and CBC-CTS
//! (tests/data/rfc3962.toml, source named there).
// Test helpers outside #[test] fns: a failure here should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde::Deserialize;
use smbkit_auth::krb5::crypto::{Enctype, Key, cts_decrypt, cts_encrypt};

#[derive(Deserialize)]
struct Vectors {
    string_to_key: Vec<StringToKey>,
    cts: Cts,
}

#[derive(Deserialize)]
struct StringToKey {
    iterations: u32,
    password: String,
    salt: String,
    aes128: String,
    aes256: String,
}

#[derive(Deserialize)]
struct Cts {
    key: String,
    plaintext: String,
    case: Vec<CtsCase>,
}

#[derive(Deserialize)]
struct CtsCase {
    len: usize,
    ciphertext: String,
}

fn vectors() -> Vectors {
    toml::from_str(include_str!("data/rfc3962.toml")).unwrap()
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn string_to_key_matches_rfc3962() {
    let v = vectors();
    assert_eq!(v.string_to_key.len(), 7);
    for (i, t) in v.string_to_key.iter().enumerate() {
        for (etype, want) in [
            (Enctype::Aes128CtsHmacSha196, &t.aes128),
            (Enctype::Aes256CtsHmacSha196, &t.aes256),
        ] {
            let key =
                Key::from_password(etype, &h(&t.password), &h(&t.salt), t.iterations).unwrap();
            assert_eq!(hex::encode(key.as_bytes()), *want, "vector {i} {etype:?}");
        }
    }
}

#[test]
fn cbc_cts_matches_rfc3962() {
    let v = vectors();
    let key = h(&v.cts.key);
    let plain = h(&v.cts.plaintext);
    assert_eq!(v.cts.case.len(), 6);
    for c in &v.cts.case {
        let want = h(&c.ciphertext);
        assert_eq!(want.len(), c.len);
        let got = cts_encrypt(&key, &plain[..c.len]).unwrap();
        assert_eq!(hex::encode(&got), c.ciphertext, "encrypt {}", c.len);
        let back = cts_decrypt(&key, &want).unwrap();
        assert_eq!(back.as_slice(), &plain[..c.len], "decrypt {}", c.len);
    }
    // One block is plain AES (the 32-byte vector's last block is E(P1)).
    let one = cts_encrypt(&key, &plain[..16]).unwrap();
    assert_eq!(hex::encode(one), "97687268d6ecccc0c07b25e25ecfe584");
}
