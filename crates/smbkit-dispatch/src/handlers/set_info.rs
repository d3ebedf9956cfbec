//! SET_INFO (MS-SMB2 3.3.5.21, MS-FSA 2.1.5.15).
//!
//! * Basic: times (0 = leave alone; -1 and -2, "stop/resume automatic
//!   updates on this handle", are accepted and leave the time alone — the
//!   storage has no per-handle update control) and attributes (0 = leave
//!   alone; DIRECTORY on a file or TEMPORARY on a directory is
//!   INVALID_PARAMETER).
//! * EndOfFile, Allocation (shrinking below the end of file truncates;
//!   growing reserves space through `Vfs::allocate` where the storage can).
//! * Rename (with and without ReplaceIfExists, across directories; the
//!   name is relative to the share root, a leading backslash accepted;
//!   RootDirectory must be 0; a directory with open files below it cannot
//!   be renamed: ACCESS_DENIED; the session's identity now must be allowed
//!   to add the name to the target directory, see
//!   [`security::may_add`](super::security::may_add)).
//! * Disposition and DispositionEx (DELETE, ON_CLOSE, POSIX_SEMANTICS
//!   treated as delete-on-last-close, IGNORE_READONLY_ATTRIBUTE).
//! * Position and Mode are kept per open and reported back (SMB2 I/O
//!   always carries its own offset, so neither changes any I/O).
//! * Security descriptors: merged into the stored one (see
//!   [`security`](super::security)).
//! * Extended attributes (FileFullEaInformation, see [`ea`](super::ea)).
//! * Quota and file-system classes: NOT_SUPPORTED.
//! * A read-only share refuses every change with ACCESS_DENIED.

use smbkit_state::{Access, FileKey, ShareMode, StateError};
use smbkit_vfs::{DosAttributes, FileTime, SetInfo, SmbPath, Vfs};
use smbkit_wire::fscc::{
    FileAllocationInformation, FileBasicInformation, FileDispositionInformation,
    FileDispositionInformationEx, FileEndOfFileInformation, FileModeInformation,
    FilePositionInformation, FileRenameInformation, InfoClass, class, disposition_ex,
};
use smbkit_wire::query_info::info_type;
use smbkit_wire::set_info::{SetInfoRequest, SetInfoResponse};
use smbkit_wire::{NtStatus, Pdu};

use super::{Answer, encode_failed, malformed};
use crate::files::{FileServer, OpenRef};
use crate::{Call, Response};

/// FILE_WRITE_DATA.
const WRITE_DATA: u32 = 0x0000_0002;
/// FILE_WRITE_ATTRIBUTES.
const WRITE_ATTRIBUTES: u32 = 0x0000_0100;
/// DELETE.
const DELETE: u32 = 0x0001_0000;
/// FILE_WRITE_EA.
const WRITE_EA: u32 = 0x0000_0010;
/// The FileModeInformation flags a client may set (MS-FSCC 2.4.31):
/// WRITE_THROUGH, SEQUENTIAL_ONLY, NO_INTERMEDIATE_BUFFERING,
/// SYNCHRONOUS_IO_ALERT, SYNCHRONOUS_IO_NONALERT, DELETE_ON_CLOSE.
const SETTABLE_MODE: u32 = 0x0000_0002 | 0x0000_0004 | 0x0000_0008 | 0x0000_0030 | 0x0000_1000;
/// SYNCHRONOUS_IO_ALERT | SYNCHRONOUS_IO_NONALERT: not both.
const SYNCHRONOUS_IO: u32 = 0x0000_0030;

fn decode<'a, C: InfoClass<'a>>(buffer: &'a [u8]) -> Result<C, NtStatus> {
    if buffer.len() < C::FIXED_LEN {
        return Err(NtStatus::INFO_LENGTH_MISMATCH);
    }
    C::decode(buffer).map_err(|e| malformed(&e))
}

