//! `LocalFs` watching (inotify): changes made directly on disk by this
//! process reach the change feed as share-relative events; subtree watches
//! follow new directories; the watch limit turns into an overflow; MemFs
//! does not watch.

// Test code: failures should be loud.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::TempDir;
use smbkit_vfs::{ChangeFeed, FsEvent, LocalFs, LocalFsOptions, MemFs, SmbPath, Vfs, VfsError};

fn p(s: &str) -> SmbPath {
    SmbPath::parse(s).unwrap()
}

fn share(tag: &str, opts: LocalFsOptions) -> (TempDir, LocalFs) {
    let tmp = TempDir::new(tag);
    let fs = LocalFs::new(tmp.path().to_path_buf(), opts).unwrap();
    (tmp, fs)
}

/// Collects events until `want` of them arrived or five seconds passed.
async fn collect(feed: &mut ChangeFeed, want: usize) -> Vec<FsEvent> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut got = Vec::new();
    while got.len() < want {
        match tokio::time::timeout_at(deadline, feed.next()).await {
            Ok(Some(batch)) => got.extend(batch),
            Ok(None) | Err(_) => break,
        }
    }
    got
}

/// What else arrives within a short while (for "nothing more" checks).
async fn quiet(feed: &mut ChangeFeed) -> Vec<FsEvent> {
    let mut got = Vec::new();
    while let Ok(Some(batch)) = tokio::time::timeout(Duration::from_millis(300), feed.next()).await
    {
        got.extend(batch);
    }
    got
}

#[tokio::test]
async fn outside_create_write_rename_remove_are_reported() {
    let (tmp, fs) = share("watch-basic", LocalFsOptions::default());
    std::fs::create_dir(tmp.path().join("Dir")).unwrap();
    let mut feed = fs.changes().unwrap();
    // Case-insensitive lookup; events carry the on-disk case.
    let _w = fs.watch(&p("dir"), false).await.unwrap();

    std::fs::write(tmp.path().join("Dir/a.txt"), b"x").unwrap();
    let got = collect(&mut feed, 2).await;
    assert_eq!(
        got.first(),
        Some(&FsEvent::Added {
            path: p("Dir\\a.txt"),
            is_dir: false
        })
    );
    assert!(got.contains(&FsEvent::Modified {
        path: p("Dir\\a.txt")
    }));
    quiet(&mut feed).await;

    std::fs::rename(tmp.path().join("Dir/a.txt"), tmp.path().join("Dir/b.txt")).unwrap();
    assert_eq!(
        collect(&mut feed, 1).await,
        vec![FsEvent::Renamed {
            from: p("Dir\\a.txt"),
            to: p("Dir\\b.txt"),
            is_dir: false
        }]
    );

    std::fs::create_dir(tmp.path().join("Dir/sub")).unwrap();
    std::fs::remove_file(tmp.path().join("Dir/b.txt")).unwrap();
    assert_eq!(
        collect(&mut feed, 2).await,
        vec![
            FsEvent::Added {
                path: p("Dir\\sub"),
                is_dir: true
            },
            FsEvent::Removed {
                path: p("Dir\\b.txt"),
                is_dir: false
            },
        ]
    );

    // Moved out of the watched directory: a removal.
    std::fs::rename(tmp.path().join("Dir/sub"), tmp.path().join("gone")).unwrap();
    assert_eq!(
        collect(&mut feed, 1).await,
        vec![FsEvent::Removed {
            path: p("Dir\\sub"),
            is_dir: true
        }]
    );
    // Not watched: the share root and (without subtree) Dir\sub2's insides.
    std::fs::create_dir(tmp.path().join("Dir/sub2")).unwrap();
    collect(&mut feed, 1).await;
    std::fs::write(tmp.path().join("top.txt"), b"x").unwrap();
    std::fs::write(tmp.path().join("Dir/sub2/deep.txt"), b"x").unwrap();
    assert_eq!(quiet(&mut feed).await, vec![]);
}

#[tokio::test]
async fn a_subtree_watch_follows_new_and_moved_directories() {
    let (tmp, fs) = share("watch-tree", LocalFsOptions::default());
    std::fs::create_dir_all(tmp.path().join("t/old/deep")).unwrap();
    let mut feed = fs.changes().unwrap();
    let _w = fs.watch(&p("t"), true).await.unwrap();

    std::fs::write(tmp.path().join("t/old/deep/f"), b"").unwrap();
    assert_eq!(
        collect(&mut feed, 1).await,
        vec![FsEvent::Added {
            path: p("t\\old\\deep\\f"),
            is_dir: false
        }]
    );

    std::fs::create_dir(tmp.path().join("t/new")).unwrap();
    collect(&mut feed, 1).await;
    std::fs::write(tmp.path().join("t/new/g"), b"").unwrap();
    assert_eq!(
        collect(&mut feed, 1).await,
        vec![FsEvent::Added {
            path: p("t\\new\\g"),
            is_dir: false
        }]
    );

    // A renamed directory keeps being watched under its new name.
    std::fs::rename(tmp.path().join("t/old"), tmp.path().join("t/renamed")).unwrap();
    collect(&mut feed, 1).await;
    std::fs::remove_file(tmp.path().join("t/renamed/deep/f")).unwrap();
    assert_eq!(
        collect(&mut feed, 1).await,
        vec![FsEvent::Removed {
            path: p("t\\renamed\\deep\\f"),
            is_dir: false
        }]
    );
}

#[tokio::test]
async fn past_the_watch_limit_the_tree_overflows_and_dropping_unwatches() {
    let opts = LocalFsOptions {
        max_watches: 2,
        ..LocalFsOptions::default()
    };
    let (tmp, fs) = share("watch-limit", opts);
    std::fs::create_dir_all(tmp.path().join("t/a/b/c")).unwrap();
    let mut feed = fs.changes().unwrap();
    let w = fs.watch(&p("t"), true).await.unwrap();
    assert_eq!(
        collect(&mut feed, 1).await,
        vec![FsEvent::Overflow { dir: p("t") }]
    );
    drop(w);
    std::fs::write(tmp.path().join("t/x"), b"").unwrap();
    assert_eq!(quiet(&mut feed).await, vec![]);
    // The descriptors were released: a new watch fits again.
    let _w = fs.watch(&p("t\\a\\b"), false).await.unwrap();
    std::fs::write(tmp.path().join("t/a/b/y"), b"").unwrap();
    assert_eq!(
        collect(&mut feed, 1).await,
        vec![FsEvent::Added {
            path: p("t\\a\\b\\y"),
            is_dir: false
        }]
    );
}

#[tokio::test]
async fn missing_directories_and_memfs() {
    let (_tmp, fs) = share("watch-missing", LocalFsOptions::default());
    assert!(matches!(
        fs.watch(&p("nope"), false).await,
        Err(VfsError::NotFound)
    ));
    let mem = MemFs::default();
    assert!(matches!(mem.changes(), Err(VfsError::NotSupported(_))));
    assert!(matches!(
        mem.watch(&SmbPath::root(), true).await,
        Err(VfsError::NotSupported(_))
    ));
}
