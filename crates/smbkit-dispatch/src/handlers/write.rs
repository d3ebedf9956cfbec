//! WRITE (MS-SMB2 3.3.5.13): data at an offset. A zero-length write
//! succeeds at once with Count 0.
//!
//! * Offsets are signed 64-bit in the file system: an offset past
//!   2^63 - 1 is INVALID_PARAMETER, and so is data ending past
//!   [`MAX_FILE_SIZE`] (smb2.rw.invalid). The one exception is the
//!   "write at end of file" offset 0xFFFFFFFFFFFFFFFF (MS-FSA 2.1.5.3) from
//!   an open that may append but not write (FILE_APPEND_DATA without
//!   FILE_WRITE_DATA).
//! * A range overlapping another open's exclusive lock or any shared lock
//!   (the writer's own included) is FILE_LOCK_CONFLICT (MS-FSA 2.1.5.3).
//! * Writes leave FilePositionInformation alone (only READ and SET_INFO
//!   move it, as in Samba).

use smbkit_state::Io;
use smbkit_vfs::Vfs;
use smbkit_wire::create::access;
use smbkit_wire::write::{APPEND_OFFSET, WriteRequest, WriteResponse};
use smbkit_wire::{NtStatus, Pdu};

use super::access::can_write;
use super::read::MAX_OFFSET;
use super::{Answer, encode_failed, malformed};
use crate::files::FileServer;
use crate::{Call, Response};

/// The largest end of data a write may reach: 16 TiB - 64 KiB, the NTFS
/// limit that Windows enforces and Samba copies (its `vfs_valid_pwrite_range`).
pub(crate) const MAX_FILE_SIZE: u64 = 0xFFF_FFFF_0000;

pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    let req = WriteRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let open = server.lookup(call, req.file_id)?;
    if open.data.pipe.is_some() {
        if req.data.len() > usize::try_from(server.limits.max_write).unwrap_or(usize::MAX) {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        return super::pipe::write(&open, req.data);
    }
    let share = server.share_of(&open)?;
    if share.read_only {
        return Err(NtStatus::MEDIA_WRITE_PROTECTED);
    }
    if !can_write(open.data.granted) {
        return Err(NtStatus::ACCESS_DENIED);
    }
    if open.data.is_dir {
        return Err(NtStatus::INVALID_DEVICE_REQUEST);
    }
    if req.data.len() > usize::try_from(server.limits.max_write).unwrap_or(usize::MAX) {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let append_only = open.data.granted & access::FILE_WRITE_DATA == 0
        && open.data.granted & access::FILE_APPEND_DATA != 0;
    let offset = if req.offset == APPEND_OFFSET && append_only {
        server.info(&open).await?.size
    } else if req.offset > MAX_OFFSET {
        return Err(NtStatus::INVALID_PARAMETER);
    } else {
        req.offset
    };
    let length = u64::try_from(req.data.len()).map_err(|_| NtStatus::INVALID_PARAMETER)?;
    if length > 0
        && offset
            .checked_add(length)
            .is_none_or(|end| end > MAX_FILE_SIZE)
    {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    super::lock::io_allowed(server, &open, offset, length, Io::Write)?;
    // Level II oplocks of the file break to none (MS-FSA 2.1.5.3).
    super::oplock_break::contend(server, call, open.file, || {
        smbkit_state::Contention::Write { by: open.id }
    })
    .await?;
    let count = if req.data.is_empty() {
        0
    } else {
        // The data stays in the received frame: no copy on the way down.
        let data = within(&call.request.message, req.data)
            .unwrap_or_else(|| bytes::Bytes::copy_from_slice(req.data));
        share
            .vfs
            .write_bytes(open.data.handle, offset, data)
            .await
            .map_err(|e| e.status())?
    };
    super::change_notify::written(server, &open, count);
    let body = WriteResponse {
        count: u32::try_from(count).map_err(|_| NtStatus::INTERNAL_ERROR)?,
        remaining: 0,
    }
    .encode_body_to_vec()
    .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(NtStatus::SUCCESS, body))
}

/// `part` as a slice of `whole` without copying, when it lies inside it.
fn within(whole: &bytes::Bytes, part: &[u8]) -> Option<bytes::Bytes> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= whole.len()).then(|| whole.slice(start..end))
}

#[cfg(test)]
mod tests {
    use super::within;

    #[test]
    fn within_slices_only_what_lies_inside() {
        let whole = bytes::Bytes::from_static(b"0123456789");
        let part = whole.get(3..7).unwrap();
        let got = within(&whole, part).unwrap();
        assert_eq!(&got[..], b"3456");
        assert_eq!(got.as_ptr(), part.as_ptr());
        // Heap memory never lies inside a static.
        let elsewhere = vec![1u8, 2, 3];
        assert!(within(&whole, &elsewhere).is_none());
        assert!(within(&whole, whole.get(8..).unwrap()).is_some());
    }
}
