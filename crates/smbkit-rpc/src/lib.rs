#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod cursor;
mod error;
mod info;
pub mod ndr;
pub mod pdu;
mod pipe;
pub mod srvsvc;
pub mod werror;
pub mod wkssvc;

pub use error::{CallError, NdrError, PduError, RpcError};
pub use info::{
    PLATFORM_ID_NT, STYPE_DISKTREE, STYPE_IPC, STYPE_SPECIAL, SV_TYPE_NT, SV_TYPE_SERVER,
    SV_TYPE_SERVER_NT, SV_TYPE_WORKSTATION, ServerInfo, ShareEntry, ShareKind,
};
pub use pipe::{
    ASSOC_GROUP_ID, MAX_CONTEXTS, MAX_FRAG, MAX_QUEUED_OUTPUT, MAX_REQUEST_STUB, MIN_FRAG,
    PipeEndpoint, PipeKind,
};
