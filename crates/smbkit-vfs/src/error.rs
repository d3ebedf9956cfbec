//! The storage error type and its NTSTATUS mapping.

use std::io;

use rustix::io::Errno;
use smbkit_wire::NtStatus;

use crate::path::PathError;

/// Why a storage operation failed. [`VfsError::status`] gives the NTSTATUS a
/// client receives.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VfsError {
    /// The last component does not exist.
    #[error("no such file or directory")]
    NotFound,
    /// A directory on the way does not exist (or is not a directory).
    #[error("a directory on the path does not exist")]
    PathNotFound,
    /// The name is already taken.
    #[error("the name already exists")]
    Exists,
    /// A directory where a file was required.
    #[error("is a directory")]
    IsADirectory,
    /// A file where a directory was required.
    #[error("not a directory")]
    NotADirectory,
    /// `remove` of a directory that still has entries.
    #[error("directory not empty")]
    DirectoryNotEmpty,
    /// Permission refused by the file system or by a READONLY attribute.
    #[error("access denied")]
    AccessDenied,
    /// Deleting a READONLY file, or the share root.
    #[error("cannot delete")]
    CannotDelete,
    /// A path (through a symbolic link) would leave the share root.
    #[error("path leads outside the share")]
    Escape,
    /// The client's name was refused.
    #[error("invalid name: {0}")]
    BadName(#[from] PathError),
    /// An unknown or closed handle.
    #[error("invalid or closed handle")]
    InvalidHandle,
    /// A request that makes no sense (e.g. offset overflow, a directory
    /// moved into itself, overwriting a directory).
    #[error("invalid parameter: {0}")]
    InvalidParameter(&'static str),
    /// No space left (also quota exceeded, file too large).
    #[error("disk full")]
    DiskFull,
    /// The file system is mounted read-only.
    #[error("read-only file system")]
    ReadOnlyFs,
    /// The operation is not available here.
    #[error("not supported: {0}")]
    NotSupported(&'static str),
    /// A worker task failed (it panicked or the runtime shut down).
    #[error("internal error: {0}")]
    Internal(&'static str),
    /// Any other I/O error, kept for its errno.
    #[error("I/O error: {0}")]
    Io(#[source] io::Error),
}

impl VfsError {
    /// The NTSTATUS for the client.
    ///
    /// | error | status |
    /// |---|---|
    /// | `NotFound` | OBJECT_NAME_NOT_FOUND |
    /// | `PathNotFound` | OBJECT_PATH_NOT_FOUND |
    /// | `Exists` | OBJECT_NAME_COLLISION |
    /// | `IsADirectory` | FILE_IS_A_DIRECTORY |
    /// | `NotADirectory` | NOT_A_DIRECTORY |
    /// | `DirectoryNotEmpty` | DIRECTORY_NOT_EMPTY |
    /// | `AccessDenied`, `Escape` | ACCESS_DENIED |
    /// | `CannotDelete` | CANNOT_DELETE |
    /// | `BadName` | OBJECT_NAME_INVALID |
    /// | `InvalidHandle` | FILE_CLOSED |
    /// | `InvalidParameter` | INVALID_PARAMETER |
    /// | `DiskFull` | DISK_FULL |
    /// | `ReadOnlyFs` | MEDIA_WRITE_PROTECTED |
    /// | `NotSupported` | NOT_SUPPORTED |
    /// | `Internal` | INTERNAL_ERROR |
    /// | `Io` | by errno, see below |
    ///
    /// `Io` errnos: EBADF → INVALID_HANDLE, EINVAL → INVALID_PARAMETER,
    /// ENAMETOOLONG and EILSEQ → OBJECT_NAME_INVALID, ELOOP →
    /// OBJECT_PATH_NOT_FOUND (a symlink loop is a path that leads nowhere),
    /// EXDEV → NOT_SAME_DEVICE, EMFILE/ENFILE → TOO_MANY_OPENED_FILES,
    /// ENOMEM → NO_MEMORY, EBUSY/ETXTBSY → SHARING_VIOLATION, EOPNOTSUPP →
    /// NOT_SUPPORTED, EIO and anything else → UNSUCCESSFUL (Samba's fallback
    /// too). The errnos that have their own variant (ENOENT, EEXIST, …) are
    /// turned into that variant by `From<io::Error>`, so they never stay `Io`.
    pub fn status(&self) -> NtStatus {
        match self {
            VfsError::NotFound => NtStatus::OBJECT_NAME_NOT_FOUND,
            VfsError::PathNotFound => NtStatus::OBJECT_PATH_NOT_FOUND,
            VfsError::Exists => NtStatus::OBJECT_NAME_COLLISION,
            VfsError::IsADirectory => NtStatus::FILE_IS_A_DIRECTORY,
            VfsError::NotADirectory => NtStatus::NOT_A_DIRECTORY,
            VfsError::DirectoryNotEmpty => NtStatus::DIRECTORY_NOT_EMPTY,
            VfsError::AccessDenied | VfsError::Escape => NtStatus::ACCESS_DENIED,
            VfsError::CannotDelete => NtStatus::CANNOT_DELETE,
            VfsError::BadName(_) => NtStatus::OBJECT_NAME_INVALID,
            VfsError::InvalidHandle => NtStatus::FILE_CLOSED,
            VfsError::InvalidParameter(_) => NtStatus::INVALID_PARAMETER,
            VfsError::DiskFull => NtStatus::DISK_FULL,
            VfsError::ReadOnlyFs => NtStatus::MEDIA_WRITE_PROTECTED,
            VfsError::NotSupported(_) => NtStatus::NOT_SUPPORTED,
            VfsError::Internal(_) => NtStatus::INTERNAL_ERROR,
            VfsError::Io(e) => io_status(e),
        }
    }
}

fn io_status(e: &io::Error) -> NtStatus {
    let Some(errno) = e.raw_os_error().map(Errno::from_raw_os_error) else {
        return NtStatus::UNSUCCESSFUL;
    };
    match errno {
        Errno::BADF => NtStatus::INVALID_HANDLE,
        Errno::INVAL => NtStatus::INVALID_PARAMETER,
        Errno::NAMETOOLONG | Errno::ILSEQ => NtStatus::OBJECT_NAME_INVALID,
        Errno::LOOP => NtStatus::OBJECT_PATH_NOT_FOUND,
        Errno::XDEV => NtStatus::NOT_SAME_DEVICE,
        Errno::MFILE | Errno::NFILE => NtStatus::TOO_MANY_OPENED_FILES,
        Errno::NOMEM => NtStatus::NO_MEMORY,
        Errno::BUSY | Errno::TXTBSY => NtStatus::SHARING_VIOLATION,
        Errno::OPNOTSUPP => NtStatus::NOT_SUPPORTED,
        _ => NtStatus::UNSUCCESSFUL,
    }
}

impl From<io::Error> for VfsError {
    /// Sorts an OS error into the variant with the same meaning; cap-std's
    /// "a path led outside of the filesystem" becomes [`VfsError::Escape`].
    fn from(e: io::Error) -> VfsError {
        if let Some(errno) = e.raw_os_error().map(Errno::from_raw_os_error) {
            return match errno {
                Errno::NOENT => VfsError::NotFound,
                Errno::EXIST => VfsError::Exists,
                Errno::ISDIR => VfsError::IsADirectory,
                Errno::NOTDIR => VfsError::NotADirectory,
                Errno::NOTEMPTY => VfsError::DirectoryNotEmpty,
                Errno::ACCESS | Errno::PERM => VfsError::AccessDenied,
                Errno::NOSPC | Errno::DQUOT | Errno::FBIG => VfsError::DiskFull,
                Errno::ROFS => VfsError::ReadOnlyFs,
                _ => VfsError::Io(e),
            };
        }
        match e.kind() {
            io::ErrorKind::NotFound => VfsError::NotFound,
            io::ErrorKind::AlreadyExists => VfsError::Exists,
            io::ErrorKind::PermissionDenied => {
                // cap-primitives reports an escape this way, with no errno.
                if e.to_string().contains("outside of the filesystem") {
                    VfsError::Escape
                } else {
                    VfsError::AccessDenied
                }
            }
            io::ErrorKind::IsADirectory => VfsError::IsADirectory,
            io::ErrorKind::NotADirectory => VfsError::NotADirectory,
            io::ErrorKind::DirectoryNotEmpty => VfsError::DirectoryNotEmpty,
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => VfsError::DiskFull,
            io::ErrorKind::ReadOnlyFilesystem => VfsError::ReadOnlyFs,
            io::ErrorKind::InvalidFilename => VfsError::Io(e),
            _ => VfsError::Io(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(errno: Errno) -> VfsError {
        VfsError::from(io::Error::from_raw_os_error(errno.raw_os_error()))
    }

    #[test]
    fn errno_mapping() {
        let cases = [
            (Errno::NOENT, NtStatus::OBJECT_NAME_NOT_FOUND),
            (Errno::EXIST, NtStatus::OBJECT_NAME_COLLISION),
            (Errno::ISDIR, NtStatus::FILE_IS_A_DIRECTORY),
            (Errno::NOTDIR, NtStatus::NOT_A_DIRECTORY),
            (Errno::NOTEMPTY, NtStatus::DIRECTORY_NOT_EMPTY),
            (Errno::ACCESS, NtStatus::ACCESS_DENIED),
            (Errno::PERM, NtStatus::ACCESS_DENIED),
            (Errno::NOSPC, NtStatus::DISK_FULL),
            (Errno::DQUOT, NtStatus::DISK_FULL),
            (Errno::ROFS, NtStatus::MEDIA_WRITE_PROTECTED),
            (Errno::NAMETOOLONG, NtStatus::OBJECT_NAME_INVALID),
            (Errno::XDEV, NtStatus::NOT_SAME_DEVICE),
            (Errno::MFILE, NtStatus::TOO_MANY_OPENED_FILES),
            (Errno::BADF, NtStatus::INVALID_HANDLE),
            (Errno::IO, NtStatus::UNSUCCESSFUL),
        ];
        for (errno, want) in cases {
            assert_eq!(os(errno).status(), want, "{errno:?}");
        }
    }

    #[test]
    fn variant_mapping() {
        assert_eq!(
            VfsError::PathNotFound.status(),
            NtStatus::OBJECT_PATH_NOT_FOUND
        );
        assert_eq!(VfsError::Escape.status(), NtStatus::ACCESS_DENIED);
        assert_eq!(
            VfsError::from(PathError::Stream).status(),
            NtStatus::OBJECT_NAME_INVALID
        );
        assert_eq!(VfsError::InvalidHandle.status(), NtStatus::FILE_CLOSED);
        assert_eq!(VfsError::CannotDelete.status(), NtStatus::CANNOT_DELETE);
        let escape = io::Error::new(
            io::ErrorKind::PermissionDenied,
            "a path led outside of the filesystem",
        );
        assert!(matches!(VfsError::from(escape), VfsError::Escape));
    }
}
