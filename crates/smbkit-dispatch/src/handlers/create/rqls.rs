//! `RqLs`: the lease request and response contexts (MS-SMB2 2.2.13.2.8,
//! 2.2.13.2.10, 2.2.14.2.10, 2.2.14.2.11; processing 3.3.5.9.8 and
//! 3.3.5.9.11). v1 (32 bytes) and v2 (52 bytes) are answered in the
//! version they were asked in.

use smbkit_session::Dialect;
use smbkit_state::{LeaseGrant, LeaseKey, LeaseState};
use smbkit_wire::NtStatus;
use smbkit_wire::create::context::name;
use smbkit_wire::create::context::rqls::lease_flags;
use smbkit_wire::create::context::{Lease, LeaseV1, LeaseV2};
use smbkit_wire::create::{CreateContext, CreateRequest, oplock_level};

/// The lease a CREATE asks for: only with RequestedOplockLevel LEASE and a
/// dialect of the 2.1 or 3.x family (2.0.2 has no leases: the context is
/// ignored there, as MS-SMB2 3.3.5.9 says).
///
/// # Errors
/// INVALID_PARAMETER for a lease context that is neither 32 nor 52 bytes.
pub(super) fn requested(
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

/// The key, state, version and epoch of a request.
pub(super) fn parts(lease: &Lease) -> (LeaseKey, LeaseState, bool, u16) {
    match lease {
        Lease::V1(l) => (l.lease_key, LeaseState(l.lease_state), false, 0),
        Lease::V2(l) => (l.lease_key, LeaseState(l.lease_state), true, l.epoch),
    }
}

/// The response context for `lease` with what was granted.
pub(super) fn answer(lease: &Lease, grant: LeaseGrant) -> CreateContext<'static> {
    let breaking = if grant.breaking {
        lease_flags::BREAK_IN_PROGRESS
    } else {
        0
    };
    let response = match lease {
        Lease::V1(l) => Lease::V1(LeaseV1 {
            lease_key: l.lease_key,
            lease_state: grant.state.0,
            lease_flags: breaking,
            lease_duration: 0,
        }),
        Lease::V2(l) => Lease::V2(LeaseV2 {
            lease_key: l.lease_key,
            lease_state: grant.state.0,
            lease_flags: breaking | (l.lease_flags & lease_flags::PARENT_LEASE_KEY_SET),
            lease_duration: 0,
            parent_lease_key: if l.lease_flags & lease_flags::PARENT_LEASE_KEY_SET != 0 {
                l.parent_lease_key
            } else {
                [0; 16]
            },
            epoch: grant.epoch,
        }),
    };
    response.to_context()
}
