//! Property tests: `SmbPath::parse` is total and confining; `MemFs` and
//! `LocalFs` agree on random operation sequences.

// Test code: failures should be loud.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Component;

use common::*;
use proptest::prelude::*;
use smbkit_vfs::{
    Disposition, LocalFs, LocalFsOptions, MemFs, OpenHow, OpenKind, SmbPath, Vfs, VfsError,
};

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("..".to_owned()),
        Just(".".to_owned()),
        Just("\\".to_owned()),
        Just("/".to_owned()),
        Just(":".to_owned()),
        Just("\0".to_owned()),
        Just("a".to_owned()),
        Just("Ä".to_owned()),
        Just(" ".to_owned()),
        "\\PC{0,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_and_never_leaves_the_root(
        s in prop_oneof![any::<String>(), prop::collection::vec(fragment(), 0..12).prop_map(|v| v.concat())]
    ) {
        if let Ok(path) = SmbPath::parse(&s) {
            let rel = path.to_relative_path();
            prop_assert!(rel.is_relative());
            prop_assert_eq!(rel.components().count(), path.components().len());
            for c in rel.components() {
                prop_assert!(matches!(c, Component::Normal(_)), "{:?} in {:?}", c, s);
            }
            for c in path.components() {
                prop_assert!(c != "." && c != ".." && !c.is_empty());
                prop_assert!(!c.contains(['/', '\\', ':', '\0']));
            }
            // Display and parse agree.
            prop_assert_eq!(SmbPath::parse(&path.to_string()).unwrap(), path);
        }
    }
}

const PATHS: [&str; 8] = ["a", "A", "b", "d", "D\\x", "d\\Y", "e", "a\\z"];

#[derive(Clone, Debug)]
enum Op {
    Open {
        path: usize,
        disposition: Disposition,
        dir: bool,
    },
    Write {
        path: usize,
        offset: u64,
        data: Vec<u8>,
    },
    Read {
        path: usize,
        offset: u64,
        len: usize,
    },
    SetLen {
        path: usize,
        len: u64,
    },
    Rename {
        from: usize,
        to: usize,
        replace: bool,
    },
    Remove {
        path: usize,
    },
    Stat {
        path: usize,
    },
    List {
        path: Option<usize>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let path = 0..PATHS.len();
    let disposition = prop_oneof![
        Just(Disposition::Open),
        Just(Disposition::Create),
        Just(Disposition::OpenIf),
        Just(Disposition::Overwrite),
        Just(Disposition::OverwriteIf),
        Just(Disposition::Supersede),
    ];
    prop_oneof![
        (path.clone(), disposition, any::<bool>()).prop_map(|(path, disposition, dir)| Op::Open {
            path,
            disposition,
            dir
        }),
        (
            path.clone(),
            0u64..64,
            prop::collection::vec(any::<u8>(), 0..32)
        )
            .prop_map(|(path, offset, data)| Op::Write { path, offset, data }),
        (path.clone(), 0u64..80, 0usize..48).prop_map(|(path, offset, len)| Op::Read {
            path,
            offset,
            len
        }),
        (path.clone(), 0u64..80).prop_map(|(path, len)| Op::SetLen { path, len }),
        (path.clone(), path.clone(), any::<bool>()).prop_map(|(from, to, replace)| Op::Rename {
            from,
            to,
            replace
        }),
        path.clone().prop_map(|path| Op::Remove { path }),
        path.clone().prop_map(|path| Op::Stat { path }),
        prop::option::of(path).prop_map(|path| Op::List { path }),
    ]
}

/// What an operation showed, comparable across implementations (no ids or
/// times, which legitimately differ).
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Err(u32),
    Opened(smbkit_vfs::OpenAction, bool, u64),
    Data(Vec<u8>),
    Count(usize),
    Done,
    Info(bool, u64, u32),
    Listing(Vec<(String, bool, u64)>),
}

fn seen<T>(r: Result<T, VfsError>, f: impl FnOnce(T) -> Seen) -> Seen {
    match r {
        Ok(v) => f(v),
        Err(e) => Seen::Err(e.status().0),
    }
}

async fn with_handle<V: Vfs, F, Fut>(fs: &V, path: usize, write: bool, f: F) -> Seen
where
    F: FnOnce(smbkit_vfs::Handle) -> Fut,
    Fut: std::future::Future<Output = Seen>,
{
    let how = OpenHow::read().with_write(write);
    match fs.open(&p(PATHS[path]), how).await {
        Ok(o) => {
            let out = f(o.handle).await;
            fs.close(o.handle).await.unwrap();
            out
        }
        Err(e) => Seen::Err(e.status().0),
    }
}

async fn apply<V: Vfs>(fs: &V, op: &Op) -> Seen {
    match op.clone() {
        Op::Open {
            path,
            disposition,
            dir,
        } => {
            let mut how = OpenHow::create_file().with_disposition(disposition);
            how.kind = if dir {
                OpenKind::Directory
            } else {
                OpenKind::Any
            };
            match fs.open(&p(PATHS[path]), how).await {
                Ok(o) => {
                    fs.close(o.handle).await.unwrap();
                    Seen::Opened(o.action, o.info.is_dir, o.info.size)
                }
                Err(e) => Seen::Err(e.status().0),
            }
        }
        Op::Write { path, offset, data } => {
            with_handle(fs, path, true, |h| async move {
                seen(fs.write_at(h, offset, &data).await, Seen::Count)
            })
            .await
        }
        Op::Read { path, offset, len } => {
            with_handle(fs, path, false, |h| async move {
                seen(fs.read_at(h, offset, len).await, |b| Seen::Data(b.to_vec()))
            })
            .await
        }
        Op::SetLen { path, len } => {
            with_handle(fs, path, true, |h| async move {
                seen(fs.set_len(h, len).await, |()| Seen::Done)
            })
            .await
        }
        Op::Rename { from, to, replace } => {
            with_handle(fs, from, false, |h| async move {
                seen(fs.rename(h, &p(PATHS[to]), replace).await, |()| Seen::Done)
            })
            .await
        }
        Op::Remove { path } => seen(fs.remove(&p(PATHS[path])).await, |()| Seen::Done),
        Op::Stat { path } => seen(fs.stat(&p(PATHS[path])).await, |i| {
            Seen::Info(i.is_dir, i.size, i.attributes.bits())
        }),
        Op::List { path } => {
            let dir = path.map_or("", |i| PATHS[i]);
            match fs.open(&p(dir), OpenHow::dir()).await {
                Ok(o) => {
                    let out = seen(fs.read_dir(o.handle).await, |v| {
                        Seen::Listing(
                            v.into_iter()
                                .map(|e| (e.name, e.info.is_dir, e.info.size))
                                .collect(),
                        )
                    });
                    fs.close(o.handle).await.unwrap();
                    out
                }
                Err(e) => Seen::Err(e.status().0),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn memfs_and_localfs_agree(ops in prop::collection::vec(op(), 1..24)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let tmp = TempDir::new("agree");
        let local = LocalFs::new(tmp.path().to_path_buf(), LocalFsOptions::default()).unwrap();
        let mem = MemFs::default();
        rt.block_on(async {
            for (i, op) in ops.iter().enumerate() {
                let a = apply(&mem, op).await;
                let b = apply(&local, op).await;
                prop_assert_eq!(&a, &b, "step {} {:?}", i, op);
            }
            // Final trees agree too.
            let a = apply(&mem, &Op::List { path: None }).await;
            let b = apply(&local, &Op::List { path: None }).await;
            prop_assert_eq!(a, b);
            Ok(())
        })?;
    }
}
