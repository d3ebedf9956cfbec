//! Credits and the MessageId sequence window (MS-SMB2 3.3.1.1, 3.3.1.2,
//! 3.3.5.2.3, 3.3.5.2.5).

use std::collections::BTreeSet;

/// The most credits a client may hold at once.
pub const MAX_OUTSTANDING: u64 = 512;

/// Bytes covered by one credit for multi-credit requests.
pub const CREDIT_UNIT: u64 = 65536;

/// The window of MessageIds a client may use: every id in `[low, high)` that
/// is not in `used`. `high - low - used.len()` is what the client holds.
#[derive(Debug, Clone)]
pub(crate) struct CreditWindow {
    low: u64,
    high: u64,
    used: BTreeSet<u64>,
}

impl CreditWindow {
    /// A new connection: the client holds one credit, for MessageId 0.
    pub(crate) fn new() -> Self {
        CreditWindow {
            low: 0,
            high: 1,
            used: BTreeSet::new(),
        }
    }

    /// Credits the client still holds.
    pub(crate) fn outstanding(&self) -> u64 {
        let span = self.high.saturating_sub(self.low);
        span.saturating_sub(u64::try_from(self.used.len()).unwrap_or(u64::MAX))
    }

    /// Takes `[message_id, message_id + charge)` out of the window.
    pub(crate) fn consume(&mut self, message_id: u64, charge: u64) -> Result<(), String> {
        let charge = charge.max(1);
        let Some(end) = message_id.checked_add(charge) else {
            return Err(format!(
                "MessageId {message_id:#x} + CreditCharge overflows"
            ));
        };
        if message_id < self.low {
            return Err(format!(
                "MessageId {message_id} is below the window [{}, {}): reused or never granted",
                self.low, self.high
            ));
        }
        if end > self.high {
            return Err(format!(
                "MessageId {message_id} (charge {charge}) is beyond the granted window [{}, {})",
                self.low, self.high
            ));
        }
        let mut id = message_id;
        while id < end {
            if !self.used.insert(id) {
                return Err(format!("MessageId {id} was used before"));
            }
            id = id.saturating_add(1);
        }
        while self.used.remove(&self.low) {
            self.low = self.low.saturating_add(1);
        }
        Ok(())
    }

    /// Grants credits for one response: at least `charge` (and at least one
    /// if the client would otherwise hold none), up to `requested`, keeping
    /// the client's holding within [`MAX_OUTSTANDING`].
    pub(crate) fn grant(&mut self, charge: u64, requested: u16) -> u16 {
        let held = self.outstanding();
        let room = MAX_OUTSTANDING.saturating_sub(held);
        let want = u64::from(requested.max(1)).min(room);
        let floor = if held == 0 { charge.max(1) } else { charge };
        let grant = want.max(floor).min(u64::from(u16::MAX));
        self.high = self.high.saturating_add(grant);
        u16::try_from(grant).unwrap_or(u16::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_rules() {
        let mut w = CreditWindow::new();
        assert!(w.consume(1, 1).is_err(), "beyond the window");
        w.consume(0, 1).unwrap();
        assert_eq!(w.outstanding(), 0);
        assert!(w.consume(0, 1).is_err(), "reused");
        assert_eq!(w.grant(1, 0), 1, "never leave the client at zero");
        assert_eq!(w.grant(1, 10), 10);
        assert_eq!(w.outstanding(), 11);
        // Out of order is fine inside the window.
        w.consume(5, 2).unwrap();
        w.consume(1, 1).unwrap();
        assert!(w.consume(6, 1).is_err());
        assert_eq!(w.outstanding(), 8);
        // The window is capped.
        assert_eq!(
            w.grant(1, 60000),
            u16::try_from(MAX_OUTSTANDING - 8).unwrap()
        );
        assert_eq!(w.outstanding(), MAX_OUTSTANDING);
        assert_eq!(w.grant(3, 100), 3, "at least the charge");
        assert!(w.consume(u64::MAX, 2).is_err());
    }
}
