//! `LocalFs`: a host directory as a share, confined with cap-std.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use cap_std::fs::{Dir, File, FileExt, Metadata, MetadataExt, OpenOptions, OpenOptionsExt};
use rustix::fs::{OFlags, Timespec, Timestamps, UTIME_OMIT, XattrFlags};

use crate::mem::fold;
use crate::types::{
    DirEntry, Disposition, DosAttributes, FileInfo, FileTime, Handle, OpenAction, OpenHow,
    OpenKind, Opened, SetInfo, VolumeInfo,
};
use crate::{SmbPath, Vfs, VfsError};

/// Name of the extended attribute holding DOS attributes and creation time.
pub const DOS_XATTR: &str = "user.smbkit.dos";
/// Version byte of the [`DOS_XATTR`] format.
const XATTR_VERSION: u8 = 1;
/// Cached directories before the name cache is dropped and restarted.
const CACHE_DIRS: usize = 1024;

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
}

impl Default for LocalFsOptions {
    fn default() -> Self {
        LocalFsOptions {
            case_insensitive: true,
            dos_xattr: true,
            fs_name: "NTFS".to_owned(),
            serial: None,
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
}

#[derive(Debug)]
struct LocalHandle {
    obj: Obj,
    /// On-disk path relative to the root, updated by renames through us.
    path: Mutex<PathBuf>,
    read: bool,
    write: bool,
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

/// The case-folded names of one directory, valid while its mtime is
/// unchanged.
#[derive(Debug)]
struct DirNames {
    mtime: (i64, i64),
    /// folded name → the smallest on-disk name with that folding.
    names: HashMap<String, String>,
}

enum Found {
    Existing(PathBuf),
    Missing { parent: PathBuf, name: String },
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code path panics while holding these locks; recover anyway.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn mtime_of(m: &Metadata) -> (i64, i64) {
    (m.mtime(), m.mtime_nsec())
}

fn name_of(rel: &Path) -> String {
    rel.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned()
}

/// Stored DOS information (the [`DOS_XATTR`] value).
///
/// Format, 13 bytes: `version: u8 = 1`, `attributes: u32 LE` (only
/// [`DosAttributes::SETTABLE`] bits), `creation: u64 LE` (FILETIME; 0 = not
/// stored). Other versions or lengths are ignored as if absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct DosXattr {
    attributes: DosAttributes,
    creation: FileTime,
}

impl DosXattr {
    fn encode(self) -> [u8; 13] {
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

    /// Resolves a client path to on-disk names, exactly or (when enabled)
    /// ignoring case per component.
    fn resolve(&self, path: &SmbPath) -> Result<Found, VfsError> {
        let mut rel = PathBuf::new();
        let count = path.components().len();
        for (i, comp) in path.components().enumerate() {
            let last = i.saturating_add(1) == count;
            let candidate = rel.join(comp);
            match self
                .root
                .symlink_metadata(&candidate)
                .map_err(VfsError::from)
            {
                Ok(_) => {
                    rel = candidate;
                    continue;
                }
                Err(VfsError::NotFound) => {}
                Err(VfsError::NotADirectory) => return Err(VfsError::PathNotFound),
                Err(e) => return Err(e),
            }
            if self.opts.case_insensitive
                && let Some(actual) = self.ci_lookup(&rel, comp)?
            {
                rel.push(actual);
                continue;
            }
            if last {
                return Ok(Found::Missing {
                    parent: rel,
                    name: comp.to_owned(),
                });
            }
            return Err(VfsError::PathNotFound);
        }
        Ok(Found::Existing(rel))
    }

    /// Looks `name` up ignoring case in directory `dir` through the cache.
    fn ci_lookup(&self, dir: &Path, name: &str) -> Result<Option<String>, VfsError> {
        let meta = self.lmeta(dir).map_err(|e| match VfsError::from(e) {
            VfsError::NotFound | VfsError::NotADirectory => VfsError::PathNotFound,
            other => other,
        })?;
        let key = (meta.dev(), meta.ino());
        let folded = fold(name);
        {
            let cache = lock(&self.cache);
            if let Some(entry) = cache.get(&key).filter(|e| e.mtime == mtime_of(&meta)) {
                return Ok(entry.names.get(&folded).cloned());
            }
        }
        let read = if dir.as_os_str().is_empty() {
            self.root.entries()
        } else {
            self.root.read_dir(dir)
        };
        let read = read.map_err(|e| match VfsError::from(e) {
            VfsError::NotFound | VfsError::NotADirectory => VfsError::PathNotFound,
            other => other,
        })?;
        let mut names: HashMap<String, String> = HashMap::new();
        for entry in read {
            let Ok(n) = entry?.file_name().into_string() else {
                continue; // not UTF-8: no client can name it
            };
            insert_smallest(&mut names, n);
        }
        let hit = names.get(&folded).cloned();
        let mut cache = lock(&self.cache);
        if cache.len() >= CACHE_DIRS {
            cache.clear();
        }
        cache.insert(
            key,
            DirNames {
                mtime: mtime_of(&meta),
                names,
            },
        );
        Ok(hit)
    }

    /// After creating `name` in `dir`: add it to that directory's cache
    /// entry (if any) and take the new mtime, so bulk creation does not
    /// rebuild the cache each time.
    fn cache_created(&self, dir: &Path, name: &str) {
        let Ok(meta) = self.lmeta(dir) else { return };
        let mut cache = lock(&self.cache);
        if let Some(entry) = cache.get_mut(&(meta.dev(), meta.ino())) {
            insert_smallest(&mut entry.names, name.to_owned());
            entry.mtime = mtime_of(&meta);
        }
    }

    fn cache_clear(&self) {
        lock(&self.cache).clear();
    }

    fn read_xattr(&self, fd: BorrowedFd<'_>) -> Option<DosXattr> {
        if !self.opts.dos_xattr {
            return None;
        }
        let mut buf = [0u8; 32];
        let n = rustix::fs::fgetxattr(fd, DOS_XATTR, &mut buf).ok()?;
        DosXattr::decode(buf.get(..n)?)
    }

    fn write_xattr(&self, fd: BorrowedFd<'_>, x: DosXattr) -> Result<(), VfsError> {
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

    fn handle_info(&self, h: &LocalHandle) -> Result<FileInfo, VfsError> {
        let meta = h.obj.metadata()?;
        let name = name_of(&lock(&h.path));
        Ok(self.build_info(&meta, self.read_xattr(h.obj.fd()), &name))
    }

    /// Opens `rel` for reading metadata (no data access intended).
    fn open_for_meta(dir: &Dir, rel: &Path, is_dir: bool) -> io::Result<Obj> {
        if is_dir {
            open_dir_fd(dir, rel).map(Obj::Dir)
        } else {
            let mut o = OpenOptions::new();
            o.read(true).custom_flags(nonblock());
            dir.open_with(rel, &o).map(Obj::File)
        }
    }

    /// Information about `rel` below `dir`, following a final symlink.
    fn info_at(&self, dir: &Dir, rel: &Path, lmeta: Metadata) -> Result<FileInfo, VfsError> {
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
        match how.kind {
            OpenKind::Directory if !is_dir => return Err(VfsError::NotADirectory),
            OpenKind::NonDirectory if is_dir => return Err(VfsError::IsADirectory),
            _ => {}
        }
        let action = match how.disposition {
            Disposition::Overwrite | Disposition::OverwriteIf => OpenAction::Overwritten,
            Disposition::Supersede => OpenAction::Superseded,
            _ => OpenAction::Opened,
        };
        let path = Mutex::new(rel.to_path_buf());
        if is_dir {
            if action != OpenAction::Opened {
                return Err(VfsError::InvalidParameter("cannot overwrite a directory"));
            }
            let obj = Self::open_for_meta(&self.root, rel, true)?;
            return Ok((
                LocalHandle {
                    obj,
                    path,
                    read: how.read,
                    write: how.write,
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
        };
        let info = self.handle_info(&h)?;
        if (how.write || truncate) && info.attributes.contains(DosAttributes::READONLY) {
            return Err(VfsError::AccessDenied);
        }
        if let (true, Obj::File(f)) = (truncate, &h.obj) {
            f.set_len(0)?;
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
        let x = DosXattr {
            attributes: DosAttributes::initial(name, is_dir),
            creation: FileTime::now(),
        };
        self.write_xattr(obj.fd(), x)?;
        Ok(LocalHandle {
            obj,
            path: Mutex::new(rel),
            read: how.read,
            write: how.write,
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

fn insert_smallest(names: &mut HashMap<String, String>, n: String) {
    let f = fold(&n);
    match names.get_mut(&f) {
        Some(existing) if *existing <= n => {}
        Some(existing) => *existing = n,
        None => {
            names.insert(f, n);
        }
    }
}

fn nonblock() -> i32 {
    // Opening a FIFO that raced in must not hang the worker.
    i32::try_from((OFlags::NONBLOCK | OFlags::NOCTTY).bits()).unwrap_or(0)
}

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
                    (inner.create(&parent, &name, how)?, OpenAction::Created)
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
        let h = self.handle(handle)?;
        self.run(move |_| {
            let Obj::File(f) = &h.obj else {
                return Err(VfsError::IsADirectory);
            };
            if !h.read {
                return Err(VfsError::AccessDenied);
            }
            // Bound the buffer by what the file holds now.
            let available = f.metadata()?.len().saturating_sub(offset);
            let want = usize::try_from(available).unwrap_or(usize::MAX).min(len);
            let mut buf = vec![0u8; want];
            let mut filled = 0usize;
            while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
                let at = offset.saturating_add(u64::try_from(filled).unwrap_or(u64::MAX));
                match f.read_at(rest, at) {
                    Ok(0) => break,
                    Ok(n) => filled = filled.saturating_add(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.into()),
                }
            }
            buf.truncate(filled);
            Ok(Bytes::from(buf))
        })
        .await
    }

    async fn write_at(&self, handle: Handle, offset: u64, data: &[u8]) -> Result<usize, VfsError> {
        let h = self.handle(handle)?;
        u64::try_from(data.len())
            .ok()
            .and_then(|n| offset.checked_add(n))
            .ok_or(VfsError::InvalidParameter("write past the largest offset"))?;
        // spawn_blocking needs owned data: one copy.
        let data = data.to_vec();
        self.run(move |_| {
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
        self.run(move |_| {
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
        self.run(move |inner| inner.handle_info(&h)).await
    }

    async fn stat(&self, path: &SmbPath) -> Result<FileInfo, VfsError> {
        let path = path.clone();
        self.run(move |inner| match inner.resolve(&path)? {
            Found::Existing(rel) => inner.info_at(&inner.root, &rel, inner.lmeta(&rel)?),
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
            if info.creation_time.is_some() || info.attributes.is_some() {
                let current = inner.handle_info(&h)?;
                let stored = inner.read_xattr(fd);
                let x = DosXattr {
                    attributes: info
                        .attributes
                        .or(stored.map(|s| s.attributes))
                        .unwrap_or(current.attributes)
                        .intersection(DosAttributes::SETTABLE),
                    creation: info
                        .creation_time
                        .or(stored.map(|s| s.creation))
                        .unwrap_or(current.creation_time),
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
                let Ok(lmeta) = dir.symlink_metadata(&name) else {
                    continue;
                };
                // A plain entry is read through this directory's handle; a
                // symbolic link is resolved from the share root (so a link to
                // a sibling works and one leaving the share is refused).
                let info = if lmeta.is_symlink() {
                    let rel = base.join(&name);
                    inner
                        .lmeta(&rel)
                        .map_err(VfsError::from)
                        .and_then(|m| inner.info_at(&inner.root, &rel, m))
                } else {
                    inner.info_at(dir, Path::new(&name), lmeta)
                };
                if let Ok(info) = info {
                    out.push(DirEntry { name, info });
                }
            }
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
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

    #[test]
    fn smallest_name_wins() {
        let mut m = HashMap::new();
        insert_smallest(&mut m, "b".into());
        insert_smallest(&mut m, "Readme".into());
        insert_smallest(&mut m, "README".into());
        insert_smallest(&mut m, "readme".into());
        assert_eq!(m["readme"], "README");
        assert_eq!(m["b"], "b");
    }
}
