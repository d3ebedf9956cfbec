//! QUERY_DIRECTORY (MS-SMB2 3.3.5.18, MS-FSA 2.1.5.5).
//!
//! The enumeration lives on the open: at the first query, and again on
//! RESTART_SCANS or REOPEN, the directory is listed once (a snapshot), `.`
//! and `..` are put first, the entries matching the search pattern are kept
//! (the pattern is taken from that request, as MS-FSA 2.1.5.5 does on a
//! restart), and the cursor starts at 0. Each query returns as many whole
//! entries as fit in OutputBufferLength (one with RETURN_SINGLE_ENTRY) and
//! moves the cursor past them.
//!
//! * Nothing matched at a (re)start: STATUS_NO_SUCH_FILE; cursor at the
//!   end on a later query: STATUS_NO_MORE_FILES.
//! * The next entry does not fit at all: OutputBufferLength below the
//!   class's fixed part is STATUS_INFO_LENGTH_MISMATCH; otherwise the entry
//!   is returned cut at OutputBufferLength with STATUS_BUFFER_OVERFLOW and
//!   the cursor stays (MS-FSA 2.1.5.5.3).
//! * The snapshot's names fix the order, not the contents: a query that
//!   continues an enumeration looks each entry up again, leaves out the
//!   ones deleted since, and reports current metadata (Windows enumerates
//!   the live directory; smbtorture smb2.dir.fixed deletes every file
//!   through a second handle mid-enumeration and expects none of them).
//! * INDEX_SPECIFIED is accepted and FileIndex ignored: our entries have
//!   no stable index (FileIndex is 0 in every entry), so the enumeration
//!   goes on from the cursor, as Samba does.

use smbkit_vfs::{DirEntry, FileInfo, Vfs};
use smbkit_wire::codec::string_to_utf16le;
use smbkit_wire::fscc::{self, DirClass, DirectoryBuilder, Pushed};
use smbkit_wire::query_directory::{QueryDirectoryRequest, QueryDirectoryResponse, flags};
use smbkit_wire::{NtStatus, Pdu};

use super::query_info::{is_8_3, short_name};
use super::wildcard::matches;
use super::{Answer, encode_failed, malformed};
use crate::files::{Enumeration, FileServer, OpenRef};
use crate::{Call, Response};

/// FILE_LIST_DIRECTORY.
const LIST_DIRECTORY: u32 = 0x0000_0001;

/// The ShortName of a directory entry: empty for a name that is already
/// 8.3 (as Samba and NTFS leave it), else the FileAlternateNameInformation
/// answer for the same name.
fn entry_short_name(name: &str) -> Vec<u8> {
    if is_8_3(name) {
        Vec::new()
    } else {
        string_to_utf16le(&short_name(name))
    }
}

fn wire_entry<'a>(entry: &DirEntry, name: &'a [u8], short: &'a [u8]) -> fscc::DirEntry<'a> {
    let info = &entry.info;
    let mut id128 = [0u8; 16];
    if let Some(head) = id128.get_mut(..8) {
        head.copy_from_slice(&info.file_id.to_le_bytes());
    }
    fscc::DirEntry {
        file_index: 0,
        creation_time: info.creation_time.0,
        last_access_time: info.last_access_time.0,
        last_write_time: info.last_write_time.0,
        change_time: info.change_time.0,
        end_of_file: super::reported_sizes(info).1,
        allocation_size: super::reported_sizes(info).0,
        file_attributes: info.attributes.bits(),
        ea_size: 0,
        short_name: short,
        file_id: info.file_id,
        reparse_point_tag: 0,
        file_id_128: id128,
        file_name: name,
    }
}

/// Lists the directory of `open` and keeps what matches `pattern`, with
/// `.` and `..` first.
async fn snapshot<V: Vfs>(
    server: &FileServer<V>,
    open: &OpenRef,
    pattern: &str,
) -> Result<Vec<DirEntry>, NtStatus> {
    let share = server.share_of(open)?;
    let listing = share
        .vfs
        .read_dir(open.data.handle)
        .await
        .map_err(|e| e.status())?;
    let own: FileInfo = server.info(open).await?;
    let path = server.path_of(open);
    let parent = match path.parent() {
        Some(parent) => share.vfs.stat(&parent).await.unwrap_or(own),
        None => own,
    };
    let mut entries = Vec::with_capacity(listing.len().saturating_add(2));
    for (name, info) in [(".", own), ("..", parent)] {
        if matches(pattern, name) {
            entries.push(DirEntry {
                name: name.to_owned(),
                info,
            });
        }
    }
    entries.extend(listing.into_iter().filter(|e| matches(pattern, &e.name)));
    Ok(entries)
}

fn is_dot(name: &str) -> bool {
    name == "." || name == ".."
}

