//! Error types.

use thiserror::Error;

/// A token or message could not be decoded. Every variant means "the peer sent
/// bytes we cannot accept"; the session layer answers `STATUS_INVALID_PARAMETER`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before a fixed-size field or a declared length.
    #[error("input truncated")]
    Truncated,
    /// The message does not start with `NTLMSSP\0`.
    #[error("missing NTLMSSP signature")]
    BadSignature,
    /// The NTLM MessageType is not the expected one.
    #[error("unexpected NTLM message type {0}")]
    UnexpectedMessageType(u32),
    /// A payload field (length, offset) points outside the message.
    #[error("NTLM field {0} points outside the message")]
    FieldOutOfBounds(&'static str),
    /// A string field is not valid UTF-16LE.
    #[error("NTLM field {0} is not valid UTF-16LE")]
    InvalidUtf16(&'static str),
    /// The AV pair list is malformed (truncated pair, no MsvAvEOL, too many pairs).
    #[error("malformed AV pair list")]
    AvPairs,
    /// The NTLMv2 response is too short to hold its fixed fields.
    #[error("malformed NTLMv2 response")]
    NtlmV2Response,
    /// The DER is malformed (indefinite length, long tag, bad length, trailing bytes).
    #[error("malformed DER: {0}")]
    Der(&'static str),
    /// The DER is fine but the SPNEGO structure is not.
    #[error("malformed SPNEGO token: {0}")]
    Spnego(&'static str),
    /// The token is larger than we accept.
    #[error("token too large")]
    TooLarge,
}

/// Why an authentication step failed.
///
/// Each variant documents the NTSTATUS the session layer sends (also returned by
/// [`AuthError::ntstatus`]). After any error the acceptor is finished: further
/// steps return [`AuthError::Finished`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Unknown user, wrong password, bad NTProofStr, bad MIC or bad mechListMIC.
    /// Deliberately one variant, so the client cannot tell which.
    /// `STATUS_LOGON_FAILURE` (0xC000006D).
    #[error("logon failure")]
    LogonFailure,
    /// The client answered with NTLMv1 (24-byte NT response) or LM only; we accept
    /// NTLMv2 only. `STATUS_LOGON_FAILURE` (0xC000006D).
    #[error("NTLMv1 and LM responses are refused")]
    InsecureResponse,
    /// An anonymous sign-in while the acceptor does not allow it.
    /// `STATUS_LOGON_FAILURE` (0xC000006D).
    #[error("anonymous sign-in refused")]
    AnonymousRefused,
    /// A Kerberos AP-REQ was refused (bad ticket, wrong key, expired,
    /// replayed, unknown realm or user...). `STATUS_LOGON_FAILURE` (0xC000006D).
    #[error("Kerberos: {0}")]
    Kerberos(#[from] crate::krb5::KrbError),
    /// The token could not be decoded. `STATUS_INVALID_PARAMETER` (0xC000000D).
    #[error("malformed token: {0}")]
    Malformed(#[from] DecodeError),
    /// The client offers no mechanism we accept.
    /// `STATUS_NOT_SUPPORTED` (0xC00000BB).
    #[error("no supported security mechanism offered")]
    MechNotSupported,
    /// The client's NTLM options cannot be served (no Unicode, or a mechListMIC
    /// without extended session security). `STATUS_NOT_SUPPORTED` (0xC00000BB).
    #[error("unsupported NTLM option: {0}")]
    Unsupported(&'static str),
    /// A message arrived that does not fit the current state (e.g. AUTHENTICATE
    /// before NEGOTIATE). `STATUS_INVALID_PARAMETER` (0xC000000D).
    #[error("unexpected token: {0}")]
    UnexpectedToken(&'static str),
    /// The exchange already completed or failed. `STATUS_INVALID_PARAMETER` (0xC000000D).
    #[error("authentication exchange already finished")]
    Finished,
    /// The system random generator failed, a configured name does not fit in a
    /// message, or a cipher refused its key. `STATUS_INTERNAL_ERROR` (0xC00000E5).
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl AuthError {
    /// The NTSTATUS value the session layer sends for this error.
    #[must_use]
    pub fn ntstatus(&self) -> u32 {
        match self {
            Self::LogonFailure
            | Self::InsecureResponse
            | Self::AnonymousRefused
            | Self::Kerberos(_) => 0xC000_006D,
            Self::Malformed(_) | Self::UnexpectedToken(_) | Self::Finished => 0xC000_000D,
            Self::MechNotSupported | Self::Unsupported(_) => 0xC000_00BB,
            Self::Internal(_) => 0xC000_00E5,
        }
    }
}

/// An NT hash given as hex could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NtHashError {
    /// Not exactly 32 hex digits.
    #[error("an NT hash is 32 hex digits")]
    Length,
    /// A character is not a hex digit.
    #[error("invalid hex digit in NT hash")]
    Digit,
}
