//! `MxAc`: SMB2_CREATE_QUERY_MAXIMAL_ACCESS_REQUEST (MS-SMB2 2.2.13.2.5) and
//! _RESPONSE (2.2.14.2.5).

use super::{CreateContext, exact, name};
use crate::error::WireError;
use crate::status::NtStatus;

/// The request: empty, or an 8-byte Timestamp (FILETIME); when the file has
/// not changed since that time the server may leave the response out.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct MaximalAccessRequest {
    /// The optional Timestamp.
    pub timestamp: Option<u64>,
}

impl MaximalAccessRequest {
    /// Decodes the context data (0 or 8 bytes).
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        if data.is_empty() {
            return Ok(MaximalAccessRequest { timestamp: None });
        }
        let mut r = exact::<8>("MxAc", data)?;
        Ok(MaximalAccessRequest {
            timestamp: Some(r.u64("MxAc.Timestamp")?),
        })
    }

    /// The context data.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.timestamp
            .map(|t| t.to_le_bytes().to_vec())
            .unwrap_or_default()
    }

    /// The whole context.
    pub fn to_context(&self) -> CreateContext<'static> {
        CreateContext::owned(name::QUERY_MAXIMAL_ACCESS, self.to_bytes())
    }
}

/// The response: QueryStatus and MaximalAccess (8 bytes; Samba's client
/// rejects any other length).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct MaximalAccessResponse {
    /// QueryStatus (SUCCESS when `maximal_access` is valid).
    pub query_status: NtStatus,
    /// MaximalAccess: the access mask the caller would be granted.
    pub maximal_access: u32,
}

impl MaximalAccessResponse {
    /// Decodes the context data (exactly 8 bytes).
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        let mut r = exact::<8>("MxAc", data)?;
        Ok(MaximalAccessResponse {
            query_status: NtStatus(r.u32("MxAc.QueryStatus")?),
            maximal_access: r.u32("MxAc.MaximalAccess")?,
        })
    }

    /// The context data.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(8);
        v.extend_from_slice(&self.query_status.0.to_le_bytes());
        v.extend_from_slice(&self.maximal_access.to_le_bytes());
        v
    }

    /// The whole context.
    pub fn to_context(&self) -> CreateContext<'static> {
        CreateContext::owned(name::QUERY_MAXIMAL_ACCESS, self.to_bytes())
    }
}
