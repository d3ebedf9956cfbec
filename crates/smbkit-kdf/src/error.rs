//! The crate's error type.

/// Everything that can go wrong while deriving SMB keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KdfError {
    /// The session key handed over by authentication was empty; no key can
    /// be derived from it.
    #[error("the session key is empty")]
    EmptySessionKey,
    /// A key of a length other than 16 or 32 bytes was offered where an
    /// AES-128 or AES-256 key is required.
    #[error("invalid key length {len} (expected 16 or 32 bytes)")]
    InvalidKeyLength {
        /// The length that was offered, in bytes.
        len: usize,
    },
    /// A pre-authentication integrity hash must be exactly 64 bytes.
    #[error("invalid preauth hash length {len} (expected 64 bytes)")]
    InvalidPreauthHashLength {
        /// The length that was offered, in bytes.
        len: usize,
    },
    /// The requested KDF output is longer than the 32-bit counter (or the
    /// 32-bit L field of the SMB form) can describe.
    #[error("KDF output of {len} bytes is too long")]
    OutputTooLong {
        /// The requested output length, in bytes.
        len: usize,
    },
    /// A cipher key was requested for a dialect that has no such cipher:
    /// SMB 2.0.2/2.1 have no encryption, and SMB 3.0/3.0.2 only AES-128-CCM.
    #[error("{cipher:?} encryption keys do not exist in {dialect}")]
    CipherNotInDialect {
        /// The dialect family of the requested derivation.
        dialect: &'static str,
        /// The cipher key length that was requested.
        cipher: crate::CipherKeyLen,
    },
    /// The operation only exists in the SMB 3.x dialect family (for example
    /// deriving a channel signing key for session binding).
    #[error("{what} requires an SMB 3.x dialect")]
    NotSmb3 {
        /// What was asked for.
        what: &'static str,
    },
    /// HMAC-SHA256 refused the key. HMAC accepts keys of any length, so this
    /// is not expected to happen; it exists so that no failure is hidden.
    #[error("HMAC-SHA256 refused the key")]
    PrfKey,
}
