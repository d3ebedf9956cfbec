//! Named streams (MS-FSA 2.1.5.1, MS-FSCC 2.1.5): the same cases on
//! `MemFs` and on `LocalFs` (a temp dir; streams live in xattrs).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use smbkit_vfs::{
    Disposition, DosAttributes, LocalFs, LocalFsOptions, MAX_STREAM_LEN, MemFs, OpenAction,
    OpenHow, OpenKind, SetInfo, Vfs, VfsError,
};

fn how(disposition: Disposition) -> OpenHow {
    OpenHow {
        disposition,
        kind: OpenKind::Any,
        read: true,
        write: true,
        follow: true,
    }
}

async fn read_all<V: Vfs>(fs: &V, h: smbkit_vfs::Handle) -> Vec<u8> {
    fs.read_at(h, 0, 1 << 20).await.unwrap().to_vec()
}

async fn create_read_write<V: Vfs>(fs: &V) {
    // Creating a stream of a missing file creates the file.
    let s = fs
        .open_stream(&p("f"), "Stream One", how(Disposition::Create))
        .await
        .unwrap();
    assert_eq!(s.action, OpenAction::Created);
    assert_eq!(s.info.size, 0);
    let base = fs.stat(&p("f")).await.unwrap();
    assert_eq!(base.size, 0);
    assert_eq!(s.info.file_id, base.file_id);
    assert_eq!(fs.write_at(s.handle, 0, b"test data").await.unwrap(), 9);
    assert_eq!(fs.write_at(s.handle, 5, b"MORE DATA ").await.unwrap(), 10);
    assert_eq!(read_all(fs, s.handle).await, b"test MORE DATA ");
    assert_eq!(fs.info(s.handle).await.unwrap().size, 15);
    assert_eq!(fs.read_at(s.handle, 5, 4).await.unwrap().as_ref(), b"MORE");
    assert!(fs.read_at(s.handle, 100, 4).await.unwrap().is_empty());
    fs.close(s.handle).await.unwrap();
    // The file's own data is untouched.
    assert_eq!(fs.stat(&p("f")).await.unwrap().size, 0);

    // Names compare ignoring case; the stored spelling is listed.
    let again = fs
        .open_stream(&p("F"), "STREAM one", how(Disposition::Open))
        .await
        .unwrap();
    assert_eq!(again.action, OpenAction::Opened);
    assert_eq!(read_all(fs, again.handle).await, b"test MORE DATA ");
    assert_eq!(
        fs.streams(again.handle).await.unwrap(),
        vec![("Stream One".to_owned(), 15)]
    );
    // EndOfFile of a stream.
    fs.set_len(again.handle, 4).await.unwrap();
    assert_eq!(read_all(fs, again.handle).await, b"test");
    fs.set_len(again.handle, 6).await.unwrap();
    assert_eq!(read_all(fs, again.handle).await, b"test\0\0");
    fs.close(again.handle).await.unwrap();

    // Dispositions.
    assert!(matches!(
        fs.open_stream(&p("f"), "stream one", how(Disposition::Create))
            .await,
        Err(VfsError::Exists)
    ));
    assert!(matches!(
        fs.open_stream(&p("f"), "missing", how(Disposition::Open))
            .await,
        Err(VfsError::NotFound)
    ));
    assert!(matches!(
        fs.open_stream(&p("nofile"), "s", how(Disposition::Open))
            .await,
        Err(VfsError::NotFound)
    ));
    let o = fs
        .open_stream(&p("f"), "Stream One", how(Disposition::OverwriteIf))
        .await
        .unwrap();
    assert_eq!(o.action, OpenAction::Overwritten);
    assert_eq!(o.info.size, 0);
    fs.close(o.handle).await.unwrap();

    // The file handle lists the streams too.
    let file = fs.open(&p("f"), OpenHow::read()).await.unwrap();
    let second = fs
        .open_stream(&p("f"), "a second", how(Disposition::OpenIf))
        .await
        .unwrap();
    fs.write_at(second.handle, 0, b"xy").await.unwrap();
    assert_eq!(
        fs.streams(file.handle).await.unwrap(),
        vec![("Stream One".to_owned(), 0), ("a second".to_owned(), 2)]
    );
    fs.close(second.handle).await.unwrap();
    fs.close(file.handle).await.unwrap();

    // Overwriting the file drops its named streams.
    let over = fs.open(&p("f"), how(Disposition::Overwrite)).await.unwrap();
    assert!(fs.streams(over.handle).await.unwrap().is_empty());
    fs.close(over.handle).await.unwrap();
}

