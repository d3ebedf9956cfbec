//! Signing throughput: `Signer::sign` against the bare RustCrypto primitive on
//! the same buffer (a 64-byte SMB2 header plus payload).
//!
//! Group names, function names and sizes are read by `cargo xtask bench`
//! (`target/criterion/<group>/<function>/<size>/new/estimates.json`).

// Benchmark setup may unwrap: a broken setup should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use aes::Aes128;
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, KeyInit};
use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use smbkit_sign::{Signer, SigningAlgorithm};

const SIZES: [usize; 3] = [4096, 65536, 1_048_576];
const KEY: [u8; 16] = [0x42; 16];

/// A message of `size` bytes: an SMB2 header (a READ response, MessageId 9)
/// followed by payload.
fn message(size: usize) -> Vec<u8> {
    let mut m: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    m[..4].copy_from_slice(&[0xFE, b'S', b'M', b'B']);
    m[4..6].copy_from_slice(&64u16.to_le_bytes());
    m[12..14].copy_from_slice(&8u16.to_le_bytes());
    m[16..20].copy_from_slice(&1u32.to_le_bytes());
    m[24..32].copy_from_slice(&9u64.to_le_bytes());
    m
}

fn configure<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    c.benchmark_group(name)
}

fn bench_smbkit(
    group: &mut BenchmarkGroup<'_, WallTime>,
    algorithm: SigningAlgorithm,
    size: usize,
) {
    let signer = Signer::new(algorithm, &KEY).unwrap();
    let mut buf = message(size);
    group.bench_with_input(BenchmarkId::new("smbkit", size), &size, |b, _| {
        b.iter(|| signer.sign(black_box(&mut buf)).unwrap());
    });
}

fn sign_hmac(c: &mut Criterion) {
    let mut group = configure(c, "sign_hmac-sha256");
    for size in SIZES {
        group.throughput(Throughput::Bytes(size as u64));
        bench_smbkit(&mut group, SigningAlgorithm::HmacSha256, size);
        let keyed = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&KEY).unwrap();
        let buf = message(size);
        group.bench_with_input(BenchmarkId::new("rustcrypto", size), &size, |b, _| {
            b.iter(|| {
                let mut mac = keyed.clone();
                mac.update(black_box(&buf));
                mac.finalize().into_bytes()
            });
        });
    }
    group.finish();
}

fn sign_cmac(c: &mut Criterion) {
    let mut group = configure(c, "sign_aes-128-cmac");
    for size in SIZES {
        group.throughput(Throughput::Bytes(size as u64));
        bench_smbkit(&mut group, SigningAlgorithm::AesCmac, size);
        let keyed = <cmac::Cmac<Aes128> as cmac::KeyInit>::new_from_slice(&KEY).unwrap();
        let buf = message(size);
        group.bench_with_input(BenchmarkId::new("rustcrypto", size), &size, |b, _| {
            b.iter(|| {
                let mut mac = keyed.clone();
                cmac::Mac::update(&mut mac, black_box(&buf));
                cmac::Mac::finalize(mac).into_bytes()
            });
        });
    }
    group.finish();
}

fn sign_gmac(c: &mut Criterion) {
    let mut group = configure(c, "sign_aes-128-gmac");
    for size in SIZES {
        group.throughput(Throughput::Bytes(size as u64));
        bench_smbkit(&mut group, SigningAlgorithm::AesGmac, size);
        let gcm = Aes128Gcm::new_from_slice(&KEY).unwrap();
        let nonce = [9u8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
        let buf = message(size);
        group.bench_with_input(BenchmarkId::new("rustcrypto", size), &size, |b, _| {
            b.iter(|| {
                gcm.encrypt_inout_detached(&nonce.into(), black_box(&buf), (&mut [][..]).into())
                    .unwrap()
            });
        });
    }
    group.finish();
}

// Timing defaults; `cargo xtask bench crypto` overrides them from the
// command line (criterion's --warm-up-time, --measurement-time).
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = sign_hmac, sign_cmac, sign_gmac
}
criterion_main!(benches);
