//! Named streams of `LocalFs`: each stream is one extended attribute of
//! its base file, `user.smbkit.stream.<name>`, holding the stream's bytes
//! (at most [`MAX_STREAM_LEN`](crate::MAX_STREAM_LEN)). The stream name is
//! validated first (no NUL, `:`, `\`, `/`), so it can only ever name an
//! attribute in that namespace, never a path.

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::Mutex;

use bytes::Bytes;
use rustix::fs::XattrFlags;
use rustix::io::Errno;

use super::names::Found;
use super::{Inner, LocalHandle};
use crate::mem::fold;
use crate::types::{Disposition, DosAttributes, FileInfo, OpenAction, OpenHow, OpenKind};
use crate::{MAX_STREAM_LEN, PathError, SmbPath, VfsError, validate_stream_name};

/// The namespace of stream attributes.
pub(super) const STREAM_PREFIX: &str = "user.smbkit.stream.";
/// Linux limit of an xattr name (XATTR_NAME_MAX).
const XATTR_NAME_MAX: usize = 255;
/// Largest attribute list read (XATTR_LIST_MAX).
const XATTR_LIST_MAX: usize = 65_536;

/// The attribute name of `stream`, refused when the name is invalid or
/// too long for an attribute name.
fn xattr_name(stream: &str) -> Result<String, VfsError> {
    validate_stream_name(stream)?;
    let name = format!("{STREAM_PREFIX}{stream}");
    if name.len() > XATTR_NAME_MAX {
        return Err(VfsError::BadName(PathError::ComponentTooLong));
    }
    Ok(name)
}

fn xattr_error(e: Errno) -> VfsError {
    match e {
        Errno::NOSPC | Errno::TOOBIG | Errno::DQUOT => VfsError::DiskFull,
        Errno::OPNOTSUPP => VfsError::NotSupported("this file system keeps no extended attributes"),
        e => io::Error::from(e).into(),
    }
}

impl Inner {
    /// The stored names of the streams of `fd`, sorted.
    pub(super) fn stream_names(&self, fd: BorrowedFd<'_>) -> Result<Vec<String>, VfsError> {
        let mut buf = vec![0u8; XATTR_LIST_MAX];
        let n = match rustix::fs::flistxattr(fd, &mut buf) {
            Ok(n) => n,
            Err(Errno::OPNOTSUPP) => 0,
            Err(e) => return Err(io::Error::from(e).into()),
        };
        buf.truncate(n);
        let mut names: Vec<String> = buf
            .split(|b| *b == 0)
            .filter_map(|n| std::str::from_utf8(n).ok()?.strip_prefix(STREAM_PREFIX))
            .filter(|n| validate_stream_name(n).is_ok())
            .map(str::to_owned)
            .collect();
        names.sort();
        Ok(names)
    }

    /// The stored name of stream `stream` of `fd`: the exact name, else
    /// one equal ignoring case.
    pub(super) fn find_stream(
        &self,
        fd: BorrowedFd<'_>,
        stream: &str,
    ) -> Result<Option<String>, VfsError> {
        let names = self.stream_names(fd)?;
        if names.iter().any(|n| n == stream) {
            return Ok(Some(stream.to_owned()));
        }
        let folded = fold(stream);
        Ok(names.into_iter().find(|n| fold(n) == folded))
    }

    /// The bytes of a stream (empty when it is gone).
    pub(super) fn stream_data(
        &self,
        fd: BorrowedFd<'_>,
        stored: &str,
    ) -> Result<Vec<u8>, VfsError> {
        Ok(self
            .read_blob(fd, &xattr_name(stored)?)?
            .unwrap_or_default())
    }

    /// Replaces the bytes of a stream (creating it).
    pub(super) fn set_stream_data(
        &self,
        fd: BorrowedFd<'_>,
        stored: &str,
        data: &[u8],
    ) -> Result<(), VfsError> {
        if data.len() > MAX_STREAM_LEN {
            return Err(VfsError::DiskFull);
        }
        rustix::fs::fsetxattr(fd, &xattr_name(stored)?, data, XattrFlags::empty())
            .map_err(xattr_error)
    }

