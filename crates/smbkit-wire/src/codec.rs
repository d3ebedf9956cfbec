//! The codec core shared by every message: a bounds-checked little-endian
//! [`Reader`], a [`Writer`] appending to `Vec<u8>` or `BytesMut`, (offset,
//! length) buffer checks, alignment and UTF-16LE helpers, and the [`Pdu`]
//! trait every message body implements.
//!
//! Offsets in SMB2 bodies count from the first byte of the SMB2 header
//! (MS-SMB2 2.2.1), so decoders take the whole message and [`Writer`]
//! remembers where the message began.

use crate::error::WireError;
use crate::header::{Command, HEADER_LEN, PROTOCOL_ID};

/// A little-endian reader over a borrowed byte slice. Every read is checked;
/// none can panic. Borrowed reads ([`Reader::bytes`]) return `&'a [u8]` into the
/// input, never copies.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader positioned at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// A reader positioned at `pos` (which may be past the end; the next read
    /// then fails with [`WireError::Truncated`]).
    pub fn at(buf: &'a [u8], pos: usize) -> Self {
        Reader { buf, pos }
    }

    /// Current position from the start of the input.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left after the current position.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The whole input.
    pub fn input(&self) -> &'a [u8] {
        self.buf
    }

    /// Borrows the next `n` bytes.
    pub fn bytes(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n);
        match end.and_then(|end| self.buf.get(self.pos..end).map(|s| (s, end))) {
            Some((slice, end)) => {
                self.pos = end;
                Ok(slice)
            }
            None => Err(WireError::Truncated {
                field,
                offset: self.pos,
                needed: n,
                available: self.remaining(),
            }),
        }
    }

    /// Reads a fixed-size array.
    pub fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], WireError> {
        let slice = self.bytes(N, field)?;
        slice.try_into().map_err(|_| WireError::Truncated {
            field,
            offset: self.pos,
            needed: N,
            available: slice.len(),
        })
    }

    /// Skips `n` bytes (reserved fields, padding).
    pub fn skip(&mut self, n: usize, field: &'static str) -> Result<(), WireError> {
        self.bytes(n, field).map(|_| ())
    }

    /// Reads a `u8`.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, WireError> {
        self.array::<1>(field).map(|[b]| b)
    }

    /// Reads a little-endian `u16`.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, WireError> {
        self.array(field).map(u16::from_le_bytes)
    }

    /// Reads a little-endian `u32`.
    pub fn u32(&mut self, field: &'static str) -> Result<u32, WireError> {
        self.array(field).map(u32::from_le_bytes)
    }

    /// Reads a little-endian `u64`.
    pub fn u64(&mut self, field: &'static str) -> Result<u64, WireError> {
        self.array(field).map(u64::from_le_bytes)
    }

    /// Borrows everything after the current position.
    pub fn rest(&mut self) -> &'a [u8] {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        self.pos = self.buf.len().max(self.pos);
        rest
    }
}

/// A growable byte buffer a [`Writer`] can append to: `Vec<u8>` and
/// `bytes::BytesMut`.
pub trait WireBuf {
    /// Current length.
    fn len(&self) -> usize;
    /// Whether the buffer is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Appends bytes.
    fn put(&mut self, bytes: &[u8]);
    /// The written bytes, mutable (for patching length fields).
    fn written_mut(&mut self) -> &mut [u8];
}

impl WireBuf for Vec<u8> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    fn written_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl WireBuf for bytes::BytesMut {
    fn len(&self) -> usize {
        bytes::BytesMut::len(self)
    }
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    fn written_mut(&mut self) -> &mut [u8] {
        self.as_mut()
    }
}

/// Appends one SMB2 message to a [`WireBuf`].
///
/// The message starts where the buffer ended when the writer was created, so
/// [`Writer::offset`] is the offset from the SMB2 header, the base every offset
/// field uses. Several writers in turn can build a compound chain in one buffer.
#[derive(Debug)]
pub struct Writer<'b, B: WireBuf + ?Sized> {
    buf: &'b mut B,
    start: usize,
}

