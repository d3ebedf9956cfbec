//! The driver of one connection: frames in, answers out, several requests
//! in flight at once.
//!
//! A reader task takes frames off the socket. The driver task owns the
//! sans-IO [`Connection`]: it runs `receive` on each frame, answers at once
//! what the session layer answered, and starts dispatching every batch with
//! [`Item::Pending`] items into a set of flights it polls beside the socket
//! (`flights.rs`), so a slow READ, a WRITE waiting for the disk or a request
//! that went async never stops the next frame from being read. Each answer goes through `respond` and the
//! writer queue when its batch completes, in completion order. Interim
//! responses (a handler called [`Interim::go_async`]) and notifications
//! queued through the dispatcher's [`Notifier`](smbkit_dispatch::Notifier)
//! go the same way.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use smbkit_dispatch::smbkit_vfs::LocalFs;
use smbkit_dispatch::{CancelHandle, Dispatcher, DriverEvent, Interim, Notification};
use smbkit_session::{Batch, Connection, Item, PreviousSession};
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::{mpsc, watch};

use tracing::Instrument;

use crate::flights::Flights;
use crate::previous::EndSession;
use crate::throttle::LogonThrottle;

use crate::frame::{FrameError, now_filetime, read_frame};

/// Batches dispatched and not yet answered, per connection, before the
/// driver stops reading frames (the credit window bounds them too).
pub(crate) const MAX_IN_FLIGHT: usize = 128;

/// Frames the reader task reads ahead of the driver.
const READ_AHEAD: usize = 4;

/// How long the requests in flight of a closing connection get to answer
/// their cancellation before they are aborted.
const CANCEL_GRACE: Duration = Duration::from_secs(2);

/// After a TREE_DISCONNECT or LOGOFF, how many completions of batches that
/// were in flight also sweep the opens of the trees that went.
const SWEEPS_OWED: u32 = 16;

/// What the reader task hands the driver.
type FrameResult = Result<Option<Vec<u8>>, FrameError>;

/// Runs connection `id` until the peer leaves, misbehaves or the server
/// stops; then cancels what is in flight and closes the connection's
/// opens. Returns why it ended.
/// What the driver enforces beyond the session layer's own limits.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    /// The client's address (for logon throttling and logs).
    pub peer: IpAddr,
    /// The first SESSION_SETUP must complete within this.
    pub unauthenticated_timeout: Duration,
    /// Failed-logon delays per address, shared by all connections.
    pub throttle: Arc<LogonThrottle>,
    /// Where sign-ins naming a previous session reach the other connections.
    pub previous: Arc<crate::previous::Registry>,
}

pub(crate) async fn drive(
    reader: OwnedReadHalf,
    max_frame: u32,
    connection: Connection,
    dispatcher: Dispatcher<LocalFs>,
    out: mpsc::Sender<Vec<u8>>,
    stop: &mut watch::Receiver<bool>,
    guard: Guard,
) -> String {
    let id = dispatcher.connection_id();
    let mut notifications = dispatcher.notifier().register(id);
    let mut registration = guard.previous.register(id);
    let (frames_tx, mut frames) = mpsc::channel(READ_AHEAD);
    let reader = tokio::spawn(read_loop(reader, max_frame, frames_tx).in_current_span());
    let (interim_tx, mut interims) = mpsc::unbounded_channel();
    let mut driver = Driver {
        connection,
        dispatcher,
        id,
        out,
        tasks: Flights::default(),
        flights: HashMap::new(),
        interim_tx,
        sweeps_owed: 0,
        deadline: tokio::time::Instant::now().checked_add(guard.unauthenticated_timeout),
        guard,
    };
    let reason = driver
        .run(
            &mut frames,
            &mut interims,
            &mut notifications,
            &mut registration.offers,
            stop,
        )
        .await;
    drop(registration);
    reader.abort();
    driver.finish().await;
    reason
}

/// Sleeps until `deadline`, or forever when there is none.
async fn sleep_until_some(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => core::future::pending().await,
    }
}

/// Reads whole frames until the stream ends or fails, or the driver goes.
async fn read_loop(mut reader: OwnedReadHalf, max_frame: u32, frames: mpsc::Sender<FrameResult>) {
    loop {
        let frame = read_frame(&mut reader, max_frame).await;
        let last = !matches!(frame, Ok(Some(_)));
        if frames.send(frame).await.is_err() || last {
            return;
        }
    }
}

