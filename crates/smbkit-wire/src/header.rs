//! The 64-byte SMB2 packet header (MS-SMB2 2.2.1) and compound chains
//! (MS-SMB2 3.2.4.1.4, 3.3.5.2.7).

use core::fmt;

use crate::codec::{Reader, WireBuf, Writer, padding, to_u32};
use crate::error::WireError;
use crate::status::NtStatus;

/// Length of the SMB2 header; also its StructureSize.
pub const HEADER_LEN: usize = 64;

/// ProtocolId of an SMB2 header: `0xFE 'S' 'M' 'B'`.
pub const PROTOCOL_ID: [u8; 4] = [0xFE, b'S', b'M', b'B'];

/// An SMB2 command code. A newtype so that unknown codes survive decoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Command(pub u16);

macro_rules! commands {
    ($($name:ident = $value:literal,)*) => {
        impl Command {
            $(
                #[doc = concat!("SMB2 ", stringify!($name), " (", stringify!($value), ").")]
                pub const $name: Command = Command($value);
            )*

            /// The command's name, for known codes.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

commands! {
    NEGOTIATE = 0x0000,
    SESSION_SETUP = 0x0001,
    LOGOFF = 0x0002,
    TREE_CONNECT = 0x0003,
    TREE_DISCONNECT = 0x0004,
    CREATE = 0x0005,
    CLOSE = 0x0006,
    FLUSH = 0x0007,
    READ = 0x0008,
    WRITE = 0x0009,
    LOCK = 0x000A,
    IOCTL = 0x000B,
    CANCEL = 0x000C,
    ECHO = 0x000D,
    QUERY_DIRECTORY = 0x000E,
    CHANGE_NOTIFY = 0x000F,
    QUERY_INFO = 0x0010,
    SET_INFO = 0x0011,
    OPLOCK_BREAK = 0x0012,
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "COMMAND({:#06x})", self.0),
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The header's Flags field. Unknown bits are preserved.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct HeaderFlags(pub u32);

impl HeaderFlags {
    /// SMB2_FLAGS_SERVER_TO_REDIR: the message is a response.
    pub const SERVER_TO_REDIR: HeaderFlags = HeaderFlags(0x0000_0001);
    /// SMB2_FLAGS_ASYNC_COMMAND: the header is the async form (AsyncId).
    pub const ASYNC_COMMAND: HeaderFlags = HeaderFlags(0x0000_0002);
    /// SMB2_FLAGS_RELATED_OPERATIONS: a related compound element.
    pub const RELATED_OPERATIONS: HeaderFlags = HeaderFlags(0x0000_0004);
    /// SMB2_FLAGS_SIGNED: the Signature field is valid.
    pub const SIGNED: HeaderFlags = HeaderFlags(0x0000_0008);
    /// SMB2_FLAGS_PRIORITY_MASK (3.1.1): the message priority bits.
    pub const PRIORITY_MASK: HeaderFlags = HeaderFlags(0x0000_0070);
    /// SMB2_FLAGS_DFS_OPERATIONS: a DFS operation.
    pub const DFS_OPERATIONS: HeaderFlags = HeaderFlags(0x1000_0000);
    /// SMB2_FLAGS_REPLAY_OPERATION (3.x): a replayed request.
    pub const REPLAY_OPERATION: HeaderFlags = HeaderFlags(0x2000_0000);

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: HeaderFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// `self` with the bits of `other` set.
    #[must_use]
    pub const fn with(self, other: HeaderFlags) -> HeaderFlags {
        HeaderFlags(self.0 | other.0)
    }

    /// `self` with the bits of `other` cleared.
    #[must_use]
    pub const fn without(self, other: HeaderFlags) -> HeaderFlags {
        HeaderFlags(self.0 & !other.0)
    }

    /// The 3-bit priority value (0..=7).
    pub const fn priority(self) -> u8 {
        ((self.0 & Self::PRIORITY_MASK.0) >> 4) as u8
    }
}

impl core::ops::BitOr for HeaderFlags {
    type Output = HeaderFlags;
    fn bitor(self, rhs: HeaderFlags) -> HeaderFlags {
        self.with(rhs)
    }
}

impl fmt::Debug for HeaderFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HeaderFlags({:#010x})", self.0)
    }
}

/// The part of the header that differs between the sync and async forms.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum HeaderId {
    /// Sync form: Reserved (ProcessId) and TreeId.
    Sync {
        /// The Reserved field (the client's ProcessId in practice).
        process_id: u32,
        /// TreeId.
        tree_id: u32,
    },
    /// Async form (SMB2_FLAGS_ASYNC_COMMAND set).
    Async {
        /// AsyncId.
        async_id: u64,
    },
}

impl Default for HeaderId {
    fn default() -> Self {
        HeaderId::Sync {
            process_id: 0,
            tree_id: 0,
        }
    }
}

/// An SMB2 packet header (MS-SMB2 2.2.1.1 async / 2.2.1.2 sync).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Header {
    /// CreditCharge.
    pub credit_charge: u16,
    /// Status in responses. In requests of the 3.x dialects the same four bytes
    /// are ChannelSequence (low 16 bits, see [`Header::channel_sequence`]) and
    /// Reserved; the raw value is kept either way.
    pub status: NtStatus,
    /// Command.
    pub command: Command,
    /// CreditRequest (requests) or CreditResponse (responses).
    pub credits: u16,
    /// Flags. On encode the ASYNC_COMMAND bit follows [`Header::id`].
    pub flags: HeaderFlags,
    /// NextCommand: offset of the next message of a compound chain, 0 if last.
    pub next_command: u32,
    /// MessageId.
    pub message_id: u64,
    /// TreeId + ProcessId (sync) or AsyncId (async).
    pub id: HeaderId,
    /// SessionId.
    pub session_id: u64,
    /// Signature (zero when unsigned).
    pub signature: [u8; 16],
}

impl Header {
    /// Decodes the header at the start of `msg`.
    pub fn decode(msg: &[u8]) -> Result<Header, WireError> {
        let mut r = Reader::new(msg);
        let protocol: [u8; 4] = r.array("ProtocolId")?;
        if protocol != PROTOCOL_ID {
            return Err(WireError::BadProtocolId {
                got: protocol,
                expected: PROTOCOL_ID,
            });
        }
        let structure_size = r.u16("Header.StructureSize")?;
        if usize::from(structure_size) != HEADER_LEN {
            return Err(WireError::BadStructureSize {
                what: "SMB2 header",
                got: structure_size,
                expected: 64,
            });
        }
        let credit_charge = r.u16("CreditCharge")?;
        let status = NtStatus(r.u32("Status")?);
        let command = Command(r.u16("Command")?);
        let credits = r.u16("CreditRequest/CreditResponse")?;
        let flags = HeaderFlags(r.u32("Flags")?);
        let next_command = r.u32("NextCommand")?;
        let message_id = r.u64("MessageId")?;
        let id = if flags.contains(HeaderFlags::ASYNC_COMMAND) {
            HeaderId::Async {
                async_id: r.u64("AsyncId")?,
            }
        } else {
            HeaderId::Sync {
                process_id: r.u32("Reserved")?,
                tree_id: r.u32("TreeId")?,
            }
        };
        let session_id = r.u64("SessionId")?;
        let signature = r.array("Signature")?;
        Ok(Header {
            credit_charge,
            status,
            command,
            credits,
            flags,
            next_command,
            message_id,
            id,
            session_id,
            signature,
        })
    }

    /// Appends the 64 header bytes. Start a new [`Writer`] for each message.
    pub fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) {
        let flags = match self.id {
            HeaderId::Sync { .. } => self.flags.without(HeaderFlags::ASYNC_COMMAND),
            HeaderId::Async { .. } => self.flags.with(HeaderFlags::ASYNC_COMMAND),
        };
        w.bytes(&PROTOCOL_ID);
        w.u16(64);
        w.u16(self.credit_charge);
        w.u32(self.status.0);
        w.u16(self.command.0);
        w.u16(self.credits);
        w.u32(flags.0);
        w.u32(self.next_command);
        w.u64(self.message_id);
        match self.id {
            HeaderId::Sync {
                process_id,
                tree_id,
            } => {
                w.u32(process_id);
                w.u32(tree_id);
            }
            HeaderId::Async { async_id } => w.u64(async_id),
        }
        w.u64(self.session_id);
        w.bytes(&self.signature);
    }

    /// Whether this is a response (SMB2_FLAGS_SERVER_TO_REDIR).
    pub fn is_response(&self) -> bool {
        self.flags.contains(HeaderFlags::SERVER_TO_REDIR)
    }

    /// ChannelSequence of a 3.x request (the low 16 bits of the Status field).
    pub fn channel_sequence(&self) -> u16 {
        (self.status.0 & 0xFFFF) as u16
    }

    /// TreeId of a sync header.
    pub fn tree_id(&self) -> Option<u32> {
        match self.id {
            HeaderId::Sync { tree_id, .. } => Some(tree_id),
            HeaderId::Async { .. } => None,
        }
    }

    /// AsyncId of an async header.
    pub fn async_id(&self) -> Option<u64> {
        match self.id {
            HeaderId::Async { async_id } => Some(async_id),
            HeaderId::Sync { .. } => None,
        }
    }
}

