//! CHANGE_NOTIFY (MS-SMB2 3.3.5.19; MS-FSA 2.1.5.10): wait for changes in
//! a directory.
//!
//! * Only a directory open can be watched (a file is INVALID_PARAMETER);
//!   an OutputBufferLength above MaxTransactSize is INVALID_PARAMETER.
//! * The first request on an open sets its watch (filter, SMB2_WATCH_TREE);
//!   changes are recorded from then on, and those that happen while no
//!   request waits are returned by the next one.
//! * When nothing is recorded yet the request goes asynchronous (interim
//!   STATUS_PENDING) and completes at the first matching change with the
//!   FILE_NOTIFY_INFORMATION records; when they do not fit in
//!   OutputBufferLength, or too many changes piled up, the answer is
//!   STATUS_NOTIFY_ENUM_DIR with no records.
//! * The open needs FILE_LIST_DIRECTORY access (else ACCESS_DENIED, as
//!   Windows and Samba answer); the OutputBufferLength of the first
//!   request bounds every answer on the open.
//! * CANCEL is STATUS_CANCELLED; closing the directory (CLOSE, or its tree,
//!   session or connection going) is STATUS_NOTIFY_CLEANUP.
//! * Changes made through SMB: the other handlers call [`report`] where
//!   they change the namespace or metadata. Changes made outside the
//!   server come from the storage ([`outside`]). Both reach the watches
//!   through [`deliver`], the one place where a change meets the state.

mod outside;

use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::Poll;
use std::sync::Arc;

use smbkit_state::{LeaseKey, Pending, WatchSpec};
use smbkit_vfs::{SmbPath, Vfs};
use smbkit_wire::change_notify::{ChangeNotifyRequest, ChangeNotifyResponse, WATCH_TREE};
use smbkit_wire::codec::string_to_utf16le;
use smbkit_wire::fscc::FileNotifyInformation;
use smbkit_wire::{NtStatus, Pdu};

use super::{Answer, encode_failed, malformed};
use crate::files::{FileServer, OpenRef};
use crate::{Call, Response};

pub(crate) use smbkit_wire::change_notify::completion_filter as filter;
pub(crate) use smbkit_wire::fscc::notify_action as action;

pub(crate) use outside::Outside;

/// FILE_LIST_DIRECTORY (MS-SMB2 2.2.13.1.2): what a watch needs.
const LIST_DIRECTORY: u32 = 0x0000_0001;

