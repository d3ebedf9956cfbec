//! FSCTL codes and the FSCTL bodies carried in IOCTL buffers.
//!
//! * FSCTL_VALIDATE_NEGOTIATE_INFO (MS-SMB2 2.2.31.4, 2.2.32.6): here.
//! * Server-side copy (MS-SMB2 2.2.31.1, 2.2.32.1, 2.2.32.3): [`copychunk`].
//! * Compression, sparse files, zero data, allocated ranges (MS-FSCC 2.3):
//!   [`file`].
//! * Snapshots and network interfaces (MS-SMB2 2.2.32.2, 2.2.32.5):
//!   [`server`].

pub mod copychunk;
pub mod file;
pub mod server;

pub use copychunk::{Chunk, CopychunkCopy, CopychunkResponse, ResumeKeyResponse};

use crate::codec::{Guid, Reader, U16List, WireBuf, Writer, to_u16};
use crate::error::WireError;

/// FSCTL_DFS_GET_REFERRALS.
pub const DFS_GET_REFERRALS: u32 = 0x0006_0194;
/// FSCTL_DFS_GET_REFERRALS_EX.
pub const DFS_GET_REFERRALS_EX: u32 = 0x0006_01B0;
/// FSCTL_PIPE_PEEK.
pub const PIPE_PEEK: u32 = 0x0011_400C;
/// FSCTL_PIPE_WAIT.
pub const PIPE_WAIT: u32 = 0x0011_0018;
/// FSCTL_PIPE_TRANSCEIVE.
pub const PIPE_TRANSCEIVE: u32 = 0x0011_C017;
/// FSCTL_SRV_COPYCHUNK.
pub const SRV_COPYCHUNK: u32 = 0x0014_40F2;
/// FSCTL_SRV_COPYCHUNK_WRITE.
pub const SRV_COPYCHUNK_WRITE: u32 = 0x0014_80F2;
/// FSCTL_SRV_ENUMERATE_SNAPSHOTS.
pub const SRV_ENUMERATE_SNAPSHOTS: u32 = 0x0014_4064;
/// FSCTL_SRV_REQUEST_RESUME_KEY.
pub const SRV_REQUEST_RESUME_KEY: u32 = 0x0014_0078;
/// FSCTL_SRV_READ_HASH.
pub const SRV_READ_HASH: u32 = 0x0014_41BB;
/// FSCTL_LMR_REQUEST_RESILIENCY.
pub const LMR_REQUEST_RESILIENCY: u32 = 0x0014_01D4;
/// FSCTL_QUERY_NETWORK_INTERFACE_INFO.
pub const QUERY_NETWORK_INTERFACE_INFO: u32 = 0x0014_01FC;
/// FSCTL_VALIDATE_NEGOTIATE_INFO.
pub const VALIDATE_NEGOTIATE_INFO: u32 = 0x0014_0204;
/// FSCTL_GET_COMPRESSION (MS-FSCC 2.3.12).
pub const GET_COMPRESSION: u32 = 0x0009_003C;
/// FSCTL_SET_COMPRESSION (MS-FSCC 2.3.67).
pub const SET_COMPRESSION: u32 = 0x0009_C040;
/// FSCTL_SET_SPARSE (MS-FSCC 2.3.71).
pub const SET_SPARSE: u32 = 0x0009_00C4;
/// FSCTL_SET_ZERO_DATA (MS-FSCC 2.3.73).
pub const SET_ZERO_DATA: u32 = 0x0009_80C8;
/// FSCTL_QUERY_ALLOCATED_RANGES (MS-FSCC 2.3.51).
pub const QUERY_ALLOCATED_RANGES: u32 = 0x0009_40CF;
/// FSCTL_FILE_LEVEL_TRIM (MS-FSCC 2.3.11).
pub const FILE_LEVEL_TRIM: u32 = 0x0009_8208;
/// FSCTL_DUPLICATE_EXTENTS_TO_FILE (MS-FSCC 2.3.8).
pub const DUPLICATE_EXTENTS_TO_FILE: u32 = 0x0009_8344;
/// FSCTL_GET_REPARSE_POINT (MS-FSCC 2.3.27).
pub const GET_REPARSE_POINT: u32 = 0x0009_00A8;
/// FSCTL_CREATE_OR_GET_OBJECT_ID (MS-FSCC 2.3.1).
pub const CREATE_OR_GET_OBJECT_ID: u32 = 0x0009_00C0;
/// FSCTL_GET_INTEGRITY_INFORMATION (MS-FSCC 2.3.22).
pub const GET_INTEGRITY_INFORMATION: u32 = 0x0009_027C;

