//! CLOSE (MS-SMB2 3.3.5.10): release the open; with
//! SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB return the attributes (taken just
//! before the close). Delete-on-close happens here, on the file's last open.

use smbkit_state::OpenId;
use smbkit_vfs::Vfs;
use smbkit_wire::close::{CloseRequest, CloseResponse, FLAG_POSTQUERY_ATTRIB};
use smbkit_wire::{NtStatus, Pdu};

use super::{Answer, encode_failed, malformed};
use crate::files::FileServer;
use crate::{Call, Response};

pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    let req = CloseRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let open = server.lookup(call, req.file_id)?;
    let mut response = CloseResponse::default();
    if req.flags & FLAG_POSTQUERY_ATTRIB != 0 && open.data.pipe.is_some() {
        // A pipe has no times and no sizes (as its CREATE response said).
        response = CloseResponse {
            flags: FLAG_POSTQUERY_ATTRIB,
            file_attributes: super::pipe::PIPE_ATTRIBUTES,
            ..CloseResponse::default()
        };
    } else if req.flags & FLAG_POSTQUERY_ATTRIB != 0 {
        let info = server.info(&open).await?;
        response = CloseResponse {
            flags: FLAG_POSTQUERY_ATTRIB,
            creation_time: info.creation_time.0,
            last_access_time: info.last_access_time.0,
            last_write_time: info.last_write_time.0,
            change_time: info.change_time.0,
            allocation_size: super::reported_sizes(&info).0,
            end_of_file: super::reported_sizes(&info).1,
            file_attributes: info.attributes.bits(),
        };
    }
    super::dirlease::closing(server, &open);
    let closed = server.opens.remove(OpenId {
        persistent: open.id.persistent,
        volatile: open.id.volatile,
    });
    // A concurrent CLOSE of the same id may have won the race.
    let Some(closed) = closed else {
        return Err(NtStatus::FILE_CLOSED);
    };
    server.release(vec![closed]).await;
    let body = response
        .encode_body_to_vec()
        .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(NtStatus::SUCCESS, body))
}
