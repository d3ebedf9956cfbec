#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod ea;
mod error;
mod local;
mod mem;
mod path;
mod stream;
mod types;
mod watch;

use core::future::Future;

use bytes::Bytes;

pub use error::VfsError;
pub use local::{DEFAULT_MAX_WATCHES, LocalFs, LocalFsOptions};
pub use mem::{MemFs, MemFsOptions};
pub use path::{MAX_COMPONENT_UNITS, MAX_PATH_UNITS, PathError, SmbPath, validate_component};
pub use stream::{StreamPath, validate_stream_name};
pub use types::{
    DirEntry, Disposition, DosAttributes, FileInfo, FileTime, Handle, OpenAction, OpenHow,
    OpenKind, Opened, SetInfo, VolumeInfo,
};
pub use watch::{ChangeFeed, DirWatch, FEED_CAPACITY, FsEvent};

/// The storage behind one share.
///
/// Implementations: [`LocalFs`] (a directory of the host, confined to it) and
/// [`MemFs`] (in memory, for tests). Used generically (`Dispatcher<V: Vfs>`),
/// so the methods return `impl Future + Send` instead of boxing.
///
/// Handles are plain ids. A handle stays valid until [`Vfs::close`], also
/// after its object was renamed or removed (Unix semantics: the data stays
/// readable until the last handle closes). Every method that takes a handle
/// fails with [`VfsError::InvalidHandle`] for an unknown one.
pub trait Vfs: Send + Sync + 'static {
    /// Opens or creates `path` as `how` says.
    ///
    /// Errors: [`VfsError::NotFound`] (last component missing, for `Open` and
    /// `Overwrite`), [`VfsError::PathNotFound`] (a parent missing),
    /// [`VfsError::Exists`] (`Create` of an existing name),
    /// [`VfsError::IsADirectory`] / [`VfsError::NotADirectory`] (kind
    /// mismatch), [`VfsError::AccessDenied`] (write access or overwrite of a
    /// READONLY file, a refused symlink), [`VfsError::InvalidParameter`]
    /// (overwrite or supersede of a directory), [`VfsError::Escape`].
    fn open(
        &self,
        path: &SmbPath,
        how: OpenHow,
    ) -> impl Future<Output = Result<Opened, VfsError>> + Send;

    /// Reads up to `len` bytes at `offset`: fewer at end of file, none past
    /// it. Needs a handle opened with `read`.
    fn read_at(
        &self,
        handle: Handle,
        offset: u64,
        len: usize,
    ) -> impl Future<Output = Result<Bytes, VfsError>> + Send;

    /// Writes `data` at `offset` (extending the file as needed) and returns
    /// the count written. Needs a handle opened with `write`.
    fn write_at(
        &self,
        handle: Handle,
        offset: u64,
        data: &[u8],
    ) -> impl Future<Output = Result<usize, VfsError>> + Send;

    /// Reads up to `len` bytes at `offset` as [`read_at`](Vfs::read_at)
    /// does, appending them to `buf` (whose bytes so far stay), and hands
    /// the buffer back. A caller that puts a header before the data reads
    /// straight into its answer this way, without a copy. The default
    /// appends what `read_at` returns.
    fn read_into(
        &self,
        handle: Handle,
        offset: u64,
        len: usize,
        mut buf: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, VfsError>> + Send {
        async move {
            let data = self.read_at(handle, offset, len).await?;
            buf.extend_from_slice(&data);
            Ok(buf)
        }
    }

    /// Writes `data` at `offset` as [`write_at`](Vfs::write_at) does,
    /// taking the buffer by value, so that an implementation that writes
    /// on another thread need not copy it. The default calls `write_at`.
    fn write_bytes(
        &self,
        handle: Handle,
        offset: u64,
        data: Bytes,
    ) -> impl Future<Output = Result<usize, VfsError>> + Send {
        async move { self.write_at(handle, offset, &data).await }
    }

    /// Makes the object's data and metadata durable (fsync).
    fn flush(&self, handle: Handle) -> impl Future<Output = Result<(), VfsError>> + Send;

    /// Truncates or extends the file to `len` bytes. Needs `write`.
    fn set_len(
        &self,
        handle: Handle,
        len: u64,
    ) -> impl Future<Output = Result<(), VfsError>> + Send;

    /// The open object's current information.
    fn info(&self, handle: Handle) -> impl Future<Output = Result<FileInfo, VfsError>> + Send;

    /// Information about `path` without keeping it open (follows symbolic
    /// links, confined to the share).
    fn stat(&self, path: &SmbPath) -> impl Future<Output = Result<FileInfo, VfsError>> + Send;

    /// Current information about the entries `names` of the open directory
    /// `dir`, in the order given, `None` for a name that is gone (or that
    /// cannot be reported): what a directory enumeration that goes on
    /// reports. Names are as [`Vfs::read_dir`] gave them. The default stats
    /// each name below [`Vfs::disk_path`]; a backend may do it in one pass.
    fn stat_entries(
        &self,
        dir: Handle,
        names: Vec<String>,
    ) -> impl Future<Output = Result<Vec<Option<FileInfo>>, VfsError>> + Send {
        async move {
            let base = self.disk_path(dir).await?;
            let mut out = Vec::with_capacity(names.len());
            for name in &names {
                out.push(match base.join(name) {
                    Ok(path) => self.stat(&path).await.ok(),
                    Err(_) => None,
                });
            }
            Ok(out)
        }
    }

    /// Changes times and attributes.
    fn set_info(
        &self,
        handle: Handle,
        info: SetInfo,
    ) -> impl Future<Output = Result<(), VfsError>> + Send;

    /// Lists a directory handle: every entry except `.` and `..`, sorted by
    /// name. Entries that cannot be reached inside the share (a symbolic
    /// link pointing outside or nowhere) and special files (devices, pipes,
    /// sockets) are left out.
    fn read_dir(
        &self,
        handle: Handle,
    ) -> impl Future<Output = Result<Vec<DirEntry>, VfsError>> + Send;

    /// Moves the handle's object to `new`. With `replace`, an existing
    /// file at `new` is replaced; an existing directory never is
    /// ([`VfsError::AccessDenied`]). A rename that only changes case is
    /// always allowed.
    fn rename(
        &self,
        handle: Handle,
        new: &SmbPath,
        replace: bool,
    ) -> impl Future<Output = Result<(), VfsError>> + Send;

    /// Removes a file or an empty directory. A non-empty directory gives
    /// [`VfsError::DirectoryNotEmpty`], a READONLY file or the share root
    /// [`VfsError::CannotDelete`]. Open handles stay usable.
    fn remove(&self, path: &SmbPath) -> impl Future<Output = Result<(), VfsError>> + Send;

    /// Releases a handle.
    fn close(&self, handle: Handle) -> impl Future<Output = Result<(), VfsError>> + Send;

    /// Volume size and identity.
    fn volume(&self) -> impl Future<Output = Result<VolumeInfo, VfsError>> + Send;

    /// The security descriptor stored for the handle's object, as the
    /// opaque bytes [`set_security`](Vfs::set_security) stored (a
    /// self-relative descriptor; the storage does not read it), or `None`
    /// when none is stored. The default: [`VfsError::NotSupported`].
    fn security(
        &self,
        handle: Handle,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, VfsError>> + Send {
        let _ = handle;
        async { Err(VfsError::NotSupported("security descriptors")) }
    }

    /// The stored security descriptor of `path` (as [`security`](Vfs::security),
    /// without opening it; follows symbolic links, confined to the share).
    fn security_at(
        &self,
        path: &SmbPath,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, VfsError>> + Send {
        let _ = path;
        async { Err(VfsError::NotSupported("security descriptors")) }
    }

    /// [`stat`](Vfs::stat) and [`security_at`](Vfs::security_at) of `path`
    /// together (the descriptor `None` when none is stored or it cannot be
    /// read): what a CREATE of an existing name needs first. The default
    /// makes both calls; a backend may look the path up once.
    fn stat_and_security(
        &self,
        path: &SmbPath,
    ) -> impl Future<Output = Result<(FileInfo, Option<Vec<u8>>), VfsError>> + Send {
        async move {
            let info = self.stat(path).await?;
            let sd = self.security_at(path).await.ok().flatten();
            Ok((info, sd))
        }
    }

    /// Stores (`Some`) or forgets (`None`) the handle's security
    /// descriptor, at most [`MAX_SECURITY_LEN`] bytes
    /// ([`VfsError::InvalidParameter`] beyond). The default:
    /// [`VfsError::NotSupported`].
    fn set_security(
        &self,
        handle: Handle,
        sd: Option<Vec<u8>>,
    ) -> impl Future<Output = Result<(), VfsError>> + Send {
        let _ = (handle, sd);
        async { Err(VfsError::NotSupported("security descriptors")) }
    }

    /// The handle's extended attributes (name, value), in the order
    /// stored; empty when there are none. The default:
    /// [`VfsError::NotSupported`].
    fn eas(
        &self,
        handle: Handle,
    ) -> impl Future<Output = Result<Vec<(String, Vec<u8>)>, VfsError>> + Send {
        let _ = handle;
        async { Err(VfsError::NotSupported("extended attributes")) }
    }

    /// Replaces all the handle's extended attributes (an empty list
    /// removes them). Names are at most 255 bytes, values at most 65 535,
    /// the whole at most [`MAX_EAS_LEN`] ([`VfsError::InvalidParameter`]
    /// beyond). The default: [`VfsError::NotSupported`].
    fn set_eas(
        &self,
        handle: Handle,
        eas: Vec<(String, Vec<u8>)>,
    ) -> impl Future<Output = Result<(), VfsError>> + Send {
        let _ = (handle, eas);
        async { Err(VfsError::NotSupported("extended attributes")) }
    }

    /// Reserves at least `size` bytes of storage for the file without
    /// changing its end of file (the AllocationSize of a CREATE, or a
    /// FileAllocationInformation that grows). The default:
    /// [`VfsError::NotSupported`].
    fn allocate(
        &self,
        handle: Handle,
        size: u64,
    ) -> impl Future<Output = Result<(), VfsError>> + Send {
        let _ = (handle, size);
        async { Err(VfsError::NotSupported("allocation")) }
    }

    /// Marks the file sparse or not (FSCTL_SET_SPARSE): the SPARSE_FILE
    /// attribute, kept with the other DOS attributes. The default:
    /// [`VfsError::NotSupported`].
    fn set_sparse(
        &self,
        handle: Handle,
        sparse: bool,
    ) -> impl Future<Output = Result<(), VfsError>> + Send {
        let _ = (handle, sparse);
        async { Err(VfsError::NotSupported("sparse files")) }
    }

    /// The ranges `(offset, length)` of `[offset, offset + len)` that hold
    /// data (are allocated), in order, cut at the end of file. The default
    /// treats every byte below the end of file as allocated.
    fn allocated_ranges(
        &self,
        handle: Handle,
        offset: u64,
        len: u64,
    ) -> impl Future<Output = Result<Vec<(u64, u64)>, VfsError>> + Send {
        async move {
            let size = self.info(handle).await?.size;
            let end = offset.saturating_add(len).min(size);
            Ok(if end > offset {
                vec![(offset, end.saturating_sub(offset))]
            } else {
                Vec::new()
            })
        }
    }

    /// Zeroes `[offset, offset + len)` of the file and releases its storage
    /// where the file system can (a hole); the end of file does not move.
    /// Needs `write`. The default: [`VfsError::NotSupported`].
    fn punch_hole(
        &self,
        handle: Handle,
        offset: u64,
        len: u64,
    ) -> impl Future<Output = Result<(), VfsError>> + Send {
        let _ = (handle, offset, len);
        async { Err(VfsError::NotSupported("hole punching")) }
    }

    /// The handle's path as stored, in its on-disk case (the name a
    /// case-insensitive open matched; renames through this handle
    /// included). The default: [`VfsError::NotSupported`].
    fn disk_path(&self, handle: Handle) -> impl Future<Output = Result<SmbPath, VfsError>> + Send {
        let _ = handle;
        async { Err(VfsError::NotSupported("stored names")) }
    }

    /// Opens or creates the named data stream `stream` of the file `path`
    /// (see [`StreamPath`]); stream names compare ignoring case. A creating
    /// disposition creates a missing base file first. The handle reads,
    /// writes and sizes the stream; its [`FileInfo`] is the base file's
    /// (id, times, attributes) with the stream's size; metadata calls
    /// (times, attributes, security, EAs) act on the base file.
    ///
    /// Directories have streams too (the handle's `is_dir` is false).
    ///
    /// Errors: as [`open`](Vfs::open), and [`VfsError::NotADirectory`]
    /// for a directory kind. The default: [`VfsError::NotSupported`].
    fn open_stream(
        &self,
        path: &SmbPath,
        stream: &str,
        how: OpenHow,
    ) -> impl Future<Output = Result<Opened, VfsError>> + Send {
        let _ = (path, stream, how);
        async { Err(VfsError::NotSupported("named streams")) }
    }

    /// The named streams of the handle's file (of its base file for a
    /// stream handle) with their sizes, in name order. The default: no
    /// named streams.
    fn streams(
        &self,
        handle: Handle,
    ) -> impl Future<Output = Result<Vec<(String, u64)>, VfsError>> + Send {
        let _ = handle;
        async { Ok(Vec::new()) }
    }

    /// Removes the named stream `stream` of `path` ([`VfsError::NotFound`]
    /// when it does not exist). The default: [`VfsError::NotSupported`].
    fn remove_stream(
        &self,
        path: &SmbPath,
        stream: &str,
    ) -> impl Future<Output = Result<(), VfsError>> + Send {
        let _ = (path, stream);
        async { Err(VfsError::NotSupported("named streams")) }
    }

    /// Renames the stream a stream handle has open to `new` (a stream name
    /// of the same file). An existing stream `new` is replaced only with
    /// `replace` (else [`VfsError::Exists`]). The default:
    /// [`VfsError::NotSupported`].
    fn rename_stream(
        &self,
        handle: Handle,
        new: &str,
        replace: bool,
    ) -> impl Future<Output = Result<(), VfsError>> + Send {
        let _ = (handle, new, replace);
        async { Err(VfsError::NotSupported("named streams")) }
    }

    /// Starts watching the directory `dir` (with `subtree`, every
    /// directory below it too, as far as the storage's limit goes) for
    /// changes made by anyone; they reach every [`ChangeFeed`] of
    /// [`changes`](Vfs::changes) until the returned [`DirWatch`] is
    /// dropped. The default: [`VfsError::NotSupported`] (the storage sees
    /// no changes but the server's own).
    fn watch(
        &self,
        dir: &SmbPath,
        subtree: bool,
    ) -> impl Future<Output = Result<DirWatch, VfsError>> + Send {
        let _ = (dir, subtree);
        async { Err(VfsError::NotSupported("watching directories")) }
    }

    /// A feed of the changes in the directories being watched (see
    /// [`watch`](Vfs::watch)). The default: [`VfsError::NotSupported`].
    ///
    /// # Errors
    /// [`VfsError::NotSupported`], or the storage's failure to set up
    /// watching.
    fn changes(&self) -> Result<ChangeFeed, VfsError> {
        Err(VfsError::NotSupported("watching directories"))
    }
}

/// The largest named stream [`LocalFs`] and [`MemFs`] keep: 64 KiB, the
/// size limit of one Linux extended attribute value (tmpfs keeps up to
/// that; ext4 without `ea_inode` keeps all of a file's xattrs in one block,
/// about 4 KiB). A write past what the storage keeps is
/// [`VfsError::DiskFull`].
pub const MAX_STREAM_LEN: usize = 65_536;

/// The largest total of extended attributes [`Vfs::set_eas`] stores
/// (64 KiB, as NTFS).
pub const MAX_EAS_LEN: usize = 65_536;

/// The largest security descriptor [`Vfs::set_security`] stores (64 KiB,
/// the size limit of one Linux extended attribute).
pub const MAX_SECURITY_LEN: usize = 65_536;
