//! The lease operations of [`OplockTable`]: grants (MS-SMB2 3.3.5.9.8,
//! 3.3.5.9.11), acknowledgments (3.3.5.22.2), lookups by [`LeaseId`], and
//! the breaks of directory leases when a directory's contents change
//! (3.3.4.7).

use std::time::Instant;

use crate::lease::{
    LeaseBreak, LeaseEntry, LeaseError, LeaseGrant, LeaseId, LeaseKey, LeaseRequest, LeaseState,
};
use crate::oplock::OplockTable;
use crate::table::{FileKey, OpenId, Owner};

impl OplockTable {
    /// The file the lease `id` is on, if it is in use.
    #[must_use]
    pub fn lease_file(&self, id: &LeaseId) -> Option<FileKey> {
        self.lock()
            .iter()
            .find(|(_, s)| s.leases.iter().any(|l| l.is(id)))
            .map(|(f, _)| *f)
    }

    /// Grants (or upgrades) the lease `req.id` on `file` to new open `open`
    /// (MS-SMB2 3.3.5.9.8, 3.3.5.9.11): what of the requested state the
    /// other `others` opens of the file allow (write caching only for a
    /// lease whose opens are the file's only ones; never on a directory).
    /// A lease never loses state here; while it breaks it gains nothing.
    /// A lease keeps the version (v1 or v2) and parent key it began with.
    ///
    /// # Errors
    /// [`LeaseError::OtherFile`] when the key is in use for another file.
    pub fn grant_lease(
        &self,
        file: FileKey,
        open: OpenId,
        owner: Owner,
        req: &LeaseRequest,
        others: usize,
    ) -> Result<LeaseGrant, LeaseError> {
        let mut files = self.lock();
        let id = req.id;
        if files
            .iter()
            .any(|(f, s)| *f != file && s.leases.iter().any(|l| l.is(&id)))
        {
            return Err(LeaseError::OtherFile);
        }
        let state = files.entry(file).or_default();
        let oplock_held = state.holders.iter().any(|h| h.exclusive());
        let other_lease_exclusive = state.leases.iter().any(|l| !l.is(&id) && l.exclusive());
        // One writer only: no W beside another lease, even one whose
        // opens are all stat opens (smb2.lease.statopen).
        let other_lease = state.leases.iter().any(|l| !l.is(&id));
        let mut requested = req.state.grantable();
        if req.directory {
            requested = requested.without(LeaseState::WRITE);
        }
        let lease = match state.leases.iter_mut().position(|l| l.is(&id)) {
            Some(i) => {
                let Some(lease) = state.leases.get_mut(i) else {
                    return Err(LeaseError::NotFound);
                };
                let outside = others.saturating_sub(lease.opens.len());
                lease.opens.push((open, owner));
                if lease.breaking.is_none() {
                    let write_refused = outside > 0 || oplock_held || other_lease;
                    let whole = !(write_refused && requested.has(LeaseState::WRITE));
                    if whole && requested != lease.state && lease.state.within(requested) {
                        lease.state = requested;
                        if lease.v2 {
                            lease.epoch = lease.epoch.wrapping_add(1);
                        }
                    }
                }
                lease
            }
            None => {
                let mut granted = requested;
                if others > 0 || oplock_held || other_lease {
                    granted = granted.without(LeaseState::WRITE);
                }
                // No handle caching beside any oplock, level II included
                // (smb2.lease.oplock).
                if !state.holders.is_empty() || other_lease_exclusive {
                    granted = granted.without(LeaseState::HANDLE);
                }
                // Kept even when nothing is granted: the opens under the
                // key are the lease's, not others (smb2.lease.upgrade2).
                state.leases.push(LeaseEntry {
                    id,
                    state: granted,
                    epoch: if req.v2 { req.epoch.wrapping_add(1) } else { 0 },
                    v2: req.v2,
                    dir: req.directory,
                    parent: req.parent.filter(|_| req.v2),
                    breaking: None,
                    opens: vec![(open, owner)],
                });
                state.leases.last_mut().ok_or(LeaseError::NotFound)?
            }
        };
        let grant = LeaseGrant {
            state: lease.state,
            epoch: lease.epoch,
            breaking: lease.breaking.is_some(),
            v2: lease.v2,
            parent: lease.parent,
        };
        drop(files);
        self.lock_opens().insert(open, file);
        Ok(grant)
    }

