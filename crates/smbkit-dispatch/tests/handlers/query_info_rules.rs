//! QUERY_INFO output-buffer rules per class (MS-SMB2 3.3.5.20, MS-FSA
//! 2.1.5.12/13), short names, FileFullEaInformation access, and directory
//! enumeration that sees deletions made through another handle.

use super::*;
use smbkit_wire::codec::utf16le_to_string;
use smbkit_wire::create::{disposition, options};
use smbkit_wire::fscc::{self, DirClass, InfoClass, decode_entries};
use smbkit_wire::query_directory::flags;

/// For every OutputBufferLength from 0 to the full answer: below the
/// class's minimum INFO_LENGTH_MISMATCH, below the full length
/// BUFFER_OVERFLOW with exactly that many bytes, then SUCCESS. The
/// minimums are smbtorture's table (getinfo.c, qfile_/qfs_buffercheck),
/// which Windows passes.
#[tokio::test]
async fn output_buffer_rules_per_class() {
    let e = env();
    let f = e
        .create("bufsize.txt", RW, disposition::CREATE, 0)
        .await
        .unwrap();
    e.write(f.file_id, 0, b"some data").await;
    let table: [(u8, u8, usize); 20] = [
        (info_type::FILE, fscc::class::FILE_BASIC_INFORMATION, 40),
        (info_type::FILE, fscc::class::FILE_STANDARD_INFORMATION, 24),
        (info_type::FILE, fscc::class::FILE_INTERNAL_INFORMATION, 8),
        (info_type::FILE, fscc::class::FILE_EA_INFORMATION, 4),
        (info_type::FILE, fscc::class::FILE_ACCESS_INFORMATION, 4),
        (info_type::FILE, fscc::class::FILE_MODE_INFORMATION, 4),
        (info_type::FILE, fscc::class::FILE_ALIGNMENT_INFORMATION, 4),
        (info_type::FILE, fscc::class::FILE_ALL_INFORMATION, 104),
        (
            info_type::FILE,
            fscc::class::FILE_ALTERNATE_NAME_INFORMATION,
            8,
        ),
        (info_type::FILE, fscc::class::FILE_STREAM_INFORMATION, 32),
        (
            info_type::FILE,
            fscc::class::FILE_COMPRESSION_INFORMATION,
            16,
        ),
        (
            info_type::FILE,
            fscc::class::FILE_NETWORK_OPEN_INFORMATION,
            56,
        ),
        (
            info_type::FILE,
            fscc::class::FILE_ATTRIBUTE_TAG_INFORMATION,
            8,
        ),
        (
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_VOLUME_INFORMATION,
            24,
        ),
        (
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_SIZE_INFORMATION,
            24,
        ),
        (
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_DEVICE_INFORMATION,
            8,
        ),
        (
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_ATTRIBUTE_INFORMATION,
            16,
        ),
        (
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_CONTROL_INFORMATION,
            48,
        ),
        (
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_FULL_SIZE_INFORMATION,
            32,
        ),
        (
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_SECTOR_SIZE_INFORMATION,
            28,
        ),
    ];
    for (ty, class, min) in table {
        let full = e.query_info(f.file_id, ty, class, 65535, 0).await;
        assert_eq!(full.status, NtStatus::SUCCESS, "type {ty} class {class}");
        let full = output(&full, Command::QUERY_INFO);
        for len in 0..=full.len().max(min) {
            let r = e.query_info(f.file_id, ty, class, len as u32, 0).await;
            let want = if len < min {
                NtStatus::INFO_LENGTH_MISMATCH
            } else if len < full.len() {
                NtStatus::BUFFER_OVERFLOW
            } else {
                NtStatus::SUCCESS
            };
            assert_eq!(r.status, want, "type {ty} class {class} length {len}");
            if want == NtStatus::BUFFER_OVERFLOW && class != fscc::class::FILE_STREAM_INFORMATION {
                assert_eq!(
                    output(&r, Command::QUERY_INFO),
                    full[..len],
                    "class {class}"
                );
            }
        }
    }
}

/// A stream list that does not fit is cut between entries, never inside one.
#[tokio::test]
async fn stream_information_keeps_whole_entries() {
    let e = env();
    let f = e.create("s.txt", RW, disposition::CREATE, 0).await.unwrap();
    let class = fscc::class::FILE_STREAM_INFORMATION;
    // One entry: 24 + "::$DATA" (14 bytes) = 38.
    let r = e.query_info(f.file_id, info_type::FILE, class, 37, 0).await;
    assert_eq!(r.status, NtStatus::BUFFER_OVERFLOW);
    assert!(output(&r, Command::QUERY_INFO).is_empty());
    let r = e.query_info(f.file_id, info_type::FILE, class, 38, 0).await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(output(&r, Command::QUERY_INFO).len(), 38);
}

async fn alt_name(e: &Env, id: FileId) -> Result<String, NtStatus> {
    let r = e
        .query_info(
            id,
            info_type::FILE,
            fscc::class::FILE_ALTERNATE_NAME_INFORMATION,
            200,
            0,
        )
        .await;
    if r.status != NtStatus::SUCCESS {
        return Err(r.status);
    }
    let out = output(&r, Command::QUERY_INFO);
    Ok(fscc::FileAlternateNameInformation::decode(&out)
        .unwrap()
        .name_string()
        .unwrap())
}

