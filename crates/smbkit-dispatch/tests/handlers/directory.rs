//! QUERY_DIRECTORY over several calls with a small buffer, patterns, errors.

use super::*;
use smbkit_wire::create::{disposition, options};
use smbkit_wire::fscc::{self, DirClass, decode_entries};
use smbkit_wire::query_directory::flags;

#[tokio::test]
async fn directory_enumeration_in_small_steps() {
    let e = env();
    let d = e
        .create("dir", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap();
    for i in 0..10 {
        let f = e
            .create(&format!("dir\\file{i:02}.txt"), RW, disposition::CREATE, 0)
            .await
            .unwrap();
        e.close(f.file_id).await;
    }
    let f = e
        .create("dir\\other.dat", RW, disposition::CREATE, 0)
        .await
        .unwrap();
    e.close(f.file_id).await;
    let class = fscc::class::FILE_ID_BOTH_DIRECTORY_INFORMATION;
    let mut names = Vec::new();
    let mut calls = 0;
    loop {
        // Room for two entries with short names (104 + name, 8-aligned).
        let r = e.query_dir(d.file_id, "*", class, 0, 300).await;
        if r.status == NtStatus::NO_MORE_FILES {
            break;
        }
        assert_eq!(r.status, NtStatus::SUCCESS);
        calls += 1;
        let out = output(&r, Command::QUERY_DIRECTORY);
        for entry in decode_entries(DirClass::IdBothDirectory, &out).unwrap() {
            names.push(entry.name_string().unwrap());
        }
    }
    assert_eq!(names.len(), 13);
    assert_eq!(&names[..2], &[".", ".."]);
    assert!(calls >= 6, "{calls} calls");
    // Restart with a DOS pattern; single entry.
    let r = e
        .query_dir(
            d.file_id,
            "<.txt",
            class,
            flags::RESTART_SCANS | flags::RETURN_SINGLE_ENTRY,
            4096,
        )
        .await;
    let out = output(&r, Command::QUERY_DIRECTORY);
    let got = decode_entries(DirClass::IdBothDirectory, &out).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].name_string().unwrap(), "file00.txt");
    // Exact name lookup (macOS style), case-insensitive, on-disk name back.
    let r = e
        .query_dir(
            d.file_id,
            "OTHER.DAT",
            fscc::class::FILE_NAMES_INFORMATION,
            flags::RESTART_SCANS,
            4096,
        )
        .await;
    let out = output(&r, Command::QUERY_DIRECTORY);
    assert_eq!(
        decode_entries(DirClass::Names, &out).unwrap()[0]
            .name_string()
            .unwrap(),
        "other.dat"
    );
    // Nothing matches at a restart: NO_SUCH_FILE.
    assert_eq!(
        e.query_dir(d.file_id, "nope*", class, flags::REOPEN, 4096)
            .await
            .status,
        NtStatus::NO_SUCH_FILE
    );
    // Too small for the fixed part; unknown class; a file handle.
    assert_eq!(
        e.query_dir(d.file_id, "*", class, flags::RESTART_SCANS, 50)
            .await
            .status,
        NtStatus::INFO_LENGTH_MISMATCH
    );
    assert_eq!(
        e.query_dir(d.file_id, "*", 99, 0, 4096).await.status,
        NtStatus::INVALID_INFO_CLASS
    );
    let file = e
        .create("dir\\other.dat", RW, disposition::OPEN, 0)
        .await
        .unwrap();
    assert_eq!(
        e.query_dir(file.file_id, "*", class, 0, 4096).await.status,
        NtStatus::INVALID_PARAMETER
    );
}
