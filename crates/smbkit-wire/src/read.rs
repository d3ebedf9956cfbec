//! SMB2 READ request and response (MS-SMB2 2.2.19, 2.2.20).
//!
//! The response's data starts at [`DATA_OFFSET`] (0x50, right after the
//! 16-byte fixed body), as Windows and every reference server send it, so a
//! server can write the header and [`ReadResponse::encode_fixed`] and then
//! append the file data straight into the frame, without an intermediate copy.

use crate::codec::{
    FileId, Pdu, WireBuf, Writer, add, body_reader, buffer, fixed_end, to_u8, to_u16, to_u32,
};
use crate::error::WireError;
use crate::header::Command;

/// DataOffset of a READ response: 64-byte header + 16-byte fixed body.
pub const DATA_OFFSET: usize = 0x50;

/// Request Flags (MS-SMB2 2.2.19).
pub mod flags {
    /// SMB2_READFLAG_READ_UNBUFFERED (3.0.2+).
    pub const READ_UNBUFFERED: u8 = 0x01;
    /// SMB2_READFLAG_REQUEST_COMPRESSED (3.1.1).
    pub const REQUEST_COMPRESSED: u8 = 0x02;
    /// Response flag SMB2_READFLAG_RESPONSE_RDMA_TRANSFORM (3.1.1).
    pub const RESPONSE_RDMA_TRANSFORM: u32 = 0x0000_0001;
}

/// Channel values (READ and WRITE, MS-SMB2 2.2.19).
pub mod channel {
    /// SMB2_CHANNEL_NONE.
    pub const NONE: u32 = 0;
    /// SMB2_CHANNEL_RDMA_V1.
    pub const RDMA_V1: u32 = 1;
    /// SMB2_CHANNEL_RDMA_V1_INVALIDATE.
    pub const RDMA_V1_INVALIDATE: u32 = 2;
    /// SMB2_CHANNEL_RDMA_TRANSFORM.
    pub const RDMA_TRANSFORM: u32 = 3;
}

/// SMB2 READ request (MS-SMB2 2.2.19).
///
/// The encoder puts ReadChannelInfo at 0x70 when present (offset 0 when
/// empty, as Windows does) and otherwise writes the single zero byte the odd
/// StructureSize counts.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ReadRequest<'a> {
    /// Padding: the DataOffset the client would like in the response.
    pub padding: u8,
    /// Flags ([`flags`]).
    pub flags: u8,
    /// Length to read.
    pub length: u32,
    /// Offset in the file.
    pub offset: u64,
    /// The open to read from.
    pub file_id: FileId,
    /// MinimumCount: fewer bytes than this is a failure.
    pub minimum_count: u32,
    /// Channel ([`channel`]).
    pub channel: u32,
    /// RemainingBytes (a hint of upcoming reads).
    pub remaining_bytes: u32,
    /// ReadChannelInfo (RDMA descriptors), borrowed.
    pub read_channel_info: &'a [u8],
}

impl<'a> Pdu<'a> for ReadRequest<'a> {
    const STRUCTURE_SIZE: u16 = 49;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "READ request",
            Some(Command::READ),
            Self::STRUCTURE_SIZE,
        )?;
        let padding = r.u8("Padding")?;
        let flags = r.u8("Flags")?;
        let length = r.u32("Length")?;
        let offset = r.u64("Offset")?;
        let file_id = FileId::read(&mut r)?;
        let minimum_count = r.u32("MinimumCount")?;
        let channel = r.u32("Channel")?;
        let remaining_bytes = r.u32("RemainingBytes")?;
        let info_offset = r.u16("ReadChannelInfoOffset")?;
        let info_length = r.u16("ReadChannelInfoLength")?;
        Ok(ReadRequest {
            padding,
            flags,
            length,
            offset,
            file_id,
            minimum_count,
            channel,
            remaining_bytes,
            read_channel_info: buffer(
                msg,
                "ReadChannelInfo",
                info_offset.into(),
                info_length.into(),
                fixed_end(Self::STRUCTURE_SIZE),
            )?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let info_offset = if self.read_channel_info.is_empty() {
            0
        } else {
            add("ReadChannelInfoOffset", w.offset(), 48)?
        };
        w.u16(Self::STRUCTURE_SIZE);
        w.u8(self.padding);
        w.u8(self.flags);
        w.u32(self.length);
        w.u64(self.offset);
        self.file_id.write(w);
        w.u32(self.minimum_count);
        w.u32(self.channel);
        w.u32(self.remaining_bytes);
        w.u16(to_u16("ReadChannelInfoOffset", info_offset)?);
        w.u16(to_u16(
            "ReadChannelInfoLength",
            self.read_channel_info.len(),
        )?);
        if self.read_channel_info.is_empty() {
            w.u8(0);
        } else {
            w.bytes(self.read_channel_info);
        }
        Ok(())
    }
}

/// SMB2 READ response (MS-SMB2 2.2.20); the data is borrowed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ReadResponse<'a> {
    /// The data read.
    pub data: &'a [u8],
    /// DataRemaining (0 except for RDMA).
    pub data_remaining: u32,
    /// Flags (3.1.1, [`flags::RESPONSE_RDMA_TRANSFORM`]; Reserved2 before).
    pub flags: u32,
}

impl ReadResponse<'_> {
    /// Writes the 16-byte fixed body for `data_length` bytes of data at
    /// [`DATA_OFFSET`]; the caller appends exactly that many bytes next. The
    /// writer must be right after a 64-byte header.
    pub fn encode_fixed<B: WireBuf + ?Sized>(
        w: &mut Writer<'_, B>,
        data_length: usize,
        data_remaining: u32,
        flags: u32,
    ) -> Result<(), WireError> {
        let data_offset = add("DataOffset", w.offset(), 16)?;
        w.u16(<Self as Pdu<'_>>::STRUCTURE_SIZE);
        w.u8(to_u8("DataOffset", data_offset)?);
        w.u8(0);
        w.u32(to_u32("DataLength", data_length)?);
        w.u32(data_remaining);
        w.u32(flags);
        Ok(())
    }
}

impl<'a> Pdu<'a> for ReadResponse<'a> {
    const STRUCTURE_SIZE: u16 = 17;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "READ response",
            Some(Command::READ),
            Self::STRUCTURE_SIZE,
        )?;
        let data_offset = r.u8("DataOffset")?;
        r.skip(1, "Reserved")?;
        let data_length = r.u32("DataLength")?;
        let data_remaining = r.u32("DataRemaining")?;
        let flags = r.u32("Flags")?;
        Ok(ReadResponse {
            data: buffer(
                msg,
                "Data",
                data_offset.into(),
                data_length.into(),
                fixed_end(Self::STRUCTURE_SIZE),
            )?,
            data_remaining,
            flags,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        Self::encode_fixed(w, self.data.len(), self.data_remaining, self.flags)?;
        w.bytes(self.data);
        Ok(())
    }
}
