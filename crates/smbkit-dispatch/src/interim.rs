//! How a handler waits: [`Interim`] asks the connection driver for the
//! interim STATUS_PENDING response and tells the handler when its request
//! is cancelled (MS-SMB2 3.3.4.2, 3.3.5.16).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use smbkit_session::Batch;
use tokio::sync::{mpsc, watch};

/// What a connection's dispatch tasks tell its driver.
#[derive(Debug)]
#[non_exhaustive]
pub enum DriverEvent {
    /// Request `MessageId` goes async: send its interim response now.
    Interim(u64),
    /// The last request of a compound chain, `interim`, goes async: send
    /// the answers of the requests before it (`answered`, a batch of its
    /// own) now, then the interim response of `interim`; the final answer
    /// of `interim` follows alone when it completes (MS-SMB2 3.3.4.2, as
    /// Windows and Samba do).
    Chain {
        /// The requests of the chain before `interim`, all answered.
        answered: Batch,
        /// The MessageId of the request going async.
        interim: u64,
    },
}

/// A request's link to its connection driver, carried in
/// [`Call::interim`](crate::Call::interim). Cloning is cheap; every clone
/// speaks for the same request.
///
/// A handler that must wait (a blocking LOCK, CHANGE_NOTIFY, a break to
/// acknowledge) calls [`go_async`](Self::go_async) and then waits for its
/// event or for [`cancelled`](Self::cancelled), and answers
/// STATUS_CANCELLED when cancelled first. A handler that never calls
/// `go_async` is answered exactly as before.
#[derive(Clone, Default)]
pub struct Interim {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    message_id: u64,
    went_async: AtomicBool,
    target: Target,
    cancel: watch::Receiver<bool>,
    /// Set before `cancel` when the request's session or tree went.
    closing: Arc<AtomicBool>,
}

/// Where [`Interim::go_async`] goes.
enum Target {
    /// Straight to the driver.
    Driver(mpsc::UnboundedSender<DriverEvent>),
    /// To the dispatcher running the compound chain (its last request).
    Chain(mpsc::UnboundedSender<()>),
    /// Nowhere: a request inside a compound chain may not go async; it is
    /// cancelled at once and answered STATUS_INTERNAL_ERROR.
    Refused,
}

impl fmt::Debug for Interim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            None => f.write_str("Interim(detached)"),
            Some(i) => f
                .debug_struct("Interim")
                .field("message_id", &i.message_id)
                .field("went_async", &i.went_async.load(Ordering::Relaxed))
                .finish(),
        }
    }
}

/// The driver's side of an [`Interim`]: fires its cancellation.
#[derive(Debug)]
pub struct CancelHandle {
    cancel: watch::Sender<bool>,
    closing: Arc<AtomicBool>,
}

impl CancelHandle {
    /// Tells the request it is cancelled (a CANCEL named it, or its
    /// session, tree or connection went). Dropping the handle does the
    /// same.
    pub fn cancel(&self) {
        self.cancel.send_replace(true);
    }

    /// Cancels the request because its session or tree went (LOGOFF,
    /// TREE_DISCONNECT): [`Interim::is_closing`] tells it so.
    pub fn close(&self) {
        self.closing.store(true, Ordering::Release);
        self.cancel();
    }
}

impl Interim {
    /// An Interim tied to nothing: [`go_async`](Self::go_async) does
    /// nothing and [`cancelled`](Self::cancelled) never resolves. What
    /// [`Call::new`](crate::Call::new) gives (tests, calls outside a
    /// connection).
    #[must_use]
    pub fn detached() -> Interim {
        Interim { inner: None }
    }

    /// An Interim for request `message_id` of a connection whose driver
    /// receives, on `driver`, the requests that go async; and the handle
    /// that cancels it.
    #[must_use]
    pub fn attached(
        message_id: u64,
        driver: mpsc::UnboundedSender<DriverEvent>,
    ) -> (Interim, CancelHandle) {
        let (tx, rx) = watch::channel(false);
        let closing = Arc::new(AtomicBool::new(false));
        let interim = Interim {
            inner: Some(Arc::new(Inner {
                message_id,
                went_async: AtomicBool::new(false),
                target: Target::Driver(driver),
                cancel: rx,
                closing: Arc::clone(&closing),
            })),
        };
        (
            interim,
            CancelHandle {
                cancel: tx,
                closing,
            },
        )
    }

    /// The same request's Interim for the last request of a compound
    /// chain: going async is reported on `chain` (to the dispatcher, which
    /// answers the chain so far first) instead of to the driver.
    pub(crate) fn chained(&self, chain: mpsc::UnboundedSender<()>) -> Interim {
        self.derived(Target::Chain(chain))
    }

    /// The same request's Interim for a request inside a compound chain,
    /// which may not go async.
    pub(crate) fn refused(&self) -> Interim {
        self.derived(Target::Refused)
    }

    fn derived(&self, target: Target) -> Interim {
        Interim {
            inner: self.inner.as_ref().map(|i| {
                Arc::new(Inner {
                    message_id: i.message_id,
                    went_async: AtomicBool::new(false),
                    target,
                    cancel: i.cancel.clone(),
                    closing: Arc::clone(&i.closing),
                })
            }),
        }
    }

