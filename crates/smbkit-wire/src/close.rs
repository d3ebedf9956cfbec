//! SMB2 CLOSE request and response (MS-SMB2 2.2.15, 2.2.16).

use crate::codec::{FileId, Pdu, WireBuf, Writer, body_reader};
use crate::error::WireError;
use crate::header::Command;

/// Flags: SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB. In a request: return the
/// attributes. In a response: the attribute fields are valid (the server
/// echoes the flag; macOS complains when it does not).
pub const FLAG_POSTQUERY_ATTRIB: u16 = 0x0001;

/// SMB2 CLOSE request (MS-SMB2 2.2.15).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct CloseRequest {
    /// Flags ([`FLAG_POSTQUERY_ATTRIB`]).
    pub flags: u16,
    /// The open to close.
    pub file_id: FileId,
}

impl<'a> Pdu<'a> for CloseRequest {
    const STRUCTURE_SIZE: u16 = 24;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "CLOSE request",
            Some(Command::CLOSE),
            Self::STRUCTURE_SIZE,
        )?;
        let flags = r.u16("Flags")?;
        r.skip(4, "Reserved")?;
        Ok(CloseRequest {
            flags,
            file_id: FileId::read(&mut r)?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(self.flags);
        w.u32(0);
        self.file_id.write(w);
        Ok(())
    }
}

/// SMB2 CLOSE response (MS-SMB2 2.2.16). Without
/// [`FLAG_POSTQUERY_ATTRIB`] every attribute field is zero.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct CloseResponse {
    /// Flags ([`FLAG_POSTQUERY_ATTRIB`]).
    pub flags: u16,
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
    /// FileAttributes.
    pub file_attributes: u32,
}

impl<'a> Pdu<'a> for CloseResponse {
    const STRUCTURE_SIZE: u16 = 60;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "CLOSE response",
            Some(Command::CLOSE),
            Self::STRUCTURE_SIZE,
        )?;
        let flags = r.u16("Flags")?;
        r.skip(4, "Reserved")?;
        Ok(CloseResponse {
            flags,
            creation_time: r.u64("CreationTime")?,
            last_access_time: r.u64("LastAccessTime")?,
            last_write_time: r.u64("LastWriteTime")?,
            change_time: r.u64("ChangeTime")?,
            allocation_size: r.u64("AllocationSize")?,
            end_of_file: r.u64("EndofFile")?,
            file_attributes: r.u32("FileAttributes")?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(self.flags);
        w.u32(0);
        w.u64(self.creation_time);
        w.u64(self.last_access_time);
        w.u64(self.last_write_time);
        w.u64(self.change_time);
        w.u64(self.allocation_size);
        w.u64(self.end_of_file);
        w.u32(self.file_attributes);
        Ok(())
    }
}
