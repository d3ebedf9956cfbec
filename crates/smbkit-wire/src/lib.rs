#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub mod codec;
mod context;
pub mod error;
pub mod header;
mod simple;
pub mod status;

pub mod cancel;
pub mod echo;
pub mod error_response;
pub mod fsctl;
pub mod ioctl;
pub mod logoff;
pub mod negotiate;
pub mod session_setup;
pub mod smb1;
pub mod tree_connect;
pub mod tree_disconnect;

pub use codec::{FileId, Guid, Pdu, Reader, U16List, WireBuf, Writer};
pub use error::WireError;
pub use header::{Command, Header, HeaderFlags, HeaderId, split_compound};
pub use status::NtStatus;
