//! SMB2 CHANGE_NOTIFY request and response (MS-SMB2 2.2.35, 2.2.36). The
//! FILE_NOTIFY_INFORMATION records of the response are in
//! [`crate::fscc::notify`].

use crate::codec::{FileId, Pdu, WireBuf, Writer, body_reader};
use crate::error::WireError;
use crate::header::Command;
use crate::output::output_response;

/// Request Flags: SMB2_WATCH_TREE (watch the whole subtree).
pub const WATCH_TREE: u16 = 0x0001;

/// CompletionFilter bits (MS-SMB2 2.2.35).
pub mod completion_filter {
    /// FILE_NOTIFY_CHANGE_FILE_NAME.
    pub const FILE_NAME: u32 = 0x0000_0001;
    /// FILE_NOTIFY_CHANGE_DIR_NAME.
    pub const DIR_NAME: u32 = 0x0000_0002;
    /// FILE_NOTIFY_CHANGE_ATTRIBUTES.
    pub const ATTRIBUTES: u32 = 0x0000_0004;
    /// FILE_NOTIFY_CHANGE_SIZE.
    pub const SIZE: u32 = 0x0000_0008;
    /// FILE_NOTIFY_CHANGE_LAST_WRITE.
    pub const LAST_WRITE: u32 = 0x0000_0010;
    /// FILE_NOTIFY_CHANGE_LAST_ACCESS.
    pub const LAST_ACCESS: u32 = 0x0000_0020;
    /// FILE_NOTIFY_CHANGE_CREATION.
    pub const CREATION: u32 = 0x0000_0040;
    /// FILE_NOTIFY_CHANGE_EA.
    pub const EA: u32 = 0x0000_0080;
    /// FILE_NOTIFY_CHANGE_SECURITY.
    pub const SECURITY: u32 = 0x0000_0100;
    /// FILE_NOTIFY_CHANGE_STREAM_NAME.
    pub const STREAM_NAME: u32 = 0x0000_0200;
    /// FILE_NOTIFY_CHANGE_STREAM_SIZE.
    pub const STREAM_SIZE: u32 = 0x0000_0400;
    /// FILE_NOTIFY_CHANGE_STREAM_WRITE.
    pub const STREAM_WRITE: u32 = 0x0000_0800;
}

/// SMB2 CHANGE_NOTIFY request (MS-SMB2 2.2.35).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ChangeNotifyRequest {
    /// Flags ([`WATCH_TREE`]).
    pub flags: u16,
    /// OutputBufferLength: the most bytes of records the client accepts.
    pub output_buffer_length: u32,
    /// The directory open to watch.
    pub file_id: FileId,
    /// CompletionFilter ([`completion_filter`]).
    pub completion_filter: u32,
}

impl<'a> Pdu<'a> for ChangeNotifyRequest {
    const STRUCTURE_SIZE: u16 = 32;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "CHANGE_NOTIFY request",
            Some(Command::CHANGE_NOTIFY),
            Self::STRUCTURE_SIZE,
        )?;
        let flags = r.u16("Flags")?;
        let output_buffer_length = r.u32("OutputBufferLength")?;
        let file_id = FileId::read(&mut r)?;
        let completion_filter = r.u32("CompletionFilter")?;
        r.skip(4, "Reserved")?;
        Ok(ChangeNotifyRequest {
            flags,
            output_buffer_length,
            file_id,
            completion_filter,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(self.flags);
        w.u32(self.output_buffer_length);
        self.file_id.write(w);
        w.u32(self.completion_filter);
        w.u32(0);
        Ok(())
    }
}

output_response!(
    /// SMB2 CHANGE_NOTIFY response (MS-SMB2 2.2.36): FILE_NOTIFY_INFORMATION
    /// records ([`crate::fscc::notify`]) at OutputBufferOffset 0x48.
    ChangeNotifyResponse,
    Command::CHANGE_NOTIFY,
    "CHANGE_NOTIFY response"
);
