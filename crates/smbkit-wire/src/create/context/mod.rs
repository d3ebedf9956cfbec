//! Create contexts (MS-SMB2 2.2.13.2, 2.2.14.2): the chain walk and one
//! module per context smbkit understands. Unknown contexts stay raw
//! [`CreateContext`]s.
//!
//! A chain is a run of entries `{Next u32, NameOffset u16, NameLength u16,
//! Reserved u16, DataOffset u16, DataLength u32, Buffer}`. `Next` counts from
//! the start of the entry to the next 8-aligned entry (0 ends the chain);
//! `NameOffset` and `DataOffset` count from the start of the entry. The
//! decoder requires every entry to lie inside CreateContextsLength, `Next` to
//! be 8-aligned and to step past the entry's own header, name and data (so a
//! chain can neither loop nor overlap), the name to be non-empty and to sit
//! after the 16-byte entry header, and the data to be 8-aligned and to start
//! after the name.

pub mod dh2c;
pub mod dh2q;
pub mod dhnc;
pub mod dhnq;
pub mod mxac;
pub mod qfid;
pub mod rqls;

use std::borrow::Cow;

use crate::codec::{Reader, WireBuf, Writer, add, align8, check_aligned, to_u16, to_u32};
use crate::error::WireError;

pub use dh2c::DurableReconnectV2;
pub use dh2q::{DurableRequestV2, DurableResponseV2};
pub use dhnc::DurableReconnect;
pub use dhnq::{DurableRequest, DurableResponse};
pub use mxac::{MaximalAccessRequest, MaximalAccessResponse};
pub use qfid::QueryOnDiskIdResponse;
pub use rqls::{Lease, LeaseV1, LeaseV2};

/// Create context names (the 4-byte ASCII tags, in wire order).
pub mod name {
    /// SMB2_CREATE_EA_BUFFER.
    pub const EA_BUFFER: &[u8; 4] = b"ExtA";
    /// SMB2_CREATE_SD_BUFFER.
    pub const SD_BUFFER: &[u8; 4] = b"SecD";
    /// SMB2_CREATE_DURABLE_HANDLE_REQUEST / _RESPONSE.
    pub const DURABLE_HANDLE: &[u8; 4] = b"DHnQ";
    /// SMB2_CREATE_DURABLE_HANDLE_RECONNECT.
    pub const DURABLE_HANDLE_RECONNECT: &[u8; 4] = b"DHnC";
    /// SMB2_CREATE_ALLOCATION_SIZE.
    pub const ALLOCATION_SIZE: &[u8; 4] = b"AlSi";
    /// SMB2_CREATE_QUERY_MAXIMAL_ACCESS_REQUEST / _RESPONSE.
    pub const QUERY_MAXIMAL_ACCESS: &[u8; 4] = b"MxAc";
    /// SMB2_CREATE_TIMEWARP_TOKEN.
    pub const TIMEWARP_TOKEN: &[u8; 4] = b"TWrp";
    /// SMB2_CREATE_QUERY_ON_DISK_ID.
    pub const QUERY_ON_DISK_ID: &[u8; 4] = b"QFid";
    /// SMB2_CREATE_REQUEST_LEASE (v1 and v2) / SMB2_CREATE_RESPONSE_LEASE.
    pub const LEASE: &[u8; 4] = b"RqLs";
    /// SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2 / _RESPONSE_V2.
    pub const DURABLE_HANDLE_V2: &[u8; 4] = b"DH2Q";
    /// SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2.
    pub const DURABLE_HANDLE_RECONNECT_V2: &[u8; 4] = b"DH2C";
    /// Apple's AAPL extension context.
    pub const AAPL: &[u8; 4] = b"AAPL";
}

/// One create context: its name and data, both borrowed from the message when
/// decoded (data may be owned when built by an encoder).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct CreateContext<'a> {
    /// The name (usually a 4-byte ASCII tag, 16 bytes for GUID-named ones).
    pub name: &'a [u8],
    /// The data.
    pub data: Cow<'a, [u8]>,
}

impl<'a> CreateContext<'a> {
    /// A context borrowing both parts.
    pub fn new(name: &'a [u8], data: &'a [u8]) -> Self {
        CreateContext {
            name,
            data: Cow::Borrowed(data),
        }
    }

    /// A context with owned data (what the typed encoders return).
    pub fn owned(name: &'a [u8], data: Vec<u8>) -> Self {
        CreateContext {
            name,
            data: Cow::Owned(data),
        }
    }

    /// Whether the name is `tag`.
    pub fn is(&self, tag: &[u8; 4]) -> bool {
        self.name == tag
    }

