//! Byte-range locks (MS-FSA 2.1.5.7 and 2.1.5.8): shared and exclusive
//! ranges held by opens, per file, and the checks READ and WRITE make
//! against them.
//!
//! The rules, as Windows and Samba apply them and smbtorture's `smb2.lock`
//! checks them:
//!
//! * Two ranges overlap when each starts before the other ends. A
//!   zero-length range at `o` therefore overlaps only a range that holds `o`
//!   strictly inside it (`start < o < end`), and never another zero-length
//!   range.
//! * A range whose last byte lies past 2^64 - 1 is invalid
//!   ([`LockError::InvalidRange`]); `offset = 2^64 - 1, length = 1` is valid.
//! * An exclusive lock conflicts with every overlapping lock, the caller's
//!   own included (exclusive locks do not stack). A shared lock conflicts
//!   with an overlapping exclusive lock of another open only (a shared lock
//!   stacks on the caller's own exclusive lock).
//! * An unlock names a range exactly (offset and length) among the caller's
//!   own locks and releases one of them, an exclusive one first.
//! * A read conflicts with an overlapping exclusive lock of another open; a
//!   write with an overlapping exclusive lock of another open and with any
//!   overlapping shared lock, the writer's own included. Zero-length I/O
//!   never conflicts.
//!
//! Waiting for a conflicting range to go away: take a [`Waiter`] for the
//! file *before* the attempt, and await it when the attempt conflicts; it
//! completes after the next unlock or release on that file, and the caller
//! tries again.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use tokio::sync::Notify;
use tokio::sync::futures::OwnedNotified;

use crate::table::{FileKey, OpenId};

/// A byte range: an offset and a length (possibly zero).
///
/// Built with [`LockRange::new`], which refuses a range whose last byte
/// lies beyond 2^64 - 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LockRange {
    offset: u64,
    length: u64,
}

impl LockRange {
    /// The range of `length` bytes at `offset`.
    ///
    /// # Errors
    /// [`LockError::InvalidRange`] when `length > 0` and
    /// `offset + length - 1` does not fit in 64 bits.
    pub fn new(offset: u64, length: u64) -> Result<LockRange, LockError> {
        if let Some(last) = length.checked_sub(1)
            && offset.checked_add(last).is_none()
        {
            return Err(LockError::InvalidRange);
        }
        Ok(LockRange { offset, length })
    }

    /// The offset.
    #[must_use]
    pub fn offset(self) -> u64 {
        self.offset
    }

    /// The length.
    #[must_use]
    pub fn length(self) -> u64 {
        self.length
    }

    /// One past the last byte, in 65 bits.
    fn end(self) -> u128 {
        u128::from(self.offset).saturating_add(u128::from(self.length))
    }

    /// Whether the two ranges overlap (see the module documentation for
    /// zero-length ranges).
    #[must_use]
    pub fn overlaps(self, other: LockRange) -> bool {
        let (a, b) = (u128::from(self.offset), u128::from(other.offset));
        !(a >= other.end() || b >= self.end())
    }
}

/// One lock asked for: a range, shared or exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockSpec {
    /// The range.
    pub range: LockRange,
    /// Exclusive (write) or shared (read) lock.
    pub exclusive: bool,
}

/// Why a lock, unlock or I/O check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// The range conflicts with a lock held (SMB: LOCK_NOT_GRANTED for a
    /// lock, FILE_LOCK_CONFLICT for I/O).
    #[error("the range conflicts with a lock held")]
    Conflict,
    /// The range ends beyond 2^64 - 1 (INVALID_LOCK_RANGE).
    #[error("the range ends beyond the 64-bit offset space")]
    InvalidRange,
    /// The caller holds no lock with exactly this range (RANGE_NOT_LOCKED).
    #[error("no lock with exactly this range is held by the caller")]
    NotLocked,
    /// The file holds [`MAX_LOCKS_PER_FILE`] locks already
    /// (INSUFFICIENT_RESOURCES).
    #[error("too many byte-range locks on one file")]
    TooMany,
}

/// The most locks one file holds at once. Every lock, unlock and I/O check
/// scans the file's list, so the cap also bounds the work one request can
/// cause (a LOCK of many elements: at most this many squared comparisons).
pub const MAX_LOCKS_PER_FILE: usize = 10_000;