fn time(value: u64) -> Option<FileTime> {
    match value {
        0 | u64::MAX => None,
        v if v == u64::MAX.saturating_sub(1) => None,
        v => Some(FileTime(v)),
    }
}

pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    let req = SetInfoRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let open = server.lookup(call, req.file_id)?;
    if open.data.pipe.is_some() {
        return super::pipe::set_info(&req);
    }
    let share = server.share_of(&open)?;
    if share.read_only {
        return Err(NtStatus::ACCESS_DENIED);
    }
    if req.info_type == info_type::FILE {
        // Truncation breaks level II oplocks; a rename breaks the batch
        // oplocks of other opens (MS-FSA 2.1.5.14).
        let contention = match req.file_info_class {
            class::FILE_END_OF_FILE_INFORMATION | class::FILE_ALLOCATION_INFORMATION => {
                Some(smbkit_state::Contention::Write { by: open.id })
            }
            class::FILE_RENAME_INFORMATION => {
                Some(smbkit_state::Contention::Namespace { by: open.id })
            }
            _ => None,
        };
        if let Some(contention) = contention {
            super::oplock_break::contend(server, call, open.file, || contention).await?;
        }
    }
    match req.info_type {
        info_type::FILE => {
            let token = super::security::sd::Token::of(&call.request.session);
            file_class(server, &open, token, &req).await?;
        }
        info_type::SECURITY => {
            let token = super::security::sd::Token::of(&call.request.session);
            super::security::set(server, &open, token, req.additional_information, req.buffer)
                .await?;
        }
        info_type::QUOTA | info_type::FILESYSTEM => {
            return Err(NtStatus::NOT_SUPPORTED);
        }
        _ => return Err(NtStatus::INVALID_PARAMETER),
    }
    super::change_notify::set_info_done(server, &open, req.info_type, req.file_info_class);
    let body = SetInfoResponse
        .encode_body_to_vec()
        .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(NtStatus::SUCCESS, body))
}

