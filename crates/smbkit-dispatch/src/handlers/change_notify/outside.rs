//! Changes made outside the server (other processes on the host, another
//! server exporting the same tree), from the storage's change feed
//! ([`Vfs::watch`], [`Vfs::changes`]), reported to CHANGE_NOTIFY through
//! the same hook as the server's own ([`super::deliver`]).
//!
//! * The storage watches a directory only while an open has a
//!   CHANGE_NOTIFY watch on it: the first request on a directory open asks
//!   the storage to watch it (its subtree with SMB2_WATCH_TREE); closing the
//!   open ends that. A storage that cannot watch (MemFs) reports only the
//!   server's own changes.
//! * One task per share reads the share's feed, started at the share's
//!   first watch; it ends with the storage or the file server.
//! * Echoes. The storage sees the server's own changes too, which the
//!   handlers have already reported. Each handler report records its path
//!   for [`ECHO_WINDOW`]; a storage event for a recorded path is dropped,
//!   and storage events are matched [`ECHO_DELAY`] after they arrive
//!   (one wait for all that arrived meanwhile), so that the handler that
//!   caused one has recorded it by then. Reporting
//!   everything from the storage alone was not chosen: the storage sees
//!   internal changes SMB does not report (the DOS-attribute extended
//!   attribute written at create, streams kept in extended attributes
//!   that look like metadata changes), it cannot tell the SMB filters
//!   apart (security, EA, attributes and times are all one inotify
//!   ATTRIB), and a storage that cannot watch would report nothing. The
//!   price: an outside change to a path the server itself changed less
//!   than [`ECHO_WINDOW`] earlier is not reported.
//! * An outside write breaks the level II oplocks and read-caching leases
//!   of the file's opens to none, as a write through SMB does (MS-FSA
//!   2.1.5.3).
//! * Lost changes (the storage's queue overflowed, a subtree past the
//!   storage's watch limit) make every watch of the share answer
//!   STATUS_NOTIFY_ENUM_DIR: the clients enumerate again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use smbkit_state::{Contention, FileKey, OpenId, Outcome, Watch};
use smbkit_vfs::{ChangeFeed, FsEvent, SmbPath, Vfs, VfsError};

use super::{action, deliver, filter, name_bit, rename_records, volume};
use crate::files::FileServer;
use crate::handlers::oplock_break::{send_breaks, send_lease_breaks};

/// How long a change the server made shadows the storage's reports of
/// the same path.
pub(crate) const ECHO_WINDOW: Duration = Duration::from_secs(2);

/// How long a batch from the storage waits before it is matched against
/// the server's own changes.
pub(crate) const ECHO_DELAY: Duration = Duration::from_millis(50);

/// Recorded own changes before expired ones are swept.
const SWEEP_AT: usize = 1024;

/// The opener of an outside change: no open has this id, so no oplock is
/// spared as the writer's own.
const NOBODY: OpenId = OpenId {
    persistent: u64::MAX,
    volatile: u64::MAX,
};

