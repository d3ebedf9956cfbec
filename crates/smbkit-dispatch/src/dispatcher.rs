//! Routing a request to the service for its command, and running a whole
//! batch (related compounds) through the routes.

use core::convert::Infallible;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use smbkit_session::{Batch, Item};
use smbkit_vfs::Vfs;
use smbkit_wire::{Command, FileId, NtStatus};
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceExt};

use crate::files::{FileServer, NoStorage};
use crate::handlers::{FileHandler, NotSupported};
use crate::interim::{DriverEvent, Interim};
use crate::outbound::Notifier;
use crate::{Request, Response};

/// What a route receives: the request and the connection it came on.
///
/// The connection id owns the opens a CREATE makes, so that they are
/// closed with the connection ([`Dispatcher::close_connection`]) and are
/// not usable from another connection.
#[derive(Debug, Clone)]
pub struct Call {
    /// The request, with the FileId of a related compound request already
    /// replaced by the inherited one (see [`Dispatcher::dispatch_batch`]).
    pub request: Request,
    /// The connection id from [`Dispatcher::connection_id`] (0 for calls
    /// made outside a connection, e.g. in tests).
    pub connection: u64,
    /// How the handler goes async and learns of a CANCEL (detached for
    /// calls made outside a connection driver).
    pub interim: Interim,
}

impl Call {
    /// A call on connection `connection`, with a detached [`Interim`].
    #[must_use]
    pub fn new(request: Request, connection: u64) -> Call {
        Call {
            request,
            connection,
            interim: Interim::detached(),
        }
    }

    /// The same call with `interim` as its link to the driver.
    #[must_use]
    pub fn with_interim(mut self, interim: Interim) -> Call {
        self.interim = interim;
        self
    }
}

/// A type-erased, cloneable per-command service.
pub type Route = BoxCloneSyncService<Call, Response, Infallible>;

/// The future a [`Dispatcher`] returns.
pub type DispatchFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// The commands the dispatch layer serves: every file command.
///
/// NEGOTIATE, SESSION_SETUP, LOGOFF, TREE_CONNECT, TREE_DISCONNECT, ECHO
/// and CANCEL are answered inside `smbkit-session` and never reach dispatch.
pub const FILE_COMMANDS: [Command; 12] = [
    Command::CREATE,
    Command::CLOSE,
    Command::FLUSH,
    Command::READ,
    Command::WRITE,
    Command::LOCK,
    Command::IOCTL,
    Command::QUERY_DIRECTORY,
    Command::CHANGE_NOTIFY,
    Command::QUERY_INFO,
    Command::SET_INFO,
    Command::OPLOCK_BREAK,
];

/// The commands with a handler over the storage: every file command.
pub const HANDLED_COMMANDS: [Command; 12] = [
    Command::CREATE,
    Command::CLOSE,
    Command::FLUSH,
    Command::READ,
    Command::WRITE,
    Command::LOCK,
    Command::IOCTL,
    Command::QUERY_DIRECTORY,
    Command::CHANGE_NOTIFY,
    Command::QUERY_INFO,
    Command::SET_INFO,
    Command::OPLOCK_BREAK,
];

/// A route that cannot be installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The command is answered by the session layer, so a route for it would
    /// never run.
    #[error("{0} is answered by the session layer, not by dispatch")]
    SessionCommand(Command),
}

/// Routes each [`Call`] to the service for its command, and owns the file
/// server (shares over `V` and the open table) when there is one.
///
/// The dispatcher is itself a `tower::Service<Call>` whose error type is
/// [`Infallible`]: every failure is an NTSTATUS in the [`Response`]. Cloning
/// is cheap (the route table and the file server are shared), so each
/// connection holds its own clone.
///
/// A command without a route gets `STATUS_NOT_SUPPORTED` when it is a known
/// command and `STATUS_INVALID_PARAMETER` when the code is unknown
/// (MS-SMB2 3.3.5.2).
pub struct Dispatcher<V: Vfs = NoStorage> {
    routes: Arc<HashMap<Command, Route>>,
    files: Option<Arc<FileServer<V>>>,
    connections: Arc<AtomicU64>,
    notifier: Notifier,
}

