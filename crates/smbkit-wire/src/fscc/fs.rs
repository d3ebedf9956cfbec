//! File system information classes (MS-FSCC 2.5), InfoType 2.

use super::{InfoClass, fixed_class, fs_class};
use crate::codec::{Reader, WireBuf, Writer, to_u32, utf16le_to_string};
use crate::error::WireError;

const FILESYSTEM: u8 = 2;

/// FileFsDeviceInformation DeviceType: FILE_DEVICE_DISK.
pub const FILE_DEVICE_DISK: u32 = 0x0000_0007;

/// FileFsDeviceInformation Characteristics bits (MS-FSCC 2.5.10).
pub mod device_characteristics {
    /// FILE_REMOVABLE_MEDIA.
    pub const REMOVABLE_MEDIA: u32 = 0x0000_0001;
    /// FILE_READ_ONLY_DEVICE.
    pub const READ_ONLY_DEVICE: u32 = 0x0000_0002;
    /// FILE_REMOTE_DEVICE.
    pub const REMOTE_DEVICE: u32 = 0x0000_0010;
    /// FILE_DEVICE_IS_MOUNTED.
    pub const DEVICE_IS_MOUNTED: u32 = 0x0000_0020;
}

/// FileFsAttributeInformation FileSystemAttributes bits (MS-FSCC 2.5.1).
pub mod fs_attributes {
    /// FILE_CASE_SENSITIVE_SEARCH.
    pub const CASE_SENSITIVE_SEARCH: u32 = 0x0000_0001;
    /// FILE_CASE_PRESERVED_NAMES.
    pub const CASE_PRESERVED_NAMES: u32 = 0x0000_0002;
    /// FILE_UNICODE_ON_DISK.
    pub const UNICODE_ON_DISK: u32 = 0x0000_0004;
    /// FILE_PERSISTENT_ACLS.
    pub const PERSISTENT_ACLS: u32 = 0x0000_0008;
    /// FILE_FILE_COMPRESSION.
    pub const FILE_COMPRESSION: u32 = 0x0000_0010;
    /// FILE_VOLUME_QUOTAS.
    pub const VOLUME_QUOTAS: u32 = 0x0000_0020;
    /// FILE_SUPPORTS_SPARSE_FILES.
    pub const SUPPORTS_SPARSE_FILES: u32 = 0x0000_0040;
    /// FILE_SUPPORTS_REPARSE_POINTS.
    pub const SUPPORTS_REPARSE_POINTS: u32 = 0x0000_0080;
    /// FILE_SUPPORTS_OBJECT_IDS.
    pub const SUPPORTS_OBJECT_IDS: u32 = 0x0001_0000;
    /// FILE_NAMED_STREAMS.
    pub const NAMED_STREAMS: u32 = 0x0004_0000;
    /// FILE_READ_ONLY_VOLUME.
    pub const READ_ONLY_VOLUME: u32 = 0x0008_0000;
    /// FILE_SUPPORTS_BLOCK_REFCOUNTING.
    pub const SUPPORTS_BLOCK_REFCOUNTING: u32 = 0x0800_0000;
}

/// FileFsSectorSizeInformation Flags (MS-FSCC 2.5.8).
pub mod sector_size_flags {
    /// SSINFO_FLAGS_ALIGNED_DEVICE.
    pub const ALIGNED_DEVICE: u32 = 0x0000_0001;
    /// SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE.
    pub const PARTITION_ALIGNED_ON_DEVICE: u32 = 0x0000_0002;
    /// SSINFO_FLAGS_NO_SEEK_PENALTY.
    pub const NO_SEEK_PENALTY: u32 = 0x0000_0004;
    /// SSINFO_FLAGS_TRIM_ENABLED.
    pub const TRIM_ENABLED: u32 = 0x0000_0008;
}

/// FileFsVolumeInformation (MS-FSCC 2.5.9): 18 bytes + label.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FileFsVolumeInformation<'a> {
    /// VolumeCreationTime.
    pub volume_creation_time: u64,
    /// VolumeSerialNumber.
    pub volume_serial_number: u32,
    /// SupportsObjects.
    pub supports_objects: bool,
    /// VolumeLabel, raw UTF-16LE.
    pub volume_label: &'a [u8],
}

