//! `LocalFs`: a host directory as a share, confined with cap-std.
//!
//! This module holds the types, the handle table and opening/creating;
//! [`names`] resolves client paths (with the case-insensitive name cache),
//! [`attrs`] keeps DOS attributes in an xattr and builds [`FileInfo`]s, and
//! [`vfs`] implements [`Vfs`](crate::Vfs) on top.

mod attrs;
mod names;
mod streams;
mod vfs;
mod watch;

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use cap_std::fs::{Dir, File, Metadata, MetadataExt, OpenOptions, OpenOptionsExt};
use rustix::fs::OFlags;

use crate::VfsError;
use crate::types::{Disposition, DosAttributes, FileTime, Handle, OpenAction, OpenHow, OpenKind};

use attrs::DosXattr;
use names::DirNames;
pub use watch::DEFAULT_MAX_WATCHES;

/// Settings of a [`LocalFs`].
#[derive(Clone, Debug)]
pub struct LocalFsOptions {
    /// When the exact name does not exist, use a name that differs only in
    /// case (default true).
    pub case_insensitive: bool,
    /// Keep DOS attributes and creation time in the `user.smbkit.dos`
    /// extended attribute (default true; when false, or when the file
    /// system refuses xattrs, attributes are derived and changes to them
    /// are dropped).
    pub dos_xattr: bool,
    /// File system name reported to clients (default "NTFS", what Samba and
    /// ksmbd report and clients expect).
    pub fs_name: String,
    /// Volume serial number; default: derived from the root's device and
    /// inode numbers.
    pub serial: Option<u32>,
    /// Directories watched at most for [`Vfs::watch`](crate::Vfs::watch)
    /// (one inotify watch each; default [`DEFAULT_MAX_WATCHES`]). A
    /// subtree with more directories is watched only in part, and its
    /// watchers get [`FsEvent::Overflow`](crate::FsEvent::Overflow).
    pub max_watches: usize,
}

impl Default for LocalFsOptions {
    fn default() -> Self {
        LocalFsOptions {
            case_insensitive: true,
            dos_xattr: true,
            fs_name: "NTFS".to_owned(),
            serial: None,
            max_watches: DEFAULT_MAX_WATCHES,
        }
    }
}

/// A share backed by a host directory.
///
/// The root is opened once as a `cap_std::fs::Dir`; every path is resolved
/// beneath it, so `..`, absolute symbolic links and links pointing outside
/// cannot escape (they fail with [`VfsError::Escape`] →
/// `STATUS_ACCESS_DENIED`). Only regular files and directories are served.
///
/// Blocking system calls run in `tokio::task::spawn_blocking`, so every
/// method must be awaited inside a tokio runtime (else
/// [`VfsError::Internal`]). Handles are ids into a table of open
/// `cap_std::fs::File` / `Dir` objects.
///
/// * `file_id` is the inode number (`st_ino`): stable for the life of the
///   file and the same through any name, hard link or symlink. Shares that
///   span several file systems (mount points inside the root) may repeat ids.
/// * Times: write/access/change are the inode's mtime/atime/ctime; the
///   creation time comes from the xattr, else the file system's birth time
///   (statx), else the older of mtime and ctime.
/// * Attributes: see the crate documentation for the xattr format and the
///   derived values.
#[derive(Debug, Clone)]
pub struct LocalFs {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    root: Dir,
    opts: LocalFsOptions,
    serial: u32,
    handles: Mutex<HashMap<u64, Arc<LocalHandle>>>,
    next_handle: AtomicU64,
    cache: Mutex<HashMap<(u64, u64), DirNames>>,
    /// Serialises the read-modify-write of stream attributes.
    stream_lock: Mutex<()>,
    /// The inotify watcher, started by the first watch (watch.rs).
    watcher: Mutex<Option<Arc<watch::Watcher>>>,
}

#[derive(Debug)]
struct LocalHandle {
    obj: Obj,
    /// On-disk path relative to the root, updated by renames through us.
    path: Mutex<PathBuf>,
    read: bool,
    write: bool,
    /// The stored name of the stream this handle has open (`obj` is then
    /// the base file); `None` for the file itself. Renames update it.
    stream: Option<Mutex<String>>,
}

#[derive(Debug)]
enum Obj {
    File(File),
    Dir(Dir),
}

