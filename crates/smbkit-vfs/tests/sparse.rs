//! Sparse files: the SPARSE_FILE attribute (set only through
//! `Vfs::set_sparse`, kept across SET_INFO), hole punching and allocated
//! ranges, on `LocalFs` (temp dir) and `MemFs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use smbkit_vfs::{DosAttributes, LocalFs, LocalFsOptions, MemFs, OpenHow, SetInfo, Vfs};

async fn sparse_flag_is_kept<V: Vfs>(fs: &V) {
    let h = fs
        .open(&p("f"), OpenHow::create_file())
        .await
        .unwrap()
        .handle;
    let sparse = |i: smbkit_vfs::FileInfo| i.attributes.contains(DosAttributes::SPARSE_FILE);
    assert!(!sparse(fs.info(h).await.unwrap()));
    fs.set_sparse(h, true).await.unwrap();
    assert!(sparse(fs.info(h).await.unwrap()));
    // A SET_INFO of attributes neither clears nor sets it.
    let set = |a: u32| SetInfo {
        attributes: Some(DosAttributes(a)),
        ..SetInfo::default()
    };
    fs.set_info(h, set(DosAttributes::HIDDEN.bits()))
        .await
        .unwrap();
    let info = fs.info(h).await.unwrap();
    assert!(sparse(info));
    assert!(info.attributes.contains(DosAttributes::HIDDEN));
    fs.set_sparse(h, false).await.unwrap();
    assert!(!sparse(fs.info(h).await.unwrap()));
    fs.set_info(h, set(DosAttributes::SPARSE_FILE.bits()))
        .await
        .unwrap();
    assert!(!sparse(fs.info(h).await.unwrap()));
    let d = fs
        .open(&p("d"), OpenHow::create_dir())
        .await
        .unwrap()
        .handle;
    assert!(fs.set_sparse(d, true).await.is_err());
}

#[tokio::test]
async fn memfs_sparse_flag() {
    sparse_flag_is_kept(&MemFs::default()).await;
}

#[tokio::test]
async fn localfs_sparse_flag() {
    let tmp = TempDir::new("sparse-flag");
    let fs = LocalFs::new(tmp.path().to_path_buf(), LocalFsOptions::default()).unwrap();
    sparse_flag_is_kept(&fs).await;
}

#[tokio::test]
async fn localfs_holes_and_ranges() {
    let tmp = TempDir::new("sparse-holes");
    let fs = LocalFs::new(tmp.path().to_path_buf(), LocalFsOptions::default()).unwrap();
    let h = fs
        .open(&p("f"), OpenHow::create_file())
        .await
        .unwrap()
        .handle;
    let mib = 1u64 << 20;
    fs.write_at(h, 0, &vec![7u8; 1 << 20]).await.unwrap();
    assert_eq!(
        fs.allocated_ranges(h, 0, 2 * mib).await.unwrap(),
        vec![(0, mib)]
    );
    match fs.punch_hole(h, 0, mib / 2).await {
        Ok(()) => {
            let ranges = fs.allocated_ranges(h, 0, mib).await.unwrap();
            // Where the file system keeps holes, the first half is gone.
            assert!(
                ranges == vec![(mib / 2, mib / 2)] || ranges == vec![(0, mib)],
                "{ranges:?}"
            );
            let data = fs.read_at(h, 0, 1 << 20).await.unwrap();
            assert!(data[..(1 << 19)].iter().all(|b| *b == 0));
            assert!(data[(1 << 19)..].iter().all(|b| *b == 7));
            assert_eq!(fs.info(h).await.unwrap().size, mib, "size kept");
        }
        Err(e) => assert!(matches!(e, smbkit_vfs::VfsError::NotSupported(_)), "{e}"),
    }
    // Past the end of file: nothing.
    assert!(
        fs.allocated_ranges(h, 2 * mib, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn memfs_punch_zeroes_below_eof() {
    let fs = MemFs::default();
    let h = fs
        .open(&p("f"), OpenHow::create_file())
        .await
        .unwrap()
        .handle;
    fs.write_at(h, 0, &[7u8; 100]).await.unwrap();
    fs.punch_hole(h, 50, 1000).await.unwrap();
    let data = fs.read_at(h, 0, 1000).await.unwrap();
    assert_eq!(data.len(), 100);
    assert!(data[..50].iter().all(|b| *b == 7));
    assert!(data[50..].iter().all(|b| *b == 0));
    assert_eq!(
        fs.allocated_ranges(h, 10, 1000).await.unwrap(),
        vec![(10, 90)]
    );
}
