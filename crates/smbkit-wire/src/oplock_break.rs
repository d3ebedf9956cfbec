//! OPLOCK_BREAK messages (MS-SMB2 2.2.23–2.2.25): the oplock break
//! notification, acknowledgment and response (one 24-byte layout), and the
//! lease break notification (44 bytes) and acknowledgment / response (36
//! bytes). All use command OPLOCK_BREAK; the StructureSize tells them apart
//! ([`BreakMessage::decode`]).

use crate::codec::{FileId, Pdu, Reader, WireBuf, Writer, body_reader};
use crate::error::WireError;
use crate::header::{Command, HEADER_LEN};

/// Lease break notification Flags: SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED.
pub const LEASE_BREAK_ACK_REQUIRED: u32 = 0x0000_0001;

/// Oplock break notification (2.2.23.1), acknowledgment (2.2.24.1) and
/// response (2.2.25.1): OplockLevel and FileId.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct OplockBreak {
    /// OplockLevel ([`crate::create::oplock_level`]).
    pub oplock_level: u8,
    /// The open whose oplock breaks.
    pub file_id: FileId,
}

/// The server's notification (same layout as [`OplockBreak`]).
pub type OplockBreakNotification = OplockBreak;
/// The client's acknowledgment (same layout as [`OplockBreak`]).
pub type OplockBreakAck = OplockBreak;
/// The server's response to the acknowledgment (same layout as [`OplockBreak`]).
pub type OplockBreakResponse = OplockBreak;

impl<'a> Pdu<'a> for OplockBreak {
    const STRUCTURE_SIZE: u16 = 24;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "OPLOCK_BREAK",
            Some(Command::OPLOCK_BREAK),
            Self::STRUCTURE_SIZE,
        )?;
        let oplock_level = r.u8("OplockLevel")?;
        r.skip(5, "Reserved")?;
        Ok(OplockBreak {
            oplock_level,
            file_id: FileId::read(&mut r)?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u16(Self::STRUCTURE_SIZE);
        w.u8(self.oplock_level);
        w.u8(0);
        w.u32(0);
        self.file_id.write(w);
        Ok(())
    }
}

/// Lease break notification (MS-SMB2 2.2.23.2), sent by the server.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LeaseBreakNotification {
    /// NewEpoch (3.x; reserved in 2.1).
    pub new_epoch: u16,
    /// Flags ([`LEASE_BREAK_ACK_REQUIRED`]).
    pub flags: u32,
    /// LeaseKey.
    pub lease_key: [u8; 16],
    /// CurrentLeaseState.
    pub current_lease_state: u32,
    /// NewLeaseState.
    pub new_lease_state: u32,
    /// BreakReason (reserved, 0).
    pub break_reason: u32,
    /// AccessMaskHint (reserved, 0).
    pub access_mask_hint: u32,
    /// ShareMaskHint (reserved, 0).
    pub share_mask_hint: u32,
}

impl<'a> Pdu<'a> for LeaseBreakNotification {
    const STRUCTURE_SIZE: u16 = 44;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "lease break notification",
            Some(Command::OPLOCK_BREAK),
            Self::STRUCTURE_SIZE,
        )?;
        Ok(LeaseBreakNotification {
            new_epoch: r.u16("NewEpoch")?,
            flags: r.u32("Flags")?,
            lease_key: r.array("LeaseKey")?,
            current_lease_state: r.u32("CurrentLeaseState")?,
            new_lease_state: r.u32("NewLeaseState")?,
            break_reason: r.u32("BreakReason")?,
            access_mask_hint: r.u32("AccessMaskHint")?,
            share_mask_hint: r.u32("ShareMaskHint")?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(self.new_epoch);
        w.u32(self.flags);
        w.bytes(&self.lease_key);
        w.u32(self.current_lease_state);
        w.u32(self.new_lease_state);
        w.u32(self.break_reason);
        w.u32(self.access_mask_hint);
        w.u32(self.share_mask_hint);
        Ok(())
    }
}

/// Lease break acknowledgment (2.2.24.2, client) and response (2.2.25.2,
/// server): one layout.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LeaseBreakAck {
    /// Flags (reserved, 0).
    pub flags: u32,
    /// LeaseKey.
    pub lease_key: [u8; 16],
    /// LeaseState acknowledged / granted.
    pub lease_state: u32,
    /// LeaseDuration (reserved, 0).
    pub lease_duration: u64,
}

/// The server's lease break response (same layout as [`LeaseBreakAck`]).
pub type LeaseBreakResponse = LeaseBreakAck;

impl<'a> Pdu<'a> for LeaseBreakAck {
    const STRUCTURE_SIZE: u16 = 36;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "lease break acknowledgment",
            Some(Command::OPLOCK_BREAK),
            Self::STRUCTURE_SIZE,
        )?;
        r.skip(2, "Reserved")?;
        Ok(LeaseBreakAck {
            flags: r.u32("Flags")?,
            lease_key: r.array("LeaseKey")?,
            lease_state: r.u32("LeaseState")?,
            lease_duration: r.u64("LeaseDuration")?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(0);
        w.u32(self.flags);
        w.bytes(&self.lease_key);
        w.u32(self.lease_state);
        w.u64(self.lease_duration);
        Ok(())
    }
}

/// Any OPLOCK_BREAK body, chosen by its StructureSize.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BreakMessage {
    /// StructureSize 24: oplock break notification / ack / response.
    Oplock(OplockBreak),
    /// StructureSize 44: lease break notification.
    LeaseNotification(LeaseBreakNotification),
    /// StructureSize 36: lease break ack / response.
    LeaseAck(LeaseBreakAck),
}

impl BreakMessage {
    /// Decodes an OPLOCK_BREAK message of any of the three shapes.
    pub fn decode(msg: &[u8]) -> Result<Self, WireError> {
        let size = Reader::at(msg, HEADER_LEN).u16("StructureSize")?;
        match size {
            44 => LeaseBreakNotification::decode(msg).map(BreakMessage::LeaseNotification),
            36 => LeaseBreakAck::decode(msg).map(BreakMessage::LeaseAck),
            _ => OplockBreak::decode(msg).map(BreakMessage::Oplock),
        }
    }

    /// Encodes whichever body this is.
    pub fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        match self {
            BreakMessage::Oplock(m) => m.encode(w),
            BreakMessage::LeaseNotification(m) => m.encode(w),
            BreakMessage::LeaseAck(m) => m.encode(w),
        }
    }
}
