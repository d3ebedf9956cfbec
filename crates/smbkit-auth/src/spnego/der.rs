//! A small DER reader and writer: single-byte tags, definite lengths (at most
//! 4 length bytes), every length checked against the input. It reads one TLV
//! at a time and never recurses, so nesting depth is bounded by the fixed
//! SPNEGO schema that drives it; the overall size by [`MAX_TOKEN_LEN`].

use crate::error::DecodeError;

/// The largest security token we read (SMB2 security buffers are far smaller
/// for NTLM; Samba applies the same bound).
pub const MAX_TOKEN_LEN: usize = 0xFFFF;

/// One element: tag, contents, and the whole encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

/// Reads one TLV from the front of `input`; returns it and what follows.
pub(crate) fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), DecodeError> {
    let (&tag, rest) = input
        .split_first()
        .ok_or(DecodeError::Der("truncated tag"))?;
    if tag & 0x1F == 0x1F {
        return Err(DecodeError::Der("multi-byte tag"));
    }
    let (&first, rest) = rest
        .split_first()
        .ok_or(DecodeError::Der("truncated length"))?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else if first == 0x80 {
        return Err(DecodeError::Der("indefinite length"));
    } else {
        let n = usize::from(first & 0x7F);
        if n > 4 {
            return Err(DecodeError::Der("length too long"));
        }
        let (len_bytes, rest) = rest
            .split_at_checked(n)
            .ok_or(DecodeError::Der("truncated length"))?;
        let mut buf = [0u8; 4];
        let start = 4usize
            .checked_sub(n)
            .ok_or(DecodeError::Der("length too long"))?;
        buf.get_mut(start..)
            .ok_or(DecodeError::Der("length too long"))?
            .copy_from_slice(len_bytes);
        let len = usize::try_from(u32::from_be_bytes(buf)).map_err(|_| DecodeError::TooLarge)?;
        (len, rest)
    };
    let (value, after) = rest
        .split_at_checked(len)
        .ok_or(DecodeError::Der("length beyond input"))?;
    let raw_len = input
        .len()
        .checked_sub(after.len())
        .ok_or(DecodeError::Der("length"))?;
    let raw = input.get(..raw_len).ok_or(DecodeError::Der("length"))?;
    Ok((Tlv { tag, value, raw }, after))
}

/// Reads exactly one TLV with `tag` filling all of `input`.
pub(crate) fn read_only<'a>(
    input: &'a [u8],
    tag: u8,
    what: &'static str,
) -> Result<Tlv<'a>, DecodeError> {
    let (tlv, rest) = read(input)?;
    if tlv.tag != tag {
        return Err(DecodeError::Spnego(what));
    }
    if !rest.is_empty() {
        return Err(DecodeError::Der("trailing bytes"));
    }
    Ok(tlv)
}

/// All TLVs in `input`, in order, at most `max` of them.
pub(crate) fn read_seq(mut input: &[u8], max: usize) -> Result<Vec<Tlv<'_>>, DecodeError> {
    let mut out = Vec::new();
    while !input.is_empty() {
        if out.len() >= max {
            return Err(DecodeError::Der("too many elements"));
        }
        let (tlv, rest) = read(input)?;
        out.push(tlv);
        input = rest;
    }
    Ok(out)
}

/// Encodes one TLV.
pub(crate) fn write(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len().saturating_add(6));
    out.push(tag);
    let len = content.len();
    if let Ok(short) = u8::try_from(len)
        && short < 0x80
    {
        out.push(short);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        // A usize has at most 8 bytes, so this fits in the low 7 bits.
        out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0x7F));
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// Concatenates encodings.
pub(crate) fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_short_and_long_form() {
        assert_eq!(write(0x04, &[]), [0x04, 0x00]);
        assert_eq!(write(0x04, &[9; 0x7F])[..2], [0x04, 0x7F]);
        assert_eq!(write(0x04, &[9; 0x80])[..3], [0x04, 0x81, 0x80]);
        assert_eq!(write(0x04, &[9; 0x1A6])[..4], [0x04, 0x82, 0x01, 0xA6]);
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0x1_0000] {
            let enc = write(0x30, &vec![0xAB; len]);
            let (tlv, rest) = read(&enc).unwrap();
            assert_eq!(
                (tlv.tag, tlv.value.len(), tlv.raw.len(), rest.len()),
                (0x30, len, enc.len(), 0)
            );
        }
    }

    #[test]
    fn rejects_what_der_does_not_allow() {
        assert_eq!(
            read(&[0x30, 0x80, 0x00, 0x00]).unwrap_err(),
            DecodeError::Der("indefinite length")
        );
        assert_eq!(
            read(&[0x1F, 0x01, 0x00]).unwrap_err(),
            DecodeError::Der("multi-byte tag")
        );
        assert_eq!(
            read(&[0x04, 0x85, 1, 0, 0, 0, 0]).unwrap_err(),
            DecodeError::Der("length too long")
        );
        assert_eq!(
            read(&[0x04, 0x82, 0x01]).unwrap_err(),
            DecodeError::Der("truncated length")
        );
        assert_eq!(
            read(&[0x04, 0x03, 0x01]).unwrap_err(),
            DecodeError::Der("length beyond input")
        );
        assert_eq!(
            read(&[0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).unwrap_err(),
            DecodeError::Der("length beyond input")
        );
        assert_eq!(read(&[]).unwrap_err(), DecodeError::Der("truncated tag"));
        assert_eq!(
            read_only(&[0x04, 0x00, 0x00], 0x04, "x").unwrap_err(),
            DecodeError::Der("trailing bytes")
        );
        assert_eq!(
            read_only(&[0x05, 0x00], 0x04, "x").unwrap_err(),
            DecodeError::Spnego("x")
        );
        assert!(read_seq(&[0x05, 0x00, 0x05, 0x00, 0x05, 0x00], 2).is_err());
        assert_eq!(read_seq(&[0x05, 0x00, 0x05, 0x00], 2).unwrap().len(), 2);
    }
}
