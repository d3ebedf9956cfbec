//! Command handlers, one module per command as they arrive.
//!
//! This round every file command is answered by [`NotSupported`]; the real
//! handlers (CREATE, READ, …) join here next to it, each a
//! [`tower::Service`] over [`Request`](crate::Request).

mod not_supported;

pub use not_supported::NotSupported;