async fn file_class<V: Vfs>(
    server: &FileServer<V>,
    open: &OpenRef,
    token: super::security::sd::Token,
    req: &SetInfoRequest<'_>,
) -> Result<(), NtStatus> {
    let share = server.share_of(open)?;
    let vfs = &share.vfs;
    let handle = open.data.handle;
    let granted = open.data.granted;
    let need = |mask: u32| {
        if granted & mask == 0 {
            Err(NtStatus::ACCESS_DENIED)
        } else {
            Ok(())
        }
    };
    match req.file_info_class {
        class::FILE_BASIC_INFORMATION => {
            need(WRITE_ATTRIBUTES)?;
            let basic: FileBasicInformation = decode(req.buffer)?;
            let attributes = match basic.file_attributes {
                0 => None,
                bits => {
                    let attrs = DosAttributes(bits);
                    if !open.data.is_dir && attrs.contains(DosAttributes::DIRECTORY) {
                        return Err(NtStatus::INVALID_PARAMETER);
                    }
                    if open.data.is_dir && attrs.contains(DosAttributes::TEMPORARY) {
                        return Err(NtStatus::INVALID_PARAMETER);
                    }
                    Some(attrs)
                }
            };
            let set = SetInfo {
                creation_time: time(basic.creation_time),
                last_access_time: time(basic.last_access_time),
                last_write_time: time(basic.last_write_time),
                change_time: time(basic.change_time),
                attributes,
            };
            vfs.set_info(handle, set).await.map_err(|e| e.status())
        }
        class::FILE_END_OF_FILE_INFORMATION => {
            need(WRITE_DATA)?;
            let eof: FileEndOfFileInformation = decode(req.buffer)?;
            if open.data.is_dir {
                return Err(NtStatus::INVALID_PARAMETER);
            }
            vfs.set_len(handle, eof.end_of_file)
                .await
                .map_err(|e| e.status())
        }
        class::FILE_ALLOCATION_INFORMATION => {
            need(WRITE_DATA)?;
            let alloc: FileAllocationInformation = decode(req.buffer)?;
            if open.data.is_dir {
                return Err(NtStatus::INVALID_PARAMETER);
            }
            let info = server.info(open).await?;
            if alloc.allocation_size < info.size {
                vfs.set_len(handle, alloc.allocation_size)
                    .await
                    .map_err(|e| e.status())?;
            } else {
                // Reserving is advisory: a storage that cannot still succeeds.
                let _ = vfs.allocate(handle, alloc.allocation_size).await;
            }
            Ok(())
        }
        class::FILE_RENAME_INFORMATION => {
            need(DELETE)?;
            let rename: FileRenameInformation = decode(req.buffer)?;
            self::rename(server, open, token, &rename).await
        }
        class::FILE_DISPOSITION_INFORMATION => {
            need(DELETE)?;
            let d: FileDispositionInformation = decode(req.buffer)?;
            dispose(server, open, d.delete_pending, false, false).await
        }
        class::FILE_DISPOSITION_INFORMATION_EX => {
            need(DELETE)?;
            let d: FileDispositionInformationEx = decode(req.buffer)?;
            let delete = d.flags & disposition_ex::DELETE != 0;
            let on_close = d.flags & disposition_ex::ON_CLOSE != 0;
            let ignore_ro = d.flags & disposition_ex::IGNORE_READONLY_ATTRIBUTE != 0;
            dispose(server, open, delete, on_close, ignore_ro).await
        }
        class::FILE_POSITION_INFORMATION => {
            let p: FilePositionInformation = decode(req.buffer)?;
            open.set_position(p.current_byte_offset);
            Ok(())
        }
        class::FILE_MODE_INFORMATION => {
            let m: FileModeInformation = decode(req.buffer)?;
            if m.mode & !SETTABLE_MODE != 0 || m.mode & SYNCHRONOUS_IO == SYNCHRONOUS_IO {
                return Err(NtStatus::INVALID_PARAMETER);
            }
            open.set_mode(m.mode);
            Ok(())
        }
        class::FILE_FULL_EA_INFORMATION => {
            need(WRITE_EA)?;
            let eas = super::ea::parse(req.buffer)?;
            super::ea::set(vfs.as_ref(), handle, eas).await
        }
        class::FILE_LINK_INFORMATION
        | class::FILE_VALID_DATA_LENGTH_INFORMATION
        | class::FILE_SHORT_NAME_INFORMATION
        | class::FILE_RENAME_INFORMATION_EX => Err(NtStatus::NOT_SUPPORTED),
        _ => Err(NtStatus::INVALID_INFO_CLASS),
    }
}

/// FileDispositionInformation(Ex): mark (or unmark) the file for deletion.
async fn dispose<V: Vfs>(
    server: &FileServer<V>,
    open: &OpenRef,
    delete: bool,
    on_close: bool,
    ignore_readonly: bool,
) -> Result<(), NtStatus> {
    if delete {
        let share = server.share_of(open)?;
        let info = server.info(open).await?;
        if server.path_of(open).is_root() {
            return Err(NtStatus::CANNOT_DELETE);
        }
        if !ignore_readonly && info.attributes.contains(DosAttributes::READONLY) {
            return Err(NtStatus::CANNOT_DELETE);
        }
        if info.is_dir {
            let entries = share
                .vfs
                .read_dir(open.data.handle)
                .await
                .map_err(|e| e.status())?;
            if !entries.is_empty() {
                return Err(NtStatus::DIRECTORY_NOT_EMPTY);
            }
        }
    }
    if on_close {
        server.opens.set_delete_on_close(open.id, delete);
    } else {
        server.opens.set_delete_pending(open.file, delete);
    }
    Ok(())
}

