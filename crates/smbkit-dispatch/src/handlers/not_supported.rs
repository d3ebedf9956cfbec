//! The honest answer for a command that has no handler yet.

use core::convert::Infallible;
use core::future::{Ready, ready};
use core::task::{Context, Poll};

use smbkit_wire::{Command, NtStatus};
use tower::Service;

use crate::{Call, Response};

/// Answers every request with `STATUS_NOT_SUPPORTED` (and the ERROR body
/// the session layer adds to an empty body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotSupported {
    command: Command,
}

impl NotSupported {
    /// The placeholder service for `command` (the command only shows in logs).
    #[must_use]
    pub fn new(command: Command) -> NotSupported {
        NotSupported { command }
    }

    /// The command this placeholder stands in for.
    #[must_use]
    pub fn command(&self) -> Command {
        self.command
    }
}

impl Service<Call> for NotSupported {
    type Response = Response;
    type Error = Infallible;
    type Future = Ready<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> Self::Future {
        tracing::debug!(
            command = %self.command,
            message_id = call.request.header.message_id,
            "no handler yet: STATUS_NOT_SUPPORTED"
        );
        ready(Ok(Response::error(NtStatus::NOT_SUPPORTED)))
    }
}
