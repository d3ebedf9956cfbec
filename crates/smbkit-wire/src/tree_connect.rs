//! SMB2 TREE_CONNECT request and response (MS-SMB2 2.2.9, 2.2.10), with the
//! SMB 3.1.1 request extension (2.2.9.1) and tree connect contexts (2.2.9.2).

use crate::codec::{
    Pdu, Reader, WireBuf, Writer, add, align8, body_reader, buffer, fixed_end, to_u16, to_u32,
    utf16le_to_string,
};
use crate::context::{read_contexts, write_contexts};
use crate::error::WireError;
use crate::header::Command;

/// Request Flags (3.1.1).
pub mod flags {
    /// SMB2_TREE_CONNECT_FLAG_CLUSTER_RECONNECT.
    pub const CLUSTER_RECONNECT: u16 = 0x0001;
    /// SMB2_TREE_CONNECT_FLAG_REDIRECT_TO_OWNER.
    pub const REDIRECT_TO_OWNER: u16 = 0x0002;
    /// SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT.
    pub const EXTENSION_PRESENT: u16 = 0x0004;
}

/// ShareType values (MS-SMB2 2.2.10).
pub mod share_type {
    /// SMB2_SHARE_TYPE_DISK.
    pub const DISK: u8 = 0x01;
    /// SMB2_SHARE_TYPE_PIPE.
    pub const PIPE: u8 = 0x02;
    /// SMB2_SHARE_TYPE_PRINT.
    pub const PRINT: u8 = 0x03;
}

/// ShareFlags bits (MS-SMB2 2.2.10).
pub mod share_flags {
    /// SMB2_SHAREFLAG_MANUAL_CACHING.
    pub const MANUAL_CACHING: u32 = 0x0000_0000;
    /// SMB2_SHAREFLAG_AUTO_CACHING.
    pub const AUTO_CACHING: u32 = 0x0000_0010;
    /// SMB2_SHAREFLAG_VDO_CACHING.
    pub const VDO_CACHING: u32 = 0x0000_0020;
    /// SMB2_SHAREFLAG_NO_CACHING.
    pub const NO_CACHING: u32 = 0x0000_0030;
    /// SMB2_SHAREFLAG_DFS.
    pub const DFS: u32 = 0x0000_0001;
    /// SMB2_SHAREFLAG_DFS_ROOT.
    pub const DFS_ROOT: u32 = 0x0000_0002;
    /// SMB2_SHAREFLAG_RESTRICT_EXCLUSIVE_OPENS.
    pub const RESTRICT_EXCLUSIVE_OPENS: u32 = 0x0000_0100;
    /// SMB2_SHAREFLAG_FORCE_SHARED_DELETE.
    pub const FORCE_SHARED_DELETE: u32 = 0x0000_0200;
    /// SMB2_SHAREFLAG_ALLOW_NAMESPACE_CACHING.
    pub const ALLOW_NAMESPACE_CACHING: u32 = 0x0000_0400;
    /// SMB2_SHAREFLAG_ACCESS_BASED_DIRECTORY_ENUM.
    pub const ACCESS_BASED_DIRECTORY_ENUM: u32 = 0x0000_0800;
    /// SMB2_SHAREFLAG_FORCE_LEVELII_OPLOCK.
    pub const FORCE_LEVELII_OPLOCK: u32 = 0x0000_1000;
    /// SMB2_SHAREFLAG_ENABLE_HASH_V1.
    pub const ENABLE_HASH_V1: u32 = 0x0000_2000;
    /// SMB2_SHAREFLAG_ENABLE_HASH_V2.
    pub const ENABLE_HASH_V2: u32 = 0x0000_4000;
    /// SMB2_SHAREFLAG_ENCRYPT_DATA.
    pub const ENCRYPT_DATA: u32 = 0x0000_8000;
    /// SMB2_SHAREFLAG_IDENTITY_REMOTING.
    pub const IDENTITY_REMOTING: u32 = 0x0004_0000;
    /// SMB2_SHAREFLAG_COMPRESS_DATA.
    pub const COMPRESS_DATA: u32 = 0x0010_0000;
    /// SMB2_SHAREFLAG_ISOLATED_TRANSPORT.
    pub const ISOLATED_TRANSPORT: u32 = 0x0020_0000;
}

/// Share Capabilities bits (MS-SMB2 2.2.10).
pub mod share_capabilities {
    /// SMB2_SHARE_CAP_DFS.
    pub const DFS: u32 = 0x0000_0008;
    /// SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY.
    pub const CONTINUOUS_AVAILABILITY: u32 = 0x0000_0010;
    /// SMB2_SHARE_CAP_SCALEOUT.
    pub const SCALEOUT: u32 = 0x0000_0020;
    /// SMB2_SHARE_CAP_CLUSTER.
    pub const CLUSTER: u32 = 0x0000_0040;
    /// SMB2_SHARE_CAP_ASYMMETRIC.
    pub const ASYMMETRIC: u32 = 0x0000_0080;
    /// SMB2_SHARE_CAP_REDIRECT_TO_OWNER.
    pub const REDIRECT_TO_OWNER: u32 = 0x0000_0100;
}

/// A tree connect context (MS-SMB2 2.2.9.2), kept raw.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TreeConnectContext<'a> {
    /// ContextType (1 = SMB2_REMOTED_IDENTITY_TREE_CONNECT_CONTEXT_ID).
    pub context_type: u16,
    /// Data, borrowed.
    pub data: &'a [u8],
}

