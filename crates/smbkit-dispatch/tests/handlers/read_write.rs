//! WRITE and READ on an open file, EOF and limits, reopen and truncate.

use super::*;
use smbkit_wire::close::CloseResponse;
use smbkit_wire::create::{disposition, options};
use smbkit_wire::read::ReadResponse;
use smbkit_wire::write::WriteResponse;

#[tokio::test]
async fn create_write_read_close() {
    let e = env();
    let c = e
        .create(
            "a.txt",
            RW,
            disposition::CREATE,
            options::NON_DIRECTORY_FILE,
        )
        .await
        .unwrap();
    assert_eq!(c.create_action, 2); // FILE_CREATED
    assert_eq!(c.oplock_level, 0);
    let w = e.write(c.file_id, 0, b"hello world").await;
    assert_eq!(w.status, NtStatus::SUCCESS);
    assert_eq!(
        WriteResponse::decode(&with_header_cmd(&w.body, Command::WRITE))
            .unwrap()
            .count,
        11
    );
    // 0xFFFFFFFFFFFFFFFF is no offset for an open that may write (only an
    // append-only open writes at the end with it: see rw_rules).
    let w = e.write(c.file_id, u64::MAX, b"!").await;
    assert_eq!(w.status, NtStatus::INVALID_PARAMETER);
    let w = e.write(c.file_id, 11, b"!").await;
    assert_eq!(w.status, NtStatus::SUCCESS);
    let r = e.read(c.file_id, 6, 100, 0).await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(
        ReadResponse::decode(&with_header_cmd(&r.body, Command::READ))
            .unwrap()
            .data,
        b"world!"
    );
    // At EOF, and MinimumCount not met.
    assert_eq!(
        e.read(c.file_id, 12, 10, 0).await.status,
        NtStatus::END_OF_FILE
    );
    assert_eq!(
        e.read(c.file_id, 10, 10, 5).await.status,
        NtStatus::END_OF_FILE
    );
    // Longer than MaxReadSize.
    assert_eq!(
        e.read(c.file_id, 0, (8 << 20) + 1, 0).await.status,
        NtStatus::INVALID_PARAMETER
    );
    let cl = e.close(c.file_id).await;
    assert_eq!(cl.status, NtStatus::SUCCESS);
    let cr = CloseResponse::decode(&with_header_cmd(&cl.body, Command::CLOSE)).unwrap();
    assert_eq!((cr.flags, cr.end_of_file), (FLAG_POSTQUERY_ATTRIB, 12));
    // Closed: every handler says FILE_CLOSED.
    assert_eq!(e.close(c.file_id).await.status, NtStatus::FILE_CLOSED);
    assert_eq!(
        e.read(c.file_id, 0, 1, 0).await.status,
        NtStatus::FILE_CLOSED
    );
    // Reopen: OPENED, size 12; OVERWRITE_IF truncates.
    let c = e.create("A.TXT", RW, disposition::OPEN, 0).await.unwrap();
    assert_eq!((c.create_action, c.end_of_file), (1, 12));
    e.close(c.file_id).await;
    let c = e
        .create("a.txt", RW, disposition::OVERWRITE_IF, 0)
        .await
        .unwrap();
    assert_eq!((c.create_action, c.end_of_file), (3, 0));
    // A read-only handle cannot write.
    let ro = e
        .create("a.txt", access::FILE_READ_DATA, disposition::OPEN, 0)
        .await
        .unwrap();
    assert_eq!(
        e.write(ro.file_id, 0, b"x").await.status,
        NtStatus::ACCESS_DENIED
    );
}