    /// The driver's channel, when attached to one.
    pub(crate) fn driver(&self) -> Option<&mpsc::UnboundedSender<DriverEvent>> {
        match &self.inner.as_ref()?.target {
            Target::Driver(tx) => Some(tx),
            Target::Chain(_) | Target::Refused => None,
        }
    }

    /// Asks the driver to send the interim response now (STATUS_PENDING,
    /// the async header form with a fresh AsyncId, the request's credits).
    /// Idempotent; does nothing on a detached Interim.
    pub fn go_async(&self) {
        if let Some(inner) = &self.inner
            && !inner.went_async.swap(true, Ordering::AcqRel)
        {
            // A closed channel means the connection is going away; the
            // request is being cancelled then.
            match &inner.target {
                Target::Driver(tx) => {
                    let _ = tx.send(DriverEvent::Interim(inner.message_id));
                }
                Target::Chain(tx) => {
                    let _ = tx.send(());
                }
                Target::Refused => {}
            }
        }
    }

    /// Whether [`go_async`](Self::go_async) was called.
    #[must_use]
    pub fn went_async(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|i| i.went_async.load(Ordering::Acquire))
    }

    /// Whether the request was cancelled already.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.inner.as_ref().is_some_and(|i| {
            matches!(i.target, Target::Refused)
                || *i.cancel.borrow()
                || i.cancel.has_changed().is_err()
        })
    }

    /// Whether the request was cancelled because its session or tree went
    /// (LOGOFF, TREE_DISCONNECT: its opens are closing), rather than by a
    /// CANCEL or the connection's end.
    #[must_use]
    pub fn is_closing(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|i| i.closing.load(Ordering::Acquire))
    }

    /// Resolves when the request is cancelled: a CANCEL named it (by
    /// MessageId, or by AsyncId after it went async), or its session, tree
    /// or connection went. Never resolves on a detached Interim.
    pub async fn cancelled(&self) {
        let Some(inner) = &self.inner else {
            return core::future::pending().await;
        };
        if matches!(inner.target, Target::Refused) {
            return;
        }
        let mut rx = inner.cancel.clone();
        // An error means the driver dropped the handle: the connection is
        // gone, which cancels the request too.
        let _ = rx.wait_for(|cancelled| *cancelled).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn go_async_reports_once_and_cancel_wakes_the_waiter() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (interim, handle) = Interim::attached(42, tx);
        assert!(!interim.went_async());
        interim.go_async();
        interim.clone().go_async();
        assert!(interim.went_async());
        assert!(matches!(rx.recv().await, Some(DriverEvent::Interim(42))));
        assert!(rx.try_recv().is_err(), "reported once");

        let waiter = interim.clone();
        let task = tokio::spawn(async move { waiter.cancelled().await });
        tokio::task::yield_now().await;
        assert!(!task.is_finished());
        assert!(!interim.is_cancelled());
        handle.cancel();
        task.await.unwrap();
        assert!(interim.is_cancelled());
    }

    #[tokio::test]
    async fn close_cancels_and_says_why() {
        let (tx, _rx) = mpsc::unbounded_channel();
        let (interim, handle) = Interim::attached(3, tx);
        let (chain, _) = mpsc::unbounded_channel();
        let chained = interim.chained(chain);
        assert!(!interim.is_closing());
        handle.close();
        interim.cancelled().await;
        assert!(interim.is_closing() && chained.is_closing());

        let (tx, _rx) = mpsc::unbounded_channel();
        let (interim, handle) = Interim::attached(4, tx);
        handle.cancel();
        interim.cancelled().await;
        assert!(!interim.is_closing());
    }

    #[tokio::test]
    async fn dropping_the_handle_cancels() {
        let (tx, _rx) = mpsc::unbounded_channel();
        let (interim, handle) = Interim::attached(1, tx);
        drop(handle);
        interim.cancelled().await;
        assert!(interim.is_cancelled());
    }

    #[tokio::test]
    async fn inside_a_chain_going_async_is_refused_or_rerouted() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (interim, _handle) = Interim::attached(5, tx);
        let refused = interim.refused();
        refused.go_async();
        assert!(refused.went_async());
        refused.cancelled().await;
        assert!(refused.is_cancelled());
        assert!(!interim.is_cancelled(), "the driver's Interim is untouched");
        let (chain_tx, mut chain_rx) = mpsc::unbounded_channel();
        let last = interim.chained(chain_tx);
        last.go_async();
        assert_eq!(chain_rx.recv().await, Some(()));
        assert!(rx.try_recv().is_err(), "nothing went to the driver");
        assert!(interim.driver().is_some() && last.driver().is_none());
    }

    #[tokio::test]
    async fn a_detached_interim_never_cancels() {
        let interim = Interim::detached();
        interim.go_async();
        assert!(!interim.went_async());
        let waited =
            tokio::time::timeout(std::time::Duration::from_millis(20), interim.cancelled()).await;
        assert!(waited.is_err());
    }
}
