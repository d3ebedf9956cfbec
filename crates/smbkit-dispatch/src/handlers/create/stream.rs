//! CREATE of a named data stream, `file:stream[:$DATA]` (MS-FSA 2.1.5.1,
//! MS-SMB2 3.3.5.9). A stream open is an open of its own in the open
//! table: its share modes are checked against the other opens of the same
//! stream only, under a key derived from the base file and the folded
//! stream name. Its name in the table is `file:stream`, so that
//! delete-on-close removes only the stream ([`remove_by_name`]).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use smbkit_session::TreeInfo;
use smbkit_state::{Access, FileKey, Owner, ShareMode};
use smbkit_vfs::{
    Disposition, MAX_STREAM_LEN, OpenHow, OpenKind, SmbPath, StreamPath, Vfs, VfsError,
};
use smbkit_wire::FileId;
use smbkit_wire::NtStatus;
use smbkit_wire::create::{CreateRequest, access as acc, options};

use super::super::Answer;
use super::super::access::{grant, maximal, share_mode, state_access};
use super::super::security::sd::Token;
use super::{response_body, secd, state_status};
use crate::Call;
use crate::files::{FileServer, OpenData, OpenRef};

/// The open-table volume of the streams of share `share`: bit 62 set, so
/// it never meets a share index nor the pipe volume.
fn stream_volume(share: usize) -> u64 {
    1 << 62 | u64::try_from(share).unwrap_or(u64::MAX >> 2)
}

/// The open-table key of stream `stream` of file `file` on share
/// `share`: on the share's stream volume, a hash of the base file's id and
/// the case-folded stream name.
pub(crate) fn stream_key(share: usize, file: u64, stream: &str) -> FileKey {
    let mut h = DefaultHasher::new();
    file.hash(&mut h);
    stream.to_lowercase().hash(&mut h);
    FileKey {
        volume: stream_volume(share),
        file: h.finish(),
    }
}

/// Whether the open streams of `path` (file `file`) let it be opened with
/// DELETE access: each stream open must share delete (MS-FSA 2.1.5.1.2,
/// as streams.c `delete` expects); else SHARING_VIOLATION.
pub(crate) fn streams_allow_delete<V>(
    server: &FileServer<V>,
    share: usize,
    file: u64,
    path: &SmbPath,
) -> Result<(), NtStatus> {
    let prefix = format!("{path}:").to_lowercase();
    let mut open_streams = Vec::new();
    let none = FileKey { volume: 0, file: 0 };
    server
        .opens
        .any_open_name(stream_volume(share), none, |name| {
            if name.to_lowercase().starts_with(&prefix) {
                open_streams.push(name.to_owned());
            }
            false
        });
    let delete = Access {
        delete: true,
        ..Access::NONE
    };
    for name in open_streams {
        if let Ok(StreamPath {
            stream: Some(stream),
            ..
        }) = StreamPath::parse(&name)
        {
            server
                .opens
                .check(stream_key(share, file, &stream), delete, ShareMode::ALL)
                .map_err(state_status)?;
        }
    }
    Ok(())
}

/// Removes what an open-table name names: a stream (`file:stream`) or a
/// file or directory; the path of a removed file or directory is returned
/// (a stream's removal is not a name change of the directory).
pub(crate) async fn remove_by_name<V: Vfs>(
    vfs: &V,
    name: &str,
) -> Result<Option<SmbPath>, VfsError> {
    let parsed = StreamPath::parse(name)?;
    match parsed.stream {
        Some(stream) => vfs
            .remove_stream(&parsed.path, &stream)
            .await
            .map(|()| None),
        None => vfs.remove(&parsed.path).await.map(|()| Some(parsed.path)),
    }
}