    /// The acknowledgment of a break of lease `id` with `acked` (MS-SMB2
    /// 3.3.5.22.2) at `now`. Returns the state now held, and the next
    /// break to send when a contention since asked for less.
    ///
    /// # Errors
    /// [`LeaseError::NotFound`], [`LeaseError::NotBreaking`],
    /// [`LeaseError::NotAccepted`].
    pub fn acknowledge_lease(
        &self,
        id: &LeaseId,
        acked: LeaseState,
        now: Instant,
    ) -> Result<(LeaseState, Option<LeaseBreak>), LeaseError> {
        let deadline = now.checked_add(self.timeout()).unwrap_or(now);
        let mut files = self.lock();
        let state = files
            .values_mut()
            .find(|s| s.leases.iter().any(|l| l.is(id)))
            .ok_or(LeaseError::NotFound)?;
        crate::lease::expire(state, now);
        let lease = state
            .leases
            .iter_mut()
            .find(|l| l.is(id))
            .ok_or(LeaseError::NotFound)?;
        let next = lease.acknowledged(acked, deadline)?;
        state.wake();
        Ok((acked, next))
    }

    /// The state of lease `id`, none when it is not in use.
    #[must_use]
    pub fn lease_state(&self, id: &LeaseId) -> LeaseState {
        self.lock()
            .values()
            .flat_map(|s| s.leases.iter())
            .find(|l| l.is(id))
            .map_or(LeaseState::NONE, |l| l.state)
    }

    /// The ParentLeaseKey of the lease `open` is under, if any.
    #[must_use]
    pub fn parent_key(&self, open: OpenId) -> Option<LeaseKey> {
        let file = self.lock_opens().get(&open).copied()?;
        self.lock()
            .get(&file)?
            .leases
            .iter()
            .find(|l| l.has_open(open))
            .and_then(|l| l.parent)
    }

    /// The directories on `volume` that have a directory lease.
    #[must_use]
    pub fn leased_dirs(&self, volume: u64) -> Vec<FileKey> {
        self.lock()
            .iter()
            .filter(|(f, s)| f.volume == volume && s.leases.iter().any(|l| l.dir))
            .map(|(f, _)| *f)
            .collect()
    }

    /// The contents of directory `dir` changed (a child was created,
    /// deleted, renamed in or out, or had its attributes, times or size
    /// set): its leases break to none (MS-SMB2 3.3.4.7), except one whose
    /// key is `except` (the ParentLeaseKey of the open that made the
    /// change). Nobody waits for these breaks: the change has happened. A
    /// lease that held H must acknowledge; until it does (or the break
    /// times out) it is breaking.
    pub fn break_dir(
        &self,
        dir: FileKey,
        except: Option<LeaseKey>,
        now: Instant,
    ) -> Vec<LeaseBreak> {
        let deadline = now.checked_add(self.timeout()).unwrap_or(now);
        let mut files = self.lock();
        let Some(state) = files.get_mut(&dir) else {
            return Vec::new();
        };
        crate::lease::expire(state, now);
        let mut out = Vec::new();
        for lease in state.leases.iter_mut().filter(|l| l.dir) {
            if Some(lease.id.key) == except {
                continue;
            }
            out.extend(lease.start_break(LeaseState::NONE, deadline));
        }
        out
    }

    /// Records that `open` wrote: its close changes its directory's
    /// contents (the last write time), which breaks directory leases.
    pub fn note_written(&self, open: OpenId) {
        self.lock_written().insert(open);
    }

    /// Whether `open` wrote since it was opened (and forgets it).
    pub fn take_written(&self, open: OpenId) -> bool {
        self.lock_written().remove(&open)
    }

    /// Records that the directory leases were told at close that `open`'s
    /// file goes (while the open still knew its ParentLeaseKey).
    pub fn note_told(&self, open: OpenId) {
        let mut told = self.lock_told();
        // Bounded: an entry stays only when the delete it announced failed.
        if told.len() >= 4096 {
            told.clear();
        }
        told.insert(open);
    }

    /// Whether the directory leases were told of `open`'s deletion at its
    /// close (and forgets it).
    pub fn take_told(&self, open: OpenId) -> bool {
        self.lock_told().remove(&open)
    }
}

#[cfg(test)]
#[path = "lease_dir_tests.rs"]
mod tests;
