//! Error types.

use crate::Cipher;

/// Creating an [`EncryptionKey`](crate::EncryptionKey) or
/// [`DecryptionKey`](crate::DecryptionKey) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key length does not match the cipher (16 bytes for AES-128,
    /// 32 for AES-256).
    #[error("{cipher} needs a {expected}-byte key, got {actual} bytes")]
    WrongKeyLength {
        /// The cipher the key was meant for.
        cipher: Cipher,
        /// `cipher.key_len()`.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
    /// The operating system's random number generator failed while choosing
    /// the nonce salt.
    #[error("the system random number generator failed")]
    Random,
}

/// Sealing (encrypting) a message failed. Nothing was sent; the key is still
/// usable unless the error is [`SealError::NonceExhausted`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The header buffer is not exactly
    /// [`TRANSFORM_HEADER_LEN`](crate::TRANSFORM_HEADER_LEN) bytes.
    #[error("transform header buffer is {actual} bytes, must be exactly 52")]
    HeaderLength {
        /// The length that was given.
        actual: usize,
    },
    /// The frame is too short to hold the 52-byte header.
    #[error("frame of {actual} bytes has no room for the 52-byte transform header")]
    FrameTooShort {
        /// The frame length that was given.
        actual: usize,
    },
    /// There is no message to seal (an SMB2 message is never empty, and a
    /// receiver refuses an empty encrypted message).
    #[error("cannot seal an empty message")]
    EmptyMessage,
    /// The message does not fit the 32-bit OriginalMessageSize field.
    #[error("message of {len} bytes does not fit OriginalMessageSize (u32)")]
    MessageTooLarge {
        /// The message length.
        len: usize,
    },
    /// The key's nonce counter reached its limit; the key must not be used
    /// any more (the session has to be re-established).
    #[error("nonce counter exhausted: this encryption key must not seal any more messages")]
    NonceExhausted,
    /// The AEAD implementation refused the input.
    #[error("the AEAD refused to encrypt the message")]
    Encrypt,
}

/// Parsing a transform header or unsealing (decrypting) a message failed.
/// Each variant names the check that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnsealError {
    /// Fewer than 52 bytes where a transform header was expected.
    #[error("truncated transform header: {actual} bytes, need 52")]
    TruncatedHeader {
        /// The number of bytes present.
        actual: usize,
    },
    /// [`DecryptionKey::unseal_in_place`](crate::DecryptionKey::unseal_in_place)
    /// was given a header slice longer than 52 bytes.
    #[error("transform header slice is {actual} bytes, must be exactly 52")]
    HeaderTooLong {
        /// The length that was given.
        actual: usize,
    },
    /// The ProtocolId is not `0xFD 'S' 'M' 'B'`.
    #[error("bad transform ProtocolId {found:02x?}, expected [fd, 53, 4d, 42]")]
    BadProtocolId {
        /// The four bytes found.
        found: [u8; 4],
    },
    /// Flags / EncryptionAlgorithm is not 0x0001.
    #[error("transform Flags/EncryptionAlgorithm is {found:#06x}, expected 0x0001")]
    BadFlags {
        /// The value found.
        found: u16,
    },
    /// OriginalMessageSize differs from the number of message bytes present.
    #[error("OriginalMessageSize says {declared} bytes but {actual} bytes follow the header")]
    SizeMismatch {
        /// OriginalMessageSize from the header.
        declared: u32,
        /// The number of encrypted bytes present.
        actual: usize,
    },
    /// OriginalMessageSize is zero and no message follows.
    #[error("empty encrypted message")]
    EmptyMessage,
    /// The tag (header Signature) does not authenticate the header and
    /// ciphertext under this key: wrong key, or tampered or corrupted data.
    /// The message buffer has been zeroed.
    #[error("authentication failed: the transform Signature does not match")]
    AuthenticationFailed,
}
