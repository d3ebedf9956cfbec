//! SMB2 CREATE request and response (MS-SMB2 2.2.13, 2.2.14) with their
//! create-context chains ([`context`]) and the numeric fields ([`flags`],
//! re-exported here as [`disposition`], [`options`], [`access`], …).
//!
//! Layout chosen by the encoders: the name right after the fixed part (0x78
//! in a request), the context chain at the next 8-aligned offset, a response's
//! contexts at 0x98. CreateContextsOffset/Length are 0 when there are no
//! contexts. A request whose name and contexts are both empty carries the one
//! zero byte its odd StructureSize counts; responses carry no such byte.

pub mod context;
pub mod flags;

pub use context::{CreateContext, RequestContext, ResponseContext};
pub use flags::{
    access, create_action, disposition, file_attributes, impersonation, oplock_level, options,
    response_flags, share_access,
};

use crate::codec::{
    FileId, Pdu, WireBuf, Writer, add, align8, body_reader, buffer, check_aligned, fixed_end,
    to_u16, to_u32, utf16le_to_string,
};
use crate::error::WireError;
use crate::header::Command;

/// Resolves and walks the CreateContexts buffer of `msg`.
fn decode_contexts(
    msg: &[u8],
    offset: u32,
    length: u32,
    fixed: usize,
) -> Result<Vec<CreateContext<'_>>, WireError> {
    if length == 0 {
        return Ok(Vec::new());
    }
    check_aligned("CreateContextsOffset", offset.into(), 8)?;
    let region = buffer(msg, "CreateContexts", offset.into(), length.into(), fixed)?;
    context::read_chain(region)
}

/// CreateContextsOffset and CreateContextsLength for a chain written at the
/// first 8-aligned offset at or after `start` ((0, 0) for no contexts).
fn contexts_layout(start: usize, contexts: &[CreateContext<'_>]) -> Result<(u32, u32), WireError> {
    if contexts.is_empty() {
        return Ok((0, 0));
    }
    let offset = align8(start).ok_or(WireError::invalid("CreateContextsOffset", "overflow"))?;
    Ok((
        to_u32("CreateContextsOffset", offset)?,
        to_u32("CreateContextsLength", context::chain_len(contexts)?)?,
    ))
}

/// SMB2 CREATE request (MS-SMB2 2.2.13).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct CreateRequest<'a> {
    /// SecurityFlags (reserved, 0).
    pub security_flags: u8,
    /// RequestedOplockLevel ([`oplock_level`]).
    pub requested_oplock_level: u8,
    /// ImpersonationLevel ([`impersonation`]).
    pub impersonation_level: u32,
    /// SmbCreateFlags (reserved, 0).
    pub smb_create_flags: u64,
    /// DesiredAccess ([`access`]).
    pub desired_access: u32,
    /// FileAttributes ([`file_attributes`]).
    pub file_attributes: u32,
    /// ShareAccess ([`share_access`]).
    pub share_access: u32,
    /// CreateDisposition ([`disposition`]).
    pub create_disposition: u32,
    /// CreateOptions ([`options`]).
    pub create_options: u32,
    /// The path relative to the share, raw UTF-16LE (empty: the share root).
    pub name: &'a [u8],
    /// The create contexts in wire order.
    pub contexts: Vec<CreateContext<'a>>,
}

impl CreateRequest<'_> {
    /// The name decoded from UTF-16LE.
    pub fn name_string(&self) -> Result<String, WireError> {
        utf16le_to_string("Name", self.name)
    }

    /// The first context named `tag`.
    pub fn context(&self, tag: &[u8; 4]) -> Option<&CreateContext<'_>> {
        self.contexts.iter().find(|c| c.is(tag))
    }
}

