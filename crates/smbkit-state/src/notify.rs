//! Change notification (MS-FSA 2.1.5.10, MS-SMB2 3.3.5.19): the watches
//! directory opens have set, and the changes recorded for each until a
//! request takes them.
//!
//! A watch belongs to one open (by [`OpenId`]) and names a directory of a
//! volume by its path (backslash-separated components, no leading
//! backslash; the volume root is the empty path). The first request on an
//! open sets the watch with its completion filter, its subtree flag and
//! its output buffer size; later requests on the same open reuse it, and
//! changes that happen between two requests are kept for the next one.
//! Whoever changes the namespace or metadata calls [`NotifyTable::report`]
//! with the changed path, an action and the filter bits the change
//! matches. Paths compare case-insensitively.
//!
//! The table does not know the protocol's numbers: actions and filter bits
//! are the caller's `u32`s (MS-FSCC 2.7.1 and MS-SMB2 2.2.35 in SMB).

use std::collections::HashMap;
use std::fmt;
use std::mem;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;
use tokio::sync::futures::OwnedNotified;

use crate::table::OpenId;

/// How many changes a watch keeps before it gives up and reports that the
/// client must enumerate the directory itself.
pub const MAX_PENDING_CHANGES: usize = 1000;

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The action (FILE_ACTION_* in SMB).
    pub action: u32,
    /// The changed name relative to the watched directory.
    pub name: String,
}

/// What a watch has for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pending {
    /// Nothing happened yet: wait.
    Nothing,
    /// These changes, oldest first.
    Changes(Vec<Change>),
    /// More changes happened than the watch keeps (or than fit its
    /// buffer): the client must enumerate the directory.
    Overflow,
    /// The open was closed: the watch is gone.
    Closed,
    /// The watched directory is delete-pending (deleted while this open
    /// keeps it).
    DeletePending,
}

/// How a watch was set up (by the first request on its open).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchSpec {
    /// The volume (share) of the directory.
    pub volume: u64,
    /// The directory's path on its volume.
    pub dir: String,
    /// The filter bits a change must match.
    pub filter: u32,
    /// Whether changes anywhere below the directory count, not only in it.
    pub subtree: bool,
    /// The output buffer size of the first request: no answer on this
    /// watch is longer, whatever later requests allow (as Windows and
    /// Samba do; smb2.notify.valid-req).
    pub max_output: u32,
}

#[derive(Debug, Default)]
struct State {
    changes: Vec<Change>,
    overflow: bool,
    closed: bool,
    delete_pending: bool,
}

/// Something the caller keeps alive as long as a watch (the storage's
/// watch of the directory).
struct Keep {
    _guard: Box<dyn Send + Sync>,
}

impl fmt::Debug for Keep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keep")
    }
}

/// One open's watch.
#[derive(Debug)]
pub struct Watch {
    spec: WatchSpec,
    /// The directory path, lowercased, for comparisons.
    key: String,
    state: Mutex<State>,
    wake: Arc<Notify>,
    keep: Mutex<Option<Keep>>,
}

impl Watch {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How the watch was set up.
    #[must_use]
    pub fn spec(&self) -> &WatchSpec {
        &self.spec
    }

    /// A future that resolves at the next change or close after this call.
    /// Take it before [`take`](Self::take) so that nothing is missed between
    /// the two.
    pub fn changed(&self) -> OwnedNotified {
        // A `Notified` hears every `notify_waiters` after its creation,
        // polled or not.
        Arc::clone(&self.wake).notified_owned()
    }

    /// Takes what the watch has: the changes recorded so far (and clears
    /// them), an overflow, or that the watch is closed.
    pub fn take(&self) -> Pending {
        let mut state = self.state();
        if state.closed {
            return Pending::Closed;
        }
        if state.delete_pending {
            return Pending::DeletePending;
        }
        if mem::take(&mut state.overflow) {
            state.changes.clear();
            return Pending::Overflow;
        }
        if state.changes.is_empty() {
            return Pending::Nothing;
        }
        Pending::Changes(mem::take(&mut state.changes))
    }

    /// Keeps `guard` until the watch is removed (or replaced by a later
    /// call); a watch already closed drops it at once.
    pub fn keep(&self, guard: Box<dyn Send + Sync>) {
        let closed = self.state().closed;
        if !closed {
            *self.keep.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(Keep { _guard: guard });
        }
    }

    /// Records that changes were lost: the next request learns
    /// [`Pending::Overflow`].
    fn overflow(&self) {
        let mut state = self.state();
        if state.closed {
            return;
        }
        state.changes.clear();
        state.overflow = true;
        drop(state);
        self.wake.notify_waiters();
    }

    /// Records `change` if the watch is still open.
    fn record(&self, change: Change) {
        let mut state = self.state();
        if state.closed || state.overflow {
            return;
        }
        if state.changes.len() >= MAX_PENDING_CHANGES {
            state.changes.clear();
            state.overflow = true;
        } else {
            state.changes.push(change);
        }
        drop(state);
        self.wake.notify_waiters();
    }

