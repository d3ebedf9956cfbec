//! A small NDR 2.0 (NDR32) reader and writer: C706 chapter 14 with the
//! MS-RPCE 2.2.5 conventions. Little-endian only.
//!
//! It knows the primitives that srvsvc and wkssvc use: aligned integers,
//! enums (u16 by default, u32 for `v1_enum`), unique and full pointers with
//! referent ids, conformant varying UTF-16 strings, conformant arrays and
//! non-encapsulated unions (a u32 discriminant, then the arm). Deferred
//! pointees are written by the caller in NDR order: first the fixed parts of
//! a structure or array, then the referents of its embedded pointers.
//!
//! Reading is bounded: a count is checked against the bytes that remain
//! before anything is allocated for it.

use crate::cursor::{Cursor, Short, pad_vec};
use crate::error::NdrError;

/// The first referent id the writer hands out; ids then grow by 4.
pub const FIRST_REFERENT_ID: u32 = 0x0002_0000;

fn short(_: Short) -> NdrError {
    NdrError::Truncated
}

/// A full pointer as read: NULL, a referent seen for the first time (its
/// pointee follows, deferred), or one already seen (no pointee follows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullPointer {
    /// NULL.
    Null,
    /// First occurrence of this referent id.
    New(u32),
    /// A referent id already read: an alias, nothing more is marshalled.
    Seen(u32),
}

/// Reads NDR 2.0 stub data.
#[derive(Debug, Clone)]
pub struct NdrReader<'a> {
    c: Cursor<'a>,
    full_ids: Vec<u32>,
}

impl<'a> NdrReader<'a> {
    /// A reader over one call's stub data (alignment counts from its start).
    pub fn new(stub: &'a [u8]) -> Self {
        Self {
            c: Cursor::new(stub),
            full_ids: Vec::new(),
        }
    }

    /// Offset from the start of the stub.
    pub fn position(&self) -> usize {
        self.c.position()
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.c.remaining()
    }

    /// Skips padding up to a multiple of `n` (1, 2, 4 or 8).
    pub fn align(&mut self, n: usize) -> Result<(), NdrError> {
        self.c.align(n).map_err(short)
    }

    /// A `small`/`byte`.
    pub fn u8(&mut self) -> Result<u8, NdrError> {
        self.c.u8().map_err(short)
    }

    /// A `short`, aligned to 2.
    pub fn u16(&mut self) -> Result<u16, NdrError> {
        self.align(2)?;
        self.c.u16().map_err(short)
    }

    /// A `long`/`DWORD`, aligned to 4.
    pub fn u32(&mut self) -> Result<u32, NdrError> {
        self.align(4)?;
        self.c.u32().map_err(short)
    }

    /// A `hyper`, aligned to 8.
    pub fn u64(&mut self) -> Result<u64, NdrError> {
        self.align(8)?;
        self.c.u64().map_err(short)
    }

    /// An `enum`: 16 bits on the wire in NDR 2.0 (unless `v1_enum`, then
    /// use [`NdrReader::u32`]).
    pub fn enum16(&mut self) -> Result<u16, NdrError> {
        self.u16()
    }

    /// A non-encapsulated union's discriminant as marshalled before the arm
    /// (`switch_type(DWORD)`).
    pub fn union_discriminant(&mut self) -> Result<u32, NdrError> {
        self.u32()
    }

    /// A unique pointer: `None` for NULL, else its referent id (the pointee
    /// follows in deferred position).
    pub fn unique_pointer(&mut self) -> Result<Option<u32>, NdrError> {
        let id = self.u32()?;
        Ok((id != 0).then_some(id))
    }

    /// An embedded `[ref]` pointer: must not be NULL.
    pub fn ref_pointer(&mut self) -> Result<u32, NdrError> {
        self.unique_pointer()?.ok_or(NdrError::Pointer)
    }

    /// A full pointer (`[ptr]`): aliases are recognised by referent id.
    pub fn full_pointer(&mut self) -> Result<FullPointer, NdrError> {
        let id = self.u32()?;
        if id == 0 {
            return Ok(FullPointer::Null);
        }
        if self.full_ids.contains(&id) {
            return Ok(FullPointer::Seen(id));
        }
        // Bounded: each id took 4 bytes of the stub.
        self.full_ids.push(id);
        Ok(FullPointer::New(id))
    }

