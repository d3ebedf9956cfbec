//! The open table: ids, owners, per-file share state and delete-pending.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::share::{Access, ShareMode, conflicts};

/// An open's id: a persistent and a volatile half (SMB's FileId). Neither
/// half is ever 0 or all ones (the "no file" and "related compound"
/// placeholders).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpenId {
    /// Persistent half.
    pub persistent: u64,
    /// Volatile half.
    pub volatile: u64,
}

/// Who owns an open: the connection, session and tree it was made in.
/// Opens are closed together per tree, session or connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Owner {
    /// A connection id chosen by the caller.
    pub connection: u64,
    /// The session id.
    pub session: u64,
    /// The tree id.
    pub tree: u32,
}

/// Which file an open is for: a volume (share) number and the storage's
/// stable file id. Share modes and delete-pending are kept per key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileKey {
    /// The volume the file lives on (the caller numbers its shares).
    pub volume: u64,
    /// The file id within the volume.
    pub file: u64,
}

/// Why the table refused a new open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// An existing open does not share what the new one asks for, or the new
    /// open does not share what an existing one holds.
    #[error("sharing violation")]
    SharingViolation,
    /// The file is to be deleted when its last open closes; no new opens.
    #[error("delete pending")]
    DeletePending,
    /// Every id is in use (never in practice: 2^64 ids).
    #[error("no free open id")]
    Exhausted,
    /// The connection holds as many opens as it may
    /// ([`OpenTable::set_max_per_connection`]).
    #[error("too many open files on this connection")]
    TooManyOpens,
}

/// One open: its id, owner, file, access and share mode, and the caller's
/// data (`T`: the storage handle, cursors, …).
pub struct Open<T> {
    /// The id.
    pub id: OpenId,
    /// The owner.
    pub owner: Owner,
    /// The file.
    pub file: FileKey,
    /// Data access held (for share-mode checks).
    pub access: Access,
    /// What this open shares.
    pub share: ShareMode,
    delete_on_close: AtomicBool,
    /// The current byte offset (FilePositionInformation).
    position: AtomicU64,
    /// The mode set through FileModeInformation; [`NO_MODE`] until then.
    mode: AtomicU64,
    /// The caller's data.
    pub data: T,
}

/// The `mode` of an open whose mode was never set.
const NO_MODE: u64 = u64::MAX;

impl<T> Open<T> {
    /// Whether closing this open marks the file delete-pending
    /// (FILE_DELETE_ON_CLOSE).
    #[must_use]
    pub fn delete_on_close(&self) -> bool {
        self.delete_on_close.load(Ordering::Relaxed)
    }

    /// The open's current byte offset (FilePositionInformation), 0 until
    /// set. SMB2 I/O carries its own offset; this is only kept and reported.
    #[must_use]
    pub fn position(&self) -> u64 {
        self.position.load(Ordering::Relaxed)
    }

    /// Sets the current byte offset.
    pub fn set_position(&self, offset: u64) {
        self.position.store(offset, Ordering::Relaxed);
    }

    /// The mode flags set through FileModeInformation, if any were.
    #[must_use]
    pub fn mode(&self) -> Option<u32> {
        u32::try_from(self.mode.load(Ordering::Relaxed)).ok()
    }

    /// Sets the mode flags (FileModeInformation).
    pub fn set_mode(&self, mode: u32) {
        self.mode.store(u64::from(mode), Ordering::Relaxed);
    }
}

impl<T> fmt::Debug for Open<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Open")
            .field("id", &self.id)
            .field("owner", &self.owner)
            .field("file", &self.file)
            .field("access", &self.access)
            .field("share", &self.share)
            .field("delete_on_close", &self.delete_on_close())
            .finish_non_exhaustive()
    }
}

/// An open removed from the table.
#[derive(Debug)]
pub struct Closed<T> {
    /// The open (the caller releases its storage handle).
    pub open: Arc<Open<T>>,
    /// `Some(name)` when this was the file's last open and the file is
    /// delete-pending: the caller deletes `name` now.
    pub delete: Option<String>,
}

/// Per-file state shared by every open of the file.
#[derive(Debug)]
struct FileState {
    opens: Vec<OpenId>,
    delete_pending: bool,
    name: String,
}

struct Inner<T> {
    opens: HashMap<OpenId, Arc<Open<T>>>,
    files: HashMap<FileKey, FileState>,
    next: u64,
    /// Opens held by each connection.
    per_connection: HashMap<u64, usize>,
    /// The most opens one connection may hold.
    max_per_connection: usize,
}

/// The default for [`OpenTable::set_max_per_connection`].
pub const DEFAULT_MAX_OPENS_PER_CONNECTION: usize = 65_536;

/// The table of open files, shared by every connection of a server.
///
/// Thread-safe (one mutex, held only for map operations, never across an
/// await). Generic over the caller's per-open data `T`.
pub struct OpenTable<T> {
    inner: Mutex<Inner<T>>,
}

