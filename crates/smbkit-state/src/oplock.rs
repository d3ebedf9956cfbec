//! Oplocks (MS-FSA 2.1.5.17, 2.1.4.12; MS-SMB2 3.3.5.9, 3.3.4.6,
//! 3.3.5.22.1): which open holds which level on a file, the breaks a
//! conflicting open or write causes, the acknowledgments, the timeouts.
//!
//! Protocol-neutral: the caller turns each [`Break`] into its wire
//! notification and decides how to wait (an [`Outcome::Wait`] carries a
//! [`BreakWait`] that wakes when a break of the file completes). Time is passed in as an [`Instant`]
//! so that tests can simulate it.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::lease::{self, LeaseBreak, LeaseContention, LeaseEntry, LeaseId};
use crate::table::{FileKey, OpenId, Owner};

/// How long a break waits for its acknowledgment before the server
/// completes it on its own (MS-SMB2 3.3.2.1: the oplock break
/// acknowledgment timer, 35 seconds as Windows uses).
pub const DEFAULT_BREAK_TIMEOUT: Duration = Duration::from_secs(35);

/// An oplock level, in increasing order of what it lets the holder cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum OplockLevel {
    /// No oplock.
    #[default]
    None,
    /// Read caching, shared with other holders.
    LevelII,
    /// Read and write caching, alone.
    Exclusive,
    /// Read, write and handle caching, alone.
    Batch,
}

/// What a conflicting operation does to the oplocks of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Contention {
    /// A new open of the file.
    Open {
        /// The new open asks only for attributes or synchronization (a
        /// "stat open"), which breaks nothing unless it truncates.
        stat: bool,
        /// The open overwrites or supersedes the data.
        truncate: bool,
        /// The share-mode check of the new open fails against the current
        /// opens (exclusive oplocks are then not broken, batch ones are,
        /// since their holder may close the handle it kept; leases lose
        /// handle caching).
        sharing_violation: bool,
        /// The new open is a stat open as leases see it (attributes,
        /// synchronization, READ_CONTROL): it breaks no lease.
        lease_stat: bool,
        /// The new open deletes the file when it closes (DELETE_ON_CLOSE):
        /// leases lose handle caching (smb2.lease.unlink).
        delete: bool,
        /// The open contends again after waiting for a break: it waits for
        /// any lease break still in progress (a first attempt only for
        /// what it must).
        retry: bool,
        /// The lease of the new open: that lease never breaks for it.
        lease: Option<LeaseId>,
    },
    /// A write, a byte-range lock, or a change of the end of file or
    /// allocation, through open `by`: every level II oplock breaks to none
    /// without acknowledgment, the writer's own included (as Windows and
    /// smbtorture's smb2.oplock.batch1 expect).
    Write {
        /// The open that writes (its own exclusive or batch oplock stays).
        by: OpenId,
    },
    /// A rename or delete of the file through open `by`: batch oplocks of
    /// other opens break (MS-FSA 2.1.5.14.2, 2.1.5.14.3).
    Namespace {
        /// The open that renames or deletes.
        by: OpenId,
    },
}

/// A break the caller must send to a holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Break {
    /// The open whose oplock breaks.
    pub open: OpenId,
    /// Its owner (the connection to send the notification on).
    pub owner: Owner,
    /// The level it breaks to.
    pub to: OplockLevel,
    /// Whether an acknowledgment is expected (breaks from exclusive or
    /// batch); a level II break to none completes at once.
    pub ack_required: bool,
}

/// Wakes a contending operation when a break of its file completes (an
/// acknowledgment, a close, a timeout noticed by another caller). Made
/// under the table's lock, so no completion after it is missed.
#[derive(Debug)]
pub struct BreakWait {
    rx: watch::Receiver<u64>,
}

impl BreakWait {
    /// Resolves at the next completion of a break of the file (or at once
    /// when the file's oplock state went away).
    pub async fn changed(&mut self) {
        // An error means the file has no oplock state left: nothing to
        // wait for.
        let _ = self.rx.changed().await;
    }
}

