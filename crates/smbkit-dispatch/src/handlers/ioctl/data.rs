//! FSCTLs about the data ranges of a file (MS-FSCC 2.3.51, 2.3.73; MS-FSA
//! 2.1.5.10.22, 2.1.5.10.33). No storage here keeps sparse files (the file
//! system does not announce FILE_SUPPORTS_SPARSE_FILES, and FSCTL_SET_SPARSE
//! stays INVALID_DEVICE_REQUEST), so every byte below the end of file is
//! allocated:
//!
//! * FSCTL_QUERY_ALLOCATED_RANGES: the input must hold one
//!   FILE_ALLOCATED_RANGE_BUFFER with a non-negative offset and length whose
//!   sum stays below 2^63 (else INVALID_PARAMETER); the open needs
//!   FILE_READ_DATA (else ACCESS_DENIED); MaxOutputResponse below one entry
//!   is BUFFER_TOO_SMALL. The answer is the queried range cut at the end of
//!   file, as one entry, or no entry when nothing of it lies below the end.
//! * FSCTL_SET_ZERO_DATA: the input must hold a FILE_ZERO_DATA_INFORMATION
//!   with 0 <= FileOffset <= BeyondFinalZero (else INVALID_PARAMETER); the
//!   open needs FILE_WRITE_DATA (ACCESS_DENIED), a directory is
//!   INVALID_PARAMETER, a read-only share MEDIA_WRITE_PROTECTED, a range
//!   another open's byte-range lock covers FILE_LOCK_CONFLICT. The bytes
//!   of the range below the end of file are overwritten with zeros, 1 MiB
//!   at a time; the end of file does not move.

use smbkit_state::Io;
use smbkit_vfs::Vfs;
use smbkit_wire::NtStatus;
use smbkit_wire::create::access;
use smbkit_wire::fsctl::file::{AllocatedRange, ZeroDataInformation};
use smbkit_wire::ioctl::IoctlRequest;

use super::ioctl_response;
use crate::Call;
use crate::files::FileServer;
use crate::handlers::Answer;

/// The largest file offset (LONGLONG).
const MAX_OFFSET: u64 = i64::MAX as u64;

/// Zeros written per storage call.
const ZERO_CHUNK: u64 = 1 << 20;

/// FSCTL_QUERY_ALLOCATED_RANGES.
pub(crate) async fn query_allocated_ranges<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &IoctlRequest<'_>,
) -> Answer {
    let open = server.open_for(call, req.file_id)?;
    let query = AllocatedRange::decode(req.input).map_err(|_| NtStatus::INVALID_PARAMETER)?;
    let in_range = query.file_offset <= MAX_OFFSET
        && query.length <= MAX_OFFSET
        && query
            .file_offset
            .checked_add(query.length)
            .is_some_and(|end| end <= MAX_OFFSET);
    if !in_range {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if open.data.granted & access::FILE_READ_DATA == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    if usize::try_from(req.max_output_response).unwrap_or(usize::MAX) < AllocatedRange::LEN {
        return Err(NtStatus::BUFFER_TOO_SMALL);
    }
    let size = server.info(&open).await?.size;
    let end = query.file_offset.saturating_add(query.length).min(size);
    let mut out = Vec::with_capacity(AllocatedRange::LEN);
    if end > query.file_offset {
        AllocatedRange {
            file_offset: query.file_offset,
            length: end.saturating_sub(query.file_offset),
        }
        .encode(&mut out);
    }
    ioctl_response(req, NtStatus::SUCCESS, &out)
}

/// FSCTL_SET_ZERO_DATA.
pub(crate) async fn set_zero_data<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &IoctlRequest<'_>,
) -> Answer {
    let open = server.open_for(call, req.file_id)?;
    let zero = ZeroDataInformation::decode(req.input).map_err(|_| NtStatus::INVALID_PARAMETER)?;
    if zero.file_offset > MAX_OFFSET
        || zero.beyond_final_zero > MAX_OFFSET
        || zero.file_offset > zero.beyond_final_zero
    {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if open.data.granted & access::FILE_WRITE_DATA == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    if open.data.is_dir {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let share = server.share_of(&open)?;
    if share.read_only {
        return Err(NtStatus::MEDIA_WRITE_PROTECTED);
    }
    server
        .locks
        .check_io(
            open.file,
            open.id,
            zero.file_offset,
            zero.beyond_final_zero.saturating_sub(zero.file_offset),
            Io::Write,
        )
        .map_err(|_| NtStatus::FILE_LOCK_CONFLICT)?;
    let size = server.info(&open).await?.size;
    let end = zero.beyond_final_zero.min(size);
    let mut at = zero.file_offset;
    let mut zeros = Vec::new();
    while at < end {
        let n = end.saturating_sub(at).min(ZERO_CHUNK);
        let n = usize::try_from(n).map_err(|_| NtStatus::INTERNAL_ERROR)?;
        zeros.resize(n, 0);
        let written = share
            .vfs
            .write_at(open.data.handle, at, &zeros)
            .await
            .map_err(|e| e.status())?;
        if written == 0 {
            return Err(NtStatus::DISK_FULL);
        }
        at = at.saturating_add(u64::try_from(written).map_err(|_| NtStatus::INTERNAL_ERROR)?);
    }
    ioctl_response(req, NtStatus::SUCCESS, &[])
}
