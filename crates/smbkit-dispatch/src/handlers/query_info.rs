//! QUERY_INFO (MS-SMB2 3.3.5.20): file classes here, file-system classes in
//! `query_fs`, security descriptors in `security`; quota is NOT_SUPPORTED.
//!
//! Output rules (3.3.5.20.1/.2, MS-FSA 2.1.5.12): OutputBufferLength below
//! a class's minimum ([`InfoClass::MIN_OUTPUT_LEN`]: a fixed-size class's
//! size; for a class ending in a name, the structure with its first name
//! character, aligned) is STATUS_INFO_LENGTH_MISMATCH; a variable part that
//! does not fit is cut with STATUS_BUFFER_OVERFLOW in a success-shaped
//! response (FileStreamInformation keeps whole entries only). Security
//! descriptors are never cut: STATUS_BUFFER_TOO_SMALL with the needed size.
//!
//! Short names (FileAlternateNameInformation): a name that is already a
//! valid 8.3 name is its own short name; any other gets a deterministic
//! `PREF~XYZ.EXT` form from a hash of the name (as Samba's hash mangling
//! does). The server does not resolve short names in CREATE.

use smbkit_session::Dialect;
use smbkit_vfs::{FileInfo, Vfs};
use smbkit_wire::codec::string_to_utf16le;
use smbkit_wire::fscc::{
    COMPRESSION_FORMAT_NONE, FileAccessInformation, FileAlignmentInformation, FileAllInformation,
    FileAlternateNameInformation, FileAttributeTagInformation, FileBasicInformation,
    FileCompressionInformation, FileEaInformation, FileIdInformation, FileInternalInformation,
    FileModeInformation, FileNameInformation, FileNetworkOpenInformation,
    FileNormalizedNameInformation, FilePositionInformation, FileStandardInformation,
    FileStreamInformation, InfoClass, StreamEntry, class, fit_output,
};
use smbkit_wire::query_info::{QueryInfoRequest, QueryInfoResponse, info_type};
use smbkit_wire::{NtStatus, Pdu, WireError};

use super::{Answer, encode_failed, malformed, query_fs, security};
use crate::files::{FileServer, OpenRef};
use crate::{Call, Response};

/// FILE_READ_ATTRIBUTES.
const READ_ATTRIBUTES: u32 = 0x0000_0080;
/// FILE_READ_EA.
const READ_EA: u32 = 0x0000_0008;
/// The CreateOptions bits FileModeInformation reports (MS-FSCC 2.4.31).
const MODE_BITS: u32 =
    0x0000_0002 | 0x0000_0004 | 0x0000_0008 | 0x0000_0010 | 0x0000_0020 | 0x0000_1000;

/// The response carrying `output` with `status` (SUCCESS or
/// BUFFER_OVERFLOW).
pub(crate) fn output_response(output: &[u8], status: NtStatus) -> Answer {
    let body = QueryInfoResponse { output }
        .encode_body_to_vec()
        .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(status, body))
}

/// Fits an encoded single-record class into the client's buffer
/// (`min_len`: the class's [`InfoClass::MIN_OUTPUT_LEN`]).
pub(crate) fn fitted(bytes: Result<Vec<u8>, WireError>, min_len: usize, limit: u32) -> Answer {
    let bytes = bytes.map_err(|e| encode_failed(&e))?;
    let (bytes, status) = fit_output(bytes, min_len, limit)?;
    output_response(&bytes, status)
}

fn class_answer<'a, C: InfoClass<'a>>(value: &C, limit: u32) -> Answer {
    fitted(value.to_bytes(), C::MIN_OUTPUT_LEN, limit)
}

