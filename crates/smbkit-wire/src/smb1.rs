//! The SMB1 multi-protocol NEGOTIATE ([MS-CIFS] 2.2.4.52.1) that older
//! clients send first, and the SMB2 answer it calls for (MS-SMB2 3.3.5.3.1).
//!
//! Only parsing is offered for what a server receives; [`Smb1Negotiate::encode`]
//! exists for clients, tests and fuzz corpora.

use crate::codec::{Reader, WireBuf, Writer, to_u16};
use crate::error::WireError;
use crate::negotiate::dialect;

/// ProtocolId of an SMB1 header: `0xFF 'S' 'M' 'B'`.
pub const SMB1_PROTOCOL_ID: [u8; 4] = [0xFF, b'S', b'M', b'B'];

/// SMB_COM_NEGOTIATE.
pub const SMB_COM_NEGOTIATE: u8 = 0x72;

/// Length of the SMB1 header.
pub const SMB1_HEADER_LEN: usize = 32;

/// Whether `frame` starts with the SMB1 protocol id.
pub fn is_smb1(frame: &[u8]) -> bool {
    frame.get(..4) == Some(&SMB1_PROTOCOL_ID[..])
}

/// The SMB1 header fields ([MS-CIFS] 2.2.3.1), kept so the message re-encodes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Smb1Header {
    /// Status.
    pub status: u32,
    /// Flags.
    pub flags: u8,
    /// Flags2.
    pub flags2: u16,
    /// PIDHigh.
    pub pid_high: u16,
    /// SecurityFeatures.
    pub security_features: [u8; 8],
    /// Reserved.
    pub reserved: u16,
    /// TID.
    pub tid: u16,
    /// PIDLow.
    pub pid_low: u16,
    /// UID.
    pub uid: u16,
    /// MID.
    pub mid: u16,
}

/// A parsed SMB1 NEGOTIATE request. The dialect strings are borrowed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Smb1Negotiate<'a> {
    /// The SMB1 header.
    pub header: Smb1Header,
    /// The Bytes field: `0x02 "name" 0x00` entries, validated at decode.
    dialect_bytes: &'a [u8],
}

/// The SMB1 dialect string that asks for SMB 2.1+ ("SMB 2.???").
pub const SMB2_WILDCARD_STRING: &[u8] = b"SMB 2.???";
/// The SMB1 dialect string for SMB 2.0.2 only.
pub const SMB2_002_STRING: &[u8] = b"SMB 2.002";

impl<'a> Smb1Negotiate<'a> {
    /// Parses an SMB1 NEGOTIATE request. Any other SMB1 command is
    /// [`WireError::NotSmb1Negotiate`].
    pub fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(msg);
        let protocol: [u8; 4] = r.array("SMB1 Protocol")?;
        if protocol != SMB1_PROTOCOL_ID {
            return Err(WireError::BadProtocolId {
                got: protocol,
                expected: SMB1_PROTOCOL_ID,
            });
        }
        let command = r.u8("SMB1 Command")?;
        if command != SMB_COM_NEGOTIATE {
            return Err(WireError::NotSmb1Negotiate(command));
        }
        let header = Smb1Header {
            status: r.u32("SMB1 Status")?,
            flags: r.u8("SMB1 Flags")?,
            flags2: r.u16("SMB1 Flags2")?,
            pid_high: r.u16("SMB1 PIDHigh")?,
            security_features: r.array("SMB1 SecurityFeatures")?,
            reserved: r.u16("SMB1 Reserved")?,
            tid: r.u16("SMB1 TID")?,
            pid_low: r.u16("SMB1 PIDLow")?,
            uid: r.u16("SMB1 UID")?,
            mid: r.u16("SMB1 MID")?,
        };
        let word_count = r.u8("WordCount")?;
        if word_count != 0 {
            return Err(WireError::invalid(
                "WordCount",
                "SMB1 NEGOTIATE request has no words",
            ));
        }
        let byte_count = r.u16("ByteCount")?;
        let dialect_bytes = r.bytes(usize::from(byte_count), "Dialects")?;
        let neg = Smb1Negotiate {
            header,
            dialect_bytes,
        };
        // Validate once so that `dialects()` never has to report an error.
        let mut rest = dialect_bytes;
        while !rest.is_empty() {
            rest = split_dialect(rest)?.1;
        }
        Ok(neg)
    }

    /// The dialect strings, without the 0x02 marker and the NUL.
    pub fn dialects(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let mut rest = self.dialect_bytes;
        core::iter::from_fn(move || {
            let (name, tail) = split_dialect(rest).ok()?;
            rest = tail;
            Some(name)
        })
    }

    /// The SMB2 dialect to answer with (MS-SMB2 3.3.5.3.1): the wildcard
    /// 0x02FF when "SMB 2.???" is offered, 0x0202 when only "SMB 2.002" is,
    /// `None` when no SMB2 dialect is offered (the connection is dropped).
    pub fn smb2_answer(&self) -> Option<u16> {
        if self.dialects().any(|d| d == SMB2_WILDCARD_STRING) {
            Some(dialect::WILDCARD)
        } else if self.dialects().any(|d| d == SMB2_002_STRING) {
            Some(dialect::SMB202)
        } else {
            None
        }
    }

    /// Builds a request offering `dialects` (each without marker and NUL).
    pub fn encode_with<B: WireBuf + ?Sized>(
        header: &Smb1Header,
        dialects: &[&[u8]],
        buf: &mut B,
    ) -> Result<(), WireError> {
        let mut bytes = Vec::new();
        for d in dialects {
            if d.contains(&0) {
                return Err(WireError::invalid(
                    "Dialects",
                    "a dialect string contains NUL",
                ));
            }
            bytes.push(0x02);
            bytes.extend_from_slice(d);
            bytes.push(0);
        }
        let byte_count = to_u16("ByteCount", bytes.len())?;
        let mut w = Writer::new(buf);
        w.bytes(&SMB1_PROTOCOL_ID);
        w.u8(SMB_COM_NEGOTIATE);
        w.u32(header.status);
        w.u8(header.flags);
        w.u16(header.flags2);
        w.u16(header.pid_high);
        w.bytes(&header.security_features);
        w.u16(header.reserved);
        w.u16(header.tid);
        w.u16(header.pid_low);
        w.u16(header.uid);
        w.u16(header.mid);
        w.u8(0);
        w.u16(byte_count);
        w.bytes(&bytes);
        Ok(())
    }

    /// Re-encodes this request.
    pub fn encode<B: WireBuf + ?Sized>(&self, buf: &mut B) -> Result<(), WireError> {
        let dialects: Vec<&[u8]> = self.dialects().collect();
        Self::encode_with(&self.header, &dialects, buf)
    }
}

/// Splits `0x02 name 0x00 rest` into `(name, rest)`.
fn split_dialect(bytes: &[u8]) -> Result<(&[u8], &[u8]), WireError> {
    let Some((&marker, tail)) = bytes.split_first() else {
        return Err(WireError::invalid("Dialects", "empty"));
    };
    if marker != 0x02 {
        return Err(WireError::invalid(
            "Dialects",
            "dialect entry without the 0x02 marker",
        ));
    }
    let Some(nul) = tail.iter().position(|&b| b == 0) else {
        return Err(WireError::invalid(
            "Dialects",
            "dialect string without NUL terminator",
        ));
    };
    let (name, rest) = tail
        .split_at_checked(nul)
        .ok_or(WireError::invalid("Dialects", "split"))?;
    let rest = rest.get(1..).unwrap_or_default();
    Ok((name, rest))
}