impl<V: Vfs> Clone for Dispatcher<V> {
    fn clone(&self) -> Self {
        Dispatcher {
            routes: Arc::clone(&self.routes),
            files: self.files.clone(),
            connections: Arc::clone(&self.connections),
            notifier: self.notifier.clone(),
        }
    }
}

impl<V: Vfs> fmt::Debug for Dispatcher<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut commands: Vec<Command> = self.routes.keys().copied().collect();
        commands.sort();
        f.debug_struct("Dispatcher")
            .field("routes", &commands)
            .field("files", &self.files)
            .finish()
    }
}

impl Default for Dispatcher<NoStorage> {
    fn default() -> Self {
        Dispatcher::new()
    }
}

impl Dispatcher<NoStorage> {
    /// A dispatcher without storage: every file command routed to
    /// [`NotSupported`].
    #[must_use]
    pub fn new() -> Dispatcher<NoStorage> {
        Dispatcher::builder().build()
    }

    /// A builder without storage that starts with [`NotSupported`] for every
    /// file command.
    #[must_use]
    pub fn builder() -> DispatcherBuilder<NoStorage> {
        let mut routes = HashMap::new();
        for command in FILE_COMMANDS {
            routes.insert(command, Route::new(NotSupported::new(command)));
        }
        DispatcherBuilder {
            routes,
            files: None,
        }
    }
}

impl<V: Vfs> Dispatcher<V> {
    /// A builder over `files`: the handlers of [`HANDLED_COMMANDS`] are
    /// routed to it, the other file commands to [`NotSupported`].
    #[must_use]
    pub fn with_files(files: FileServer<V>) -> DispatcherBuilder<V> {
        let files = Arc::new(files);
        let mut routes = HashMap::new();
        for command in FILE_COMMANDS {
            routes.insert(command, Route::new(NotSupported::new(command)));
        }
        for command in HANDLED_COMMANDS {
            routes.insert(command, Route::new(FileHandler::new(Arc::clone(&files))));
        }
        DispatcherBuilder {
            routes,
            files: Some(files),
        }
    }

    /// Whether `command` has a route.
    #[must_use]
    pub fn routes(&self, command: Command) -> bool {
        self.routes.contains_key(&command)
    }

    /// The file server, if the dispatcher has one.
    #[must_use]
    pub fn files(&self) -> Option<&Arc<FileServer<V>>> {
        self.files.as_ref()
    }

