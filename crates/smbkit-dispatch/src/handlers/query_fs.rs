//! QUERY_INFO for file-system classes (MS-SMB2 3.3.5.20.2, MS-FSCC 2.5).
//!
//! FileFsAttributeInformation advertises only what the server does:
//! CASE_PRESERVED_NAMES | UNICODE_ON_DISK (lookups ignore case, names keep
//! theirs), plus READ_ONLY_VOLUME on a read-only share; no ACLs, streams,
//! sparse files or reparse points. The file system name is the storage's
//! (`"NTFS"` by default, what clients expect). FileFsControlInformation
//! reports quotas off.

use smbkit_vfs::{SmbPath, Vfs};
use smbkit_wire::NtStatus;
use smbkit_wire::codec::string_to_utf16le;
use smbkit_wire::fscc::{
    FILE_DEVICE_DISK, FileFsAttributeInformation, FileFsControlInformation,
    FileFsDeviceInformation, FileFsFullSizeInformation, FileFsObjectIdInformation,
    FileFsSectorSizeInformation, FileFsSizeInformation, FileFsVolumeInformation, InfoClass,
    device_characteristics, fs_attributes, fs_class, sector_size_flags,
};
use smbkit_wire::query_info::QueryInfoRequest;

use super::Answer;
use super::query_info::fitted;
use crate::files::{FileServer, OpenRef};

/// Bytes per sector we report.
const SECTOR: u32 = 512;

fn class_answer<'a, C: InfoClass<'a>>(value: &C, limit: u32) -> Answer {
    fitted(value.to_bytes(), C::MIN_OUTPUT_LEN, limit)
}

pub(crate) async fn answer<V: Vfs>(
    server: &FileServer<V>,
    open: &OpenRef,
    req: &QueryInfoRequest<'_>,
) -> Answer {
    let share = server.share_of(open)?;
    let limit = req.output_buffer_length;
    let volume = share.vfs.volume().await.map_err(|e| e.status())?;
    let block = volume.block_size.max(SECTOR);
    let units = |bytes: u64| bytes.checked_div(u64::from(block)).unwrap_or(0);
    let sectors_per_unit = block.checked_div(SECTOR).unwrap_or(1);
    match req.file_info_class {
        fs_class::FILE_FS_VOLUME_INFORMATION => {
            // The share name as the label, kept short so smbprotocol's
            // 88-byte buffer holds it.
            let label: String = share.name.chars().take(32).collect();
            let label = string_to_utf16le(&label);
            let created = share
                .vfs
                .stat(&SmbPath::root())
                .await
                .map(|i| i.creation_time.0)
                .unwrap_or(0);
            class_answer(
                &FileFsVolumeInformation {
                    volume_creation_time: created,
                    volume_serial_number: volume.serial,
                    supports_objects: false,
                    volume_label: &label,
                },
                limit,
            )
        }
        fs_class::FILE_FS_SIZE_INFORMATION => class_answer(
            &FileFsSizeInformation {
                total_allocation_units: units(volume.total),
                available_allocation_units: units(volume.free),
                sectors_per_allocation_unit: sectors_per_unit,
                bytes_per_sector: SECTOR,
            },
            limit,
        ),
        fs_class::FILE_FS_FULL_SIZE_INFORMATION => class_answer(
            &FileFsFullSizeInformation {
                total_allocation_units: units(volume.total),
                caller_available_allocation_units: units(volume.free),
                actual_available_allocation_units: units(volume.free),
                sectors_per_allocation_unit: sectors_per_unit,
                bytes_per_sector: SECTOR,
            },
            limit,
        ),
        fs_class::FILE_FS_DEVICE_INFORMATION => {
            let mut characteristics = device_characteristics::DEVICE_IS_MOUNTED;
            if share.read_only {
                characteristics |= device_characteristics::READ_ONLY_DEVICE;
            }
            class_answer(
                &FileFsDeviceInformation {
                    device_type: FILE_DEVICE_DISK,
                    characteristics,
                },
                limit,
            )
        }
        fs_class::FILE_FS_ATTRIBUTE_INFORMATION => {
            let mut attributes = fs_attributes::CASE_PRESERVED_NAMES
                | fs_attributes::UNICODE_ON_DISK
                | fs_attributes::SUPPORTS_SPARSE_FILES;
            if share.read_only {
                attributes |= fs_attributes::READ_ONLY_VOLUME;
            }
            let name = string_to_utf16le(&volume.fs_name);
            class_answer(
                &FileFsAttributeInformation {
                    file_system_attributes: attributes,
                    maximum_component_name_length: 255,
                    file_system_name: &name,
                },
                limit,
            )
        }
        fs_class::FILE_FS_SECTOR_SIZE_INFORMATION => class_answer(
            &FileFsSectorSizeInformation {
                logical_bytes_per_sector: SECTOR,
                physical_bytes_per_sector_for_atomicity: block,
                physical_bytes_per_sector_for_performance: block,
                effective_physical_bytes_per_sector_for_atomicity: block,
                flags: sector_size_flags::ALIGNED_DEVICE
                    | sector_size_flags::PARTITION_ALIGNED_ON_DEVICE,
                byte_offset_for_sector_alignment: 0,
                byte_offset_for_partition_alignment: 0,
            },
            limit,
        ),
        fs_class::FILE_FS_OBJECT_ID_INFORMATION => {
            let mut object_id = [0u8; 16];
            if let Some(head) = object_id.get_mut(..4) {
                head.copy_from_slice(&volume.serial.to_le_bytes());
            }
            class_answer(
                &FileFsObjectIdInformation {
                    object_id,
                    extended_info: [0; 48],
                },
                limit,
            )
        }
        // Quotas are off: no default threshold or limit, no flags
        // (MS-FSCC 2.5.2; what smbtorture smb2.getinfo.fsinfo asks for).
        fs_class::FILE_FS_CONTROL_INFORMATION => class_answer(
            &FileFsControlInformation {
                default_quota_threshold: u64::MAX,
                default_quota_limit: u64::MAX,
                ..FileFsControlInformation::default()
            },
            limit,
        ),
        fs_class::FILE_FS_LABEL_INFORMATION => Err(NtStatus::NOT_SUPPORTED),
        _ => Err(NtStatus::INVALID_INFO_CLASS),
    }
}
