//! srvsvc (MS-SRVS), interface `4b324fc8-1670-01d3-1278-5a47bf6ee188` v3.0:
//! NetrShareEnum (15), NetrShareGetInfo (16), NetrServerGetInfo (21).
//!
//! Requests are decoded from NDR stub data, answers are encoded from the
//! caller's [`ServerInfo`]. An unsupported information level is answered
//! with `ERROR_INVALID_LEVEL` in the return value, not with a fault.

use crate::error::{CallError, NdrError};
use crate::info::{ServerInfo, ShareEntry};
use crate::ndr::{NdrReader, NdrWriter, string_wire_len};
use crate::pdu::{SyntaxId, Uuid};
use crate::werror::{ERROR_INVALID_LEVEL, ERROR_MORE_DATA, ERROR_SUCCESS, NERR_NET_NAME_NOT_FOUND};

/// The srvsvc abstract syntax, v3.0.
pub const SRVSVC: SyntaxId = SyntaxId {
    uuid: Uuid::from_fields(
        0x4b32_4fc8,
        0x1670,
        0x01d3,
        [0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88],
    ),
    major: 3,
    minor: 0,
};

/// NetrShareEnum.
pub const OPNUM_NETR_SHARE_ENUM: u16 = 15;
/// NetrShareGetInfo.
pub const OPNUM_NETR_SHARE_GET_INFO: u16 = 16;
/// NetrServerGetInfo.
pub const OPNUM_NETR_SERVER_GET_INFO: u16 = 21;

/// `MAX_PREFERRED_LENGTH`: return everything.
pub const MAX_PREFERRED_LENGTH: u32 = 0xFFFF_FFFF;

/// Levels of SHARE_ENUM_UNION (MS-SRVS 2.2.3.5); each arm is a pointer.
const ENUM_ARMS: [u32; 6] = [0, 1, 2, 501, 502, 503];
/// Levels of SHARE_INFO (MS-SRVS 2.2.3.6); each arm is a pointer, other
/// levels take the empty default arm.
const SHARE_INFO_ARMS: [u32; 10] = [0, 1, 2, 502, 1004, 1005, 1006, 1501, 501, 503];
/// Levels we answer for NetrShareEnum.
const ENUM_SUPPORTED: [u32; 5] = [0, 1, 2, 501, 502];
/// Levels we answer for NetrShareGetInfo.
const GET_SUPPORTED: [u32; 6] = [0, 1, 2, 501, 502, 1005];

/// Levels of SERVER_INFO (MS-SRVS 2.2.3.7) that are pointer arms.
fn server_info_arm(level: u32) -> bool {
    matches!(
        level,
        100 | 101 | 102 | 103 | 502 | 503 | 599 | 1005 | 1107 | 1010 | 1016 | 1017 | 1018
    ) || (1501..=1556).contains(&level)
}

/// Executes one srvsvc call.
pub fn call(info: &ServerInfo, opnum: u16, stub: &[u8]) -> Result<Vec<u8>, CallError> {
    match opnum {
        OPNUM_NETR_SHARE_ENUM => Ok(share_enum(info, &ShareEnumRequest::decode(stub)?)),
        OPNUM_NETR_SHARE_GET_INFO => Ok(share_get_info(info, &ShareGetInfoRequest::decode(stub)?)),
        OPNUM_NETR_SERVER_GET_INFO => {
            Ok(server_get_info(info, &ServerGetInfoRequest::decode(stub)?))
        }
        other => Err(CallError::UnknownOpnum(other)),
    }
}

fn read_server_name(r: &mut NdrReader<'_>) -> Result<Option<String>, NdrError> {
    match r.unique_pointer()? {
        Some(_) => Ok(Some(r.string()?)),
        None => Ok(None),
    }
}

fn write_server_name(w: &mut NdrWriter, name: Option<&str>) {
    if w.pointer(name.is_some()) {
        w.string(name.unwrap_or_default());
    }
}

/// NetrShareEnum request (MS-SRVS 3.1.4.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareEnumRequest {
    /// `ServerName`, ignored by the server.
    pub server_name: Option<String>,
    /// `InfoStruct.Level`.
    pub level: u32,
    /// `PreferedMaximumLength`.
    pub preferred_max_len: u32,
    /// `ResumeHandle` (None: NULL pointer).
    pub resume_handle: Option<u32>,
}