/// FileStreamInformation within `limit`: INFO_LENGTH_MISMATCH below the
/// minimum, else as many whole entries as fit, with BUFFER_OVERFLOW when
/// some were left out (MS-FSA 2.1.5.12.29).
fn streams_answer(entries: &[StreamEntry<'_>], limit: u32) -> Answer {
    let max = usize::try_from(limit).unwrap_or(usize::MAX);
    if max < FileStreamInformation::MIN_OUTPUT_LEN {
        return Err(NtStatus::INFO_LENGTH_MISMATCH);
    }
    let mut take = entries.len();
    loop {
        let kept = entries.get(..take).unwrap_or_default().to_vec();
        let bytes = FileStreamInformation { entries: kept }
            .to_bytes()
            .map_err(|e| encode_failed(&e))?;
        if bytes.len() <= max {
            let status = if take == entries.len() {
                NtStatus::SUCCESS
            } else {
                NtStatus::BUFFER_OVERFLOW
            };
            return output_response(&bytes, status);
        }
        take = take.checked_sub(1).ok_or(NtStatus::INFO_LENGTH_MISMATCH)?;
    }
}

/// Characters MS-DOS allows in an 8.3 name besides ASCII letters and digits.
const DOS_EXTRA: &str = "!#$%&'()-@^_`{}~";

fn dos_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || DOS_EXTRA.contains(c)
}

/// Whether `name` is already a valid 8.3 name: 1–8 DOS characters,
/// optionally a dot and 1–3 more.
pub(crate) fn is_8_3(name: &str) -> bool {
    if name == "." || name == ".." {
        return true;
    }
    let (base, ext) = match name.split_once('.') {
        Some((b, e)) => (b, Some(e)),
        None => (name, None),
    };
    let ok = |part: &str, max: usize| {
        !part.is_empty() && part.len() <= max && part.chars().all(dos_char)
    };
    ok(base, 8) && ext.is_none_or(|e| ok(e, 3))
}

