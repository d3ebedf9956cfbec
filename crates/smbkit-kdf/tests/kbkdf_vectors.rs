//! NIST CAVP SP800-108 counter-mode vectors (PRF HMAC-SHA256, r = 32,
//! counter before the fixed data), from `data/kbkdf.toml`.

// Test helpers outside `#[test]` fns may unwrap too: a failing test should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde::Deserialize;
use smbkit_kdf::kbkdf::kbkdf_ctr_hmac_sha256;

#[derive(Deserialize)]
struct Vector {
    id: String,
    source: String,
    ki: String,
    fixed_input: String,
    l_bits: usize,
    ko: String,
}

#[derive(Deserialize)]
struct File {
    kbkdf_ctr_hmac_sha256: Vec<Vector>,
}

fn vectors() -> Vec<Vector> {
    let file: File = toml::from_str(include_str!("data/kbkdf.toml")).unwrap();
    file.kbkdf_ctr_hmac_sha256
}

#[test]
fn every_cavp_vector_matches() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 4);
    let mut lengths = Vec::new();
    for v in &vectors {
        assert!(v.source.contains("CAVP"), "{}", v.id);
        let ki = hex::decode(&v.ki).unwrap();
        let fixed = hex::decode(&v.fixed_input).unwrap();
        let expected = hex::decode(&v.ko).unwrap();
        assert_eq!(expected.len() * 8, v.l_bits, "{}", v.id);
        let mut out = vec![0u8; v.l_bits / 8];
        kbkdf_ctr_hmac_sha256(&ki, &fixed, &mut out).unwrap();
        assert_eq!(hex::encode(&out), v.ko, "{}", v.id);
        lengths.push(v.l_bits);
    }
    // One block, two blocks, a partial block, and a partial third block.
    lengths.sort_unstable();
    assert_eq!(lengths, [128, 160, 256, 320]);
}

#[test]
fn a_changed_input_changes_the_output() {
    for v in vectors() {
        let ki = hex::decode(&v.ki).unwrap();
        let mut fixed = hex::decode(&v.fixed_input).unwrap();
        fixed[0] ^= 1;
        let mut out = vec![0u8; v.l_bits / 8];
        kbkdf_ctr_hmac_sha256(&ki, &fixed, &mut out).unwrap();
        assert_ne!(hex::encode(&out), v.ko, "{}", v.id);
    }
}
