//! `DH2Q`: SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2 (MS-SMB2 2.2.13.2.11) and
//! _RESPONSE_V2 (2.2.14.2.12).

use super::{CreateContext, exact, name};
use crate::codec::Guid;
use crate::error::WireError;

/// Flags: SMB2_DHANDLE_FLAG_PERSISTENT (a persistent handle is requested or
/// granted).
pub const FLAG_PERSISTENT: u32 = 0x0000_0002;

/// The v2 durable handle request (32 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DurableRequestV2 {
    /// Timeout in milliseconds (0: the server chooses).
    pub timeout: u32,
    /// Flags ([`FLAG_PERSISTENT`]).
    pub flags: u32,
    /// CreateGuid: identifies the create request for replay detection.
    pub create_guid: Guid,
}

impl DurableRequestV2 {
    /// Decodes the context data (exactly 32 bytes).
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        let mut r = exact::<32>("DH2Q", data)?;
        let timeout = r.u32("DH2Q.Timeout")?;
        let flags = r.u32("DH2Q.Flags")?;
        r.skip(8, "DH2Q.Reserved")?;
        Ok(DurableRequestV2 {
            timeout,
            flags,
            create_guid: Guid(r.array("DH2Q.CreateGuid")?),
        })
    }

    /// The context data.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(32);
        v.extend_from_slice(&self.timeout.to_le_bytes());
        v.extend_from_slice(&self.flags.to_le_bytes());
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&self.create_guid.0);
        v
    }

    /// The whole context.
    pub fn to_context(&self) -> CreateContext<'static> {
        CreateContext::owned(name::DURABLE_HANDLE_V2, self.to_bytes())
    }
}

/// The v2 durable handle response (8 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DurableResponseV2 {
    /// Timeout granted, in milliseconds.
    pub timeout: u32,
    /// Flags ([`FLAG_PERSISTENT`]).
    pub flags: u32,
}

impl DurableResponseV2 {
    /// Decodes the context data (exactly 8 bytes).
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        let mut r = exact::<8>("DH2Q", data)?;
        Ok(DurableResponseV2 {
            timeout: r.u32("DH2Q.Timeout")?,
            flags: r.u32("DH2Q.Flags")?,
        })
    }

    /// The context data.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(8);
        v.extend_from_slice(&self.timeout.to_le_bytes());
        v.extend_from_slice(&self.flags.to_le_bytes());
        v
    }

    /// The whole context.
    pub fn to_context(&self) -> CreateContext<'static> {
        CreateContext::owned(name::DURABLE_HANDLE_V2, self.to_bytes())
    }
}
