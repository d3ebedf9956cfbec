#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod cipher;
mod engine;
mod error;
mod header;
mod key;

pub use cipher::Cipher;
pub use error::{KeyError, SealError, UnsealError};
pub use header::{
    TRANSFORM_AAD_LEN, TRANSFORM_FLAG_ENCRYPTED, TRANSFORM_HEADER_LEN, TRANSFORM_NONCE_LEN,
    TRANSFORM_PROTOCOL_ID, TRANSFORM_TAG_LEN, TransformHeader,
};
pub use key::{DecryptionKey, EncryptionKey, NONCE_COUNTER_LEN};

#[cfg(test)]
mod unit_tests;