/// The base path and stream name of a stream open (`None` for an open of
/// a file or directory itself).
pub(crate) fn stream_of<V>(server: &FileServer<V>, open: &OpenRef) -> Option<(SmbPath, String)> {
    let name = server.opens.name(open.file)?;
    let parsed = StreamPath::parse(&name).ok()?;
    Some((parsed.path, parsed.stream?))
}

/// FileRenameInformation with a stream target (MS-FSA 2.1.5.14.11): a
/// stream open renamed to `:new[:$DATA]` renames the stream (an existing
/// `new` is replaced only with ReplaceIfExists: OBJECT_NAME_COLLISION);
/// renamed to `::$DATA` its data becomes the file's (which must be empty
/// unless replacing) and the stream goes. A `base:stream` target is a
/// SHARING_VIOLATION for a stream open (as Windows answers) and
/// INVALID_PARAMETER otherwise; a stream open cannot become a file.
pub(crate) async fn rename_stream<V: Vfs>(
    server: &FileServer<V>,
    open: &OpenRef,
    target: &str,
    replace: bool,
) -> Result<(), NtStatus> {
    let current = stream_of(server, open);
    let Some(rest) = target.strip_prefix(':') else {
        return Err(if current.is_some() {
            NtStatus::SHARING_VIOLATION
        } else {
            NtStatus::INVALID_PARAMETER
        });
    };
    let Some((path, stream)) = current else {
        // Renaming the unnamed stream of a file to a named one.
        return Err(NtStatus::NOT_SUPPORTED);
    };
    let parsed =
        StreamPath::parse(&format!("x:{rest}")).map_err(|_| NtStatus::OBJECT_NAME_INVALID)?;
    let share = server.share_of(open)?;
    let vfs = share.vfs.as_ref();
    let Some(new) = parsed.stream else {
        return to_default_stream(vfs, open, &path, &stream, replace).await;
    };
    vfs.rename_stream(open.data.handle, &new, replace)
        .await
        .map_err(|e| e.status())?;
    server.opens.rename(open.file, &format!("{path}:{new}"));
    tracing::debug!(%path, from = %stream, to = %new, "renamed a stream");
    Ok(())
}

/// Moves a stream's data into the file's unnamed stream.
async fn to_default_stream<V: Vfs>(
    vfs: &V,
    open: &OpenRef,
    path: &SmbPath,
    stream: &str,
    replace: bool,
) -> Result<(), NtStatus> {
    let status = |e: VfsError| e.status();
    let data = vfs
        .read_at(open.data.handle, 0, MAX_STREAM_LEN)
        .await
        .map_err(status)?;
    let how = OpenHow {
        disposition: Disposition::Open,
        kind: OpenKind::NonDirectory,
        read: true,
        write: true,
        follow: true,
    };
    let base = vfs.open(path, how).await.map_err(status)?;
    let moved = async {
        if base.info.size != 0 && !replace {
            return Err(NtStatus::OBJECT_NAME_COLLISION);
        }
        vfs.set_len(base.handle, 0).await.map_err(status)?;
        vfs.write_at(base.handle, 0, &data).await.map_err(status)?;
        Ok(())
    }
    .await;
    let _ = vfs.close(base.handle).await;
    moved?;
    vfs.remove_stream(path, stream).await.map_err(status)
}

