//! `DH2C`: SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2 (MS-SMB2 2.2.13.2.12).

use super::{CreateContext, exact, name};
use crate::codec::{FileId, Guid};
use crate::error::WireError;

/// The v2 reconnect request (36 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DurableReconnectV2 {
    /// The FileId of the open being reestablished.
    pub file_id: FileId,
    /// CreateGuid of the original create.
    pub create_guid: Guid,
    /// Flags ([`super::dh2q::FLAG_PERSISTENT`]).
    pub flags: u32,
}

impl DurableReconnectV2 {
    /// Decodes the context data (exactly 36 bytes).
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        let mut r = exact::<36>("DH2C", data)?;
        Ok(DurableReconnectV2 {
            file_id: FileId::read(&mut r)?,
            create_guid: Guid(r.array("DH2C.CreateGuid")?),
            flags: r.u32("DH2C.Flags")?,
        })
    }

    /// The context data.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(36);
        v.extend_from_slice(&self.file_id.persistent.to_le_bytes());
        v.extend_from_slice(&self.file_id.volatile.to_le_bytes());
        v.extend_from_slice(&self.create_guid.0);
        v.extend_from_slice(&self.flags.to_le_bytes());
        v
    }

    /// The whole context.
    pub fn to_context(&self) -> CreateContext<'static> {
        CreateContext::owned(name::DURABLE_HANDLE_RECONNECT_V2, self.to_bytes())
    }
}