    /// Interprets a context found in a CREATE request.
    pub fn parse_request(&self) -> Result<RequestContext<'_>, WireError> {
        let data: &[u8] = &self.data;
        Ok(match self.name {
            n if n == name::QUERY_MAXIMAL_ACCESS => {
                RequestContext::MaximalAccess(MaximalAccessRequest::decode(data)?)
            }
            n if n == name::QUERY_ON_DISK_ID => RequestContext::QueryOnDiskId,
            n if n == name::DURABLE_HANDLE => {
                RequestContext::Durable(DurableRequest::decode(data)?)
            }
            n if n == name::DURABLE_HANDLE_RECONNECT => {
                RequestContext::DurableReconnect(DurableReconnect::decode(data)?)
            }
            n if n == name::DURABLE_HANDLE_V2 => {
                RequestContext::DurableV2(DurableRequestV2::decode(data)?)
            }
            n if n == name::DURABLE_HANDLE_RECONNECT_V2 => {
                RequestContext::DurableReconnectV2(DurableReconnectV2::decode(data)?)
            }
            n if n == name::LEASE => RequestContext::Lease(Lease::decode(data)?),
            _ => RequestContext::Other(self),
        })
    }

    /// Interprets a context found in a CREATE response.
    pub fn parse_response(&self) -> Result<ResponseContext<'_>, WireError> {
        let data: &[u8] = &self.data;
        Ok(match self.name {
            n if n == name::QUERY_MAXIMAL_ACCESS => {
                ResponseContext::MaximalAccess(MaximalAccessResponse::decode(data)?)
            }
            n if n == name::QUERY_ON_DISK_ID => {
                ResponseContext::QueryOnDiskId(QueryOnDiskIdResponse::decode(data)?)
            }
            n if n == name::DURABLE_HANDLE => {
                ResponseContext::Durable(DurableResponse::decode(data)?)
            }
            n if n == name::DURABLE_HANDLE_V2 => {
                ResponseContext::DurableV2(DurableResponseV2::decode(data)?)
            }
            n if n == name::LEASE => ResponseContext::Lease(Lease::decode(data)?),
            _ => ResponseContext::Other(self),
        })
    }
}

/// A request create context, typed when smbkit knows it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum RequestContext<'c> {
    /// `MxAc`: query maximal access.
    MaximalAccess(MaximalAccessRequest),
    /// `QFid`: query the on-disk id (no data).
    QueryOnDiskId,
    /// `DHnQ`: durable handle v1 request.
    Durable(DurableRequest),
    /// `DHnC`: durable handle v1 reconnect.
    DurableReconnect(DurableReconnect),
    /// `DH2Q`: durable handle v2 request.
    DurableV2(DurableRequestV2),
    /// `DH2C`: durable handle v2 reconnect.
    DurableReconnectV2(DurableReconnectV2),
    /// `RqLs`: lease request (v1 or v2).
    Lease(Lease),
    /// Anything else, raw.
    Other(&'c CreateContext<'c>),
}

/// A response create context, typed when smbkit knows it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ResponseContext<'c> {
    /// `MxAc`: QueryStatus and MaximalAccess.
    MaximalAccess(MaximalAccessResponse),
    /// `QFid`: disk file id and volume id.
    QueryOnDiskId(QueryOnDiskIdResponse),
    /// `DHnQ`: durable handle v1 granted.
    Durable(DurableResponse),
    /// `DH2Q`: durable handle v2 granted.
    DurableV2(DurableResponseV2),
    /// `RqLs`: lease granted (v1 or v2).
    Lease(Lease),
    /// Anything else, raw.
    Other(&'c CreateContext<'c>),
}

/// Length of the fixed entry header.
const ENTRY_HEADER: usize = 16;

/// Reads a fixed-size context payload, requiring exactly `N` bytes.
pub(crate) fn exact<'d, const N: usize>(
    field: &'static str,
    data: &'d [u8],
) -> Result<Reader<'d>, WireError> {
    if data.len() != N {
        return Err(WireError::invalid(
            field,
            "create context data has the wrong length",
        ));
    }
    Ok(Reader::new(data))
}

