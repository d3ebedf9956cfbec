//! CREATE and CLOSE: error paths, read-only shares, handle ownership.

use super::*;
use smbkit_wire::create::{disposition, options};
use smbkit_wire::fscc;

#[tokio::test]
async fn create_errors() {
    let e = env();
    assert_eq!(
        e.create("missing", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    assert_eq!(
        e.create("nodir\\f", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_PATH_NOT_FOUND
    );
    assert_eq!(
        e.create("\\lead", RW, disposition::OPEN_IF, 0)
            .await
            .unwrap_err(),
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(
        e.create("a*b", RW, disposition::OPEN_IF, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_INVALID
    );
    assert_eq!(
        e.create("f:", RW, disposition::OPEN_IF, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_INVALID
    );
    assert_eq!(
        e.create("x", RW, 6, 0).await.unwrap_err(),
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(
        e.create(
            "x",
            RW,
            disposition::OPEN_IF,
            options::DIRECTORY_FILE | options::NON_DIRECTORY_FILE
        )
        .await
        .unwrap_err(),
        NtStatus::INVALID_PARAMETER
    );
    let d = e
        .create("dir", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap();
    assert_eq!(d.file_attributes & 0x10, 0x10);
    let f = e.create("file", RW, disposition::CREATE, 0).await.unwrap();
    assert_eq!(
        e.create("file", RW, disposition::CREATE, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_COLLISION
    );
    assert_eq!(
        e.create("file", RW, disposition::OPEN, options::DIRECTORY_FILE)
            .await
            .unwrap_err(),
        NtStatus::NOT_A_DIRECTORY
    );
    assert_eq!(
        e.create("dir", RW, disposition::OPEN, options::NON_DIRECTORY_FILE)
            .await
            .unwrap_err(),
        NtStatus::FILE_IS_A_DIRECTORY
    );
    // DELETE_ON_CLOSE without DELETE access.
    assert_eq!(
        e.create(
            "file",
            access::FILE_READ_DATA,
            disposition::OPEN,
            options::DELETE_ON_CLOSE
        )
        .await
        .unwrap_err(),
        NtStatus::INVALID_PARAMETER
    );
    // The share root.
    let root = e
        .create("", access::FILE_READ_ATTRIBUTES, disposition::OPEN, 0)
        .await
        .unwrap();
    assert_eq!(root.file_attributes & 0x10, 0x10);
    e.close(d.file_id).await;
    e.close(f.file_id).await;
    e.close(root.file_id).await;
    // IPC$: only the pipes smbkit-rpc serves (tests/pipes.rs has the rest).
    let ipc = Env {
        tree: Arc::new(TreeInfo {
            id: 1,
            share: "IPC$".into(),
            ipc: true,
            encrypt: false,
        }),
        ..e
    };
    assert_eq!(
        ipc.create("lsarpc", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    assert!(ipc.create("srvsvc", RW, disposition::OPEN, 0).await.is_ok());
}

#[tokio::test]
async fn read_only_share() {
    let e = env_with(true);
    assert_eq!(
        e.create("new", access::FILE_READ_DATA, disposition::CREATE, 0)
            .await
            .unwrap_err(),
        NtStatus::MEDIA_WRITE_PROTECTED
    );
    assert_eq!(
        e.create("", access::GENERIC_WRITE, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::ACCESS_DENIED
    );
    let root = e
        .create("", access::MAXIMUM_ALLOWED, disposition::OPEN, 0)
        .await
        .unwrap();
    assert_eq!(
        e.set_info(
            root.file_id,
            fscc::class::FILE_DISPOSITION_INFORMATION,
            &[1]
        )
        .await
        .status,
        NtStatus::ACCESS_DENIED
    );
}

#[tokio::test]
async fn ownership_and_connection_close() {
    let e = env();
    let f = e.create("mine", RW, disposition::CREATE, 0).await.unwrap();
    // Another tree, session or connection cannot use the handle.
    let other_tree = Env {
        tree: Arc::new(TreeInfo {
            id: 6,
            share: "public".into(),
            ipc: false,
            encrypt: false,
        }),
        ..env()
    };
    let _ = other_tree;
    let stranger = Env {
        conn: e.conn + 1,
        d: e.d.clone(),
        session: Arc::clone(&e.session),
        tree: Arc::clone(&e.tree),
    };
    assert_eq!(
        stranger.read(f.file_id, 0, 1, 0).await.status,
        NtStatus::FILE_CLOSED
    );
    let same_ids_new_tree = Env {
        conn: e.conn,
        d: e.d.clone(),
        session: Arc::clone(&e.session),
        tree: Arc::new((*e.tree).clone()),
    };
    assert_eq!(
        same_ids_new_tree.read(f.file_id, 0, 1, 0).await.status,
        NtStatus::FILE_CLOSED
    );
    assert_eq!(e.d.files().unwrap().open_count(), 1);
    // The tree is dropped (TREE_DISCONNECT): a sweep closes its opens.
    assert_eq!(e.d.sweep(e.conn).await, 0);
    drop(stranger);
    drop(same_ids_new_tree);
    let Env { d, conn, tree, .. } = e;
    drop(tree);
    assert_eq!(d.sweep(conn).await, 1);
    assert_eq!(d.files().unwrap().open_count(), 0);
}