impl FileFsVolumeInformation<'_> {
    /// The label decoded from UTF-16LE.
    pub fn label_string(&self) -> Result<String, WireError> {
        utf16le_to_string("VolumeLabel", self.volume_label)
    }
}

impl<'a> InfoClass<'a> for FileFsVolumeInformation<'a> {
    const INFO_TYPE: u8 = FILESYSTEM;
    const CLASS: u8 = fs_class::FILE_FS_VOLUME_INFORMATION;
    const FIXED_LEN: usize = 18;
    // 18 + one WCHAR of the label, 8-aligned.
    const MIN_OUTPUT_LEN: usize = 24;

    fn decode(buf: &'a [u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(buf);
        let volume_creation_time = r.u64("VolumeCreationTime")?;
        let volume_serial_number = r.u32("VolumeSerialNumber")?;
        let len = usize::try_from(r.u32("VolumeLabelLength")?).unwrap_or(usize::MAX);
        let supports_objects = r.u8("SupportsObjects")? != 0;
        r.skip(1, "Reserved")?;
        Ok(FileFsVolumeInformation {
            volume_creation_time,
            volume_serial_number,
            supports_objects,
            volume_label: r.bytes(len, "VolumeLabel")?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u64(self.volume_creation_time);
        w.u32(self.volume_serial_number);
        w.u32(to_u32("VolumeLabelLength", self.volume_label.len())?);
        w.u8(u8::from(self.supports_objects));
        w.u8(0);
        w.bytes(self.volume_label);
        Ok(())
    }
}

fixed_class!(
    /// FileFsSizeInformation (MS-FSCC 2.5.8), exactly 24 bytes (Samba's
    /// client rejects any other length).
    FileFsSizeInformation, info_type FILESYSTEM, class fs_class::FILE_FS_SIZE_INFORMATION, len 24,
    {
        /// TotalAllocationUnits.
        total_allocation_units: u64,
        /// AvailableAllocationUnits.
        available_allocation_units: u64,
        /// SectorsPerAllocationUnit.
        sectors_per_allocation_unit: u32,
        /// BytesPerSector.
        bytes_per_sector: u32,
    }
);

fixed_class!(
    /// FileFsFullSizeInformation (MS-FSCC 2.5.4), 32 bytes.
    FileFsFullSizeInformation, info_type FILESYSTEM, class fs_class::FILE_FS_FULL_SIZE_INFORMATION, len 32,
    {
        /// TotalAllocationUnits.
        total_allocation_units: u64,
        /// CallerAvailableAllocationUnits.
        caller_available_allocation_units: u64,
        /// ActualAvailableAllocationUnits.
        actual_available_allocation_units: u64,
        /// SectorsPerAllocationUnit.
        sectors_per_allocation_unit: u32,
        /// BytesPerSector.
        bytes_per_sector: u32,
    }
);

fixed_class!(
    /// FileFsDeviceInformation (MS-FSCC 2.5.10), 8 bytes.
    FileFsDeviceInformation, info_type FILESYSTEM, class fs_class::FILE_FS_DEVICE_INFORMATION, len 8,
    {
        /// DeviceType ([`FILE_DEVICE_DISK`]).
        device_type: u32,
        /// Characteristics ([`device_characteristics`]).
        characteristics: u32,
    }
);

fixed_class!(
    /// FileFsSectorSizeInformation (MS-FSCC 2.5.7), 28 bytes.
    FileFsSectorSizeInformation, info_type FILESYSTEM, class fs_class::FILE_FS_SECTOR_SIZE_INFORMATION, len 28,
    {
        /// LogicalBytesPerSector.
        logical_bytes_per_sector: u32,
        /// PhysicalBytesPerSectorForAtomicity.
        physical_bytes_per_sector_for_atomicity: u32,
        /// PhysicalBytesPerSectorForPerformance.
        physical_bytes_per_sector_for_performance: u32,
        /// FileSystemEffectivePhysicalBytesPerSectorForAtomicity.
        effective_physical_bytes_per_sector_for_atomicity: u32,
        /// Flags ([`sector_size_flags`]).
        flags: u32,
        /// ByteOffsetForSectorAlignment.
        byte_offset_for_sector_alignment: u32,
        /// ByteOffsetForPartitionAlignment.
        byte_offset_for_partition_alignment: u32,
    }
);

fixed_class!(
    /// FileFsControlInformation (MS-FSCC 2.5.2), 48 bytes: quota defaults
    /// and state. The three content-indexing fields are 0.
    FileFsControlInformation, info_type FILESYSTEM, class fs_class::FILE_FS_CONTROL_INFORMATION, len 48,
    {
        /// FreeSpaceStartFiltering.
        free_space_start_filtering: u64,
        /// FreeSpaceThreshold.
        free_space_threshold: u64,
        /// FreeSpaceStopFiltering.
        free_space_stop_filtering: u64,
        /// DefaultQuotaThreshold (`u64::MAX`: none).
        default_quota_threshold: u64,
        /// DefaultQuotaLimit (`u64::MAX`: none).
        default_quota_limit: u64,
        /// FileSystemControlFlags (0: quotas neither tracked nor enforced).
        file_system_control_flags: u32,
    },
    reserved 4
);

/// FileFsObjectIdInformation (MS-FSCC 2.5.6), 64 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FileFsObjectIdInformation {
    /// ObjectId: the volume GUID.
    pub object_id: [u8; 16],
    /// ExtendedInfo (48 bytes, zeros are fine).
    pub extended_info: [u8; 48],
}

