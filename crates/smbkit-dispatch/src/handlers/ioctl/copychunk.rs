//! Server-side copy: FSCTL_SRV_REQUEST_RESUME_KEY, FSCTL_SRV_COPYCHUNK and
//! FSCTL_SRV_COPYCHUNK_WRITE (MS-SMB2 3.3.5.15.5, 3.3.5.15.6).
//!
//! * The destination is the IOCTL's FileId (an open of the caller); the
//!   source is the open the SourceKey names, on any tree or session of
//!   this server ([`super::resume_key`]). An unknown or dead key is
//!   STATUS_OBJECT_NAME_NOT_FOUND.
//! * MaxOutputResponse below 12 bytes is STATUS_INVALID_PARAMETER.
//! * A request over the limits ([`MAX_CHUNKS`] chunks, [`MAX_CHUNK_SIZE`]
//!   per chunk, [`MAX_TOTAL_SIZE`] in all; Windows' values), a zero-length
//!   chunk, or an input shorter than its ChunkCount is
//!   STATUS_INVALID_PARAMETER with a SRV_COPYCHUNK_RESPONSE that carries
//!   the limits (3.3.5.15.6.2).
//! * The source needs FILE_READ_DATA or FILE_EXECUTE, the destination FILE_WRITE_DATA and,
//!   for FSCTL_SRV_COPYCHUNK (not _WRITE), FILE_READ_DATA too: else
//!   STATUS_ACCESS_DENIED. Directories are STATUS_INVALID_DEVICE_REQUEST.
//! * Chunks are copied in order, each read whole into memory (at most
//!   1 MiB) before it is written, so a copy within one file whose ranges
//!   overlap writes what the source held before the chunk. A chunk that
//!   reaches past the source's end of file stops the copy with
//!   STATUS_INVALID_VIEW_SIZE. Any failure after the first byte moved is
//!   answered with the SRV_COPYCHUNK_RESPONSE of what was done so far
//!   beside the status, as Windows and Samba do.
//! * Byte-range locks of other opens apply per chunk as they do to READ
//!   (source range) and WRITE (target range): a conflict stops the copy
//!   with STATUS_FILE_LOCK_CONFLICT and the progress so far.

use smbkit_state::Io;
use smbkit_vfs::Vfs;
use smbkit_wire::create::access;
use smbkit_wire::fsctl::{CopychunkCopy, CopychunkResponse, ResumeKeyResponse};
use smbkit_wire::ioctl::IoctlRequest;
use smbkit_wire::{NtStatus, fsctl};

use super::ioctl_response;
use crate::Call;
use crate::files::{FileServer, OpenRef};
use crate::handlers::Answer;
use crate::handlers::access::can_read;

/// ServerSideCopyMaxNumberofChunks.
pub(crate) const MAX_CHUNKS: u32 = 256;
/// ServerSideCopyMaxChunkSize.
pub(crate) const MAX_CHUNK_SIZE: u32 = 1 << 20;
/// ServerSideCopyMaxDataSize.
pub(crate) const MAX_TOTAL_SIZE: u32 = 16 << 20;

/// The answer to a request over the limits.
const LIMITS: CopychunkResponse = CopychunkResponse {
    chunks_written: MAX_CHUNKS,
    chunk_bytes_written: MAX_CHUNK_SIZE,
    total_bytes_written: MAX_TOTAL_SIZE,
};

