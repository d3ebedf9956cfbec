//! `RqLs`: the lease request and response contexts (MS-SMB2 2.2.13.2.8,
//! 2.2.13.2.10, 2.2.14.2.10, 2.2.14.2.11; processing 3.3.5.9.8 and
//! 3.3.5.9.11). v1 (32 bytes) and v2 (52 bytes) are answered in the
//! version they were asked in.

use smbkit_session::Dialect;
use smbkit_state::{
    Access, ClientGuid, Contention, FileKey, LeaseGrant, LeaseId, LeaseKey, LeaseRequest,
    LeaseState, ShareMode,
};
use smbkit_vfs::{Disposition, Vfs};
use smbkit_wire::NtStatus;
use smbkit_wire::create::context::name;
use smbkit_wire::create::context::rqls::lease_flags;
use smbkit_wire::create::context::{Lease, LeaseV1, LeaseV2};
use smbkit_wire::create::{CreateContext, CreateRequest, oplock_level};

use crate::Call;
use crate::files::{FileServer, OpenRef};

/// The lease a CREATE asks for: only with RequestedOplockLevel LEASE and a
/// dialect of the 2.1 or 3.x family (2.0.2 has no leases: the context is
/// ignored there, as MS-SMB2 3.3.5.9 says).
///
/// # Errors
/// INVALID_PARAMETER for a lease context that is neither 32 nor 52 bytes.
pub(crate) fn requested(
    req: &CreateRequest<'_>,
    dialect: Dialect,
) -> Result<Option<Lease>, NtStatus> {
    if req.requested_oplock_level != oplock_level::LEASE || dialect < Dialect::Smb210 {
        return Ok(None);
    }
    let Some(context) = req.contexts.iter().find(|c| c.is(name::LEASE)) else {
        return Ok(None);
    };
    Lease::decode(&context.data)
        .map(Some)
        .map_err(|_| NtStatus::INVALID_PARAMETER)
}

/// The state's request for `lease` by client `client` on a directory or
/// not (the parent key only from a v2 context that flags it).
pub(crate) fn request(lease: &Lease, client: ClientGuid, directory: bool) -> LeaseRequest {
    let (key, state, v2, epoch) = match lease {
        Lease::V1(l) => (l.lease_key, l.lease_state, false, 0),
        Lease::V2(l) => (l.lease_key, l.lease_state, true, l.epoch),
    };
    LeaseRequest {
        id: LeaseId { client, key },
        state: LeaseState(state),
        v2,
        epoch,
        parent: parent(lease),
        directory,
    }
}

/// The ParentLeaseKey of a v2 context that flags one.
pub(crate) fn parent(lease: &Lease) -> Option<LeaseKey> {
    match lease {
        Lease::V1(_) => None,
        Lease::V2(l) => {
            (l.lease_flags & lease_flags::PARENT_LEASE_KEY_SET != 0).then_some(l.parent_lease_key)
        }
    }
}

/// The key of a lease context.
pub(crate) fn key(lease: &Lease) -> LeaseKey {
    match lease {
        Lease::V1(l) => l.lease_key,
        Lease::V2(l) => l.lease_key,
    }
}

/// The lease a context of `call` names: its key under the client's
/// ClientGuid.
pub(crate) fn id(lease: &Lease, call: &Call) -> LeaseId {
    LeaseId {
        client: call.request.session.client_guid,
        key: key(lease),
    }
}

/// Grants the lease of `lease` (if any) to new open `open` (MS-SMB2
/// 3.3.5.9.8, 3.3.5.9.11): the OplockLevel (LEASE) and the response
/// context, or `None` when no lease applies and the oplock level decides
/// (no context; a directory without a v2 context on a 3.x connection:
/// directory leases are SMB 3 only). Stat opens of the file do not keep
/// write caching away (smb2.lease.statopen3).
///
/// # Errors
/// INVALID_PARAMETER when the key went to another file meanwhile.
pub(crate) fn grant<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    lease: Option<&Lease>,
    open: &OpenRef,
    is_dir: bool,
) -> Result<Option<(u8, CreateContext<'static>)>, NtStatus> {
    let Some(lease) = lease else {
        return Ok(None);
    };
    if is_dir && (!call.request.session.dialect.is_smb3() || !matches!(lease, Lease::V2(_))) {
        return Ok(None);
    }
    let others = server.opens.count_opens(open.file, |o| {
        o.id != open.id && o.data.granted & !super::LEASE_STAT_ACCESS != 0
    });
    let req = request(lease, call.request.session.client_guid, is_dir);
    let grant = server
        .oplocks
        .grant_lease(open.file, open.id, open.owner, &req, others)
        .map_err(|_| NtStatus::INVALID_PARAMETER)?;
    Ok(Some((oplock_level::LEASE, answer(req.id.key, grant))))
}