    /// The name of `path` (lowercased in `lower`) relative to the watched
    /// directory, when a change there concerns this watch.
    fn relative<'p>(&self, path: &'p str, lower: &str) -> Option<&'p str> {
        let rest_len = if self.key.is_empty() {
            Some(lower.len())
        } else {
            lower
                .strip_prefix(self.key.as_str())
                .and_then(|r| r.strip_prefix('\\'))
                .map(str::len)
        }?;
        let start = path.len().checked_sub(rest_len)?;
        let rel = path.get(start..)?;
        if rel.is_empty() || (!self.spec.subtree && rel.contains('\\')) {
            return None;
        }
        Some(rel)
    }
}

/// The watches of every open, shared by all connections.
#[derive(Debug, Default)]
pub struct NotifyTable {
    watches: Mutex<HashMap<OpenId, Arc<Watch>>>,
}

impl NotifyTable {
    /// An empty table.
    #[must_use]
    pub fn new() -> NotifyTable {
        NotifyTable::default()
    }

    fn watches(&self) -> MutexGuard<'_, HashMap<OpenId, Arc<Watch>>> {
        self.watches.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The watch of open `id`: the existing one, or a new one set up as
    /// `spec` says (the first request's settings stay); and whether it is
    /// new.
    pub fn watch(&self, id: OpenId, spec: WatchSpec) -> (Arc<Watch>, bool) {
        let mut watches = self.watches();
        let mut new = false;
        let watch = Arc::clone(watches.entry(id).or_insert_with(|| {
            new = true;
            Arc::new(Watch {
                key: spec.dir.to_lowercase(),
                spec,
                state: Mutex::default(),
                wake: Arc::new(Notify::new()),
                keep: Mutex::new(None),
            })
        }));
        (watch, new)
    }

    /// Records that the directory `dir` on `volume` is delete-pending: its
    /// watches answer [`Pending::DeletePending`] from now on.
    pub fn delete_pending(&self, volume: u64, dir: &str) {
        let key = dir.to_lowercase();
        let targets: Vec<Arc<Watch>> = self
            .watches()
            .values()
            .filter(|w| w.spec.volume == volume && w.key == key)
            .map(Arc::clone)
            .collect();
        for watch in targets {
            watch.state().delete_pending = true;
            watch.wake.notify_waiters();
        }
    }

    /// Records that changes on `volume` were lost: every watch there
    /// overflows (its next request learns [`Pending::Overflow`]).
    pub fn overflow(&self, volume: u64) {
        let targets: Vec<Arc<Watch>> = self
            .watches()
            .values()
            .filter(|w| w.spec.volume == volume)
            .map(Arc::clone)
            .collect();
        for watch in targets {
            watch.overflow();
        }
    }

    /// Number of watches.
    #[must_use]
    pub fn len(&self) -> usize {
        self.watches().len()
    }