/// Opens or creates stream `stream` of `path`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn open<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &CreateRequest<'_>,
    tree: &Arc<TreeInfo>,
    share_index: usize,
    path: SmbPath,
    stream: String,
    disp: Disposition,
) -> Answer {
    let share = server
        .shares
        .get(share_index)
        .ok_or(NtStatus::BAD_NETWORK_NAME)?;
    let opts = req.create_options;
    if opts & options::DIRECTORY_FILE != 0 {
        return Err(NtStatus::NOT_A_DIRECTORY);
    }
    let existing = share.vfs.stat(&path).await.ok();
    let max = match &existing {
        Some(_) => {
            let token = Token::of(&call.request.session);
            let vfs = share.vfs.as_ref();
            let stored = super::super::security::stored_at(vfs, &path).await;
            secd::existing_max(vfs, &path, stored, maximal(share.read_only), token).await
        }
        None => maximal(share.read_only),
    };
    let granted = grant(req.desired_access, max).ok_or(NtStatus::ACCESS_DENIED)?;
    let delete_on_close = opts & options::DELETE_ON_CLOSE != 0;
    if delete_on_close && granted & acc::DELETE == 0 {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let truncating = matches!(
        disp,
        Disposition::Overwrite | Disposition::OverwriteIf | Disposition::Supersede
    );
    if share.read_only && disp != Disposition::Open {
        return Err(if existing.is_some() {
            NtStatus::ACCESS_DENIED
        } else {
            NtStatus::MEDIA_WRITE_PROTECTED
        });
    }
    let wanted = state_access(granted);
    let shared = share_mode(req.share_access);
    if let Some(info) = &existing {
        let key = stream_key(share_index, info.file_id, &stream);
        super::rqls::contend_stream(server, call, req, key, wanted, shared, disp).await?;
        server
            .opens
            .check(
                stream_key(share_index, info.file_id, &stream),
                wanted,
                shared,
            )
            .map_err(state_status)?;
    }
    let how = OpenHow {
        disposition: disp,
        kind: OpenKind::NonDirectory,
        read: true,
        write: super::super::access::can_write(granted) || truncating,
        follow: opts & options::OPEN_REPARSE_POINT == 0,
    };
    let opened = share
        .vfs
        .open_stream(&path, &stream, how)
        .await
        .map_err(|e| e.status())?;
    let info = opened.info;
    let owner = Owner {
        connection: call.connection,
        session: call.request.session.id,
        tree: tree.id,
    };
    let data = OpenData {
        tree: Arc::downgrade(tree),
        share: share_index,
        handle: opened.handle,
        is_dir: false,
        granted,
        options: opts,
        enumeration: Mutex::new(None),
        pipe: None,
    };
    // The base file's name in its on-disk case, the stream as asked.
    let base = share
        .vfs
        .disk_path(opened.handle)
        .await
        .unwrap_or_else(|_| path.clone());
    let name = format!("{base}:{stream}");
    let open = match server.opens.insert(
        owner,
        stream_key(share_index, info.file_id, &stream),
        &name,
        wanted,
        shared,
        delete_on_close,
        data,
    ) {
        Ok(open) => open,
        Err(e) => {
            let _ = share.vfs.close(opened.handle).await;
            return Err(state_status(e));
        }
    };
    let file_id = FileId {
        persistent: open.id.persistent,
        volatile: open.id.volatile,
    };
    let mut contexts = Vec::new();
    for context in &req.contexts {
        if context.is(smbkit_wire::create::context::name::QUERY_MAXIMAL_ACCESS) {
            contexts.push(super::mxac::answer(context, max, &info)?);
        } else if context.is(smbkit_wire::create::context::name::QUERY_ON_DISK_ID) {
            contexts.push(super::qfid::answer(&info, share_index));
        }
    }
    tracing::debug!(%name, ?file_id, action = ?opened.action, "opened a stream");
    // A stream takes a lease of its own (smb2.lease.request); no oplock.
    let oplock = super::rqls::stream_lease(server, call, req, &open, &mut contexts).await?;
    response_body(oplock, opened.action, &info, file_id, contexts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_keys_fold_case_and_differ_by_stream_file_and_share() {
        let a = stream_key(0, 7, "Stream One");
        assert_eq!(a, stream_key(0, 7, "STREAM one"));
        assert_ne!(a, stream_key(0, 7, "Stream Two"));
        assert_ne!(a, stream_key(0, 8, "Stream One"));
        assert_ne!(a.volume, stream_key(1, 7, "Stream One").volume);
        assert!(a.volume > 1 << 32);
        assert_ne!(a.volume, u64::MAX);
    }
}