/// Decodes the chain occupying all of `region` (the CreateContexts buffer).
pub(crate) fn read_chain(region: &[u8]) -> Result<Vec<CreateContext<'_>>, WireError> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < region.len() {
        let mut r = Reader::at(region, pos);
        let next = usize::try_from(r.u32("CreateContext.Next")?)
            .map_err(|_| WireError::invalid("CreateContext.Next", "too large"))?;
        let name_offset = usize::from(r.u16("CreateContext.NameOffset")?);
        let name_length = usize::from(r.u16("CreateContext.NameLength")?);
        r.skip(2, "CreateContext.Reserved")?;
        let data_offset = usize::from(r.u16("CreateContext.DataOffset")?);
        let data_length = usize::try_from(r.u32("CreateContext.DataLength")?)
            .map_err(|_| WireError::invalid("CreateContext.DataLength", "too large"))?;
        if name_length == 0 {
            return Err(WireError::invalid("CreateContext.NameLength", "empty name"));
        }
        if name_offset < ENTRY_HEADER {
            return Err(WireError::invalid(
                "CreateContext.NameOffset",
                "name overlaps the context header",
            ));
        }
        let name_end = add("CreateContext.NameOffset", name_offset, name_length)?;
        let used_end = if data_length == 0 {
            name_end
        } else {
            check_aligned("CreateContext.DataOffset", data_offset as u64, 8)?;
            if data_offset < name_end {
                return Err(WireError::invalid(
                    "CreateContext.DataOffset",
                    "data overlaps the context header or name",
                ));
            }
            add("CreateContext.DataOffset", data_offset, data_length)?
        };
        if next != 0 {
            check_aligned("CreateContext.Next", next as u64, 8)?;
            if next < used_end {
                return Err(WireError::invalid(
                    "CreateContext.Next",
                    "next context overlaps this one",
                ));
            }
        }
        let entry_end = if next == 0 {
            region.len()
        } else {
            add("CreateContext.Next", pos, next)?
        };
        let entry = region
            .get(pos..entry_end)
            .ok_or(WireError::BufferOutOfRange {
                field: "CreateContext.Next",
                offset: u64::try_from(pos).unwrap_or(u64::MAX),
                length: u64::try_from(next).unwrap_or(u64::MAX),
                message_len: region.len(),
            })?;
        let name = entry.get(name_offset..name_end).ok_or(WireError::invalid(
            "CreateContext.NameLength",
            "name extends past its context",
        ))?;
        let data = if data_length == 0 {
            &[][..]
        } else {
            entry.get(data_offset..used_end).ok_or(WireError::invalid(
                "CreateContext.DataLength",
                "data extends past its context",
            ))?
        };
        out.push(CreateContext::new(name, data));
        if next == 0 {
            break;
        }
        pos = entry_end;
        if pos >= region.len() {
            return Err(WireError::invalid(
                "CreateContext.Next",
                "points past the end of the create contexts",
            ));
        }
    }
    Ok(out)
}

/// Bytes one context takes before padding: header, name, padding, data.
fn entry_len(c: &CreateContext<'_>) -> Result<(usize, usize), WireError> {
    let name_end = add("CreateContext.NameLength", ENTRY_HEADER, c.name.len())?;
    if c.data.is_empty() {
        return Ok((0, name_end));
    }
    let data_offset =
        align8(name_end).ok_or(WireError::invalid("CreateContext.DataOffset", "overflow"))?;
    Ok((
        data_offset,
        add("CreateContext.DataLength", data_offset, c.data.len())?,
    ))
}

/// Writes a chain (the writer must be 8-aligned): names at 16, data
/// 8-aligned after the name (DataOffset 0 when there is no data), entries
/// 8-aligned, no padding after the last.
pub(crate) fn write_chain<B: WireBuf + ?Sized>(
    w: &mut Writer<'_, B>,
    contexts: &[CreateContext<'_>],
) -> Result<(), WireError> {
    for (i, c) in contexts.iter().enumerate() {
        if c.name.is_empty() {
            return Err(WireError::invalid("CreateContext.NameLength", "empty name"));
        }
        let (data_offset, len) = entry_len(c)?;
        let last = i.checked_add(1) == Some(contexts.len());
        let next = if last {
            0
        } else {
            align8(len).ok_or(WireError::invalid("CreateContext.Next", "overflow"))?
        };
        w.u32(to_u32("CreateContext.Next", next)?);
        w.u16(to_u16("CreateContext.NameOffset", ENTRY_HEADER)?);
        w.u16(to_u16("CreateContext.NameLength", c.name.len())?);
        w.u16(0);
        w.u16(to_u16("CreateContext.DataOffset", data_offset)?);
        w.u32(to_u32("CreateContext.DataLength", c.data.len())?);
        w.bytes(c.name);
        if !c.data.is_empty() {
            w.pad_to(8);
            w.bytes(&c.data);
        }
        if !last {
            w.pad_to(8);
        }
    }
    Ok(())
}

/// Total bytes [`write_chain`] produces.
pub(crate) fn chain_len(contexts: &[CreateContext<'_>]) -> Result<usize, WireError> {
    let mut total = 0usize;
    for (i, c) in contexts.iter().enumerate() {
        if i > 0 {
            total = align8(total).ok_or(WireError::invalid("CreateContexts", "overflow"))?;
        }
        total = add("CreateContexts", total, entry_len(c)?.1)?;
    }
    Ok(total)
}