struct Driver {
    connection: Connection,
    dispatcher: Dispatcher<LocalFs>,
    id: u64,
    out: mpsc::Sender<Vec<u8>>,
    /// The batches being dispatched.
    tasks: Flights,
    /// The cancel handle of every request in flight, by MessageId.
    flights: HashMap<u64, CancelHandle>,
    /// Where handlers report that they go async.
    interim_tx: mpsc::UnboundedSender<DriverEvent>,
    /// Completions that still sweep orphaned opens.
    sweeps_owed: u32,
    /// Until a session has authenticated: when the connection is closed.
    deadline: Option<tokio::time::Instant>,
    guard: Guard,
}

impl Driver {
    /// The event loop; returns why the connection ends.
    async fn run(
        &mut self,
        frames: &mut mpsc::Receiver<FrameResult>,
        interims: &mut mpsc::UnboundedReceiver<DriverEvent>,
        notifications: &mut mpsc::Receiver<Notification>,
        offers: &mut mpsc::UnboundedReceiver<EndSession>,
        stop: &mut watch::Receiver<bool>,
    ) -> String {
        loop {
            // Biased: an interim response is sent before the final answer
            // of the same request (the handler reported it first), and
            // answers go before new work is taken on.
            let step = tokio::select! {
                biased;
                Some(event) = interims.recv() => self.event(event).await,
                Some(batch) = self.tasks.next(), if !self.tasks.is_empty() => self.answer(batch).await,
                Some(note) = notifications.recv() => self.notify(&note).await,
                // Before new frames: a previous session another connection
                // ended must be gone before this one's next request.
                Some(offer) = offers.recv() => {
                    self.end_previous(&offer.previous).await;
                    let _ = offer.done.send(());
                    Ok(())
                }
                _ = stop.changed() => Err("server shutting down".to_owned()),
                () = sleep_until_some(self.deadline) => Err(format!(
                    "no session authenticated within {} s",
                    self.guard.unauthenticated_timeout.as_secs()
                )),
                frame = frames.recv(), if self.tasks.len() < MAX_IN_FLIGHT => match frame {
                    None => Err("reader stopped".to_owned()),
                    Some(Ok(None)) => Err("peer closed the connection".to_owned()),
                    Some(Err(FrameError::Io(e))) => Err(format!("read failed: {e}")),
                    Some(Err(e)) => Err(e.to_string()),
                    Some(Ok(Some(frame))) => self.frame(frame).await,
                },
            };
            if let Err(reason) = step {
                return reason;
            }
        }
    }