impl ShareEnumRequest {
    /// Decodes the stub. The input container must be empty (a NULL
    /// `Buffer`), as every client sends it.
    pub fn decode(stub: &[u8]) -> Result<Self, NdrError> {
        let mut r = NdrReader::new(stub);
        let server_name = read_server_name(&mut r)?;
        let level = r.u32()?;
        let discriminant = r.union_discriminant()?;
        if discriminant != level {
            return Err(NdrError::Union(discriminant));
        }
        if ENUM_ARMS.contains(&level) && r.unique_pointer()?.is_some() {
            let _entries_read = r.u32()?;
            if r.unique_pointer()?.is_some() {
                return Err(NdrError::Pointer);
            }
        }
        let preferred_max_len = r.u32()?;
        let resume_handle = match r.unique_pointer()? {
            Some(_) => Some(r.u32()?),
            None => None,
        };
        Ok(Self {
            server_name,
            level,
            preferred_max_len,
            resume_handle,
        })
    }

    /// Encodes the stub as a client sends it (empty container).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = NdrWriter::new();
        write_server_name(&mut w, self.server_name.as_deref());
        w.u32(self.level);
        w.union_discriminant(self.level);
        if ENUM_ARMS.contains(&self.level) && w.pointer(true) {
            w.u32(0);
            w.pointer(false);
        }
        w.u32(self.preferred_max_len);
        if w.pointer(self.resume_handle.is_some()) {
            w.u32(self.resume_handle.unwrap_or_default());
        }
        w.into_vec()
    }
}

/// NDR size of one entry at `level` (fixed part plus strings), used for
/// `PreferedMaximumLength`.
fn entry_size(level: u32, s: &ShareEntry) -> usize {
    let fixed: usize = match level {
        0 => 4,
        1 => 12,
        2 => 32,
        501 => 16,
        _ => 40,
    };
    let mut n = fixed.saturating_add(string_wire_len(&s.name));
    if level != 0 {
        n = n.saturating_add(string_wire_len(&s.comment));
    }
    if let (2 | 502, Some(p)) = (level, &s.path) {
        n = n.saturating_add(string_wire_len(p));
    }
    n
}

/// Writes the fixed part of one SHARE_INFO_x.
fn write_share_fixed(w: &mut NdrWriter, level: u32, s: &ShareEntry) {
    w.pointer(true);
    if level == 0 {
        return;
    }
    w.u32(s.share_type());
    w.pointer(true);
    match level {
        2 | 502 => {
            w.u32(0); // permissions: ignored with user-level security
            w.u32(0xFFFF_FFFF); // max_uses: unlimited
            w.u32(0); // current_uses
            w.pointer(s.path.is_some());
            w.pointer(false); // passwd
            if level == 502 {
                w.u32(0); // reserved: security descriptor length
                w.pointer(false); // security descriptor
            }
        }
        501 => w.u32(0), // shi501_flags: manual caching, no DFS
        _ => {}
    }
}

/// Writes the deferred strings of one SHARE_INFO_x, in pointer order.
fn write_share_deferred(w: &mut NdrWriter, level: u32, s: &ShareEntry) {
    w.string(&s.name);
    if level == 0 {
        return;
    }
    w.string(&s.comment);
    if let (2 | 502, Some(p)) = (level, &s.path) {
        w.string(p);
    }
}

