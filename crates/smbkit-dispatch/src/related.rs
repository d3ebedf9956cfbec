//! FileId inheritance in related compounds: where each command's request
//! carries its FileId, and where a CREATE response carries the new one.

use bytes::Bytes;
use smbkit_wire::{Command, FileId};

use crate::Request;

/// Length of the SMB2 header.
const HEADER: usize = 64;

/// Offset of the FileId inside the request body, per command (MS-SMB2
/// 2.2.15 CLOSE, 2.2.17 FLUSH, 2.2.19 READ, 2.2.21 WRITE, 2.2.26 LOCK,
/// 2.2.31 IOCTL, 2.2.33 QUERY_DIRECTORY, 2.2.35 CHANGE_NOTIFY, 2.2.37
/// QUERY_INFO, 2.2.39 SET_INFO, 2.2.24 OPLOCK_BREAK).
fn body_offset(command: Command) -> Option<usize> {
    match command {
        Command::CLOSE
        | Command::FLUSH
        | Command::LOCK
        | Command::IOCTL
        | Command::QUERY_DIRECTORY
        | Command::CHANGE_NOTIFY
        | Command::OPLOCK_BREAK => Some(8),
        Command::READ | Command::WRITE | Command::SET_INFO => Some(16),
        Command::QUERY_INFO => Some(24),
        _ => None,
    }
}

fn read_id(bytes: &[u8], at: usize) -> Option<FileId> {
    let end = at.checked_add(16)?;
    let field = bytes.get(at..end)?;
    let (p, v) = field.split_at_checked(8)?;
    Some(FileId {
        persistent: u64::from_le_bytes(p.try_into().ok()?),
        volatile: u64::from_le_bytes(v.try_into().ok()?),
    })
}

/// The FileId a request names, if its command has one and the message is
/// long enough.
pub(crate) fn request_file_id(request: &Request) -> Option<FileId> {
    let at = HEADER.checked_add(body_offset(request.header.command)?)?;
    read_id(&request.message, at)
}

/// Replaces the placeholder FileId of a related request by `id`. Requests
/// that name a real FileId, or have none, are left alone.
pub(crate) fn substitute_file_id(request: &mut Request, id: FileId) {
    let Some(at) = body_offset(request.header.command).and_then(|o| HEADER.checked_add(o)) else {
        return;
    };
    if read_id(&request.message, at) != Some(FileId::ANY) {
        return;
    }
    let mut message = request.message.to_vec();
    let Some(end) = at.checked_add(16) else {
        return;
    };
    if let Some(field) = message.get_mut(at..end) {
        let mut bytes = [0u8; 16];
        let (p, v) = bytes.split_at_mut(8);
        p.copy_from_slice(&id.persistent.to_le_bytes());
        v.copy_from_slice(&id.volatile.to_le_bytes());
        field.copy_from_slice(&bytes);
        request.message = Bytes::from(message);
    }
}

/// The FileId of a CREATE response body (MS-SMB2 2.2.14: at offset 0x40).
pub(crate) fn create_response_file_id(body: &[u8]) -> Option<FileId> {
    read_id(body, 0x40)
}