async fn remove_and_rename<V: Vfs>(fs: &V) {
    let s = fs
        .open_stream(&p("f"), "one", how(Disposition::Create))
        .await
        .unwrap();
    fs.write_at(s.handle, 0, b"1").await.unwrap();
    let t = fs
        .open_stream(&p("f"), "two", how(Disposition::Create))
        .await
        .unwrap();
    fs.write_at(t.handle, 0, b"22").await.unwrap();
    // Rename onto an existing stream needs replace.
    assert!(matches!(
        fs.rename_stream(s.handle, "TWO", false).await,
        Err(VfsError::Exists)
    ));
    fs.rename_stream(s.handle, "three", false).await.unwrap();
    assert_eq!(read_all(fs, s.handle).await, b"1");
    fs.write_at(s.handle, 1, b"1").await.unwrap();
    let names: Vec<String> = fs
        .streams(s.handle)
        .await
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["three", "two"]);
    fs.rename_stream(s.handle, "two", true).await.unwrap();
    assert_eq!(
        fs.streams(s.handle).await.unwrap(),
        vec![("two".to_owned(), 2)]
    );
    // A file handle has no stream to rename.
    let file = fs.open(&p("f"), OpenHow::read()).await.unwrap();
    assert!(fs.rename_stream(file.handle, "x", false).await.is_err());
    fs.close(file.handle).await.unwrap();
    fs.close(s.handle).await.unwrap();
    fs.close(t.handle).await.unwrap();

    // Removing a stream leaves the file; removing the file takes its streams.
    fs.remove_stream(&p("f"), "TWO").await.unwrap();
    assert!(matches!(
        fs.remove_stream(&p("f"), "two").await,
        Err(VfsError::NotFound)
    ));
    assert!(fs.stat(&p("f")).await.is_ok());
    let s = fs
        .open_stream(&p("f"), "again", how(Disposition::Create))
        .await
        .unwrap();
    fs.close(s.handle).await.unwrap();
    fs.remove(&p("f")).await.unwrap();
    let f = fs.open(&p("f"), OpenHow::create_file()).await.unwrap();
    assert!(fs.streams(f.handle).await.unwrap().is_empty());
    fs.close(f.handle).await.unwrap();

    // A renamed file keeps its streams.
    let s = fs
        .open_stream(&p("g"), "kept", how(Disposition::Create))
        .await
        .unwrap();
    fs.write_at(s.handle, 0, b"k").await.unwrap();
    fs.close(s.handle).await.unwrap();
    let g = fs.open(&p("g"), how(Disposition::Open)).await.unwrap();
    fs.rename(g.handle, &p("h"), false).await.unwrap();
    fs.close(g.handle).await.unwrap();
    let s = fs
        .open_stream(&p("h"), "kept", how(Disposition::Open))
        .await
        .unwrap();
    assert_eq!(read_all(fs, s.handle).await, b"k");
    fs.close(s.handle).await.unwrap();
}