    /// Whether no open watches anything.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.watches().is_empty()
    }

    /// Records that `path` on `volume` changed by `action`, for every watch
    /// whose filter shares a bit with `filter` and that sees the path (in
    /// its directory, or below it for a subtree watch).
    pub fn report(&self, volume: u64, path: &str, action: u32, filter: u32) {
        let lower = path.to_lowercase();
        let targets: Vec<(Arc<Watch>, String)> = self
            .watches()
            .values()
            .filter(|w| w.spec.volume == volume && w.spec.filter & filter != 0)
            .filter_map(|w| {
                w.relative(path, &lower)
                    .map(|rel| (Arc::clone(w), rel.to_owned()))
            })
            .collect();
        for (watch, name) in targets {
            watch.record(Change { action, name });
        }
    }

    /// Removes the watch of open `id` (the open is closing): a request
    /// waiting on it learns [`Pending::Closed`]. Whether there was one.
    pub fn remove(&self, id: OpenId) -> bool {
        let Some(watch) = self.watches().remove(&id) else {
            return false;
        };
        watch.state().closed = true;
        let keep = watch
            .keep
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(keep);
        watch.wake.notify_waiters();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDED: u32 = 1;
    const REMOVED: u32 = 2;
    const NAME: u32 = 1;
    const SIZE: u32 = 8;

    fn id(n: u64) -> OpenId {
        OpenId {
            persistent: n,
            volatile: n,
        }
    }

    fn spec(dir: &str, filter: u32, subtree: bool) -> WatchSpec {
        WatchSpec {
            volume: 0,
            dir: dir.to_owned(),
            filter,
            subtree,
            max_output: 1000,
        }
    }

    fn change(action: u32, name: &str) -> Change {
        Change {
            action,
            name: name.to_owned(),
        }
    }

    #[test]
    fn changes_in_the_directory_are_kept_until_taken() {
        let t = NotifyTable::new();
        let (w, _) = t.watch(id(1), spec("Dir", NAME, false));
        assert_eq!(w.take(), Pending::Nothing);
        t.report(0, "dir\\a.txt", ADDED, NAME);
        t.report(0, "DIR\\b", REMOVED, NAME);
        assert_eq!(
            w.take(),
            Pending::Changes(vec![change(ADDED, "a.txt"), change(REMOVED, "b")])
        );
        assert_eq!(w.take(), Pending::Nothing);
    }

    #[test]
    fn filter_volume_depth_and_siblings_are_respected() {
        let t = NotifyTable::new();
        let (w, _) = t.watch(id(1), spec("dir", NAME, false));
        t.report(0, "dir\\a", ADDED, SIZE);
        t.report(1, "dir\\a", ADDED, NAME);
        t.report(0, "dir\\sub\\a", ADDED, NAME);
        t.report(0, "dir2\\a", ADDED, NAME);
        t.report(0, "dir", REMOVED, NAME);
        t.report(0, "a", ADDED, NAME);
        assert_eq!(w.take(), Pending::Nothing);
    }

    #[test]
    fn a_subtree_watch_and_the_root_see_deeper_names() {
        let t = NotifyTable::new();
        let (tree, _) = t.watch(id(1), spec("dir", NAME, true));
        let (root, _) = t.watch(id(2), spec("", NAME, false));
        t.report(0, "dir\\sub\\a", ADDED, NAME);
        t.report(0, "top", ADDED, NAME);
        assert_eq!(tree.take(), Pending::Changes(vec![change(ADDED, "sub\\a")]));
        assert_eq!(root.take(), Pending::Changes(vec![change(ADDED, "top")]));
    }

    #[test]
    fn the_first_request_sets_the_watch() {
        let t = NotifyTable::new();
        let (a, new_a) = t.watch(id(1), spec("dir", NAME, false));
        let (b, new_b) = t.watch(id(1), spec("other", SIZE, true));
        assert!(new_a && !new_b);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(b.spec(), &spec("dir", NAME, false));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn too_many_changes_overflow_once() {
        let t = NotifyTable::new();
        let (w, _) = t.watch(id(1), spec("", NAME, false));
        for i in 0..=MAX_PENDING_CHANGES {
            t.report(0, &format!("f{i}"), ADDED, NAME);
        }
        assert_eq!(w.take(), Pending::Overflow);
        assert_eq!(w.take(), Pending::Nothing);
    }

    #[test]
    fn an_overflow_of_the_volume_reaches_its_watches_only() {
        let t = NotifyTable::new();
        let (a, _) = t.watch(id(1), spec("dir", NAME, false));
        let (b, _) = t.watch(id(2), spec("", NAME, true));
        let (other, _) = t.watch(
            id(3),
            WatchSpec {
                volume: 1,
                ..spec("", NAME, true)
            },
        );
        t.report(0, "dir\\x", ADDED, NAME);
        t.overflow(0);
        assert_eq!(a.take(), Pending::Overflow);
        assert_eq!(b.take(), Pending::Overflow);
        assert_eq!(other.take(), Pending::Nothing);
    }

    #[test]
    fn a_delete_pending_directory_ends_its_watches() {
        let t = NotifyTable::new();
        let (w, _) = t.watch(id(1), spec("Dir", NAME, true));
        let (parent, _) = t.watch(id(2), spec("", NAME, true));
        t.delete_pending(0, "dir");
        assert_eq!(w.take(), Pending::DeletePending);
        assert_eq!(w.take(), Pending::DeletePending);
        assert_eq!(parent.take(), Pending::Nothing);
    }

    #[test]
    fn what_a_watch_keeps_is_dropped_when_it_is_removed() {
        let t = NotifyTable::new();
        let (w, _) = t.watch(id(1), spec("", NAME, false));
        let kept = Arc::new(());
        w.keep(Box::new(Arc::clone(&kept)));
        assert_eq!(Arc::strong_count(&kept), 2);
        assert!(t.remove(id(1)));
        assert_eq!(Arc::strong_count(&kept), 1);
        // Kept after the close: dropped at once.
        w.keep(Box::new(Arc::clone(&kept)));
        assert_eq!(Arc::strong_count(&kept), 1);
    }

    #[tokio::test]
    async fn report_and_remove_wake_the_waiter() {
        let t = NotifyTable::new();
        let (w, _) = t.watch(id(1), spec("", NAME, false));
        let changed = w.changed();
        t.report(0, "x", ADDED, NAME);
        tokio::time::timeout(std::time::Duration::from_secs(5), changed)
            .await
            .unwrap();
        let closed = w.changed();
        assert!(t.remove(id(1)));
        assert!(!t.remove(id(1)));
        tokio::time::timeout(std::time::Duration::from_secs(5), closed)
            .await
            .unwrap();
        assert_eq!(w.take(), Pending::Closed);
        assert!(t.is_empty());
    }
}
