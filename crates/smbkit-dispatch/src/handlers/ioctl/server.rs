//! FSCTLs about the server: the snapshot list (MS-SMB2 3.3.5.15.1) and the
//! network interfaces (3.3.5.15.11).
//!
//! * FSCTL_SRV_ENUMERATE_SNAPSHOTS: the FileId must name an open of the
//!   caller; MaxOutputResponse below 16 bytes is STATUS_INVALID_PARAMETER;
//!   no share has snapshots, so the answer is an empty SRV_SNAPSHOT_ARRAY.
//! * FSCTL_QUERY_NETWORK_INTERFACE_INFO (its FileId must be all-ones, see
//!   [`super`]): one NETWORK_INTERFACE_INFO per
//!   address the server listens on ([`FileServer::network_interfaces`]);
//!   wildcard listeners name no interface and are left out. With nothing
//!   to report the answer is STATUS_NOT_SUPPORTED; a MaxOutputResponse too
//!   small for the list is STATUS_BUFFER_TOO_SMALL.

use smbkit_vfs::Vfs;
use smbkit_wire::NtStatus;
use smbkit_wire::fsctl::server::{NetworkInterface, SnapshotArray, interfaces_for};
use smbkit_wire::ioctl::IoctlRequest;

use super::ioctl_response;
use crate::Call;
use crate::files::FileServer;
use crate::handlers::{Answer, encode_failed};

/// The smallest MaxOutputResponse FSCTL_SRV_ENUMERATE_SNAPSHOTS accepts.
const SNAPSHOT_MIN_OUTPUT: usize = 16;

/// The link speed reported for every interface: 10 Gb/s (the listener
/// does not know the NIC; clients only compare interfaces with it).
const LINK_SPEED: u64 = 10_000_000_000;

/// FSCTL_SRV_ENUMERATE_SNAPSHOTS.
pub(crate) fn enumerate_snapshots<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &IoctlRequest<'_>,
) -> Answer {
    server.open_for(call, req.file_id)?;
    if usize::try_from(req.max_output_response).unwrap_or(usize::MAX) < SNAPSHOT_MIN_OUTPUT {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let mut out = Vec::new();
    SnapshotArray::default()
        .encode(&mut out)
        .map_err(|e| encode_failed(&e))?;
    ioctl_response(req, NtStatus::SUCCESS, &out)
}

/// FSCTL_QUERY_NETWORK_INTERFACE_INFO.
pub(crate) fn network_interfaces<V: Vfs>(server: &FileServer<V>, req: &IoctlRequest<'_>) -> Answer {
    let list = interfaces_for(server.interfaces(), LINK_SPEED);
    if list.is_empty() {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    let needed = list.len().saturating_mul(NetworkInterface::LEN);
    if usize::try_from(req.max_output_response).unwrap_or(usize::MAX) < needed {
        return Err(NtStatus::BUFFER_TOO_SMALL);
    }
    let mut out = Vec::with_capacity(needed);
    NetworkInterface::encode_list(&list, &mut out);
    ioctl_response(req, NtStatus::SUCCESS, &out)
}
