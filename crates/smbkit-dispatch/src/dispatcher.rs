//! Routing a request to the service for its command.

use core::convert::Infallible;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::collections::HashMap;
use std::sync::Arc;

use smbkit_wire::{Command, NtStatus};
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceExt};

use crate::handlers::NotSupported;
use crate::{Request, Response};

/// A type-erased, cloneable per-command service.
pub type Route = BoxCloneSyncService<Request, Response, Infallible>;

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

/// A route that cannot be installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The command is answered by the session layer, so a route for it would
    /// never run.
    #[error("{0} is answered by the session layer, not by dispatch")]
    SessionCommand(Command),
}

/// Routes each [`Request`] to the service for its command.
///
/// The dispatcher is itself a `tower::Service<Request>` whose error type is
/// [`Infallible`]: every failure is an NTSTATUS in the [`Response`]. Cloning
/// is cheap (the route table is shared), so each connection holds its own
/// clone.
///
/// A command without a route gets `STATUS_NOT_SUPPORTED` when it is a known
/// command and `STATUS_INVALID_PARAMETER` when the code is unknown
/// (MS-SMB2 3.3.5.2).
///
/// Next round the dispatcher becomes generic over `smbkit_vfs::Vfs`: the
/// builder takes one `Arc<V>` per share and an open table, and the file
/// command handlers are installed with [`DispatcherBuilder::route`] over
/// them. The routing and layering here stay as they are.
#[derive(Clone)]
pub struct Dispatcher {
    routes: Arc<HashMap<Command, Route>>,
}

impl fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut commands: Vec<Command> = self.routes.keys().copied().collect();
        commands.sort();
        f.debug_struct("Dispatcher")
            .field("routes", &commands)
            .finish()
    }
}

impl Default for Dispatcher {
    fn default() -> Self {
        Dispatcher::new()
    }
}

impl Dispatcher {
    /// The dispatcher of this round: every file command routed to
    /// [`NotSupported`].
    #[must_use]
    pub fn new() -> Dispatcher {
        Dispatcher::builder().build()
    }

    /// A builder that starts with [`NotSupported`] for every file command.
    #[must_use]
    pub fn builder() -> DispatcherBuilder {
        let mut routes = HashMap::new();
        for command in FILE_COMMANDS {
            routes.insert(command, Route::new(NotSupported::new(command)));
        }
        DispatcherBuilder { routes }
    }

    /// Whether `command` has a route.
    #[must_use]
    pub fn routes(&self, command: Command) -> bool {
        self.routes.contains_key(&command)
    }

    /// Runs one request through its route.
    pub fn dispatch(&self, request: Request) -> DispatchFuture {
        let command = request.header.command;
        match self.routes.get(&command) {
            Some(route) => {
                let route = route.clone();
                Box::pin(route.oneshot(request))
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
}

impl Service<Request> for Dispatcher {
    type Response = Response;
    type Error = Infallible;
    type Future = DispatchFuture;

    /// Always ready: each call drives its own clone of the route.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> DispatchFuture {
        self.dispatch(request)
    }
}

/// Builds a [`Dispatcher`]: install a service per command, then wrap every
/// route in the same layers.
pub struct DispatcherBuilder {
    routes: HashMap<Command, Route>,
}

impl fmt::Debug for DispatcherBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut commands: Vec<Command> = self.routes.keys().copied().collect();
        commands.sort();
        f.debug_struct("DispatcherBuilder")
            .field("routes", &commands)
            .finish()
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

impl DispatcherBuilder {
    /// Installs (or replaces) the service for `command`.
    pub fn route<S>(mut self, command: Command, service: S) -> Result<Self, RouteError>
    where
        S: Service<Request, Response = Response, Error = Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
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
        L::Service: Service<Request, Response = Response, Error = Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        for route in self.routes.values_mut() {
            let inner = route.clone();
            *route = Route::new(layer.layer(inner));
        }
        self
    }

    /// The dispatcher.
    #[must_use]
    pub fn build(self) -> Dispatcher {
        Dispatcher {
            routes: Arc::new(self.routes),
        }
    }
}
