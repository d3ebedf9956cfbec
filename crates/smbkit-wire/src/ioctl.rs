//! SMB2 IOCTL request and response (MS-SMB2 2.2.31, 2.2.32). The FSCTL
//! bodies carried in their buffers are in [`crate::fsctl`].

use crate::codec::{
    FileId, Pdu, WireBuf, Writer, add, align8, body_reader, buffer, fixed_end, to_u32,
};
use crate::error::WireError;
use crate::header::Command;

/// IOCTL Flags: SMB2_0_IOCTL_IS_FSCTL (the request is an FSCTL).
pub const FLAG_IS_FSCTL: u32 = 0x0000_0001;

/// SMB2 IOCTL request (MS-SMB2 2.2.31).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct IoctlRequest<'a> {
    /// CtlCode (see [`crate::fsctl`] for FSCTL codes).
    pub ctl_code: u32,
    /// FileId ([`FileId::ANY`] for FSCTLs that address no file).
    pub file_id: FileId,
    /// Input buffer, borrowed.
    pub input: &'a [u8],
    /// MaxInputResponse.
    pub max_input_response: u32,
    /// Output buffer sent by the client (usually empty), borrowed.
    pub output: &'a [u8],
    /// MaxOutputResponse.
    pub max_output_response: u32,
    /// Flags ([`FLAG_IS_FSCTL`]).
    pub flags: u32,
}

/// SMB2 IOCTL response (MS-SMB2 2.2.32).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct IoctlResponse<'a> {
    /// CtlCode.
    pub ctl_code: u32,
    /// FileId.
    pub file_id: FileId,
    /// Input buffer echoed by the server (usually empty), borrowed.
    pub input: &'a [u8],
    /// Output buffer, borrowed.
    pub output: &'a [u8],
    /// Flags (reserved, 0).
    pub flags: u32,
}

/// Offsets of the input and output buffers that follow a fixed part ending
/// at `fixed`: input first, output 8-aligned after it. An empty buffer gets
/// the offset where it would start.
fn layout(fixed: usize, input_len: usize) -> Result<(usize, usize), WireError> {
    let input_end = add("InputOffset", fixed, input_len)?;
    let output = if input_len == 0 {
        input_end
    } else {
        align8(input_end).ok_or(WireError::invalid("OutputOffset", "overflow"))?
    };
    Ok((fixed, output))
}

fn write_buffers<B: WireBuf + ?Sized>(
    w: &mut Writer<'_, B>,
    input: &[u8],
    output: &[u8],
    output_offset: usize,
) {
    w.bytes(input);
    if !output.is_empty() {
        let pad = output_offset.saturating_sub(w.offset());
        w.zeros(pad);
        w.bytes(output);
    }
}

impl<'a> Pdu<'a> for IoctlRequest<'a> {
    const STRUCTURE_SIZE: u16 = 57;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "IOCTL request",
            Some(Command::IOCTL),
            Self::STRUCTURE_SIZE,
        )?;
        r.skip(2, "Reserved")?;
        let ctl_code = r.u32("CtlCode")?;
        let file_id = FileId::read(&mut r)?;
        let input_offset = r.u32("InputOffset")?;
        let input_count = r.u32("InputCount")?;
        let max_input_response = r.u32("MaxInputResponse")?;
        let output_offset = r.u32("OutputOffset")?;
        let output_count = r.u32("OutputCount")?;
        let max_output_response = r.u32("MaxOutputResponse")?;
        let flags = r.u32("Flags")?;
        r.skip(4, "Reserved2")?;
        let fixed = fixed_end(Self::STRUCTURE_SIZE);
        Ok(IoctlRequest {
            ctl_code,
            file_id,
            input: buffer(msg, "Input", input_offset.into(), input_count.into(), fixed)?,
            max_input_response,
            output: buffer(
                msg,
                "Output",
                output_offset.into(),
                output_count.into(),
                fixed,
            )?,
            max_output_response,
            flags,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let fixed = add("InputOffset", w.offset(), 56)?;
        let (input_offset, output_offset) = layout(fixed, self.input.len())?;
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(0);
        w.u32(self.ctl_code);
        self.file_id.write(w);
        w.u32(to_u32("InputOffset", input_offset)?);
        w.u32(to_u32("InputCount", self.input.len())?);
        w.u32(self.max_input_response);
        w.u32(to_u32("OutputOffset", output_offset)?);
        w.u32(to_u32("OutputCount", self.output.len())?);
        w.u32(self.max_output_response);
        w.u32(self.flags);
        w.u32(0);
        write_buffers(w, self.input, self.output, output_offset);
        Ok(())
    }
}

impl<'a> IoctlResponse<'a> {
    /// The usual server answer to `request`: its CtlCode and FileId echoed,
    /// no input buffer, `output` as the output buffer.
    #[must_use]
    pub fn answering(request: &IoctlRequest<'_>, output: &'a [u8]) -> Self {
        IoctlResponse {
            ctl_code: request.ctl_code,
            file_id: request.file_id,
            input: &[],
            output,
            flags: 0,
        }
    }
}

impl<'a> Pdu<'a> for IoctlResponse<'a> {
    const STRUCTURE_SIZE: u16 = 49;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "IOCTL response",
            Some(Command::IOCTL),
            Self::STRUCTURE_SIZE,
        )?;
        r.skip(2, "Reserved")?;
        let ctl_code = r.u32("CtlCode")?;
        let file_id = FileId::read(&mut r)?;
        let input_offset = r.u32("InputOffset")?;
        let input_count = r.u32("InputCount")?;
        let output_offset = r.u32("OutputOffset")?;
        let output_count = r.u32("OutputCount")?;
        let flags = r.u32("Flags")?;
        r.skip(4, "Reserved2")?;
        let fixed = fixed_end(Self::STRUCTURE_SIZE);
        Ok(IoctlResponse {
            ctl_code,
            file_id,
            input: buffer(msg, "Input", input_offset.into(), input_count.into(), fixed)?,
            output: buffer(
                msg,
                "Output",
                output_offset.into(),
                output_count.into(),
                fixed,
            )?,
            flags,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let fixed = add("InputOffset", w.offset(), 48)?;
        let (input_offset, output_offset) = layout(fixed, self.input.len())?;
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(0);
        w.u32(self.ctl_code);
        self.file_id.write(w);
        w.u32(to_u32("InputOffset", input_offset)?);
        w.u32(to_u32("InputCount", self.input.len())?);
        w.u32(to_u32("OutputOffset", output_offset)?);
        w.u32(to_u32("OutputCount", self.output.len())?);
        w.u32(self.flags);
        w.u32(0);
        write_buffers(w, self.input, self.output, output_offset);
        Ok(())
    }
}
