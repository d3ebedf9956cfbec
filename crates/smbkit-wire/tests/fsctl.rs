//! Round trips of the FSCTL bodies. Each buffer below was written by hand
//! from the MS-SMB2 2.2.31/2.2.32 and MS-FSCC 2.3 layouts (field by field,
//! commented), not captured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use common::hex_bytes;
use smbkit_wire::fsctl::file::{
    AllocatedRange, COMPRESSION_FORMAT_LZNT1, CompressionState, SetSparse, ZeroDataInformation,
};
use smbkit_wire::fsctl::server::{NetworkInterface, SnapshotArray, interfaces_for};
use smbkit_wire::fsctl::{Chunk, CopychunkCopy, CopychunkResponse, ResumeKeyResponse};

#[test]
fn resume_key_response_roundtrip() {
    let bytes = hex_bytes(
        "000102030405060708090a0b0c0d0e0f1011121314151617 # ResumeKey
         00000000                                         # ContextLength
         00000000                                         # Context (reserved)",
    );
    let r = ResumeKeyResponse::decode(&bytes).unwrap();
    let mut key = [0u8; 24];
    for (i, k) in key.iter_mut().enumerate() {
        *k = u8::try_from(i).unwrap();
    }
    assert_eq!(r.key, key);
    let mut out = Vec::new();
    r.encode(&mut out);
    assert_eq!(out, bytes);
    assert_eq!(out.len(), ResumeKeyResponse::LEN);
    assert!(ResumeKeyResponse::decode(&bytes[..27]).is_err());
}

