//! Known-answer tests against the published vectors in `tests/data/`.
// Helpers outside `#[test]` fns are test code too: a failing test should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aes::{Aes128, Aes256};
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, KeyInit};
use cmac::{Cmac, Mac};
use serde::Deserialize;
use smbkit_sign::gmac::Gmac;
use smbkit_sign::{SignError, Signer, SigningAlgorithm, VerifyError, gmac_nonce};

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("valid hex in test data")
}

#[derive(Deserialize)]
struct CmacFile {
    aes_cmac: Vec<CmacVector>,
}

#[derive(Deserialize)]
struct CmacVector {
    id: String,
    key: String,
    message: String,
    mac: String,
}

#[derive(Deserialize)]
struct GmacFile {
    aes_gmac: Vec<GmacVector>,
}

#[derive(Deserialize)]
struct GmacVector {
    id: String,
    key: String,
    iv: String,
    aad: String,
    tag: String,
}

#[derive(Deserialize)]
struct SigningFile {
    smb2_signing: Vec<SigningVector>,
}

#[derive(Deserialize)]
struct SigningVector {
    id: String,
    algorithm: String,
    key: String,
    message: String,
    signature: String,
}

#[derive(Deserialize)]
struct DerivedFile {
    smb2_signing_derived: Vec<DerivedVector>,
}

#[derive(Deserialize)]
struct DerivedVector {
    id: String,
    derived: bool,
    algorithm: String,
    key: String,
    message: String,
    nonce: String,
    signature: String,
}

fn load<T: for<'de> Deserialize<'de>>(text: &str) -> T {
    toml::from_str(text).expect("test data parses")
}

fn algorithm(name: &str) -> SigningAlgorithm {
    match name {
        "HMAC-SHA256" => SigningAlgorithm::HmacSha256,
        "AES-128-CMAC" => SigningAlgorithm::AesCmac,
        "AES-128-GMAC" => SigningAlgorithm::AesGmac,
        other => panic!("unknown algorithm {other} in test data"),
    }
}

/// Signs, verifies, and checks that every single-bit flip of the message is refused.
fn check_signed_message(
    id: &str,
    alg: SigningAlgorithm,
    key: &[u8],
    wire: &[u8],
    signature: &[u8],
) {
    let signer = Signer::new(alg, key).unwrap();
    assert_eq!(signer.algorithm(), alg);

    // Sign: whatever is in the signature field, the published one comes out.
    let mut msg = wire.to_vec();
    msg[48..64].fill(0xA5);
    signer.sign(&mut msg).unwrap();
    assert_eq!(&msg[48..64], signature, "{id}: sign");
    assert_eq!(msg, wire, "{id}: sign changed only the signature field");

    // Vectored sign over a split at every position of the body.
    for cut in 64..=wire.len() {
        let mut header = wire[..cut].to_vec();
        header[48..64].fill(0);
        signer.sign_vectored(&mut header, &[&wire[cut..]]).unwrap();
        assert_eq!(&header[48..64], signature, "{id}: sign_vectored cut {cut}");
    }

    // Verify the published message as it was on the wire.
    signer
        .verify(wire)
        .unwrap_or_else(|e| panic!("{id}: verify: {e}"));
    signer.verify_vectored(&wire[..64], &[&wire[64..]]).unwrap();

    // One flipped bit anywhere (header, signature, body) is refused.
    let mut tampered = wire.to_vec();
    for byte in 0..wire.len() {
        for bit in 0..8 {
            tampered[byte] ^= 1 << bit;
            let r = signer.verify(&tampered);
            if byte < 4 {
                assert!(
                    matches!(r, Err(VerifyError::NotSmb2Header { .. })),
                    "{id}: byte {byte}"
                );
            } else {
                assert_eq!(
                    r,
                    Err(VerifyError::BadSignature),
                    "{id}: byte {byte} bit {bit}"
                );
            }
            tampered[byte] ^= 1 << bit;
        }
    }

    // The wrong key is refused.
    let mut other_key = key.to_vec();
    other_key[0] ^= 1;
    let other = Signer::new(alg, &other_key).unwrap();
    assert_eq!(
        other.verify(wire),
        Err(VerifyError::BadSignature),
        "{id}: other key"
    );
}

#[test]
fn aes_cmac_rfc4493() {
    let file: CmacFile = load(include_str!("data/aes_cmac.toml"));
    assert_eq!(file.aes_cmac.len(), 4);
    for v in &file.aes_cmac {
        let key = unhex(&v.key);
        let message = unhex(&v.message);
        // The same use of the cmac crate as Signer: keyed once, fed in pieces.
        let keyed = <Cmac<Aes128> as cmac::KeyInit>::new_from_slice(&key).unwrap();
        let mut whole = keyed.clone();
        whole.update(&message);
        assert_eq!(
            whole.finalize().into_bytes().as_slice(),
            unhex(&v.mac),
            "{}",
            v.id
        );
        for cut in 0..=message.len() {
            let mut split = keyed.clone();
            split.update(&message[..cut]);
            split.update(&message[cut..]);
            assert_eq!(
                split.finalize().into_bytes().as_slice(),
                unhex(&v.mac),
                "{} cut {cut}",
                v.id
            );
        }
    }
}

