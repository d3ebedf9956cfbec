//! `MxAc` (MS-SMB2 2.2.13.2.5 / 2.2.14.2.5): the maximal access the caller
//! would be granted on the object.

use smbkit_vfs::{DosAttributes, FileInfo};
use smbkit_wire::NtStatus;
use smbkit_wire::create::access;
use smbkit_wire::create::context::{CreateContext, MaximalAccessRequest};

/// The response context for a request context. A malformed request
/// (data neither empty nor an 8-byte timestamp) fails the CREATE.
pub(super) fn answer(
    request: &CreateContext<'_>,
    share_maximal: u32,
    info: &FileInfo,
) -> Result<CreateContext<'static>, NtStatus> {
    MaximalAccessRequest::decode(&request.data).map_err(|e| super::malformed(&e))?;
    let mut maximal = share_maximal;
    if info.attributes.contains(DosAttributes::READONLY) && !info.is_dir {
        maximal &= !(access::FILE_WRITE_DATA | access::FILE_APPEND_DATA);
    }
    Ok(smbkit_wire::create::context::MaximalAccessResponse {
        query_status: NtStatus::SUCCESS,
        maximal_access: maximal,
    }
    .to_context())
}