    /// Removes a stream's attribute.
    pub(super) fn drop_stream(&self, fd: BorrowedFd<'_>, stored: &str) -> Result<(), VfsError> {
        match rustix::fs::fremovexattr(fd, &xattr_name(stored)?) {
            Ok(()) => Ok(()),
            Err(Errno::NODATA) => Err(VfsError::NotFound),
            Err(e) => Err(xattr_error(e)),
        }
    }

    /// Opens (or creates) stream `stream` of `path`; the handle holds the
    /// base file.
    pub(super) fn open_stream(
        &self,
        path: &SmbPath,
        stream: &str,
        how: OpenHow,
    ) -> Result<(LocalHandle, OpenAction), VfsError> {
        if how.kind == OpenKind::Directory {
            return Err(VfsError::NotADirectory);
        }
        xattr_name(stream)?;
        let opening = matches!(how.disposition, Disposition::Open | Disposition::Overwrite);
        let base_how = OpenHow {
            disposition: if opening {
                Disposition::Open
            } else {
                Disposition::OpenIf
            },
            kind: OpenKind::Any,
            read: true,
            write: false,
            follow: how.follow,
        };
        let (base, base_action) = match self.resolve(path)? {
            Found::Existing(rel) => self.open_existing(&rel, base_how)?,
            Found::Missing { parent, name } => {
                if opening {
                    return Err(VfsError::NotFound);
                }
                let file_how = OpenHow {
                    kind: OpenKind::NonDirectory,
                    ..base_how
                };
                (self.create(&parent, &name, file_how)?, OpenAction::Created)
            }
        };
        let fd = base.obj.fd();
        let (stored, action) = match self.find_stream(fd, stream)? {
            Some(stored) => {
                if how.disposition == Disposition::Create {
                    return Err(VfsError::Exists);
                }
                (stored, how.existing_action(false)?)
            }
            None if opening => return Err(VfsError::NotFound),
            None => (stream.to_owned(), OpenAction::Created),
        };
        let writes = how.write || action != OpenAction::Opened;
        if writes
            && base_action != OpenAction::Created
            && self
                .handle_info(&base)?
                .attributes
                .contains(DosAttributes::READONLY)
        {
            return Err(VfsError::AccessDenied);
        }
        if action != OpenAction::Opened {
            self.set_stream_data(fd, &stored, &[])?;
        }
        Ok((
            LocalHandle {
                stream: Some(Mutex::new(stored)),
                read: how.read,
                write: how.write,
                ..base
            },
            action,
        ))
    }

    /// Removes stream `stream` of `path`.
    pub(super) fn remove_stream(&self, path: &SmbPath, stream: &str) -> Result<(), VfsError> {
        let Found::Existing(rel) = self.resolve(path)? else {
            return Err(VfsError::NotFound);
        };
        let meta = self.lmeta(&rel)?;
        let obj = Self::open_for_meta(&self.root, &rel, meta.is_dir())?;
        let stored = self
            .find_stream(obj.fd(), stream)?
            .ok_or(VfsError::NotFound)?;
        self.drop_stream(obj.fd(), &stored)
    }

    /// Renames the stream of a stream handle.
    pub(super) fn rename_stream(
        &self,
        h: &LocalHandle,
        new: &str,
        replace: bool,
    ) -> Result<(), VfsError> {
        let Some(current) = &h.stream else {
            return Err(VfsError::InvalidParameter("not a stream handle"));
        };
        xattr_name(new)?;
        let fd = h.obj.fd();
        let mut current = super::lock(current);
        let same = fold(new) == fold(&current);
        if !same && let Some(other) = self.find_stream(fd, new)? {
            if !replace {
                return Err(VfsError::Exists);
            }
            self.drop_stream(fd, &other)?;
        }
        let data = self.stream_data(fd, &current)?;
        if same {
            self.drop_stream(fd, &current)?;
            self.set_stream_data(fd, new, &data)?;
        } else {
            self.set_stream_data(fd, new, &data)?;
            self.drop_stream(fd, &current)?;
        }
        new.clone_into(&mut current);
        Ok(())
    }

