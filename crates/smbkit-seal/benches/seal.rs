//! Throughput of sealing and unsealing, smbkit vs the bare RustCrypto AEAD on
//! the same buffer with a 32-byte AAD. `cargo xtask bench` reads
//! `target/criterion/<group>/<function>/<size>/new/estimates.json`, so the
//! group names (`seal_aes-128-gcm`, `unseal_aes-256-ccm`, ...) and function
//! ids (`smbkit/<size>`, `rustcrypto/<size>`) are part of the contract.

// Benchmark setup may fail loudly.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use aead::consts::{U11, U16};
use aead::{AeadInOut, KeyInit};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use smbkit_seal::{Cipher, DecryptionKey, EncryptionKey, TRANSFORM_HEADER_LEN};

type Aes128Ccm = ccm::Ccm<aes::Aes128, U16, U11>;
type Aes256Ccm = ccm::Ccm<aes::Aes256, U16, U11>;

const SIZES: [usize; 3] = [4096, 65536, 1_048_576];
const AAD: [u8; 32] = [0x5A; 32];

fn key_for(cipher: Cipher) -> Vec<u8> {
    (0..cipher.key_len()).map(|i| i as u8 ^ 0xC3).collect()
}

fn message(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 7) as u8).collect()
}

/// `seal_<cipher>`: for each size, smbkit's `seal_frame` and then the bare
/// AEAD's detached in-place encrypt, back to back so both see the same
/// machine load.
fn seal_group<A: AeadInOut + KeyInit>(c: &mut Criterion, cipher: Cipher) {
    let key = key_for(cipher);
    let ours = EncryptionKey::new(cipher, &key).unwrap();
    let bare = A::new_from_slice(&key).unwrap();
    let nonce = aead::Nonce::<A>::default();
    let mut g = c.benchmark_group(format!("seal_{}", cipher.name().to_lowercase()));
    for size in SIZES {
        g.throughput(Throughput::Bytes(size as u64));
        let mut frame = vec![0u8; TRANSFORM_HEADER_LEN];
        frame.extend_from_slice(&message(size));
        g.bench_function(BenchmarkId::new("smbkit", size), |b| {
            b.iter(|| {
                ours.seal_frame(0x1122, black_box(frame.as_mut_slice()))
                    .unwrap()
            })
        });
        // The same frame layout: the message sits after 52 header bytes,
        // so both see the same (mis)alignment.
        let mut bare_frame = vec![0u8; TRANSFORM_HEADER_LEN];
        bare_frame.extend_from_slice(&message(size));
        g.bench_function(BenchmarkId::new("rustcrypto", size), |b| {
            b.iter(|| {
                let buf = &mut black_box(bare_frame.as_mut_slice())[TRANSFORM_HEADER_LEN..];
                bare.encrypt_inout_detached(&nonce, &AAD, buf.into())
                    .unwrap()
            })
        });
    }
    g.finish();
}

/// `unseal_<cipher>`: decrypting a pre-sealed buffer restored from a pristine
/// copy each iteration (`iter_batched_ref`, the copy is not timed), the same
/// way for smbkit's `unseal_frame` and the bare detached in-place decrypt.
fn unseal_group<A: AeadInOut + KeyInit>(c: &mut Criterion, cipher: Cipher) {
    let key = key_for(cipher);
    let enc = EncryptionKey::new(cipher, &key).unwrap();
    let ours = DecryptionKey::new(cipher, &key).unwrap();
    let bare = A::new_from_slice(&key).unwrap();
    let nonce = aead::Nonce::<A>::default();
    let mut g = c.benchmark_group(format!("unseal_{}", cipher.name().to_lowercase()));
    for size in SIZES {
        g.throughput(Throughput::Bytes(size as u64));
        let mut sealed_frame = vec![0u8; TRANSFORM_HEADER_LEN];
        sealed_frame.extend_from_slice(&message(size));
        enc.seal_frame(0x1122, &mut sealed_frame).unwrap();
        g.bench_function(BenchmarkId::new("smbkit", size), |b| {
            b.iter_batched_ref(
                || sealed_frame.clone(),
                |buf| {
                    ours.unseal_frame(buf.as_mut_slice()).unwrap();
                },
                BatchSize::LargeInput,
            )
        });
        // The same frame layout for the bare AEAD: message after 52 bytes.
        let mut sealed_bare = vec![0u8; TRANSFORM_HEADER_LEN];
        sealed_bare.extend_from_slice(&message(size));
        let tag = bare
            .encrypt_inout_detached(
                &nonce,
                &AAD,
                (&mut sealed_bare[TRANSFORM_HEADER_LEN..]).into(),
            )
            .unwrap();
        g.bench_function(BenchmarkId::new("rustcrypto", size), |b| {
            b.iter_batched_ref(
                || sealed_bare.clone(),
                |buf| {
                    let msg = &mut buf[TRANSFORM_HEADER_LEN..];
                    bare.decrypt_inout_detached(&nonce, &AAD, msg.into(), &tag)
                        .unwrap()
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

// Timing defaults; `cargo xtask bench crypto` overrides them from the
// command line (criterion's --warm-up-time, --measurement-time).
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

fn benches(c: &mut Criterion) {
    seal_group::<Aes128Ccm>(c, Cipher::Aes128Ccm);
    seal_group::<aes_gcm::Aes128Gcm>(c, Cipher::Aes128Gcm);
    seal_group::<Aes256Ccm>(c, Cipher::Aes256Ccm);
    seal_group::<aes_gcm::Aes256Gcm>(c, Cipher::Aes256Gcm);
    unseal_group::<Aes128Ccm>(c, Cipher::Aes128Ccm);
    unseal_group::<aes_gcm::Aes128Gcm>(c, Cipher::Aes128Gcm);
    unseal_group::<Aes256Ccm>(c, Cipher::Aes256Ccm);
    unseal_group::<aes_gcm::Aes256Gcm>(c, Cipher::Aes256Gcm);
}

criterion_group! {
    name = seal_benches;
    config = config();
    targets = benches
}
criterion_main!(seal_benches);
