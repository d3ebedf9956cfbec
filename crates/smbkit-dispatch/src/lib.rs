#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod dispatcher;
pub mod handlers;
mod trace;

pub use dispatcher::{
    DispatchFuture, Dispatcher, DispatcherBuilder, FILE_COMMANDS, Route, RouteError,
};
pub use smbkit_session::{Request, Response, SessionInfo, TreeInfo};
pub use trace::{Trace, TraceLayer, request_span};
