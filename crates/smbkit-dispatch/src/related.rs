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

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use std::sync::Arc;

    use smbkit_session::{Dialect, SessionInfo};
    use smbkit_wire::close::CloseRequest;
    use smbkit_wire::{Header, Pdu, Writer};

    use super::*;

    fn close_request(id: FileId) -> Request {
        let mut v = Vec::new();
        let mut w = Writer::new(&mut v);
        let header = Header {
            command: Command::CLOSE,
            ..Header::default()
        };
        header.encode(&mut w);
        CloseRequest {
            flags: 0,
            file_id: id,
        }
        .encode(&mut w)
        .unwrap();
        Request {
            header,
            message: Bytes::from(v),
            related: true,
            session: Arc::new(SessionInfo {
                id: 1,
                user: String::new(),
                domain: String::new(),
                anonymous: false,
                guest: false,
                dialect: Dialect::Smb311,
                client_guid: [0x5A; 16],
            }),
            tree: None,
        }
    }

    #[test]
    fn placeholder_is_replaced_real_ids_are_kept() {
        let inherited = FileId {
            persistent: 0x1122,
            volatile: 0x3344,
        };
        let mut r = close_request(FileId::ANY);
        assert_eq!(request_file_id(&r), Some(FileId::ANY));
        substitute_file_id(&mut r, inherited);
        assert_eq!(request_file_id(&r), Some(inherited));
        assert_eq!(CloseRequest::decode(&r.message).unwrap().file_id, inherited);
        let own = FileId {
            persistent: 5,
            volatile: 6,
        };
        let mut r = close_request(own);
        substitute_file_id(&mut r, inherited);
        assert_eq!(request_file_id(&r), Some(own));
        // CREATE response body: FileId at 0x40.
        let mut body = vec![0u8; 0x58];
        body[0x40..0x48].copy_from_slice(&7u64.to_le_bytes());
        body[0x48..0x50].copy_from_slice(&8u64.to_le_bytes());
        assert_eq!(
            create_response_file_id(&body),
            Some(FileId {
                persistent: 7,
                volatile: 8
            })
        );
        assert_eq!(create_response_file_id(&body[..0x45]), None);
    }
}
