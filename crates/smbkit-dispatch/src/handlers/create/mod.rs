//! CREATE (MS-SMB2 3.3.5.9): open or create a file or directory.
//!
//! Name rules, dispositions, kind options, access and share checks are
//! here; each create context the server answers has its own module
//! ([`mxac`], [`qfid`], [`secd`], [`rqls`] for leases; `AlSi` reserves
//! space, `ExtA` sets extended attributes). Oplocks and leases are granted
//! and broken through [`super::oplock_break`]. Every other context
//! (durable handles DHnQ/DH2Q, AAPL, …) is ignored: no durable handle is
//! granted, and nothing is echoed, which is what a client must expect from
//! a server that grants none (MS-SMB2 3.3.5.9).

mod mxac;
mod qfid;
mod rqls;
mod secd;
mod stream;

pub(crate) use stream::{remove_by_name, rename_stream, stream_of};

use std::sync::{Arc, Mutex};

use smbkit_state::{Contention, FileKey, Owner, StateError};
use smbkit_vfs::{Disposition, DosAttributes, FileInfo, OpenAction, OpenHow, OpenKind, StreamPath};
use smbkit_wire::create::{
    CreateContext, CreateRequest, CreateResponse, access as acc, create_action, disposition,
    impersonation, options,
};
use smbkit_wire::{FileId, NtStatus, Pdu};

use super::access::{grant, maximal, share_mode, state_access};
use super::security::Sd;
use super::security::sd::Token;
use super::{Answer, encode_failed, malformed, tree};
use crate::files::{FileServer, OpenData};
use crate::{Call, Response};
use smbkit_vfs::Vfs;

