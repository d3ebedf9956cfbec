//! DOS attributes, creation time and a set change time in the
//! `user.smbkit.dos` xattr, the security descriptor in `user.smbkit.sd`,
//! and the [`FileInfo`] built from metadata and the xattr.

use std::io;
use std::os::fd::BorrowedFd;
use std::path::Path;

use cap_std::fs::{Dir, Metadata, MetadataExt, OpenOptions, OpenOptionsExt};
use rustix::fs::XattrFlags;

use super::{Inner, LocalHandle, Obj, lock, name_of, nonblock, open_dir_fd};
use crate::VfsError;
use crate::types::{DosAttributes, FileInfo, FileTime};

/// Name of the extended attribute holding DOS attributes and creation time.
pub const DOS_XATTR: &str = "user.smbkit.dos";
/// Name of the extended attribute holding the security descriptor (the
/// opaque bytes given to `set_security`).
pub const SD_XATTR: &str = "user.smbkit.sd";
/// Name of the extended attribute holding the client's extended
/// attributes (the format of `types::encode_eas`).
pub const EAS_XATTR: &str = "user.smbkit.eas";
/// Version byte of the [`DOS_XATTR`] format written now.
const XATTR_VERSION: u8 = 2;

/// Stored DOS information (the [`DOS_XATTR`] value).
///
/// Format version 2, 29 bytes: `version: u8 = 2`, `attributes: u32 LE`
/// (only [`DosAttributes::STORED`] bits), `creation: u64 LE` (FILETIME;
/// 0 = not stored), `change: u64 LE` (a change time a client set; 0 =
/// none), `change_mtime: u64 LE` (the mtime when it was set: the set
/// change time is reported while the mtime is still this). Version 1 is
/// the first 13 bytes alone. Other versions or lengths are ignored as if
/// absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct DosXattr {
    pub(super) attributes: DosAttributes,
    pub(super) creation: FileTime,
    pub(super) change: FileTime,
    pub(super) change_mtime: FileTime,
}

impl DosXattr {
    /// Attributes and creation time, no set change time.
    pub(super) fn new(attributes: DosAttributes, creation: FileTime) -> DosXattr {
        DosXattr {
            attributes,
            creation,
            change: FileTime(0),
            change_mtime: FileTime(0),
        }
    }

    pub(super) fn encode(self) -> [u8; 29] {
        let mut out = [0u8; 29];
        let (v, rest) = out.split_at_mut(1);
        let (a, rest) = rest.split_at_mut(4);
        let (c, rest) = rest.split_at_mut(8);
        let (ch, cm) = rest.split_at_mut(8);
        v.copy_from_slice(&[XATTR_VERSION]);
        a.copy_from_slice(&self.attributes.0.to_le_bytes());
        c.copy_from_slice(&self.creation.0.to_le_bytes());
        ch.copy_from_slice(&self.change.0.to_le_bytes());
        cm.copy_from_slice(&self.change_mtime.0.to_le_bytes());
        out
    }

    fn decode(b: &[u8]) -> Option<DosXattr> {
        let u64_at = |b: &[u8]| b.try_into().ok().map(u64::from_le_bytes);
        let (&version, rest) = b.split_first()?;
        let (head, tail) = match (version, rest.len()) {
            (1, 12) | (2, 28) => rest.split_at_checked(12)?,
            _ => return None,
        };
        let (a, c) = head.split_at_checked(4)?;
        let (change, change_mtime) = match tail.split_at_checked(8) {
            Some((ch, cm)) if !tail.is_empty() => (u64_at(ch)?, u64_at(cm)?),
            _ => (0, 0),
        };
        Some(DosXattr {
            attributes: DosAttributes(u32::from_le_bytes(a.try_into().ok()?))
                .intersection(DosAttributes::STORED),
            creation: FileTime(u64_at(c)?),
            change: FileTime(change),
            change_mtime: FileTime(change_mtime),
        })
    }
}

impl Inner {
    pub(super) fn read_xattr(&self, fd: BorrowedFd<'_>) -> Option<DosXattr> {
        if !self.opts.dos_xattr {
            return None;
        }
        let mut buf = [0u8; 32];
        let n = rustix::fs::fgetxattr(fd, DOS_XATTR, &mut buf).ok()?;
        DosXattr::decode(buf.get(..n)?)
    }