async fn refusals<V: Vfs>(fs: &V) {
    // Directories have streams too; the stream is data.
    let d = fs.open(&p("d"), OpenHow::create_dir()).await.unwrap();
    let ds = fs
        .open_stream(&p("d"), "s", how(Disposition::OpenIf))
        .await
        .unwrap();
    assert!(!ds.info.is_dir);
    fs.write_at(ds.handle, 0, b"dir data").await.unwrap();
    assert_eq!(read_all(fs, ds.handle).await, b"dir data");
    assert_eq!(
        fs.streams(d.handle).await.unwrap(),
        vec![("s".to_owned(), 8)]
    );
    fs.close(ds.handle).await.unwrap();
    fs.close(d.handle).await.unwrap();
    let dir_kind = OpenHow {
        kind: OpenKind::Directory,
        ..how(Disposition::Create)
    };
    assert!(matches!(
        fs.open_stream(&p("x"), "s", dir_kind).await,
        Err(VfsError::NotADirectory)
    ));
    for bad in ["", "a:b", "a\\b", "a/b", "a\0b"] {
        assert!(
            fs.open_stream(&p("f"), bad, how(Disposition::OpenIf))
                .await
                .is_err(),
            "{bad:?} accepted"
        );
    }
    // A stream never becomes a host name, whatever it holds.
    let s = fs
        .open_stream(&p("f"), "..", how(Disposition::OpenIf))
        .await
        .unwrap();
    fs.close(s.handle).await.unwrap();
    let root = fs.open(&p(""), OpenHow::read()).await.unwrap();
    let names: Vec<String> = fs
        .read_dir(root.handle)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["d", "f"]);
    fs.close(root.handle).await.unwrap();
    // A read-only file's streams are not written.
    let f = fs.open(&p("f"), how(Disposition::Open)).await.unwrap();
    let ro = SetInfo {
        attributes: Some(DosAttributes::READONLY),
        ..SetInfo::default()
    };
    fs.set_info(f.handle, ro).await.unwrap();
    fs.close(f.handle).await.unwrap();
    assert!(matches!(
        fs.open_stream(&p("f"), "..", how(Disposition::Open)).await,
        Err(VfsError::AccessDenied)
    ));
    let read_only = OpenHow {
        write: false,
        ..how(Disposition::Open)
    };
    let s = fs.open_stream(&p("f"), "..", read_only).await.unwrap();
    assert!(s.info.attributes.contains(DosAttributes::READONLY));
    fs.close(s.handle).await.unwrap();
}

async fn size_limit<V: Vfs>(fs: &V) {
    let s = fs
        .open_stream(&p("big"), "s", how(Disposition::Create))
        .await
        .unwrap();
    let past = u64::try_from(MAX_STREAM_LEN).unwrap();
    assert!(matches!(
        fs.write_at(s.handle, past, b"x").await,
        Err(VfsError::DiskFull)
    ));
    assert!(matches!(
        fs.set_len(s.handle, past + 1).await,
        Err(VfsError::DiskFull)
    ));
    fs.close(s.handle).await.unwrap();
}

async fn stored_case<V: Vfs>(fs: &V) {
    let d = fs.open(&p("Dir"), OpenHow::create_dir()).await.unwrap();
    fs.close(d.handle).await.unwrap();
    let f = fs
        .open(&p("Dir\\File.Txt"), OpenHow::create_file())
        .await
        .unwrap();
    fs.close(f.handle).await.unwrap();
    let again = fs.open(&p("DIR\\file.TXT"), OpenHow::read()).await.unwrap();
    assert_eq!(
        fs.disk_path(again.handle).await.unwrap(),
        p("Dir\\File.Txt")
    );
    fs.close(again.handle).await.unwrap();
    let root = fs.open(&p(""), OpenHow::read()).await.unwrap();
    assert!(fs.disk_path(root.handle).await.unwrap().is_root());
    fs.close(root.handle).await.unwrap();
}

macro_rules! both {
    ($($case:ident),* $(,)?) => {
        mod memfs {
            use super::*;
            $(#[tokio::test]
            async fn $case() {
                super::$case(&MemFs::default()).await;
            })*
        }
        mod localfs {
            use super::*;
            $(#[tokio::test]
            async fn $case() {
                let dir = TempDir::new(concat!("streams-", stringify!($case)));
                let fs = LocalFs::new(dir.path().to_path_buf(), LocalFsOptions::default()).unwrap();
                super::$case(&fs).await;
            })*
        }
    };
}

both!(
    create_read_write,
    remove_and_rename,
    refusals,
    size_limit,
    stored_case
);
