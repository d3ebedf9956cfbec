//! wkssvc (MS-WKST), interface `6bffd098-a112-3610-9833-46c3f87e345a` v1.0:
//! NetrWkstaGetInfo (opnum 0) at levels 100, 101 and 102.

use crate::error::{CallError, NdrError};
use crate::info::ServerInfo;
use crate::ndr::{NdrReader, NdrWriter};
use crate::pdu::{SyntaxId, Uuid};
use crate::werror::{ERROR_INVALID_LEVEL, ERROR_SUCCESS};

/// The wkssvc abstract syntax, v1.0.
pub const WKSSVC: SyntaxId = SyntaxId {
    uuid: Uuid::from_fields(
        0x6bff_d098,
        0xa112,
        0x3610,
        [0x98, 0x33, 0x46, 0xc3, 0xf8, 0x7e, 0x34, 0x5a],
    ),
    major: 1,
    minor: 0,
};

/// NetrWkstaGetInfo.
pub const OPNUM_NETR_WKSTA_GET_INFO: u16 = 0;

/// Levels of WKSTA_INFO (MS-WKST 2.2.4.1) that are pointer arms.
const WKSTA_INFO_ARMS: [u32; 7] = [100, 101, 102, 502, 1013, 1018, 1046];

/// Executes one wkssvc call.
pub fn call(info: &ServerInfo, opnum: u16, stub: &[u8]) -> Result<Vec<u8>, CallError> {
    match opnum {
        OPNUM_NETR_WKSTA_GET_INFO => Ok(wksta_get_info(info, &WkstaGetInfoRequest::decode(stub)?)),
        other => Err(CallError::UnknownOpnum(other)),
    }
}

/// NetrWkstaGetInfo request (MS-WKST 3.2.4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WkstaGetInfoRequest {
    /// `ServerName`, ignored.
    pub server_name: Option<String>,
    /// `Level`.
    pub level: u32,
}

impl WkstaGetInfoRequest {
    /// Decodes the stub.
    pub fn decode(stub: &[u8]) -> Result<Self, NdrError> {
        let mut r = NdrReader::new(stub);
        let server_name = match r.unique_pointer()? {
            Some(_) => Some(r.string()?),
            None => None,
        };
        let level = r.u32()?;
        Ok(Self { server_name, level })
    }

    /// Encodes the stub as a client sends it.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = NdrWriter::new();
        if w.pointer(self.server_name.is_some()) {
            w.string(self.server_name.as_deref().unwrap_or_default());
        }
        w.u32(self.level);
        w.into_vec()
    }
}

/// Answers NetrWkstaGetInfo: level 100 `{platform_id, computername,
/// langroup, ver_major, ver_minor}`, 101 adds `lanroot` (NULL), 102 adds
/// `logged_on_users` (0); other levels get `ERROR_INVALID_LEVEL`.
pub fn wksta_get_info(info: &ServerInfo, req: &WkstaGetInfoRequest) -> Vec<u8> {
    let mut w = NdrWriter::new();
    let level = req.level;
    w.union_discriminant(level);
    let status = if matches!(level, 100..=102) {
        w.pointer(true);
        w.u32(info.platform_id);
        w.pointer(true); // computername
        w.pointer(true); // langroup
        w.u32(info.version_major);
        w.u32(info.version_minor);
        if level >= 101 {
            w.pointer(false); // lanroot
        }
        if level == 102 {
            w.u32(0); // logged_on_users
        }
        w.string(&info.name);
        w.string(&info.domain);
        ERROR_SUCCESS
    } else {
        if WKSTA_INFO_ARMS.contains(&level) {
            w.pointer(false);
        }
        ERROR_INVALID_LEVEL
    };
    w.u32(status);
    w.into_vec()
}
