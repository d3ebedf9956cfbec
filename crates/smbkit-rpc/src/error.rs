//! The errors of this crate.

/// A connection-oriented PDU could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PduError {
    /// The bytes end before the field being read, or before `frag_length`.
    #[error("PDU truncated")]
    Truncated,
    /// `frag_length` is shorter than the header plus the fixed body of the
    /// PDU type.
    #[error("frag_length {0} is too short")]
    FragLength(u16),
    /// The PDU type byte is not a connection-oriented PDU type.
    #[error("unknown PDU type {0}")]
    UnknownType(u8),
    /// A length or count field does not fit the fragment.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// The PDU to encode would be longer than a fragment can be (65535).
    #[error("PDU of {0} bytes does not fit frag_length")]
    TooLong(usize),
}

/// NDR stub data could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NdrError {
    /// The stub ends before the field being read.
    #[error("NDR data truncated")]
    Truncated,
    /// A conformance or variance count does not fit the remaining bytes, or
    /// offset/actual count exceed the maximum count.
    #[error("NDR count {0} out of bounds")]
    Count(u32),
    /// A union discriminant that does not match the level it must repeat,
    /// or an arm this decoder does not handle.
    #[error("unexpected NDR union discriminant {0}")]
    Union(u32),
    /// A string is not valid UTF-16.
    #[error("NDR string is not valid UTF-16")]
    InvalidUtf16,
    /// A pointer that must not be NULL is NULL, or a pointer that this
    /// implementation requires to be NULL on input is not.
    #[error("unexpected NDR pointer value")]
    Pointer,
}

/// What a named-pipe endpoint refuses to process.
///
/// RPC-level problems that the client can be told about (unknown opnum,
/// bad stub data, a refused bind) are not errors: they are answered with a
/// `fault` or `bind_nak` PDU that the client reads. An `RpcError` means the
/// bytes written to the pipe could not be used at all; the SMB layer fails
/// the WRITE/IOCTL with [`RpcError::nt_status`] and keeps the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RpcError {
    /// The PDU header or body is malformed.
    #[error(transparent)]
    Pdu(#[from] PduError),
    /// A PDU type a server never receives (response, bind_ack, …).
    #[error("unexpected PDU type {0} from the client")]
    UnexpectedPdu(u8),
    /// A PDU other than bind arrived before the pipe was bound.
    #[error("the pipe is not bound")]
    NotBound,
    /// A transceive arrived while response data was still unread.
    #[error("unread response data is pending on the pipe")]
    PipeBusy,
    /// The client keeps writing without reading the responses.
    #[error("too much unread response data on the pipe")]
    OutputFull,
}

impl RpcError {
    /// The NTSTATUS the SMB layer answers the WRITE or IOCTL with.
    ///
    /// `STATUS_PIPE_BUSY` (0xC00000AE) for [`RpcError::PipeBusy`],
    /// `STATUS_INSUFFICIENT_RESOURCES` (0xC000009A) for
    /// [`RpcError::OutputFull`], `STATUS_INVALID_PARAMETER` (0xC000000D) for
    /// the rest.
    pub fn nt_status(&self) -> u32 {
        match self {
            Self::PipeBusy => 0xC000_00AE,
            Self::OutputFull => 0xC000_009A,
            Self::Pdu(_) | Self::UnexpectedPdu(_) | Self::NotBound => 0xC000_000D,
        }
    }
}

/// Why an interface could not execute a call; the endpoint answers with a
/// `fault` PDU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The opnum is not implemented (`nca_s_op_rng_error`).
    #[error("opnum {0} is not implemented")]
    UnknownOpnum(u16),
    /// The stub data could not be unmarshalled (`nca_s_fault_ndr`).
    #[error("bad stub data: {0}")]
    BadStub(#[from] NdrError),
}

impl CallError {
    /// The fault status sent to the client.
    pub fn fault_status(&self) -> u32 {
        match self {
            Self::UnknownOpnum(_) => crate::pdu::NCA_S_OP_RNG_ERROR,
            Self::BadStub(_) => crate::pdu::NCA_S_FAULT_NDR,
        }
    }
}
