//! Failed-logon throttling per client address.
//!
//! The first few failed logons from an address are answered at once; each
//! further one, until the address has gone ten minutes without failing,
//! is answered after a delay that doubles (1 s, 2 s, 4 s, …) up to a
//! maximum. Only that client's connection waits: the delay is spent in its
//! driver before the failure goes out, so password guessing slows down
//! while everybody else is served as usual.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// An address that has not failed for this long starts afresh.
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// Addresses remembered at most; beyond, the forgotten ones are dropped
/// first, then the map is cleared (a flood of addresses must not grow it).
const MAX_ADDRESSES: usize = 65_536;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
}

/// Failed logons per address, and the delay they earn.
#[derive(Debug)]
pub(crate) struct LogonThrottle {
    free: u32,
    max_delay: Duration,
    entries: Mutex<HashMap<IpAddr, Entry>>,
}

impl LogonThrottle {
    pub(crate) fn new(free: u32, max_delay: Duration) -> LogonThrottle {
        LogonThrottle {
            free,
            max_delay,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Records `n` failed logons from `addr` at `now`; returns how long to
    /// hold the answer.
    pub(crate) fn failed(&self, addr: IpAddr, n: u32, now: Instant) -> Duration {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ADDRESSES && !entries.contains_key(&addr) {
            entries.retain(|_, e| now.saturating_duration_since(e.last) < FORGET_AFTER);
            if entries.len() >= MAX_ADDRESSES {
                entries.clear();
            }
        }
        let entry = entries.entry(addr).or_insert(Entry {
            failures: 0,
            last: now,
        });
        if now.saturating_duration_since(entry.last) >= FORGET_AFTER {
            entry.failures = 0;
        }
        entry.failures = entry.failures.saturating_add(n);
        entry.last = now;
        let over = entry.failures.saturating_sub(self.free);
        if over == 0 {
            return Duration::ZERO;
        }
        // 1 s for the first failure over the allowance, doubling.
        let secs = 1u64
            .checked_shl(over.saturating_sub(1).min(32))
            .unwrap_or(u64::MAX);
        Duration::from_secs(secs).min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_failures_then_doubling_up_to_the_cap_then_forgotten() {
        let t = LogonThrottle::new(3, Duration::from_secs(30));
        let a: IpAddr = [192, 0, 2, 7].into();
        let b: IpAddr = [192, 0, 2, 8].into();
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(t.failed(a, 1, now), Duration::ZERO);
        }
        assert_eq!(t.failed(a, 1, now), Duration::from_secs(1));
        assert_eq!(t.failed(a, 1, now), Duration::from_secs(2));
        assert_eq!(t.failed(a, 1, now), Duration::from_secs(4));
        assert_eq!(t.failed(a, 10, now), Duration::from_secs(30), "capped");
        // Another address is not affected.
        assert_eq!(t.failed(b, 1, now), Duration::ZERO);
        // Ten quiet minutes later, `a` starts afresh.
        let later = now + FORGET_AFTER;
        assert_eq!(t.failed(a, 1, later), Duration::ZERO);
    }
}