impl<'b, B: WireBuf + ?Sized> Writer<'b, B> {
    /// A writer for a message starting at the current end of `buf`.
    pub fn new(buf: &'b mut B) -> Self {
        let start = buf.len();
        Writer { buf, start }
    }

    /// A writer for a message that began at `start` in `buf` (for example a
    /// header written earlier); offsets count from `start`.
    pub fn resume(buf: &'b mut B, start: usize) -> Self {
        Writer { buf, start }
    }

    /// Offset of the next byte from the start of this message.
    pub fn offset(&self) -> usize {
        self.buf.len().saturating_sub(self.start)
    }

    /// Where this message starts in the underlying buffer.
    pub fn message_start(&self) -> usize {
        self.start
    }

    /// The bytes of this message written so far.
    pub fn message_mut(&mut self) -> &mut [u8] {
        let start = self.start;
        self.buf.written_mut().get_mut(start..).unwrap_or_default()
    }

    /// Appends bytes.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.buf.put(bytes);
    }

    /// Appends `n` zero bytes.
    pub fn zeros(&mut self, n: usize) {
        const Z: [u8; 16] = [0; 16];
        let mut left = n;
        while left > 0 {
            let chunk = left.min(Z.len());
            self.buf.put(Z.get(..chunk).unwrap_or_default());
            left = left.saturating_sub(chunk);
        }
    }

    /// Appends a `u8`.
    pub fn u8(&mut self, v: u8) {
        self.buf.put(&[v]);
    }

    /// Appends a little-endian `u16`.
    pub fn u16(&mut self, v: u16) {
        self.buf.put(&v.to_le_bytes());
    }

    /// Appends a little-endian `u32`.
    pub fn u32(&mut self, v: u32) {
        self.buf.put(&v.to_le_bytes());
    }

    /// Appends a little-endian `u64`.
    pub fn u64(&mut self, v: u64) {
        self.buf.put(&v.to_le_bytes());
    }

    /// Pads with zeros until [`Writer::offset`] is a multiple of `align`.
    pub fn pad_to(&mut self, align: usize) {
        let pad = padding(self.offset(), align);
        self.zeros(pad);
    }

    /// Overwrites bytes at `offset` (from the message start).
    pub fn patch(&mut self, offset: usize, bytes: &[u8]) -> Result<(), WireError> {
        let end = offset.checked_add(bytes.len());
        let target = end.and_then(|end| self.message_mut().get_mut(offset..end));
        match target {
            Some(t) => {
                t.copy_from_slice(bytes);
                Ok(())
            }
            None => Err(WireError::invalid(
                "patch",
                "offset outside the written message",
            )),
        }
    }

    /// Overwrites a little-endian `u16` at `offset`.
    pub fn patch_u16(&mut self, offset: usize, v: u16) -> Result<(), WireError> {
        self.patch(offset, &v.to_le_bytes())
    }

    /// Overwrites a little-endian `u32` at `offset`.
    pub fn patch_u32(&mut self, offset: usize, v: u32) -> Result<(), WireError> {
        self.patch(offset, &v.to_le_bytes())
    }
}

/// Bytes needed to bring `offset` to a multiple of `align` (0 for `align` 0).
pub fn padding(offset: usize, align: usize) -> usize {
    match offset.checked_rem(align) {
        Some(0) | None => 0,
        Some(r) => align.saturating_sub(r),
    }
}

/// `offset` rounded up to a multiple of 8, `None` on overflow.
pub fn align8(offset: usize) -> Option<usize> {
    offset.checked_add(padding(offset, 8))
}

/// Converts a length or offset to `u16` for the wire.
pub fn to_u16(field: &'static str, value: usize) -> Result<u16, WireError> {
    u16::try_from(value).map_err(|_| too_large(field, value, u16::MAX.into()))
}