pub(crate) async fn handle<V: Vfs>(server: &Arc<FileServer<V>>, call: &Call) -> Answer {
    let req = ChangeNotifyRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let open = server.open_for(call, req.file_id)?;
    if !open.data.is_dir || req.output_buffer_length > server.limits.max_transact {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if open.data.granted & LIST_DIRECTORY == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let dir = server.path_of(&open);
    let subtree = req.flags & WATCH_TREE != 0;
    let spec = WatchSpec {
        volume: volume(open.data.share),
        dir: dir.to_string(),
        filter: req.completion_filter,
        subtree,
        max_output: req.output_buffer_length,
    };
    let (watch, new) = server.notify.watch(open.id, spec);
    if new {
        outside::watch_outside(server, open.data.share, &watch, &dir, subtree).await;
    }
    if server.opens.get(open.id).is_none() {
        // Closed while the watch was being set: do not leave it behind.
        server.notify.remove(open.id);
        return Err(NtStatus::NOTIFY_CLEANUP);
    }
    let limit = req.output_buffer_length.min(watch.spec().max_output);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    loop {
        let changed = watch.changed();
        match watch.take() {
            Pending::Changes(changes) => return answer(&changes, limit),
            Pending::Overflow => return Ok(Response::new(NtStatus::NOTIFY_ENUM_DIR, empty()?)),
            Pending::Closed => return Err(NtStatus::NOTIFY_CLEANUP),
            Pending::DeletePending => return Err(NtStatus::DELETE_PENDING),
            _ => {}
        }
        call.interim.go_async();
        if call.interim.is_cancelled() || first_is_cancel(changed, call.interim.cancelled()).await {
            // A TREE_DISCONNECT or LOGOFF cancels the request and closes the
            // directory: that is a cleanup, not a CANCEL (smb2.notify tdis1,
            // logoff; smb2.compound.interim1 cancels for real).
            if server.opens.get(open.id).is_none() || call.interim.is_closing() {
                return Err(NtStatus::NOTIFY_CLEANUP);
            }
            return Err(NtStatus::CANCELLED);
        }
    }
}

/// The volume number of share `index` in the notify table.
fn volume(index: usize) -> u64 {
    u64::try_from(index).unwrap_or(u64::MAX)
}

/// The response with the records, or NOTIFY_ENUM_DIR when they do not fit.
fn answer(changes: &[smbkit_state::Change], limit: usize) -> Answer {
    let names: Vec<Vec<u8>> = changes.iter().map(|c| string_to_utf16le(&c.name)).collect();
    let records: Vec<FileNotifyInformation<'_>> = changes
        .iter()
        .zip(&names)
        .map(|(c, n)| FileNotifyInformation {
            action: c.action,
            file_name: n,
        })
        .collect();
    match FileNotifyInformation::encode_all(&records, limit).map_err(|e| encode_failed(&e))? {
        Some(output) => {
            let body = ChangeNotifyResponse { output: &output }
                .encode_body_to_vec()
                .map_err(|e| encode_failed(&e))?;
            Ok(Response::new(NtStatus::SUCCESS, body))
        }
        None => Ok(Response::new(NtStatus::NOTIFY_ENUM_DIR, empty()?)),
    }
}

/// A response body without records.
fn empty() -> Result<Vec<u8>, NtStatus> {
    ChangeNotifyResponse { output: &[] }
        .encode_body_to_vec()
        .map_err(|e| encode_failed(&e))
}

/// Waits for `changed` or `cancelled`; true when the cancellation came
/// first (it wins a tie).
async fn first_is_cancel(
    changed: impl Future<Output = ()>,
    cancelled: impl Future<Output = ()>,
) -> bool {
    let mut changed = pin!(changed);
    let mut cancelled = pin!(cancelled);
    poll_fn(|cx| {
        if cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(true);
        }
        if changed.as_mut().poll(cx).is_ready() {
            return Poll::Ready(false);
        }
        Poll::Pending
    })
    .await
}

/// Records that the server changed `path` on share `share` by `action`
/// (an [`action`] value), for the watches whose filter has a bit of
/// `bits` (a [`filter`] mask); the storage's report of the same change is
/// then an echo ([`outside`]).
pub(crate) fn report<V>(
    server: &FileServer<V>,
    share: usize,
    path: &SmbPath,
    action: u32,
    bits: u32,
) {
    server.outside.own_change(share, path);
    deliver(server, share, path, action, bits);
}

/// Where every change, the server's own or one made outside, reaches the
/// state: the watches of the share whose filter has a bit of `bits`.
pub(crate) fn deliver<V>(
    server: &FileServer<V>,
    share: usize,
    path: &SmbPath,
    action: u32,
    bits: u32,
) {
    if path.is_root() {
        return;
    }
    server
        .notify
        .report(volume(share), &path.to_string(), action, bits);
}

/// The name filter bit for a file or a directory.
pub(crate) fn name_bit(is_dir: bool) -> u32 {
    if is_dir {
        filter::DIR_NAME
    } else {
        filter::FILE_NAME
    }
}

/// Reports the rename of `open` from `from` to `to`: old and new name in
/// one directory, removed and added across directories.
pub(crate) fn renamed<V>(server: &FileServer<V>, open: &OpenRef, from: &SmbPath, to: &SmbPath) {
    let share = open.data.share;
    super::dirlease::changed_by(server, open, from);
    super::dirlease::changed_by(server, open, to);
    server.outside.own_change(share, from);
    server.outside.own_change(share, to);
    rename_records(server, share, from, to, open.data.is_dir);
}

