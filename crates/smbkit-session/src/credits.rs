//! Credits and the MessageId sequence window (MS-SMB2 3.3.1.1, 3.3.1.2,
//! 3.3.5.2.3, 3.3.5.2.5).

use std::collections::BTreeSet;

/// The default for [`Config::max_credits`](crate::Config::max_credits): the
/// most credits a client may hold at once. 8192 is what Windows Server 2016
/// and Samba (`smb2 max credits`) grant, and what smbtorture's
/// `smb2.credits` tests expect.
pub const DEFAULT_MAX_CREDITS: u16 = 8192;

/// Bytes covered by one credit for multi-credit requests.
pub const CREDIT_UNIT: u64 = 65536;

/// The window of MessageIds a client may use: every id in `[low, high)` that
/// is not in `used`. `high - low - used.len()` is what the client holds.
///
/// The client holds at most `max` credits, and the window spans at most
/// `2 * max` ids: a client that leaves a MessageId unused keeps getting
/// credits until the ids after the hole fill a second window (Windows
/// Server 2016 behaves so; smbtorture `smb2.credits.skipped_mid`), which
/// also bounds the memory `used` takes.
#[derive(Debug, Clone)]
pub(crate) struct CreditWindow {
    low: u64,
    high: u64,
    used: BTreeSet<u64>,
    max: u64,
}

impl CreditWindow {
    /// A new connection: the client holds one credit, for MessageId 0, and
    /// may hold up to `max` (at least 1).
    pub(crate) fn new(max: u16) -> Self {
        CreditWindow {
            low: 0,
            high: 1,
            used: BTreeSet::new(),
            max: u64::from(max.max(1)),
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
    /// the client's holding within `max` and the window within `2 * max`.
    /// Granting 0 (`requested` 0 and `charge` 0) is how the final response
    /// of an async request answers: its interim response granted them.
    pub(crate) fn grant(&mut self, charge: u64, requested: u16) -> u16 {
        let held = self.outstanding();
        let room = self.max.saturating_sub(held);
        let span = self.high.saturating_sub(self.low);
        let span_room = self.max.saturating_mul(2).saturating_sub(span);
        let want = u64::from(requested.max(1)).min(room).min(span_room);
        let floor = if held == 0 { charge.max(1) } else { charge };
        let grant = want.max(floor).min(u64::from(u16::MAX));
        self.high = self.high.saturating_add(grant);
        u16::try_from(grant).unwrap_or(u16::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX_OUTSTANDING: u64 = 512;

    #[test]
    fn window_rules() {
        let mut w = CreditWindow::new(512);
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

    #[test]
    fn the_default_maximum_is_granted_in_one_response() {
        let mut w = CreditWindow::new(DEFAULT_MAX_CREDITS);
        w.consume(0, 1).unwrap();
        assert_eq!(w.grant(1, u16::MAX), DEFAULT_MAX_CREDITS);
        assert_eq!(w.outstanding(), u64::from(DEFAULT_MAX_CREDITS));
        assert!(
            w.consume(u64::from(DEFAULT_MAX_CREDITS) + 1, 1).is_err(),
            "ids beyond the window are still refused"
        );
    }

    #[test]
    fn a_skipped_message_id_keeps_the_window_open_up_to_twice_the_maximum() {
        // smbtorture smb2.credits.skipped_mid with a maximum of 8: the
        // client holds 8, skips id 1 and uses 2..=8 one by one.
        let mut w = CreditWindow::new(8);
        w.consume(0, 1).unwrap();
        assert_eq!(w.grant(1, 100), 8);
        for id in 2..=8 {
            w.consume(id, 1).unwrap();
            assert_eq!(w.grant(1, 100), 1, "id {id}");
        }
        assert_eq!(w.outstanding(), 8);
        // Using the skipped id slides the window: the client still holds 8.
        w.consume(1, 1).unwrap();
        assert_eq!(w.grant(1, 100), 1);
        assert_eq!(w.outstanding(), 8);
        // A client that never fills its hole stops getting more than the
        // charge once the window spans twice the maximum.
        let mut w = CreditWindow::new(4);
        w.consume(0, 1).unwrap();
        assert_eq!(w.grant(1, 100), 4);
        let mut granted = 0u64;
        for id in 2..40 {
            if w.consume(id, 1).is_err() {
                break;
            }
            granted += u64::from(w.grant(0, 100));
        }
        assert!(granted < 40, "the span is bounded, granted {granted}");
    }
}
