//! IOCTL (MS-SMB2 3.3.5.15) other than FSCTL_VALIDATE_NEGOTIATE_INFO (which
//! the session layer answers).
//!
//! * Not an FSCTL (Flags without SMB2_0_IOCTL_IS_FSCTL): NOT_SUPPORTED.
//! * FSCTL_DFS_GET_REFERRALS(_EX): FS_DRIVER_REQUIRED — DFS is never
//!   advertised (3.3.5.15.2).
//! * FSCTL_QUERY_NETWORK_INTERFACE_INFO: NOT_SUPPORTED (no multichannel,
//!   3.3.5.15.11).
//! * FSCTL_PIPE_TRANSCEIVE: the FileId must be a pipe open of the caller
//!   (else FILE_CLOSED, or INVALID_DEVICE_REQUEST for a file open); the
//!   input is written to the pipe and the answer read (see [`super::pipe`]).
//! * FSCTL_PIPE_WAIT on IPC$: SUCCESS when the named pipe exists (every
//!   instance is always available), else OBJECT_NAME_NOT_FOUND.
//! * FSCTL_PIPE_PEEK on IPC$: NOT_SUPPORTED.
//! * Anything else: a FileId other than all-ones must name an open of the
//!   caller (else FILE_CLOSED), then INVALID_DEVICE_REQUEST (the FSCTL is
//!   not implemented by this file system).

use smbkit_vfs::Vfs;
use smbkit_wire::ioctl::{FLAG_IS_FSCTL, IoctlRequest};
use smbkit_wire::{FileId, NtStatus, Pdu, fsctl};

use super::{Answer, malformed, tree};
use crate::Call;
use crate::files::FileServer;

pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    let req = IoctlRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let tree = tree(call)?;
    if req.flags & FLAG_IS_FSCTL == 0 {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    match req.ctl_code {
        fsctl::DFS_GET_REFERRALS | fsctl::DFS_GET_REFERRALS_EX => Err(NtStatus::FS_DRIVER_REQUIRED),
        fsctl::QUERY_NETWORK_INTERFACE_INFO => Err(NtStatus::NOT_SUPPORTED),
        fsctl::PIPE_TRANSCEIVE => {
            if req.max_output_response > server.limits.max_transact
                || req.input.len()
                    > usize::try_from(server.limits.max_transact).unwrap_or(usize::MAX)
            {
                return Err(NtStatus::INVALID_PARAMETER);
            }
            let open = server.lookup(call, req.file_id)?;
            if open.data.pipe.is_none() {
                return Err(NtStatus::INVALID_DEVICE_REQUEST);
            }
            super::pipe::transceive(&open, &req)
        }
        fsctl::PIPE_WAIT if tree.ipc => super::pipe::wait(req.input),
        fsctl::PIPE_PEEK if tree.ipc => Err(NtStatus::NOT_SUPPORTED),
        _ => {
            if req.file_id != FileId::ANY {
                server.open_for(call, req.file_id)?;
            }
            Err(NtStatus::INVALID_DEVICE_REQUEST)
        }
    }
}
