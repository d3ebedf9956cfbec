//! [`Vfs::watch`](crate::Vfs::watch) for [`LocalFs`](super::LocalFs):
//! Linux inotify, one instance per share, created at the first watch.
//!
//! inotify watches one directory per watch descriptor, so a subtree watch
//! adds one for every directory below its root (and for directories
//! created or moved in later), up to [`LocalFsOptions::max_watches`] for
//! the share. Past that limit the rest of the tree is not watched and
//! [`FsEvent::Overflow`] tells the watchers of that tree to enumerate
//! (SMB: STATUS_NOTIFY_ENUM_DIR). A directory is watched while some
//! [`DirWatch`] needs it; the last one dropped removes its descriptor.
//!
//! Each directory is opened through the share root (confined like every
//! other access) and its descriptor handed to `inotify_add_watch` as
//! `/proc/self/fd/N`, so no path is ever resolved outside the root.
//!
//! Moves are paired by their cookie within one read of the event queue
//! (the kernel queues both halves together); a half without its partner is
//! a removal or an addition.
//!
//! [`LocalFsOptions::max_watches`]: super::LocalFsOptions::max_watches

use std::collections::HashMap;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::sync::{Arc, Mutex};

use cap_std::fs::Dir;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
use tokio::sync::broadcast;

use super::{lock, open_dir_fd};
use crate::{ChangeFeed, DirWatch, FEED_CAPACITY, FsEvent, SmbPath, VfsError};

/// The default of [`LocalFsOptions::max_watches`](super::LocalFsOptions::max_watches).
pub const DEFAULT_MAX_WATCHES: usize = 4096;

/// Bytes read from the inotify descriptor at once.
const READ_BUFFER: usize = 64 * 1024;

fn mask() -> WatchFlags {
    WatchFlags::CREATE
        | WatchFlags::DELETE
        | WatchFlags::MODIFY
        | WatchFlags::ATTRIB
        | WatchFlags::MOVED_FROM
        | WatchFlags::MOVED_TO
        | WatchFlags::ONLYDIR
}

/// The inotify instance of one share and its reader task.
#[derive(Debug)]
pub(super) struct Watcher {
    shared: Arc<Shared>,
    tx: broadcast::Sender<Arc<[FsEvent]>>,
    /// Set when the watcher is dropped: the reader thread ends.
    stop: Arc<AtomicBool>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

#[derive(Debug)]
struct Shared {
    fd: OwnedFd,
    root: Dir,
    max: usize,
    state: Mutex<State>,
}

/// A registration: one [`DirWatch`].
#[derive(Debug)]
struct Reg {
    root: SmbPath,
    subtree: bool,
}

#[derive(Debug, Default)]
struct State {
    /// Watch descriptor → the directory's on-disk path.
    dirs: HashMap<i32, SmbPath>,
    /// The reverse of `dirs`.
    wds: HashMap<SmbPath, i32>,
    regs: HashMap<u64, Reg>,
    next_reg: u64,
}

/// Why a directory could not be watched.
enum AddError {
    Limit,
    Io(io::Error),
}

/// Whether `path` is strictly below `top`.
fn is_below(path: &SmbPath, top: &SmbPath) -> bool {
    path.components().len() > top.components().len()
        && top.components().zip(path.components()).all(|(a, b)| a == b)
}

/// `path` moved from below `from` to below `to`.
fn rebase(path: &SmbPath, from: &SmbPath, to: &SmbPath) -> Option<SmbPath> {
    let skip = from.components().len();
    let mut out = to.clone();
    for c in path.components().skip(skip) {
        out = out.join(c).ok()?;
    }
    Some(out)
}

/// The share-relative on-disk path `rel` as an [`SmbPath`].
pub(super) fn smb_path(rel: &Path) -> Result<SmbPath, VfsError> {
    let mut out = SmbPath::root();
    for c in rel.components() {
        let name = c.as_os_str().to_str().ok_or(VfsError::NotFound)?;
        out = out.join(name).map_err(|_| VfsError::NotFound)?;
    }
    Ok(out)
}

impl State {
    /// Whether some registration needs `path` watched.
    fn wanted(&self, path: &SmbPath) -> bool {
        self.regs
            .values()
            .any(|r| r.root == *path || (r.subtree && is_below(path, &r.root)))
    }

