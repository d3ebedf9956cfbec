//! SMB2 QUERY_INFO request and response (MS-SMB2 2.2.37, 2.2.38). The
//! information classes in the buffers are in [`crate::fscc`].

use crate::codec::{
    FileId, Pdu, WireBuf, Writer, add, body_reader, buffer, fixed_end, to_u16, to_u32,
};
use crate::error::WireError;
use crate::header::Command;
use crate::output::output_response;

/// InfoType values (MS-SMB2 2.2.37).
pub mod info_type {
    /// SMB2_0_INFO_FILE.
    pub const FILE: u8 = 0x01;
    /// SMB2_0_INFO_FILESYSTEM.
    pub const FILESYSTEM: u8 = 0x02;
    /// SMB2_0_INFO_SECURITY.
    pub const SECURITY: u8 = 0x03;
    /// SMB2_0_INFO_QUOTA.
    pub const QUOTA: u8 = 0x04;
}

/// AdditionalInformation bits for security queries (MS-SMB2 2.2.37).
pub mod security_information {
    /// OWNER_SECURITY_INFORMATION.
    pub const OWNER: u32 = 0x0000_0001;
    /// GROUP_SECURITY_INFORMATION.
    pub const GROUP: u32 = 0x0000_0002;
    /// DACL_SECURITY_INFORMATION.
    pub const DACL: u32 = 0x0000_0004;
    /// SACL_SECURITY_INFORMATION.
    pub const SACL: u32 = 0x0000_0008;
    /// LABEL_SECURITY_INFORMATION.
    pub const LABEL: u32 = 0x0000_0010;
    /// ATTRIBUTE_SECURITY_INFORMATION.
    pub const ATTRIBUTE: u32 = 0x0000_0020;
    /// SCOPE_SECURITY_INFORMATION.
    pub const SCOPE: u32 = 0x0000_0040;
    /// BACKUP_SECURITY_INFORMATION.
    pub const BACKUP: u32 = 0x0001_0000;
}

/// Request Flags (MS-SMB2 2.2.37, for FileFullEaInformation queries).
pub mod flags {
    /// SL_RESTART_SCAN.
    pub const RESTART_SCAN: u32 = 0x0000_0001;
    /// SL_RETURN_SINGLE_ENTRY.
    pub const RETURN_SINGLE_ENTRY: u32 = 0x0000_0002;
    /// SL_INDEX_SPECIFIED.
    pub const INDEX_SPECIFIED: u32 = 0x0000_0004;
}

/// SMB2 QUERY_INFO request (MS-SMB2 2.2.37).
///
/// The encoder puts the input buffer at 0x68; an empty one gets that offset
/// too, followed by the one zero byte the odd StructureSize counts.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct QueryInfoRequest<'a> {
    /// InfoType ([`info_type`]).
    pub info_type: u8,
    /// FileInfoClass ([`crate::fscc::class`], [`crate::fscc::fs_class`]).
    pub file_info_class: u8,
    /// OutputBufferLength: the most bytes the client accepts.
    pub output_buffer_length: u32,
    /// AdditionalInformation ([`security_information`] for security queries).
    pub additional_information: u32,
    /// Flags ([`flags`]).
    pub flags: u32,
    /// The open.
    pub file_id: FileId,
    /// Input buffer (EA name list, quota SIDs), borrowed.
    pub input: &'a [u8],
}

impl<'a> Pdu<'a> for QueryInfoRequest<'a> {
    const STRUCTURE_SIZE: u16 = 41;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "QUERY_INFO request",
            Some(Command::QUERY_INFO),
            Self::STRUCTURE_SIZE,
        )?;
        let info_type = r.u8("InfoType")?;
        let file_info_class = r.u8("FileInfoClass")?;
        let output_buffer_length = r.u32("OutputBufferLength")?;
        let input_offset = r.u16("InputBufferOffset")?;
        r.skip(2, "Reserved")?;
        let input_length = r.u32("InputBufferLength")?;
        let additional_information = r.u32("AdditionalInformation")?;
        let flags = r.u32("Flags")?;
        let file_id = FileId::read(&mut r)?;
        Ok(QueryInfoRequest {
            info_type,
            file_info_class,
            output_buffer_length,
            additional_information,
            flags,
            file_id,
            input: buffer(
                msg,
                "InputBuffer",
                input_offset.into(),
                input_length.into(),
                fixed_end(Self::STRUCTURE_SIZE),
            )?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let input_offset = add("InputBufferOffset", w.offset(), 40)?;
        w.u16(Self::STRUCTURE_SIZE);
        w.u8(self.info_type);
        w.u8(self.file_info_class);
        w.u32(self.output_buffer_length);
        w.u16(to_u16("InputBufferOffset", input_offset)?);
        w.u16(0);
        w.u32(to_u32("InputBufferLength", self.input.len())?);
        w.u32(self.additional_information);
        w.u32(self.flags);
        self.file_id.write(w);
        if self.input.is_empty() {
            w.u8(0);
        } else {
            w.bytes(self.input);
        }
        Ok(())
    }
}

output_response!(
    /// SMB2 QUERY_INFO response (MS-SMB2 2.2.38): the information at
    /// OutputBufferOffset 0x48.
    QueryInfoResponse,
    Command::QUERY_INFO,
    "QUERY_INFO response"
);
