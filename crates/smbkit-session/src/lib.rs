#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod batch;
mod config;
mod connection;
pub mod credits;
mod inflight;
mod negotiate;
mod previous;
mod respond;
mod session;
mod tree;

pub use batch::{Batch, Disconnect, Item, Request, Response, SessionInfo, TreeInfo};
pub use config::{
    Config, DEFAULT_MAX_SIZE, Dialect, EncryptionPolicy, Limits, ParseDialectError, Share,
    SigningPolicy,
};
pub use connection::Connection;
pub use previous::PreviousSession;
pub use respond::NOTIFICATION_MESSAGE_ID;
pub use tree::IPC_SHARE;

pub use smbkit_seal::Cipher;
pub use smbkit_sign::SigningAlgorithm;