impl<T> fmt::Debug for OpenTable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("OpenTable")
            .field("opens", &inner.opens.len())
            .field("files", &inner.files.len())
            .finish()
    }
}

impl<T> Default for OpenTable<T> {
    fn default() -> Self {
        OpenTable::new()
    }
}

impl<T> OpenTable<T> {
    /// An empty table.
    #[must_use]
    pub fn new() -> OpenTable<T> {
        OpenTable {
            inner: Mutex::new(Inner {
                opens: HashMap::new(),
                files: HashMap::new(),
                next: 1,
                per_connection: HashMap::new(),
                max_per_connection: DEFAULT_MAX_OPENS_PER_CONNECTION,
            }),
        }
    }

    /// Caps the opens one connection may hold ([`insert`](Self::insert)
    /// answers [`StateError::TooManyOpens`] beyond it).
    pub fn set_max_per_connection(&self, max: usize) {
        self.lock().max_per_connection = max;
    }

    /// Opens held by `connection`.
    #[must_use]
    pub fn opens_of_connection(&self, connection: u64) -> usize {
        self.lock()
            .per_connection
            .get(&connection)
            .copied()
            .unwrap_or(0)
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        // A panic while holding the lock cannot leave the maps half-updated
        // in a way that matters more than losing the table; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks whether an open of `file` with `access`/`share` would be
    /// allowed now, without adding it (to refuse before a destructive
    /// storage operation such as an overwrite).
    ///
    /// # Errors
    /// [`StateError::DeletePending`], [`StateError::SharingViolation`].
    pub fn check(&self, file: FileKey, access: Access, share: ShareMode) -> Result<(), StateError> {
        let inner = self.lock();
        check_locked(&inner, file, access, share)
    }

    /// Adds an open of `file` (known by `name`, which replaces the name
    /// kept for the file) after the same checks as [`check`](Self::check).
    ///
    /// # Errors
    /// [`StateError::DeletePending`], [`StateError::SharingViolation`],
    /// [`StateError::Exhausted`].
    #[allow(clippy::too_many_arguments)]
    pub fn insert(
        &self,
        owner: Owner,
        file: FileKey,
        name: &str,
        access: Access,
        share: ShareMode,
        delete_on_close: bool,
        data: T,
    ) -> Result<Arc<Open<T>>, StateError> {
        let mut inner = self.lock();
        check_locked(&inner, file, access, share)?;
        let held = inner
            .per_connection
            .get(&owner.connection)
            .copied()
            .unwrap_or(0);
        if held >= inner.max_per_connection {
            return Err(StateError::TooManyOpens);
        }
        let id = next_id(&mut inner)?;
        let open = Arc::new(Open {
            id,
            owner,
            file,
            access,
            share,
            delete_on_close: AtomicBool::new(delete_on_close),
            position: AtomicU64::new(0),
            mode: AtomicU64::new(NO_MODE),
            data,
        });
        inner.opens.insert(id, Arc::clone(&open));
        let held = inner.per_connection.entry(owner.connection).or_insert(0);
        *held = held.saturating_add(1);
        let state = inner.files.entry(file).or_insert_with(|| FileState {
            opens: Vec::new(),
            delete_pending: false,
            name: String::new(),
        });
        state.opens.push(id);
        name.clone_into(&mut state.name);
        Ok(open)
    }

    /// The open with this id.
    #[must_use]
    pub fn get(&self, id: OpenId) -> Option<Arc<Open<T>>> {
        self.lock().opens.get(&id).cloned()
    }

    /// Number of opens.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().opens.len()
    }

