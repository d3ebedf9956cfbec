//! SMB2 QUERY_DIRECTORY request and response (MS-SMB2 2.2.33, 2.2.34). The
//! entries in the response buffer are built and read by
//! [`crate::fscc::dir`].

use crate::codec::{
    FileId, Pdu, WireBuf, Writer, add, body_reader, buffer, fixed_end, to_u16, utf16le_to_string,
};
use crate::error::WireError;
use crate::header::Command;
use crate::output::output_response;

/// Request Flags (MS-SMB2 2.2.33).
pub mod flags {
    /// SMB2_RESTART_SCANS: restart the enumeration from the beginning.
    pub const RESTART_SCANS: u8 = 0x01;
    /// SMB2_RETURN_SINGLE_ENTRY: return at most one entry.
    pub const RETURN_SINGLE_ENTRY: u8 = 0x02;
    /// SMB2_INDEX_SPECIFIED: resume at FileIndex.
    pub const INDEX_SPECIFIED: u8 = 0x04;
    /// SMB2_REOPEN: restart with a new pattern.
    pub const REOPEN: u8 = 0x10;
}

/// SMB2 QUERY_DIRECTORY request (MS-SMB2 2.2.33).
///
/// The encoder puts the pattern at 0x60; an empty pattern gets that offset
/// too, followed by the one zero byte the odd StructureSize counts.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct QueryDirectoryRequest<'a> {
    /// FileInformationClass ([`crate::fscc::class`], directory classes).
    pub file_information_class: u8,
    /// Flags ([`flags`]).
    pub flags: u8,
    /// FileIndex (with [`flags::INDEX_SPECIFIED`]).
    pub file_index: u32,
    /// The directory open.
    pub file_id: FileId,
    /// The search pattern, raw UTF-16LE (`*`, a name, DOS wildcards).
    pub pattern: &'a [u8],
    /// OutputBufferLength: the most bytes of entries the client accepts.
    pub output_buffer_length: u32,
}

impl QueryDirectoryRequest<'_> {
    /// The pattern decoded from UTF-16LE.
    pub fn pattern_string(&self) -> Result<String, WireError> {
        utf16le_to_string("FileName", self.pattern)
    }
}

impl<'a> Pdu<'a> for QueryDirectoryRequest<'a> {
    const STRUCTURE_SIZE: u16 = 33;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "QUERY_DIRECTORY request",
            Some(Command::QUERY_DIRECTORY),
            Self::STRUCTURE_SIZE,
        )?;
        let file_information_class = r.u8("FileInformationClass")?;
        let flags = r.u8("Flags")?;
        let file_index = r.u32("FileIndex")?;
        let file_id = FileId::read(&mut r)?;
        let name_offset = r.u16("FileNameOffset")?;
        let name_length = r.u16("FileNameLength")?;
        let output_buffer_length = r.u32("OutputBufferLength")?;
        Ok(QueryDirectoryRequest {
            file_information_class,
            flags,
            file_index,
            file_id,
            pattern: buffer(
                msg,
                "FileName",
                name_offset.into(),
                name_length.into(),
                fixed_end(Self::STRUCTURE_SIZE),
            )?,
            output_buffer_length,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let name_offset = add("FileNameOffset", w.offset(), 32)?;
        w.u16(Self::STRUCTURE_SIZE);
        w.u8(self.file_information_class);
        w.u8(self.flags);
        w.u32(self.file_index);
        self.file_id.write(w);
        w.u16(to_u16("FileNameOffset", name_offset)?);
        w.u16(to_u16("FileNameLength", self.pattern.len())?);
        w.u32(self.output_buffer_length);
        if self.pattern.is_empty() {
            w.u8(0);
        } else {
            w.bytes(self.pattern);
        }
        Ok(())
    }
}

output_response!(
    /// SMB2 QUERY_DIRECTORY response (MS-SMB2 2.2.34): the directory entries
    /// ([`crate::fscc::dir`]) at OutputBufferOffset 0x48.
    QueryDirectoryResponse,
    Command::QUERY_DIRECTORY,
    "QUERY_DIRECTORY response"
);
