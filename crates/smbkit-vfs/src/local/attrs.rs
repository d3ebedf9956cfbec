//! DOS attributes and creation time in the `user.smbkit.dos` xattr, and
//! the [`FileInfo`] built from metadata and that xattr.

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
/// Version byte of the [`DOS_XATTR`] format.
const XATTR_VERSION: u8 = 1;

/// Stored DOS information (the [`DOS_XATTR`] value).
///
/// Format, 13 bytes: `version: u8 = 1`, `attributes: u32 LE` (only
/// [`DosAttributes::SETTABLE`] bits), `creation: u64 LE` (FILETIME; 0 = not
/// stored). Other versions or lengths are ignored as if absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct DosXattr {
    pub(super) attributes: DosAttributes,
    pub(super) creation: FileTime,
}

impl DosXattr {
    pub(super) fn encode(self) -> [u8; 13] {
        let mut out = [0u8; 13];
        let (v, rest) = out.split_at_mut(1);
        let (a, c) = rest.split_at_mut(4);
        v.copy_from_slice(&[XATTR_VERSION]);
        a.copy_from_slice(&self.attributes.0.to_le_bytes());
        c.copy_from_slice(&self.creation.0.to_le_bytes());
        out
    }

    fn decode(b: &[u8]) -> Option<DosXattr> {
        let (&version, rest) = b.split_first()?;
        if version != XATTR_VERSION || rest.len() != 12 {
            return None;
        }
        let (a, c) = rest.split_at_checked(4)?;
        Some(DosXattr {
            attributes: DosAttributes(u32::from_le_bytes(a.try_into().ok()?))
                .intersection(DosAttributes::SETTABLE),
            creation: FileTime(u64::from_le_bytes(c.try_into().ok()?)),
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

    fn build_info(&self, meta: &Metadata, x: Option<DosXattr>, name: &str) -> FileInfo {
        let is_dir = meta.is_dir();
        let time = |s: i64, ns: i64| FileTime::from_unix(s, u32::try_from(ns).unwrap_or(0));
        let mtime = time(meta.mtime(), meta.mtime_nsec());
        let ctime = time(meta.ctime(), meta.ctime_nsec());
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xattr_format_round_trip() {
        let x = DosXattr {
            attributes: DosAttributes::HIDDEN | DosAttributes::ARCHIVE,
            creation: FileTime(0x01D9_0000_1234_5678),
        };
        let b = x.encode();
        assert_eq!(
            b,
            [1, 0x22, 0, 0, 0, 0x78, 0x56, 0x34, 0x12, 0, 0, 0xD9, 0x01]
        );
        assert_eq!(DosXattr::decode(&b), Some(x));
        assert_eq!(DosXattr::decode(&b[..12]), None);
        let mut v2 = b;
        v2[0] = 2;
        assert_eq!(DosXattr::decode(&v2), None);
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
