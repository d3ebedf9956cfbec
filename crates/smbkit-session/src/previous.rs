//! PreviousSessionId (MS-SMB2 3.3.5.5.3): a client that lost its
//! connection signs in again naming its old session, and the server ends
//! that session, wherever it is, when it belongs to the same user.
//!
//! Sessions live per connection and this crate is sans-IO, so the work is
//! split: a successful SESSION_SETUP that names a previous session queues a
//! [`PreviousSession`] ([`Connection::take_previous_sessions`]); the driver
//! offers it to its own connection and, when that does not hold the
//! session, to every other connection of the server, each of which calls
//! [`Connection::end_previous_session`].

use crate::connection::Connection;

/// A session that a new sign-in asked to replace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreviousSession {
    /// The PreviousSessionId of the request.
    pub id: u64,
    /// The user who signed in: the old session ends only when it is this
    /// user's (compared without regard to ASCII case, as account names
    /// are).
    pub user: String,
    /// The SessionId of the new session (never ended by its own request).
    pub by: u64,
}

impl PreviousSession {
    /// A request from session `by` of `user` to end session `id`.
    #[must_use]
    pub fn new(id: u64, user: impl Into<String>, by: u64) -> PreviousSession {
        PreviousSession {
            id,
            user: user.into(),
            by,
        }
    }
}

impl Connection {
    /// The previous sessions named by sign-ins since the last call, for
    /// the driver to end (see the module documentation).
    pub fn take_previous_sessions(&mut self) -> Vec<PreviousSession> {
        core::mem::take(&mut self.previous_sessions)
    }

    /// Ends session `previous.id` of this connection as a LOGOFF would,
    /// when it is an authenticated, non-anonymous session of
    /// `previous.user` and not the session that asked. Returns the
    /// MessageIds of its requests still in flight, which the driver
    /// cancels (the opens of its trees are then closed by the dispatcher's
    /// sweep), or `None` when this connection has no such session.
    pub fn end_previous_session(&mut self, previous: &PreviousSession) -> Option<Vec<u64>> {
        if previous.id == previous.by || previous.id == 0 {
            return None;
        }
        let info = self.sessions.get(&previous.id)?.info.as_ref()?;
        if info.anonymous || !info.user.eq_ignore_ascii_case(&previous.user) {
            tracing::debug!(
                session = previous.id,
                "previous session of another user: left alone"
            );
            return None;
        }
        self.sessions.remove(&previous.id);
        tracing::debug!(
            session = previous.id,
            by = previous.by,
            "previous session ended by a new sign-in"
        );
        Some(self.inflight_of(previous.id, None))
    }
}
