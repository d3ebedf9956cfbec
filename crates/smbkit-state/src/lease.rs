//! Leases (MS-SMB2 3.3.5.9.8, 3.3.5.9.11, 3.3.4.7, 3.3.5.22.2; MS-FSA
//! 2.1.5.17): caching rights (read, handle, write) that belong to a lease
//! key rather than to one open, so that every open a client makes under
//! one key shares them and never breaks itself.
//!
//! Leases live in the same per-file state as oplocks
//! ([`OplockTable`](crate::OplockTable)), so that one contention breaks
//! both and one wait covers both. A lease is known by its client's
//! ClientGuid and its key ([`LeaseId`]): the server's LeaseTable is per
//! client (MS-SMB2 3.3.1.4), so two connections of one client share their
//! leases and two clients never do, whatever keys they choose.
//!
//! Directory leases (SMB 3.x, MS-SMB2 3.3.4.7) are leases on a directory's
//! file: R or RH only, broken to none when the directory's contents change
//! ([`OplockTable::break_dir`](crate::OplockTable::break_dir)), except for
//! the lease whose key the changing open named as its ParentLeaseKey.

use std::time::Instant;

use crate::oplock::FileOplocks;
use crate::table::{OpenId, Owner};

/// A lease key, chosen by the client (16 bytes).
pub type LeaseKey = [u8; 16];

/// A client's identity, its NEGOTIATE ClientGuid (16 bytes).
pub type ClientGuid = [u8; 16];

/// Which lease: the client and the key it chose (MS-SMB2 3.3.1.4: the
/// LeaseTable is per ClientGuid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct LeaseId {
    /// The client's ClientGuid.
    pub client: ClientGuid,
    /// The lease key.
    pub key: LeaseKey,
}

/// What a CREATE asks for under a lease (MS-SMB2 2.2.13.2.8, 2.2.13.2.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LeaseRequest {
    /// The client and key.
    pub id: LeaseId,
    /// The state asked for.
    pub state: LeaseState,
    /// A v2 request (it carries an epoch and maybe a parent key).
    pub v2: bool,
    /// The client's epoch (v2).
    pub epoch: u16,
    /// The ParentLeaseKey (v2, with SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET):
    /// changes made through this open do not break the directory lease
    /// with this key.
    pub parent: Option<LeaseKey>,
    /// The open is of a directory (only R and RH are granted).
    pub directory: bool,
}

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

    pub(crate) fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }

    pub(crate) fn without(self, bit: u32) -> LeaseState {
        LeaseState(self.0 & !bit)
    }
}

/// A lease break the caller must send (MS-SMB2 2.2.23.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseBreak {
    /// The lease key.
    pub key: LeaseKey,
    /// An open of the lease (its tree decides whether the notification is
    /// sealed).
    pub open: OpenId,
    /// The connection, session and tree of that open (where the
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
    /// The lease is a v2 lease: the response is a v2 context whatever
    /// version the request was (a lease keeps the version it began with).
    pub v2: bool,
    /// The lease's parent key (v2; answered with
    /// SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET).
    pub parent: Option<LeaseKey>,
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
    /// The state the notification sent asked for (an acknowledgment may
    /// not exceed it).
    pub(crate) to: LeaseState,
    /// What the contentions since need: at most this once the break is
    /// over (lower than `to` when a further contention came meanwhile:
    /// the acknowledgment starts the next break).
    pub(crate) required: LeaseState,
    pub(crate) deadline: Instant,
}

/// One lease of a file.
#[derive(Clone, Debug)]
pub(crate) struct LeaseEntry {
    pub(crate) id: LeaseId,
    pub(crate) state: LeaseState,
    pub(crate) epoch: u16,
    pub(crate) v2: bool,
    /// A directory lease.
    pub(crate) dir: bool,
    pub(crate) parent: Option<LeaseKey>,
    pub(crate) breaking: Option<LeaseBreaking>,
    pub(crate) opens: Vec<(OpenId, Owner)>,
}

impl LeaseEntry {
    pub(crate) fn is(&self, id: &LeaseId) -> bool {
        self.id == *id
    }

    /// The break of this lease from its state to (at most) `to`, in the
    /// way Windows and Samba break: while a break is in progress nothing is
    /// sent, the break only goes further when acknowledged (see
    /// [`acknowledged`](Self::acknowledged)); R breaks to none at once
    /// without acknowledgment; anything else breaks with acknowledgment.
    /// The epoch moves (v2) with each notification that starts a break.
    /// `None` when nothing is to be sent.
    pub(crate) fn start_break(&mut self, to: LeaseState, deadline: Instant) -> Option<LeaseBreak> {
        let from = self.state;
        let to = LeaseState(to.0 & from.0);
        if let Some(b) = &mut self.breaking {
            b.required = LeaseState(b.required.0 & to.0);
            return None;
        }
        if to == from {
            return None;
        }
        let &(open, owner) = self.opens.first()?;
        let ack_required = from.has(LeaseState::WRITE) || from.has(LeaseState::HANDLE);
        if self.v2 {
            self.epoch = self.epoch.wrapping_add(1);
        }
        if ack_required {
            self.breaking = Some(LeaseBreaking {
                to,
                required: to,
                deadline,
            });
        } else {
            self.state = to;
        }
        Some(LeaseBreak {
            key: self.id.key,
            open,
            owner,
            from,
            to,
            epoch: if self.v2 { self.epoch } else { 0 },
            ack_required,
            v2: self.v2,
        })
    }

