//! QUERY_INFO and SET_INFO: buffer sizes, rename, end of file, basic info.

use super::*;
use smbkit_wire::create::{disposition, options};
use smbkit_wire::fscc::{self, FileRenameInformation, InfoClass};

#[tokio::test]
async fn rename_and_set_info() {
    let e = env();
    let d = e
        .create("dir", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap();
    e.close(d.file_id).await;
    let f = e.create("x", RW, disposition::CREATE, 0).await.unwrap();
    let g = e.create("taken", RW, disposition::CREATE, 0).await.unwrap();
    e.close(g.file_id).await;
    let rename = |name: &str, replace: bool| {
        let n = string_to_utf16le(name);
        FileRenameInformation {
            replace_if_exists: replace,
            root_directory: 0,
            file_name: &n,
        }
        .to_bytes()
        .unwrap()
    };
    let class = fscc::class::FILE_RENAME_INFORMATION;
    assert_eq!(
        e.set_info(f.file_id, class, &rename("taken", false))
            .await
            .status,
        NtStatus::OBJECT_NAME_COLLISION
    );
    assert_eq!(
        e.set_info(f.file_id, class, &rename("dir\\y", false))
            .await
            .status,
        NtStatus::SUCCESS
    );
    // The open follows the rename: its name is the new one.
    let q = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_NAME_INFORMATION,
            100,
            0,
        )
        .await;
    let name = fscc::FileNameInformation::decode(&output(&q, Command::QUERY_INFO))
        .unwrap()
        .name_string()
        .unwrap();
    assert_eq!(name, "\\dir\\y");
    assert_eq!(
        e.set_info(f.file_id, class, &rename("taken", true))
            .await
            .status,
        NtStatus::SUCCESS
    );
    // Renaming a directory with an open file inside.
    let d = e
        .create("dir", RW, disposition::OPEN, options::DIRECTORY_FILE)
        .await
        .unwrap();
    let inside = e
        .create("dir\\z", RW, disposition::CREATE, 0)
        .await
        .unwrap();
    assert_eq!(
        e.set_info(d.file_id, class, &rename("dir2", false))
            .await
            .status,
        NtStatus::ACCESS_DENIED
    );
    e.close(inside.file_id).await;
    assert_eq!(
        e.set_info(d.file_id, class, &rename("dir2", false))
            .await
            .status,
        NtStatus::SUCCESS
    );
    // EndOfFile, Basic.
    let eof = 5u64.to_le_bytes();
    assert_eq!(
        e.set_info(f.file_id, fscc::class::FILE_END_OF_FILE_INFORMATION, &eof)
            .await
            .status,
        NtStatus::SUCCESS
    );
    let basic = fscc::FileBasicInformation {
        last_write_time: 0x01D0_0000_0000_0000,
        file_attributes: 0x2,
        ..Default::default()
    };
    assert_eq!(
        e.set_info(
            f.file_id,
            fscc::class::FILE_BASIC_INFORMATION,
            &basic.to_bytes().unwrap()
        )
        .await
        .status,
        NtStatus::SUCCESS
    );
    let q = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_ALL_INFORMATION,
            4096,
            0,
        )
        .await;
    assert_eq!(q.status, NtStatus::SUCCESS);
    let out = output(&q, Command::QUERY_INFO);
    let all = fscc::FileAllInformation::decode(&out).unwrap();
    assert_eq!(all.standard.end_of_file, 5);
    assert_eq!(all.basic.last_write_time, 0x01D0_0000_0000_0000);
    assert_eq!(all.basic.file_attributes & 0x2, 0x2);
    assert_eq!(all.name.name_string().unwrap(), "\\taken");
    // Security set is refused honestly; unknown classes are invalid.
    assert_eq!(
        e.set_info(f.file_id, 200, &[0; 8]).await.status,
        NtStatus::INVALID_INFO_CLASS
    );
}

#[tokio::test]
async fn query_info_buffers() {
    let e = env();
    let f = e
        .create(
            "some-long-file-name.txt",
            RW | access::READ_CONTROL,
            disposition::CREATE,
            0,
        )
        .await
        .unwrap();
    // Fixed class, too small: INFO_LENGTH_MISMATCH.
    let r = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_BASIC_INFORMATION,
            39,
            0,
        )
        .await;
    assert_eq!(r.status, NtStatus::INFO_LENGTH_MISMATCH);
    // Variable class cut: BUFFER_OVERFLOW with as much as fits.
    let r = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_ALL_INFORMATION,
            110,
            0,
        )
        .await;
    assert_eq!(r.status, NtStatus::BUFFER_OVERFLOW);
    assert_eq!(output(&r, Command::QUERY_INFO).len(), 110);
    // Internal id equals the directory listing's FileId.
    let r = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_INTERNAL_INFORMATION,
            8,
            0,
        )
        .await;
    let id = u64::from_le_bytes(output(&r, Command::QUERY_INFO)[..8].try_into().unwrap());
    assert_ne!(id, 0);
    // Stream: one ::$DATA entry.
    let r = e
        .query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_STREAM_INFORMATION,
            200,
            0,
        )
        .await;
    let out = output(&r, Command::QUERY_INFO);
    let streams = fscc::FileStreamInformation::decode(&out).unwrap();
    assert_eq!(streams.entries.len(), 1);
    // FS size: exactly 24 bytes (smbclient's check).
    let r = e
        .query_info(
            f.file_id,
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_SIZE_INFORMATION,
            100,
            0,
        )
        .await;
    assert_eq!(output(&r, Command::QUERY_INFO).len(), 24);
    let r = e
        .query_info(
            f.file_id,
            info_type::FILESYSTEM,
            fscc::fs_class::FILE_FS_ATTRIBUTE_INFORMATION,
            100,
            0,
        )
        .await;
    let out = output(&r, Command::QUERY_INFO);
    let attr = fscc::FileFsAttributeInformation::decode(&out).unwrap();
    // CASE_PRESERVED_NAMES | UNICODE_ON_DISK | SUPPORTS_SPARSE_FILES.
    assert_eq!(attr.file_system_attributes, 0x46);
    // Security: too small → BUFFER_TOO_SMALL with the size; then the descriptor.
    let r = e.query_info(f.file_id, info_type::SECURITY, 0, 10, 7).await;
    assert_eq!(r.status, NtStatus::BUFFER_TOO_SMALL);
    assert_eq!(&r.body[r.body.len() - 4..], &80u32.to_le_bytes());
    let r = e
        .query_info(f.file_id, info_type::SECURITY, 0, 200, 7)
        .await;
    assert_eq!(output(&r, Command::QUERY_INFO).len(), 80);
    // Quota, set-only and unknown classes.
    assert_eq!(
        e.query_info(f.file_id, info_type::QUOTA, 0, 100, 0)
            .await
            .status,
        NtStatus::NOT_SUPPORTED
    );
    assert_eq!(
        e.query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_DISPOSITION_INFORMATION,
            100,
            0
        )
        .await
        .status,
        NtStatus::INVALID_INFO_CLASS
    );
    assert_eq!(
        e.query_info(
            f.file_id,
            info_type::FILE,
            fscc::class::FILE_ALTERNATE_NAME_INFORMATION,
            100,
            0
        )
        .await
        .status,
        NtStatus::SUCCESS
    );
}
