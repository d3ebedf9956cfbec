//! SMB2 ERROR response (MS-SMB2 2.2.2) and its error contexts (2.2.2.1).

use crate::codec::{Pdu, Reader, WireBuf, Writer, align8, body_reader, to_u8, to_u32};
use crate::error::WireError;

/// ErrorId values of an error context (MS-SMB2 2.2.2.1).
pub mod error_id {
    /// SMB2_ERROR_ID_DEFAULT.
    pub const DEFAULT: u32 = 0x0000_0000;
    /// SMB2_ERROR_ID_SHARE_REDIRECT.
    pub const SHARE_REDIRECT: u32 = 0x7264_5253;
}

/// An SMB2 ERROR Context (MS-SMB2 2.2.2.1), as used by 3.1.1.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ErrorContext<'a> {
    /// ErrorId ([`error_id`]).
    pub error_id: u32,
    /// ErrorContextData, borrowed.
    pub data: &'a [u8],
}

impl<'a> ErrorContext<'a> {
    /// Parses `count` contexts from an ErrorData buffer. Each context after
    /// the first starts 8-aligned (the ErrorData field itself is 8-aligned in
    /// the message).
    pub fn parse_list(error_data: &'a [u8], count: u8) -> Result<Vec<Self>, WireError> {
        let mut out = Vec::new();
        let mut pos = 0usize;
        for i in 0..count {
            if i > 0 {
                pos = align8(pos).ok_or(WireError::invalid("ErrorContext", "offset overflows"))?;
            }
            let mut r = Reader::at(error_data, pos);
            let len = r.u32("ErrorDataLength")?;
            let error_id = r.u32("ErrorId")?;
            let len = usize::try_from(len)
                .map_err(|_| WireError::invalid("ErrorDataLength", "too large"))?;
            let data = r.bytes(len, "ErrorContextData")?;
            out.push(ErrorContext { error_id, data });
            pos = r.position();
        }
        Ok(out)
    }

    /// Serializes contexts into ErrorData bytes (8-aligned between entries),
    /// to be borrowed by an [`ErrorResponse`].
    pub fn encode_list(contexts: &[ErrorContext<'_>]) -> Result<Vec<u8>, WireError> {
        let mut v = Vec::new();
        let mut w = Writer::new(&mut v);
        for (i, c) in contexts.iter().enumerate() {
            if i > 0 {
                w.pad_to(8);
            }
            w.u32(to_u32("ErrorDataLength", c.data.len())?);
            w.u32(c.error_id);
            w.bytes(c.data);
        }
        Ok(v)
    }
}

/// SMB2 ERROR response (MS-SMB2 2.2.2).
///
/// With ErrorContextCount 0, `error_data` holds ByteCount bytes formatted by
/// the status (2.2.2.2: e.g. a 4-byte required length for
/// STATUS_BUFFER_TOO_SMALL). With a nonzero count it is an array of
/// [`ErrorContext`]s, checked at decode and read with
/// [`ErrorResponse::contexts`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ErrorResponse<'a> {
    /// ErrorContextCount (3.1.1; 0 otherwise).
    pub error_context_count: u8,
    /// ErrorData (ByteCount bytes), borrowed.
    pub error_data: &'a [u8],
    /// The one byte that follows the fixed part when ByteCount is 0. The spec
    /// says 0, but some stacks send other values; it is kept so that a received
    /// message re-encodes byte for byte (signatures cover it).
    pub empty_data_byte: u8,
}

impl<'a> ErrorResponse<'a> {
    /// The usual error body: no contexts, no data.
    pub const EMPTY: ErrorResponse<'static> = ErrorResponse {
        error_context_count: 0,
        error_data: &[],
        empty_data_byte: 0,
    };

    /// The error contexts (empty when ErrorContextCount is 0).
    pub fn contexts(&self) -> Result<Vec<ErrorContext<'a>>, WireError> {
        ErrorContext::parse_list(self.error_data, self.error_context_count)
    }

    /// Builds a response carrying `contexts` serialized by
    /// [`ErrorContext::encode_list`] into `data`.
    pub fn with_contexts(count: usize, data: &'a [u8]) -> Result<Self, WireError> {
        Ok(ErrorResponse {
            error_context_count: to_u8("ErrorContextCount", count)?,
            error_data: data,
            empty_data_byte: 0,
        })
    }
}

impl<'a> Pdu<'a> for ErrorResponse<'a> {
    const STRUCTURE_SIZE: u16 = 9;

    /// Decodes an ERROR body. The header's command is not checked: an error
    /// answers any command.
    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(msg, "ERROR response", None, Self::STRUCTURE_SIZE)?;
        let error_context_count = r.u8("ErrorContextCount")?;
        r.skip(1, "Reserved")?;
        let byte_count = r.u32("ByteCount")?;
        let resp = if byte_count == 0 {
            // Lenient: a missing pad byte is accepted.
            let empty_data_byte = if r.remaining() > 0 {
                r.u8("ErrorData")?
            } else {
                0
            };
            ErrorResponse {
                error_context_count,
                error_data: &[],
                empty_data_byte,
            }
        } else {
            let len = usize::try_from(byte_count)
                .map_err(|_| WireError::invalid("ByteCount", "too large"))?;
            ErrorResponse {
                error_context_count,
                error_data: r.bytes(len, "ErrorData")?,
                empty_data_byte: 0,
            }
        };
        resp.contexts()?;
        Ok(resp)
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u16(Self::STRUCTURE_SIZE);
        w.u8(self.error_context_count);
        w.u8(0);
        w.u32(to_u32("ByteCount", self.error_data.len())?);
        if self.error_data.is_empty() {
            w.u8(self.empty_data_byte);
        } else {
            w.bytes(self.error_data);
        }
        Ok(())
    }
}
