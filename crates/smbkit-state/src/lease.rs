//! Leases (MS-SMB2 3.3.5.9.8, 3.3.5.9.11, 3.3.4.7, 3.3.5.22.2; MS-FSA
//! 2.1.5.17): caching rights (read, handle, write) that belong to a lease
//! key rather than to one open, so that every open a client makes under
//! one key shares them and never breaks itself.
//!
//! Leases live in the same per-file state as oplocks ([`OplockTable`]),
//! so that one contention breaks both and one wait covers both.

use std::time::Instant;

use crate::oplock::{FileOplocks, OplockTable};
use crate::table::{FileKey, OpenId, Owner};

/// A lease key, chosen by the client (16 bytes).
pub type LeaseKey = [u8; 16];

/// Lease state bits, as on the wire (MS-SMB2 2.2.13.2.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct LeaseState(pub u32);

impl LeaseState {
    /// No caching.
    pub const NONE: LeaseState = LeaseState(0);
    /// Read caching (R).
    pub const READ: u32 = 0x1;
    /// Handle caching (H).
    pub const HANDLE: u32 = 0x2;
    /// Write caching (W).
    pub const WRITE: u32 = 0x4;

    /// What can be granted of a request: R, RH, RW or RWH; anything
    /// without R (or with unknown bits only) is none.
    #[must_use]
    pub fn grantable(self) -> LeaseState {
        let bits = self.0 & (Self::READ | Self::HANDLE | Self::WRITE);
        if bits & Self::READ == 0 {
            LeaseState::NONE
        } else {
            LeaseState(bits)
        }
    }

    /// Whether every bit of `self` is in `other`.
    #[must_use]
    pub fn within(self, other: LeaseState) -> bool {
        self.0 & !other.0 == 0
    }

    fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }

    fn without(self, bit: u32) -> LeaseState {
        LeaseState(self.0 & !bit)
    }
}

/// A lease break the caller must send (MS-SMB2 2.2.23.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseBreak {
    /// The lease key.
    pub key: LeaseKey,
    /// The connection, session and tree of an open of the lease (where the
    /// notification goes).
    pub owner: Owner,
    /// The state before the break.
    pub from: LeaseState,
    /// The state the break goes to.
    pub to: LeaseState,
    /// The epoch after the break (v2 leases; 0 for v1).
    pub epoch: u16,
    /// Whether an acknowledgment is expected (the lease held more than R).
    pub ack_required: bool,
    /// Whether the lease is a v2 lease (the notification carries the epoch).
    pub v2: bool,
}

/// What CREATE grants under a lease key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseGrant {
    /// The state now held.
    pub state: LeaseState,
    /// The epoch (v2).
    pub epoch: u16,
    /// A break of the lease is in progress (the response carries
    /// SMB2_LEASE_FLAG_BREAK_IN_PROGRESS).
    pub breaking: bool,
}

/// Why a lease request or acknowledgment was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeaseError {
    /// The key is in use for another file (STATUS_INVALID_PARAMETER).
    #[error("lease key in use for another file")]
    OtherFile,
    /// No lease has the key (STATUS_OBJECT_NAME_NOT_FOUND).
    #[error("no such lease")]
    NotFound,
    /// No break of the lease is in progress (STATUS_UNSUCCESSFUL).
    #[error("no lease break in progress")]
    NotBreaking,
    /// The acknowledged state is not within the break's state
    /// (STATUS_REQUEST_NOT_ACCEPTED).
    #[error("acknowledged state above the break state")]
    NotAccepted,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct LeaseBreaking {
    to: LeaseState,
    deadline: Instant,
}

/// One lease of a file.
#[derive(Clone, Debug)]
pub(crate) struct LeaseEntry {
    /// The client the key belongs to (its connection id: keys are unique
    /// per client, MS-SMB2 3.3.1.4).
    client: u64,
    key: LeaseKey,
    state: LeaseState,
    epoch: u16,
    v2: bool,
    breaking: Option<LeaseBreaking>,
    opens: Vec<(OpenId, Owner)>,
}

impl LeaseEntry {
    fn is(&self, client: u64, key: &LeaseKey) -> bool {
        self.client == client && self.key == *key
    }

    pub(crate) fn has_open(&self, open: OpenId) -> bool {
        self.opens.iter().any(|(o, _)| *o == open)
    }