#[test]
fn copychunk_copy_roundtrip() {
    let bytes = hex_bytes(
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa # SourceKey
         02000000                                         # ChunkCount 2
         00000000                                         # Reserved
         0000000000000000 0010000000000000 00100000 00000000 # 0 -> 4096, 4096
         0010000000000000 0000000000000000 32000000 00000000 # 4096 -> 0, 50",
    );
    let c = CopychunkCopy::decode(&bytes).unwrap();
    assert_eq!(c.source_key, [0xaa; 24]);
    assert_eq!(
        c.chunks,
        vec![
            Chunk {
                source_offset: 0,
                target_offset: 4096,
                length: 4096
            },
            Chunk {
                source_offset: 4096,
                target_offset: 0,
                length: 50
            },
        ]
    );
    let mut out = Vec::new();
    c.encode(&mut out).unwrap();
    assert_eq!(out, bytes);
    assert_eq!(c.encoded_len(), bytes.len());
    assert_eq!(CopychunkCopy::peek_source_key(&bytes), Some([0xaa; 24]));
    assert_eq!(CopychunkCopy::peek_chunk_count(&bytes), Some(2));
    assert_eq!(CopychunkCopy::peek_source_key(&bytes[..23]), None);
    // One entry short: refused before anything is allocated.
    assert!(CopychunkCopy::decode(&bytes[..bytes.len() - 1]).is_err());
    // A huge ChunkCount with no entries.
    let mut huge = bytes[..32].to_vec();
    huge[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(CopychunkCopy::decode(&huge).is_err());
}

#[test]
fn copychunk_response_roundtrip() {
    let bytes = hex_bytes(
        "00010000 # ChunksWritten 256
         00001000 # ChunkBytesWritten 1 MiB
         00000001 # TotalBytesWritten 16 MiB",
    );
    let r = CopychunkResponse::decode(&bytes).unwrap();
    assert_eq!(
        r,
        CopychunkResponse {
            chunks_written: 256,
            chunk_bytes_written: 1 << 20,
            total_bytes_written: 16 << 20
        }
    );
    assert_eq!(r.to_vec(), bytes);
    assert!(CopychunkResponse::decode(&bytes[..11]).is_err());
}

#[test]
fn file_bodies_roundtrip() {
    assert_eq!(
        CompressionState::decode(&hex_bytes("0200")).unwrap().format,
        COMPRESSION_FORMAT_LZNT1
    );
    assert_eq!(CompressionState { format: 2 }.to_bytes(), [2, 0]);
    assert!(CompressionState::decode(&[1]).is_err());

    assert!(SetSparse::decode(&[]).sparse);
    assert!(SetSparse::decode(&[0xff]).sparse);
    assert!(!SetSparse::decode(&[0]).sparse);

    let zero = hex_bytes(
        "0010000000000000 # FileOffset 4096
                          0020000000000000 # BeyondFinalZero 8192",
    );
    let z = ZeroDataInformation::decode(&zero).unwrap();
    assert_eq!((z.file_offset, z.beyond_final_zero), (4096, 8192));
    let mut out = Vec::new();
    z.encode(&mut out);
    assert_eq!(out, zero);

    let ranges = hex_bytes(
        "0000000000000000 0010000000000000 # 0, 4096
         0000100000000000 0000010000000000 # 1 MiB, 64 KiB",
    );
    let list = AllocatedRange::decode_list(&ranges).unwrap();
    assert_eq!(
        list,
        vec![
            AllocatedRange {
                file_offset: 0,
                length: 4096
            },
            AllocatedRange {
                file_offset: 1 << 20,
                length: 1 << 16
            }
        ]
    );
    let mut out = Vec::new();
    for r in &list {
        r.encode(&mut out);
    }
    assert_eq!(out, ranges);
    assert!(AllocatedRange::decode_list(&ranges[..17]).is_err());
}

#[test]
fn snapshot_array_roundtrip() {
    let empty = hex_bytes(
        "00000000 # NumberOfSnapShots
         00000000 # NumberOfSnapShotsReturned
         02000000 # SnapShotArraySize
         0000     # the final NUL",
    );
    let mut out = Vec::new();
    SnapshotArray::default().encode(&mut out).unwrap();
    assert_eq!(out, empty);
    assert_eq!(
        SnapshotArray::decode(&empty).unwrap(),
        SnapshotArray::default()
    );

    let one = SnapshotArray {
        total: 1,
        snapshots: vec!["@GMT-2026.01.02-03.04.05".into()],
    };
    let mut out = Vec::new();
    one.encode(&mut out).unwrap();
    // 24 UTF-16 units, its NUL, the final NUL.
    assert_eq!(out.len(), 12 + 48 + 4);
    assert_eq!(SnapshotArray::decode(&out).unwrap(), one);
}

#[test]
fn network_interface_roundtrip() {
    let v4 = hex_bytes(
        "98000000         # Next: 152
         01000000         # IfIndex 1
         00000000         # Capability
         00000000         # Reserved
         00ca9a3b00000000 # LinkSpeed 1 Gb/s
         0200 0000 7f000001 # AF_INET, port 0, 127.0.0.1",
    );
    let v6 = hex_bytes(
        "00000000         # Next: last
         02000000         # IfIndex 2
         01000000         # Capability RSS
         00000000         # Reserved
         00ca9a3b00000000 # LinkSpeed
         1700 0000 00000000 00000000000000000000000000000001 00000000 # AF_INET6 ::1",
    );
    let mut bytes = v4.clone();
    bytes.resize(152, 0);
    let mut second = v6.clone();
    second.resize(152, 0);
    bytes.extend_from_slice(&second);
    let list = NetworkInterface::decode_list(&bytes).unwrap();
    assert_eq!(
        list,
        vec![
            NetworkInterface {
                if_index: 1,
                capability: 0,
                link_speed: 1_000_000_000,
                address: IpAddr::V4(Ipv4Addr::LOCALHOST)
            },
            NetworkInterface {
                if_index: 2,
                capability: 1,
                link_speed: 1_000_000_000,
                address: IpAddr::V6(Ipv6Addr::LOCALHOST)
            },
        ]
    );
    let mut out = Vec::new();
    NetworkInterface::encode_list(&list, &mut out);
    assert_eq!(out, bytes);
    // A Next that points into its own entry is refused.
    let mut bad = bytes.clone();
    bad[0] = 8;
    assert!(NetworkInterface::decode_list(&bad).is_err());
}

#[test]
fn interfaces_from_listen_addresses() {
    let addrs: Vec<SocketAddr> = vec![
        "127.0.0.1:445".parse().unwrap(),
        "0.0.0.0:445".parse().unwrap(),
        "127.0.0.1:4445".parse().unwrap(),
        "[::1]:445".parse().unwrap(),
    ];
    let list = interfaces_for(&addrs, 10);
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].address, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(list[0].if_index, 1);
    assert_eq!(list[1].address, IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(list[1].if_index, 2);
}

#[test]
fn object_id_buffer_roundtrip() {
    use smbkit_wire::fsctl::file::ObjectIdBuffer;
    let bytes = hex_bytes(
        "2a00000000000000 0100000000000000 # ObjectId: file 42, share 1
         78563412000000000000000000000000 # BirthVolumeId: serial 0x12345678
         2a00000000000000 0100000000000000 # BirthObjectId
         00000000000000000000000000000000 # DomainId",
    );
    let b = ObjectIdBuffer::decode(&bytes).unwrap();
    assert_eq!(b.object_id, b.birth_object_id);
    assert_eq!(b.birth_volume_id[..4], 0x1234_5678u32.to_le_bytes());
    let mut out = Vec::new();
    b.encode(&mut out);
    assert_eq!(out, bytes);
    assert!(ObjectIdBuffer::decode(&bytes[..63]).is_err());
}

mod properties {
    use proptest::prelude::*;
    use smbkit_wire::fsctl::file::{
        AllocatedRange, CompressionState, ObjectIdBuffer, ZeroDataInformation,
    };
    use smbkit_wire::fsctl::server::{NetworkInterface, SnapshotArray};
    use smbkit_wire::fsctl::{Chunk, CopychunkCopy, CopychunkResponse, ResumeKeyResponse};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// No FSCTL decoder panics, whatever the bytes.
        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = ResumeKeyResponse::decode(&bytes);
            let _ = CopychunkCopy::decode(&bytes);
            let _ = CopychunkCopy::peek_source_key(&bytes);
            let _ = CopychunkCopy::peek_chunk_count(&bytes);
            let _ = CopychunkResponse::decode(&bytes);
            let _ = CompressionState::decode(&bytes);
            let _ = ZeroDataInformation::decode(&bytes);
            let _ = AllocatedRange::decode_list(&bytes);
            let _ = ObjectIdBuffer::decode(&bytes);
            let _ = SnapshotArray::decode(&bytes);
            let _ = NetworkInterface::decode_list(&bytes);
        }

        /// encode then decode gives back the copy request.
        #[test]
        fn copychunk_copy_identity(
            key in any::<[u8; 24]>(),
            chunks in proptest::collection::vec((any::<u64>(), any::<u64>(), any::<u32>()), 0..20),
        ) {
            let copy = CopychunkCopy {
                source_key: key,
                chunks: chunks
                    .into_iter()
                    .map(|(s, t, l)| Chunk { source_offset: s, target_offset: t, length: l })
                    .collect(),
            };
            let mut out = Vec::new();
            copy.encode(&mut out).unwrap();
            prop_assert_eq!(out.len(), copy.encoded_len());
            prop_assert_eq!(CopychunkCopy::decode(&out).unwrap(), copy);
        }
    }
}
