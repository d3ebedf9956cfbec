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

/// The bare AEAD: detached in-place seal of `size` bytes.
fn bare_seal<A: AeadInOut + KeyInit>(c: &mut Criterion, group: &str, key: &[u8]) {
    let aead = A::new_from_slice(key).unwrap();
    let nonce = aead::Nonce::<A>::default();
    let mut g = c.benchmark_group(group);
    configure(&mut g);
    for size in SIZES {
        g.throughput(Throughput::Bytes(size as u64));
        let mut buf = message(size);
        g.bench_function(BenchmarkId::new("rustcrypto", size), |b| {
            b.iter(|| {
                aead.encrypt_inout_detached(&nonce, &AAD, black_box(buf.as_mut_slice()).into())
                    .unwrap()
            })
        });
    }
    g.finish();
}

/// The bare AEAD: detached in-place unseal of a pristine copy each iteration.
fn bare_unseal<A: AeadInOut + KeyInit>(c: &mut Criterion, group: &str, key: &[u8]) {
    let aead = A::new_from_slice(key).unwrap();
    let nonce = aead::Nonce::<A>::default();
    let mut g = c.benchmark_group(group);
    configure(&mut g);
    for size in SIZES {
        g.throughput(Throughput::Bytes(size as u64));
        let mut pristine = message(size);
        let tag = aead
            .encrypt_inout_detached(&nonce, &AAD, pristine.as_mut_slice().into())
            .unwrap();
        g.bench_function(BenchmarkId::new("rustcrypto", size), |b| {
            b.iter_batched_ref(
                || pristine.clone(),
                |buf| {
                    aead.decrypt_inout_detached(&nonce, &AAD, buf.as_mut_slice().into(), &tag)
                        .unwrap()
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn smbkit_seal(c: &mut Criterion, group: &str, cipher: Cipher) {
    let key = EncryptionKey::new(cipher, &key_for(cipher)).unwrap();
    let mut g = c.benchmark_group(group);
    configure(&mut g);
    for size in SIZES {
        g.throughput(Throughput::Bytes(size as u64));
        let mut frame = vec![0u8; TRANSFORM_HEADER_LEN];
        frame.extend_from_slice(&message(size));
        g.bench_function(BenchmarkId::new("smbkit", size), |b| {
            b.iter(|| {
                key.seal_frame(0x1122, black_box(frame.as_mut_slice()))
                    .unwrap()
            })
        });
    }
    g.finish();
}

fn smbkit_unseal(c: &mut Criterion, group: &str, cipher: Cipher) {
    let enc = EncryptionKey::new(cipher, &key_for(cipher)).unwrap();
    let dec = DecryptionKey::new(cipher, &key_for(cipher)).unwrap();
    let mut g = c.benchmark_group(group);
    configure(&mut g);
    for size in SIZES {
        g.throughput(Throughput::Bytes(size as u64));
        let mut pristine = vec![0u8; TRANSFORM_HEADER_LEN];
        pristine.extend_from_slice(&message(size));
        enc.seal_frame(0x1122, &mut pristine).unwrap();
        g.bench_function(BenchmarkId::new("smbkit", size), |b| {
            b.iter_batched_ref(
                || pristine.clone(),
                |buf| {
                    dec.unseal_frame(buf.as_mut_slice()).unwrap();
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn configure(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.sample_size(20);
}

fn benches(c: &mut Criterion) {
    for cipher in Cipher::ALL {
        let name = cipher.name().to_lowercase();
        let key = key_for(cipher);
        let seal = format!("seal_{name}");
        let unseal = format!("unseal_{name}");
        smbkit_seal(c, &seal, cipher);
        smbkit_unseal(c, &unseal, cipher);
        match cipher {
            Cipher::Aes128Ccm => {
                bare_seal::<Aes128Ccm>(c, &seal, &key);
                bare_unseal::<Aes128Ccm>(c, &unseal, &key);
            }
            Cipher::Aes128Gcm => {
                bare_seal::<aes_gcm::Aes128Gcm>(c, &seal, &key);
                bare_unseal::<aes_gcm::Aes128Gcm>(c, &unseal, &key);
            }
            Cipher::Aes256Ccm => {
                bare_seal::<Aes256Ccm>(c, &seal, &key);
                bare_unseal::<Aes256Ccm>(c, &unseal, &key);
            }
            Cipher::Aes256Gcm => {
                bare_seal::<aes_gcm::Aes256Gcm>(c, &seal, &key);
                bare_unseal::<aes_gcm::Aes256Gcm>(c, &unseal, &key);
            }
        }
    }
}

criterion_group!(seal_benches, benches);
criterion_main!(seal_benches);
