//! The walk shared by negotiate contexts (MS-SMB2 2.2.3.1) and tree connect
//! contexts (2.2.9.2): an array of `{Type u16, DataLength u16, Reserved u32,
//! Data}` entries, each after the first starting on an 8-byte boundary
//! counted from the SMB2 header.

use crate::codec::{Reader, WireBuf, Writer, align8, check_aligned, to_u16};
use crate::error::WireError;

/// One raw `(type, data)` entry of a context array.
pub(crate) type RawContext<'a> = (u16, &'a [u8]);

/// Reads `count` contexts starting at `offset` (from the header) of `msg`.
pub(crate) fn read_contexts<'a>(
    msg: &'a [u8],
    field: &'static str,
    offset: u32,
    count: u16,
    min_offset: usize,
) -> Result<Vec<RawContext<'a>>, WireError> {
    let mut out = Vec::new();
    if count == 0 {
        return Ok(out);
    }
    let start = usize::try_from(offset).map_err(|_| WireError::BufferOutOfRange {
        field,
        offset: offset.into(),
        length: 0,
        message_len: msg.len(),
    })?;
    if start < min_offset {
        return Err(WireError::BufferInFixedPart {
            field,
            offset: offset.into(),
            fixed_end: min_offset,
        });
    }
    check_aligned(field, offset.into(), 8)?;
    let mut pos = start;
    for i in 0..count {
        if i > 0 {
            pos = align8(pos).ok_or(WireError::invalid(field, "offset overflows"))?;
        }
        let mut r = Reader::at(msg, pos);
        let context_type = r.u16("ContextType")?;
        let len = r.u16("DataLength")?;
        r.skip(4, "Context.Reserved")?;
        let data = r.bytes(usize::from(len), "Context.Data")?;
        out.push((context_type, data));
        pos = r.position();
    }
    Ok(out)
}

/// Writes contexts (the writer must already be 8-aligned), padding between
/// entries but not after the last.
pub(crate) fn write_contexts<B: WireBuf + ?Sized>(
    w: &mut Writer<'_, B>,
    contexts: &[(u16, Vec<u8>)],
) -> Result<(), WireError> {
    for (i, (context_type, data)) in contexts.iter().enumerate() {
        if i > 0 {
            w.pad_to(8);
        }
        w.u16(*context_type);
        w.u16(to_u16("Context.DataLength", data.len())?);
        w.u32(0);
        w.bytes(data);
    }
    Ok(())
}