/// Converts a length or offset to `u32` for the wire.
pub fn to_u32(field: &'static str, value: usize) -> Result<u32, WireError> {
    u32::try_from(value).map_err(|_| too_large(field, value, u32::MAX.into()))
}

/// Converts a count to `u8` for the wire.
pub fn to_u8(field: &'static str, value: usize) -> Result<u8, WireError> {
    u8::try_from(value).map_err(|_| too_large(field, value, u8::MAX.into()))
}

fn too_large(field: &'static str, value: usize, max: u64) -> WireError {
    WireError::TooLarge {
        field,
        value: u64::try_from(value).unwrap_or(u64::MAX),
        max,
    }
}

/// `a + b` for offsets, failing with a typed error instead of overflowing.
pub fn add(field: &'static str, a: usize, b: usize) -> Result<usize, WireError> {
    a.checked_add(b)
        .ok_or(WireError::invalid(field, "offset arithmetic overflows"))
}

/// Resolves an (offset, length) buffer of a message.
///
/// `msg` is the whole message starting at its SMB2 header, `offset` counts from
/// that header (MS-SMB2 rule), and `fixed_end` is the first offset after the
/// fixed part of the structure (64 + StructureSize rounded down to even).
/// A zero `length` yields an empty slice whatever the offset (clients send 0
/// or the would-be position). Otherwise the buffer must start at or after
/// `fixed_end` and end inside `msg`.
pub fn buffer<'a>(
    msg: &'a [u8],
    field: &'static str,
    offset: u64,
    length: u64,
    fixed_end: usize,
) -> Result<&'a [u8], WireError> {
    if length == 0 {
        return Ok(&[]);
    }
    let out_of_range = WireError::BufferOutOfRange {
        field,
        offset,
        length,
        message_len: msg.len(),
    };
    let start = usize::try_from(offset).map_err(|_| out_of_range.clone())?;
    if start < fixed_end {
        return Err(WireError::BufferInFixedPart {
            field,
            offset,
            fixed_end,
        });
    }
    let len = usize::try_from(length).map_err(|_| out_of_range.clone())?;
    let end = start.checked_add(len).ok_or(out_of_range.clone())?;
    msg.get(start..end).ok_or(out_of_range)
}

/// Requires `offset` to be a multiple of `align`.
pub fn check_aligned(field: &'static str, offset: u64, align: u64) -> Result<(), WireError> {
    match offset.checked_rem(align) {
        Some(0) | None => Ok(()),
        Some(_) => Err(WireError::Misaligned {
            field,
            offset,
            align: usize::try_from(align).unwrap_or(usize::MAX),
        }),
    }
}

/// Decodes a UTF-16LE string (share names, paths), rejecting odd lengths and
/// unpaired surrogates with [`WireError::BadUtf16`].
pub fn utf16le_to_string(field: &'static str, bytes: &[u8]) -> Result<String, WireError> {
    let (units, rem) = bytes.as_chunks::<2>();
    if !rem.is_empty() {
        return Err(WireError::BadUtf16 { field });
    }
    char::decode_utf16(units.iter().map(|u| u16::from_le_bytes(*u)))
        .collect::<Result<String, _>>()
        .map_err(|_| WireError::BadUtf16 { field })
}

/// Encodes a string as UTF-16LE bytes (no terminator).
pub fn string_to_utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A list of little-endian `u16` values (dialects, cipher ids, …) that borrows
/// the wire bytes when decoded and owns them when built.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct U16List<'a>(std::borrow::Cow<'a, [u8]>);

impl<'a> U16List<'a> {
    /// Wraps wire bytes; fails on an odd length.
    pub fn from_wire(field: &'static str, bytes: &'a [u8]) -> Result<Self, WireError> {
        if !bytes.len().is_multiple_of(2) {
            return Err(WireError::invalid(field, "odd length for a u16 array"));
        }
        Ok(U16List(std::borrow::Cow::Borrowed(bytes)))
    }

