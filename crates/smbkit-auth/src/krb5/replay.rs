//! The replay cache: authenticators seen within the clock-skew window.

use std::collections::HashMap;

use sha1::{Digest, Sha1};

use super::KrbError;

/// At most this many live entries (one per accepted AP-REQ within the window).
pub(crate) const MAX_ENTRIES: usize = 100_000;

/// Remembers the SHA-1 of each accepted authenticator ciphertext until its
/// time plus the allowed skew has passed.
#[derive(Debug, Default)]
pub(crate) struct ReplayCache {
    seen: HashMap<[u8; 20], i64>,
}

impl ReplayCache {
    /// Records `authenticator` (ciphertext), valid until `expires` (Unix
    /// seconds); a second sighting is a replay.
    pub(crate) fn check_and_insert(
        &mut self,
        authenticator: &[u8],
        expires: i64,
        now: i64,
    ) -> Result<(), KrbError> {
        let tag: [u8; 20] = Sha1::digest(authenticator).into();
        if self.seen.contains_key(&tag) {
            return Err(KrbError::Replay);
        }
        if self.seen.len() >= MAX_ENTRIES {
            self.seen.retain(|_, e| *e >= now);
            if self.seen.len() >= MAX_ENTRIES {
                return Err(KrbError::ReplayCacheFull);
            }
        }
        self.seen.insert(tag, expires);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_sighting_is_a_replay_and_old_entries_expire() {
        let mut c = ReplayCache::default();
        c.check_and_insert(b"a", 100, 0).unwrap();
        assert_eq!(c.check_and_insert(b"a", 100, 50), Err(KrbError::Replay));
        c.check_and_insert(b"b", 100, 50).unwrap();
        for i in 0..(MAX_ENTRIES - 2) {
            c.check_and_insert(&i.to_le_bytes(), 55, 0).unwrap();
        }
        assert_eq!(
            c.check_and_insert(b"c", 100, 50),
            Err(KrbError::ReplayCacheFull)
        );
        // Later, the short-lived entries have expired and make room.
        c.check_and_insert(b"c", 100, 60).unwrap();
        assert_eq!(c.check_and_insert(b"a", 100, 60), Err(KrbError::Replay));
    }
}
