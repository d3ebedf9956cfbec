//! SMB2 WRITE request and response (MS-SMB2 2.2.21, 2.2.22).

use crate::codec::{
    FileId, Pdu, WireBuf, Writer, add, align8, body_reader, buffer, fixed_end, to_u16, to_u32,
};
use crate::error::WireError;
use crate::header::Command;

/// Request Flags (MS-SMB2 2.2.21).
pub mod flags {
    /// SMB2_WRITEFLAG_WRITE_THROUGH.
    pub const WRITE_THROUGH: u32 = 0x0000_0001;
    /// SMB2_WRITEFLAG_WRITE_UNBUFFERED.
    pub const WRITE_UNBUFFERED: u32 = 0x0000_0002;
}

/// Offset value meaning "append" on a handle opened for append only.
pub const APPEND_OFFSET: u64 = u64::MAX;

/// SMB2 WRITE request (MS-SMB2 2.2.21); the data is borrowed.
///
/// The encoder puts the data at 0x70 and WriteChannelInfo 8-aligned after it;
/// an empty WriteChannelInfo gets offset 0x70, as in the published Windows
/// packets. With neither it writes the one zero byte the odd StructureSize
/// counts.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct WriteRequest<'a> {
    /// Offset in the file ([`APPEND_OFFSET`] to append).
    pub offset: u64,
    /// The open to write to.
    pub file_id: FileId,
    /// Channel ([`crate::read::channel`]).
    pub channel: u32,
    /// RemainingBytes (a hint of upcoming writes).
    pub remaining_bytes: u32,
    /// Flags ([`flags`]).
    pub flags: u32,
    /// The data to write.
    pub data: &'a [u8],
    /// WriteChannelInfo (RDMA descriptors), borrowed.
    pub write_channel_info: &'a [u8],
}

impl<'a> Pdu<'a> for WriteRequest<'a> {
    const STRUCTURE_SIZE: u16 = 49;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "WRITE request",
            Some(Command::WRITE),
            Self::STRUCTURE_SIZE,
        )?;
        let data_offset = r.u16("DataOffset")?;
        let length = r.u32("Length")?;
        let offset = r.u64("Offset")?;
        let file_id = FileId::read(&mut r)?;
        let channel = r.u32("Channel")?;
        let remaining_bytes = r.u32("RemainingBytes")?;
        let info_offset = r.u16("WriteChannelInfoOffset")?;
        let info_length = r.u16("WriteChannelInfoLength")?;
        let flags = r.u32("Flags")?;
        let fixed = fixed_end(Self::STRUCTURE_SIZE);
        Ok(WriteRequest {
            offset,
            file_id,
            channel,
            remaining_bytes,
            flags,
            data: buffer(msg, "Data", data_offset.into(), length.into(), fixed)?,
            write_channel_info: buffer(
                msg,
                "WriteChannelInfo",
                info_offset.into(),
                info_length.into(),
                fixed,
            )?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let data_offset = add("DataOffset", w.offset(), 48)?;
        let data_end = add("Length", data_offset, self.data.len())?;
        let info_offset = if self.write_channel_info.is_empty() || self.data.is_empty() {
            data_offset
        } else {
            align8(data_end).ok_or(WireError::invalid("WriteChannelInfoOffset", "overflow"))?
        };
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(to_u16("DataOffset", data_offset)?);
        w.u32(to_u32("Length", self.data.len())?);
        w.u64(self.offset);
        self.file_id.write(w);
        w.u32(self.channel);
        w.u32(self.remaining_bytes);
        w.u16(to_u16("WriteChannelInfoOffset", info_offset)?);
        w.u16(to_u16(
            "WriteChannelInfoLength",
            self.write_channel_info.len(),
        )?);
        w.u32(self.flags);
        w.bytes(self.data);
        if !self.write_channel_info.is_empty() {
            w.pad_to(8);
            w.bytes(self.write_channel_info);
        } else if self.data.is_empty() {
            w.u8(0);
        }
        Ok(())
    }
}

/// SMB2 WRITE response (MS-SMB2 2.2.22). WriteChannelInfoOffset/Length are
/// reserved and written as zero.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct WriteResponse {
    /// Count: bytes written.
    pub count: u32,
    /// Remaining (reserved, 0).
    pub remaining: u32,
}

impl<'a> Pdu<'a> for WriteResponse {
    const STRUCTURE_SIZE: u16 = 17;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "WRITE response",
            Some(Command::WRITE),
            Self::STRUCTURE_SIZE,
        )?;
        r.skip(2, "Reserved")?;
        let count = r.u32("Count")?;
        let remaining = r.u32("Remaining")?;
        r.skip(4, "WriteChannelInfo")?;
        Ok(WriteResponse { count, remaining })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(0);
        w.u32(self.count);
        w.u32(self.remaining);
        w.u32(0);
        Ok(())
    }
}