/// The file server's state for outside changes.
#[derive(Debug, Default)]
pub(crate) struct Outside {
    /// Per share: whether its change feed is read (false: the storage
    /// cannot watch; not asked again).
    feeds: Mutex<HashMap<usize, bool>>,
    /// The paths the server changed lately: (share, lowercased path) →
    /// when.
    own: Mutex<HashMap<(usize, String), Instant>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Outside {
    /// Records that the server itself changed `path` on `share` (only for
    /// a share whose feed is read).
    pub(crate) fn own_change(&self, share: usize, path: &SmbPath) {
        if lock(&self.feeds).get(&share) != Some(&true) {
            return;
        }
        let now = Instant::now();
        let mut own = lock(&self.own);
        if own.len() >= SWEEP_AT {
            own.retain(|_, t| now.duration_since(*t) < ECHO_WINDOW);
        }
        own.insert((share, path.to_string().to_lowercase()), now);
    }

    /// Whether the server itself changed `path` on `share` lately.
    fn is_own(&self, share: usize, path: &SmbPath) -> bool {
        lock(&self.own)
            .get(&(share, path.to_string().to_lowercase()))
            .is_some_and(|t| t.elapsed() < ECHO_WINDOW)
    }
}

/// Asks share `share`'s storage to watch `dir` (with `subtree`) for as
/// long as `watch` lives, starting the share's feed reader first if it is
/// not running.
pub(crate) async fn watch_outside<V: Vfs>(
    server: &Arc<FileServer<V>>,
    share: usize,
    watch: &Watch,
    dir: &SmbPath,
    subtree: bool,
) {
    let Some(vfs) = server.shares.get(share).map(|s| Arc::clone(&s.vfs)) else {
        return;
    };
    {
        let mut feeds = lock(&server.outside.feeds);
        let reading = *feeds.entry(share).or_insert_with(|| match vfs.changes() {
            Ok(feed) => {
                tokio::spawn(read_feed(Arc::downgrade(server), share, feed));
                true
            }
            Err(e) => {
                tracing::debug!(share, error = %e, "no outside changes for this share");
                false
            }
        });
        if !reading {
            return;
        }
    }
    match vfs.watch(dir, subtree).await {
        Ok(guard) => watch.keep(Box::new(guard)),
        Err(VfsError::NotSupported(_)) => {}
        Err(e) => tracing::debug!(%dir, error = %e, "watching a directory failed"),
    }
}

/// Reads share `share`'s feed until it ends or the file server goes.
async fn read_feed<V: Vfs>(server: Weak<FileServer<V>>, share: usize, mut feed: ChangeFeed) {
    while let Some(mut batch) = feed.next().await {
        // One wait for everything that arrived by now, so that a busy
        // storage does not queue a wait per batch.
        while let Some(more) = feed.try_next() {
            batch.extend(more);
        }
        tokio::time::sleep(ECHO_DELAY).await;
        let Some(server) = server.upgrade() else {
            return;
        };
        for event in batch {
            apply(&server, share, event).await;
        }
    }
}

/// Reports one outside change (unless it is an echo of the server's own):
/// to the watches, and to the directory leases of the parent
/// ([`dirlease::dir_changed`](crate::handlers::dirlease::dir_changed)).
async fn apply<V: Vfs>(server: &FileServer<V>, share: usize, event: FsEvent) {
    let own = |p: &SmbPath| server.outside.is_own(share, p);
    let dir_changed = |p: &SmbPath| crate::handlers::dirlease::dir_changed(server, share, p, None);
    tracing::trace!(share, ?event, "storage change");
    match event {
        FsEvent::Added { path, is_dir } if !own(&path) => {
            dir_changed(&path);
            deliver(server, share, &path, action::ADDED, name_bit(is_dir));
        }
        FsEvent::Removed { path, is_dir } if !own(&path) => {
            dir_changed(&path);
            deliver(server, share, &path, action::REMOVED, name_bit(is_dir));
        }
        FsEvent::Modified { path } if !own(&path) => {
            dir_changed(&path);
            let bits = filter::SIZE | filter::LAST_WRITE;
            deliver(server, share, &path, action::MODIFIED, bits);
            break_caching(server, share, &path).await;
        }
        FsEvent::Attributes { path, .. } if !own(&path) => {
            dir_changed(&path);
            let bits = filter::ATTRIBUTES
                | filter::LAST_WRITE
                | filter::LAST_ACCESS
                | filter::EA
                | filter::SECURITY;
            deliver(server, share, &path, action::MODIFIED, bits);
        }
        FsEvent::Renamed { from, to, is_dir } if !own(&from) && !own(&to) => {
            dir_changed(&from);
            dir_changed(&to);
            rename_records(server, share, &from, &to, is_dir);
        }
        FsEvent::Overflow { .. } => server.notify.overflow(volume(share)),
        _ => {}
    }
}

/// Breaks the level II oplocks and read leases of the file at `path`
/// (written outside) to none; nobody is waited for.
async fn break_caching<V: Vfs>(server: &FileServer<V>, share: usize, path: &SmbPath) {
    let Some(s) = server.shares.get(share) else {
        return;
    };
    let Ok(info) = s.vfs.stat(path).await else {
        return;
    };
    let file = FileKey {
        volume: volume(share),
        file: info.file_id,
    };
    if server.opens.opens_of(file) == 0 {
        return;
    }
    let what = Contention::Write { by: NOBODY };
    match server.oplocks.contend(file, what, Instant::now()) {
        Outcome::Proceed {
            breaks,
            lease_breaks,
        }
        | Outcome::Wait {
            breaks,
            lease_breaks,
            ..
        } => {
            send_breaks(server, &breaks);
            send_lease_breaks(server, &lease_breaks);
        }
    }
}