/// VALIDATE_NEGOTIATE_INFO request body (MS-SMB2 2.2.31.4), the IOCTL input.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ValidateNegotiateInfoRequest<'a> {
    /// Capabilities the client sent in NEGOTIATE.
    pub capabilities: u32,
    /// ClientGuid.
    pub guid: Guid,
    /// SecurityMode.
    pub security_mode: u16,
    /// Dialects the client offered.
    pub dialects: U16List<'a>,
}

impl<'a> ValidateNegotiateInfoRequest<'a> {
    /// Decodes the IOCTL input buffer. Trailing bytes after the dialects are
    /// an error (the server answers with the connection torn down, 3.3.5.15.12).
    pub fn decode(input: &'a [u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(input);
        let capabilities = r.u32("Capabilities")?;
        let guid = Guid(r.array("Guid")?);
        let security_mode = r.u16("SecurityMode")?;
        let count = r.u16("DialectCount")?;
        let bytes = r.bytes(usize::from(count).saturating_mul(2), "Dialects")?;
        if r.remaining() != 0 {
            return Err(WireError::invalid(
                "VALIDATE_NEGOTIATE_INFO",
                "input longer than its DialectCount",
            ));
        }
        Ok(ValidateNegotiateInfoRequest {
            capabilities,
            guid,
            security_mode,
            dialects: U16List::from_wire("Dialects", bytes)?,
        })
    }

    /// Appends the body.
    pub fn encode<B: WireBuf + ?Sized>(&self, buf: &mut B) -> Result<(), WireError> {
        let count = to_u16("DialectCount", self.dialects.len())?;
        let mut w = Writer::new(buf);
        w.u32(self.capabilities);
        w.bytes(&self.guid.0);
        w.u16(self.security_mode);
        w.u16(count);
        w.bytes(self.dialects.as_bytes());
        Ok(())
    }
}

/// VALIDATE_NEGOTIATE_INFO response body (MS-SMB2 2.2.32.6), the IOCTL output.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ValidateNegotiateInfoResponse {
    /// Server Capabilities.
    pub capabilities: u32,
    /// ServerGuid.
    pub guid: Guid,
    /// Server SecurityMode.
    pub security_mode: u16,
    /// The negotiated dialect.
    pub dialect: u16,
}

impl ValidateNegotiateInfoResponse {
    /// Length of the body.
    pub const LEN: usize = 24;

    /// Decodes the IOCTL output buffer (exactly 24 bytes).
    pub fn decode(output: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(output);
        let resp = ValidateNegotiateInfoResponse {
            capabilities: r.u32("Capabilities")?,
            guid: Guid(r.array("Guid")?),
            security_mode: r.u16("SecurityMode")?,
            dialect: r.u16("Dialect")?,
        };
        if r.remaining() != 0 {
            return Err(WireError::invalid(
                "VALIDATE_NEGOTIATE_INFO response",
                "longer than 24 bytes",
            ));
        }
        Ok(resp)
    }

    /// Appends the 24-byte body.
    pub fn encode<B: WireBuf + ?Sized>(&self, buf: &mut B) {
        let mut w = Writer::new(buf);
        w.u32(self.capabilities);
        w.bytes(&self.guid.0);
        w.u16(self.security_mode);
        w.u16(self.dialect);
    }

    /// The body as a fixed array (to borrow as an IOCTL output).
    pub fn to_bytes(&self) -> [u8; 24] {
        let mut v = Vec::with_capacity(Self::LEN);
        self.encode(&mut v);
        let mut out = [0u8; 24];
        for (o, b) in out.iter_mut().zip(v) {
            *o = b;
        }
        out
    }
}