    pub(super) fn write_xattr(&self, fd: BorrowedFd<'_>, x: DosXattr) -> Result<(), VfsError> {
        if !self.opts.dos_xattr {
            return Ok(());
        }
        match rustix::fs::fsetxattr(fd, DOS_XATTR, &x.encode(), XattrFlags::empty()) {
            Ok(()) => Ok(()),
            // No xattr support here: attributes stay derived.
            Err(rustix::io::Errno::OPNOTSUPP) => Ok(()),
            Err(e) => Err(io::Error::from(e).into()),
        }
    }

    /// The stored security descriptor of `fd`; `None` when none is stored
    /// (or the file system keeps no xattrs).
    pub(super) fn read_sd(&self, fd: BorrowedFd<'_>) -> Result<Option<Vec<u8>>, VfsError> {
        self.read_blob(fd, SD_XATTR)
    }

    /// The value of the xattr `name` (at most 64 KiB), `None` when absent.
    pub(super) fn read_blob(
        &self,
        fd: BorrowedFd<'_>,
        name: &str,
    ) -> Result<Option<Vec<u8>>, VfsError> {
        // Most values are small: try 1 KiB first, the 64 KiB limit when
        // that is too short.
        for size in [1024, crate::MAX_SECURITY_LEN.max(crate::MAX_EAS_LEN)] {
            let mut buf = vec![0u8; size];
            match rustix::fs::fgetxattr(fd, name, &mut buf) {
                Ok(n) => {
                    buf.truncate(n);
                    return Ok(Some(buf));
                }
                Err(rustix::io::Errno::RANGE) => {}
                Err(rustix::io::Errno::NODATA | rustix::io::Errno::OPNOTSUPP) => return Ok(None),
                Err(e) => return Err(io::Error::from(e).into()),
            }
        }
        Err(VfsError::Internal("extended attribute larger than 64 KiB"))
    }

    /// Stores or removes the security descriptor of `fd`.
    pub(super) fn write_sd(&self, fd: BorrowedFd<'_>, sd: Option<&[u8]>) -> Result<(), VfsError> {
        self.write_blob(fd, SD_XATTR, sd)
    }

    /// Sets or removes the xattr `name`.
    pub(super) fn write_blob(
        &self,
        fd: BorrowedFd<'_>,
        name: &str,
        value: Option<&[u8]>,
    ) -> Result<(), VfsError> {
        let r = match value {
            Some(v) => rustix::fs::fsetxattr(fd, name, v, XattrFlags::empty()),
            None => match rustix::fs::fremovexattr(fd, name) {
                Err(rustix::io::Errno::NODATA) => Ok(()),
                r => r,
            },
        };
        match r {
            Ok(()) => Ok(()),
            Err(rustix::io::Errno::OPNOTSUPP) => Err(VfsError::NotSupported(
                "this file system keeps no extended attributes",
            )),
            Err(e) => Err(io::Error::from(e).into()),
        }
    }

    fn build_info(&self, meta: &Metadata, x: Option<DosXattr>, name: &str) -> FileInfo {
        let is_dir = meta.is_dir();
        let time = |s: i64, ns: i64| FileTime::from_unix(s, u32::try_from(ns).unwrap_or(0));
        let mtime = time(meta.mtime(), meta.mtime_nsec());
        let mut ctime = time(meta.ctime(), meta.ctime_nsec());
        if let Some(x) = x.filter(|x| x.change.0 != 0 && x.change_mtime == mtime) {
            ctime = x.change;
        }
        let creation = match x.map(|x| x.creation).filter(|c| c.0 != 0) {
            Some(c) => c,
            None => meta
                .created()
                .ok()
                .map(|t| FileTime::from_system_time(t.into_std()))
                .unwrap_or(mtime.min(ctime)),
        };
        let mut stored = match x {
            Some(x) => x.attributes,
            None => DosAttributes::initial(name, is_dir),
        };
        if !is_dir && meta.mode() & 0o222 == 0 {
            stored = stored.union(DosAttributes::READONLY);
        }
        FileInfo {
            file_id: meta.ino(),
            size: if is_dir { 0 } else { meta.len() },
            allocation_size: if is_dir {
                0
            } else {
                meta.blocks().saturating_mul(512)
            },
            creation_time: creation,
            last_access_time: time(meta.atime(), meta.atime_nsec()),
            last_write_time: mtime,
            change_time: ctime,
            attributes: DosAttributes::reported(stored, is_dir),
            is_dir,
            nlink: if is_dir { 1 } else { meta.nlink() },
        }
    }

    pub(super) fn handle_info(&self, h: &LocalHandle) -> Result<FileInfo, VfsError> {
        let meta = h.obj.metadata()?;
        let name = name_of(&lock(&h.path));
        Ok(self.build_info(&meta, self.read_xattr(h.obj.fd()), &name))
    }

