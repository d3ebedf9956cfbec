//! Resume keys (MS-SMB2 3.3.5.15.5): the 24-byte names FSCTL_SRV_COPYCHUNK
//! uses for its source open.
//!
//! A key is 24 random bytes from the operating system, drawn the first time
//! an open asks for one and handed out again on later requests for the same
//! open. It is a capability: whoever holds it may read through that open, so
//! it is not derived from the (sequential, guessable) FileId. The table holds
//! only weak references; a key dies with its open (a lookup checks that the
//! open is still in the open table), and dead entries are pruned as new keys
//! are drawn. Keys never appear in `Debug` output or logs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use smbkit_state::{Open, OpenId};
use smbkit_wire::NtStatus;
use smbkit_wire::fsctl::copychunk::RESUME_KEY_LEN;

use crate::files::{OpenData, OpenRef};

/// A resume key.
pub(crate) type ResumeKey = [u8; RESUME_KEY_LEN];

/// Prune dead entries once the table holds this many more than at the
/// last prune.
const PRUNE_SLACK: usize = 64;

#[derive(Default)]
struct Inner {
    by_key: HashMap<ResumeKey, Weak<Open<OpenData>>>,
    by_open: HashMap<OpenId, ResumeKey>,
    pruned_at: usize,
}

/// The resume keys handed out by one file server.
#[derive(Default)]
pub(crate) struct ResumeKeys {
    inner: Mutex<Inner>,
}

impl core::fmt::Debug for ResumeKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ResumeKeys")
            .field("keys", &self.lock().by_key.len())
            .finish_non_exhaustive()
    }
}

impl ResumeKeys {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key of `open`, drawn now if it has none yet.
    pub(crate) fn key_for(&self, open: &OpenRef) -> Result<ResumeKey, NtStatus> {
        let mut inner = self.lock();
        if let Some(key) = inner.by_open.get(&open.id).copied() {
            let same = inner
                .by_key
                .get(&key)
                .and_then(Weak::upgrade)
                .is_some_and(|o| Arc::ptr_eq(&o, open));
            if same {
                return Ok(key);
            }
            // An earlier open with the same id: forget its key.
            inner.by_key.remove(&key);
            inner.by_open.remove(&open.id);
        }
        let key = loop {
            let mut key = [0u8; RESUME_KEY_LEN];
            getrandom::fill(&mut key).map_err(|e| {
                tracing::warn!(error = %e, "no randomness for a resume key");
                NtStatus::INSUFFICIENT_RESOURCES
            })?;
            if !inner.by_key.contains_key(&key) {
                break key;
            }
        };
        inner.by_key.insert(key, Arc::downgrade(open));
        inner.by_open.insert(open.id, key);
        if inner.by_key.len() > inner.pruned_at.saturating_add(PRUNE_SLACK) {
            let Inner {
                by_key, by_open, ..
            } = &mut *inner;
            by_key.retain(|_, w| w.strong_count() > 0);
            by_open.retain(|_, k| by_key.contains_key(k));
            inner.pruned_at = inner.by_key.len();
        }
        Ok(key)
    }

    /// The open `key` names, if it is still alive (the caller checks it is
    /// still in the open table).
    pub(crate) fn find(&self, key: &ResumeKey) -> Option<OpenRef> {
        self.lock().by_key.get(key).and_then(Weak::upgrade)
    }
}
