//! Messages the server sends unasked (oplock and lease break
//! notifications): code outside a connection's task queues them for that
//! connection through the [`Notifier`], by connection id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use smbkit_wire::Command;
use tokio::sync::mpsc;

/// Notifications queued to one connection before [`Notifier::send`]
/// reports it full.
pub const NOTIFICATION_QUEUE: usize = 256;

/// One message for the connection driver to send unasked. It turns it into
/// a frame with `smbkit_session::Connection::notification`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The session the message concerns (its key seals the message when
    /// the session or `encrypt` asks for it); 0 for none.
    pub session_id: u64,
    /// The command (OPLOCK_BREAK for oplock and lease breaks).
    pub command: Command,
    /// The body after the 64-byte header.
    pub body: Bytes,
    /// Seal it even when the session does not encrypt everything (the open
    /// is on a share that demands encryption).
    pub encrypt: bool,
}

/// Why a notification was not queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// No such connection (it closed, or never registered).
    #[error("connection {0} is gone")]
    NoConnection(u64),
    /// The connection's queue is full (the client does not read).
    #[error("connection {0} has {NOTIFICATION_QUEUE} notifications queued already")]
    Full(u64),
}

/// The senders of every live connection, by connection id. Cloning is
/// cheap: every clone is the same table.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    senders: Arc<Mutex<HashMap<u64, mpsc::Sender<Notification>>>>,
}

impl Notifier {
    /// Registers connection `connection` and returns what its driver reads
    /// notifications from. Registering again replaces the old queue.
    pub fn register(&self, connection: u64) -> mpsc::Receiver<Notification> {
        let (tx, rx) = mpsc::channel(NOTIFICATION_QUEUE);
        self.lock().insert(connection, tx);
        rx
    }

    /// Forgets connection `connection` (it closed).
    pub fn unregister(&self, connection: u64) {
        self.lock().remove(&connection);
    }

    /// Queues `notification` for connection `connection`; never waits.
    ///
    /// # Errors
    /// [`NotifyError`] when the connection is gone or its queue is full.
    pub fn send(&self, connection: u64, notification: Notification) -> Result<(), NotifyError> {
        let sender = self
            .lock()
            .get(&connection)
            .cloned()
            .ok_or(NotifyError::NoConnection(connection))?;
        sender.try_send(notification).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => NotifyError::Full(connection),
            mpsc::error::TrySendError::Closed(_) => NotifyError::NoConnection(connection),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, mpsc::Sender<Notification>>> {
        // The map stays consistent whatever panicked while holding it.
        self.senders.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn break_for(session_id: u64) -> Notification {
        Notification {
            session_id,
            command: Command::OPLOCK_BREAK,
            body: Bytes::from_static(&[24, 0]),
            encrypt: false,
        }
    }

    #[tokio::test]
    async fn notifications_reach_their_connection_only() {
        let n = Notifier::default();
        let mut one = n.register(1);
        let mut two = n.register(2);
        n.send(2, break_for(7)).unwrap();
        assert_eq!(two.recv().await, Some(break_for(7)));
        assert!(one.try_recv().is_err());
        n.unregister(1);
        assert_eq!(n.send(1, break_for(7)), Err(NotifyError::NoConnection(1)));
        assert_eq!(n.send(3, break_for(7)), Err(NotifyError::NoConnection(3)));
        drop(two);
        assert_eq!(n.send(2, break_for(7)), Err(NotifyError::NoConnection(2)));
    }

    #[tokio::test]
    async fn a_full_queue_is_reported() {
        let n = Notifier::default();
        let _rx = n.register(1);
        for _ in 0..NOTIFICATION_QUEUE {
            n.send(1, break_for(1)).unwrap();
        }
        assert_eq!(n.send(1, break_for(1)), Err(NotifyError::Full(1)));
    }
}