    /// Whether it holds write caching or is breaking (an exclusive-like
    /// grant that keeps oplocks away).
    pub(crate) fn exclusive(&self) -> bool {
        self.state.has(LeaseState::WRITE) || self.breaking.is_some()
    }
}

/// What a contention asks of one lease (`None`: nothing).
#[derive(Clone, Copy, Debug)]
pub(crate) enum LeaseContention {
    /// A new open (not under this key).
    Open {
        stat: bool,
        truncate: bool,
        sharing_violation: bool,
    },
    /// A write or lock by an open not under this key.
    Write,
    /// A rename or delete by an open not under this key.
    Namespace,
}

/// Breaks the leases of one file for `what` (by an open under `except`,
/// or none); records the breaks in `out` and the earliest deadline of an
/// outstanding break in `deadline`.
pub(crate) fn contend(
    state: &mut FileOplocks,
    what: LeaseContention,
    except: Option<LeaseKey>,
    new_deadline: Instant,
    out: &mut Vec<LeaseBreak>,
    deadline: &mut Option<Instant>,
) {
    for lease in &mut state.leases {
        if Some(lease.key) == except {
            continue;
        }
        if let Some(b) = lease.breaking {
            *deadline = Some(deadline.map_or(b.deadline, |d| d.min(b.deadline)));
            continue;
        }
        let from = lease.state;
        let to = match what {
            LeaseContention::Open {
                stat: true,
                truncate: false,
                ..
            } => from,
            LeaseContention::Open { truncate: true, .. } => LeaseState::NONE,
            LeaseContention::Open {
                sharing_violation, ..
            } => {
                let to = from.without(LeaseState::WRITE);
                if sharing_violation {
                    to.without(LeaseState::HANDLE)
                } else {
                    to
                }
            }
            LeaseContention::Write => LeaseState::NONE,
            LeaseContention::Namespace => from.without(LeaseState::HANDLE),
        };
        if to == from {
            continue;
        }
        let ack_required = from.has(LeaseState::WRITE) || from.has(LeaseState::HANDLE);
        if lease.v2 {
            lease.epoch = lease.epoch.wrapping_add(1);
        }
        let Some(&(_, owner)) = lease.opens.first() else {
            continue;
        };
        out.push(LeaseBreak {
            key: lease.key,
            owner,
            from,
            to,
            epoch: if lease.v2 { lease.epoch } else { 0 },
            ack_required,
            v2: lease.v2,
        });
        if ack_required {
            lease.breaking = Some(LeaseBreaking {
                to,
                deadline: new_deadline,
            });
            *deadline = Some(deadline.map_or(new_deadline, |d| d.min(new_deadline)));
        } else {
            lease.state = to;
        }
    }
}

/// Completes the expired lease breaks of one file; how many.
pub(crate) fn expire(state: &mut FileOplocks, now: Instant) -> usize {
    let mut expired = 0usize;
    for lease in &mut state.leases {
        if let Some(b) = lease.breaking
            && b.deadline <= now
        {
            lease.state = b.to;
            lease.breaking = None;
            expired = expired.saturating_add(1);
        }
    }
    expired
}

/// Removes `open` from the leases of one file (a lease goes with its last
/// open); true when a lease with a break in progress went.
pub(crate) fn release(state: &mut FileOplocks, open: OpenId) -> bool {
    let mut woke = false;
    for lease in &mut state.leases {
        lease.opens.retain(|(o, _)| *o != open);
    }
    state.leases.retain(|l| {
        let keep = !l.opens.is_empty();
        woke |= !keep && l.breaking.is_some();
        keep
    });
    woke
}

/// The lease key `open` is under, if any.
pub(crate) fn key_of(state: &FileOplocks, open: OpenId) -> Option<LeaseKey> {
    state
        .leases
        .iter()
        .find(|l| l.has_open(open))
        .map(|l| l.key)
}

impl OplockTable {
    /// The file `client`'s lease `key` is on, if it is in use.
    #[must_use]
    pub fn lease_file(&self, client: u64, key: &LeaseKey) -> Option<FileKey> {
        self.lock()
            .iter()
            .find(|(_, s)| s.leases.iter().any(|l| l.is(client, key)))
            .map(|(f, _)| *f)
    }

