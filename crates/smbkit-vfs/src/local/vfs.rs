//! [`Vfs`] for [`LocalFs`]: every call runs on the blocking pool.

use std::io;

use bytes::Bytes;
use cap_std::fs::{FileExt, Metadata, MetadataExt};
use rustix::fs::{Timespec, Timestamps, UTIME_OMIT};

use super::attrs::{DosXattr, EAS_XATTR};
use super::names::Found;
use super::{Inner, LocalFs, Obj, lock, name_of};
use crate::mem::fold;
use crate::types::{
    DirEntry, Disposition, DosAttributes, FileInfo, FileTime, Handle, OpenAction, OpenHow, Opened,
    SetInfo, VolumeInfo,
};
use crate::{SmbPath, Vfs, VfsError};

fn timespec(t: Option<FileTime>) -> Timespec {
    match t {
        Some(t) => {
            let (s, ns) = t.to_unix();
            Timespec {
                tv_sec: s,
                tv_nsec: ns.into(),
            }
        }
        None => Timespec {
            tv_sec: 0,
            tv_nsec: UTIME_OMIT,
        },
    }
}

/// Appends up to `len` bytes of `f` at `offset` to `buf` (fewer at the end
/// of file), reading straight into the buffer's spare room: no zeroing and
/// no copy.
fn read_file_into(
    f: &cap_std::fs::File,
    offset: u64,
    len: usize,
    mut buf: Vec<u8>,
) -> Result<Vec<u8>, VfsError> {
    // Bound the buffer by what the file holds now.
    let available = f.metadata()?.len().saturating_sub(offset);
    let want = usize::try_from(available).unwrap_or(usize::MAX).min(len);
    buf.reserve_exact(want);
    let start = buf.len();
    let end = start.saturating_add(want);
    while buf.len() < end {
        let at = u64::try_from(buf.len().saturating_sub(start))
            .map_or(u64::MAX, |done| offset.saturating_add(done));
        match rustix::io::pread(f, rustix::buffer::spare_capacity(&mut buf), at) {
            Ok(0) => break,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(io::Error::from(e).into()),
        }
    }
    // The file may have grown meanwhile: never more than asked.
    buf.truncate(end);
    Ok(buf)
}

fn same_object(a: &Metadata, b: &Metadata) -> bool {
    a.dev() == b.dev() && a.ino() == b.ino()
}

impl Vfs for LocalFs {
    async fn open(&self, path: &SmbPath, how: OpenHow) -> Result<Opened, VfsError> {
        let path = path.clone();
        self.run(move |inner| {
            let (h, action) = match inner.resolve(&path)? {
                Found::Existing(rel) => inner.open_existing(&rel, how)?,
                Found::Missing { parent, name } => {
                    if matches!(how.disposition, Disposition::Open | Disposition::Overwrite) {
                        return Err(VfsError::NotFound);
                    }
                    match inner.create(&parent, &name, how) {
                        Ok(h) => (h, OpenAction::Created),
                        // Another open created the name since we looked:
                        // the dispositions that accept an existing object
                        // open it, as if it had been there all along.
                        Err(VfsError::Exists) if how.disposition != Disposition::Create => {
                            inner.open_existing(&parent.join(&name), how)?
                        }
                        Err(e) => return Err(e),
                    }
                }
            };
            let info = inner.handle_info(&h)?;
            Ok(Opened {
                handle: inner.add_handle(h),
                action,
                info,
            })
        })
        .await
    }

    async fn read_at(&self, handle: Handle, offset: u64, len: usize) -> Result<Bytes, VfsError> {
        self.read_into(handle, offset, len, Vec::new())
            .await
            .map(Bytes::from)
    }

