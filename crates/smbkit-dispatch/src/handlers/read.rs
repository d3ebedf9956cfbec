//! READ (MS-SMB2 3.3.5.12): up to MaxReadSize bytes at an offset. At or
//! after the end of file, or fewer bytes than MinimumCount, the answer is
//! STATUS_END_OF_FILE.
//!
//! * Offsets are signed 64-bit in the file system: an offset past
//!   2^63 - 1, or a range ending past it, is INVALID_PARAMETER (as Samba
//!   and Windows answer smb2.rw.invalid). A zero-length read at any valid
//!   offset succeeds with no data and no I/O.
//! * A range overlapping another open's exclusive byte-range lock is
//!   FILE_LOCK_CONFLICT (MS-FSA 2.1.5.2).
//! * A successful read leaves FilePositionInformation at the end of the
//!   data read, as Samba keeps it (smb2.read.position; Windows reports 0).

use smbkit_state::Io;
use smbkit_vfs::Vfs;
use smbkit_wire::read::{DATA_OFFSET, ReadRequest, ReadResponse};
use smbkit_wire::{NtStatus, Pdu, Writer};

use super::access::can_read;
use super::{Answer, encode_failed, malformed};
use crate::files::FileServer;
use crate::{Call, Response};

/// The largest offset a file may have (the file system's offsets are
/// signed 64-bit).
pub(crate) const MAX_OFFSET: u64 = i64::MAX as u64;

/// Bytes between the end of the 64-byte header and the data.
const FIXED: usize = DATA_OFFSET - 64;

pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    let req = ReadRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let open = server.lookup(call, req.file_id)?;
    if req.length > server.limits.max_read {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if open.data.pipe.is_some() {
        return super::pipe::read(&open, &req);
    }
    if open.data.is_dir {
        return Err(NtStatus::INVALID_DEVICE_REQUEST);
    }
    if !can_read(open.data.granted) {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let end = req
        .offset
        .checked_add(u64::from(req.length))
        .filter(|end| *end <= MAX_OFFSET)
        .ok_or(NtStatus::INVALID_PARAMETER)?;
    super::lock::io_allowed(server, &open, req.offset, req.length.into(), Io::Read)?;
    let share = server.share_of(&open)?;
    let length = usize::try_from(req.length).map_err(|_| NtStatus::INVALID_PARAMETER)?;
    // The fixed part of the answer, then the data read straight after it.
    let mut body = Vec::with_capacity(FIXED.saturating_add(length));
    body.resize(FIXED, 0);
    if length > 0 {
        body = share
            .vfs
            .read_into(open.data.handle, req.offset, length, body)
            .await
            .map_err(|e| e.status())?;
    }
    let got = body.len().saturating_sub(FIXED);
    let minimum = usize::try_from(req.minimum_count).unwrap_or(usize::MAX);
    if (got == 0 && length > 0) || got < minimum {
        return Err(NtStatus::END_OF_FILE);
    }
    let read = u64::try_from(got).unwrap_or(u64::MAX);
    let position = req.offset.saturating_add(read).min(end);
    open.set_position(position);
    let fixed = fixed(got)?;
    body.get_mut(..FIXED)
        .ok_or(NtStatus::INTERNAL_ERROR)?
        .copy_from_slice(&fixed);
    Ok(Response::new(NtStatus::SUCCESS, body))
}

/// The fixed part of a READ response for `len` bytes of data.
fn fixed(len: usize) -> Result<[u8; FIXED], NtStatus> {
    // The writer counts offsets from the start of the message: a header's
    // worth of room first.
    let mut buf = Vec::with_capacity(64usize.saturating_add(FIXED));
    buf.resize(64, 0);
    ReadResponse::encode_fixed(&mut Writer::resume(&mut buf, 0), len, 0, 0)
        .map_err(|e| encode_failed(&e))?;
    buf.get(64..)
        .and_then(|f| <[u8; FIXED]>::try_from(f).ok())
        .ok_or(NtStatus::INTERNAL_ERROR)
}

/// The READ response body carrying `data` (also used for named pipes).
pub(crate) fn body(data: &[u8]) -> Result<Vec<u8>, NtStatus> {
    let mut body = Vec::with_capacity(FIXED.saturating_add(data.len()));
    body.extend_from_slice(&fixed(data.len())?);
    body.extend_from_slice(data);
    Ok(body)
}
