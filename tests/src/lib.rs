//! Workspace-level end-to-end tests live in `tests/tests/`; this library
//! holds what they share: [`client`], a small SMB client over a real socket
//! that can also send bytes no honest client would.

pub mod client;
pub mod load;
pub mod ops;
pub mod soak;