/// Whether `name` is `dir` itself or below it, ignoring case.
fn is_below(name: &str, dir: &str) -> bool {
    let (name, dir) = (name.to_lowercase(), dir.to_lowercase());
    name.len() > dir.len()
        && name.starts_with(&dir)
        && name
            .get(dir.len()..)
            .is_some_and(|rest| rest.starts_with('\\'))
}

/// A rename: the handle needs DELETE (checked by the caller), and the
/// session's identity now, not the one that opened the handle, must be
/// allowed to add the name to the target directory.
async fn rename<V: Vfs>(
    server: &FileServer<V>,
    open: &OpenRef,
    token: super::security::sd::Token,
    info: &FileRenameInformation<'_>,
) -> Result<(), NtStatus> {
    if info.root_directory != 0 {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let name = info.name_string().map_err(|e| malformed(&e))?;
    if name.contains(':') || super::create::stream_of(server, open).is_some() {
        return super::create::rename_stream(server, open, &name, info.replace_if_exists).await;
    }
    let target = SmbPath::parse(&name).map_err(|_| NtStatus::OBJECT_NAME_INVALID)?;
    if target.is_root() {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let share = server.share_of(open)?;
    if !super::security::may_add(share.vfs.as_ref(), &target, token, open.data.is_dir).await {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let current = server.path_of(open);
    let current_name = current.to_string();
    let same_name = current_name.eq_ignore_ascii_case(&target.to_string());
    if open.data.is_dir
        && server
            .opens
            .any_open_name(open.file.volume, open.file, |n| is_below(n, &current_name))
    {
        return Err(NtStatus::ACCESS_DENIED);
    }
    if !same_name && let Ok(existing) = share.vfs.stat(&target).await {
        if !info.replace_if_exists {
            return Err(NtStatus::OBJECT_NAME_COLLISION);
        }
        let key = FileKey {
            volume: open.file.volume,
            file: existing.file_id,
        };
        if server.opens.opens_of(key) > 0 {
            return Err(NtStatus::ACCESS_DENIED);
        }
    }
    target_dir_shares(server, share.vfs.as_ref(), open.file.volume, &target).await?;
    share
        .vfs
        .rename(open.data.handle, &target, info.replace_if_exists)
        .await
        .map_err(|e| e.status())?;
    server.opens.rename(open.file, &target.to_string());
    super::change_notify::renamed(server, open, &current, &target);
    tracing::debug!(from = %current, to = %target, "renamed");
    Ok(())
}

/// A rename opens the target's directory to add the name, asking for
/// write access and sharing only read and write (MS-FSA 2.1.5.14.11, as
/// Windows does): an open of that directory holding DELETE access, or one
/// that does not share write, makes the rename a sharing violation.
async fn target_dir_shares<V: Vfs>(
    server: &FileServer<V>,
    vfs: &V,
    volume: u64,
    target: &SmbPath,
) -> Result<(), NtStatus> {
    let Some(parent) = target.parent() else {
        return Ok(());
    };
    let Ok(dir) = vfs.stat(&parent).await else {
        return Ok(());
    };
    let key = FileKey {
        volume,
        file: dir.file_id,
    };
    let add_entry = Access {
        write: true,
        ..Access::NONE
    };
    let share = ShareMode {
        delete: false,
        ..ShareMode::ALL
    };
    match server.opens.check(key, add_entry, share) {
        Ok(()) => Ok(()),
        Err(StateError::DeletePending) => Err(NtStatus::DELETE_PENDING),
        Err(_) => Err(NtStatus::SHARING_VIOLATION),
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn below() {
        assert!(is_below("Dir\\a", "dir"));
        assert!(is_below("dir\\sub\\b", "DIR"));
        assert!(!is_below("dir", "dir"));
        assert!(!is_below("dirx\\a", "dir"));
        assert_eq!(time(0), None);
        assert_eq!(time(u64::MAX), None);
        assert_eq!(time(u64::MAX - 1), None);
        assert_eq!(time(5), Some(FileTime(5)));
    }
}
