//! READ (MS-SMB2 3.3.5.12): up to MaxReadSize bytes at an offset. At or
//! after the end of file, or fewer bytes than MinimumCount, the answer is
//! STATUS_END_OF_FILE.

use smbkit_vfs::Vfs;
use smbkit_wire::read::{DATA_OFFSET, ReadRequest, ReadResponse};
use smbkit_wire::{NtStatus, Pdu, Writer};

use super::access::can_read;
use super::{Answer, encode_failed, malformed};
use crate::files::FileServer;
use crate::{Call, Response};

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
    let share = server.share_of(&open)?;
    let length = usize::try_from(req.length).map_err(|_| NtStatus::INVALID_PARAMETER)?;
    let data = share
        .vfs
        .read_at(open.data.handle, req.offset, length)
        .await
        .map_err(|e| e.status())?;
    let minimum = usize::try_from(req.minimum_count).unwrap_or(usize::MAX);
    if (data.is_empty() && length > 0) || data.len() < minimum {
        return Err(NtStatus::END_OF_FILE);
    }
    Ok(Response::new(NtStatus::SUCCESS, body(&data)?))
}

/// The READ response body carrying `data` (also used for named pipes).
pub(crate) fn body(data: &[u8]) -> Result<Vec<u8>, NtStatus> {
    // The fixed part, then the data: one copy from the storage's buffer.
    let mut body = vec![0u8; 64];
    body.reserve(FIXED.saturating_add(data.len()));
    ReadResponse::encode_fixed(&mut Writer::resume(&mut body, 0), data.len(), 0, 0)
        .map_err(|e| encode_failed(&e))?;
    body.extend_from_slice(data);
    Ok(body.split_off(64))
}
