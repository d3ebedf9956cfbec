//! The calls that spare the server copies and blocking hops (`read_into`,
//! `write_bytes`), run against both `MemFs` and `LocalFs`.

// Test code: failures should be loud.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bytes::Bytes;
use common::*;
use smbkit_vfs::{LocalFs, LocalFsOptions, MemFs, OpenHow, Vfs};
use smbkit_wire::NtStatus;

mod cases {
    use super::*;

    pub async fn read_into_appends<V: Vfs>(fs: &V) {
        let o = fs.open(&p("data"), OpenHow::create_file()).await.unwrap();
        let data = Bytes::from_static(b"0123456789abcdef");
        assert_eq!(fs.write_bytes(o.handle, 4, data).await.unwrap(), 16);
        // The bytes before the data stay; the data follows them.
        let buf = fs
            .read_into(o.handle, 6, 8, b"head".to_vec())
            .await
            .unwrap();
        assert_eq!(buf, b"head23456789");
        // Short at the end of file, nothing past it; the gap reads zeros.
        let buf = fs.read_into(o.handle, 16, 100, Vec::new()).await.unwrap();
        assert_eq!(buf, b"cdef");
        let buf = fs.read_into(o.handle, 40, 10, b"x".to_vec()).await.unwrap();
        assert_eq!(buf, b"x");
        let buf = fs.read_into(o.handle, 0, 6, Vec::new()).await.unwrap();
        assert_eq!(buf, [0, 0, 0, 0, b'0', b'1']);
        // A buffer with more room than asked for still gets only `len`.
        let buf = fs
            .read_into(o.handle, 4, 3, Vec::with_capacity(1000))
            .await
            .unwrap();
        assert_eq!(buf, b"012");
        fs.close(o.handle).await.unwrap();
    }

    pub async fn buffers_need_the_right_access<V: Vfs>(fs: &V) {
        let o = fs.open(&p("ro"), OpenHow::create_file()).await.unwrap();
        fs.close(o.handle).await.unwrap();
        let ro = fs.open(&p("ro"), OpenHow::read()).await.unwrap();
        let e = fs
            .write_bytes(ro.handle, 0, Bytes::from_static(b"x"))
            .await
            .unwrap_err();
        assert_eq!(e.status(), NtStatus::ACCESS_DENIED);
        let dir = fs.open(&p(""), OpenHow::dir()).await.unwrap();
        assert!(fs.read_into(dir.handle, 0, 1, Vec::new()).await.is_err());
        let rw = OpenHow {
            write: true,
            ..OpenHow::read()
        };
        let rw = fs.open(&p("ro"), rw).await.unwrap();
        let e = fs
            .write_bytes(rw.handle, u64::MAX, Bytes::from_static(b"xy"))
            .await
            .unwrap_err();
        assert_eq!(e.status(), NtStatus::INVALID_PARAMETER);
    }
}

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod memfs {
            use super::*;
            $(
                #[tokio::test]
                async fn $case() {
                    cases::$case(&MemFs::default()).await;
                }
            )*
        }
        mod localfs {
            use super::*;
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = TempDir::new(stringify!($case));
                    let fs = LocalFs::new(dir.path().to_path_buf(), LocalFsOptions::default())
                        .unwrap();
                    cases::$case(&fs).await;
                }
            )*
        }
    };
}

suite!(read_into_appends, buffers_need_the_right_access);
