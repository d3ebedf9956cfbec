//! QUERY_INFO (MS-SMB2 3.3.5.20): file classes here, file-system classes in
//! `query_fs`, security descriptors in `security`; quota is NOT_SUPPORTED.
//!
//! Output rules (3.3.5.20.1/.2): OutputBufferLength below a class's fixed
//! part is STATUS_INFO_LENGTH_MISMATCH; a variable part that does not fit
//! is cut with STATUS_BUFFER_OVERFLOW in a success-shaped response.
//! Security descriptors are never cut: STATUS_BUFFER_TOO_SMALL with the
//! needed size.

use smbkit_session::Dialect;
use smbkit_vfs::{FileInfo, Vfs};
use smbkit_wire::codec::string_to_utf16le;
use smbkit_wire::fscc::{
    FileAccessInformation, FileAlignmentInformation, FileAllInformation,
    FileAttributeTagInformation, FileBasicInformation, FileEaInformation, FileIdInformation,
    FileInternalInformation, FileModeInformation, FileNameInformation, FileNetworkOpenInformation,
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

/// Fits an encoded single-record class into the client's buffer.
pub(crate) fn fitted(bytes: Result<Vec<u8>, WireError>, fixed_len: usize, limit: u32) -> Answer {
    let bytes = bytes.map_err(|e| encode_failed(&e))?;
    let (bytes, status) = fit_output(bytes, fixed_len, limit)?;
    output_response(&bytes, status)
}

fn class_answer<'a, C: InfoClass<'a>>(value: &C, limit: u32) -> Answer {
    fitted(value.to_bytes(), C::FIXED_LEN, limit)
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
        info_type::SECURITY => security::answer(call, &open, &req),
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
        number_of_links: u32::try_from(info.nlink).unwrap_or(u32::MAX),
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
    // backslash (MS-FSCC 2.4.28).
    let full_name = || string_to_utf16le(&format!("\\{}", server.path_of(open)));
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
                current_byte_offset: 0,
            },
            limit,
        ),
        class::FILE_MODE_INFORMATION => class_answer(
            &FileModeInformation {
                mode: open.data.options & MODE_BITS,
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
                    current_byte_offset: 0,
                },
                mode: FileModeInformation {
                    mode: open.data.options & MODE_BITS,
                },
                alignment: FileAlignmentInformation {
                    alignment_requirement: 0,
                },
                name: FileNameInformation { file_name: &name },
            };
            class_answer(&all, limit)
        }
        // No 8.3 short names are generated. NOT_SUPPORTED (rather than
        // MS-FSA's OBJECT_NAME_NOT_FOUND for "no short name") is what
        // smbclient's `allinfo` accepts and continues after.
        class::FILE_ALTERNATE_NAME_INFORMATION => Err(NtStatus::NOT_SUPPORTED),
        class::FILE_STREAM_INFORMATION => {
            let name = string_to_utf16le("::$DATA");
            let entries = if info.is_dir {
                Vec::new()
            } else {
                vec![StreamEntry {
                    name: &name,
                    size: info.size,
                    allocation_size: info.allocation_size,
                }]
            };
            let fixed = if info.is_dir { 0 } else { 24 };
            fitted(FileStreamInformation { entries }.to_bytes(), fixed, limit)
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
            let name = string_to_utf16le(&server.path_of(open).to_string());
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
        class::FILE_FULL_EA_INFORMATION => Err(NtStatus::NO_EAS_ON_FILE),
        c if invalid_for_query(c) => Err(NtStatus::INVALID_INFO_CLASS),
        _ => Err(NtStatus::NOT_SUPPORTED),
    }
}
