//! How a handler waits: [`Interim`] asks the connection driver for the
//! interim STATUS_PENDING response and tells the handler when its request
//! is cancelled (MS-SMB2 3.3.4.2, 3.3.5.16).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::{mpsc, watch};

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
    driver: mpsc::UnboundedSender<u64>,
    cancel: watch::Receiver<bool>,
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
}

impl CancelHandle {
    /// Tells the request it is cancelled (a CANCEL named it, or its
    /// session, tree or connection went). Dropping the handle does the
    /// same.
    pub fn cancel(&self) {
        self.cancel.send_replace(true);
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
    /// receives, on `driver`, the MessageIds of requests that go async; and
    /// the handle that cancels it.
    #[must_use]
    pub fn attached(
        message_id: u64,
        driver: mpsc::UnboundedSender<u64>,
    ) -> (Interim, CancelHandle) {
        let (tx, rx) = watch::channel(false);
        let interim = Interim {
            inner: Some(Arc::new(Inner {
                message_id,
                went_async: AtomicBool::new(false),
                driver,
                cancel: rx,
            })),
        };
        (interim, CancelHandle { cancel: tx })
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
            let _ = inner.driver.send(inner.message_id);
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
        self.inner
            .as_ref()
            .is_some_and(|i| *i.cancel.borrow() || i.cancel.has_changed().is_err())
    }

    /// Resolves when the request is cancelled: a CANCEL named it (by
    /// MessageId, or by AsyncId after it went async), or its session, tree
    /// or connection went. Never resolves on a detached Interim.
    pub async fn cancelled(&self) {
        let Some(inner) = &self.inner else {
            return core::future::pending().await;
        };
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
        assert_eq!(rx.recv().await, Some(42));
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
    async fn dropping_the_handle_cancels() {
        let (tx, _rx) = mpsc::unbounded_channel();
        let (interim, handle) = Interim::attached(1, tx);
        drop(handle);
        interim.cancelled().await;
        assert!(interim.is_cancelled());
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
