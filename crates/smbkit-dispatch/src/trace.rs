//! One tracing span per request.

use core::convert::Infallible;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use tower::{Layer, Service};
use tracing::Instrument;

use crate::{Call, Request, Response};

/// A [`Layer`] that runs each request inside a `request` span carrying the
/// command, MessageId, SessionId and TreeId, and logs the answer's status at
/// debug level. It never changes the response.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer;

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Trace<S> {
        Trace { inner }
    }
}

/// The service [`TraceLayer`] makes.
#[derive(Debug, Clone)]
pub struct Trace<S> {
    inner: S,
}

impl<S> Trace<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Trace<S> {
        Trace { inner }
    }

    /// The wrapped service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

/// The span for `request`.
pub fn request_span(request: &Request) -> tracing::Span {
    let span = tracing::info_span!(
        "request",
        command = %request.header.command,
        message_id = request.header.message_id,
        session = request.session.id,
        tree = tracing::field::Empty,
        related = request.related,
        connection = tracing::field::Empty,
    );
    if let Some(tree) = &request.tree {
        span.record("tree", tree.id);
    }
    span
}

impl<S> Service<Call> for Trace<S>
where
    S: Service<Call, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let span = request_span(&call.request);
        span.record("connection", call.connection);
        let future = {
            let _entered = span.enter();
            self.inner.call(call)
        };
        Box::pin(
            async move {
                let result = future.await;
                if let Ok(response) = &result {
                    tracing::debug!(status = %response.status, body_len = response.body.len(), "answered");
                }
                result
            }
            .instrument(span),
        )
    }
}
