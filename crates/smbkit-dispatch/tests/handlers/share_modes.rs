//! Share modes through CREATE, delete-on-close and the disposition classes.

use super::*;
use smbkit_wire::create::{disposition, options};
use smbkit_wire::fscc;

#[tokio::test]
async fn share_modes_through_create() {
    let e = env();
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    e.close(f.file_id).await;
    // Reader sharing read only.
    let a = e
        .create_raw(
            "f",
            access::FILE_READ_DATA,
            share_access::READ,
            disposition::OPEN,
            0,
        )
        .await;
    assert_eq!(a.status, NtStatus::SUCCESS);
    let cases = [
        (
            access::FILE_READ_DATA,
            share_access::READ,
            NtStatus::SUCCESS,
        ),
        (
            access::FILE_WRITE_DATA,
            share_access::READ | share_access::WRITE,
            NtStatus::SHARING_VIOLATION,
        ),
        (
            access::FILE_READ_DATA,
            share_access::WRITE,
            NtStatus::SHARING_VIOLATION,
        ),
        (access::DELETE, 7, NtStatus::SHARING_VIOLATION),
        (access::FILE_READ_ATTRIBUTES, 0, NtStatus::SUCCESS),
    ];
    for (desired, share, want) in cases {
        let r = e
            .create_raw("f", desired, share, disposition::OPEN, 0)
            .await;
        assert_eq!(r.status, want, "desired {desired:#x} share {share}");
    }
    // An overwrite that would conflict does not truncate.
    let w = e
        .create_raw("f", access::FILE_WRITE_DATA, 7, disposition::OVERWRITE, 0)
        .await;
    assert_eq!(w.status, NtStatus::SHARING_VIOLATION);
}

#[tokio::test]
async fn delete_on_close_and_disposition() {
    let e = env();
    let f = e
        .create("gone", RW, disposition::CREATE, options::DELETE_ON_CLOSE)
        .await
        .unwrap();
    let other = e
        .create("gone", access::FILE_READ_ATTRIBUTES, disposition::OPEN, 0)
        .await
        .unwrap();
    e.close(f.file_id).await;
    // Delete pending now: new opens refused, the last close deletes.
    assert_eq!(
        e.create("gone", access::FILE_READ_ATTRIBUTES, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::DELETE_PENDING
    );
    e.close(other.file_id).await;
    assert_eq!(
        e.create("gone", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );

    // Disposition on a non-empty directory.
    let d = e
        .create("d", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap();
    let inner = e.create("d\\x", RW, disposition::CREATE, 0).await.unwrap();
    assert_eq!(
        e.set_info(d.file_id, fscc::class::FILE_DISPOSITION_INFORMATION, &[1])
            .await
            .status,
        NtStatus::DIRECTORY_NOT_EMPTY
    );
    assert_eq!(
        e.set_info(
            inner.file_id,
            fscc::class::FILE_DISPOSITION_INFORMATION,
            &[1]
        )
        .await
        .status,
        NtStatus::SUCCESS
    );
    e.close(inner.file_id).await;
    assert_eq!(
        e.set_info(
            d.file_id,
            fscc::class::FILE_DISPOSITION_INFORMATION_EX,
            &1u32.to_le_bytes()
        )
        .await
        .status,
        NtStatus::SUCCESS
    );
    e.close(d.file_id).await;
    assert_eq!(
        e.create("d", RW, disposition::OPEN, 0).await.unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
}
