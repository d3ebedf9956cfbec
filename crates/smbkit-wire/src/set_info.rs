//! SMB2 SET_INFO request and response (MS-SMB2 2.2.39, 2.2.40). The
//! information classes in the buffer are in [`crate::fscc`].

use crate::codec::{
    FileId, Pdu, WireBuf, Writer, add, body_reader, buffer, fixed_end, to_u16, to_u32,
};
use crate::error::WireError;
use crate::header::Command;

/// SMB2 SET_INFO request (MS-SMB2 2.2.39).
///
/// The encoder puts the buffer at 0x60; an empty buffer gets that offset too,
/// followed by the one zero byte the odd StructureSize counts.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SetInfoRequest<'a> {
    /// InfoType ([`crate::query_info::info_type`]).
    pub info_type: u8,
    /// FileInfoClass ([`crate::fscc::class`], [`crate::fscc::fs_class`]).
    pub file_info_class: u8,
    /// AdditionalInformation (security information bits).
    pub additional_information: u32,
    /// The open.
    pub file_id: FileId,
    /// The information to set, borrowed.
    pub buffer: &'a [u8],
}

impl<'a> Pdu<'a> for SetInfoRequest<'a> {
    const STRUCTURE_SIZE: u16 = 33;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "SET_INFO request",
            Some(Command::SET_INFO),
            Self::STRUCTURE_SIZE,
        )?;
        let info_type = r.u8("InfoType")?;
        let file_info_class = r.u8("FileInfoClass")?;
        let length = r.u32("BufferLength")?;
        let offset = r.u16("BufferOffset")?;
        r.skip(2, "Reserved")?;
        let additional_information = r.u32("AdditionalInformation")?;
        let file_id = FileId::read(&mut r)?;
        Ok(SetInfoRequest {
            info_type,
            file_info_class,
            additional_information,
            file_id,
            buffer: buffer(
                msg,
                "Buffer",
                offset.into(),
                length.into(),
                fixed_end(Self::STRUCTURE_SIZE),
            )?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let offset = add("BufferOffset", w.offset(), 32)?;
        w.u16(Self::STRUCTURE_SIZE);
        w.u8(self.info_type);
        w.u8(self.file_info_class);
        w.u32(to_u32("BufferLength", self.buffer.len())?);
        w.u16(to_u16("BufferOffset", offset)?);
        w.u16(0);
        w.u32(self.additional_information);
        self.file_id.write(w);
        if self.buffer.is_empty() {
            w.u8(0);
        } else {
            w.bytes(self.buffer);
        }
        Ok(())
    }
}

/// SMB2 SET_INFO response (MS-SMB2 2.2.40): StructureSize 2 and nothing else.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SetInfoResponse;

impl<'a> Pdu<'a> for SetInfoResponse {
    const STRUCTURE_SIZE: u16 = 2;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        body_reader(
            msg,
            "SET_INFO response",
            Some(Command::SET_INFO),
            Self::STRUCTURE_SIZE,
        )
        .map(|_| SetInfoResponse)
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u16(Self::STRUCTURE_SIZE);
        Ok(())
    }
}
