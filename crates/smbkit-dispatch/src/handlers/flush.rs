//! FLUSH (MS-SMB2 3.3.5.11): fsync. The open must have write or append
//! access (else ACCESS_DENIED). macOS' full-sync request (Reserved1 =
//! 0xFFFF) is the same fsync here.

use smbkit_vfs::Vfs;
use smbkit_wire::flush::FlushRequest;
use smbkit_wire::{NtStatus, Pdu};

use super::access::can_write;
use super::{Answer, malformed};
use crate::files::FileServer;
use crate::{Call, Response};

/// The FLUSH response body: StructureSize 4, Reserved.
const FLUSH_RESPONSE: [u8; 4] = [4, 0, 0, 0];

pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    let req = FlushRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let open = server.lookup(call, req.file_id)?;
    if open.data.pipe.is_some() {
        // Every write to a pipe is processed at once: nothing to flush.
        return Ok(Response::new(NtStatus::SUCCESS, FLUSH_RESPONSE.to_vec()));
    }
    if !can_write(open.data.granted) {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let share = server.share_of(&open)?;
    share
        .vfs
        .flush(open.data.handle)
        .await
        .map_err(|e| e.status())?;
    Ok(Response::new(NtStatus::SUCCESS, FLUSH_RESPONSE.to_vec()))
}