    /// Builds a list from values.
    pub fn from_values(values: &[u16]) -> U16List<'static> {
        U16List(std::borrow::Cow::Owned(
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ))
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.0.len() / 2
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values in wire order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.0
            .as_chunks::<2>()
            .0
            .iter()
            .map(|c| u16::from_le_bytes(*c))
    }

    /// Whether `value` is in the list.
    pub fn contains(&self, value: u16) -> bool {
        self.iter().any(|v| v == value)
    }

    /// The wire bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The values as a `Vec`.
    pub fn to_vec(&self) -> Vec<u16> {
        self.iter().collect()
    }
}

impl core::fmt::Debug for U16List<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|v| format!("{v:#06x}")))
            .finish()
    }
}

/// A 16-byte GUID as carried on the wire (ClientGuid, ServerGuid).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Guid(pub [u8; 16]);

impl core::fmt::Debug for Guid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

impl core::fmt::Display for Guid {
    /// The registry form: the first three groups are little-endian on the wire.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let [a0, a1, a2, a3, b0, b1, c0, c1, d @ ..] = self.0;
        let [d0, d1, e0, e1, e2, e3, e4, e5] = d;
        write!(
            f,
            "{a3:02x}{a2:02x}{a1:02x}{a0:02x}-{b1:02x}{b0:02x}-{c1:02x}{c0:02x}-{d0:02x}{d1:02x}-{e0:02x}{e1:02x}{e2:02x}{e3:02x}{e4:02x}{e5:02x}"
        )
    }
}

/// An SMB2 FileId (MS-SMB2 2.2.14.1): persistent and volatile halves.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct FileId {
    /// Persistent part.
    pub persistent: u64,
    /// Volatile part.
    pub volatile: u64,
}

impl FileId {
    /// All ones: the placeholder of related compound requests, also used by
    /// IOCTLs that address no file (FSCTL_VALIDATE_NEGOTIATE_INFO).
    pub const ANY: FileId = FileId {
        persistent: u64::MAX,
        volatile: u64::MAX,
    };

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(FileId {
            persistent: r.u64("FileId.Persistent")?,
            volatile: r.u64("FileId.Volatile")?,
        })
    }

    pub(crate) fn write<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) {
        w.u64(self.persistent);
        w.u64(self.volatile);
    }
}

/// A message body: decoded from a whole SMB2 message (header included) and
/// encoded after a header already in the [`Writer`].
pub trait Pdu<'a>: Sized {
    /// The fixed StructureSize of the body (MS-SMB2 2.2.x).
    const STRUCTURE_SIZE: u16;

    /// Decodes the body of `msg`, which starts at its SMB2 header and ends
    /// where the message ends (a compound element from
    /// [`split_compound`](crate::header::split_compound) for chains).
    /// Buffers are borrowed from `msg`.
    fn decode(msg: &'a [u8]) -> Result<Self, WireError>;

    /// Appends the body; offsets are computed from the message start.
    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError>;

    /// Encodes the body into a new `Vec`, after a 64-byte gap standing for
    /// the header (so offsets are right), and returns the body bytes only.
    fn encode_body_to_vec(&self) -> Result<Vec<u8>, WireError> {
        let mut v = vec![0u8; HEADER_LEN];
        self.encode(&mut Writer::resume(&mut v, 0))?;
        Ok(v.split_off(HEADER_LEN))
    }
}

/// First offset after the fixed part of a body with this StructureSize.
pub const fn fixed_end(structure_size: u16) -> usize {
    // StructureSize counts one byte of the variable part when it is odd.
    HEADER_LEN.saturating_add((structure_size & !1) as usize)
}

