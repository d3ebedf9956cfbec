#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub mod codec;
mod context;
pub mod error;
pub mod header;
mod output;
mod simple;
pub mod status;

pub mod cancel;
pub mod change_notify;
pub mod close;
pub mod create;
pub mod echo;
pub mod error_response;
pub mod flush;
pub mod fscc;
pub mod fsctl;
pub mod ioctl;
pub mod lock;
pub mod logoff;
pub mod negotiate;
pub mod oplock_break;
pub mod query_directory;
pub mod query_info;
pub mod read;
pub mod session_setup;
pub mod set_info;
pub mod smb1;
pub mod tree_connect;
pub mod tree_disconnect;
pub mod write;

pub use codec::{FileId, Guid, Pdu, Reader, U16List, WireBuf, Writer};
pub use error::WireError;
pub use header::{Command, Header, HeaderFlags, HeaderId, split_compound};
pub use status::NtStatus;