    /// The conformance (`MaxCount`) of a conformant array of elements of
    /// `elem_size` bytes; refused if that many elements cannot fit in what
    /// remains.
    pub fn conformant_count(&mut self, elem_size: usize) -> Result<u32, NdrError> {
        let n = self.u32()?;
        let bytes = usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(elem_size))
            .ok_or(NdrError::Count(n))?;
        if bytes > self.remaining() {
            return Err(NdrError::Count(n));
        }
        Ok(n)
    }

    /// A conformant varying UTF-16 string (`[string] wchar_t*` pointee):
    /// `MaxCount`, `Offset`, `ActualCount`, then the units. A terminating
    /// NUL, if present, is not part of the result.
    pub fn string(&mut self) -> Result<String, NdrError> {
        let max = self.u32()?;
        let offset = self.u32()?;
        let actual = self.u32()?;
        let within = offset.checked_add(actual).is_some_and(|end| end <= max);
        if !within {
            return Err(NdrError::Count(actual));
        }
        let len = usize::try_from(actual)
            .ok()
            .and_then(|n| n.checked_mul(2))
            .ok_or(NdrError::Count(actual))?;
        let bytes = self.c.take(len).map_err(|_| NdrError::Count(actual))?;
        let mut units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|p| {
                u16::from_le_bytes([
                    p.first().copied().unwrap_or(0),
                    p.get(1).copied().unwrap_or(0),
                ])
            })
            .collect();
        if units.last() == Some(&0) {
            units.pop();
        }
        String::from_utf16(&units).map_err(|_| NdrError::InvalidUtf16)
    }
}

/// Writes NDR 2.0 stub data.
#[derive(Debug, Clone)]
pub struct NdrWriter {
    buf: Vec<u8>,
    next_ref: u32,
    full: Vec<(u64, u32)>,
}