/// The response context for what was granted under `key`: in the lease's
/// version, which is the version of the context that began it (MS-SMB2
/// 3.3.5.9.11; smb2.lease.v2_epoch2 and v2_epoch3).
fn answer(key: LeaseKey, grant: LeaseGrant) -> CreateContext<'static> {
    let breaking = if grant.breaking {
        lease_flags::BREAK_IN_PROGRESS
    } else {
        0
    };
    let response = if grant.v2 {
        Lease::V2(LeaseV2 {
            lease_key: key,
            lease_state: grant.state.0,
            lease_flags: breaking
                | grant
                    .parent
                    .map_or(0, |_| lease_flags::PARENT_LEASE_KEY_SET),
            lease_duration: 0,
            parent_lease_key: grant.parent.unwrap_or([0; 16]),
            epoch: grant.epoch,
        })
    } else {
        Lease::V1(LeaseV1 {
            lease_key: key,
            lease_state: grant.state.0,
            lease_flags: breaking,
            lease_duration: 0,
        })
    };
    response.to_context()
}

/// The lease of a stream open `open` (a stream is a file of its own for
/// oplocks and leases), added to `contexts`, or its oplock; the
/// OplockLevel to answer.
///
/// # Errors
/// INVALID_PARAMETER for a malformed context or a key in use for another
/// file (the open is closed then).
pub(crate) async fn stream_lease<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &CreateRequest<'_>,
    open: &OpenRef,
    contexts: &mut Vec<CreateContext<'static>>,
) -> Result<u8, NtStatus> {
    let lease = requested(req, call.request.session.dialect);
    let granted = lease.and_then(|l| {
        if let Some(l) = &l
            && server
                .oplocks
                .lease_file(&id(l, call))
                .is_some_and(|f| f != open.file)
        {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        grant(server, call, l.as_ref(), open, false)
    });
    match granted {
        Ok(Some((level, context))) => {
            contexts.push(context);
            Ok(level)
        }
        Ok(None) => {
            let others = server.opens.opens_of(open.file).saturating_sub(1);
            let level = server.oplocks.grant(
                open.file,
                open.id,
                open.owner,
                super::super::oplock_break::from_wire(req.requested_oplock_level),
                false,
                others,
            );
            Ok(super::super::oplock_break::to_wire(level))
        }
        Err(status) => {
            let closed = server.opens.remove(open.id);
            server.release(closed.into_iter().collect()).await;
            Err(status)
        }
    }
}

/// The oplocks and leases of stream `key` break for a new open of it, as
/// a file's do for an open of the file (smb2.oplock.stream1).
///
/// # Errors
/// STATUS_CANCELLED when the CREATE is cancelled while it waits.
pub(crate) async fn contend_stream<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &CreateRequest<'_>,
    key: FileKey,
    wanted: Access,
    shared: ShareMode,
    disp: Disposition,
) -> Result<(), NtStatus> {
    let lease = requested(req, call.request.session.dialect)?;
    let lease_id = lease.as_ref().map(|l| id(l, call));
    let stat = req.desired_access & !super::STAT_ACCESS == 0;
    let lease_stat = req.desired_access & !super::LEASE_STAT_ACCESS == 0;
    let truncate = matches!(
        disp,
        Disposition::Overwrite | Disposition::OverwriteIf | Disposition::Supersede
    );
    let delete = req.create_options & smbkit_wire::create::options::DELETE_ON_CLOSE != 0;
    super::super::oplock_break::contend(server, call, key, || Contention::Open {
        stat,
        truncate,
        sharing_violation: server.opens.check(key, wanted, shared).is_err(),
        lease_stat,
        delete,
        retry: false,
        lease: lease_id,
    })
    .await
}