/// Splits a frame (one transport message, decrypted) into its compound
/// elements by following NextCommand.
///
/// Each yielded slice starts at an SMB2 header; a non-last element ends where
/// the next begins (padding included, as signatures cover it), the last runs
/// to the end of the frame. The iterator yields one `Err` and stops when the
/// chain is bad: NextCommand not a multiple of 8, pointing outside the frame,
/// or leaving less than 64 bytes for a header. An empty frame is an error.
pub fn split_compound(frame: &[u8]) -> Compound<'_> {
    Compound {
        rest: frame,
        index: 0,
        done: false,
    }
}

/// The iterator returned by [`split_compound`].
#[derive(Debug, Clone)]
pub struct Compound<'a> {
    rest: &'a [u8],
    index: usize,
    done: bool,
}

impl<'a> Compound<'a> {
    fn fail(&mut self, reason: &'static str) -> Option<Result<&'a [u8], WireError>> {
        self.done = true;
        Some(Err(WireError::BadCompound {
            index: self.index,
            reason,
        }))
    }
}

impl<'a> Iterator for Compound<'a> {
    type Item = Result<&'a [u8], WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.rest.len() < HEADER_LEN {
            return self.fail("less than 64 bytes for an SMB2 header");
        }
        let next = match Reader::at(self.rest, 20).u32("NextCommand") {
            Ok(n) => n,
            Err(_) => return self.fail("truncated header"),
        };
        if next == 0 {
            self.done = true;
            return Some(Ok(self.rest));
        }
        if !next.is_multiple_of(8) {
            return self.fail("NextCommand is not a multiple of 8");
        }
        let Ok(next) = usize::try_from(next) else {
            return self.fail("NextCommand outside the frame");
        };
        if next < HEADER_LEN {
            return self.fail("NextCommand smaller than a header");
        }
        let Some((msg, rest)) = self.rest.split_at_checked(next) else {
            return self.fail("NextCommand outside the frame");
        };
        self.rest = rest;
        self.index = self.index.saturating_add(1);
        Some(Ok(msg))
    }
}