    /// Opens `rel` for reading metadata (no data access intended).
    pub(super) fn open_for_meta(dir: &Dir, rel: &Path, is_dir: bool) -> io::Result<Obj> {
        if is_dir {
            open_dir_fd(dir, rel).map(Obj::Dir)
        } else {
            let mut o = OpenOptions::new();
            o.read(true).custom_flags(nonblock());
            dir.open_with(rel, &o).map(Obj::File)
        }
    }

    /// Information about `rel` below `dir`, following a final symlink.
    pub(super) fn info_at(
        &self,
        dir: &Dir,
        rel: &Path,
        lmeta: Metadata,
    ) -> Result<FileInfo, VfsError> {
        let meta = if lmeta.is_symlink() {
            dir.metadata(rel)?
        } else {
            lmeta
        };
        if !meta.is_dir() && !meta.is_file() {
            return Err(VfsError::AccessDenied);
        }
        let x = Self::open_for_meta(dir, rel, meta.is_dir())
            .ok()
            .and_then(|o| self.read_xattr(o.fd()));
        Ok(self.build_info(&meta, x, &name_of(rel)))
    }

    /// [`Inner::info_at`] of `rel` below the root, and its stored
    /// security descriptor read through the same descriptor (`None` when
    /// none is stored or it cannot be read).
    pub(super) fn info_and_sd(&self, rel: &Path) -> Result<(FileInfo, Option<Vec<u8>>), VfsError> {
        let lmeta = self.lmeta(rel)?;
        let meta = if lmeta.is_symlink() {
            self.root.metadata(rel)?
        } else {
            lmeta
        };
        if !meta.is_dir() && !meta.is_file() {
            return Err(VfsError::AccessDenied);
        }
        let obj = Self::open_for_meta(&self.root, rel, meta.is_dir()).ok();
        let x = obj.as_ref().and_then(|o| self.read_xattr(o.fd()));
        let sd = obj
            .as_ref()
            .and_then(|o| self.read_sd(o.fd()).ok().flatten());
        Ok((self.build_info(&meta, x, &name_of(rel)), sd))
    }

    /// The information of the entry `name` of the directory `dir` (at
    /// `base` below the root), or `None` when it is gone or not a file or
    /// directory. A plain entry is read through the directory's descriptor;
    /// a symbolic link is resolved from the share root (so a link to a
    /// sibling works and one leaving the share is refused).
    pub(super) fn entry_info(&self, dir: &Dir, base: &Path, name: &str) -> Option<FileInfo> {
        let lmeta = dir.symlink_metadata(name).ok()?;
        if lmeta.is_symlink() {
            let rel = base.join(name);
            let m = self.lmeta(&rel).ok()?;
            self.info_at(&self.root, &rel, m).ok()
        } else {
            self.info_at(dir, Path::new(name), lmeta).ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xattr_format_round_trip() {
        let x = DosXattr::new(
            DosAttributes::HIDDEN | DosAttributes::ARCHIVE,
            FileTime(0x01D9_0000_1234_5678),
        );
        let b = x.encode();
        assert_eq!(
            b[..13],
            [2, 0x22, 0, 0, 0, 0x78, 0x56, 0x34, 0x12, 0, 0, 0xD9, 0x01]
        );
        assert_eq!(b[13..], [0; 16]);
        assert_eq!(DosXattr::decode(&b), Some(x));
        assert_eq!(DosXattr::decode(&b[..28]), None);
        // Version 1: the first 13 bytes, no change time.
        let mut v1 = [0u8; 13];
        v1.copy_from_slice(&b[..13]);
        v1[0] = 1;
        assert_eq!(DosXattr::decode(&v1), Some(x));
        let mut v3 = b;
        v3[0] = 3;
        assert_eq!(DosXattr::decode(&v3), None);
        // A set change time and its mtime.
        let y = DosXattr {
            change: FileTime(7),
            change_mtime: FileTime(0x0102),
            ..x
        };
        let b = y.encode();
        assert_eq!(b[13..], [7, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(DosXattr::decode(&b), Some(y));
        assert_eq!(DosXattr::decode(&[]), None);
        // Bits outside SETTABLE are dropped on read.
        let mut odd = b;
        odd[1] = 0x10 | 0x01;
        assert_eq!(
            DosXattr::decode(&odd).unwrap().attributes,
            DosAttributes::READONLY
        );
    }
}