/// The 8.3 short name of `name` (see the module documentation).
pub(crate) fn short_name(name: &str) -> String {
    if is_8_3(name) {
        return name.to_owned();
    }
    // FNV-1a over the upper-cased name: the same for every spelling.
    let mut hash: u32 = 0x811c_9dc5;
    for b in name.to_uppercase().bytes() {
        hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    let (base, ext) = match name.rsplit_once('.') {
        Some((b, e)) if !b.is_empty() && !e.is_empty() => (b, e),
        _ => (name, ""),
    };
    let upper = |s: &str, n: usize| -> String {
        s.chars()
            .filter(|c| dos_char(*c))
            .take(n)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let mut out = upper(base, 4);
    if out.is_empty() {
        out.push('_');
    }
    out.push('~');
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for _ in 0..3 {
        let i = usize::try_from(hash % 36).unwrap_or(0);
        out.push(DIGITS.get(i).map_or('0', |d| char::from(*d)));
        hash /= 36;
    }
    let ext = upper(ext, 3);
    if !ext.is_empty() {
        out.push('.');
        out.push_str(&ext);
    }
    out
}

pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    let req = QueryInfoRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let open = server.lookup(call, req.file_id)?;
    if req.output_buffer_length > server.limits.max_transact {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if open.data.pipe.is_some() {
        return super::pipe::query_info(&req);
    }
    match req.info_type {
        info_type::FILE => file_class(server, call, &open, &req).await,
        info_type::FILESYSTEM => query_fs::answer(server, &open, &req).await,
        info_type::SECURITY => security::answer(server, call, &open, &req).await,
        info_type::QUOTA => Err(NtStatus::NOT_SUPPORTED),
        _ => Err(NtStatus::INVALID_PARAMETER),
    }
}

fn basic(info: &FileInfo) -> FileBasicInformation {
    FileBasicInformation {
        creation_time: info.creation_time.0,
        last_access_time: info.last_access_time.0,
        last_write_time: info.last_write_time.0,
        change_time: info.change_time.0,
        file_attributes: info.attributes.bits(),
    }
}

fn standard(info: &FileInfo, delete_pending: bool) -> FileStandardInformation {
    FileStandardInformation {
        allocation_size: super::reported_sizes(info).0,
        end_of_file: super::reported_sizes(info).1,
        // A delete-pending name no longer counts as a link (as Windows and Samba report).
        number_of_links: u32::try_from(info.nlink)
            .unwrap_or(u32::MAX)
            .saturating_sub(u32::from(delete_pending)),
        delete_pending,
        directory: info.is_dir,
    }
}

/// Classes that exist only for SET_INFO or QUERY_DIRECTORY: not valid here.
fn invalid_for_query(c: u8) -> bool {
    matches!(
        c,
        class::FILE_DIRECTORY_INFORMATION
            | class::FILE_FULL_DIRECTORY_INFORMATION
            | class::FILE_BOTH_DIRECTORY_INFORMATION
            | class::FILE_RENAME_INFORMATION
            | class::FILE_LINK_INFORMATION
            | class::FILE_NAMES_INFORMATION
            | class::FILE_DISPOSITION_INFORMATION
            | class::FILE_ALLOCATION_INFORMATION
            | class::FILE_END_OF_FILE_INFORMATION
            | class::FILE_ID_BOTH_DIRECTORY_INFORMATION
            | class::FILE_ID_FULL_DIRECTORY_INFORMATION
            | class::FILE_VALID_DATA_LENGTH_INFORMATION
            | class::FILE_SHORT_NAME_INFORMATION
            | class::FILE_ID_EXTD_DIRECTORY_INFORMATION
            | class::FILE_DISPOSITION_INFORMATION_EX
            | class::FILE_RENAME_INFORMATION_EX
    ) || c == 0
        || c > 78
}

async fn file_class<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    open: &OpenRef,
    req: &QueryInfoRequest<'_>,
) -> Answer {
    let c = req.file_info_class;
    let limit = req.output_buffer_length;
    let granted = open.data.granted;
    let needs_attributes = matches!(
        c,
        class::FILE_BASIC_INFORMATION
            | class::FILE_ALL_INFORMATION
            | class::FILE_NETWORK_OPEN_INFORMATION
            | class::FILE_ATTRIBUTE_TAG_INFORMATION
    );
    if needs_attributes && granted & READ_ATTRIBUTES == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let dialect = call.request.session.dialect;
    let info = server.info(open).await?;
    let delete_pending = server.opens.delete_pending(open.file);
    // FileNameInformation: the path from the share root, with a leading
    // backslash (MS-FSCC 2.4.28), in its on-disk case; `file:stream` for
    // a stream open.
    let open_name = || {
        server
            .opens
            .name(open.file)
            .unwrap_or_else(|| server.path_of(open).to_string())
    };
    let full_name = || string_to_utf16le(&format!("\\{}", open_name()));
    match c {
        class::FILE_BASIC_INFORMATION => class_answer(&basic(&info), limit),
        class::FILE_STANDARD_INFORMATION => class_answer(&standard(&info, delete_pending), limit),
        class::FILE_INTERNAL_INFORMATION => class_answer(
            &FileInternalInformation {
                index_number: info.file_id,
            },
            limit,
        ),
        class::FILE_EA_INFORMATION => class_answer(&FileEaInformation { ea_size: 0 }, limit),
        class::FILE_ACCESS_INFORMATION => class_answer(
            &FileAccessInformation {
                access_flags: granted,
            },
            limit,
        ),
        class::FILE_POSITION_INFORMATION => class_answer(
            &FilePositionInformation {
                current_byte_offset: open.position(),
            },
            limit,
        ),
        class::FILE_MODE_INFORMATION => class_answer(
            &FileModeInformation {
                mode: open.mode().unwrap_or(open.data.options & MODE_BITS),
            },
            limit,
        ),
        class::FILE_ALIGNMENT_INFORMATION => class_answer(
            &FileAlignmentInformation {
                alignment_requirement: 0,
            },
            limit,
        ),
        class::FILE_NAME_INFORMATION => {
            let name = full_name();
            class_answer(&FileNameInformation { file_name: &name }, limit)
        }
        class::FILE_ALL_INFORMATION => {
            let name = full_name();
            let all = FileAllInformation {
                basic: basic(&info),
                standard: standard(&info, delete_pending),
                internal: FileInternalInformation {
                    index_number: info.file_id,
                },
                ea: FileEaInformation { ea_size: 0 },
                access: FileAccessInformation {
                    access_flags: granted,
                },
                position: FilePositionInformation {
                    current_byte_offset: open.position(),
                },
                mode: FileModeInformation {
                    mode: open.mode().unwrap_or(open.data.options & MODE_BITS),
                },
                alignment: FileAlignmentInformation {
                    alignment_requirement: 0,
                },
                name: FileNameInformation { file_name: &name },
            };
            class_answer(&all, limit)
        }
        class::FILE_ALTERNATE_NAME_INFORMATION => {
            // The share root has no short name (MS-FSA 2.1.5.12.3).
            let path = server.path_of(open);
            let name = path.file_name().ok_or(NtStatus::OBJECT_NAME_NOT_FOUND)?;
            let short = string_to_utf16le(&short_name(name));
            class_answer(&FileAlternateNameInformation { file_name: &short }, limit)
        }
        class::FILE_COMPRESSION_INFORMATION => class_answer(
            &FileCompressionInformation {
                compressed_file_size: super::reported_sizes(&info).1,
                compression_format: COMPRESSION_FORMAT_NONE,
                compression_unit_shift: 0,
                chunk_shift: 0,
                cluster_shift: 0,
            },
            limit,
        ),
        class::FILE_STREAM_INFORMATION => {
            // The unnamed stream first, then every named one as
            // `:name:$DATA` (MS-FSA 2.1.5.12.29); a directory has none.
            let named = server
                .share_of(open)?
                .vfs
                .streams(open.data.handle)
                .await
                .map_err(|e| e.status())?;
            let mut names = Vec::with_capacity(named.len().saturating_add(1));
            if !info.is_dir {
                names.push((
                    string_to_utf16le("::$DATA"),
                    info.size,
                    info.allocation_size,
                ));
            }
            for (name, size) in named {
                let allocation = size.div_ceil(8).saturating_mul(8);
                names.push((
                    string_to_utf16le(&format!(":{name}:$DATA")),
                    size,
                    allocation,
                ));
            }
            let entries: Vec<StreamEntry<'_>> = names
                .iter()
                .map(|(name, size, allocation)| StreamEntry {
                    name,
                    size: *size,
                    allocation_size: *allocation,
                })
                .collect();
            streams_answer(&entries, limit)
        }
        class::FILE_NETWORK_OPEN_INFORMATION => class_answer(
            &FileNetworkOpenInformation {
                creation_time: info.creation_time.0,
                last_access_time: info.last_access_time.0,
                last_write_time: info.last_write_time.0,
                change_time: info.change_time.0,
                allocation_size: super::reported_sizes(&info).0,
                end_of_file: super::reported_sizes(&info).1,
                file_attributes: info.attributes.bits(),
            },
            limit,
        ),
        class::FILE_ATTRIBUTE_TAG_INFORMATION => class_answer(
            &FileAttributeTagInformation {
                file_attributes: info.attributes.bits(),
                reparse_tag: 0,
            },
            limit,
        ),
        class::FILE_NORMALIZED_NAME_INFORMATION => {
            // 3.1.1 only (MS-SMB2 3.3.5.20.1). The name without the leading
            // backslash, as the open knows it.
            if dialect != Dialect::Smb311 {
                return Err(NtStatus::NOT_SUPPORTED);
            }
            let name = string_to_utf16le(&open_name());
            class_answer(&FileNormalizedNameInformation { file_name: &name }, limit)
        }
        class::FILE_ID_INFORMATION => {
            if matches!(dialect, Dialect::Smb202 | Dialect::Smb210) {
                return Err(NtStatus::NOT_SUPPORTED);
            }
            let share = server.share_of(open)?;
            let serial = share.vfs.volume().await.map_err(|e| e.status())?.serial;
            let mut file_id = [0u8; 16];
            if let Some(head) = file_id.get_mut(..8) {
                head.copy_from_slice(&info.file_id.to_le_bytes());
            }
            class_answer(
                &FileIdInformation {
                    volume_serial_number: u64::from(serial),
                    file_id,
                },
                limit,
            )
        }
        // FILE_READ_EA is required (MS-SMB2 3.3.5.20.1); no EAs are stored.
        class::FILE_FULL_EA_INFORMATION if granted & READ_EA == 0 => Err(NtStatus::ACCESS_DENIED),
        class::FILE_FULL_EA_INFORMATION => {
            super::ea::query(server.share_of(open)?.vfs.as_ref(), open.data.handle, limit).await
        }
        c if invalid_for_query(c) => Err(NtStatus::INVALID_INFO_CLASS),
        _ => Err(NtStatus::NOT_SUPPORTED),
    }
}