#[test]
fn aes_gmac_nist_aes256() {
    let file: GmacFile = load(include_str!("data/aes_gmac.toml"));
    assert_eq!(file.aes_gmac.len(), 1);
    for v in &file.aes_gmac {
        let gmac = Gmac::<Aes256>::new_from_slice(&unhex(&v.key)).unwrap();
        let nonce: [u8; 12] = unhex(&v.iv).try_into().unwrap();
        let aad = unhex(&v.aad);
        let tag = unhex(&v.tag);
        assert_eq!(
            gmac.compute(&nonce, &aad).unwrap().as_slice(),
            tag,
            "{}",
            v.id
        );
        // Every split into two and three pieces gives the same tag.
        for a in 0..=aad.len() {
            let mut s = gmac.start(&nonce);
            s.update(&aad[..a]);
            s.update(&aad[a..]);
            assert_eq!(s.finalize().unwrap().as_slice(), tag, "{} cut {a}", v.id);
            let b = (a + 7).min(aad.len());
            let mut s = gmac.start(&nonce);
            s.update(&aad[..a]);
            s.update(&aad[a..b]);
            s.update(&[]);
            s.update(&aad[b..]);
            assert_eq!(
                s.finalize().unwrap().as_slice(),
                tag,
                "{} cuts {a},{b}",
                v.id
            );
        }
        // The wrong key length is refused.
        assert!(matches!(
            Gmac::<Aes256>::new_from_slice(&[0; 16]),
            Err(SignError::InvalidKeyLength {
                expected: 32,
                actual: 16,
                ..
            })
        ));
    }
}

#[test]
fn gmac_matches_aes_gcm_crate() {
    // Our GMAC core against aes-gcm with an empty plaintext, many AAD lengths.
    let key = [0x42u8; 16];
    let gmac = Gmac::<Aes128>::new_from_slice(&key).unwrap();
    let gcm = Aes128Gcm::new_from_slice(&key).unwrap();
    let data: Vec<u8> = (0..300u32).map(|i| (i * 31 + 7) as u8).collect();
    for len in 0..data.len() {
        let nonce = [len as u8; 12];
        let ours = gmac.compute(&nonce, &data[..len]).unwrap();
        let theirs = gcm
            .encrypt_inout_detached(&nonce.into(), &data[..len], (&mut [][..]).into())
            .unwrap();
        assert_eq!(ours.as_slice(), theirs.as_slice(), "len {len}");
    }
}

#[test]
fn smb2_signing_published() {
    let file: SigningFile = load(include_str!("data/smb2_signing.toml"));
    assert_eq!(file.smb2_signing.len(), 9);
    let mut per_alg = [0usize; 2];
    for v in &file.smb2_signing {
        let alg = algorithm(&v.algorithm);
        per_alg[usize::from(alg.id())] += 1;
        let wire = unhex(&v.message);
        let signature = unhex(&v.signature);
        // The published signature is the one in the message as captured.
        assert_eq!(&wire[48..64], signature.as_slice(), "{}", v.id);
        check_signed_message(&v.id, alg, &unhex(&v.key), &wire, &signature);
    }
    assert_eq!(per_alg, [2, 7]);
}

#[test]
fn smb2_signing_derived_gmac() {
    let file: DerivedFile = load(include_str!("data/smb2_signing_derived.toml"));
    assert_eq!(file.smb2_signing_derived.len(), 2);
    for v in &file.smb2_signing_derived {
        assert!(v.derived);
        let alg = algorithm(&v.algorithm);
        assert_eq!(alg, SigningAlgorithm::AesGmac);
        let wire = unhex(&v.message);
        assert_eq!(
            gmac_nonce(&wire).unwrap().as_slice(),
            unhex(&v.nonce),
            "{}: nonce",
            v.id
        );
        let signature = unhex(&v.signature);
        // The message carries its CMAC signature; put the GMAC one in.
        let mut signed = wire.clone();
        signed[48..64].copy_from_slice(&signature);
        check_signed_message(&v.id, alg, &unhex(&v.key), &signed, &signature);
        // The CMAC-signed original does not verify under GMAC.
        let signer = Signer::new(alg, &unhex(&v.key)).unwrap();
        assert_eq!(signer.verify(&wire), Err(VerifyError::BadSignature));
    }
}