    /// READ on a stream handle.
    pub(super) fn stream_read(
        &self,
        h: &LocalHandle,
        stored: &str,
        offset: u64,
        len: usize,
    ) -> Result<Bytes, VfsError> {
        if !h.read {
            return Err(VfsError::AccessDenied);
        }
        let data = self.stream_data(h.obj.fd(), stored)?;
        let Ok(start) = usize::try_from(offset) else {
            return Ok(Bytes::new());
        };
        let end = start.saturating_add(len).min(data.len());
        Ok(data
            .get(start..end)
            .map(Bytes::copy_from_slice)
            .unwrap_or_default())
    }

    /// WRITE on a stream handle: the whole value is rewritten.
    pub(super) fn stream_write(
        &self,
        h: &LocalHandle,
        stored: &str,
        offset: u64,
        data: &[u8],
    ) -> Result<usize, VfsError> {
        if !h.write {
            return Err(VfsError::AccessDenied);
        }
        if data.is_empty() {
            return Ok(0);
        }
        let start = usize::try_from(offset).map_err(|_| VfsError::DiskFull)?;
        let end = start.checked_add(data.len()).ok_or(VfsError::DiskFull)?;
        if end > MAX_STREAM_LEN {
            return Err(VfsError::DiskFull);
        }
        let _serial = super::lock(&self.stream_lock);
        let mut value = self.stream_data(h.obj.fd(), stored)?;
        if value.len() < end {
            value.resize(end, 0);
        }
        value
            .get_mut(start..end)
            .ok_or(VfsError::Internal("stream write range"))?
            .copy_from_slice(data);
        self.set_stream_data(h.obj.fd(), stored, &value)?;
        Ok(data.len())
    }

    /// Truncates or extends the stream of a stream handle.
    pub(super) fn stream_set_len(
        &self,
        h: &LocalHandle,
        stored: &str,
        len: u64,
    ) -> Result<(), VfsError> {
        if !h.write {
            return Err(VfsError::AccessDenied);
        }
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l <= MAX_STREAM_LEN)
            .ok_or(VfsError::DiskFull)?;
        let _serial = super::lock(&self.stream_lock);
        let mut value = self.stream_data(h.obj.fd(), stored)?;
        value.resize(len, 0);
        self.set_stream_data(h.obj.fd(), stored, &value)
    }

    /// The information of a stream handle: the base file's, with the
    /// stream's size.
    pub(super) fn stream_info(&self, h: &LocalHandle, stored: &str) -> Result<FileInfo, VfsError> {
        let mut info = self.handle_info(h)?;
        // A stream of a directory is data, not a directory.
        info.is_dir = false;
        let len = u64::try_from(self.stream_data(h.obj.fd(), stored)?.len()).unwrap_or(u64::MAX);
        info.size = len;
        info.allocation_size = len.div_ceil(STREAM_BLOCK).saturating_mul(STREAM_BLOCK);
        Ok(info)
    }

    /// The named streams of the handle's file with their sizes.
    pub(super) fn list_streams(&self, h: &LocalHandle) -> Result<Vec<(String, u64)>, VfsError> {
        let fd = h.obj.fd();
        self.stream_names(fd)?
            .into_iter()
            .map(|n| {
                let len = self.stream_data(fd, &n)?.len();
                Ok((n, u64::try_from(len).unwrap_or(u64::MAX)))
            })
            .collect()
    }
}

/// The allocation unit reported for streams.
const STREAM_BLOCK: u64 = 8;
