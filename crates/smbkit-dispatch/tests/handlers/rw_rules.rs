//! READ and WRITE conformance: the offsets and lengths smb2.rw.invalid
//! refuses, append-only opens, FilePositionInformation (smb2.read.position).

use super::*;
use smbkit_wire::create::{disposition, options};
use smbkit_wire::fscc::{self, InfoClass};
use smbkit_wire::read::ReadResponse;
use smbkit_wire::write::WriteResponse;

const I64_MAX: u64 = i64::MAX as u64;
const MAX_FILE_SIZE: u64 = 0xFFF_FFFF_0000;

async fn new_file(e: &Env, name: &str) -> FileId {
    e.create(name, RW, disposition::CREATE, options::NON_DIRECTORY_FILE)
        .await
        .unwrap()
        .file_id
}

fn read_data(r: &Response) -> Vec<u8> {
    ReadResponse::decode(&with_header_cmd(&r.body, Command::READ))
        .unwrap()
        .data
        .to_vec()
}

fn written(r: &Response) -> u32 {
    WriteResponse::decode(&with_header_cmd(&r.body, Command::WRITE))
        .unwrap()
        .count
}

async fn position(e: &Env, id: FileId) -> u64 {
    let q = e
        .query_info(
            id,
            info_type::FILE,
            fscc::class::FILE_POSITION_INFORMATION,
            64,
            0,
        )
        .await;
    assert_eq!(q.status, NtStatus::SUCCESS);
    fscc::FilePositionInformation::decode(&output(&q, Command::QUERY_INFO))
        .unwrap()
        .current_byte_offset
}

#[tokio::test]
async fn read_offsets_past_i64_max_are_invalid() {
    let e = env();
    let f = new_file(&e, "r.bin").await;
    assert_eq!(e.write(f, 0, &[7u8; 64]).await.status, NtStatus::SUCCESS);
    // (offset, length, expected), from smb2.rw.invalid.
    for (offset, length, expected) in [
        (64, 10, NtStatus::END_OF_FILE),
        (64, 0, NtStatus::SUCCESS),
        (I64_MAX - 1, 1, NtStatus::END_OF_FILE),
        (I64_MAX, 0, NtStatus::SUCCESS),
        (I64_MAX, 1, NtStatus::INVALID_PARAMETER),
        (I64_MAX + 1, 0, NtStatus::INVALID_PARAMETER),
        (u64::MAX, 0, NtStatus::INVALID_PARAMETER),
        (u64::MAX - 1, 0, NtStatus::INVALID_PARAMETER),
        (u64::MAX - 2, 0, NtStatus::INVALID_PARAMETER),
    ] {
        let r = e.read(f, offset, length, 0).await;
        assert_eq!(r.status, expected, "read {offset:#x}/{length}");
        if expected == NtStatus::SUCCESS {
            assert!(read_data(&r).is_empty());
        }
    }
}

#[tokio::test]
async fn write_offsets_and_the_file_size_limit() {
    let e = env();
    let f = new_file(&e, "w.bin").await;
    for (offset, length, expected) in [
        (u64::MAX, 100, NtStatus::INVALID_PARAMETER),
        (u64::MAX - 1, 100, NtStatus::INVALID_PARAMETER),
        (1 << 63, 1, NtStatus::INVALID_PARAMETER),
        (1 << 63, 0, NtStatus::INVALID_PARAMETER),
        (I64_MAX, 0, NtStatus::SUCCESS),
        (I64_MAX, 1, NtStatus::INVALID_PARAMETER),
        (MAX_FILE_SIZE, 1, NtStatus::INVALID_PARAMETER),
        (MAX_FILE_SIZE, 0, NtStatus::SUCCESS),
        (MAX_FILE_SIZE - 1, 0, NtStatus::SUCCESS),
    ] {
        let data = vec![1u8; length];
        let r = e.write(f, offset, &data).await;
        assert_eq!(r.status, expected, "write {offset:#x}/{length}");
        if expected == NtStatus::SUCCESS {
            assert_eq!(written(&r), 0);
        }
    }
}

#[tokio::test]
async fn append_only_open_writes_at_the_end() {
    let e = env();
    let f = new_file(&e, "log.txt").await;
    assert_eq!(e.write(f, 0, b"abc").await.status, NtStatus::SUCCESS);
    let a = e
        .create(
            "log.txt",
            access::FILE_APPEND_DATA | access::FILE_READ_ATTRIBUTES,
            disposition::OPEN,
            0,
        )
        .await
        .unwrap()
        .file_id;
    let w = e.write(a, u64::MAX, b"de").await;
    assert_eq!(w.status, NtStatus::SUCCESS);
    assert_eq!(written(&w), 2);
    // At an ordinary offset it writes there.
    assert_eq!(e.write(a, 0, b"A").await.status, NtStatus::SUCCESS);
    assert_eq!(read_data(&e.read(f, 0, 100, 0).await), b"Abcde");
}

#[tokio::test]
async fn read_moves_the_position_and_set_info_sets_it() {
    let e = env();
    let f = new_file(&e, "p.bin").await;
    assert_eq!(position(&e, f).await, 0);
    assert_eq!(e.write(f, 0, &[0u8; 100]).await.status, NtStatus::SUCCESS);
    // Writes leave it (smb2.read.position reads it after a write and a read).
    assert_eq!(position(&e, f).await, 0);
    assert_eq!(read_data(&e.read(f, 0, 10, 1).await).len(), 10);
    assert_eq!(position(&e, f).await, 10);
    // A short read ends at the end of file.
    assert_eq!(read_data(&e.read(f, 95, 10, 0).await).len(), 5);
    assert_eq!(position(&e, f).await, 100);
    // FileAllInformation carries the same value.
    let q = e
        .query_info(
            f,
            info_type::FILE,
            fscc::class::FILE_ALL_INFORMATION,
            4096,
            0,
        )
        .await;
    let out = output(&q, Command::QUERY_INFO);
    let all = fscc::FileAllInformation::decode(&out).unwrap();
    assert_eq!(all.position.current_byte_offset, 100);
    // SET_INFO FilePositionInformation.
    let mut buf = Vec::new();
    fscc::FilePositionInformation {
        current_byte_offset: 42,
    }
    .encode(&mut Writer::new(&mut buf))
    .unwrap();
    let s = e
        .set_info(f, fscc::class::FILE_POSITION_INFORMATION, &buf)
        .await;
    assert_eq!(s.status, NtStatus::SUCCESS);
    assert_eq!(position(&e, f).await, 42);
    // Per open: another open of the file starts at 0.
    let g = e
        .create("p.bin", RW, disposition::OPEN, 0)
        .await
        .unwrap()
        .file_id;
    assert_eq!(position(&e, g).await, 0);
}
