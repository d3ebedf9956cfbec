#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod acceptor;
pub mod client;
mod creds;
mod error;
mod keys;
pub mod krb5;
pub mod ntlm;
pub mod spnego;
mod utf16;

pub use acceptor::{Acceptor, AcceptorConfig, Step};
pub use creds::{CredentialStore, MemoryCredentials, NtHash};
pub use error::{AuthError, DecodeError, NtHashError};
pub use keys::SessionKey;
pub use ntlm::{AuthMechanism, Authenticated, NtlmAcceptor, NtlmConfig};