    /// Grants (or upgrades) the lease `key` on `file` to new open `open`
    /// (MS-SMB2 3.3.5.9.8, 3.3.5.9.11): what of `requested` the other
    /// `others` opens of the file allow (write caching only for a lease
    /// whose opens are the file's only ones). A lease never loses state
    /// here; while it breaks it gains nothing. `epoch` is the client's (v2).
    ///
    /// # Errors
    /// [`LeaseError::OtherFile`] when the key is in use for another file.
    #[allow(clippy::too_many_arguments)]
    pub fn grant_lease(
        &self,
        file: FileKey,
        open: OpenId,
        owner: Owner,
        key: LeaseKey,
        requested: LeaseState,
        v2: bool,
        epoch: u16,
        others: usize,
    ) -> Result<LeaseGrant, LeaseError> {
        let mut files = self.lock();
        let client = owner.connection;
        if files
            .iter()
            .any(|(f, s)| *f != file && s.leases.iter().any(|l| l.is(client, &key)))
        {
            return Err(LeaseError::OtherFile);
        }
        let state = files.entry(file).or_default();
        let oplock_held = state.holders.iter().any(|h| h.exclusive());
        let other_lease_exclusive = state
            .leases
            .iter()
            .any(|l| !l.is(client, &key) && l.exclusive());
        let requested = requested.grantable();
        let grant = match state.leases.iter_mut().find(|l| l.is(client, &key)) {
            Some(lease) => {
                let outside = others.saturating_sub(lease.opens.len());
                lease.opens.push((open, owner));
                if lease.breaking.is_none() {
                    let write_refused = outside > 0 || oplock_held || other_lease_exclusive;
                    let whole = !(write_refused && requested.has(LeaseState::WRITE));
                    if whole && requested != lease.state && lease.state.within(requested) {
                        lease.state = requested;
                        if lease.v2 {
                            lease.epoch = lease.epoch.wrapping_add(1);
                        }
                    }
                }
                LeaseGrant {
                    state: lease.state,
                    epoch: lease.epoch,
                    breaking: lease.breaking.is_some(),
                }
            }
            None => {
                let mut granted = requested;
                if others > 0 || oplock_held || other_lease_exclusive {
                    granted = granted.without(LeaseState::WRITE);
                }
                if oplock_held || other_lease_exclusive {
                    granted = granted.without(LeaseState::HANDLE);
                }
                let epoch = if v2 { epoch.wrapping_add(1) } else { 0 };
                // Kept even when nothing is granted: the opens under the
                // key are the lease's, not others (smb2.lease.upgrade2).
                state.leases.push(LeaseEntry {
                    client,
                    key,
                    state: granted,
                    epoch,
                    v2,
                    breaking: None,
                    opens: vec![(open, owner)],
                });
                LeaseGrant {
                    state: granted,
                    epoch,
                    breaking: false,
                }
            }
        };
        let empty = state.holders.is_empty() && state.leases.is_empty();
        if empty {
            files.remove(&file);
        }
        drop(files);
        self.lock_opens().insert(open, file);
        Ok(grant)
    }

    /// The acknowledgment of a break of `client`'s lease `key` with `acked` (MS-SMB2
    /// 3.3.5.22.2). Returns the state now held.
    ///
    /// # Errors
    /// [`LeaseError::NotFound`], [`LeaseError::NotBreaking`],
    /// [`LeaseError::NotAccepted`].
    pub fn acknowledge_lease(
        &self,
        client: u64,
        key: &LeaseKey,
        acked: LeaseState,
    ) -> Result<LeaseState, LeaseError> {
        let mut files = self.lock();
        let state = files
            .values_mut()
            .find(|s| s.leases.iter().any(|l| l.is(client, key)))
            .ok_or(LeaseError::NotFound)?;
        let lease = state
            .leases
            .iter_mut()
            .find(|l| l.is(client, key))
            .ok_or(LeaseError::NotFound)?;
        let breaking = lease.breaking.ok_or(LeaseError::NotBreaking)?;
        if !acked.within(breaking.to) {
            return Err(LeaseError::NotAccepted);
        }
        lease.state = acked;
        lease.breaking = None;
        state.wake();
        Ok(acked)
    }

    /// The state of `client`'s lease `key`, none when it is not in use.
    #[must_use]
    pub fn lease_state(&self, client: u64, key: &LeaseKey) -> LeaseState {
        self.lock()
            .values()
            .flat_map(|s| s.leases.iter())
            .find(|l| l.is(client, key))
            .map_or(LeaseState::NONE, |l| l.state)
    }
}

#[cfg(test)]
#[path = "lease_tests.rs"]
mod tests;
