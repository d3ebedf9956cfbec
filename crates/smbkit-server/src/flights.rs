//! The batches a connection's driver is dispatching, polled on the driver's
//! own task.
//!
//! Spawning a task per batch sends every request across threads twice (to
//! the task, and its answer back to the driver); polling them here keeps a
//! request's bytes on one thread while the blocking file I/O still runs in
//! tokio's blocking pool, so batches still wait concurrently.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use smbkit_session::Batch;

/// A batch being dispatched.
pub(crate) type Flight = Pin<Box<dyn Future<Output = Batch> + Send>>;

/// An unordered set of [`Flight`]s: [`next`](Self::next) yields each batch
/// when its dispatch completes.
#[derive(Default)]
pub(crate) struct Flights {
    flights: Vec<Flight>,
}

impl Flights {
    pub(crate) fn push(&mut self, flight: Flight) {
        self.flights.push(flight);
    }

    pub(crate) fn len(&self) -> usize {
        self.flights.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.flights.is_empty()
    }

    /// Drops every flight (its handlers stop where they are).
    pub(crate) fn clear(&mut self) {
        self.flights.clear();
    }

    /// The next batch whose dispatch completes; `None` when there is none.
    /// Cancel-safe: a completed batch is only taken out when returned.
    pub(crate) fn next(&mut self) -> impl Future<Output = Option<Batch>> + '_ {
        core::future::poll_fn(move |cx| self.poll_next(cx))
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Batch>> {
        if self.flights.is_empty() {
            return Poll::Ready(None);
        }
        let ready = self
            .flights
            .iter_mut()
            .enumerate()
            .find_map(|(index, flight)| match flight.as_mut().poll(cx) {
                Poll::Ready(batch) => Some((index, batch)),
                Poll::Pending => None,
            });
        match ready {
            Some((index, batch)) => {
                drop(self.flights.swap_remove(index));
                Poll::Ready(Some(batch))
            }
            None => Poll::Pending,
        }
    }
}