impl Default for NdrWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl NdrWriter {
    /// An empty stub.
    pub fn new() -> Self {
        Self {
            buf: Vec::new(),
            next_ref: FIRST_REFERENT_ID,
            full: Vec::new(),
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True if nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The stub.
    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    /// Zero padding up to a multiple of `n`.
    pub fn align(&mut self, n: usize) {
        pad_vec(&mut self.buf, n);
    }

    /// A byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// A `short`, aligned to 2.
    pub fn u16(&mut self, v: u16) {
        self.align(2);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A `long`/`DWORD`, aligned to 4.
    pub fn u32(&mut self, v: u32) {
        self.align(4);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A `hyper`, aligned to 8.
    pub fn u64(&mut self, v: u64) {
        self.align(8);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// An NDR 2.0 `enum` (16 bits).
    pub fn enum16(&mut self, v: u16) {
        self.u16(v);
    }

    /// A union discriminant (`switch_type(DWORD)`).
    pub fn union_discriminant(&mut self, v: u32) {
        self.u32(v);
    }

    fn referent(&mut self) -> u32 {
        let id = self.next_ref;
        self.next_ref = self.next_ref.wrapping_add(4);
        if self.next_ref == 0 {
            self.next_ref = FIRST_REFERENT_ID;
        }
        id
    }

    /// A unique (or embedded ref) pointer: a fresh referent id when
    /// `present`, 0 otherwise. The caller writes the pointee later, in
    /// deferred order, when it returns `true`.
    pub fn pointer(&mut self, present: bool) -> bool {
        let id = if present { self.referent() } else { 0 };
        self.u32(id);
        present
    }

    /// A full pointer to the object identified by `key`: the first time a
    /// key is written it gets a fresh referent id and `true` is returned
    /// (the caller marshals the pointee); later writes repeat the id and
    /// return `false`. `None` writes NULL.
    pub fn full_pointer(&mut self, key: Option<u64>) -> bool {
        let Some(key) = key else {
            self.u32(0);
            return false;
        };
        if let Some((_, id)) = self.full.iter().find(|(k, _)| *k == key) {
            let id = *id;
            self.u32(id);
            return false;
        }
        let id = self.referent();
        self.full.push((key, id));
        self.u32(id);
        true
    }

    /// The conformance (`MaxCount`) of a conformant array.
    pub fn conformant_count(&mut self, n: u32) {
        self.u32(n);
    }

    /// A conformant varying UTF-16 string with its terminating NUL: the
    /// three counts, the units, then padding to 4 so the next field starts
    /// aligned the way every NDR engine expects.
    pub fn string(&mut self, s: &str) {
        let units: Vec<u16> = s.encode_utf16().chain(core::iter::once(0)).collect();
        let n = u32::try_from(units.len()).unwrap_or(u32::MAX);
        self.u32(n);
        self.u32(0);
        self.u32(n);
        for u in units {
            self.buf.extend_from_slice(&u.to_le_bytes());
        }
        self.align(4);
    }
}

/// The number of bytes [`NdrWriter::string`] produces for `s` (counts,
/// units with NUL, padding), for size estimates.
pub fn string_wire_len(s: &str) -> usize {
    let units = s.encode_utf16().count().saturating_add(1);
    let bytes = units.saturating_mul(2).saturating_add(12);
    bytes.saturating_add(crate::cursor::pad_to(bytes, 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_layout() {
        let mut w = NdrWriter::new();
        w.string("ab");
        assert_eq!(
            hex::encode(w.into_vec()),
            // max 3, offset 0, actual 3, "a" "b" NUL, pad 2
            "0300000000000000030000006100620000000000"
        );
        assert_eq!(string_wire_len("ab"), 20);
        assert_eq!(string_wire_len("abc"), 20);
        assert_eq!(string_wire_len(""), 16);
    }

    #[test]
    fn string_read_back_and_bounds() {
        let mut w = NdrWriter::new();
        w.u16(7);
        w.string("IPC$");
        w.u32(9);
        let v = w.into_vec();
        let mut r = NdrReader::new(&v);
        assert_eq!(r.u16(), Ok(7));
        assert_eq!(r.string().as_deref(), Ok("IPC$"));
        assert_eq!(r.u32(), Ok(9));
        assert_eq!(r.remaining(), 0);

        // actual count larger than the data
        let bad = hex::decode("ffffff7f00000000ffffff7f4100").unwrap();
        assert_eq!(
            NdrReader::new(&bad).string(),
            Err(NdrError::Count(0x7fff_ffff))
        );
        // offset + actual above max
        let bad = hex::decode("02000000010000000200000041004200").unwrap();
        assert_eq!(NdrReader::new(&bad).string(), Err(NdrError::Count(2)));
    }

    #[test]
    fn pointers_and_arrays() {
        let mut w = NdrWriter::new();
        assert!(w.pointer(true));
        assert!(!w.pointer(false));
        assert!(w.full_pointer(Some(7)));
        assert!(!w.full_pointer(Some(7)));
        assert!(!w.full_pointer(None));
        w.conformant_count(2);
        w.u32(1);
        w.u32(2);
        let v = w.into_vec();
        assert_eq!(
            hex::encode(&v),
            concat!(
                "00000200", "00000000", "04000200", "04000200", "00000000", "02000000", "01000000",
                "02000000"
            )
        );
        let mut r = NdrReader::new(&v);
        assert_eq!(r.unique_pointer(), Ok(Some(0x20000)));
        assert_eq!(r.unique_pointer(), Ok(None));
        assert_eq!(r.full_pointer(), Ok(FullPointer::New(0x20004)));
        assert_eq!(r.full_pointer(), Ok(FullPointer::Seen(0x20004)));
        assert_eq!(r.full_pointer(), Ok(FullPointer::Null));
        assert_eq!(r.conformant_count(4), Ok(2));
        assert_eq!(r.u32(), Ok(1));
        assert_eq!(r.u32(), Ok(2));

        let huge = 0x4000_0000u32.to_le_bytes();
        assert_eq!(
            NdrReader::new(&huge).conformant_count(4),
            Err(NdrError::Count(0x4000_0000))
        );
    }

    #[test]
    fn alignment_counts_from_stub_start() {
        let mut w = NdrWriter::new();
        w.u8(1);
        w.u64(2);
        w.enum16(3);
        let v = w.into_vec();
        assert_eq!(v.len(), 18);
        let mut r = NdrReader::new(&v);
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u64(), Ok(2));
        assert_eq!(r.enum16(), Ok(3));
        assert_eq!(r.u32(), Err(NdrError::Truncated));
    }
}
