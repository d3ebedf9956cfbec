//! SMB2 SESSION_SETUP request and response (MS-SMB2 2.2.5, 2.2.6).

use crate::codec::{Pdu, WireBuf, Writer, add, body_reader, buffer, fixed_end, to_u16};
use crate::error::WireError;
use crate::header::Command;

/// Request Flags: SMB2_SESSION_FLAG_BINDING (bind to an existing session).
pub const FLAG_BINDING: u8 = 0x01;

/// Response SessionFlags (MS-SMB2 2.2.6).
pub mod session_flags {
    /// SMB2_SESSION_FLAG_IS_GUEST.
    pub const IS_GUEST: u16 = 0x0001;
    /// SMB2_SESSION_FLAG_IS_NULL.
    pub const IS_NULL: u16 = 0x0002;
    /// SMB2_SESSION_FLAG_ENCRYPT_DATA.
    pub const ENCRYPT_DATA: u16 = 0x0004;
}

/// SMB2 SESSION_SETUP request (MS-SMB2 2.2.5).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SessionSetupRequest<'a> {
    /// Flags ([`FLAG_BINDING`]).
    pub flags: u8,
    /// SecurityMode (signing enabled / required).
    pub security_mode: u8,
    /// Capabilities.
    pub capabilities: u32,
    /// Channel (reserved, 0).
    pub channel: u32,
    /// PreviousSessionId.
    pub previous_session_id: u64,
    /// The security buffer (SPNEGO / NTLMSSP token), borrowed.
    pub security_buffer: &'a [u8],
}

impl<'a> Pdu<'a> for SessionSetupRequest<'a> {
    const STRUCTURE_SIZE: u16 = 25;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "SESSION_SETUP request",
            Some(Command::SESSION_SETUP),
            Self::STRUCTURE_SIZE,
        )?;
        let flags = r.u8("Flags")?;
        let security_mode = r.u8("SecurityMode")?;
        let capabilities = r.u32("Capabilities")?;
        let channel = r.u32("Channel")?;
        let offset = r.u16("SecurityBufferOffset")?;
        let length = r.u16("SecurityBufferLength")?;
        let previous_session_id = r.u64("PreviousSessionId")?;
        let security_buffer = buffer(
            msg,
            "SecurityBuffer",
            offset.into(),
            length.into(),
            fixed_end(Self::STRUCTURE_SIZE),
        )?;
        Ok(SessionSetupRequest {
            flags,
            security_mode,
            capabilities,
            channel,
            previous_session_id,
            security_buffer,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let offset = add("SecurityBufferOffset", w.offset(), 24)?;
        w.u16(Self::STRUCTURE_SIZE);
        w.u8(self.flags);
        w.u8(self.security_mode);
        w.u32(self.capabilities);
        w.u32(self.channel);
        w.u16(to_u16("SecurityBufferOffset", offset)?);
        w.u16(to_u16("SecurityBufferLength", self.security_buffer.len())?);
        w.u64(self.previous_session_id);
        w.bytes(self.security_buffer);
        Ok(())
    }
}

/// SMB2 SESSION_SETUP response (MS-SMB2 2.2.6).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SessionSetupResponse<'a> {
    /// SessionFlags ([`session_flags`]).
    pub session_flags: u16,
    /// The security buffer (SPNEGO token), borrowed.
    pub security_buffer: &'a [u8],
}

impl<'a> Pdu<'a> for SessionSetupResponse<'a> {
    const STRUCTURE_SIZE: u16 = 9;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "SESSION_SETUP response",
            Some(Command::SESSION_SETUP),
            Self::STRUCTURE_SIZE,
        )?;
        let session_flags = r.u16("SessionFlags")?;
        let offset = r.u16("SecurityBufferOffset")?;
        let length = r.u16("SecurityBufferLength")?;
        let security_buffer = buffer(
            msg,
            "SecurityBuffer",
            offset.into(),
            length.into(),
            fixed_end(Self::STRUCTURE_SIZE),
        )?;
        Ok(SessionSetupResponse {
            session_flags,
            security_buffer,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let offset = add("SecurityBufferOffset", w.offset(), 8)?;
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(self.session_flags);
        w.u16(to_u16("SecurityBufferOffset", offset)?);
        w.u16(to_u16("SecurityBufferLength", self.security_buffer.len())?);
        w.bytes(self.security_buffer);
        Ok(())
    }
}