    /// A fresh connection id (never 0) for [`Call::connection`] and
    /// [`dispatch_batch`](Self::dispatch_batch).
    #[must_use]
    pub fn connection_id(&self) -> u64 {
        self.connections
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1)
    }

    /// The table of live connections' notification queues: the driver
    /// registers each connection, and code that must send a break queues it
    /// there. [`close_connection`](Self::close_connection) unregisters.
    #[must_use]
    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    /// Runs one request outside any connection (connection id 0).
    pub fn dispatch(&self, request: Request) -> DispatchFuture {
        self.call_route(Call::new(request, 0))
    }

    /// Runs one call through its route.
    pub fn call_route(&self, call: Call) -> DispatchFuture {
        let command = call.request.header.command;
        match self.routes.get(&command) {
            Some(route) => {
                let route = route.clone();
                Box::pin(route.oneshot(call))
            }
            None => {
                let status = if command.name().is_some() {
                    // A known command that the session layer should have
                    // answered; say so plainly rather than guess.
                    tracing::warn!(%command, "command reached dispatch without a route");
                    NtStatus::NOT_SUPPORTED
                } else {
                    NtStatus::INVALID_PARAMETER
                };
                Box::pin(core::future::ready(Ok(Response::error(status))))
            }
        }
    }

    /// Answers every [`Item::Pending`] of `batch`, in order, for connection
    /// `connection`.
    ///
    /// Related compounds (MS-SMB2 3.3.5.2.7.2): a related request whose
    /// FileId is `{0xFFFF…FF, 0xFFFF…FF}` gets the FileId of the previous
    /// request of the chain that produced one (the CREATE) or used one; when
    /// the chain has none the placeholder stays and the handler answers
    /// STATUS_FILE_CLOSED. After a failed CREATE the following related
    /// requests are not run and get the CREATE's status. An unrelated
    /// request starts afresh.
    ///
    /// Every call gets a detached [`Interim`]; the connection driver uses
    /// [`dispatch_batch_with`](Self::dispatch_batch_with).
    pub async fn dispatch_batch(&self, connection: u64, batch: &mut Batch) {
        self.dispatch_batch_with(connection, batch, |_| Interim::detached())
            .await;
    }

    /// [`dispatch_batch`](Self::dispatch_batch), giving each request the
    /// [`Interim`] `interim(message_id)` returns.
    ///
    /// In a compound chain only the last request may go async: when it
    /// does, the requests before it are split off the batch
    /// ([`Batch::take_front`]) and handed to the driver with
    /// [`DriverEvent::Chain`], which answers them at once and then sends the
    /// interim response; the batch keeps the last request alone. A request
    /// inside the chain (other than a CREATE, which may wait for a break)
    /// that calls `go_async` is cancelled at once and answered
    /// STATUS_INTERNAL_ERROR, as Windows and Samba answer (MS-SMB2 <206> on
    /// 3.3.5.2.7; smbtorture smb2.compound.interim1/2/3).
    pub async fn dispatch_batch_with(
        &self,
        connection: u64,
        batch: &mut Batch,
        interim: impl Fn(u64) -> Interim,
    ) {
        let mut inherited: Option<FileId> = None;
        let mut failed: Option<NtStatus> = None;
        let chain = batch.items.len() > 1;
        let mut index = 0usize;
        while index < batch.items.len() {
            let here = index;
            index = index.saturating_add(1);
            let last = index == batch.items.len();
            let Some(Item::Pending { request, response }) = batch.items.get_mut(here) else {
                continue;
            };
            if !request.related {
                inherited = None;
                failed = None;
            } else if let Some(status) = failed {
                *response = Some(Response::error(status));
                continue;
            }
            let command = request.header.command;
            let mut request = request.clone();
            if request.related
                && let Some(id) = inherited
            {
                crate::related::substitute_file_id(&mut request, id);
            }
            let used = crate::related::request_file_id(&request);
            let message_id = request.header.message_id;
            let base = interim(message_id);
            // Inside a compound chain only a CREATE (waiting for a break)
            // may go async; the last request may, after the answers before
            // it went out (MS-SMB2 3.3.4.2, <206> on 3.3.5.2.7).
            let refused = chain && !last && command != Command::CREATE;
            let mut split = None;
            let link = if refused {
                base.refused()
            } else if chain
                && last
                && here > 0
                && let Some(driver) = base.driver()
            {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                split = Some((rx, driver.clone()));
                base.chained(tx)
            } else {
                base
            };
            let watch = link.clone();
            let mut moved = false;
            let future = self.call_route(Call::new(request, connection).with_interim(link));
            let result = match split {
                None => future.await,
                Some((mut went_async, driver)) => {
                    let mut future = core::pin::pin!(future);
                    let early = core::future::poll_fn(|cx| {
                        if let Poll::Ready(answer) = future.as_mut().poll(cx) {
                            return Poll::Ready(Some(answer));
                        }
                        match went_async.poll_recv(cx) {
                            Poll::Ready(Some(())) => Poll::Ready(None),
                            _ => Poll::Pending,
                        }
                    })
                    .await;
                    match early {
                        Some(answer) => answer,
                        None => {
                            let answered = batch.take_front(here);
                            index = batch.items.len();
                            moved = true;
                            let _ = driver.send(DriverEvent::Chain {
                                answered,
                                interim: message_id,
                            });
                            future.await
                        }
                    }
                }
            };
            let mut answer = match result {
                Ok(answer) => answer,
                Err(never) => match never {},
            };
            if refused && watch.went_async() {
                tracing::debug!(%command, "a request inside a compound chain tried to go async");
                answer = Response::error(NtStatus::INTERNAL_ERROR);
            }
            if command == Command::CREATE {
                if answer.status.is_error() {
                    failed = Some(answer.status);
                    inherited = None;
                } else {
                    inherited = crate::related::create_response_file_id(&answer.body);
                }
            } else if let Some(id) = used.filter(|id| *id != FileId::ANY) {
                inherited = Some(id);
            }
            // After a split the request is the only item left.
            let slot = if moved {
                batch.items.last_mut()
            } else {
                batch.items.get_mut(here)
            };
            if let Some(Item::Pending { response, .. }) = slot {
                *response = Some(answer);
            }
        }
    }

    /// Closes the opens of `connection` whose tree connect is gone (after a
    /// TREE_DISCONNECT or LOGOFF answered by the session layer). Call it
    /// after each batch has been handed back to the connection. Returns the
    /// number closed.
    pub async fn sweep(&self, connection: u64) -> usize {
        match &self.files {
            Some(files) => files.close_orphans(connection).await,
            None => 0,
        }
    }

    /// Closes every open of `connection` (the connection is gone) and
    /// drops its notification queue. Returns the number of opens closed.
    pub async fn close_connection(&self, connection: u64) -> usize {
        self.notifier.unregister(connection);
        match &self.files {
            Some(files) => files.close_connection(connection).await,
            None => 0,
        }
    }
}