/// Checks the header of `msg` (protocol id, length, command when given) and the
/// body's StructureSize; returns a reader positioned after StructureSize.
pub fn body_reader<'a>(
    msg: &'a [u8],
    what: &'static str,
    command: Option<Command>,
    structure_size: u16,
) -> Result<Reader<'a>, WireError> {
    let mut r = Reader::new(msg);
    let protocol: [u8; 4] = r.array("ProtocolId")?;
    if protocol != PROTOCOL_ID {
        return Err(WireError::BadProtocolId {
            got: protocol,
            expected: PROTOCOL_ID,
        });
    }
    if let Some(expected) = command {
        let got = Reader::at(msg, 12).u16("Command")?;
        if got != expected.0 {
            return Err(WireError::WrongCommand {
                expected: expected.0,
                got,
            });
        }
    }
    let mut r = Reader::at(msg, HEADER_LEN);
    let got = r.u16("StructureSize")?;
    if got != structure_size {
        return Err(WireError::BadStructureSize {
            what,
            got,
            expected: structure_size,
        });
    }
    let end = fixed_end(structure_size);
    if msg.len() < end {
        return Err(WireError::Truncated {
            field: what,
            offset: HEADER_LEN,
            needed: end.saturating_sub(HEADER_LEN),
            available: msg.len().saturating_sub(HEADER_LEN),
        });
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reports_truncation() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16("a").unwrap(), 0x0201);
        let e = r.u16("b").unwrap_err();
        assert_eq!(
            e,
            WireError::Truncated {
                field: "b",
                offset: 2,
                needed: 2,
                available: 1
            }
        );
        assert_eq!(Reader::at(&[1], 5).remaining(), 0);
        assert!(Reader::at(&[1], usize::MAX).bytes(2, "x").is_err());
    }

    #[test]
    fn buffer_rules() {
        let msg = [0u8; 100];
        assert_eq!(buffer(&msg, "f", 0, 0, 72).unwrap(), &[] as &[u8]);
        assert_eq!(buffer(&msg, "f", 72, 28, 72).unwrap().len(), 28);
        assert!(matches!(
            buffer(&msg, "f", 70, 2, 72),
            Err(WireError::BufferInFixedPart { .. })
        ));
        assert!(matches!(
            buffer(&msg, "f", 72, 29, 72),
            Err(WireError::BufferOutOfRange { .. })
        ));
        assert!(matches!(
            buffer(&msg, "f", u64::MAX, u64::MAX, 72),
            Err(WireError::BufferOutOfRange { .. })
        ));
    }

    #[test]
    fn writer_offsets_and_padding() {
        let mut v = vec![0xAA; 5];
        let mut w = Writer::new(&mut v);
        w.u16(0x0102);
        assert_eq!(w.offset(), 2);
        w.pad_to(8);
        assert_eq!(w.offset(), 8);
        w.patch_u16(0, 0x0304).unwrap();
        assert!(w.patch_u32(6, 1).is_err());
        assert_eq!(v, [0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 4, 3, 0, 0, 0, 0, 0, 0]);
        let mut b = bytes::BytesMut::new();
        let mut w = Writer::new(&mut b);
        w.u32(7);
        w.zeros(20);
        assert_eq!(b.len(), 24);
    }

    #[test]
    fn utf16_rejects_unpaired_surrogates() {
        assert_eq!(
            utf16le_to_string("s", &string_to_utf16le("\\\\srv\\IPC$")).unwrap(),
            "\\\\srv\\IPC$"
        );
        assert_eq!(
            utf16le_to_string("s", &[0x00, 0xD8, 0x41, 0x00]),
            Err(WireError::BadUtf16 { field: "s" })
        );
        assert_eq!(
            utf16le_to_string("s", &[0x41]),
            Err(WireError::BadUtf16 { field: "s" })
        );
        // A proper surrogate pair (U+1F600).
        assert_eq!(
            utf16le_to_string("s", &[0x3D, 0xD8, 0x00, 0xDE]).unwrap(),
            "\u{1F600}"
        );
    }

    #[test]
    fn guid_display() {
        let g = Guid([
            0x4f, 0x0d, 0x7f, 0xa0, 0x09, 0xf5, 0xb2, 0x46, 0xb2, 0xef, 0x62, 0x55, 0x1d, 0x7d,
            0x7c, 0x09,
        ]);
        assert_eq!(g.to_string(), "a07f0d4f-f509-46b2-b2ef-62551d7d7c09");
    }
}
