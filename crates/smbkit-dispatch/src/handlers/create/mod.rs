//! CREATE (MS-SMB2 3.3.5.9): open or create a file or directory.
//!
//! Name rules, dispositions, kind options, access and share checks are
//! here; each create context the server answers has its own module
//! ([`mxac`], [`qfid`]). Every other context (durable handles DHnQ/DH2Q,
//! leases RqLs, AAPL, …) is ignored: no durable handle and no lease is
//! granted, and nothing is echoed, which is what a client must expect from
//! a server that grants none (MS-SMB2 3.3.5.9).

mod mxac;
mod qfid;

use std::sync::{Arc, Mutex};

use smbkit_state::{FileKey, Owner, StateError};
use smbkit_vfs::{Disposition, DosAttributes, FileInfo, OpenAction, OpenHow, OpenKind, SmbPath};
use smbkit_wire::create::{
    CreateContext, CreateRequest, CreateResponse, access as acc, create_action, disposition,
    impersonation, oplock_level, options,
};
use smbkit_wire::{FileId, NtStatus, Pdu};

use super::access::{grant, maximal, share_mode, state_access};
use super::{Answer, encode_failed, malformed, tree};
use crate::files::{FileServer, OpenData};
use crate::{Call, Response};
use smbkit_vfs::Vfs;

/// The CREATE response of an open (times, sizes and attributes from
/// `info`); shared with tests through the public wire types.
fn response_body(
    action: OpenAction,
    info: &FileInfo,
    file_id: FileId,
    contexts: Vec<CreateContext<'static>>,
) -> Answer {
    let (allocation, eof) = super::reported_sizes(info);
    let body = CreateResponse {
        oplock_level: oplock_level::NONE,
        flags: 0,
        create_action: match action {
            OpenAction::Superseded => create_action::SUPERSEDED,
            OpenAction::Opened => create_action::OPENED,
            OpenAction::Created => create_action::CREATED,
            OpenAction::Overwritten => create_action::OVERWRITTEN,
        },
        creation_time: info.creation_time.0,
        last_access_time: info.last_access_time.0,
        last_write_time: info.last_write_time.0,
        change_time: info.change_time.0,
        allocation_size: allocation,
        end_of_file: eof,
        file_attributes: info.attributes.bits(),
        file_id,
        contexts,
    }
    .encode_body_to_vec()
    .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(NtStatus::SUCCESS, body))
}

fn vfs_disposition(value: u32) -> Result<Disposition, NtStatus> {
    Ok(match value {
        disposition::SUPERSEDE => Disposition::Supersede,
        disposition::OPEN => Disposition::Open,
        disposition::CREATE => Disposition::Create,
        disposition::OPEN_IF => Disposition::OpenIf,
        disposition::OVERWRITE => Disposition::Overwrite,
        disposition::OVERWRITE_IF => Disposition::OverwriteIf,
        _ => return Err(NtStatus::INVALID_PARAMETER),
    })
}

