//! A bounds-checked little-endian reader over a byte slice, shared by the
//! PDU and NDR decoders.

/// The input ended before the field that was being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Short;

#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Short> {
        let end = self.pos.checked_add(n).ok_or(Short)?;
        let out = self.buf.get(self.pos..end).ok_or(Short)?;
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Short> {
        self.take(N)?.try_into().map_err(|_| Short)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Short> {
        Ok(u8::from_le_bytes(self.array::<1>()?))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Short> {
        Ok(u16::from_le_bytes(self.array::<2>()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Short> {
        Ok(u32::from_le_bytes(self.array::<4>()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, Short> {
        Ok(u64::from_le_bytes(self.array::<8>()?))
    }

    /// Skips to the next multiple of `n` (a power of two) counted from the
    /// start of the slice.
    pub(crate) fn align(&mut self, n: usize) -> Result<(), Short> {
        let pad = pad_to(self.pos, n);
        self.take(pad).map(|_| ())
    }
}

/// How many bytes take `pos` to the next multiple of `n` (`n` a power of two,
/// at most 8).
pub(crate) fn pad_to(pos: usize, n: usize) -> usize {
    let mask = n.saturating_sub(1);
    (n.wrapping_sub(pos & mask)) & mask
}

/// Appends zero bytes until `out.len()` is a multiple of `n`.
pub(crate) fn pad_vec(out: &mut Vec<u8>, n: usize) {
    let pad = pad_to(out.len(), n);
    out.resize(out.len().saturating_add(pad), 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding() {
        assert_eq!(pad_to(0, 4), 0);
        assert_eq!(pad_to(1, 4), 3);
        assert_eq!(pad_to(3, 4), 1);
        assert_eq!(pad_to(4, 4), 0);
        assert_eq!(pad_to(5, 2), 1);
        assert_eq!(pad_to(9, 8), 7);
    }

    #[test]
    fn short_reads() {
        let mut c = Cursor::new(&[1, 2, 3]);
        assert_eq!(c.u16(), Ok(0x0201));
        assert_eq!(c.u16(), Err(Short));
        assert_eq!(c.u8(), Ok(3));
        assert_eq!(c.remaining(), 0);
        assert_eq!(c.take(usize::MAX), Err(Short));
    }
}
