//! `QFid`: SMB2_CREATE_QUERY_ON_DISK_ID (MS-SMB2 2.2.13.2.9 request with no
//! data, 2.2.14.2.9 response).

use super::{CreateContext, exact, name};
use crate::error::WireError;

/// The request context: a `QFid` name with no data.
pub fn request_context() -> CreateContext<'static> {
    CreateContext::owned(name::QUERY_ON_DISK_ID, Vec::new())
}

/// The response: 32 bytes, DiskFileId u64, VolumeId u64, 16 reserved bytes.
/// DiskFileId must equal FileInternalInformation.IndexNumber of the same file.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct QueryOnDiskIdResponse {
    /// DiskFileId.
    pub disk_file_id: u64,
    /// VolumeId.
    pub volume_id: u64,
}

impl QueryOnDiskIdResponse {
    /// Wire length of the data.
    pub const LEN: usize = 32;

    /// Decodes the context data (exactly 32 bytes; the reserved part is ignored).
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        let mut r = exact::<32>("QFid", data)?;
        Ok(QueryOnDiskIdResponse {
            disk_file_id: r.u64("QFid.DiskFileId")?,
            volume_id: r.u64("QFid.VolumeId")?,
        })
    }

    /// The context data (reserved bytes zero).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        v.extend_from_slice(&self.disk_file_id.to_le_bytes());
        v.extend_from_slice(&self.volume_id.to_le_bytes());
        v.resize(Self::LEN, 0);
        v
    }

    /// The whole context.
    pub fn to_context(&self) -> CreateContext<'static> {
        CreateContext::owned(name::QUERY_ON_DISK_ID, self.to_bytes())
    }
}
