#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod algorithm;
mod error;
pub mod gmac;
mod header;
mod signer;

pub use algorithm::SigningAlgorithm;
pub use error::{SignError, VerifyError};
pub use header::{
    FLAGS_SERVER_TO_REDIR, PROTOCOL_ID, SIGNATURE_LEN, SIGNATURE_OFFSET, SMB2_CANCEL,
    SMB2_HEADER_LEN, gmac_nonce,
};
pub use signer::{KEY_LEN, Signer};
