//! CREATE of a named data stream, `file:stream[:$DATA]` (MS-FSA 2.1.5.1,
//! MS-SMB2 3.3.5.9). A stream open is an open of its own in the open
//! table: its share modes are checked against the other opens of the same
//! stream only, under a key derived from the base file and the folded
//! stream name. Its name in the table is `file:stream`, so that
//! delete-on-close removes only the stream ([`remove_by_name`]).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use smbkit_session::TreeInfo;
use smbkit_state::{FileKey, Owner};
use smbkit_vfs::{Disposition, OpenHow, OpenKind, SmbPath, StreamPath, Vfs, VfsError};
use smbkit_wire::FileId;
use smbkit_wire::NtStatus;
use smbkit_wire::create::{CreateRequest, access as acc, options};

use super::super::Answer;
use super::super::access::{grant, maximal, share_mode, state_access};
use super::{response_body, secd, state_status};
use crate::Call;
use crate::files::{FileServer, OpenData};

/// The open-table key of stream `stream` of file `file` on share
/// `share`: the base file's id, on a volume number derived from the share
/// and the case-folded stream name (high bit set, so it never meets a
/// share index, and even, so never the pipe volume).
pub(crate) fn stream_key(share: usize, file: u64, stream: &str) -> FileKey {
    let mut h = DefaultHasher::new();
    share.hash(&mut h);
    stream.to_lowercase().hash(&mut h);
    FileKey {
        volume: (h.finish() | 1 << 63) & !1,
        file,
    }
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
    if existing.as_ref().is_some_and(|i| i.is_dir) {
        return Err(NtStatus::FILE_IS_A_DIRECTORY);
    }
    let max = match &existing {
        Some(_) => secd::existing_max(share.vfs.as_ref(), &path, maximal(share.read_only)).await,
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
    let name = format!("{path}:{stream}");
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
    // No oplock is granted on a stream open.
    response_body(
        smbkit_wire::create::oplock_level::NONE,
        opened.action,
        &info,
        file_id,
        contexts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_keys_fold_case_and_differ_by_stream_and_share() {
        let a = stream_key(0, 7, "Stream One");
        assert_eq!(a, stream_key(0, 7, "STREAM one"));
        assert_ne!(a, stream_key(0, 7, "Stream Two"));
        assert_ne!(a, stream_key(1, 7, "Stream One"));
        assert_ne!(a.volume, 0);
        assert_ne!(a.volume, u64::MAX);
        assert_eq!(a.file, 7);
    }
}