    /// The root of a subtree registration that covers `path`.
    fn tree_root(&self, path: &SmbPath) -> Option<SmbPath> {
        self.regs
            .values()
            .find(|r| r.subtree && (r.root == *path || is_below(path, &r.root)))
            .map(|r| r.root.clone())
    }

    fn forget(&mut self, wd: i32) {
        if let Some(path) = self.dirs.remove(&wd) {
            self.wds.remove(&path);
        }
    }
}

impl Shared {
    /// Watches the directory `path`.
    fn add_dir(&self, st: &mut State, path: &SmbPath) -> Result<(), AddError> {
        if st.wds.contains_key(path) {
            return Ok(());
        }
        if st.dirs.len() >= self.max {
            return Err(AddError::Limit);
        }
        let dir = open_dir_fd(&self.root, &path.to_relative_path()).map_err(AddError::Io)?;
        let proc = format!("/proc/self/fd/{}", dir.as_raw_fd());
        let wd = inotify::add_watch(&self.fd, proc.as_str(), mask())
            .map_err(|e| AddError::Io(e.into()))?;
        if let Some(old) = st.dirs.insert(wd, path.clone()) {
            st.wds.remove(&old);
        }
        st.wds.insert(path.clone(), wd);
        Ok(())
    }

    /// Watches `top` and every directory below it (symbolic links are not
    /// followed); directories that vanish meanwhile are skipped.
    fn add_tree(&self, st: &mut State, top: &SmbPath) -> Result<(), AddError> {
        let mut queue = vec![top.clone()];
        let mut first = true;
        while let Some(path) = queue.pop() {
            match self.add_dir(st, &path) {
                Ok(()) => {}
                Err(AddError::Io(e)) if first => return Err(AddError::Io(e)),
                Err(AddError::Io(_)) => continue,
                Err(AddError::Limit) => return Err(AddError::Limit),
            }
            first = false;
            let entries = if path.is_root() {
                self.root.entries()
            } else {
                self.root.read_dir(path.to_relative_path())
            };
            let Ok(entries) = entries else { continue };
            for entry in entries.flatten() {
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                let name = entry.file_name();
                if let (true, Some(name)) = (is_dir, name.to_str())
                    && let Ok(child) = path.join(name)
                {
                    queue.push(child);
                }
            }
        }
        Ok(())
    }

    /// Removes the descriptors no registration needs any more.
    fn prune(&self, st: &mut State) {
        let unwanted: Vec<(i32, SmbPath)> = st
            .dirs
            .iter()
            .filter(|(_, p)| !st.wanted(p))
            .map(|(wd, p)| (*wd, p.clone()))
            .collect();
        for (wd, path) in unwanted {
            // The kernel may have dropped it already (directory deleted).
            let _ = inotify::remove_watch(&self.fd, wd);
            st.dirs.remove(&wd);
            st.wds.remove(&path);
        }
    }

    /// A directory that appeared at `path`: watched with what is below it
    /// when a subtree registration covers it (an overflow of that tree
    /// past the limit).
    fn grow(&self, st: &mut State, path: &SmbPath, out: &mut Vec<FsEvent>) {
        if let Some(root) = st.tree_root(path)
            && let Err(AddError::Limit) = self.add_tree(st, path)
        {
            out.push(FsEvent::Overflow { dir: root });
        }
    }

    /// The watched directories at or below `from` moved to `to`.
    fn moved(&self, st: &mut State, from: &SmbPath, to: &SmbPath) {
        let hit: Vec<(i32, SmbPath)> = st
            .dirs
            .iter()
            .filter(|(_, p)| *p == from || is_below(p, from))
            .map(|(wd, p)| (*wd, p.clone()))
            .collect();
        for (wd, old) in hit {
            st.wds.remove(&old);
            match rebase(&old, from, to) {
                Some(new) => {
                    st.wds.insert(new.clone(), wd);
                    st.dirs.insert(wd, new);
                }
                None => {
                    st.dirs.remove(&wd);
                    let _ = inotify::remove_watch(&self.fd, wd);
                }
            }
        }
        self.prune(st);
    }