/// Delivers the records of a rename from `from` to `to`.
pub(crate) fn rename_records<V>(
    server: &FileServer<V>,
    share: usize,
    from: &SmbPath,
    to: &SmbPath,
    is_dir: bool,
) {
    let bit = name_bit(is_dir);
    if from.parent() == to.parent() {
        deliver(server, share, from, action::RENAMED_OLD_NAME, bit);
        deliver(server, share, to, action::RENAMED_NEW_NAME, bit);
    } else {
        deliver(server, share, from, action::REMOVED, bit);
        deliver(server, share, to, action::ADDED, bit);
    }
}

/// A close of `open` left its directory delete-pending (another open
/// keeps it): the watches on it answer DELETE_PENDING (smb2.notify.rmdir).
pub(crate) fn closed<V: Vfs>(server: &FileServer<V>, open: &OpenRef) {
    if open.data.is_dir && server.opens.delete_pending(open.file) {
        let path = server.path_of(open);
        server
            .notify
            .delete_pending(volume(open.data.share), &path.to_string());
    }
}

/// Reports that `open`'s file, at `path`, was deleted (delete-on-close).
pub(crate) fn report_removed<V>(server: &FileServer<V>, open: &OpenRef, path: &SmbPath) {
    let bit = name_bit(open.data.is_dir);
    super::dirlease::changed_by(server, open, path);
    report(server, open.data.share, path, action::REMOVED, bit);
}

/// Reports a name CREATE added (when `created`); `parent_lease` is the
/// ParentLeaseKey of the CREATE (that directory lease does not break).
pub(crate) fn created<V: Vfs>(
    server: &FileServer<V>,
    share: usize,
    path: &SmbPath,
    created: bool,
    is_dir: bool,
    parent_lease: Option<LeaseKey>,
) {
    if created {
        super::dirlease::dir_changed(server, share, path, parent_lease);
        report(server, share, path, action::ADDED, name_bit(is_dir));
    } else {
        // An overwrite changes the data; an open may touch metadata.
        server.outside.own_change(share, path);
    }
}

/// Reports a WRITE of `count` bytes through `open` (size and last write).
pub(crate) fn written<V: Vfs>(server: &FileServer<V>, open: &OpenRef, count: usize) {
    if count > 0 {
        super::dirlease::written(server, open);
        let path = server.path_of(open);
        let bits = filter::SIZE | filter::LAST_WRITE;
        report(server, open.data.share, &path, action::MODIFIED, bits);
    }
}

/// Reports a successful SET_INFO of `class` (of `info_type`) on `open`:
/// attributes and times, size, security or extended attributes changed.
pub(crate) fn set_info_done<V: Vfs>(
    server: &FileServer<V>,
    open: &OpenRef,
    info_type: u8,
    class: u8,
) {
    use smbkit_wire::fscc::class as c;
    use smbkit_wire::query_info::info_type as ty;
    let bits = match (info_type, class) {
        (ty::FILE, c::FILE_BASIC_INFORMATION) => {
            filter::ATTRIBUTES | filter::LAST_WRITE | filter::LAST_ACCESS | filter::CREATION
        }
        (ty::FILE, c::FILE_END_OF_FILE_INFORMATION | c::FILE_ALLOCATION_INFORMATION) => {
            filter::SIZE
        }
        (ty::FILE, c::FILE_FULL_EA_INFORMATION) => filter::EA,
        (ty::SECURITY, _) => filter::SECURITY,
        _ => return,
    };
    let path = server.path_of(open);
    super::dirlease::changed_by(server, open, &path);
    report(server, open.data.share, &path, action::MODIFIED, bits);
}
