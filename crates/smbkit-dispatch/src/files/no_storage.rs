//! The storage type of a dispatcher without file commands.

use bytes::Bytes;
use smbkit_vfs::{
    DirEntry, FileInfo, Handle, OpenHow, Opened, SetInfo, SmbPath, Vfs, VfsError, VolumeInfo,
};

/// No storage at all: the `V` of a [`Dispatcher`](crate::Dispatcher) built
/// with [`Dispatcher::builder`](crate::Dispatcher::builder). It has no
/// values, so none of its methods can ever run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoStorage {}

impl Vfs for NoStorage {
    async fn open(&self, _: &SmbPath, _: OpenHow) -> Result<Opened, VfsError> {
        match *self {}
    }
    async fn read_at(&self, _: Handle, _: u64, _: usize) -> Result<Bytes, VfsError> {
        match *self {}
    }
    async fn write_at(&self, _: Handle, _: u64, _: &[u8]) -> Result<usize, VfsError> {
        match *self {}
    }
    async fn flush(&self, _: Handle) -> Result<(), VfsError> {
        match *self {}
    }
    async fn set_len(&self, _: Handle, _: u64) -> Result<(), VfsError> {
        match *self {}
    }
    async fn info(&self, _: Handle) -> Result<FileInfo, VfsError> {
        match *self {}
    }
    async fn stat(&self, _: &SmbPath) -> Result<FileInfo, VfsError> {
        match *self {}
    }
    async fn set_info(&self, _: Handle, _: SetInfo) -> Result<(), VfsError> {
        match *self {}
    }
    async fn read_dir(&self, _: Handle) -> Result<Vec<DirEntry>, VfsError> {
        match *self {}
    }
    async fn rename(&self, _: Handle, _: &SmbPath, _: bool) -> Result<(), VfsError> {
        match *self {}
    }
    async fn remove(&self, _: &SmbPath) -> Result<(), VfsError> {
        match *self {}
    }
    async fn close(&self, _: Handle) -> Result<(), VfsError> {
        match *self {}
    }
    async fn volume(&self) -> Result<VolumeInfo, VfsError> {
        match *self {}
    }
}