    /// Whether there are no opens.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().opens.is_empty()
    }

    /// Number of opens of `file`.
    #[must_use]
    pub fn opens_of(&self, file: FileKey) -> usize {
        self.lock().files.get(&file).map_or(0, |s| s.opens.len())
    }

    /// Number of opens of `file` for which `counts` is true.
    #[must_use]
    pub fn count_opens(&self, file: FileKey, mut counts: impl FnMut(&Open<T>) -> bool) -> usize {
        let inner = self.lock();
        inner.files.get(&file).map_or(0, |s| {
            s.opens
                .iter()
                .filter_map(|id| inner.opens.get(id))
                .filter(|o| counts(o))
                .count()
        })
    }

    /// The name kept for `file` (the latest one it was opened or renamed by).
    #[must_use]
    pub fn name(&self, file: FileKey) -> Option<String> {
        self.lock().files.get(&file).map(|s| s.name.clone())
    }

    /// Records that `file` is now called `name` (after a rename).
    pub fn rename(&self, file: FileKey, name: &str) {
        if let Some(state) = self.lock().files.get_mut(&file) {
            name.clone_into(&mut state.name);
        }
    }

    /// Whether an open file other than `except` on `volume` has a name for
    /// which `matches` is true (e.g. "is below this directory").
    pub fn any_open_name(
        &self,
        volume: u64,
        except: FileKey,
        mut matches: impl FnMut(&str) -> bool,
    ) -> bool {
        self.lock()
            .files
            .iter()
            .any(|(key, state)| key.volume == volume && *key != except && matches(&state.name))
    }

    /// Whether `file` is delete-pending.
    #[must_use]
    pub fn delete_pending(&self, file: FileKey) -> bool {
        self.lock()
            .files
            .get(&file)
            .is_some_and(|s| s.delete_pending)
    }

    /// Sets or clears the delete-pending state of `file` (FileDisposition).
    /// Returns false when the file has no open.
    pub fn set_delete_pending(&self, file: FileKey, pending: bool) -> bool {
        match self.lock().files.get_mut(&file) {
            Some(state) => {
                state.delete_pending = pending;
                true
            }
            None => false,
        }
    }

    /// Sets or clears an open's delete-on-close flag.
    pub fn set_delete_on_close(&self, id: OpenId, value: bool) -> bool {
        match self.lock().opens.get(&id) {
            Some(open) => {
                open.delete_on_close.store(value, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Removes an open. An open with delete-on-close marks its file
    /// delete-pending; the file's last open reports the name to delete.
    pub fn remove(&self, id: OpenId) -> Option<Closed<T>> {
        let mut inner = self.lock();
        remove_locked(&mut inner, id)
    }

    /// Removes every open for which `pred` is true.
    pub fn remove_where(&self, mut pred: impl FnMut(&Open<T>) -> bool) -> Vec<Closed<T>> {
        let mut inner = self.lock();
        let mut ids: Vec<OpenId> = inner
            .opens
            .values()
            .filter(|o| pred(o))
            .map(|o| o.id)
            .collect();
        ids.sort();
        ids.into_iter()
            .filter_map(|id| remove_locked(&mut inner, id))
            .collect()
    }

    /// Removes the opens of one tree connect (TREE_DISCONNECT).
    pub fn close_tree(&self, connection: u64, session: u64, tree: u32) -> Vec<Closed<T>> {
        self.remove_where(|o| {
            o.owner.connection == connection && o.owner.session == session && o.owner.tree == tree
        })
    }

    /// Removes the opens of one session (LOGOFF).
    pub fn close_session(&self, connection: u64, session: u64) -> Vec<Closed<T>> {
        self.remove_where(|o| o.owner.connection == connection && o.owner.session == session)
    }

    /// Removes the opens of one connection (connection lost).
    pub fn close_connection(&self, connection: u64) -> Vec<Closed<T>> {
        self.remove_where(|o| o.owner.connection == connection)
    }
}

fn check_locked<T>(
    inner: &Inner<T>,
    file: FileKey,
    access: Access,
    share: ShareMode,
) -> Result<(), StateError> {
    let Some(state) = inner.files.get(&file) else {
        return Ok(());
    };
    if state.delete_pending {
        return Err(StateError::DeletePending);
    }
    for id in &state.opens {
        if let Some(old) = inner.opens.get(id)
            && conflicts(old.access, old.share, access, share)
        {
            return Err(StateError::SharingViolation);
        }
    }
    Ok(())
}

fn next_id<T>(inner: &mut Inner<T>) -> Result<OpenId, StateError> {
    // Sequential ids, skipping 0, all ones and ids still in use.
    for _ in 0..1024 {
        let n = inner.next;
        inner.next = match n.checked_add(1) {
            Some(next) if next != u64::MAX => next,
            _ => 1,
        };
        let id = OpenId {
            persistent: n,
            volatile: n ^ 0x5A5A_0000_0000_0000,
        };
        if n != 0 && id.volatile != u64::MAX && !inner.opens.contains_key(&id) {
            return Ok(id);
        }
    }
    Err(StateError::Exhausted)
}

fn remove_locked<T>(inner: &mut Inner<T>, id: OpenId) -> Option<Closed<T>> {
    let open = inner.opens.remove(&id)?;
    if let Some(held) = inner.per_connection.get_mut(&open.owner.connection) {
        *held = held.saturating_sub(1);
        if *held == 0 {
            inner.per_connection.remove(&open.owner.connection);
        }
    }
    let mut delete = None;
    let mut drop_file = false;
    if let Some(state) = inner.files.get_mut(&open.file) {
        state.opens.retain(|o| *o != id);
        if open.delete_on_close() {
            state.delete_pending = true;
        }
        if state.opens.is_empty() {
            if state.delete_pending {
                delete = Some(std::mem::take(&mut state.name));
            }
            drop_file = true;
        }
    }
    if drop_file {
        inner.files.remove(&open.file);
    }
    Some(Closed { open, delete })
}
