//! Test helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use smbkit_vfs::{Handle, OpenHow, SmbPath, Vfs, VfsError};
use smbkit_wire::NtStatus;

/// A unique directory under `std::env::temp_dir()`, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!(
            "smbkit-vfs-{tag}-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&p).unwrap();
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn p(s: &str) -> SmbPath {
    SmbPath::parse(s).unwrap()
}

/// The status of an error result (panics on success).
pub fn status<T: std::fmt::Debug>(r: Result<T, VfsError>) -> NtStatus {
    r.expect_err("expected an error").status()
}

/// Creates `path` with `data` and closes it.
pub async fn put<V: Vfs>(fs: &V, path: &str, data: &[u8]) {
    let o = fs.open(&p(path), OpenHow::create_file()).await.unwrap();
    assert_eq!(fs.write_at(o.handle, 0, data).await.unwrap(), data.len());
    fs.close(o.handle).await.unwrap();
}

/// Reads the whole of `path`.
pub async fn get<V: Vfs>(fs: &V, path: &str) -> Vec<u8> {
    let o = fs.open(&p(path), OpenHow::read()).await.unwrap();
    let data = read_all(fs, o.handle).await;
    fs.close(o.handle).await.unwrap();
    data
}

pub async fn read_all<V: Vfs>(fs: &V, h: Handle) -> Vec<u8> {
    let size = fs.info(h).await.unwrap().size;
    fs.read_at(h, 0, usize::try_from(size).unwrap() + 16)
        .await
        .unwrap()
        .to_vec()
}

pub async fn mkdir<V: Vfs>(fs: &V, path: &str) {
    let o = fs.open(&p(path), OpenHow::create_dir()).await.unwrap();
    fs.close(o.handle).await.unwrap();
}

pub async fn names<V: Vfs>(fs: &V, dir: &str) -> Vec<String> {
    let o = fs.open(&p(dir), OpenHow::dir()).await.unwrap();
    let list = fs.read_dir(o.handle).await.unwrap();
    fs.close(o.handle).await.unwrap();
    list.into_iter().map(|e| e.name).collect()
}
