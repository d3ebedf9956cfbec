//! CHANGE_NOTIFY (MS-SMB2 3.3.5.19): changes made through the other
//! commands complete a waiting request with FILE_NOTIFY_INFORMATION
//! records, are kept between requests, overflow to NOTIFY_ENUM_DIR, and a
//! close ends the request with NOTIFY_CLEANUP.

use super::*;
use smbkit_wire::change_notify::{
    ChangeNotifyRequest, ChangeNotifyResponse, WATCH_TREE, completion_filter as cf,
};
use smbkit_wire::create::{disposition, options};
use smbkit_wire::fscc::{
    self, FileNotifyInformation, FileRenameInformation, InfoClass, notify_action as act,
};

impl Env {
    async fn notify(&self, id: FileId, filter: u32, flags: u16, len: u32) -> Response {
        let req = ChangeNotifyRequest {
            flags,
            output_buffer_length: len,
            file_id: id,
            completion_filter: filter,
        };
        self.send(
            Command::CHANGE_NOTIFY,
            message(Command::CHANGE_NOTIFY, &req),
        )
        .await
    }

    async fn dir(&self, name: &str) -> FileId {
        // No DELETE access: a rename into the directory stays possible.
        let list = access::FILE_READ_DATA | access::FILE_READ_ATTRIBUTES;
        self.create(name, list, disposition::OPEN_IF, options::DIRECTORY_FILE)
            .await
            .unwrap()
            .file_id
    }
}

/// The (action, name) records of a CHANGE_NOTIFY response.
fn records(r: &Response) -> Vec<(u32, String)> {
    let msg = with_header_cmd(&r.body, Command::CHANGE_NOTIFY);
    let out = ChangeNotifyResponse::decode(&msg).unwrap().output.to_vec();
    FileNotifyInformation::decode_all(&out)
        .unwrap()
        .iter()
        .map(|rec| (rec.action, rec.name_string().unwrap()))
        .collect()
}

const NAMES: u32 = cf::FILE_NAME | cf::DIR_NAME;

#[tokio::test]
async fn a_create_completes_the_waiting_request() {
    let e = env();
    let d = e.dir("watched").await;
    let (r, ()) = tokio::join!(e.notify(d, NAMES, 0, 1000), async {
        tokio::task::yield_now().await;
        let f = e
            .create("watched\\new.txt", RW, disposition::CREATE, 0)
            .await
            .unwrap();
        e.close(f.file_id).await;
    });
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(records(&r), vec![(act::ADDED, "new.txt".to_owned())]);
}