/// Links the message written since `prev_start` in `buf` to the next one:
/// pads `buf` to an 8-byte boundary relative to `prev_start` and stores the
/// padded length in that message's NextCommand. Call it before writing each
/// following message of a chain (and not after the last).
pub fn chain_next<B: WireBuf + ?Sized>(buf: &mut B, prev_start: usize) -> Result<(), WireError> {
    let mut w = Writer::resume(buf, prev_start);
    if w.offset() < HEADER_LEN {
        return Err(WireError::invalid(
            "NextCommand",
            "previous message shorter than a header",
        ));
    }
    w.zeros(padding(w.offset(), 8));
    let len = to_u32("NextCommand", w.offset())?;
    w.patch_u32(20, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Header {
        Header {
            credit_charge: 1,
            status: NtStatus::SUCCESS,
            command: Command::TREE_CONNECT,
            credits: 31,
            flags: HeaderFlags::SIGNED,
            next_command: 0,
            message_id: 7,
            id: HeaderId::Sync {
                process_id: 0xFEFF,
                tree_id: 5,
            },
            session_id: 0x0000_1000_0000_0025,
            signature: [0x11; 16],
        }
    }

    #[test]
    fn header_roundtrip_sync_and_async() {
        let h = sample();
        let mut v = Vec::new();
        h.encode(&mut Writer::new(&mut v));
        assert_eq!(v.len(), 64);
        assert_eq!(Header::decode(&v).unwrap(), h);
        let a = Header {
            flags: HeaderFlags::SERVER_TO_REDIR | HeaderFlags::ASYNC_COMMAND,
            id: HeaderId::Async { async_id: 9 },
            status: NtStatus::PENDING,
            ..h
        };
        let mut v = Vec::new();
        a.encode(&mut Writer::new(&mut v));
        assert_eq!(&v[32..40], &9u64.to_le_bytes());
        assert_eq!(Header::decode(&v).unwrap(), a);
        assert_eq!(a.async_id(), Some(9));
        assert_eq!(a.tree_id(), None);
    }

    #[test]
    fn header_rejects_bad_input() {
        let mut v = Vec::new();
        sample().encode(&mut Writer::new(&mut v));
        assert!(matches!(
            Header::decode(&v[..63]),
            Err(WireError::Truncated {
                field: "Signature",
                ..
            })
        ));
        let mut bad = v.clone();
        bad[0] = 0xFF;
        assert!(matches!(
            Header::decode(&bad),
            Err(WireError::BadProtocolId { .. })
        ));
        let mut bad = v.clone();
        bad[4] = 65;
        assert_eq!(
            Header::decode(&bad),
            Err(WireError::BadStructureSize {
                what: "SMB2 header",
                got: 65,
                expected: 64
            })
        );
    }

    fn msg(next: u32, len: usize) -> Vec<u8> {
        let mut v = Vec::new();
        Header {
            next_command: next,
            ..sample()
        }
        .encode(&mut Writer::new(&mut v));
        v.resize(len, 0);
        v
    }

    #[test]
    fn compound_split_and_chain() {
        let mut frame = Vec::new();
        frame.extend(msg(0, 70));
        chain_next(&mut frame, 0).unwrap();
        assert_eq!(frame.len(), 72);
        let second = frame.len();
        frame.extend(msg(0, 66));
        chain_next(&mut frame, second).unwrap();
        frame.extend(msg(0, 64));
        let parts: Vec<_> = split_compound(&frame).collect::<Result<_, _>>().unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].len(), 72);
        assert_eq!(parts[1].len(), 72);
        assert_eq!(parts[2].len(), 64);
        assert_eq!(Header::decode(parts[0]).unwrap().next_command, 72);
        assert_eq!(Header::decode(parts[2]).unwrap().next_command, 0);
    }

    #[test]
    fn compound_rejects_bad_chains() {
        let check = |frame: &[u8], index: usize, reason: &str| {
            let items: Vec<_> = split_compound(frame).collect();
            let last = items.last().unwrap().clone();
            assert_eq!(
                last,
                Err(WireError::BadCompound {
                    index,
                    reason: match reason {
                        "align" => "NextCommand is not a multiple of 8",
                        "outside" => "NextCommand outside the frame",
                        "small" => "NextCommand smaller than a header",
                        _ => "less than 64 bytes for an SMB2 header",
                    }
                })
            );
        };
        check(&msg(68, 200), 0, "align");
        check(&msg(208, 200), 0, "outside");
        check(&msg(56, 200), 0, "small");
        check(&msg(0, 10), 0, "short");
        check(&[], 0, "short");
        // The second element is too short for a header.
        check(&msg(72, 100), 1, "short");
    }
}