/// The CREATE response of an open (times, sizes and attributes from
/// `info`); shared with tests through the public wire types.
fn response_body(
    oplock: u8,
    action: OpenAction,
    info: &FileInfo,
    file_id: FileId,
    contexts: Vec<CreateContext<'static>>,
) -> Answer {
    let (allocation, eof) = super::reported_sizes(info);
    let body = CreateResponse {
        oplock_level: oplock,
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

/// The path and stream of a CREATE name (MS-SMB2 3.3.5.9, MS-FSCC
/// 2.1.5.1): relative to the share, no leading separator; `file::$DATA`
/// is the file, `file:stream[:$DATA]` a named stream ([`stream`]).
pub(crate) fn parse_name(name: &str) -> Result<StreamPath, NtStatus> {
    if name.starts_with('\\') {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    StreamPath::parse(name).map_err(|_| NtStatus::OBJECT_NAME_INVALID)
}

fn state_status(e: StateError) -> NtStatus {
    match e {
        StateError::SharingViolation => NtStatus::SHARING_VIOLATION,
        StateError::DeletePending => NtStatus::DELETE_PENDING,
        _ => NtStatus::INSUFFICIENT_RESOURCES,
    }
}

/// CreateOptions bits no request may set (MS-SMB2 2.2.13: reserved).
const RESERVED_OPTIONS: u32 = 0xFF00_0000;
/// FILE_CREATE_TREE_CONNECTION, FILE_OPEN_BY_FILE_ID and
/// FILE_RESERVE_OPFILTER: not supported (MS-SMB2 3.3.5.9).
const UNSUPPORTED_OPTIONS: u32 = 0x0000_0080 | 0x0000_2000 | 0x0010_0000;
/// DesiredAccess bits that are always ACCESS_DENIED (MS-SMB2 3.3.5.9:
/// the mask 0x0CE0FE00).
const INVALID_ACCESS: u32 = 0x0CE0_FE00;
/// ACCESS_SYSTEM_SECURITY: needs a privilege nobody holds here.
const ACCESS_SYSTEM_SECURITY: u32 = 0x0100_0000;
/// FileAttributes a CREATE may not carry: VOLUME (0x8), DEVICE (0x40),
/// 0x8000 and the undefined high bits (MS-FSCC 2.6, MS-FSA 2.1.5.1).
const INVALID_ATTRIBUTES: u32 = 0xFFFF_8048;
/// FILE_ATTRIBUTE_ENCRYPTED: no encryption at rest.
const ENCRYPTED: u32 = 0x0000_4000;
/// The access of a "stat open", which breaks no oplock (MS-FSA
/// 2.1.5.1.2): attributes and synchronization only.
const STAT_ACCESS: u32 = acc::FILE_READ_ATTRIBUTES | acc::FILE_WRITE_ATTRIBUTES | acc::SYNCHRONIZE;
/// The access of a stat open as leases see it: READ_CONTROL too
/// (smb2.lease.statopen4).
const LEASE_STAT_ACCESS: u32 = STAT_ACCESS | acc::READ_CONTROL;
/// STATUS_PRIVILEGE_NOT_HELD (MS-ERREF 2.3.1).
const PRIVILEGE_NOT_HELD: NtStatus = NtStatus(0xC000_0061);

/// Checks the fields MS-SMB2 3.3.5.9 validates before touching storage.
fn validate(req: &CreateRequest<'_>) -> Result<(), NtStatus> {
    if req.impersonation_level > impersonation::DELEGATE {
        return Err(NtStatus::BAD_IMPERSONATION_LEVEL);
    }
    let opts = req.create_options;
    if opts & RESERVED_OPTIONS != 0 {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if opts & options::DIRECTORY_FILE != 0 && opts & options::NON_DIRECTORY_FILE != 0 {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if req.desired_access & INVALID_ACCESS != 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    if req.desired_access & ACCESS_SYSTEM_SECURITY != 0 {
        return Err(PRIVILEGE_NOT_HELD);
    }
    if req.file_attributes & INVALID_ATTRIBUTES != 0 {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if opts & UNSUPPORTED_OPTIONS != 0 {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    if req.contexts.iter().any(|c| c.name.len() < 4) {
        // Context names are at least 4 bytes (MS-SMB2 2.2.13.2).
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if req
        .contexts
        .iter()
        .any(|c| c.is(smbkit_wire::create::context::name::TIMEWARP_TOKEN))
    {
        // No previous versions are kept: no snapshot has the name.
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    Ok(())
}

/// The AllocationSize of an `AlSi` context (MS-SMB2 2.2.13.2.6: 8 bytes);
/// any other length fails the CREATE.
fn allocation_size(contexts: &[CreateContext<'_>]) -> Result<Option<u64>, NtStatus> {
    let Some(c) = contexts
        .iter()
        .find(|c| c.is(smbkit_wire::create::context::name::ALLOCATION_SIZE))
    else {
        return Ok(None);
    };
    let bytes: [u8; 8] = c
        .data
        .as_ref()
        .try_into()
        .map_err(|_| NtStatus::INVALID_PARAMETER)?;
    Ok(Some(u64::from_le_bytes(bytes)))
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
    let parsed = parse_name(&name)?;
    let path = parsed.path;
    let mut disp = vfs_disposition(req.create_disposition)?;
    let opts = req.create_options;
    if let Some(stream) = parsed.stream {
        return stream::open(server, call, &req, tree, share_index, path, stream, disp).await;
    }
    if parsed.explicit && opts & options::DIRECTORY_FILE != 0 {
        // `dir::$DATA` names a data stream, never a directory.
        return Err(NtStatus::NOT_A_DIRECTORY);
    }
    let kind = if parsed.explicit {
        OpenKind::NonDirectory
    } else if opts & options::DIRECTORY_FILE != 0 {
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
    let token = Token::of(&call.request.session);
    let requested_sd = secd::requested(&req.contexts, token)?;
    let requested_eas = req
        .contexts
        .iter()
        .find(|c| c.is(smbkit_wire::create::context::name::EA_BUFFER))
        .map(|c| super::ea::parse(&c.data))
        .transpose()?;
    let alloc = allocation_size(&req.contexts)?;
    let lease = rqls::requested(&req, call.request.session.dialect)?;
    let lease_key = lease.as_ref().map(|l| rqls::id(l, call));
    // One lookup for the object and its stored descriptor.
    let (existing, stored_sd) = match share.vfs.stat_and_security(&path).await {
        Ok((info, sd)) => (Some(info), sd.and_then(|b| Sd::parse(&b).ok())),
        Err(_) => (None, None),
    };
    if let Some(k) = &lease_key
        && let Some(leased) = server.oplocks.lease_file(k)
    {
        // A lease key names one file (MS-SMB2 3.3.5.9.8).
        let same = existing.as_ref().is_some_and(|i| {
            leased
                == FileKey {
                    volume: share_index as u64,
                    file: i.file_id,
                }
        });
        if !same {
            return Err(NtStatus::INVALID_PARAMETER);
        }
    }
    if existing.is_some() && disp == Disposition::Create {
        return Err(NtStatus::OBJECT_NAME_COLLISION);
    }
    let share_max = maximal(share.read_only);
    let max = match &existing {
        Some(_) => {
            let vfs = share.vfs.as_ref();
            secd::existing_max(vfs, &path, stored_sd, share_max, token).await
        }
        // A missing name that is only opened is OBJECT_NAME_NOT_FOUND, below.
        None if matches!(disp, Disposition::Open | Disposition::Overwrite) => share_max,
        None => {
            let is_dir = kind == OpenKind::Directory;
            secd::new_max(share.vfs.as_ref(), &path, share_max, token, is_dir).await
        }
    };
    let granted = grant(req.desired_access, max).ok_or(NtStatus::ACCESS_DENIED)?;
    // Overwriting or superseding an existing file writes it (MS-FSA
    // 2.1.5.1.2): the access check includes FILE_WRITE_DATA.
    let implied = match (disp, &existing) {
        (Disposition::Overwrite | Disposition::OverwriteIf | Disposition::Supersede, Some(i))
            if !i.is_dir =>
        {
            acc::FILE_WRITE_DATA
        }
        _ => 0,
    };
    if implied & !max != 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let delete_on_close = opts & options::DELETE_ON_CLOSE != 0;
    if delete_on_close && granted & acc::DELETE == 0 {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if existing.is_none() && disp != Disposition::Open && disp != Disposition::Overwrite {
        if req.file_attributes & ENCRYPTED != 0 {
            return Err(NtStatus::ACCESS_DENIED);
        }
        // A new read-only file cannot be deleted on close (MS-FSA 2.1.5.1.1).
        if delete_on_close
            && kind != OpenKind::Directory
            && req.file_attributes & DosAttributes::READONLY.bits() != 0
        {
            return Err(NtStatus::CANNOT_DELETE);
        }
    }

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
        if server.opens.delete_pending(key) {
            // Nothing breaks for an open that cannot succeed.
            return Err(NtStatus::DELETE_PENDING);
        }
        // Oplocks break before the share-mode check (MS-FSA 2.1.5.1.2):
        // a batch holder may close, an exclusive one only breaks when the
        // open would succeed.
        let stat = req.desired_access & !STAT_ACCESS == 0;
        let lease_stat = req.desired_access & !LEASE_STAT_ACCESS == 0;
        let truncate = matches!(
            disp,
            Disposition::Overwrite | Disposition::OverwriteIf | Disposition::Supersede
        );
        super::oplock_break::contend(server, call, key, || Contention::Open {
            stat,
            truncate,
            sharing_violation: server.opens.check(key, wanted, shared).is_err(),
            lease_stat,
            delete: delete_on_close,
            retry: false,
            lease: lease_key,
        })
        .await?;
        server
            .opens
            .check(key, wanted, shared)
            .map_err(state_status)?;
        if wanted.delete && !info.is_dir {
            stream::streams_allow_delete(server, share_index, info.file_id, &path)?;
        }
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
    let created = opened.action == OpenAction::Created;
    if created && !share.read_only {
        let stored = secd::store_new(
            share.vfs.as_ref(),
            &path,
            opened.handle,
            info.is_dir,
            requested_sd,
        )
        .await;
        if let Err(status) = stored {
            let _ = share.vfs.close(opened.handle).await;
            let _ = share.vfs.remove(&path).await;
            return Err(status);
        }
    }
    let parent_lease = lease.as_ref().and_then(rqls::parent);
    super::change_notify::created(
        server,
        share_index,
        &path,
        created,
        info.is_dir,
        parent_lease,
    );
    if let Some(eas) = requested_eas.filter(|_| opened.action != OpenAction::Opened)
        && let Err(status) = super::ea::set(share.vfs.as_ref(), opened.handle, eas).await
    {
        let _ = share.vfs.close(opened.handle).await;
        return Err(status);
    }
    if let Some(size) =
        alloc.filter(|&s| s > 0 && !info.is_dir && opened.action != OpenAction::Opened)
    {
        // Advisory: a storage that cannot reserve space still opens the file.
        if share.vfs.allocate(opened.handle, size).await.is_ok()
            && let Ok(now) = share.vfs.info(opened.handle).await
        {
            info = now;
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
    // The table keeps the name in its on-disk case, which
    // FileNameInformation and FileNormalizedNameInformation report.
    let stored_name = share
        .vfs
        .disk_path(opened.handle)
        .await
        .unwrap_or_else(|_| path.clone());
    let open = match server.opens.insert(
        owner,
        key,
        &stored_name.to_string(),
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
    let others = server.opens.opens_of(key).saturating_sub(1);
    let granted_lease = rqls::grant(server, call, lease.as_ref(), &open, info.is_dir);
    let (oplock, lease_context) = match granted_lease {
        Ok(Some((level, context))) => (level, Some(context)),
        Ok(None) => (
            super::oplock_break::to_wire(server.oplocks.grant(
                key,
                open.id,
                owner,
                super::oplock_break::from_wire(req.requested_oplock_level),
                info.is_dir,
                others,
            )),
            None,
        ),
        Err(status) => {
            let closed = server.opens.remove(open.id);
            server.release(closed.into_iter().collect()).await;
            return Err(status);
        }
    };

    let mut contexts = Vec::new();
    for context in &req.contexts {
        if context.is(smbkit_wire::create::context::name::QUERY_MAXIMAL_ACCESS) {
            contexts.push(mxac::answer(context, max, &info)?);
        } else if context.is(smbkit_wire::create::context::name::QUERY_ON_DISK_ID) {
            contexts.push(qfid::answer(&info, share_index));
        }
    }
    contexts.extend(lease_context);
    tracing::debug!(%path, ?file_id, action = ?opened.action, "opened");
    response_body(oplock, opened.action, &info, file_id, contexts)
}
