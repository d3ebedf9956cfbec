//! FSCTLs about one file's storage: compression (MS-FSCC 2.3.12, 2.3.67;
//! MS-FSA 2.1.5.10.5, 2.1.5.10.36) and object ids (MS-FSCC 2.3.1).
//!
//! FSCTL_CREATE_OR_GET_OBJECT_ID answers a FILE_OBJECTID_BUFFER made from
//! what identifies the file already (no id is stored): ObjectId and
//! BirthObjectId are the file id (FileInternalInformation) and the share
//! number, BirthVolumeId the volume serial, DomainId zero. The same file
//! always gets the same id. MaxOutputResponse below 64 bytes is
//! STATUS_INVALID_PARAMETER.
//!
//! No storage here compresses, and FileFsAttributeInformation does not
//! announce FILE_FILE_COMPRESSION, so, as Windows Server does on a file
//! system without compression:
//! * FSCTL_GET_COMPRESSION answers COMPRESSION_FORMAT_NONE (MaxOutputResponse
//!   below 2 bytes is STATUS_INVALID_PARAMETER);
//! * FSCTL_SET_COMPRESSION needs FILE_WRITE_DATA (else ACCESS_DENIED), a
//!   2-byte input (else INVALID_PARAMETER); COMPRESSION_FORMAT_NONE
//!   succeeds (nothing to undo), DEFAULT and LZNT1 are STATUS_NOT_SUPPORTED,
//!   any other value STATUS_INVALID_PARAMETER.

use smbkit_vfs::Vfs;
use smbkit_wire::NtStatus;
use smbkit_wire::create::access;
use smbkit_wire::fsctl::file::ObjectIdBuffer;
use smbkit_wire::fsctl::file::{
    COMPRESSION_FORMAT_DEFAULT, COMPRESSION_FORMAT_LZNT1, COMPRESSION_FORMAT_NONE, CompressionState,
};
use smbkit_wire::ioctl::IoctlRequest;

use super::ioctl_response;
use crate::Call;
use crate::files::FileServer;
use crate::handlers::Answer;

/// FSCTL_GET_COMPRESSION.
pub(crate) fn get_compression<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &IoctlRequest<'_>,
) -> Answer {
    server.open_for(call, req.file_id)?;
    if usize::try_from(req.max_output_response).unwrap_or(usize::MAX) < CompressionState::LEN {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let state = CompressionState {
        format: COMPRESSION_FORMAT_NONE,
    };
    ioctl_response(req, NtStatus::SUCCESS, &state.to_bytes())
}

/// FSCTL_SET_COMPRESSION.
pub(crate) fn set_compression<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &IoctlRequest<'_>,
) -> Answer {
    let open = server.open_for(call, req.file_id)?;
    if open.data.granted & access::FILE_WRITE_DATA == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let state = CompressionState::decode(req.input).map_err(|_| NtStatus::INVALID_PARAMETER)?;
    match state.format {
        COMPRESSION_FORMAT_NONE => ioctl_response(req, NtStatus::SUCCESS, &[]),
        COMPRESSION_FORMAT_DEFAULT | COMPRESSION_FORMAT_LZNT1 => Err(NtStatus::NOT_SUPPORTED),
        _ => Err(NtStatus::INVALID_PARAMETER),
    }
}

/// FSCTL_CREATE_OR_GET_OBJECT_ID.
pub(crate) async fn object_id<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &IoctlRequest<'_>,
) -> Answer {
    let open = server.open_for(call, req.file_id)?;
    if usize::try_from(req.max_output_response).unwrap_or(usize::MAX) < ObjectIdBuffer::LEN {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let info = server.info(&open).await?;
    let volume = server
        .share_of(&open)?
        .vfs
        .volume()
        .await
        .map_err(|e| e.status())?;
    let mut object_id = [0u8; 16];
    let (file, share) = object_id.split_at_mut(8);
    file.copy_from_slice(&info.file_id.to_le_bytes());
    share.copy_from_slice(
        &u64::try_from(open.data.share)
            .unwrap_or(u64::MAX)
            .to_le_bytes(),
    );
    let mut birth_volume_id = [0u8; 16];
    if let Some(serial) = birth_volume_id.get_mut(..4) {
        serial.copy_from_slice(&volume.serial.to_le_bytes());
    }
    let body = ObjectIdBuffer {
        object_id,
        birth_volume_id,
        birth_object_id: object_id,
        domain_id: [0; 16],
    };
    let mut out = Vec::with_capacity(ObjectIdBuffer::LEN);
    body.encode(&mut out);
    ioctl_response(req, NtStatus::SUCCESS, &out)
}