impl Obj {
    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Obj::File(f) => f.as_fd(),
            Obj::Dir(d) => d.as_fd(),
        }
    }

    fn metadata(&self) -> io::Result<Metadata> {
        match self {
            Obj::File(f) => f.metadata(),
            Obj::Dir(d) => d.dir_metadata(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code path panics while holding these locks; recover anyway.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn name_of(rel: &Path) -> String {
    rel.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned()
}

impl LocalFs {
    /// Serves the directory `root` (opened now, once).
    pub fn new(root: PathBuf, opts: LocalFsOptions) -> Result<LocalFs, VfsError> {
        let root = Dir::open_ambient_dir(&root, cap_std::ambient_authority())?;
        let meta = root.dir_metadata()?;
        let serial = opts.serial.unwrap_or_else(|| {
            let x = meta.dev() ^ meta.ino().rotate_left(17);
            u32::try_from((x ^ x.wrapping_shr(32)) & 0xFFFF_FFFF).unwrap_or(0)
        });
        Ok(LocalFs {
            inner: Arc::new(Inner {
                root,
                opts,
                serial,
                handles: Mutex::new(HashMap::new()),
                next_handle: AtomicU64::new(1),
                cache: Mutex::new(HashMap::new()),
                stream_lock: Mutex::new(()),
                watcher: Mutex::new(None),
            }),
        })
    }

    /// Runs `f` on the blocking pool.
    async fn run<T, F>(&self, f: F) -> Result<T, VfsError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T, VfsError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let rt = tokio::runtime::Handle::try_current()
            .map_err(|_| VfsError::Internal("LocalFs used outside a tokio runtime"))?;
        rt.spawn_blocking(move || f(&inner))
            .await
            .map_err(|_| VfsError::Internal("blocking task failed"))?
    }

    fn handle(&self, h: Handle) -> Result<Arc<LocalHandle>, VfsError> {
        lock(&self.inner.handles)
            .get(&h.0)
            .cloned()
            .ok_or(VfsError::InvalidHandle)
    }
}

impl Inner {
    fn lmeta(&self, rel: &Path) -> io::Result<Metadata> {
        if rel.as_os_str().is_empty() {
            self.root.dir_metadata()
        } else {
            self.root.symlink_metadata(rel)
        }
    }

    fn open_existing(
        &self,
        rel: &Path,
        how: OpenHow,
    ) -> Result<(LocalHandle, OpenAction), VfsError> {
        let lmeta = self.lmeta(rel)?;
        if lmeta.is_symlink() && !how.follow {
            return Err(VfsError::AccessDenied);
        }
        let meta = if lmeta.is_symlink() {
            self.root.metadata(rel)?
        } else {
            lmeta
        };
        if how.disposition == Disposition::Create {
            return Err(VfsError::Exists);
        }
        let is_dir = meta.is_dir();
        if !is_dir && !meta.is_file() {
            return Err(VfsError::AccessDenied);
        }
        let action = how.existing_action(is_dir)?;
        let path = Mutex::new(rel.to_path_buf());
        if is_dir {
            let obj = Self::open_for_meta(&self.root, rel, true)?;
            return Ok((
                LocalHandle {
                    obj,
                    path,
                    read: how.read,
                    write: how.write,
                    stream: None,
                },
                action,
            ));
        }
        let truncate = action != OpenAction::Opened;
        let mut o = OpenOptions::new();
        o.read(true)
            .write(how.write || truncate)
            .custom_flags(nonblock());
        let file = self.root.open_with(rel, &o)?;
        let h = LocalHandle {
            obj: Obj::File(file),
            path,
            read: how.read,
            write: how.write,
            stream: None,
        };
        let info = self.handle_info(&h)?;
        if (how.write || truncate) && info.attributes.contains(DosAttributes::READONLY) {
            return Err(VfsError::AccessDenied);
        }
        if let (true, Obj::File(f)) = (truncate, &h.obj) {
            f.set_len(0)?;
            // Overwriting or superseding a file drops its named streams.
            for stream in self.stream_names(f.as_fd())? {
                self.drop_stream(f.as_fd(), &stream)?;
            }
        }
        Ok((h, action))
    }

    fn create(&self, parent: &Path, name: &str, how: OpenHow) -> Result<LocalHandle, VfsError> {
        let rel = parent.join(name);
        let is_dir = how.kind == OpenKind::Directory;
        let obj = if is_dir {
            self.root.create_dir(&rel)?;
            Obj::Dir(open_dir_fd(&self.root, &rel)?)
        } else {
            let mut o = OpenOptions::new();
            o.read(true)
                .write(true)
                .create_new(true)
                .custom_flags(nonblock());
            Obj::File(self.root.open_with(&rel, &o)?)
        };
        self.cache_created(parent, name);
        let x = DosXattr::new(DosAttributes::initial(name, is_dir), FileTime::now());
        self.write_xattr(obj.fd(), x)?;
        Ok(LocalHandle {
            obj,
            path: Mutex::new(rel),
            read: how.read,
            write: how.write,
            stream: None,
        })
    }

    fn add_handle(&self, h: LocalHandle) -> Handle {
        let id = self.next_handle.fetch_add(1, Ordering::Relaxed);
        lock(&self.handles).insert(id, Arc::new(h));
        Handle(id)
    }
}

/// Opens a directory with a real (not `O_PATH`) descriptor, so that
/// xattrs, fsync and futimens work on it.
fn open_dir_fd(dir: &Dir, rel: &Path) -> io::Result<Dir> {
    let rel = if rel.as_os_str().is_empty() {
        Path::new(".")
    } else {
        rel
    };
    let mut o = OpenOptions::new();
    let flags = OFlags::DIRECTORY | OFlags::NONBLOCK;
    o.read(true)
        .custom_flags(i32::try_from(flags.bits()).unwrap_or(0));
    let file = dir.open_with(rel, &o)?;
    Ok(Dir::from_std_file(file.into_std()))
}

fn nonblock() -> i32 {
    // Opening a FIFO that raced in must not hang the worker.
    i32::try_from((OFlags::NONBLOCK | OFlags::NOCTTY).bits()).unwrap_or(0)
}