    /// One frame: cancellations first, then answer or dispatch.
    async fn frame(&mut self, frame: Vec<u8>) -> Result<(), String> {
        let mut batch = self
            .connection
            .receive(frame, now_filetime())
            .map_err(|d| d.reason)?;
        if self.deadline.is_some() && self.connection.authenticated() {
            self.deadline = None;
        }
        let failures = self.connection.take_logon_failures();
        if failures > 0 {
            let peer = self.guard.peer;
            let delay = self
                .guard
                .throttle
                .failed(peer, failures, std::time::Instant::now());
            tracing::info!(%peer, failures, delay_ms = delay.as_millis(), "logon failed");
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
        let closing = core::mem::take(&mut batch.closing);
        for message_id in batch.cancelled.drain(..) {
            if let Some(handle) = self.flights.get(&message_id) {
                tracing::debug!(message_id, "cancelling");
                if closing.contains(&message_id) {
                    handle.close();
                } else {
                    handle.cancel();
                }
            }
        }
        // A sign-in named a previous session: end it here or elsewhere
        // before the sign-in is answered.
        for previous in self.connection.take_previous_sessions() {
            if !self.end_previous(&previous).await {
                self.guard.previous.offer(self.id, &previous).await;
            }
        }
        if batch.has_pending() {
            self.dispatch(batch);
            Ok(())
        } else {
            self.answer(batch).await
        }
    }

    /// Starts dispatching `batch`; it is polled with the others in flight.
    fn dispatch(&mut self, mut batch: Batch) {
        let mut links = HashMap::new();
        for item in &batch.items {
            if let Item::Pending { request, .. } = item {
                let message_id = request.header.message_id;
                let (interim, handle) = Interim::attached(message_id, self.interim_tx.clone());
                self.flights.insert(message_id, handle);
                links.insert(message_id, interim);
            }
        }
        let dispatcher = self.dispatcher.clone();
        let id = self.id;
        self.tasks.push(Box::pin(async move {
            dispatcher
                .dispatch_batch_with(id, &mut batch, |message_id| {
                    links.get(&message_id).cloned().unwrap_or_default()
                })
                .await;
            batch
        }));
    }

    /// Answers a batch that is complete.
    async fn answer(&mut self, batch: Batch) -> Result<(), String> {
        for item in &batch.items {
            if let Item::Pending { request, .. } = item {
                self.flights.remove(&request.header.message_id);
            }
        }
        // TREE_DISCONNECT and LOGOFF are answered by the session layer (Done
        // items); the opens of the trees they dropped are closed once no
        // batch holds those trees any more: now, and as the batches in
        // flight then complete.
        let session_answered = batch.items.iter().any(|i| matches!(i, Item::Done(_)));
        let answer = self.connection.respond(batch);
        if session_answered {
            self.sweeps_owed = if self.tasks.is_empty() {
                1
            } else {
                SWEEPS_OWED
            };
        }
        if self.sweeps_owed > 0 {
            self.sweeps_owed = if self.tasks.is_empty() {
                0
            } else {
                self.sweeps_owed.saturating_sub(1)
            };
            self.dispatcher.sweep(self.id).await;
        }
        match answer.map_err(|d| d.reason)? {
            Some(bytes) => self.send(bytes).await,
            None => Ok(()),
        }
    }

    /// Ends `previous` if this connection holds it (a LOGOFF in effect):
    /// cancels its requests in flight and closes the opens of its trees.
    /// Returns whether it was here.
    async fn end_previous(&mut self, previous: &PreviousSession) -> bool {
        let Some(cancelled) = self.connection.end_previous_session(previous) else {
            return false;
        };
        for message_id in cancelled {
            if let Some(handle) = self.flights.get(&message_id) {
                handle.close();
            }
        }
        self.sweeps_owed = if self.tasks.is_empty() {
            0
        } else {
            SWEEPS_OWED
        };
        let closed = self.dispatcher.sweep(self.id).await;
        tracing::debug!(session = previous.id, closed, "previous session ended");
        true
    }

    /// A handler went async.
    async fn event(&mut self, event: DriverEvent) -> Result<(), String> {
        match event {
            DriverEvent::Interim(message_id) => self.interim(message_id).await,
            DriverEvent::Chain { answered, interim } => {
                // The chain's answers so far, then the interim response.
                self.answer(answered).await?;
                self.interim(interim).await
            }
            other => {
                tracing::debug!(?other, "unknown driver event");
                Ok(())
            }
        }
    }

    /// Sends the interim response of `message_id`.
    async fn interim(&mut self, message_id: u64) -> Result<(), String> {
        match self.connection.interim(message_id).map_err(|d| d.reason)? {
            Some(bytes) => self.send(bytes).await,
            None => Ok(()),
        }
    }

    /// A notification queued for this connection.
    async fn notify(&mut self, note: &Notification) -> Result<(), String> {
        match self
            .connection
            .notification(note.session_id, note.command, &note.body, note.encrypt)
        {
            Ok(bytes) => self.send(bytes).await,
            Err(e) => {
                // A break for a session that went: nothing to tell.
                tracing::debug!(reason = %e.reason, "notification not sent");
                Ok(())
            }
        }
    }

    async fn send(&mut self, bytes: Vec<u8>) -> Result<(), String> {
        self.out
            .send(bytes)
            .await
            .map_err(|_| "writer stopped".to_owned())
    }

    /// The connection ends: cancel what is in flight, let it answer for a
    /// moment (the answers still go out if the writer takes them), abort
    /// the rest, close the connection's opens.
    async fn finish(mut self) {
        let in_flight = self.tasks.len();
        self.flights.clear();
        let out = self.out.clone();
        let connection = &mut self.connection;
        let tasks = &mut self.tasks;
        let drain = async {
            while let Some(batch) = tasks.next().await {
                if let Ok(Some(bytes)) = connection.respond(batch) {
                    let _ = out.try_send(bytes);
                }
            }
        };
        if tokio::time::timeout(CANCEL_GRACE, drain).await.is_err() {
            tracing::debug!(
                in_flight,
                "requests did not answer their cancellation in time"
            );
            self.tasks.clear();
        }
        drop(self.connection);
        let closed = self.dispatcher.close_connection(self.id).await;
        if closed > 0 {
            tracing::debug!(closed, "closed the connection's open files");
        }
    }
}