impl<V: Vfs> Service<Call> for Dispatcher<V> {
    type Response = Response;
    type Error = Infallible;
    type Future = DispatchFuture;

    /// Always ready: each call drives its own clone of the route.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> DispatchFuture {
        self.call_route(call)
    }
}

/// Builds a [`Dispatcher`]: install a service per command, then wrap every
/// route in the same layers.
pub struct DispatcherBuilder<V: Vfs = NoStorage> {
    routes: HashMap<Command, Route>,
    files: Option<Arc<FileServer<V>>>,
}

impl<V: Vfs> fmt::Debug for DispatcherBuilder<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut commands: Vec<Command> = self.routes.keys().copied().collect();
        commands.sort();
        f.debug_struct("DispatcherBuilder")
            .field("routes", &commands)
            .finish_non_exhaustive()
    }
}

/// Commands the session layer answers itself.
const SESSION_COMMANDS: [Command; 7] = [
    Command::NEGOTIATE,
    Command::SESSION_SETUP,
    Command::LOGOFF,
    Command::TREE_CONNECT,
    Command::TREE_DISCONNECT,
    Command::ECHO,
    Command::CANCEL,
];

impl<V: Vfs> DispatcherBuilder<V> {
    /// Installs (or replaces) the service for `command`.
    pub fn route<S>(mut self, command: Command, service: S) -> Result<Self, RouteError>
    where
        S: Service<Call, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
        S::Future: Send + 'static,
    {
        if SESSION_COMMANDS.contains(&command) {
            return Err(RouteError::SessionCommand(command));
        }
        self.routes.insert(command, Route::new(service));
        Ok(self)
    }

    /// Wraps every route installed so far in `layer` (call it after the
    /// routes, once per layer; the last layer added is the outermost).
    #[must_use]
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: tower::Layer<Route>,
        L::Service:
            Service<Call, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
        <L::Service as Service<Call>>::Future: Send + 'static,
    {
        for route in self.routes.values_mut() {
            let inner = route.clone();
            *route = Route::new(layer.layer(inner));
        }
        self
    }

    /// The dispatcher.
    #[must_use]
    pub fn build(self) -> Dispatcher<V> {
        // The file server queues its oplock breaks in the same table.
        let notifier = self
            .files
            .as_ref()
            .map(|f| f.notifier.clone())
            .unwrap_or_default();
        Dispatcher {
            routes: Arc::new(self.routes),
            files: self.files,
            connections: Arc::new(AtomicU64::new(0)),
            // The file server queues its oplock breaks in the same table.
            notifier,
        }
    }
}