#[tokio::test]
async fn alternate_names_and_directory_short_names_agree() {
    let e = env();
    let d = e
        .create("dir", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap();
    // A valid 8.3 name is its own short name.
    let short = e
        .create("dir\\bufsize.txt", RW, disposition::CREATE, 0)
        .await
        .unwrap();
    assert_eq!(alt_name(&e, short.file_id).await.unwrap(), "bufsize.txt");
    // A long name gets an 8.3 form: at most 8 + 1 + 3, with a '~', the
    // extension kept, the same on every query.
    let long = e
        .create("dir\\torture_search.txt", RW, disposition::CREATE, 0)
        .await
        .unwrap();
    let mangled = alt_name(&e, long.file_id).await.unwrap();
    let (base, ext) = mangled.split_once('.').unwrap();
    assert!(base.len() <= 8 && base.contains('~'), "{mangled}");
    assert_eq!(ext, "TXT");
    assert_eq!(alt_name(&e, long.file_id).await.unwrap(), mangled);
    // The share root has none.
    let root = e
        .create("", RW, disposition::OPEN, options::DIRECTORY_FILE)
        .await
        .unwrap();
    assert_eq!(
        alt_name(&e, root.file_id).await,
        Err(NtStatus::OBJECT_NAME_NOT_FOUND)
    );
    // FileBothDirectoryInformation carries the same short name for the
    // long name and none for the 8.3 one.
    let r = e
        .query_dir(
            d.file_id,
            "*",
            fscc::class::FILE_BOTH_DIRECTORY_INFORMATION,
            0,
            4096,
        )
        .await;
    let out = output(&r, Command::QUERY_DIRECTORY);
    let entries = decode_entries(DirClass::BothDirectory, &out).unwrap();
    let short_of = |name: &str| {
        let entry = entries
            .iter()
            .find(|x| x.name_string().unwrap() == name)
            .unwrap();
        utf16le_to_string("ShortName", entry.short_name).unwrap()
    };
    assert_eq!(short_of("torture_search.txt"), mangled);
    assert_eq!(short_of("bufsize.txt"), "");
    assert_eq!(short_of("."), "");
}

#[tokio::test]
async fn compression_information_reports_uncompressed_size() {
    let e = env();
    let f = e.create("c.txt", RW, disposition::CREATE, 0).await.unwrap();
    e.write(f.file_id, 0, &[7; 100]).await;
    let r = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_COMPRESSION_INFORMATION,
            16,
            0,
        )
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let c = fscc::FileCompressionInformation::decode(&output(&r, Command::QUERY_INFO)).unwrap();
    assert_eq!(c.compressed_file_size, 100);
    assert_eq!(c.compression_format, fscc::COMPRESSION_FORMAT_NONE);
}

#[tokio::test]
async fn full_ea_information_needs_read_ea() {
    let e = env();
    let f = e
        .create("ea.txt", RW, disposition::CREATE, 0)
        .await
        .unwrap();
    let class = fscc::class::FILE_FULL_EA_INFORMATION;
    // RW has no FILE_READ_EA.
    let r = e
        .query_info(f.file_id, info_type::FILE, class, 100, 0)
        .await;
    assert_eq!(r.status, NtStatus::ACCESS_DENIED);
    e.close(f.file_id).await;
    let f = e
        .create("ea.txt", access::FILE_READ_EA, disposition::OPEN, 0)
        .await
        .unwrap();
    let r = e
        .query_info(f.file_id, info_type::FILE, class, 100, 0)
        .await;
    assert_eq!(r.status, NtStatus::NO_EAS_ON_FILE);
}

#[tokio::test]
async fn fs_control_information_reports_quotas_off() {
    let e = env();
    let root = e
        .create("", RW, disposition::OPEN, options::DIRECTORY_FILE)
        .await
        .unwrap();
    let r = e
        .query_info(
            root.file_id,
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_CONTROL_INFORMATION,
            100,
            0,
        )
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let q = fscc::FileFsControlInformation::decode(&output(&r, Command::QUERY_INFO)).unwrap();
    assert_eq!(q.file_system_control_flags, 0);
    assert_eq!(q.default_quota_limit, u64::MAX);
}

/// smbtorture smb2.dir.fixed: an enumeration started on one handle does
/// not return files deleted through another handle afterwards.
#[tokio::test]
async fn continued_enumeration_skips_deleted_entries() {
    let e = env();
    let d = e
        .create("dir", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap();
    for i in 0..5 {
        let f = e
            .create(&format!("dir\\f{i}"), RW, disposition::CREATE, 0)
            .await
            .unwrap();
        e.close(f.file_id).await;
    }
    let class = fscc::class::FILE_BOTH_DIRECTORY_INFORMATION;
    let r = e
        .query_dir(d.file_id, "*", class, flags::RETURN_SINGLE_ENTRY, 4096)
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    for i in 0..5 {
        let f = e
            .create(
                &format!("dir\\f{i}"),
                RW,
                disposition::OPEN,
                options::DELETE_ON_CLOSE,
            )
            .await
            .unwrap();
        e.close(f.file_id).await;
    }
    let mut seen = Vec::new();
    loop {
        let r = e.query_dir(d.file_id, "*", class, 0, 4096).await;
        if r.status == NtStatus::NO_MORE_FILES {
            break;
        }
        assert_eq!(r.status, NtStatus::SUCCESS);
        let out = output(&r, Command::QUERY_DIRECTORY);
        for entry in decode_entries(DirClass::BothDirectory, &out).unwrap() {
            seen.push(entry.name_string().unwrap());
        }
    }
    assert_eq!(seen, [".."]);
}