    /// The acknowledgment of the break in progress with `acked` (MS-SMB2
    /// 3.3.5.22.2): the lease holds `acked`, and when a contention since
    /// asked for less the next break starts at once, in steps as Windows
    /// does (to R while W or H are still held, then to what is required:
    /// smb2.lease.breaking3). The epoch stays for that next break.
    ///
    /// # Errors
    /// [`LeaseError::NotBreaking`], [`LeaseError::NotAccepted`].
    pub(crate) fn acknowledged(
        &mut self,
        acked: LeaseState,
        deadline: Instant,
    ) -> Result<Option<LeaseBreak>, LeaseError> {
        let breaking = self.breaking.ok_or(LeaseError::NotBreaking)?;
        if !acked.within(breaking.to) {
            return Err(LeaseError::NotAccepted);
        }
        self.state = acked;
        self.breaking = None;
        if acked.within(breaking.required) {
            return Ok(None);
        }
        let Some(&(open, owner)) = self.opens.first() else {
            return Ok(None);
        };
        let held = acked.has(LeaseState::WRITE) || acked.has(LeaseState::HANDLE);
        let to = if held {
            LeaseState((breaking.required.0 | LeaseState::READ) & acked.0)
        } else {
            breaking.required
        };
        if held {
            self.breaking = Some(LeaseBreaking {
                to,
                required: breaking.required,
                deadline,
            });
        } else {
            self.state = to;
        }
        Ok(Some(LeaseBreak {
            key: self.id.key,
            open,
            owner,
            from: acked,
            to,
            epoch: if self.v2 { self.epoch } else { 0 },
            ack_required: held,
            v2: self.v2,
        }))
    }

    pub(crate) fn has_open(&self, open: OpenId) -> bool {
        self.opens.iter().any(|(o, _)| *o == open)
    }

    /// Whether no oplock may be granted beside it: it holds write or
    /// handle caching, or is breaking (smb2.lease.oplock).
    pub(crate) fn bars_oplocks(&self) -> bool {
        self.exclusive() || self.state.has(LeaseState::HANDLE)
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
        delete: bool,
        retry: bool,
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
    except: Option<LeaseId>,
    new_deadline: Instant,
    out: &mut Vec<LeaseBreak>,
    deadline: &mut Option<Instant>,
) {
    for lease in &mut state.leases {
        if Some(lease.id) == except {
            continue;
        }
        let was_breaking = lease.breaking.is_some();
        let from = lease.state;
        // What the contention needs the lease to lose, and which of it
        // the contender must wait for (MS-FSA 2.1.5.1.2, as Windows and
        // Samba do it).
        let (to, wait_for) = match what {
            // A stat open neither breaks nor waits.
            LeaseContention::Open {
                stat: true,
                truncate: false,
                ..
            } => continue,
            LeaseContention::Open {
                truncate,
                sharing_violation,
                delete,
                retry,
                ..
            } => {
                // A sharing violation breaks H, so the holder may close the
                // handles it keeps (the open fails after, and the next one
                // breaks W: smb2.lease.break_twice); a delete-on-close
                // open breaks W and H (smb2.lease.unlink); an open that
                // shares breaks W. An overwrite breaks to none but only
                // waits for what it must (smb2.lease.breaking4).
                let mask = if sharing_violation {
                    LeaseState::HANDLE
                } else if delete {
                    LeaseState::WRITE | LeaseState::HANDLE
                } else {
                    LeaseState::WRITE
                };
                let to = if truncate {
                    LeaseState::NONE
                } else {
                    from.without(mask)
                };
                // A retry (after a wait) waits for any break in progress.
                let wait = if retry && was_breaking {
                    LeaseState::READ | mask
                } else {
                    mask
                };
                (to, wait)
            }
            LeaseContention::Write => (LeaseState::NONE, LeaseState::WRITE | LeaseState::HANDLE),
            LeaseContention::Namespace => (
                from.without(LeaseState::HANDLE),
                LeaseState::WRITE | LeaseState::HANDLE,
            ),
        };
        let lost = LeaseState(from.0 & !to.0);
        if let Some(b) = lease.start_break(to, new_deadline) {
            out.push(b);
        }
        let Some(b) = lease.breaking else { continue };
        // Nothing (more) to break but a break in progress, or something
        // to lose that the contender must wait for: wait.
        let nothing = lost == LeaseState::NONE;
        if (nothing && was_breaking) || (!nothing && from.0 & wait_for != 0) {
            *deadline = Some(deadline.map_or(b.deadline, |d| d.min(b.deadline)));
        }
    }
}

/// Completes the expired lease breaks of one file; how many. A lease
/// whose break was not acknowledged in time holds nothing (MS-SMB2
/// 3.3.2.5: LeaseState becomes none; smb2.lease.timeout).
pub(crate) fn expire(state: &mut FileOplocks, now: Instant) -> usize {
    let mut expired = 0usize;
    for lease in &mut state.leases {
        if let Some(b) = lease.breaking
            && b.deadline <= now
        {
            lease.state = LeaseState::NONE;
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

/// The lease `open` is under, if any.
pub(crate) fn key_of(state: &FileOplocks, open: OpenId) -> Option<LeaseId> {
    state.leases.iter().find(|l| l.has_open(open)).map(|l| l.id)
}

#[cfg(test)]
#[path = "lease_tests.rs"]
mod tests;