    /// Turns one read of the queue into events.
    fn translate(&self, raws: Vec<Raw>) -> Vec<FsEvent> {
        let mut st = lock(&self.state);
        let mut out = Vec::new();
        let mut pending: Option<(u32, SmbPath, bool)> = None;
        for r in raws {
            if r.mask.contains(ReadFlags::QUEUE_OVERFLOW) {
                out.push(FsEvent::Overflow {
                    dir: SmbPath::root(),
                });
                continue;
            }
            if r.mask.contains(ReadFlags::IGNORED) {
                st.forget(r.wd);
                continue;
            }
            // Events of a watched directory itself (no name) are reported by
            // the watch of its parent.
            let (Some(dir), Some(name)) = (st.dirs.get(&r.wd), r.name) else {
                continue;
            };
            let Ok(path) = dir.join(&name) else { continue };
            let is_dir = r.mask.contains(ReadFlags::ISDIR);
            if r.mask.contains(ReadFlags::MOVED_TO)
                && let Some((cookie, from, _)) = pending.take_if(|p| p.0 == r.cookie)
            {
                let _ = cookie;
                if is_dir {
                    self.moved(&mut st, &from, &path);
                    self.grow(&mut st, &path, &mut out);
                }
                out.push(FsEvent::Renamed {
                    from,
                    to: path,
                    is_dir,
                });
                continue;
            }
            if let Some((_, from, was_dir)) = pending.take() {
                self.gone(&mut st, from, was_dir, &mut out);
            }
            if r.mask.contains(ReadFlags::MOVED_FROM) {
                pending = Some((r.cookie, path, is_dir));
            } else if r.mask.intersects(ReadFlags::CREATE | ReadFlags::MOVED_TO) {
                if is_dir {
                    self.grow(&mut st, &path, &mut out);
                }
                out.push(FsEvent::Added { path, is_dir });
            } else if r.mask.contains(ReadFlags::DELETE) {
                out.push(FsEvent::Removed { path, is_dir });
            } else if r.mask.contains(ReadFlags::MODIFY) && !is_dir {
                out.push(FsEvent::Modified { path });
            } else if r.mask.contains(ReadFlags::ATTRIB) {
                out.push(FsEvent::Attributes { path, is_dir });
            }
        }
        if let Some((_, from, was_dir)) = pending {
            self.gone(&mut st, from, was_dir, &mut out);
        }
        out
    }

    /// A name moved out of every watched directory.
    fn gone(&self, st: &mut State, path: SmbPath, is_dir: bool, out: &mut Vec<FsEvent>) {
        if is_dir {
            let below: Vec<i32> = st
                .dirs
                .iter()
                .filter(|(_, p)| **p == path || is_below(p, &path))
                .map(|(wd, _)| *wd)
                .collect();
            for wd in below {
                let _ = inotify::remove_watch(&self.fd, wd);
                st.forget(wd);
            }
        }
        out.push(FsEvent::Removed { path, is_dir });
    }
}

/// One inotify event, copied out of the read buffer.
struct Raw {
    wd: i32,
    mask: ReadFlags,
    cookie: u32,
    name: Option<String>,
}

/// Reads what the queue holds now (WouldBlock when it is empty).
fn read_events(fd: &OwnedFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<Vec<Raw>> {
    let mut reader = inotify::Reader::new(fd, buf);
    let mut out = Vec::new();
    loop {
        match reader.next() {
            Ok(ev) => out.push(Raw {
                wd: ev.wd(),
                mask: ev.events(),
                cookie: ev.cookie(),
                // A name that is not UTF-8 cannot be shown to a client.
                name: ev
                    .file_name()
                    .and_then(|n| n.to_str().ok())
                    .map(str::to_owned),
            }),
            Err(rustix::io::Errno::AGAIN) if !out.is_empty() => return Ok(out),
            Err(e) => return Err(e.into()),
        }
        if reader.is_buffer_empty() {
            return Ok(out);
        }
    }
}

/// How long the reader thread waits for events before it checks whether
/// the watcher is gone.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The reader thread: reads the queue until the watcher is dropped.
fn read_loop(shared: &Shared, tx: &broadcast::Sender<Arc<[FsEvent]>>, stop: &AtomicBool) {
    let mut buf = vec![MaybeUninit::<u8>::uninit(); READ_BUFFER];
    let timeout = Timespec::try_from(POLL_INTERVAL).unwrap_or(Timespec {
        tv_sec: 0,
        tv_nsec: 250_000_000,
    });
    while !stop.load(Ordering::Acquire) {
        let mut fds = [PollFd::new(&shared.fd, PollFlags::IN)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) | Err(rustix::io::Errno::INTR) => continue,
            Ok(_) => {}
            Err(_) => return,
        }
        let raws = match read_events(&shared.fd, &mut buf) {
            Ok(raws) => raws,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(_) => return,
        };
        let batch = shared.translate(raws);
        if !batch.is_empty() {
            // No feed listening is fine.
            let _ = tx.send(batch.into());
        }
    }
}

/// Keeps one registration; its drop unwatches what only it needed.
struct RegGuard {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for RegGuard {
    fn drop(&mut self) {
        let mut st = lock(&self.shared.state);
        st.regs.remove(&self.id);
        self.shared.prune(&mut st);
    }
}

impl Watcher {
    /// A new inotify instance for the share `root` and its reader task
    /// (a thread of its own, which ends soon after the watcher is dropped).
    pub(super) fn start(root: &Dir, max: usize) -> Result<Watcher, VfsError> {
        let fd =
            inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK).map_err(io::Error::from)?;
        let shared = Arc::new(Shared {
            fd,
            root: root.try_clone()?,
            max,
            state: Mutex::default(),
        });
        let (tx, _) = broadcast::channel(FEED_CAPACITY);
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_shared, thread_tx, thread_stop) =
            (Arc::clone(&shared), tx.clone(), Arc::clone(&stop));
        std::thread::Builder::new()
            .name("smbkit-inotify".to_owned())
            .spawn(move || read_loop(&thread_shared, &thread_tx, &thread_stop))?;
        Ok(Watcher { shared, tx, stop })
    }