impl Default for FileFsObjectIdInformation {
    fn default() -> Self {
        FileFsObjectIdInformation {
            object_id: [0; 16],
            extended_info: [0; 48],
        }
    }
}

impl<'a> InfoClass<'a> for FileFsObjectIdInformation {
    const INFO_TYPE: u8 = FILESYSTEM;
    const CLASS: u8 = fs_class::FILE_FS_OBJECT_ID_INFORMATION;
    const FIXED_LEN: usize = 64;

    fn decode(buf: &'a [u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(buf);
        Ok(FileFsObjectIdInformation {
            object_id: r.array("ObjectId")?,
            extended_info: r.array("ExtendedInfo")?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.bytes(&self.object_id);
        w.bytes(&self.extended_info);
        Ok(())
    }
}

/// FileFsAttributeInformation (MS-FSCC 2.5.1): 12 bytes + file system name.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FileFsAttributeInformation<'a> {
    /// FileSystemAttributes ([`fs_attributes`]).
    pub file_system_attributes: u32,
    /// MaximumComponentNameLength (255 is usual).
    pub maximum_component_name_length: u32,
    /// FileSystemName, raw UTF-16LE ("NTFS").
    pub file_system_name: &'a [u8],
}

impl<'a> InfoClass<'a> for FileFsAttributeInformation<'a> {
    const INFO_TYPE: u8 = FILESYSTEM;
    const CLASS: u8 = fs_class::FILE_FS_ATTRIBUTE_INFORMATION;
    const FIXED_LEN: usize = 12;
    // 12 + one WCHAR of the name, 4-aligned.
    const MIN_OUTPUT_LEN: usize = 16;

    fn decode(buf: &'a [u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(buf);
        let file_system_attributes = r.u32("FileSystemAttributes")?;
        let maximum_component_name_length = r.u32("MaximumComponentNameLength")?;
        let len = usize::try_from(r.u32("FileSystemNameLength")?).unwrap_or(usize::MAX);
        Ok(FileFsAttributeInformation {
            file_system_attributes,
            maximum_component_name_length,
            file_system_name: r.bytes(len, "FileSystemName")?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u32(self.file_system_attributes);
        w.u32(self.maximum_component_name_length);
        w.u32(to_u32("FileSystemNameLength", self.file_system_name.len())?);
        w.bytes(self.file_system_name);
        Ok(())
    }
}
