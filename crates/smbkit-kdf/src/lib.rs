#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod error;
pub mod kbkdf;
mod key;
pub mod labels;
mod preauth;
mod session;

pub use error::KdfError;
pub use key::{CipherKeyLen, SecretKey};
pub use labels::KeyPurpose;
pub use preauth::{PreauthHash, PreauthIntegrity};
pub use session::{Derivation, Role, SessionKeys, channel_signing_key};
