#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod dispatcher;
mod files;
pub mod handlers;
mod interim;
mod outbound;
mod related;
mod trace;

pub use dispatcher::{
    Call, DispatchFuture, Dispatcher, DispatcherBuilder, FILE_COMMANDS, HANDLED_COMMANDS, Route,
    RouteError,
};
pub use files::{DEFAULT_SERVER_NAME, FileServer, Limits, NoStorage, Share};
pub use interim::{CancelHandle, DriverEvent, Interim};
pub use outbound::{NOTIFICATION_QUEUE, Notification, Notifier, NotifyError};
pub use smbkit_session::{Request, Response, SessionInfo, TreeInfo};
pub use smbkit_state::DEFAULT_MAX_OPENS_PER_CONNECTION;
pub use smbkit_vfs;
pub use trace::{Trace, TraceLayer, request_span};