/// FSCTL_SRV_REQUEST_RESUME_KEY.
pub(crate) fn request_resume_key<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &IoctlRequest<'_>,
) -> Answer {
    let open = server.open_for(call, req.file_id)?;
    if usize::try_from(req.max_output_response).unwrap_or(usize::MAX) < ResumeKeyResponse::LEN {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let key = server.resume_keys.key_for(&open)?;
    let mut out = Vec::with_capacity(ResumeKeyResponse::LEN);
    ResumeKeyResponse { key }.encode(&mut out);
    ioctl_response(req, NtStatus::SUCCESS, &out)
}

/// The live open a resume key names.
fn source_open<V: Vfs>(server: &FileServer<V>, input: &[u8]) -> Result<OpenRef, NtStatus> {
    let key = CopychunkCopy::peek_source_key(input).ok_or(NtStatus::INVALID_PARAMETER)?;
    let open = server
        .resume_keys
        .find(&key)
        .ok_or(NtStatus::OBJECT_NAME_NOT_FOUND)?;
    let live = server
        .opens
        .get(open.id)
        .is_some_and(|o| std::sync::Arc::ptr_eq(&o, &open));
    if !live || open.data.pipe.is_some() {
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    Ok(open)
}

/// Whether the request stays within the limits.
fn within_limits(copy: &CopychunkCopy) -> bool {
    if copy.chunks.len() > usize::try_from(MAX_CHUNKS).unwrap_or(usize::MAX) {
        return false;
    }
    let mut total: u64 = 0;
    for c in &copy.chunks {
        if c.length == 0 || c.length > MAX_CHUNK_SIZE {
            return false;
        }
        total = total.saturating_add(u64::from(c.length));
    }
    total <= u64::from(MAX_TOTAL_SIZE)
}

/// FSCTL_SRV_COPYCHUNK and FSCTL_SRV_COPYCHUNK_WRITE.
pub(crate) async fn copychunk<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &IoctlRequest<'_>,
) -> Answer {
    let dest = server.open_for(call, req.file_id)?;
    let source = source_open(server, req.input)?;
    if usize::try_from(req.max_output_response).unwrap_or(usize::MAX) < CopychunkResponse::LEN {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let copy = match CopychunkCopy::decode(req.input) {
        Ok(copy) if within_limits(&copy) => copy,
        _ => return ioctl_response(req, NtStatus::INVALID_PARAMETER, &LIMITS.to_vec()),
    };
    let dest_needs = if req.ctl_code == fsctl::SRV_COPYCHUNK {
        access::FILE_WRITE_DATA | access::FILE_READ_DATA
    } else {
        access::FILE_WRITE_DATA
    };
    if !can_read(source.data.granted) || dest.data.granted & dest_needs != dest_needs {
        return Err(NtStatus::ACCESS_DENIED);
    }
    if source.data.is_dir || dest.data.is_dir {
        return Err(NtStatus::INVALID_DEVICE_REQUEST);
    }
    if server.share_of(&dest)?.read_only {
        return Err(NtStatus::MEDIA_WRITE_PROTECTED);
    }
    let mut done = CopychunkResponse::default();
    for chunk in &copy.chunks {
        let moved = copy_one(server, &source, &dest, chunk).await;
        match moved {
            Ok(n) => {
                done.chunks_written = done.chunks_written.saturating_add(1);
                done.total_bytes_written = done.total_bytes_written.saturating_add(n);
            }
            Err(status) => {
                tracing::debug!(%status, chunks = done.chunks_written, "copychunk stopped");
                return ioctl_response(req, status, &done.to_vec());
            }
        }
    }
    ioctl_response(req, NtStatus::SUCCESS, &done.to_vec())
}

/// Copies one chunk; the bytes written.
async fn copy_one<V: Vfs>(
    server: &FileServer<V>,
    source: &OpenRef,
    dest: &OpenRef,
    chunk: &smbkit_wire::fsctl::Chunk,
) -> Result<u32, NtStatus> {
    let src_share = server.share_of(source)?;
    let dst_share = server.share_of(dest)?;
    let size = server.info(source).await?.size;
    let end = chunk
        .source_offset
        .checked_add(u64::from(chunk.length))
        .ok_or(NtStatus::INVALID_VIEW_SIZE)?;
    if end > size {
        return Err(NtStatus::INVALID_VIEW_SIZE);
    }
    // Byte-range locks held by other opens apply as to READ and WRITE.
    server
        .locks
        .check_io(
            source.file,
            source.id,
            chunk.source_offset,
            chunk.length.into(),
            Io::Read,
        )
        .map_err(|_| NtStatus::FILE_LOCK_CONFLICT)?;
    server
        .locks
        .check_io(
            dest.file,
            dest.id,
            chunk.target_offset,
            chunk.length.into(),
            Io::Write,
        )
        .map_err(|_| NtStatus::FILE_LOCK_CONFLICT)?;
    let len = usize::try_from(chunk.length).map_err(|_| NtStatus::INVALID_PARAMETER)?;
    let data = src_share
        .vfs
        .read_at(source.data.handle, chunk.source_offset, len)
        .await
        .map_err(|e| e.status())?;
    if data.len() < len {
        // The source shrank under us.
        return Err(NtStatus::INVALID_VIEW_SIZE);
    }
    let written = dst_share
        .vfs
        .write_at(dest.data.handle, chunk.target_offset, &data)
        .await
        .map_err(|e| e.status())?;
    u32::try_from(written).map_err(|_| NtStatus::INTERNAL_ERROR)
}
