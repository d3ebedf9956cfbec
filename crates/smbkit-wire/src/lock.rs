//! SMB2 LOCK request and response (MS-SMB2 2.2.26, 2.2.27).

use crate::codec::{FileId, Pdu, Reader, WireBuf, Writer, body_reader, to_u16};
use crate::error::WireError;
use crate::header::Command;
use crate::simple::reserved_body;

/// Lock element Flags (MS-SMB2 2.2.26.1).
pub mod flags {
    /// SMB2_LOCKFLAG_SHARED_LOCK.
    pub const SHARED_LOCK: u32 = 0x0000_0001;
    /// SMB2_LOCKFLAG_EXCLUSIVE_LOCK.
    pub const EXCLUSIVE_LOCK: u32 = 0x0000_0002;
    /// SMB2_LOCKFLAG_UNLOCK.
    pub const UNLOCK: u32 = 0x0000_0004;
    /// SMB2_LOCKFLAG_FAIL_IMMEDIATELY.
    pub const FAIL_IMMEDIATELY: u32 = 0x0000_0010;
}

/// One SMB2_LOCK_ELEMENT (MS-SMB2 2.2.26.1), 24 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LockElement {
    /// Offset of the range.
    pub offset: u64,
    /// Length of the range.
    pub length: u64,
    /// Flags ([`flags`]).
    pub flags: u32,
}

/// Byte offset of the first lock element from the SMB2 header.
const LOCKS_OFFSET: usize = 64 + 24;

/// SMB2 LOCK request (MS-SMB2 2.2.26). LockCount must be at least 1.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct LockRequest {
    /// The LockSequenceNumber (low 4 bits) and LockSequenceIndex (high 28
    /// bits) as one little-endian u32; see [`LockRequest::sequence_number`].
    pub lock_sequence: u32,
    /// The open.
    pub file_id: FileId,
    /// The lock elements (LockCount of them).
    pub locks: Vec<LockElement>,
}

impl LockRequest {
    /// LockSequenceNumber (4 bits, 2.1+ resilient/durable handles).
    pub fn sequence_number(&self) -> u8 {
        (self.lock_sequence & 0x0F) as u8
    }

    /// LockSequenceIndex (28 bits).
    pub fn sequence_index(&self) -> u32 {
        self.lock_sequence >> 4
    }
}

impl<'a> Pdu<'a> for LockRequest {
    const STRUCTURE_SIZE: u16 = 48;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "LOCK request",
            Some(Command::LOCK),
            Self::STRUCTURE_SIZE,
        )?;
        let count = r.u16("LockCount")?;
        if count == 0 {
            return Err(WireError::invalid(
                "LockCount",
                "a LOCK request needs at least one lock",
            ));
        }
        let lock_sequence = r.u32("LockSequence")?;
        let file_id = FileId::read(&mut r)?;
        let mut r = Reader::at(msg, LOCKS_OFFSET);
        let mut locks = Vec::new();
        for _ in 0..count {
            let offset = r.u64("Lock.Offset")?;
            let length = r.u64("Lock.Length")?;
            let flags = r.u32("Lock.Flags")?;
            r.skip(4, "Lock.Reserved")?;
            locks.push(LockElement {
                offset,
                length,
                flags,
            });
        }
        Ok(LockRequest {
            lock_sequence,
            file_id,
            locks,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        if self.locks.is_empty() {
            return Err(WireError::invalid(
                "LockCount",
                "a LOCK request needs at least one lock",
            ));
        }
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(to_u16("LockCount", self.locks.len())?);
        w.u32(self.lock_sequence);
        self.file_id.write(w);
        for l in &self.locks {
            w.u64(l.offset);
            w.u64(l.length);
            w.u32(l.flags);
            w.u32(0);
        }
        Ok(())
    }
}

reserved_body!(
    /// SMB2 LOCK response (MS-SMB2 2.2.27): StructureSize 4, Reserved.
    LockResponse,
    Command::LOCK,
    "LOCK response"
);