impl<'a> Pdu<'a> for CreateRequest<'a> {
    const STRUCTURE_SIZE: u16 = 57;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "CREATE request",
            Some(Command::CREATE),
            Self::STRUCTURE_SIZE,
        )?;
        let security_flags = r.u8("SecurityFlags")?;
        let requested_oplock_level = r.u8("RequestedOplockLevel")?;
        let impersonation_level = r.u32("ImpersonationLevel")?;
        let smb_create_flags = r.u64("SmbCreateFlags")?;
        r.skip(8, "Reserved")?;
        let desired_access = r.u32("DesiredAccess")?;
        let file_attributes = r.u32("FileAttributes")?;
        let share_access = r.u32("ShareAccess")?;
        let create_disposition = r.u32("CreateDisposition")?;
        let create_options = r.u32("CreateOptions")?;
        let name_offset = r.u16("NameOffset")?;
        let name_length = r.u16("NameLength")?;
        let ctx_offset = r.u32("CreateContextsOffset")?;
        let ctx_length = r.u32("CreateContextsLength")?;
        let fixed = fixed_end(Self::STRUCTURE_SIZE);
        Ok(CreateRequest {
            security_flags,
            requested_oplock_level,
            impersonation_level,
            smb_create_flags,
            desired_access,
            file_attributes,
            share_access,
            create_disposition,
            create_options,
            name: buffer(msg, "Name", name_offset.into(), name_length.into(), fixed)?,
            contexts: decode_contexts(msg, ctx_offset, ctx_length, fixed)?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let name_offset = add("NameOffset", w.offset(), 56)?;
        let name_end = add("NameLength", name_offset, self.name.len())?;
        let (ctx_offset, ctx_length) = contexts_layout(name_end, &self.contexts)?;
        w.u16(Self::STRUCTURE_SIZE);
        w.u8(self.security_flags);
        w.u8(self.requested_oplock_level);
        w.u32(self.impersonation_level);
        w.u64(self.smb_create_flags);
        w.u64(0);
        w.u32(self.desired_access);
        w.u32(self.file_attributes);
        w.u32(self.share_access);
        w.u32(self.create_disposition);
        w.u32(self.create_options);
        w.u16(to_u16("NameOffset", name_offset)?);
        w.u16(to_u16("NameLength", self.name.len())?);
        w.u32(ctx_offset);
        w.u32(ctx_length);
        w.bytes(self.name);
        if self.contexts.is_empty() {
            if self.name.is_empty() {
                w.u8(0);
            }
        } else {
            w.pad_to(8);
            context::write_chain(w, &self.contexts)?;
        }
        Ok(())
    }
}

/// SMB2 CREATE response (MS-SMB2 2.2.14).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct CreateResponse<'a> {
    /// OplockLevel granted ([`oplock_level`]).
    pub oplock_level: u8,
    /// Flags ([`response_flags`]).
    pub flags: u8,
    /// CreateAction ([`create_action`]).
    pub create_action: u32,
    /// CreationTime (FILETIME).
    pub creation_time: u64,
    /// LastAccessTime (FILETIME).
    pub last_access_time: u64,
    /// LastWriteTime (FILETIME).
    pub last_write_time: u64,
    /// ChangeTime (FILETIME).
    pub change_time: u64,
    /// AllocationSize.
    pub allocation_size: u64,
    /// EndofFile.
    pub end_of_file: u64,
    /// FileAttributes ([`file_attributes`]).
    pub file_attributes: u32,
    /// The FileId of the new open.
    pub file_id: FileId,
    /// Response create contexts.
    pub contexts: Vec<CreateContext<'a>>,
}

impl CreateResponse<'_> {
    /// The first context named `tag`.
    pub fn context(&self, tag: &[u8; 4]) -> Option<&CreateContext<'_>> {
        self.contexts.iter().find(|c| c.is(tag))
    }
}

impl<'a> Pdu<'a> for CreateResponse<'a> {
    const STRUCTURE_SIZE: u16 = 89;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "CREATE response",
            Some(Command::CREATE),
            Self::STRUCTURE_SIZE,
        )?;
        let oplock_level = r.u8("OplockLevel")?;
        let flags = r.u8("Flags")?;
        let create_action = r.u32("CreateAction")?;
        let creation_time = r.u64("CreationTime")?;
        let last_access_time = r.u64("LastAccessTime")?;
        let last_write_time = r.u64("LastWriteTime")?;
        let change_time = r.u64("ChangeTime")?;
        let allocation_size = r.u64("AllocationSize")?;
        let end_of_file = r.u64("EndofFile")?;
        let file_attributes = r.u32("FileAttributes")?;
        r.skip(4, "Reserved2")?;
        let file_id = FileId::read(&mut r)?;
        let ctx_offset = r.u32("CreateContextsOffset")?;
        let ctx_length = r.u32("CreateContextsLength")?;
        Ok(CreateResponse {
            oplock_level,
            flags,
            create_action,
            creation_time,
            last_access_time,
            last_write_time,
            change_time,
            allocation_size,
            end_of_file,
            file_attributes,
            file_id,
            contexts: decode_contexts(
                msg,
                ctx_offset,
                ctx_length,
                fixed_end(Self::STRUCTURE_SIZE),
            )?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let fixed = add("CreateContextsOffset", w.offset(), 88)?;
        let (ctx_offset, ctx_length) = contexts_layout(fixed, &self.contexts)?;
        w.u16(Self::STRUCTURE_SIZE);
        w.u8(self.oplock_level);
        w.u8(self.flags);
        w.u32(self.create_action);
        w.u64(self.creation_time);
        w.u64(self.last_access_time);
        w.u64(self.last_write_time);
        w.u64(self.change_time);
        w.u64(self.allocation_size);
        w.u64(self.end_of_file);
        w.u32(self.file_attributes);
        w.u32(0);
        self.file_id.write(w);
        w.u32(ctx_offset);
        w.u32(ctx_length);
        if !self.contexts.is_empty() {
            w.pad_to(8);
            context::write_chain(w, &self.contexts)?;
        }
        Ok(())
    }
}