#[tokio::test]
async fn changes_between_requests_are_kept_and_filtered() {
    let e = env();
    let d = e.dir("w").await;
    // The first request sets the watch; a change completes it.
    let (r, ()) = tokio::join!(e.notify(d, cf::FILE_NAME, 0, 1000), async {
        tokio::task::yield_now().await;
        let f = e.create("w\\a", RW, disposition::CREATE, 0).await.unwrap();
        e.close(f.file_id).await;
    });
    assert_eq!(records(&r), vec![(act::ADDED, "a".to_owned())]);
    // With no request waiting: a subdirectory (DIR_NAME, filtered out), a
    // file deeper down (not watched), a rename and a delete-on-close.
    e.dir("w\\sub").await;
    let deep = e
        .create("w\\sub\\x", RW, disposition::CREATE, 0)
        .await
        .unwrap();
    e.close(deep.file_id).await;
    let f = e.create("w\\a", RW, disposition::OPEN, 0).await.unwrap();
    let n = string_to_utf16le("w\\b");
    let rename = FileRenameInformation {
        replace_if_exists: false,
        root_directory: 0,
        file_name: &n,
    }
    .to_bytes()
    .unwrap();
    let s = e
        .set_info(f.file_id, fscc::class::FILE_RENAME_INFORMATION, &rename)
        .await;
    assert_eq!(s.status, NtStatus::SUCCESS);
    e.close(f.file_id).await;
    let g = e
        .create("w\\b", RW, disposition::OPEN, options::DELETE_ON_CLOSE)
        .await
        .unwrap();
    e.close(g.file_id).await;
    let r = e.notify(d, cf::FILE_NAME, 0, 1000).await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(
        records(&r),
        vec![
            (act::RENAMED_OLD_NAME, "a".to_owned()),
            (act::RENAMED_NEW_NAME, "b".to_owned()),
            (act::REMOVED, "b".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_tree_watch_sees_deeper_names_and_a_small_buffer_overflows() {
    let e = env();
    let d = e.dir("t").await;
    e.dir("t\\s").await;
    let (r, ()) = tokio::join!(e.notify(d, NAMES, WATCH_TREE, 1000), async {
        tokio::task::yield_now().await;
        let f = e
            .create("t\\s\\deep", RW, disposition::CREATE, 0)
            .await
            .unwrap();
        e.close(f.file_id).await;
    });
    assert_eq!(records(&r), vec![(act::ADDED, "s\\deep".to_owned())]);
    let f = e
        .create("t\\longer-name", RW, disposition::CREATE, 0)
        .await
        .unwrap();
    e.close(f.file_id).await;
    // 12 bytes of header + 22 of name do not fit in 16.
    let r = e.notify(d, NAMES, WATCH_TREE, 16).await;
    assert_eq!(r.status, NtStatus::NOTIFY_ENUM_DIR);
    // The overflow consumed the changes.
    let (r, ()) = tokio::join!(e.notify(d, NAMES, WATCH_TREE, 1000), async {
        tokio::task::yield_now().await;
        e.close(d).await;
    });
    assert_eq!(r.status, NtStatus::NOTIFY_CLEANUP);
}

#[tokio::test]
async fn size_and_attribute_changes_are_modifications() {
    let e = env();
    let d = e.dir("m").await;
    let f = e.create("m\\f", RW, disposition::CREATE, 0).await.unwrap();
    let (r, ()) = tokio::join!(e.notify(d, cf::SIZE, 0, 1000), async {
        tokio::task::yield_now().await;
        assert_eq!(
            e.write(f.file_id, 0, b"data").await.status,
            NtStatus::SUCCESS
        );
    });
    assert_eq!(records(&r), vec![(act::MODIFIED, "f".to_owned())]);
}

#[tokio::test]
async fn only_directories_can_be_watched() {
    let e = env();
    let f = e.create("plain", RW, disposition::CREATE, 0).await.unwrap();
    let r = e.notify(f.file_id, NAMES, 0, 1000).await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    let d = e.dir("big").await;
    let r = e
        .notify(d, NAMES, 0, Limits::default().max_transact + 1)
        .await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    let closed = e
        .notify(
            FileId {
                persistent: 99,
                volatile: 99,
            },
            NAMES,
            0,
            10,
        )
        .await;
    assert_eq!(closed.status, NtStatus::FILE_CLOSED);
}

#[tokio::test]
async fn a_watch_needs_list_access_and_the_first_buffer_size_stays() {
    let e = env();
    e.dir("perm").await;
    let attrs_only = e
        .create(
            "perm",
            access::FILE_READ_ATTRIBUTES,
            disposition::OPEN,
            options::DIRECTORY_FILE,
        )
        .await
        .unwrap();
    let r = e.notify(attrs_only.file_id, NAMES, 0, 1000).await;
    assert_eq!(r.status, NtStatus::ACCESS_DENIED);

    // The first request asks for one byte: a record never fits, even
    // when a later request allows more.
    let d = e.dir("small").await;
    let (r, ()) = tokio::join!(e.notify(d, NAMES, 0, 1), async {
        tokio::task::yield_now().await;
        let f = e
            .create("small\\a", RW, disposition::CREATE, 0)
            .await
            .unwrap();
        e.close(f.file_id).await;
    });
    assert_eq!(r.status, NtStatus::NOTIFY_ENUM_DIR);
    let (r, ()) = tokio::join!(e.notify(d, NAMES, 0, 1000), async {
        tokio::task::yield_now().await;
        let f = e
            .create("small\\b", RW, disposition::CREATE, 0)
            .await
            .unwrap();
        e.close(f.file_id).await;
    });
    assert_eq!(r.status, NtStatus::NOTIFY_ENUM_DIR);
}

#[tokio::test]
async fn a_directory_deleted_while_watched_answers_delete_pending() {
    let e = env();
    let d = e.dir("doomed").await;
    let (r, ()) = tokio::join!(e.notify(d, NAMES, 0, 1000), async {
        tokio::task::yield_now().await;
        let other = e
            .create(
                "doomed",
                access::DELETE | access::FILE_READ_ATTRIBUTES,
                disposition::OPEN,
                options::DIRECTORY_FILE | options::DELETE_ON_CLOSE,
            )
            .await
            .unwrap();
        e.close(other.file_id).await;
    });
    assert_eq!(r.status, NtStatus::DELETE_PENDING);
}
