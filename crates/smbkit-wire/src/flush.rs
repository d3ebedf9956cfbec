//! SMB2 FLUSH request and response (MS-SMB2 2.2.17, 2.2.18).

use crate::codec::{FileId, Pdu, WireBuf, Writer, body_reader};
use crate::error::WireError;
use crate::header::Command;
use crate::simple::reserved_body;

/// SMB2 FLUSH request (MS-SMB2 2.2.17).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FlushRequest {
    /// Reserved1, kept: macOS sends 0xFFFF to ask for a full sync (F_FULLSYNC)
    /// when the AAPL FULL_SYNC volume capability was advertised.
    pub reserved1: u16,
    /// The open to flush.
    pub file_id: FileId,
}

/// Reserved1 value with which macOS asks for a full sync.
pub const MACOS_FULL_SYNC: u16 = 0xFFFF;

impl<'a> Pdu<'a> for FlushRequest {
    const STRUCTURE_SIZE: u16 = 24;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "FLUSH request",
            Some(Command::FLUSH),
            Self::STRUCTURE_SIZE,
        )?;
        let reserved1 = r.u16("Reserved1")?;
        r.skip(4, "Reserved2")?;
        Ok(FlushRequest {
            reserved1,
            file_id: FileId::read(&mut r)?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(self.reserved1);
        w.u32(0);
        self.file_id.write(w);
        Ok(())
    }
}

reserved_body!(
    /// SMB2 FLUSH response (MS-SMB2 2.2.18): StructureSize 4, Reserved.
    FlushResponse,
    Command::FLUSH,
    "FLUSH response"
);