    async fn read_into(
        &self,
        handle: Handle,
        offset: u64,
        len: usize,
        buf: Vec<u8>,
    ) -> Result<Vec<u8>, VfsError> {
        let h = self.handle(handle)?;
        self.run(move |inner| {
            if let Some(s) = &h.stream {
                let stored = lock(s).clone();
                let data = inner.stream_read(&h, &stored, offset, len)?;
                let mut buf = buf;
                buf.extend_from_slice(&data);
                return Ok(buf);
            }
            let Obj::File(f) = &h.obj else {
                return Err(VfsError::IsADirectory);
            };
            if !h.read {
                return Err(VfsError::AccessDenied);
            }
            read_file_into(f, offset, len, buf)
        })
        .await
    }

    async fn write_at(&self, handle: Handle, offset: u64, data: &[u8]) -> Result<usize, VfsError> {
        // The blocking pool needs owned data: one copy.
        self.write_bytes(handle, offset, Bytes::copy_from_slice(data))
            .await
    }

    async fn write_bytes(
        &self,
        handle: Handle,
        offset: u64,
        data: Bytes,
    ) -> Result<usize, VfsError> {
        let h = self.handle(handle)?;
        u64::try_from(data.len())
            .ok()
            .and_then(|n| offset.checked_add(n))
            .ok_or(VfsError::InvalidParameter("write past the largest offset"))?;
        self.run(move |inner| {
            if let Some(s) = &h.stream {
                let stored = lock(s).clone();
                return inner.stream_write(&h, &stored, offset, &data);
            }
            let Obj::File(f) = &h.obj else {
                return Err(VfsError::IsADirectory);
            };
            if !h.write {
                return Err(VfsError::AccessDenied);
            }
            let mut done = 0usize;
            while let Some(rest) = data.get(done..).filter(|r| !r.is_empty()) {
                let at = offset.saturating_add(u64::try_from(done).unwrap_or(u64::MAX));
                match f.write_at(rest, at) {
                    Ok(0) => return Err(VfsError::DiskFull),
                    Ok(n) => done = done.saturating_add(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(done)
        })
        .await
    }

    async fn flush(&self, handle: Handle) -> Result<(), VfsError> {
        let h = self.handle(handle)?;
        self.run(move |_| Ok(rustix::fs::fsync(h.obj.fd()).map_err(io::Error::from)?))
            .await
    }

    async fn set_len(&self, handle: Handle, len: u64) -> Result<(), VfsError> {
        let h = self.handle(handle)?;
        self.run(move |inner| {
            if let Some(s) = &h.stream {
                let stored = lock(s).clone();
                return inner.stream_set_len(&h, &stored, len);
            }
            let Obj::File(f) = &h.obj else {
                return Err(VfsError::IsADirectory);
            };
            if !h.write {
                return Err(VfsError::AccessDenied);
            }
            Ok(f.set_len(len)?)
        })
        .await
    }

    async fn info(&self, handle: Handle) -> Result<FileInfo, VfsError> {
        let h = self.handle(handle)?;
        self.run(move |inner| match &h.stream {
            Some(s) => {
                let stored = lock(s).clone();
                inner.stream_info(&h, &stored)
            }
            None => inner.handle_info(&h),
        })
        .await
    }

    async fn disk_path(&self, handle: Handle) -> Result<SmbPath, VfsError> {
        let h = self.handle(handle)?;
        let rel = lock(&h.path).clone();
        let names = rel
            .components()
            .map(|c| {
                c.as_os_str()
                    .to_str()
                    .ok_or(VfsError::Internal("non-UTF-8 name"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SmbPath::parse(&names.join("\\"))?)
    }

    async fn open_stream(
        &self,
        path: &SmbPath,
        stream: &str,
        how: OpenHow,
    ) -> Result<Opened, VfsError> {
        let path = path.clone();
        let stream = stream.to_owned();
        self.run(move |inner| {
            let (h, action) = inner.open_stream(&path, &stream, how)?;
            let stored = h
                .stream
                .as_ref()
                .map(|s| lock(s).clone())
                .unwrap_or_default();
            let info = inner.stream_info(&h, &stored)?;
            Ok(Opened {
                handle: inner.add_handle(h),
                action,
                info,
            })
        })
        .await
    }

    async fn streams(&self, handle: Handle) -> Result<Vec<(String, u64)>, VfsError> {
        let h = self.handle(handle)?;
        self.run(move |inner| inner.list_streams(&h)).await
    }

    async fn remove_stream(&self, path: &SmbPath, stream: &str) -> Result<(), VfsError> {
        let path = path.clone();
        let stream = stream.to_owned();
        self.run(move |inner| inner.remove_stream(&path, &stream))
            .await
    }

    async fn rename_stream(
        &self,
        handle: Handle,
        new: &str,
        replace: bool,
    ) -> Result<(), VfsError> {
        let h = self.handle(handle)?;
        let new = new.to_owned();
        self.run(move |inner| inner.rename_stream(&h, &new, replace))
            .await
    }

    async fn watch(&self, dir: &SmbPath, subtree: bool) -> Result<crate::DirWatch, VfsError> {
        self.watch_dir(dir, subtree).await
    }

    fn changes(&self) -> Result<crate::ChangeFeed, VfsError> {
        self.change_feed()
    }

    async fn stat(&self, path: &SmbPath) -> Result<FileInfo, VfsError> {
        let path = path.clone();
        self.run(move |inner| match inner.resolve(&path)? {
            Found::Existing(rel) => inner.info_at(&inner.root, &rel, inner.lmeta(&rel)?),
            Found::Missing { .. } => Err(VfsError::NotFound),
        })
        .await
    }

    async fn stat_and_security(
        &self,
        path: &SmbPath,
    ) -> Result<(FileInfo, Option<Vec<u8>>), VfsError> {
        let path = path.clone();
        // One lookup, one descriptor for both xattrs, one blocking hop.
        self.run(move |inner| match inner.resolve(&path)? {
            Found::Existing(rel) => inner.info_and_sd(&rel),
            Found::Missing { .. } => Err(VfsError::NotFound),
        })
        .await
    }

    async fn set_info(&self, handle: Handle, info: SetInfo) -> Result<(), VfsError> {
        let h = self.handle(handle)?;
        self.run(move |inner| {
            let fd = h.obj.fd();
            if info.last_access_time.is_some() || info.last_write_time.is_some() {
                let ts = Timestamps {
                    last_access: timespec(info.last_access_time),
                    last_modification: timespec(info.last_write_time),
                };
                rustix::fs::futimens(fd, &ts).map_err(io::Error::from)?;
            }
            let stored = inner.read_xattr(fd);
            let had_change = stored.is_some_and(|s| s.change.0 != 0);
            if info.creation_time.is_some()
                || info.attributes.is_some()
                || info.change_time.is_some()
                || had_change
            {
                let current = inner.handle_info(&h)?;
                let mtime = h.obj.metadata().map_or(FileTime(0), |m| {
                    FileTime::from_unix(m.mtime(), u32::try_from(m.mtime_nsec()).unwrap_or(0))
                });
                let x = DosXattr {
                    attributes: match info.attributes {
                        // SPARSE_FILE is not the client's to change here.
                        Some(a) => a.intersection(DosAttributes::SETTABLE).union(
                            stored.map_or(DosAttributes::empty(), |s| {
                                s.attributes.intersection(DosAttributes::SPARSE_FILE)
                            }),
                        ),
                        None => stored
                            .map(|s| s.attributes)
                            .unwrap_or(current.attributes)
                            .intersection(DosAttributes::STORED),
                    },
                    creation: info
                        .creation_time
                        .or(stored.map(|s| s.creation))
                        .unwrap_or(current.creation_time),
                    // A set change time stays until the data changes.
                    change: info
                        .change_time
                        .or(stored
                            .filter(|s| s.change_mtime == mtime && info.last_write_time.is_none())
                            .map(|s| s.change))
                        .unwrap_or(FileTime(0)),
                    change_mtime: mtime,
                };
                inner.write_xattr(fd, x)?;
            }
            Ok(())
        })
        .await
    }

    async fn read_dir(&self, handle: Handle) -> Result<Vec<DirEntry>, VfsError> {
        let h = self.handle(handle)?;
        self.run(move |inner| {
            let Obj::Dir(dir) = &h.obj else {
                return Err(VfsError::NotADirectory);
            };
            let base = lock(&h.path).clone();
            let mut out = Vec::new();
            for entry in dir.entries()? {
                let Ok(name) = entry?.file_name().into_string() else {
                    continue; // not UTF-8: no client can name it
                };
                if let Some(info) = inner.entry_info(dir, &base, &name) {
                    out.push(DirEntry { name, info });
                }
            }
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
        .await
    }

    async fn stat_entries(
        &self,
        dir: Handle,
        names: Vec<String>,
    ) -> Result<Vec<Option<FileInfo>>, VfsError> {
        let h = self.handle(dir)?;
        // One blocking hop for the whole batch, each name looked up through
        // the directory's own descriptor, as read_dir does.
        self.run(move |inner| {
            let Obj::Dir(d) = &h.obj else {
                return Err(VfsError::NotADirectory);
            };
            let base = lock(&h.path).clone();
            Ok(names
                .iter()
                .map(|name| inner.entry_info(d, &base, name))
                .collect())
        })
        .await
    }

    async fn rename(&self, handle: Handle, new: &SmbPath, replace: bool) -> Result<(), VfsError> {
        let h = self.handle(handle)?;
        let new = new.clone();
        self.run(move |inner| {
            let old = lock(&h.path).clone();
            if old.as_os_str().is_empty() || new.is_root() {
                return Err(VfsError::AccessDenied);
            }
            // The handle's path must still name the handle's object.
            let now = inner.root.symlink_metadata(&old)?;
            if !same_object(&now, &h.obj.metadata()?) {
                return Err(VfsError::NotFound);
            }
            let new_name = new.file_name().unwrap_or_default();
            let target = match inner.resolve(&new)? {
                Found::Existing(t) => {
                    let same =
                        t.parent() == old.parent() && fold(&name_of(&t)) == fold(&name_of(&old));
                    if same {
                        t.parent().map(|p| p.join(new_name)).unwrap_or_default()
                    } else {
                        if !replace {
                            return Err(VfsError::Exists);
                        }
                        if inner.root.symlink_metadata(&t)?.is_dir() {
                            return Err(VfsError::AccessDenied);
                        }
                        t
                    }
                }
                Found::Missing { parent, name } => parent.join(name),
            };
            if target != old && target.starts_with(&old) {
                return Err(VfsError::InvalidParameter(
                    "cannot move a directory into itself",
                ));
            }
            inner.root.rename(&old, &inner.root, &target)?;
            inner.cache_clear();
            for other in lock(&inner.handles).values() {
                let mut p = lock(&other.path);
                if let Ok(rest) = p.strip_prefix(&old) {
                    // `join("")` would add a trailing slash.
                    let moved = if rest.as_os_str().is_empty() {
                        target.clone()
                    } else {
                        target.join(rest)
                    };
                    *p = moved;
                }
            }
            Ok(())
        })
        .await
    }

    async fn remove(&self, path: &SmbPath) -> Result<(), VfsError> {
        let path = path.clone();
        self.run(move |inner| {
            let Found::Existing(rel) = inner.resolve(&path)? else {
                return Err(VfsError::NotFound);
            };
            if rel.as_os_str().is_empty() {
                return Err(VfsError::CannotDelete);
            }
            let lmeta = inner.lmeta(&rel)?;
            if lmeta.is_dir() {
                inner.root.remove_dir(&rel)?;
            } else {
                if lmeta.is_file() {
                    let info = inner.info_at(&inner.root, &rel, lmeta)?;
                    if info.attributes.contains(DosAttributes::READONLY) {
                        return Err(VfsError::CannotDelete);
                    }
                }
                inner.root.remove_file(&rel)?;
            }
            inner.cache_clear();
            Ok(())
        })
        .await
    }

    async fn close(&self, handle: Handle) -> Result<(), VfsError> {
        let h = lock(&self.inner.handles)
            .remove(&handle.0)
            .ok_or(VfsError::InvalidHandle)?;
        // Closing a descriptor can block (NFS flushes): do it off the runtime.
        self.run(move |_| {
            drop(h);
            Ok(())
        })
        .await
    }

    async fn security(&self, handle: Handle) -> Result<Option<Vec<u8>>, VfsError> {
        let h = self.handle(handle)?;
        self.run(move |inner| inner.read_sd(h.obj.fd())).await
    }

    async fn security_at(&self, path: &SmbPath) -> Result<Option<Vec<u8>>, VfsError> {
        let path = path.clone();
        self.run(move |inner| match inner.resolve(&path)? {
            Found::Existing(rel) => {
                let meta = if rel.as_os_str().is_empty() {
                    inner.root.dir_metadata()?
                } else {
                    inner.root.metadata(&rel)?
                };
                if !meta.is_dir() && !meta.is_file() {
                    return Err(VfsError::AccessDenied);
                }
                let obj = Inner::open_for_meta(&inner.root, &rel, meta.is_dir())?;
                inner.read_sd(obj.fd())
            }
            Found::Missing { .. } => Err(VfsError::NotFound),
        })
        .await
    }

    async fn set_security(&self, handle: Handle, sd: Option<Vec<u8>>) -> Result<(), VfsError> {
        if sd
            .as_ref()
            .is_some_and(|sd| sd.len() > crate::MAX_SECURITY_LEN)
        {
            return Err(VfsError::InvalidParameter("security descriptor too large"));
        }
        let h = self.handle(handle)?;
        self.run(move |inner| inner.write_sd(h.obj.fd(), sd.as_deref()))
            .await
    }

    async fn eas(&self, handle: Handle) -> Result<Vec<(String, Vec<u8>)>, VfsError> {
        let h = self.handle(handle)?;
        self.run(move |inner| {
            Ok(inner
                .read_blob(h.obj.fd(), EAS_XATTR)?
                .map(|b| crate::ea::decode_eas(&b))
                .unwrap_or_default())
        })
        .await
    }

    async fn set_eas(&self, handle: Handle, eas: Vec<(String, Vec<u8>)>) -> Result<(), VfsError> {
        let blob = crate::ea::encode_eas(&eas)
            .ok_or(VfsError::InvalidParameter("extended attributes too large"))?;
        let h = self.handle(handle)?;
        self.run(move |inner| {
            let value = (!blob.is_empty()).then_some(blob.as_slice());
            inner.write_blob(h.obj.fd(), EAS_XATTR, value)
        })
        .await
    }

    async fn allocate(&self, handle: Handle, size: u64) -> Result<(), VfsError> {
        let h = self.handle(handle)?;
        self.run(move |_| {
            let Obj::File(f) = &h.obj else {
                return Err(VfsError::IsADirectory);
            };
            if !h.write {
                return Err(VfsError::AccessDenied);
            }
            if size == 0 {
                return Ok(());
            }
            match rustix::fs::fallocate(f, rustix::fs::FallocateFlags::KEEP_SIZE, 0, size) {
                Ok(()) => Ok(()),
                Err(rustix::io::Errno::OPNOTSUPP) => Err(VfsError::NotSupported(
                    "this file system cannot preallocate",
                )),
                Err(e) => Err(io::Error::from(e).into()),
            }
        })
        .await
    }

    async fn set_sparse(&self, handle: Handle, sparse: bool) -> Result<(), VfsError> {
        let h = self.handle(handle)?;
        self.run(move |inner| {
            if !matches!(h.obj, Obj::File(_)) {
                return Err(VfsError::IsADirectory);
            }
            if !inner.opts.dos_xattr {
                return Err(VfsError::NotSupported(
                    "sparse files need the DOS attribute xattr",
                ));
            }
            let fd = h.obj.fd();
            let x = match inner.read_xattr(fd) {
                Some(x) => x,
                None => {
                    let current = inner.handle_info(&h)?;
                    DosXattr::new(
                        current.attributes.intersection(DosAttributes::SETTABLE),
                        current.creation_time,
                    )
                }
            };
            let attributes = if sparse {
                x.attributes.union(DosAttributes::SPARSE_FILE)
            } else {
                x.attributes.difference(DosAttributes::SPARSE_FILE)
            };
            inner.write_xattr(fd, DosXattr { attributes, ..x })
        })
        .await
    }

    async fn allocated_ranges(
        &self,
        handle: Handle,
        offset: u64,
        len: u64,
    ) -> Result<Vec<(u64, u64)>, VfsError> {
        let h = self.handle(handle)?;
        self.run(move |_| {
            let Obj::File(f) = &h.obj else {
                return Err(VfsError::IsADirectory);
            };
            let size = f.metadata().map_err(VfsError::from)?.len();
            let end = offset.saturating_add(len).min(size);
            let mut ranges = Vec::new();
            let mut at = offset;
            while at < end {
                // SEEK_DATA: the next byte of data at or after `at`
                // (ENXIO: none before the end of file).
                let data = match rustix::fs::seek(f, rustix::fs::SeekFrom::Data(at)) {
                    Ok(d) => d,
                    Err(rustix::io::Errno::NXIO) => break,
                    Err(rustix::io::Errno::INVAL) => {
                        // No SEEK_DATA here: all of it is data.
                        ranges.push((at, end.saturating_sub(at)));
                        break;
                    }
                    Err(e) => return Err(io::Error::from(e).into()),
                };
                if data >= end {
                    break;
                }
                let hole = rustix::fs::seek(f, rustix::fs::SeekFrom::Hole(data))
                    .map_err(io::Error::from)?
                    .min(end);
                if hole <= data {
                    break;
                }
                ranges.push((data, hole.saturating_sub(data)));
                at = hole;
            }
            Ok(ranges)
        })
        .await
    }

    async fn punch_hole(&self, handle: Handle, offset: u64, len: u64) -> Result<(), VfsError> {
        let h = self.handle(handle)?;
        self.run(move |_| {
            let Obj::File(f) = &h.obj else {
                return Err(VfsError::IsADirectory);
            };
            if !h.write {
                return Err(VfsError::AccessDenied);
            }
            if len == 0 {
                return Ok(());
            }
            let flags =
                rustix::fs::FallocateFlags::PUNCH_HOLE | rustix::fs::FallocateFlags::KEEP_SIZE;
            match rustix::fs::fallocate(f, flags, offset, len) {
                Ok(()) => Ok(()),
                Err(rustix::io::Errno::OPNOTSUPP) => Err(VfsError::NotSupported(
                    "this file system cannot punch holes",
                )),
                Err(e) => Err(io::Error::from(e).into()),
            }
        })
        .await
    }

    async fn volume(&self) -> Result<VolumeInfo, VfsError> {
        self.run(|inner| {
            let s = rustix::fs::fstatvfs(&inner.root).map_err(io::Error::from)?;
            Ok(VolumeInfo {
                total: s.f_blocks.saturating_mul(s.f_frsize),
                free: s.f_bavail.saturating_mul(s.f_frsize),
                block_size: u32::try_from(s.f_frsize).unwrap_or(4096),
                fs_name: inner.opts.fs_name.clone(),
                serial: inner.serial,
            })
        })
        .await
    }
}