/// SMB2 TREE_CONNECT request (MS-SMB2 2.2.9).
///
/// When `flags` has [`flags::EXTENSION_PRESENT`], the Buffer starts with the
/// request extension (2.2.9.1: TreeConnectContextOffset, Count, 10 reserved
/// bytes) and the path lies inside it; PathOffset still counts from the SMB2
/// header. TreeConnectContextOffset is read from the SMB2 header as well
/// (the offset convention of every other SMB2 field).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct TreeConnectRequest<'a> {
    /// Flags (3.1.1; Reserved before). See [`flags`].
    pub flags: u16,
    /// The share path `\\server\share`, raw UTF-16LE.
    pub path: &'a [u8],
    /// Tree connect contexts (only with the extension).
    pub contexts: Vec<TreeConnectContext<'a>>,
}

impl TreeConnectRequest<'_> {
    /// Whether the 3.1.1 request extension is present.
    pub fn has_extension(&self) -> bool {
        self.flags & flags::EXTENSION_PRESENT != 0
    }

    /// The path decoded from UTF-16LE.
    pub fn path_string(&self) -> Result<String, WireError> {
        utf16le_to_string("Path", self.path)
    }
}

const EXTENSION_LEN: usize = 16;

impl<'a> Pdu<'a> for TreeConnectRequest<'a> {
    const STRUCTURE_SIZE: u16 = 9;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "TREE_CONNECT request",
            Some(Command::TREE_CONNECT),
            Self::STRUCTURE_SIZE,
        )?;
        let flags = r.u16("Flags")?;
        let path_offset = r.u16("PathOffset")?;
        let path_length = r.u16("PathLength")?;
        let fixed = fixed_end(Self::STRUCTURE_SIZE);
        let mut req = TreeConnectRequest {
            flags,
            path: &[],
            contexts: Vec::new(),
        };
        if req.has_extension() {
            let mut e = Reader::at(msg, fixed);
            let ctx_offset = e.u32("TreeConnectContextOffset")?;
            let ctx_count = e.u16("TreeConnectContextCount")?;
            e.skip(10, "Extension.Reserved")?;
            let ext_end = e.position();
            req.path = buffer(
                msg,
                "PathName",
                path_offset.into(),
                path_length.into(),
                ext_end,
            )?;
            req.contexts =
                read_contexts(msg, "TreeConnectContexts", ctx_offset, ctx_count, ext_end)?
                    .into_iter()
                    .map(|(context_type, data)| TreeConnectContext { context_type, data })
                    .collect();
        } else {
            req.path = buffer(msg, "Path", path_offset.into(), path_length.into(), fixed)?;
        }
        Ok(req)
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let ext = self.has_extension();
        if !ext && !self.contexts.is_empty() {
            return Err(WireError::invalid(
                "TreeConnectContexts",
                "contexts need SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT",
            ));
        }
        let fixed = add("Path", w.offset(), 8)?;
        let path_offset = if ext {
            add("PathName", fixed, EXTENSION_LEN)?
        } else {
            fixed
        };
        let path_end = add("PathName", path_offset, self.path.len())?;
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(self.flags);
        w.u16(to_u16("PathOffset", path_offset)?);
        w.u16(to_u16("PathLength", self.path.len())?);
        if ext {
            let ctx_offset = if self.contexts.is_empty() {
                0
            } else {
                align8(path_end)
                    .ok_or(WireError::invalid("TreeConnectContextOffset", "overflow"))?
            };
            w.u32(to_u32("TreeConnectContextOffset", ctx_offset)?);
            w.u16(to_u16("TreeConnectContextCount", self.contexts.len())?);
            w.zeros(10);
        }
        w.bytes(self.path);
        if !self.contexts.is_empty() {
            w.pad_to(8);
            let raw: Vec<(u16, Vec<u8>)> = self
                .contexts
                .iter()
                .map(|c| (c.context_type, c.data.to_vec()))
                .collect();
            write_contexts(w, &raw)?;
        }
        Ok(())
    }
}

/// SMB2 TREE_CONNECT response (MS-SMB2 2.2.10).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TreeConnectResponse {
    /// ShareType ([`share_type`]).
    pub share_type: u8,
    /// ShareFlags ([`share_flags`]).
    pub share_flags: u32,
    /// Capabilities ([`share_capabilities`]).
    pub capabilities: u32,
    /// MaximalAccess (an access mask).
    pub maximal_access: u32,
}

impl<'a> Pdu<'a> for TreeConnectResponse {
    const STRUCTURE_SIZE: u16 = 16;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "TREE_CONNECT response",
            Some(Command::TREE_CONNECT),
            Self::STRUCTURE_SIZE,
        )?;
        let share_type = r.u8("ShareType")?;
        r.skip(1, "Reserved")?;
        Ok(TreeConnectResponse {
            share_type,
            share_flags: r.u32("ShareFlags")?,
            capabilities: r.u32("Capabilities")?,
            maximal_access: r.u32("MaximalAccess")?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u16(Self::STRUCTURE_SIZE);
        w.u8(self.share_type);
        w.u8(0);
        w.u32(self.share_flags);
        w.u32(self.capabilities);
        w.u32(self.maximal_access);
        Ok(())
    }
}