/// Answers NetrShareEnum.
///
/// Browseable shares from the resume handle on; with a
/// `PreferedMaximumLength` other than [`MAX_PREFERRED_LENGTH`] as many
/// entries as fit (at least one) and `ERROR_MORE_DATA` with a resume handle
/// to continue. `TotalEntries` counts the entries from the resume position.
pub fn share_enum(info: &ServerInfo, req: &ShareEnumRequest) -> Vec<u8> {
    let mut w = NdrWriter::new();
    let level = req.level;
    w.u32(level);
    w.union_discriminant(level);

    let visible: Vec<&ShareEntry> = info.browseable_shares().collect();
    let start = req
        .resume_handle
        .and_then(|h| usize::try_from(h).ok())
        .unwrap_or(0)
        .min(visible.len());
    let rest = visible.get(start..).unwrap_or_default();

    let (status, total, resume_out) = if ENUM_SUPPORTED.contains(&level) {
        let mut take = rest.len();
        if req.preferred_max_len != MAX_PREFERRED_LENGTH {
            let budget = usize::try_from(req.preferred_max_len).unwrap_or(usize::MAX);
            let mut used = 0usize;
            take = 0;
            for s in rest {
                used = used.saturating_add(entry_size(level, s));
                if take > 0 && used > budget {
                    break;
                }
                take = take.saturating_add(1);
            }
        }
        let entries = rest.get(..take).unwrap_or_default();
        let count = u32::try_from(entries.len()).unwrap_or(u32::MAX);
        w.pointer(true); // container
        w.u32(count);
        if w.pointer(!entries.is_empty()) {
            w.conformant_count(count);
            for s in entries {
                write_share_fixed(&mut w, level, s);
            }
            for s in entries {
                write_share_deferred(&mut w, level, s);
            }
        }
        let next = start.saturating_add(take);
        if next < visible.len() {
            (
                ERROR_MORE_DATA,
                rest.len(),
                u32::try_from(next).unwrap_or(0),
            )
        } else {
            (ERROR_SUCCESS, rest.len(), 0)
        }
    } else {
        if ENUM_ARMS.contains(&level) {
            w.pointer(false);
        }
        (ERROR_INVALID_LEVEL, 0, 0)
    };

    w.u32(u32::try_from(total).unwrap_or(u32::MAX));
    if w.pointer(req.resume_handle.is_some()) {
        w.u32(resume_out);
    }
    w.u32(status);
    w.into_vec()
}

/// NetrShareGetInfo request (MS-SRVS 3.1.4.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareGetInfoRequest {
    /// `ServerName`, ignored.
    pub server_name: Option<String>,
    /// `NetName`.
    pub net_name: String,
    /// `Level`.
    pub level: u32,
}

impl ShareGetInfoRequest {
    /// Decodes the stub.
    pub fn decode(stub: &[u8]) -> Result<Self, NdrError> {
        let mut r = NdrReader::new(stub);
        let server_name = read_server_name(&mut r)?;
        let net_name = r.string()?; // [in, string] top-level ref: no pointer
        let level = r.u32()?;
        Ok(Self {
            server_name,
            net_name,
            level,
        })
    }

    /// Encodes the stub as a client sends it.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = NdrWriter::new();
        write_server_name(&mut w, self.server_name.as_deref());
        w.string(&self.net_name);
        w.u32(self.level);
        w.into_vec()
    }
}

/// Answers NetrShareGetInfo: the share at the requested level,
/// `NERR_NetNameNotFound` for an unknown share, `ERROR_INVALID_LEVEL` for an
/// unsupported level (both with a NULL arm).
pub fn share_get_info(info: &ServerInfo, req: &ShareGetInfoRequest) -> Vec<u8> {
    let mut w = NdrWriter::new();
    let level = req.level;
    w.union_discriminant(level);
    let share = info.find_share(&req.net_name);
    let status = match share {
        _ if !GET_SUPPORTED.contains(&level) => ERROR_INVALID_LEVEL,
        None => NERR_NET_NAME_NOT_FOUND,
        Some(_) => ERROR_SUCCESS,
    };
    match share {
        Some(s) if status == ERROR_SUCCESS => {
            w.pointer(true);
            if level == 1005 {
                w.u32(0); // shi1005_flags: no DFS, manual caching
            } else {
                write_share_fixed(&mut w, level, s);
                write_share_deferred(&mut w, level, s);
            }
        }
        _ => {
            if SHARE_INFO_ARMS.contains(&level) {
                w.pointer(false);
            }
        }
    }
    w.u32(status);
    w.into_vec()
}

/// NetrServerGetInfo request (MS-SRVS 3.1.4.17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerGetInfoRequest {
    /// `ServerName`, ignored.
    pub server_name: Option<String>,
    /// `Level`.
    pub level: u32,
}

impl ServerGetInfoRequest {
    /// Decodes the stub.
    pub fn decode(stub: &[u8]) -> Result<Self, NdrError> {
        let mut r = NdrReader::new(stub);
        let server_name = read_server_name(&mut r)?;
        let level = r.u32()?;
        Ok(Self { server_name, level })
    }