/// The kind of I/O checked by [`LockTable::check_io`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Io {
    /// Reading data.
    Read,
    /// Writing data.
    Write,
}

#[derive(Clone, Copy, Debug)]
struct Held {
    owner: OpenId,
    range: LockRange,
    exclusive: bool,
}

impl Held {
    /// Whether a new lock `spec` by `owner` conflicts with this one.
    fn blocks_lock(&self, owner: OpenId, spec: LockSpec) -> bool {
        self.range.overlaps(spec.range)
            && (spec.exclusive || (self.exclusive && self.owner != owner))
    }

    /// Whether `io` of `range` by `owner` conflicts with this lock.
    fn blocks_io(&self, owner: OpenId, range: LockRange, io: Io) -> bool {
        if range.length == 0 || !self.range.overlaps(range) {
            return false;
        }
        match io {
            Io::Read => self.exclusive && self.owner != owner,
            Io::Write => !self.exclusive || self.owner != owner,
        }
    }
}

/// Something to await until the locks of one file next change (an unlock
/// or a release). Take it before trying a lock, so that a change between
/// the attempt and the wait is not missed.
pub struct Waiter {
    notified: OwnedNotified,
}

impl fmt::Debug for Waiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter").finish_non_exhaustive()
    }
}

impl Waiter {
    /// Completes after the next unlock or release on its file (since the
    /// waiter was taken).
    pub async fn changed(self) {
        self.notified.await;
    }
}

/// The byte-range locks of every file of a server, by [`FileKey`], each
/// owned by an open ([`OpenId`]).
///
/// Thread-safe: one mutex held only for the list operations, never across
/// an await.
pub struct LockTable {
    files: Mutex<HashMap<FileKey, Vec<Held>>>,
    /// Per file, what its waiters wait on (alive while a waiter is).
    changed: Mutex<HashMap<FileKey, Weak<Notify>>>,
}

/// Dead entries of the waiters' map are swept when it grows past this.
const WAITER_SWEEP: usize = 256;

impl fmt::Debug for LockTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files = self.lock();
        f.debug_struct("LockTable")
            .field("files", &files.len())
            .field("locks", &files.values().map(Vec::len).sum::<usize>())
            .finish()
    }
}

impl Default for LockTable {
    fn default() -> Self {
        LockTable::new()
    }
}

