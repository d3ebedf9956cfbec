//! WRITE (MS-SMB2 3.3.5.13): data at an offset, or at the end of file when
//! the offset is 0xFFFFFFFFFFFFFFFF (append, MS-SMB2 2.2.21). A
//! zero-length write succeeds at once with Count 0.

use smbkit_vfs::Vfs;
use smbkit_wire::write::{APPEND_OFFSET, WriteRequest, WriteResponse};
use smbkit_wire::{NtStatus, Pdu};

use super::access::can_write;
use super::{Answer, encode_failed, malformed};
use crate::files::FileServer;
use crate::{Call, Response};

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
    let count = if req.data.is_empty() {
        0
    } else {
        let offset = if req.offset == APPEND_OFFSET {
            server.info(&open).await?.size
        } else {
            req.offset
        };
        share
            .vfs
            .write_at(open.data.handle, offset, req.data)
            .await
            .map_err(|e| e.status())?
    };
    let body = WriteResponse {
        count: u32::try_from(count).map_err(|_| NtStatus::INTERNAL_ERROR)?,
        remaining: 0,
    }
    .encode_body_to_vec()
    .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(NtStatus::SUCCESS, body))
}
