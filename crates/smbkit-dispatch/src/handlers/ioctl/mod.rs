//! IOCTL (MS-SMB2 3.3.5.15) other than FSCTL_VALIDATE_NEGOTIATE_INFO (which
//! the session layer answers). One module per FSCTL family:
//! [`copychunk`] (server-side copy and its [`resume_key`]s), [`file`]
//! (compression, object ids), [`data`] (sparse files, allocated ranges,
//! zeroing), [`server`] (snapshots, network interfaces); named pipes are
//! in [`super::pipe`]. Each module says what it answers and why.
//!
//! Checks common to every FSCTL, in the order of MS-SMB2 3.3.5.15:
//! * Not an FSCTL (Flags without SMB2_0_IOCTL_IS_FSCTL): NOT_SUPPORTED.
//! * DFS referrals, network interfaces, VALIDATE_NEGOTIATE_INFO and
//!   PIPE_WAIT address no open: a FileId other than all-ones is
//!   INVALID_PARAMETER. Every other FSCTL works on an open: a FileId that
//!   names no open of the caller (all-ones included) is FILE_CLOSED, before
//!   anything else is judged.
//! * InputCount or MaxOutputResponse larger than MaxTransactSize:
//!   INVALID_PARAMETER.
//!
//! Then:
//! * FSCTL_DFS_GET_REFERRALS(_EX): FS_DRIVER_REQUIRED — DFS is never
//!   advertised (3.3.5.15.2).
//! * FSCTL_PIPE_TRANSCEIVE: the FileId must be a pipe open of the caller
//!   (else FILE_CLOSED, or INVALID_DEVICE_REQUEST for a file open); the
//!   input is written to the pipe and the answer read (see [`super::pipe`]).
//! * FSCTL_PIPE_WAIT on IPC$: SUCCESS when the named pipe exists (every
//!   instance is always available), else OBJECT_NAME_NOT_FOUND.
//! * FSCTL_PIPE_PEEK on IPC$: NOT_SUPPORTED.
//! * FSCTL_GET_REPARSE_POINT: NOT_A_REPARSE_POINT (the storage exposes
//!   no reparse points).
//! * Anything else: INVALID_DEVICE_REQUEST (the FSCTL is not implemented
//!   here).
//!
//! Output sizes: every answer fits in the MaxOutputResponse the client
//! gave or is refused as its section says: INVALID_PARAMETER for the
//! fixed-size answers (resume key, copychunk, compression, snapshots,
//! object id), BUFFER_TOO_SMALL for the interface list, BUFFER_OVERFLOW
//! with the entries that fit for allocated ranges.

mod copychunk;
mod data;
mod file;
pub(crate) mod resume_key;
mod server;

use smbkit_vfs::Vfs;
use smbkit_wire::ioctl::{FLAG_IS_FSCTL, IoctlRequest, IoctlResponse};
use smbkit_wire::{FileId, NtStatus, Pdu, fsctl};

use super::{Answer, encode_failed, malformed, tree};
use crate::files::FileServer;
use crate::{Call, Response};

pub(crate) use resume_key::ResumeKeys;

pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    let req = IoctlRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let tree = tree(call)?;
    if req.flags & FLAG_IS_FSCTL == 0 {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    if takes_no_handle(req.ctl_code) {
        if req.file_id != FileId::ANY {
            return Err(NtStatus::INVALID_PARAMETER);
        }
    } else {
        server.lookup(call, req.file_id)?;
    }
    let max = usize::try_from(server.limits.max_transact).unwrap_or(usize::MAX);
    if req.input.len() > max || usize::try_from(req.max_output_response).unwrap_or(usize::MAX) > max
    {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    match req.ctl_code {
        fsctl::DFS_GET_REFERRALS | fsctl::DFS_GET_REFERRALS_EX => Err(NtStatus::FS_DRIVER_REQUIRED),
        fsctl::QUERY_NETWORK_INTERFACE_INFO => server::network_interfaces(server, &req),
        fsctl::PIPE_TRANSCEIVE => {
            let open = server.lookup(call, req.file_id)?;
            if open.data.pipe.is_none() {
                return Err(NtStatus::INVALID_DEVICE_REQUEST);
            }
            super::pipe::transceive(&open, &req)
        }
        fsctl::PIPE_WAIT if tree.ipc => super::pipe::wait(req.input),
        fsctl::PIPE_PEEK if tree.ipc => Err(NtStatus::NOT_SUPPORTED),
        fsctl::SRV_REQUEST_RESUME_KEY => copychunk::request_resume_key(server, call, &req),
        fsctl::SRV_COPYCHUNK | fsctl::SRV_COPYCHUNK_WRITE => {
            copychunk::copychunk(server, call, &req).await
        }
        fsctl::SRV_ENUMERATE_SNAPSHOTS => server::enumerate_snapshots(server, call, &req),
        fsctl::GET_COMPRESSION => file::get_compression(server, call, &req),
        fsctl::SET_COMPRESSION => file::set_compression(server, call, &req),
        fsctl::CREATE_OR_GET_OBJECT_ID => file::object_id(server, call, &req).await,
        // No object here carries a reparse point (MS-FSA 2.1.5.10.17).
        fsctl::GET_REPARSE_POINT => Err(NtStatus::NOT_A_REPARSE_POINT),
        fsctl::QUERY_ALLOCATED_RANGES => data::query_allocated_ranges(server, call, &req).await,
        fsctl::SET_ZERO_DATA => data::set_zero_data(server, call, &req).await,
        fsctl::SET_SPARSE => data::set_sparse(server, call, &req).await,
        // Looked up above: the FSCTL is not implemented here.
        _ => Err(NtStatus::INVALID_DEVICE_REQUEST),
    }
}

/// The FSCTLs that address the server, not an open: their FileId must be
/// all-ones (MS-SMB2 3.3.5.15).
fn takes_no_handle(ctl_code: u32) -> bool {
    matches!(
        ctl_code,
        fsctl::DFS_GET_REFERRALS
            | fsctl::DFS_GET_REFERRALS_EX
            | fsctl::QUERY_NETWORK_INTERFACE_INFO
            | fsctl::VALIDATE_NEGOTIATE_INFO
            | fsctl::PIPE_WAIT
    )
}

/// The IOCTL response echoing the request's CtlCode and FileId, with
/// `output` and `status` (an error status with a body is how copychunk
/// reports its limits and progress).
pub(crate) fn ioctl_response(req: &IoctlRequest<'_>, status: NtStatus, output: &[u8]) -> Answer {
    let body = IoctlResponse::answering(req, output)
        .encode_body_to_vec()
        .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(status, body))
}
