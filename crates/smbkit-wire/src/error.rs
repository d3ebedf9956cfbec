//! The crate error type.

use crate::status::NtStatus;

/// Everything that can be wrong with bytes handed to a decoder, or with a value
/// handed to an encoder.
///
/// Each variant names the field at fault so a log line says exactly what a peer
/// sent. [`WireError::status`] maps the error to the NTSTATUS a server returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The input ended inside a field.
    #[error("truncated at {field}: need {needed} bytes at offset {offset}, {available} available")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Offset of the field from the start of the input.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left at that offset.
        available: usize,
    },
    /// The first four bytes are not the expected protocol identifier.
    #[error("bad protocol id {got:02x?}, expected {expected:02x?}")]
    BadProtocolId {
        /// What was received.
        got: [u8; 4],
        /// What was expected.
        expected: [u8; 4],
    },
    /// A StructureSize field does not hold the value the spec fixes.
    #[error("bad StructureSize in {what}: got {got}, expected {expected}")]
    BadStructureSize {
        /// The structure (e.g. "SESSION_SETUP request").
        what: &'static str,
        /// The value received.
        got: u16,
        /// The value required.
        expected: u16,
    },
    /// The header names a different command than the decoder handles.
    #[error("wrong command: decoder for {expected:#06x}, header says {got:#06x}")]
    WrongCommand {
        /// The command the decoder handles.
        expected: u16,
        /// The command in the header.
        got: u16,
    },
    /// An (offset, length) buffer reaches outside the message.
    #[error(
        "{field} out of range: offset {offset} + length {length} exceeds message length {message_len}"
    )]
    BufferOutOfRange {
        /// The buffer field.
        field: &'static str,
        /// Offset from the start of the SMB2 header.
        offset: u64,
        /// Length of the buffer.
        length: u64,
        /// Length of the message.
        message_len: usize,
    },
    /// An (offset, length) buffer starts inside the fixed part of the structure.
    #[error("{field} at offset {offset} overlaps the fixed part, which ends at {fixed_end}")]
    BufferInFixedPart {
        /// The buffer field.
        field: &'static str,
        /// Offset from the start of the SMB2 header.
        offset: u64,
        /// First offset after the fixed part.
        fixed_end: usize,
    },
    /// An offset that the spec requires to be aligned is not.
    #[error("{field} at offset {offset} is not {align}-byte aligned")]
    Misaligned {
        /// The field.
        field: &'static str,
        /// The offset received.
        offset: u64,
        /// The required alignment.
        align: usize,
    },
    /// A compound chain is malformed.
    #[error("bad compound chain at message {index}: {reason}")]
    BadCompound {
        /// Zero-based index of the message whose NextCommand is wrong.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A count or length field contradicts the data around it.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A UTF-16LE string has odd length or an unpaired surrogate.
    #[error("{field} is not valid UTF-16LE")]
    BadUtf16 {
        /// The string field.
        field: &'static str,
    },
    /// A value is too large for the wire field that must carry it (encoding).
    #[error("{field} too large for the wire: {value} > {max}")]
    TooLarge {
        /// The field.
        field: &'static str,
        /// The value.
        value: u64,
        /// The largest value the field can carry.
        max: u64,
    },
    /// The SMB1 message is not an SMB_COM_NEGOTIATE.
    #[error("SMB1 command {0:#04x} is not NEGOTIATE")]
    NotSmb1Negotiate(u8),
}

impl WireError {
    /// The NTSTATUS a server sends back for a request that failed to decode.
    ///
    /// Malformed requests are `STATUS_INVALID_PARAMETER` (MS-SMB2 3.3.5.2.x).
    /// A value too large to encode is `STATUS_INSUFFICIENT_RESOURCES` (the
    /// server cannot build that answer), and an SMB1 command other than
    /// NEGOTIATE is `STATUS_NOT_SUPPORTED`.
    pub fn status(&self) -> NtStatus {
        match self {
            WireError::TooLarge { .. } => NtStatus::INSUFFICIENT_RESOURCES,
            WireError::NotSmb1Negotiate(_) => NtStatus::NOT_SUPPORTED,
            _ => NtStatus::INVALID_PARAMETER,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: &'static str) -> Self {
        WireError::Invalid { field, reason }
    }
}