/// Current information for the first entries of `rest` that may fit in
/// `room` bytes of `class` output (at least one; a little more than fits
/// rather than less), in one storage call: `None` for a name gone since the
/// snapshot. `.` and `..` are never looked up (their slots are `None`; the
/// caller does not ask for them).
async fn refresh<V: Vfs>(
    vfs: &V,
    dir: smbkit_vfs::Handle,
    rest: &[DirEntry],
    class: DirClass,
    room: usize,
) -> Result<Vec<Option<FileInfo>>, NtStatus> {
    let mut size = 0usize;
    let mut take = 0usize;
    for e in rest {
        take = take.saturating_add(1);
        // The fixed part, the name in UTF-16 (at most twice its UTF-8
        // length) and up to 8 bytes of alignment.
        size = size
            .saturating_add(class.fixed_len())
            .saturating_add(e.name.len().saturating_mul(2))
            .saturating_add(8);
        if size > room {
            break;
        }
    }
    let batch = rest.get(..take.max(1)).unwrap_or_default();
    let names: Vec<String> = batch
        .iter()
        .filter(|e| !is_dot(&e.name))
        .map(|e| e.name.clone())
        .collect();
    let mut found = vfs
        .stat_entries(dir, names)
        .await
        .map_err(|e| e.status())?
        .into_iter();
    Ok(batch
        .iter()
        .map(|e| {
            if is_dot(&e.name) {
                None
            } else {
                found.next().flatten()
            }
        })
        .collect())
}

pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    let req = QueryDirectoryRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let open = server.open_for(call, req.file_id)?;
    if !open.data.is_dir {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if req.output_buffer_length > server.limits.max_transact {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let class =
        DirClass::from_class(req.file_information_class).ok_or(NtStatus::INVALID_INFO_CLASS)?;
    if open.data.granted & LIST_DIRECTORY == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let mut pattern = req.pattern_string().map_err(|e| malformed(&e))?;
    if pattern.is_empty() {
        pattern.push('*');
    }
    if pattern.contains(['\\', '/']) {
        return Err(NtStatus::OBJECT_NAME_INVALID);
    }

    let restart = req.flags & (flags::RESTART_SCANS | flags::REOPEN) != 0;
    let current = lock(&open).take();
    let (mut enumeration, fresh) = match current {
        Some(e) if !restart => (e, false),
        _ => {
            let entries = snapshot(server, &open, &pattern).await?;
            (Enumeration { entries, next: 0 }, true)
        }
    };

    let single = req.flags & flags::RETURN_SINGLE_ENTRY != 0;
    let mut builder = DirectoryBuilder::new(class, req.output_buffer_length);
    let mut status = NtStatus::SUCCESS;
    let mut output = None;
    let share = server.share_of(&open)?;
    let limit = usize::try_from(req.output_buffer_length).unwrap_or(usize::MAX);
    // Current information for entries from `batch_at` on, looked up a
    // response's worth at a time.
    let mut current: Vec<Option<FileInfo>> = Vec::new();
    let mut batch_at = enumeration.next;
    while let Some(entry) = enumeration.entries.get(enumeration.next) {
        let mut entry = entry.clone();
        if !fresh && !is_dot(&entry.name) {
            let mut k = enumeration.next.saturating_sub(batch_at);
            if k >= current.len() {
                batch_at = enumeration.next;
                k = 0;
                let rest = enumeration.entries.get(batch_at..).unwrap_or_default();
                let room = limit.saturating_sub(builder.len());
                current = refresh(share.vfs.as_ref(), open.data.handle, rest, class, room).await?;
            }
            match current.get_mut(k).and_then(Option::take) {
                Some(info) => entry.info = info,
                None => {
                    // Deleted since the snapshot: not listed.
                    enumeration.next = enumeration.next.saturating_add(1);
                    continue;
                }
            }
        }
        let name = string_to_utf16le(&entry.name);
        let short = entry_short_name(&entry.name);
        let wire = wire_entry(&entry, &name, &short);
        match builder.push(&wire).map_err(|e| encode_failed(&e))? {
            Pushed::Added => {
                enumeration.next = enumeration.next.saturating_add(1);
                if single {
                    break;
                }
            }
            Pushed::DoesNotFit => {
                if builder.is_empty() {
                    if limit < class.fixed_len() {
                        *lock(&open) = Some(enumeration);
                        return Err(NtStatus::INFO_LENGTH_MISMATCH);
                    }
                    let mut partial = wire.encode(class).map_err(|e| encode_failed(&e))?;
                    partial.truncate(limit);
                    output = Some(partial);
                    status = NtStatus::BUFFER_OVERFLOW;
                }
                break;
            }
        }
    }
    let output = match output {
        Some(partial) => partial,
        None if builder.is_empty() => {
            let status = if fresh {
                NtStatus::NO_SUCH_FILE
            } else {
                NtStatus::NO_MORE_FILES
            };
            *lock(&open) = Some(enumeration);
            return Err(status);
        }
        None => builder.finish(),
    };
    *lock(&open) = Some(enumeration);
    let body = QueryDirectoryResponse { output: &output }
        .encode_body_to_vec()
        .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(status, body))
}

fn lock(open: &OpenRef) -> std::sync::MutexGuard<'_, Option<Enumeration>> {
    open.data
        .enumeration
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