/// The path of a CREATE name (MS-SMB2 3.3.5.9): relative to the share, no
/// leading separator; the default data stream suffix `::$DATA` is dropped;
/// other stream names are not found (no alternate data streams), which
/// makes macOS fall back to AppleDouble files.
pub(crate) fn parse_name(name: &str) -> Result<SmbPath, NtStatus> {
    if name.starts_with('\\') {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let name = name.strip_suffix("::$DATA").unwrap_or(name);
    if name.contains(':') {
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    SmbPath::parse(name).map_err(|_| NtStatus::OBJECT_NAME_INVALID)
}

fn state_status(e: StateError) -> NtStatus {
    match e {
        StateError::SharingViolation => NtStatus::SHARING_VIOLATION,
        StateError::DeletePending => NtStatus::DELETE_PENDING,
        _ => NtStatus::INSUFFICIENT_RESOURCES,
    }
}

/// Checks the fields MS-SMB2 3.3.5.9 validates before touching storage.
fn validate(req: &CreateRequest<'_>) -> Result<(), NtStatus> {
    if req.impersonation_level > impersonation::DELEGATE {
        return Err(NtStatus::BAD_IMPERSONATION_LEVEL);
    }
    let opts = req.create_options;
    if opts & options::DIRECTORY_FILE != 0 && opts & options::NON_DIRECTORY_FILE != 0 {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if opts & options::OPEN_BY_FILE_ID != 0 {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    Ok(())
}

pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    let req = CreateRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let tree = tree(call)?;
    if tree.ipc {
        return super::pipe::create(server, call, &req, tree);
    }
    let share_index = server
        .share_index(&tree.share)
        .ok_or(NtStatus::BAD_NETWORK_NAME)?;
    let share = server
        .shares
        .get(share_index)
        .ok_or(NtStatus::BAD_NETWORK_NAME)?;
    validate(&req)?;
    let name = req.name_string().map_err(|e| malformed(&e))?;
    let path = parse_name(&name)?;
    let mut disp = vfs_disposition(req.create_disposition)?;
    let opts = req.create_options;
    let kind = if opts & options::DIRECTORY_FILE != 0 {
        OpenKind::Directory
    } else if opts & options::NON_DIRECTORY_FILE != 0 {
        OpenKind::NonDirectory
    } else {
        OpenKind::Any
    };
    if kind == OpenKind::Directory
        && matches!(
            disp,
            Disposition::Overwrite | Disposition::OverwriteIf | Disposition::Supersede
        )
    {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let max = maximal(share.read_only);
    let granted = grant(req.desired_access, max).ok_or(NtStatus::ACCESS_DENIED)?;
    let delete_on_close = opts & options::DELETE_ON_CLOSE != 0;
    if delete_on_close && granted & acc::DELETE == 0 {
        return Err(NtStatus::INVALID_PARAMETER);
    }

    let existing = share.vfs.stat(&path).await.ok();
    if share.read_only {
        disp = match (disp, &existing) {
            (Disposition::Open, _) | (Disposition::OpenIf, Some(_)) => Disposition::Open,
            (_, None) => return Err(NtStatus::MEDIA_WRITE_PROTECTED),
            _ => return Err(NtStatus::ACCESS_DENIED),
        };
    }
    let wanted = state_access(granted);
    let shared = share_mode(req.share_access);
    if let Some(info) = &existing {
        if disp == Disposition::Create {
            return Err(NtStatus::OBJECT_NAME_COLLISION);
        }
        if kind == OpenKind::Directory && !info.is_dir {
            return Err(NtStatus::NOT_A_DIRECTORY);
        }
        if kind == OpenKind::NonDirectory && info.is_dir {
            return Err(NtStatus::FILE_IS_A_DIRECTORY);
        }
        let key = FileKey {
            volume: share_index as u64,
            file: info.file_id,
        };
        server
            .opens
            .check(key, wanted, shared)
            .map_err(state_status)?;
        if delete_on_close && info.attributes.contains(DosAttributes::READONLY) {
            return Err(NtStatus::CANNOT_DELETE);
        }
    }
    let is_dir = existing
        .as_ref()
        .map_or(kind == OpenKind::Directory, |i| i.is_dir);
    let truncating = matches!(
        disp,
        Disposition::Overwrite | Disposition::OverwriteIf | Disposition::Supersede
    );
    let how = OpenHow {
        disposition: disp,
        kind,
        read: true,
        write: !is_dir && (super::access::can_write(granted) || truncating),
        follow: opts & options::OPEN_REPARSE_POINT == 0,
    };
    let opened = share.vfs.open(&path, how).await.map_err(|e| e.status())?;

    // New objects take the attributes the client asked for (READONLY, HIDDEN, …).
    let mut info = opened.info;
    if opened.action == OpenAction::Created && !share.read_only {
        let wanted_attrs = DosAttributes(req.file_attributes).intersection(DosAttributes::SETTABLE);
        if !wanted_attrs.is_empty() {
            let set = smbkit_vfs::SetInfo {
                attributes: Some(info.attributes.union(wanted_attrs)),
                ..smbkit_vfs::SetInfo::default()
            };
            if share.vfs.set_info(opened.handle, set).await.is_ok()
                && let Ok(now) = share.vfs.info(opened.handle).await
            {
                info = now;
            }
        }
    }
    if delete_on_close && info.is_dir {
        match share.vfs.read_dir(opened.handle).await {
            Ok(entries) if !entries.is_empty() => {
                let _ = share.vfs.close(opened.handle).await;
                return Err(NtStatus::DIRECTORY_NOT_EMPTY);
            }
            _ => {}
        }
    }

    let owner = Owner {
        connection: call.connection,
        session: call.request.session.id,
        tree: tree.id,
    };
    let key = FileKey {
        volume: share_index as u64,
        file: info.file_id,
    };
    let data = OpenData {
        tree: Arc::downgrade(tree),
        share: share_index,
        handle: opened.handle,
        is_dir: info.is_dir,
        granted,
        options: opts,
        enumeration: Mutex::new(None),
        pipe: None,
    };
    let open = match server.opens.insert(
        owner,
        key,
        &path.to_string(),
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
            contexts.push(mxac::answer(context, max, &info)?);
        } else if context.is(smbkit_wire::create::context::name::QUERY_ON_DISK_ID) {
            contexts.push(qfid::answer(&info, share_index));
        }
    }
    tracing::debug!(%path, ?file_id, action = ?opened.action, "opened");
    response_body(opened.action, &info, file_id, contexts)
}
