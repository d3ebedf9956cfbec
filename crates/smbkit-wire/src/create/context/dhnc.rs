//! `DHnC`: SMB2_CREATE_DURABLE_HANDLE_RECONNECT (MS-SMB2 2.2.13.2.4): the
//! FileId of the durable open to reconnect.

use super::{CreateContext, exact, name};
use crate::codec::FileId;
use crate::error::WireError;

/// The v1 reconnect request.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DurableReconnect {
    /// The FileId of the open being reestablished.
    pub file_id: FileId,
}

impl DurableReconnect {
    /// Decodes the context data (exactly 16 bytes).
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        let mut r = exact::<16>("DHnC", data)?;
        Ok(DurableReconnect {
            file_id: FileId::read(&mut r)?,
        })
    }

    /// The context data.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(16);
        v.extend_from_slice(&self.file_id.persistent.to_le_bytes());
        v.extend_from_slice(&self.file_id.volatile.to_le_bytes());
        v
    }

    /// The whole context.
    pub fn to_context(&self) -> CreateContext<'static> {
        CreateContext::owned(name::DURABLE_HANDLE_RECONNECT, self.to_bytes())
    }
}