/// What a contending operation must do.
#[derive(Debug)]
pub enum Outcome {
    /// Go on: no break is outstanding. `breaks` lists notifications to
    /// send that need no acknowledgment.
    Proceed {
        /// Notifications to send (no acknowledgment expected).
        breaks: Vec<Break>,
        /// Lease break notifications to send (no acknowledgment expected).
        lease_breaks: Vec<LeaseBreak>,
    },
    /// Wait until the breaks in progress complete (an acknowledgment, a
    /// close, or `deadline`), then contend again. `breaks` lists the
    /// notifications to send now (empty when they went out earlier).
    Wait {
        /// Notifications to send now.
        breaks: Vec<Break>,
        /// Lease break notifications to send now.
        lease_breaks: Vec<LeaseBreak>,
        /// When the earliest outstanding break times out.
        deadline: Instant,
        /// Wakes when a break of the file completes.
        wait: BreakWait,
    },
}

/// Why an acknowledgment was refused (MS-SMB2 3.3.5.22.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// No break is in progress on the open (STATUS_INVALID_OPLOCK_PROTOCOL,
    /// as Windows and Samba answer; MS-SMB2 names INVALID_DEVICE_STATE).
    #[error("no oplock break in progress")]
    NotBreaking,
}

#[derive(Clone, Copy, Debug)]
struct Breaking {
    to: OplockLevel,
    deadline: Instant,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Holder {
    open: OpenId,
    owner: Owner,
    level: OplockLevel,
    breaking: Option<Breaking>,
}

impl Holder {
    /// Holds (or is breaking from) exclusive or batch.
    pub(crate) fn exclusive(&self) -> bool {
        self.level > OplockLevel::LevelII || self.breaking.is_some()
    }
}

/// The oplocks and leases of one file.
#[derive(Debug)]
pub(crate) struct FileOplocks {
    pub(crate) holders: Vec<Holder>,
    pub(crate) leases: Vec<LeaseEntry>,
    /// Counts the completed breaks of this file; contenders wait on it.
    completed: watch::Sender<u64>,
}

impl Default for FileOplocks {
    fn default() -> Self {
        FileOplocks {
            holders: Vec::new(),
            leases: Vec::new(),
            completed: watch::Sender::new(0),
        }
    }
}

impl FileOplocks {
    pub(crate) fn wake(&self) {
        self.completed.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// The oplocks of every open file, shared by every connection.
pub struct OplockTable {
    files: Mutex<HashMap<FileKey, FileOplocks>>,
    /// Which file each holding open is on.
    opens: Mutex<HashMap<OpenId, FileKey>>,
    /// The opens that wrote (their close breaks directory leases).
    written: Mutex<HashSet<OpenId>>,
    /// The opens whose deletion their directory's leases were told of at
    /// close, before the open went (with its ParentLeaseKey).
    told: Mutex<HashSet<OpenId>>,
    timeout: Duration,
}

impl fmt::Debug for OplockTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OplockTable")
            .field("files", &self.lock().len())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for OplockTable {
    fn default() -> Self {
        OplockTable::new(DEFAULT_BREAK_TIMEOUT)
    }
}

impl OplockTable {
    /// An empty table whose breaks time out after `timeout`.
    #[must_use]
    pub fn new(timeout: Duration) -> OplockTable {
        OplockTable {
            files: Mutex::new(HashMap::new()),
            opens: Mutex::new(HashMap::new()),
            written: Mutex::new(HashSet::new()),
            told: Mutex::new(HashSet::new()),
            timeout,
        }
    }

    /// The break acknowledgment timeout.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, HashMap<FileKey, FileOplocks>> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn lock_told(&self) -> MutexGuard<'_, HashSet<OpenId>> {
        self.told.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn lock_written(&self) -> MutexGuard<'_, HashSet<OpenId>> {
        self.written.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn lock_opens(&self) -> MutexGuard<'_, HashMap<OpenId, FileKey>> {
        self.opens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What `open` (owned by `owner`) gets when it asks for `requested` on
    /// `file`, which has `others` other opens (MS-FSA 2.1.5.17.2; MS-SMB2
    /// 3.3.5.9: a refused exclusive or batch request is retried as level
    /// II). Directories get none. Records the grant.
    pub fn grant(
        &self,
        file: FileKey,
        open: OpenId,
        owner: Owner,
        requested: OplockLevel,
        is_dir: bool,
        others: usize,
    ) -> OplockLevel {
        if is_dir || requested == OplockLevel::None {
            return OplockLevel::None;
        }
        let mut files = self.lock();
        let state = files.entry(file).or_default();
        let exclusive_held = state.holders.iter().any(Holder::exclusive)
            || state.leases.iter().any(LeaseEntry::bars_oplocks);
        let level = if exclusive_held {
            OplockLevel::None
        } else if others == 0 {
            requested
        } else {
            OplockLevel::LevelII
        };
        if level == OplockLevel::None {
            if state.holders.is_empty() && state.leases.is_empty() {
                files.remove(&file);
            }
            return level;
        }
        state.holders.retain(|h| h.open != open);
        state.holders.push(Holder {
            open,
            owner,
            level,
            breaking: None,
        });
        drop(files);
        self.lock_opens().insert(open, file);
        level
    }

    /// The level `open` holds now (none when it holds nothing).
    #[must_use]
    pub fn level(&self, open: OpenId) -> OplockLevel {
        let Some(file) = self.lock_opens().get(&open).copied() else {
            return OplockLevel::None;
        };
        self.lock()
            .get(&file)
            .and_then(|s| s.holders.iter().find(|h| h.open == open))
            .map_or(OplockLevel::None, |h| h.level)
    }

    /// Whether a break of `open`'s oplock waits for its acknowledgment.
    #[must_use]
    pub fn breaking(&self, open: OpenId) -> bool {
        let Some(file) = self.lock_opens().get(&open).copied() else {
            return false;
        };
        self.lock()
            .get(&file)
            .and_then(|s| s.holders.iter().find(|h| h.open == open))
            .is_some_and(|h| h.breaking.is_some())
    }

    /// What `what` does to the oplocks of `file` at `now`: the breaks to
    /// send and whether to wait. Breaks that timed out by `now` complete
    /// first (the holder keeps the level the break went to).
    pub fn contend(&self, file: FileKey, what: Contention, now: Instant) -> Outcome {
        let mut files = self.lock();
        let Some(state) = files.get_mut(&file) else {
            return Outcome::Proceed {
                breaks: Vec::new(),
                lease_breaks: Vec::new(),
            };
        };
        expire_file(state, now);
        let mut breaks = Vec::new();
        let mut deadline: Option<Instant> = None;
        let new_deadline = now.checked_add(self.timeout).unwrap_or(now);
        for h in &mut state.holders {
            if let Some(b) = h.breaking {
                deadline = Some(deadline.map_or(b.deadline, |d| d.min(b.deadline)));
                continue;
            }
            let target = match (what, h.level) {
                (_, OplockLevel::None) => None,
                (
                    Contention::Open {
                        stat: true,
                        truncate: false,
                        ..
                    },
                    _,
                ) => None,
                (Contention::Open { truncate, .. }, OplockLevel::LevelII) => {
                    truncate.then_some(OplockLevel::None)
                }
                (
                    Contention::Open {
                        truncate,
                        sharing_violation,
                        ..
                    },
                    level,
                ) => {
                    if level == OplockLevel::Exclusive && sharing_violation {
                        None
                    } else if truncate {
                        Some(OplockLevel::None)
                    } else {
                        Some(OplockLevel::LevelII)
                    }
                }
                (Contention::Write { .. }, OplockLevel::LevelII) => Some(OplockLevel::None),
                (Contention::Write { by }, _) if by == h.open => None,
                (Contention::Write { .. }, _) => Some(OplockLevel::None),
                (Contention::Namespace { by }, _) if by == h.open => None,
                (Contention::Namespace { .. }, OplockLevel::Batch) => Some(OplockLevel::LevelII),
                (Contention::Namespace { .. }, _) => None,
            };
            let Some(to) = target else { continue };
            let ack_required = h.level > OplockLevel::LevelII;
            breaks.push(Break {
                open: h.open,
                owner: h.owner,
                to,
                ack_required,
            });
            if ack_required {
                h.breaking = Some(Breaking {
                    to,
                    deadline: new_deadline,
                });
                deadline = Some(deadline.map_or(new_deadline, |d| d.min(new_deadline)));
            } else {
                h.level = to;
            }
        }
        let (lease_what, except) = match what {
            Contention::Open {
                truncate,
                sharing_violation,
                lease_stat,
                delete,
                retry,
                lease,
                ..
            } => (
                LeaseContention::Open {
                    stat: lease_stat,
                    truncate,
                    sharing_violation,
                    delete,
                    retry,
                },
                lease,
            ),
            Contention::Write { by } => (LeaseContention::Write, lease::key_of(state, by)),
            Contention::Namespace { by } => (LeaseContention::Namespace, lease::key_of(state, by)),
        };
        let mut lease_breaks = Vec::new();
        lease::contend(
            state,
            lease_what,
            except,
            new_deadline,
            &mut lease_breaks,
            &mut deadline,
        );
        let wait = BreakWait {
            rx: state.completed.subscribe(),
        };
        if drop_empty(state) {
            files.remove(&file);
        }
        drop(files);
        self.forget_released();
        match deadline {
            Some(deadline) => Outcome::Wait {
                breaks,
                lease_breaks,
                deadline,
                wait,
            },
            None => Outcome::Proceed {
                breaks,
                lease_breaks,
            },
        }
    }

    /// The acknowledgment of a break by `open` with `level`
    /// (MS-SMB2 3.3.5.22.1). Returns the level the open holds now: `level`,
    /// or the level of the break when `level` is above it (a break to none
    /// acknowledged as level II leaves none, as Samba does).
    ///
    /// # Errors
    /// [`AckError::NotBreaking`] when no break is in progress on the open.
    pub fn acknowledge(&self, open: OpenId, level: OplockLevel) -> Result<OplockLevel, AckError> {
        let file = self
            .lock_opens()
            .get(&open)
            .copied()
            .ok_or(AckError::NotBreaking)?;
        let mut files = self.lock();
        let state = files.get_mut(&file).ok_or(AckError::NotBreaking)?;
        let holder = state
            .holders
            .iter_mut()
            .find(|h| h.open == open)
            .ok_or(AckError::NotBreaking)?;
        let breaking = holder.breaking.take().ok_or(AckError::NotBreaking)?;
        holder.level = level.min(breaking.to);
        let result = Ok(holder.level);
        state.wake();
        if drop_empty(state) {
            files.remove(&file);
        }
        drop(files);
        self.forget_released();
        result
    }

    /// Drops the oplock of `open` with the open itself (CLOSE, logoff,
    /// disconnect): a break in progress on it completes.
    pub fn release(&self, open: OpenId) {
        self.lock_written().remove(&open);
        let Some(file) = self.lock_opens().remove(&open) else {
            return;
        };
        let mut files = self.lock();
        if let Some(state) = files.get_mut(&file) {
            state.holders.retain(|h| h.open != open);
            lease::release(state, open);
            state.wake();
            if state.holders.is_empty() && state.leases.is_empty() {
                files.remove(&file);
            }
        }
    }

    /// Completes the breaks of `file` whose deadline passed by `now` (the
    /// holder keeps the level the break went to, as if it had
    /// acknowledged it). Returns how many completed.
    pub fn expire(&self, file: FileKey, now: Instant) -> usize {
        let mut files = self.lock();
        let Some(state) = files.get_mut(&file) else {
            return 0;
        };
        let expired = expire_file(state, now);
        if drop_empty(state) {
            files.remove(&file);
        }
        drop(files);
        self.forget_released();
        expired
    }

    /// Forgets the files without holders or waiters, and the opens that no
    /// longer hold anything.
    fn forget_released(&self) {
        let files = self.lock();
        self.lock_opens().retain(|open, file| {
            files.get(file).is_some_and(|s| {
                s.holders.iter().any(|h| h.open == *open)
                    || s.leases.iter().any(|l| l.has_open(*open))
            })
        });
    }
}

/// Completes the expired breaks of one file; wakes the waiters when any did.
fn expire_file(state: &mut FileOplocks, now: Instant) -> usize {
    let mut expired = 0usize;
    for h in &mut state.holders {
        if let Some(b) = h.breaking
            && b.deadline <= now
        {
            h.level = b.to;
            h.breaking = None;
            expired = expired.saturating_add(1);
        }
    }
    expired = expired.saturating_add(lease::expire(state, now));
    if expired > 0 {
        state.wake();
    }
    expired
}

/// Removes the holders left with no oplock; true when none is left (the
/// file's state can go: its waiters see the channel close).
fn drop_empty(state: &mut FileOplocks) -> bool {
    state
        .holders
        .retain(|h| h.level != OplockLevel::None || h.breaking.is_some());
    state.holders.is_empty() && state.leases.is_empty()
}

#[cfg(test)]
#[path = "oplock_tests.rs"]
mod tests;
