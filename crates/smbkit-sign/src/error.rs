//! Error types.

use crate::algorithm::SigningAlgorithm;

/// Why a key or a message could not be used for signing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The key length is not the one the algorithm takes.
    #[error("{algorithm} takes a {expected}-byte key, got {actual} bytes")]
    InvalidKeyLength {
        /// The algorithm the key was meant for.
        algorithm: SigningAlgorithm,
        /// The key length the algorithm takes.
        expected: usize,
        /// The key length given.
        actual: usize,
    },
    /// The message (or the header buffer) is shorter than the 64-byte SMB2 header.
    #[error("message is {len} bytes, shorter than the 64-byte SMB2 header")]
    MessageTooShort {
        /// The length given.
        len: usize,
    },
    /// The message does not start with the SMB2 protocol id `0xFE 'S' 'M' 'B'`.
    #[error("not an SMB2 header: protocol id is {found:02x?}, expected fe 53 4d 42")]
    NotSmb2Header {
        /// The first four bytes of the message.
        found: [u8; 4],
    },
    /// The message is longer than the MAC can take (GMAC: 2^61 - 1 bytes).
    #[error("message too long for the MAC")]
    MessageTooLong,
    /// A signing algorithm id that [MS-SMB2] 2.2.3.1.7 does not define.
    #[error("unknown signing algorithm id {id:#06x}")]
    UnknownAlgorithm {
        /// The id given.
        id: u16,
    },
}

/// Why a message failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The message (or the header buffer) is shorter than the 64-byte SMB2 header.
    #[error("message is {len} bytes, shorter than the 64-byte SMB2 header")]
    MessageTooShort {
        /// The length given.
        len: usize,
    },
    /// The message does not start with the SMB2 protocol id `0xFE 'S' 'M' 'B'`.
    #[error("not an SMB2 header: protocol id is {found:02x?}, expected fe 53 4d 42")]
    NotSmb2Header {
        /// The first four bytes of the message.
        found: [u8; 4],
    },
    /// The message is longer than the MAC can take (GMAC: 2^61 - 1 bytes).
    #[error("message too long for the MAC")]
    MessageTooLong,
    /// The signature field does not match the message.
    #[error("bad signature")]
    BadSignature,
}

/// A failure shared by signing and verifying: the bytes are not a message
/// the MAC can run over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    TooShort { len: usize },
    NotSmb2 { found: [u8; 4] },
    TooLong,
}

impl From<Malformed> for SignError {
    fn from(e: Malformed) -> Self {
        match e {
            Malformed::TooShort { len } => Self::MessageTooShort { len },
            Malformed::NotSmb2 { found } => Self::NotSmb2Header { found },
            Malformed::TooLong => Self::MessageTooLong,
        }
    }
}

impl From<Malformed> for VerifyError {
    fn from(e: Malformed) -> Self {
        match e {
            Malformed::TooShort { len } => Self::MessageTooShort { len },
            Malformed::NotSmb2 { found } => Self::NotSmb2Header { found },
            Malformed::TooLong => Self::MessageTooLong,
        }
    }
}