    /// Encodes the stub as a client sends it.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = NdrWriter::new();
        write_server_name(&mut w, self.server_name.as_deref());
        w.u32(self.level);
        w.into_vec()
    }
}

/// Answers NetrServerGetInfo at level 100, 101 or 102; other levels get
/// `ERROR_INVALID_LEVEL`.
pub fn server_get_info(info: &ServerInfo, req: &ServerGetInfoRequest) -> Vec<u8> {
    let mut w = NdrWriter::new();
    let level = req.level;
    w.union_discriminant(level);
    let status = match level {
        100..=102 => {
            w.pointer(true);
            w.u32(info.platform_id);
            w.pointer(true); // name
            if level != 100 {
                w.u32(info.version_major);
                w.u32(info.version_minor);
                w.u32(info.server_type);
                w.pointer(true); // comment
            }
            if level == 102 {
                w.u32(0xFFFF_FFFF); // users
                w.u32(15); // disc: auto-disconnect minutes
                w.u32(0); // hidden: FALSE
                w.u32(240); // announce: seconds
                w.u32(3000); // anndelta: milliseconds
                w.u32(0); // licenses
                w.pointer(true); // userpath
            }
            w.string(&info.name);
            if level != 100 {
                w.string(&info.comment);
            }
            if level == 102 {
                w.string("C:\\");
            }
            ERROR_SUCCESS
        }
        _ => {
            if server_info_arm(level) {
                w.pointer(false);
            }
            ERROR_INVALID_LEVEL
        }
    };
    w.u32(status);
    w.into_vec()
}

/// One entry of a level 0 or level 1 NetrShareEnum answer, as a client
/// decodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareInfo1 {
    /// `shi1_netname`.
    pub name: String,
    /// `shi1_type` (0 at level 0).
    pub share_type: u32,
    /// `shi1_remark` (empty at level 0).
    pub comment: String,
}

/// A decoded NetrShareEnum answer at level 0 or 1 (client side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareEnumResponse {
    /// `InfoStruct.Level`.
    pub level: u32,
    /// The entries.
    pub entries: Vec<ShareInfo1>,
    /// `TotalEntries`.
    pub total_entries: u32,
    /// `ResumeHandle` (None: NULL).
    pub resume_handle: Option<u32>,
    /// The WERROR return value.
    pub status: u32,
}

impl ShareEnumResponse {
    /// Decodes a level 0 or level 1 answer (other levels fail with
    /// [`NdrError::Union`] unless the container or buffer is NULL).
    pub fn decode(stub: &[u8]) -> Result<Self, NdrError> {
        let mut r = NdrReader::new(stub);
        let level = r.u32()?;
        let _discriminant = r.union_discriminant()?;
        let mut entries = Vec::new();
        if ENUM_ARMS.contains(&level) && r.unique_pointer()?.is_some() {
            let count = r.u32()?;
            if r.unique_pointer()?.is_some() {
                if level > 1 {
                    return Err(NdrError::Union(level));
                }
                let fixed = if level == 0 { 4 } else { 12 };
                let n = r.conformant_count(fixed)?;
                if n != count {
                    return Err(NdrError::Count(n));
                }
                let mut kinds = Vec::new();
                for _ in 0..n {
                    let name = r.unique_pointer()?.is_some();
                    let (t, c) = if level == 1 {
                        (r.u32()?, r.unique_pointer()?.is_some())
                    } else {
                        (0, false)
                    };
                    kinds.push((name, t, c));
                }
                for (name, share_type, comment) in kinds {
                    let name = if name { r.string()? } else { String::new() };
                    let comment = if comment { r.string()? } else { String::new() };
                    entries.push(ShareInfo1 {
                        name,
                        share_type,
                        comment,
                    });
                }
            }
        }
        let total_entries = r.u32()?;
        let resume_handle = match r.unique_pointer()? {
            Some(_) => Some(r.u32()?),
            None => None,
        };
        let status = r.u32()?;
        Ok(Self {
            level,
            entries,
            total_entries,
            resume_handle,
            status,
        })
    }
}