    /// A feed of this share's changes.
    pub(super) fn feed(&self) -> ChangeFeed {
        ChangeFeed::new(self.tx.subscribe())
    }

    /// Watches the directory at the on-disk path `dir` (and below it with
    /// `subtree`). Blocking: runs on the blocking pool.
    pub(super) fn register(&self, dir: SmbPath, subtree: bool) -> Result<DirWatch, VfsError> {
        let shared = &self.shared;
        let mut st = lock(&shared.state);
        let id = st.next_reg;
        st.next_reg = id.wrapping_add(1);
        st.regs.insert(
            id,
            Reg {
                root: dir.clone(),
                subtree,
            },
        );
        let added = if subtree {
            shared.add_tree(&mut st, &dir)
        } else {
            shared.add_dir(&mut st, &dir)
        };
        match added {
            Ok(()) => {}
            Err(AddError::Limit) => {
                let _ = self.tx.send(vec![FsEvent::Overflow { dir }].into());
            }
            Err(AddError::Io(e)) => {
                st.regs.remove(&id);
                shared.prune(&mut st);
                return Err(e.into());
            }
        }
        drop(st);
        Ok(DirWatch::new(Box::new(RegGuard {
            shared: Arc::clone(shared),
            id,
        })))
    }
}

impl super::LocalFs {
    /// The share's watcher, started at the first call.
    fn watcher(&self) -> Result<Arc<Watcher>, VfsError> {
        let mut slot = lock(&self.inner.watcher);
        if let Some(w) = slot.as_ref() {
            return Ok(Arc::clone(w));
        }
        let w = Arc::new(Watcher::start(
            &self.inner.root,
            self.inner.opts.max_watches,
        )?);
        *slot = Some(Arc::clone(&w));
        Ok(w)
    }

    /// [`Vfs::changes`](crate::Vfs::changes).
    pub(super) fn change_feed(&self) -> Result<ChangeFeed, VfsError> {
        Ok(self.watcher()?.feed())
    }

    /// [`Vfs::watch`](crate::Vfs::watch).
    pub(super) async fn watch_dir(
        &self,
        dir: &SmbPath,
        subtree: bool,
    ) -> Result<DirWatch, VfsError> {
        let watcher = self.watcher()?;
        let dir = dir.clone();
        self.run(move |inner| {
            let rel = match inner.resolve(&dir)? {
                super::names::Found::Existing(rel) => rel,
                super::names::Found::Missing { .. } => return Err(VfsError::NotFound),
            };
            watcher.register(smb_path(&rel)?, subtree)
        })
        .await
    }
}
