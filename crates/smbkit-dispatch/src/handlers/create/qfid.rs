//! `QFid` (MS-SMB2 2.2.13.2.9 / 2.2.14.2.9): the on-disk file id. It is the
//! same number as FileInternalInformation.IndexNumber and the FileId of the
//! Id* directory classes (the Linux client loses data when they differ).

use smbkit_vfs::FileInfo;
use smbkit_wire::create::context::{CreateContext, QueryOnDiskIdResponse};

/// The response context; VolumeId is the share's index (stable while the
/// server runs).
pub(super) fn answer(info: &FileInfo, share_index: usize) -> CreateContext<'static> {
    QueryOnDiskIdResponse {
        disk_file_id: info.file_id,
        volume_id: share_index as u64,
    }
    .to_context()
}