impl LockTable {
    /// An empty table.
    #[must_use]
    pub fn new() -> LockTable {
        LockTable {
            files: Mutex::new(HashMap::new()),
            changed: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<FileKey, Vec<Held>>> {
        // The lists are valid after every single push or remove, so a
        // panic elsewhere cannot leave them half-updated.
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A [`Waiter`] for the next change of the locks of `file`.
    #[must_use]
    pub fn waiter(&self, file: FileKey) -> Waiter {
        let mut changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        if changed.len() >= WAITER_SWEEP {
            changed.retain(|_, w| w.strong_count() > 0);
        }
        let notify = match changed.get(&file).and_then(Weak::upgrade) {
            Some(notify) => notify,
            None => {
                let notify = Arc::new(Notify::new());
                changed.insert(file, Arc::downgrade(&notify));
                notify
            }
        };
        Waiter {
            notified: notify.notified_owned(),
        }
    }

    /// Wakes the waiters of `file` (never called with `files` locked).
    fn wake(&self, file: FileKey) {
        let mut changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        match changed.get(&file).map(Weak::upgrade) {
            Some(Some(notify)) => notify.notify_waiters(),
            Some(None) => {
                changed.remove(&file);
            }
            None => {}
        }
    }

    /// Takes every lock of `specs` for `owner` on `file`, in order, or none
    /// of them: on the first conflict the locks taken so far by this call
    /// are released again.
    ///
    /// # Errors
    /// `(index, LockError::Conflict)` naming the first element that
    /// conflicts with a lock held (or with an earlier element of the same
    /// call); `(index, LockError::TooMany)` for the first element beyond
    /// [`MAX_LOCKS_PER_FILE`].
    pub fn lock_all(
        &self,
        file: FileKey,
        owner: OpenId,
        specs: &[LockSpec],
    ) -> Result<(), (usize, LockError)> {
        self.try_all(file, owner, specs, true)
    }

    /// Whether [`lock_all`](Self::lock_all) would succeed now, taking
    /// nothing (to find the first conflict of a list that is to fail
    /// anyway).
    ///
    /// # Errors
    /// As [`lock_all`](Self::lock_all).
    pub fn check_all(
        &self,
        file: FileKey,
        owner: OpenId,
        specs: &[LockSpec],
    ) -> Result<(), (usize, LockError)> {
        self.try_all(file, owner, specs, false)
    }

    fn try_all(
        &self,
        file: FileKey,
        owner: OpenId,
        specs: &[LockSpec],
        commit: bool,
    ) -> Result<(), (usize, LockError)> {
        if specs.is_empty() {
            return Ok(());
        }
        let mut files = self.lock();
        let held = files.entry(file).or_default();
        let before = held.len();
        let mut result = Ok(());
        for (index, spec) in specs.iter().enumerate() {
            if held.iter().any(|h| h.blocks_lock(owner, *spec)) {
                result = Err((index, LockError::Conflict));
                break;
            }
            if held.len() >= MAX_LOCKS_PER_FILE {
                result = Err((index, LockError::TooMany));
                break;
            }
            held.push(Held {
                owner,
                range: spec.range,
                exclusive: spec.exclusive,
            });
        }
        if result.is_err() || !commit {
            held.truncate(before);
        }
        if held.is_empty() {
            files.remove(&file);
        }
        result
    }

    /// Takes one lock (see [`lock_all`](Self::lock_all)).
    ///
    /// # Errors
    /// [`LockError::Conflict`], [`LockError::TooMany`].
    pub fn lock_one(&self, file: FileKey, owner: OpenId, spec: LockSpec) -> Result<(), LockError> {
        self.lock_all(file, owner, &[spec]).map_err(|(_, e)| e)
    }

    /// Releases one lock of `owner` on `file` with exactly `range`, an
    /// exclusive one before a shared one, and wakes the waiters.
    ///
    /// # Errors
    /// [`LockError::NotLocked`] when `owner` holds no such lock.
    pub fn unlock(&self, file: FileKey, owner: OpenId, range: LockRange) -> Result<(), LockError> {
        let mut files = self.lock();
        let held = files.get_mut(&file).ok_or(LockError::NotLocked)?;
        let mine = |h: &Held| h.owner == owner && h.range == range;
        let at = held
            .iter()
            .position(|h| mine(h) && h.exclusive)
            .or_else(|| held.iter().position(mine))
            .ok_or(LockError::NotLocked)?;
        held.remove(at);
        if held.is_empty() {
            files.remove(&file);
        }
        drop(files);
        self.wake(file);
        Ok(())
    }

    /// Releases every lock `owner` holds on `file` (the open is closing)
    /// and wakes the waiters (also those of the closing open). Returns the
    /// number released.
    pub fn release(&self, file: FileKey, owner: OpenId) -> usize {
        let mut files = self.lock();
        let mut released = 0;
        if let Some(held) = files.get_mut(&file) {
            let before = held.len();
            held.retain(|h| h.owner != owner);
            released = before.saturating_sub(held.len());
            if held.is_empty() {
                files.remove(&file);
            }
        }
        drop(files);
        self.wake(file);
        released
    }

    /// Whether `io` of `length` bytes at `offset` by `owner` may proceed.
    /// A range beyond 2^64 - 1 is checked as far as it goes.
    ///
    /// # Errors
    /// [`LockError::Conflict`] (SMB: FILE_LOCK_CONFLICT).
    pub fn check_io(
        &self,
        file: FileKey,
        owner: OpenId,
        offset: u64,
        length: u64,
        io: Io,
    ) -> Result<(), LockError> {
        let length = length.min(u64::MAX.saturating_sub(offset).saturating_add(1));
        let range = LockRange { offset, length };
        let files = self.lock();
        match files.get(&file) {
            Some(held) if held.iter().any(|h| h.blocks_io(owner, range, io)) => {
                Err(LockError::Conflict)
            }
            _ => Ok(()),
        }
    }

    /// Number of locks held on `file`.
    #[must_use]
    pub fn count(&self, file: FileKey) -> usize {
        self.lock().get(&file).map_or(0, Vec::len)
    }
}

#[cfg(test)]
#[path = "locks_tests.rs"]
mod tests;
