//! Command handlers, one module per command.
//!
//! [`FileHandler`] is the `tower::Service` installed for every command in
//! [`HANDLED_COMMANDS`](crate::HANDLED_COMMANDS); it looks at the command
//! and runs that command's module over the [`FileServer`].

mod access;
pub(crate) mod change_notify;
mod close;
pub(crate) mod create;
mod dirlease;
mod ea;
mod flush;
pub(crate) mod ioctl;
mod lock;
mod not_supported;
pub(crate) mod oplock_break;
mod pipe;
mod query_directory;
mod query_fs;
mod query_info;
mod read;
mod security;
mod set_info;
mod wildcard;
mod write;

use core::convert::Infallible;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;

use smbkit_session::TreeInfo;
use smbkit_vfs::Vfs;
use smbkit_wire::{Command, NtStatus, WireError};
use tower::Service;

use crate::files::FileServer;
use crate::{Call, Response};

pub use not_supported::NotSupported;
pub use wildcard::matches as wildcard_matches;

/// What a handler returns: a response, or the status of an error response.
pub(crate) type Answer = Result<Response, NtStatus>;

/// AllocationSize and EndOfFile as SMB reports them: a directory has no
/// data, so both are 0 whatever the file system says about its blocks.
pub(crate) fn reported_sizes(info: &smbkit_vfs::FileInfo) -> (u64, u64) {
    if info.is_dir {
        (0, 0)
    } else {
        (info.allocation_size, info.size)
    }
}

/// The service that runs the file-command handlers over one
/// [`FileServer`].
pub struct FileHandler<V> {
    server: Arc<FileServer<V>>,
}

impl<V> Clone for FileHandler<V> {
    fn clone(&self) -> Self {
        FileHandler {
            server: Arc::clone(&self.server),
        }
    }
}

impl<V> core::fmt::Debug for FileHandler<V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FileHandler").finish_non_exhaustive()
    }
}

impl<V: Vfs> FileHandler<V> {
    /// The handlers over `server`.
    #[must_use]
    pub fn new(server: Arc<FileServer<V>>) -> FileHandler<V> {
        FileHandler { server }
    }
}

impl<V: Vfs> Service<Call> for FileHandler<V> {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let server = Arc::clone(&self.server);
        Box::pin(async move { Ok(handle(&server, &call).await) })
    }
}

/// Runs the handler for the call's command.
async fn handle<V: Vfs>(server: &Arc<FileServer<V>>, call: &Call) -> Response {
    let answer = match call.request.header.command {
        Command::CREATE => create::handle(server, call).await,
        Command::CLOSE => close::handle(server, call).await,
        Command::FLUSH => flush::handle(server, call).await,
        Command::READ => read::handle(server, call).await,
        Command::WRITE => write::handle(server, call).await,
        Command::LOCK => lock::handle(server, call).await,
        Command::IOCTL => ioctl::handle(server, call).await,
        Command::QUERY_DIRECTORY => query_directory::handle(server, call).await,
        Command::QUERY_INFO => query_info::handle(server, call).await,
        Command::SET_INFO => set_info::handle(server, call).await,
        Command::OPLOCK_BREAK => oplock_break::handle(server, call).await,
        Command::CHANGE_NOTIFY => change_notify::handle(server, call).await,
        _ => Err(NtStatus::NOT_SUPPORTED),
    };
    match answer {
        Ok(response) => response,
        Err(status) => {
            tracing::debug!(%status, "request failed");
            Response::error(status)
        }
    }
}

/// The status for a body that does not decode (mostly INVALID_PARAMETER).
pub(crate) fn malformed(e: &WireError) -> NtStatus {
    tracing::debug!(error = %e, "malformed request body");
    e.status()
}

/// The tree of a tree-bound request (the session layer always sets it).
pub(crate) fn tree(call: &Call) -> Result<&Arc<TreeInfo>, NtStatus> {
    call.request
        .tree
        .as_ref()
        .ok_or(NtStatus::NETWORK_NAME_DELETED)
}

/// A body encoder failed (a length that does not fit its field).
pub(crate) fn encode_failed(e: &WireError) -> NtStatus {
    tracing::warn!(error = %e, "encoding a response failed");
    NtStatus::INTERNAL_ERROR
}
