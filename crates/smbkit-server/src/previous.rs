//! PreviousSessionId across connections (MS-SMB2 3.3.5.5.3).
//!
//! A client that lost its connection signs in on a new one naming its old
//! session; the server must end that session, which lives on another
//! connection (sessions are per connection in `smbkit-session`). Every
//! driver registers here; the driver of the new sign-in offers the
//! [`PreviousSession`] to all the others and waits (briefly) until each
//! has looked: the one holding the session ends it, cancels its requests
//! and closes its opens, so that when the client reads the SESSION_SETUP
//! answer the old session and its handles are gone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use smbkit_session::PreviousSession;
use tokio::sync::{mpsc, oneshot};

/// How long a sign-in waits for the other connections to end the previous
/// session (two connections offering to each other at once would
/// otherwise wait for ever).
const ACK_WAIT: Duration = Duration::from_secs(2);

/// An offer to end a session: the connection that looked answers on `done`
/// (or drops it).
#[derive(Debug)]
pub(crate) struct EndSession {
    pub previous: PreviousSession,
    pub done: oneshot::Sender<()>,
}

/// The connections of the server that may hold a previous session.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    connections: Mutex<HashMap<u64, mpsc::UnboundedSender<EndSession>>>,
}

/// A connection's place in the [`Registry`]; leaves it when dropped.
#[derive(Debug)]
pub(crate) struct Registration {
    registry: Arc<Registry>,
    id: u64,
    /// The offers for this connection.
    pub offers: mpsc::UnboundedReceiver<EndSession>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl Registry {
    /// Registers connection `id`.
    pub(crate) fn register(self: &Arc<Self>, id: u64) -> Registration {
        let (tx, offers) = mpsc::unbounded_channel();
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, tx);
        Registration {
            registry: Arc::clone(self),
            id,
            offers,
        }
    }

    /// Offers `previous` to every connection but `from`, and waits until
    /// each has looked (at most [`ACK_WAIT`]).
    pub(crate) async fn offer(&self, from: u64, previous: &PreviousSession) {
        self.offer_within(from, previous, ACK_WAIT).await;
    }

    /// [`Registry::offer`], waiting at most `wait`.
    async fn offer_within(&self, from: u64, previous: &PreviousSession, wait: Duration) {
        let waits: Vec<oneshot::Receiver<()>> = {
            let connections = self
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            connections
                .iter()
                .filter(|(id, _)| **id != from)
                .filter_map(|(_, tx)| {
                    let (done, wait) = oneshot::channel();
                    let offer = EndSession {
                        previous: previous.clone(),
                        done,
                    };
                    tx.send(offer).ok().map(|()| wait)
                })
                .collect()
        };
        let deadline = tokio::time::Instant::now().checked_add(wait);
        for wait in waits {
            let late = match deadline {
                Some(d) => tokio::time::timeout_at(d, wait).await.is_err(),
                None => false,
            };
            if late {
                tracing::debug!(
                    session = previous.id,
                    "a connection did not look for the previous session in time"
                );
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn offers_reach_every_other_connection_and_wait_for_them() {
        let registry = Arc::new(Registry::default());
        let mut a = registry.register(1);
        let mut b = registry.register(2);
        let previous = PreviousSession::new(7, "alice", 9);
        let looker = tokio::spawn(async move {
            let offer = b.offers.recv().await.unwrap();
            assert_eq!(offer.previous, PreviousSession::new(7, "alice", 9));
            offer.done.send(()).unwrap();
            b
        });
        registry.offer(1, &previous).await;
        // The offering connection gets nothing.
        assert!(a.offers.try_recv().is_err());
        let b = looker.await.unwrap();
        drop(b);
        assert_eq!(registry.connections.lock().unwrap().len(), 1);
        // With nobody else registered, an offer returns at once.
        registry.offer(1, &previous).await;
    }

    #[tokio::test]
    async fn a_connection_that_never_looks_delays_the_offer_only_so_long() {
        let registry = Arc::new(Registry::default());
        let _silent = registry.register(2);
        let wait = Duration::from_millis(50);
        let started = std::time::Instant::now();
        registry
            .offer_within(1, &PreviousSession::new(7, "alice", 9), wait)
            .await;
        let took = started.elapsed();
        assert!(took >= wait && took < Duration::from_secs(1), "{took:?}");
    }
}
