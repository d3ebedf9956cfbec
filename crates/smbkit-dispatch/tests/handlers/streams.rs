//! Named streams through CREATE (MS-FSA 2.1.5.1, MS-SMB2 3.3.5.9): names,
//! I/O, share modes per stream, FileStreamInformation, delete-on-close of
//! a stream, directories.

use super::*;
use smbkit_wire::create::{disposition, options};
use smbkit_wire::fscc;
use smbkit_wire::fscc::InfoClass;
use smbkit_wire::read::ReadResponse;

const RW: u32 = access::FILE_READ_DATA | access::FILE_WRITE_DATA;

async fn stream_names(e: &Env, id: FileId) -> Vec<(String, u64)> {
    let r = e
        .query_info(
            id,
            info_type::FILE,
            fscc::class::FILE_STREAM_INFORMATION,
            4096,
            0,
        )
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let out = output(&r, Command::QUERY_INFO);
    fscc::FileStreamInformation::decode(&out)
        .unwrap()
        .entries
        .iter()
        .map(|s| {
            let units: Vec<u16> = s
                .name
                .chunks(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            (String::from_utf16(&units).unwrap(), s.size)
        })
        .collect()
}

#[tokio::test]
async fn stream_io_and_listing() {
    let e = env();
    let s = e
        .create("f:Stream One", RW, disposition::CREATE, 0)
        .await
        .unwrap();
    assert_eq!(
        e.write(s.file_id, 0, b"test data").await.status,
        NtStatus::SUCCESS
    );
    e.close(s.file_id).await;
    // Case-insensitive, with and without the $DATA type.
    for name in ["f:stream one", "f:STREAM ONE:$data"] {
        let again = e.create(name, RW, disposition::OPEN, 0).await.unwrap();
        assert_eq!(again.end_of_file, 9);
        let r = e.read(again.file_id, 0, 100, 0).await;
        let msg = with_header_cmd(&r.body, Command::READ);
        let body = ReadResponse::decode(&msg).unwrap();
        assert_eq!(body.data, b"test data");
        e.close(again.file_id).await;
    }
    // The base file is empty and lists both streams.
    let f = e.create("f", RW, disposition::OPEN, 0).await.unwrap();
    assert_eq!(f.end_of_file, 0);
    assert_eq!(
        stream_names(&e, f.file_id).await,
        [
            ("::$DATA".to_owned(), 0),
            (":Stream One:$DATA".to_owned(), 9)
        ]
    );
    e.close(f.file_id).await;
    // `f::$DATA` is the file itself.
    let d = e
        .create("f::$DATA", RW, disposition::OPEN, 0)
        .await
        .unwrap();
    assert_eq!(d.end_of_file, 0);
    e.close(d.file_id).await;
}

#[tokio::test]
async fn invalid_stream_names() {
    let e = env();
    e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    for bad in ["f:", "f:s:", "f:s:$FOO", "f:s:?D*a", "f::", "st*:s:$DATA"] {
        assert_eq!(
            e.create(bad, RW, disposition::OPEN_IF, 0)
                .await
                .unwrap_err(),
            NtStatus::OBJECT_NAME_INVALID,
            "{bad}"
        );
    }
    assert_eq!(
        e.create("f:missing", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
}

#[tokio::test]
async fn share_modes_are_per_stream() {
    let e = env();
    let one = e.create_raw("f:one", RW, 0, disposition::CREATE, 0).await;
    assert_eq!(one.status, NtStatus::SUCCESS);
    let two = e.create_raw("f:two", RW, 0, disposition::CREATE, 0).await;
    assert_eq!(two.status, NtStatus::SUCCESS);
    let again = e.create_raw("f:ONE", RW, 0, disposition::OPEN, 0).await;
    assert_eq!(again.status, NtStatus::SHARING_VIOLATION);
}

#[tokio::test]
async fn delete_on_close_removes_only_the_stream() {
    let e = env();
    let s = e
        .create(
            "f:gone",
            RW | access::DELETE,
            disposition::CREATE,
            options::DELETE_ON_CLOSE,
        )
        .await
        .unwrap();
    e.close(s.file_id).await;
    assert_eq!(
        e.create("f:gone", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    let f = e.create("f", RW, disposition::OPEN, 0).await.unwrap();
    assert_eq!(stream_names(&e, f.file_id).await.len(), 1);
    e.close(f.file_id).await;
}

#[tokio::test]
async fn directories_have_no_data_streams() {
    let e = env();
    let d = e
        .create("d", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap();
    assert!(stream_names(&e, d.file_id).await.is_empty());
    e.close(d.file_id).await;
    assert_eq!(
        e.create("d::$DATA", RW, disposition::OPEN, options::DIRECTORY_FILE)
            .await
            .unwrap_err(),
        NtStatus::NOT_A_DIRECTORY
    );
    assert_eq!(
        e.create("d::$DATA", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::FILE_IS_A_DIRECTORY
    );
    assert_eq!(
        e.create("d\\x:s", RW, disposition::CREATE, options::DIRECTORY_FILE)
            .await
            .unwrap_err(),
        NtStatus::NOT_A_DIRECTORY
    );
}
