//! FSCTLs about the data ranges of a file: sparse files (MS-FSCC 2.3.51,
//! 2.3.71, 2.3.73; MS-FSA 2.1.5.10.22, 2.1.5.10.35, 2.1.5.10.33). The
//! share announces FILE_SUPPORTS_SPARSE_FILES; the storage keeps the
//! SPARSE_FILE attribute, punches holes and finds data
//! ([`Vfs::set_sparse`], [`Vfs::punch_hole`], [`Vfs::allocated_ranges`]).
//!
//! * FSCTL_SET_SPARSE: files only (a directory is INVALID_PARAMETER); the
//!   open needs FILE_WRITE_DATA, FILE_APPEND_DATA or FILE_WRITE_ATTRIBUTES
//!   (else ACCESS_DENIED); a read-only share is MEDIA_WRITE_PROTECTED. No
//!   input means "set", else the first byte (non-zero sets, zero clears);
//!   longer inputs are accepted, as Windows does.
//! * FSCTL_QUERY_ALLOCATED_RANGES: the input must hold one
//!   FILE_ALLOCATED_RANGE_BUFFER with a non-negative offset and length whose
//!   sum stays below 2^63 (else INVALID_PARAMETER); the open needs
//!   FILE_READ_DATA (else ACCESS_DENIED). A sparse file answers the ranges
//!   that hold data; any other file the queried range cut at the end of
//!   file (all of it is allocated). When the entries do not fit in
//!   MaxOutputResponse: BUFFER_TOO_SMALL if not even one does, else
//!   BUFFER_OVERFLOW with those that fit.
//! * FSCTL_SET_ZERO_DATA: the input must hold a FILE_ZERO_DATA_INFORMATION
//!   with 0 <= FileOffset <= BeyondFinalZero (else INVALID_PARAMETER); the
//!   open needs FILE_WRITE_DATA (ACCESS_DENIED), a directory is
//!   INVALID_PARAMETER, a read-only share MEDIA_WRITE_PROTECTED, a range
//!   another open's byte-range lock covers FILE_LOCK_CONFLICT. The part of
//!   the range below the end of file reads as zeros afterwards: a sparse
//!   file gets a hole, any other file is overwritten with zeros (1 MiB at a
//!   time) and stays allocated. The end of file never moves.

use smbkit_state::Io;
use smbkit_vfs::DosAttributes;
use smbkit_vfs::Vfs;
use smbkit_wire::NtStatus;
use smbkit_wire::create::access;
use smbkit_wire::fsctl::file::{AllocatedRange, SetSparse, ZeroDataInformation};
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
    let info = server.info(&open).await?;
    let ranges = if query.length == 0 {
        Vec::new()
    } else if info.attributes.contains(DosAttributes::SPARSE_FILE) {
        server
            .share_of(&open)?
            .vfs
            .allocated_ranges(open.data.handle, query.file_offset, query.length)
            .await
            .map_err(|e| e.status())?
    } else {
        let end = query
            .file_offset
            .saturating_add(query.length)
            .min(info.size);
        if end > query.file_offset {
            vec![(query.file_offset, end.saturating_sub(query.file_offset))]
        } else {
            Vec::new()
        }
    };
    let room = usize::try_from(req.max_output_response).unwrap_or(usize::MAX) / AllocatedRange::LEN;
    if !ranges.is_empty() && room == 0 {
        return Err(NtStatus::BUFFER_TOO_SMALL);
    }
    let status = if ranges.len() > room {
        NtStatus::BUFFER_OVERFLOW
    } else {
        NtStatus::SUCCESS
    };
    let mut out = Vec::with_capacity(ranges.len().min(room).saturating_mul(AllocatedRange::LEN));
    for &(file_offset, length) in ranges.iter().take(room) {
        AllocatedRange {
            file_offset,
            length,
        }
        .encode(&mut out);
    }
    ioctl_response(req, status, &out)
}

/// FSCTL_SET_SPARSE.
pub(crate) async fn set_sparse<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &IoctlRequest<'_>,
) -> Answer {
    let open = server.open_for(call, req.file_id)?;
    if open.data.is_dir {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let may = access::FILE_WRITE_DATA | access::FILE_APPEND_DATA | access::FILE_WRITE_ATTRIBUTES;
    if open.data.granted & may == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let share = server.share_of(&open)?;
    if share.read_only {
        return Err(NtStatus::MEDIA_WRITE_PROTECTED);
    }
    let sparse = SetSparse::decode(req.input).sparse;
    share
        .vfs
        .set_sparse(open.data.handle, sparse)
        .await
        .map_err(|e| e.status())?;
    ioctl_response(req, NtStatus::SUCCESS, &[])
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
    let info = server.info(&open).await?;
    let end = zero.beyond_final_zero.min(info.size);
    if end <= zero.file_offset {
        return ioctl_response(req, NtStatus::SUCCESS, &[]);
    }
    if info.attributes.contains(DosAttributes::SPARSE_FILE) {
        let punched = share
            .vfs
            .punch_hole(
                open.data.handle,
                zero.file_offset,
                end.saturating_sub(zero.file_offset),
            )
            .await;
        match punched {
            Ok(()) => return ioctl_response(req, NtStatus::SUCCESS, &[]),
            // No holes here: zeros do the same for the reader.
            Err(smbkit_vfs::VfsError::NotSupported(_)) => {}
            Err(e) => return Err(e.status()),
        }
    }
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
