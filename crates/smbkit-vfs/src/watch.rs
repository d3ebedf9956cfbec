//! Watching directories for changes made by anyone: this server, other
//! processes on the host, another server exporting the same tree
//! ([`Vfs::watch`](crate::Vfs::watch), [`Vfs::changes`](crate::Vfs::changes)).
//!
//! A storage that can watch reports, for every directory someone asked to
//! watch, what happens to the names in it as [`FsEvent`]s, in batches, to
//! every [`ChangeFeed`]. Paths are share-relative and carry the on-disk
//! case. The storage does not know who made a change: telling the server's
//! own changes apart is the caller's job.

use core::fmt;
use std::sync::Arc;

use tokio::sync::broadcast;

use crate::SmbPath;

/// How many batches a [`ChangeFeed`] may fall behind before it loses some
/// (and yields [`FsEvent::Overflow`] instead).
pub const FEED_CAPACITY: usize = 256;

/// One change a storage observed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FsEvent {
    /// A name appeared (created, hard-linked, or moved in from a place
    /// nobody watches).
    Added {
        /// The new name.
        path: SmbPath,
        /// Whether it is a directory.
        is_dir: bool,
    },
    /// A name went away (deleted, or moved to a place nobody watches).
    Removed {
        /// The old name.
        path: SmbPath,
        /// Whether it was a directory.
        is_dir: bool,
    },
    /// A file's data was written or its size changed.
    Modified {
        /// The file.
        path: SmbPath,
    },
    /// Metadata changed: times, permissions, extended attributes.
    Attributes {
        /// The file or directory.
        path: SmbPath,
        /// Whether it is a directory.
        is_dir: bool,
    },
    /// A name moved between two watched directories (or within one).
    Renamed {
        /// The old name.
        from: SmbPath,
        /// The new name.
        to: SmbPath,
        /// Whether it is a directory.
        is_dir: bool,
    },
    /// Changes under `dir` were lost (the storage's event queue overflowed,
    /// or a subtree has more directories than the storage watches): whoever
    /// watches there must enumerate the directory again.
    Overflow {
        /// The directory whose changes are incomplete (the root when the
        /// whole share's are).
        dir: SmbPath,
    },
}

/// The changes of one storage, as a stream of batches (oldest first).
/// Every feed sees every batch sent after it was taken.
#[derive(Debug)]
pub struct ChangeFeed {
    rx: broadcast::Receiver<Arc<[FsEvent]>>,
}

impl ChangeFeed {
    /// A feed reading `rx` (for storages implementing
    /// [`Vfs::changes`](crate::Vfs::changes)).
    #[must_use]
    pub fn new(rx: broadcast::Receiver<Arc<[FsEvent]>>) -> ChangeFeed {
        ChangeFeed { rx }
    }

    /// The next batch; `None` once the storage stopped watching for good.
    /// A feed that fell more than [`FEED_CAPACITY`] batches behind yields
    /// one [`FsEvent::Overflow`] of the root for what it missed.
    pub async fn next(&mut self) -> Option<Vec<FsEvent>> {
        match self.rx.recv().await {
            Ok(batch) => Some(batch.to_vec()),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(vec![FsEvent::Overflow {
                dir: SmbPath::root(),
            }]),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The next batch if one is waiting (as [`next`](Self::next), without
    /// waiting); `None` when none is.
    pub fn try_next(&mut self) -> Option<Vec<FsEvent>> {
        match self.rx.try_recv() {
            Ok(batch) => Some(batch.to_vec()),
            Err(broadcast::error::TryRecvError::Lagged(_)) => Some(vec![FsEvent::Overflow {
                dir: SmbPath::root(),
            }]),
            Err(_) => None,
        }
    }
}

/// A directory being watched: dropping it stops the watch (the storage
/// stops watching a directory when no [`DirWatch`] needs it any more).
pub struct DirWatch {
    _guard: Box<dyn Send + Sync>,
}

impl DirWatch {
    /// A watch kept alive by `guard` (whose drop ends it).
    #[must_use]
    pub fn new(guard: Box<dyn Send + Sync>) -> DirWatch {
        DirWatch { _guard: guard }
    }
}

impl fmt::Debug for DirWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DirWatch").finish_non_exhaustive()
    }
}
