//! File information classes (MS-FSCC 2.4), InfoType 1.

use super::{ChainWriter, InfoClass, class, fixed_class, read_name, split_chain, write_name};
use crate::codec::{Reader, WireBuf, Writer, to_u32, utf16le_to_string};
use crate::error::WireError;

const FILE: u8 = 1;

fixed_class!(
    /// FileBasicInformation (MS-FSCC 2.4.7), 40 bytes. In SET_INFO a time of
    /// 0 leaves it unchanged, `u64::MAX` stops automatic updates and
    /// `u64::MAX - 1` resumes them; FileAttributes 0 leaves them unchanged.
    FileBasicInformation, info_type FILE, class class::FILE_BASIC_INFORMATION, len 40,
    {
        /// CreationTime.
        creation_time: u64,
        /// LastAccessTime.
        last_access_time: u64,
        /// LastWriteTime.
        last_write_time: u64,
        /// ChangeTime.
        change_time: u64,
        /// FileAttributes.
        file_attributes: u32,
    },
    reserved 4
);

fixed_class!(
    /// FileStandardInformation (MS-FSCC 2.4.47), 24 bytes.
    FileStandardInformation, info_type FILE, class class::FILE_STANDARD_INFORMATION, len 24,
    {
        /// AllocationSize.
        allocation_size: u64,
        /// EndOfFile.
        end_of_file: u64,
        /// NumberOfLinks.
        number_of_links: u32,
        /// DeletePending.
        delete_pending: bool,
        /// Directory.
        directory: bool,
    },
    reserved 2
);

fixed_class!(
    /// FileInternalInformation (MS-FSCC 2.4.26): IndexNumber, the stable file
    /// id (must equal QFid's DiskFileId and the directory entries' FileId).
    FileInternalInformation, info_type FILE, class class::FILE_INTERNAL_INFORMATION, len 8,
    {
        /// IndexNumber.
        index_number: u64,
    }
);

fixed_class!(
    /// FileEaInformation (MS-FSCC 2.4.13).
    FileEaInformation, info_type FILE, class class::FILE_EA_INFORMATION, len 4,
    {
        /// EaSize (0 without extended attributes).
        ea_size: u32,
    }
);

fixed_class!(
    /// FileAccessInformation (MS-FSCC 2.4.1): the access granted to the handle.
    FileAccessInformation, info_type FILE, class class::FILE_ACCESS_INFORMATION, len 4,
    {
        /// AccessFlags.
        access_flags: u32,
    }
);

fixed_class!(
    /// FilePositionInformation (MS-FSCC 2.4.35).
    FilePositionInformation, info_type FILE, class class::FILE_POSITION_INFORMATION, len 8,
    {
        /// CurrentByteOffset.
        current_byte_offset: u64,
    }
);

fixed_class!(
    /// FileModeInformation (MS-FSCC 2.4.26 "FileModeInformation").
    FileModeInformation, info_type FILE, class class::FILE_MODE_INFORMATION, len 4,
    {
        /// Mode (FILE_WRITE_THROUGH, FILE_SEQUENTIAL_ONLY, … bits).
        mode: u32,
    }
);

fixed_class!(
    /// FileAlignmentInformation (MS-FSCC 2.4.3); 0 is FILE_BYTE_ALIGNMENT.
    FileAlignmentInformation, info_type FILE, class class::FILE_ALIGNMENT_INFORMATION, len 4,
    {
        /// AlignmentRequirement.
        alignment_requirement: u32,
    }
);

fixed_class!(
    /// FileNetworkOpenInformation (MS-FSCC 2.4.29), 56 bytes.
    FileNetworkOpenInformation, info_type FILE, class class::FILE_NETWORK_OPEN_INFORMATION, len 56,
    {
        /// CreationTime.
        creation_time: u64,
        /// LastAccessTime.
        last_access_time: u64,
        /// LastWriteTime.
        last_write_time: u64,
        /// ChangeTime.
        change_time: u64,
        /// AllocationSize.
        allocation_size: u64,
        /// EndOfFile.
        end_of_file: u64,
        /// FileAttributes.
        file_attributes: u32,
    },
    reserved 4
);

fixed_class!(
    /// FileAttributeTagInformation (MS-FSCC 2.4.6).
    FileAttributeTagInformation, info_type FILE, class class::FILE_ATTRIBUTE_TAG_INFORMATION, len 8,
    {
        /// FileAttributes.
        file_attributes: u32,
        /// ReparseTag (0 unless FILE_ATTRIBUTE_REPARSE_POINT).
        reparse_tag: u32,
    }
);

fixed_class!(
    /// FileCompressionInformation (MS-FSCC 2.4.9), 16 bytes.
    FileCompressionInformation, info_type FILE, class class::FILE_COMPRESSION_INFORMATION, len 16,
    {
        /// CompressedFileSize.
        compressed_file_size: u64,
        /// CompressionFormat ([`COMPRESSION_FORMAT_NONE`] for an
        /// uncompressed file).
        compression_format: u16,
        /// CompressionUnitShift.
        compression_unit_shift: u8,
        /// ChunkShift.
        chunk_shift: u8,
        /// ClusterShift.
        cluster_shift: u8,
    },
    reserved 3
);

/// FileCompressionInformation CompressionFormat: not compressed.
pub const COMPRESSION_FORMAT_NONE: u16 = 0;

fixed_class!(
    /// FileIdInformation (MS-FSCC 2.4.25), 24 bytes.
    FileIdInformation, info_type FILE, class class::FILE_ID_INFORMATION, len 24,
    {
        /// VolumeSerialNumber.
        volume_serial_number: u64,
        /// FileId (128-bit).
        file_id: [u8; 16],
    }
);

fixed_class!(
    /// FileEndOfFileInformation (MS-FSCC 2.4.14), SET_INFO.
    FileEndOfFileInformation, info_type FILE, class class::FILE_END_OF_FILE_INFORMATION, len 8,
    {
        /// EndOfFile.
        end_of_file: u64,
    }
);

fixed_class!(
    /// FileAllocationInformation (MS-FSCC 2.4.4), SET_INFO.
    FileAllocationInformation, info_type FILE, class class::FILE_ALLOCATION_INFORMATION, len 8,
    {
        /// AllocationSize.
        allocation_size: u64,
    }
);

fixed_class!(
    /// FileDispositionInformation (MS-FSCC 2.4.11), SET_INFO.
    FileDispositionInformation, info_type FILE, class class::FILE_DISPOSITION_INFORMATION, len 1,
    {
        /// DeletePending: delete when the last handle closes.
        delete_pending: bool,
    }
);

/// FileDispositionInformationEx Flags (MS-FSCC 2.4.12).
pub mod disposition_ex {
    /// FILE_DISPOSITION_DELETE.
    pub const DELETE: u32 = 0x0000_0001;
    /// FILE_DISPOSITION_POSIX_SEMANTICS.
    pub const POSIX_SEMANTICS: u32 = 0x0000_0002;
    /// FILE_DISPOSITION_FORCE_IMAGE_SECTION_CHECK.
    pub const FORCE_IMAGE_SECTION_CHECK: u32 = 0x0000_0004;
    /// FILE_DISPOSITION_ON_CLOSE.
    pub const ON_CLOSE: u32 = 0x0000_0008;
    /// FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE.
    pub const IGNORE_READONLY_ATTRIBUTE: u32 = 0x0000_0010;
}

fixed_class!(
    /// FileDispositionInformationEx (MS-FSCC 2.4.12), SET_INFO.
    FileDispositionInformationEx, info_type FILE, class class::FILE_DISPOSITION_INFORMATION_EX, len 4,
    {
        /// Flags ([`disposition_ex`]).
        flags: u32,
    }
);

/// Defines a `{FileNameLength u32, FileName}` class.
macro_rules! name_class {
    ($(#[$doc:meta])* $name:ident, $class:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
        pub struct $name<'a> {
            /// FileName, raw UTF-16LE.
            pub file_name: &'a [u8],
        }

        impl $name<'_> {
            /// The name decoded from UTF-16LE.
            pub fn name_string(&self) -> Result<String, WireError> {
                utf16le_to_string("FileName", self.file_name)
            }
        }

        impl<'a> InfoClass<'a> for $name<'a> {
            const INFO_TYPE: u8 = FILE;
            const CLASS: u8 = $class;
            const FIXED_LEN: usize = 4;
            // FileNameLength + one WCHAR, 8-aligned.
            const MIN_OUTPUT_LEN: usize = 8;

            fn decode(buf: &'a [u8]) -> Result<Self, WireError> {
                let mut r = Reader::new(buf);
                Ok($name {
                    file_name: read_name(&mut r, "FileNameLength")?,
                })
            }

            fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
                write_name(w, "FileNameLength", self.file_name)
            }
        }
    };
}

name_class!(
    /// FileNameInformation (MS-FSCC 2.4.28): the path from the share root.
    FileNameInformation,
    class::FILE_NAME_INFORMATION
);
name_class!(
    /// FileNormalizedNameInformation (MS-FSCC 2.4.30): the path with on-disk
    /// case (3.1.1 only).
    FileNormalizedNameInformation,
    class::FILE_NORMALIZED_NAME_INFORMATION
);
name_class!(
    /// FileAlternateNameInformation (MS-FSCC 2.4.5): the 8.3 short name.
    FileAlternateNameInformation,
    class::FILE_ALTERNATE_NAME_INFORMATION
);

/// FileAllInformation (MS-FSCC 2.4.2): Basic, Standard, Internal, Ea,
/// Access, Position, Mode, Alignment and Name, back to back (100 bytes + name).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FileAllInformation<'a> {
    /// BasicInformation.
    pub basic: FileBasicInformation,
    /// StandardInformation.
    pub standard: FileStandardInformation,
    /// InternalInformation.
    pub internal: FileInternalInformation,
    /// EaInformation.
    pub ea: FileEaInformation,
    /// AccessInformation.
    pub access: FileAccessInformation,
    /// PositionInformation.
    pub position: FilePositionInformation,
    /// ModeInformation.
    pub mode: FileModeInformation,
    /// AlignmentInformation.
    pub alignment: FileAlignmentInformation,
    /// NameInformation.
    pub name: FileNameInformation<'a>,
}

impl<'a> InfoClass<'a> for FileAllInformation<'a> {
    const INFO_TYPE: u8 = FILE;
    const CLASS: u8 = class::FILE_ALL_INFORMATION;
    const FIXED_LEN: usize = 100;
    // 100 + one WCHAR of the name, 8-aligned.
    const MIN_OUTPUT_LEN: usize = 104;

    fn decode(buf: &'a [u8]) -> Result<Self, WireError> {
        fn part<'a, T: InfoClass<'a>>(rest: &mut &'a [u8]) -> Result<T, WireError> {
            let v = T::decode(rest)?;
            *rest = rest.get(T::FIXED_LEN..).unwrap_or_default();
            Ok(v)
        }
        let mut rest = buf;
        Ok(FileAllInformation {
            basic: part(&mut rest)?,
            standard: part(&mut rest)?,
            internal: part(&mut rest)?,
            ea: part(&mut rest)?,
            access: part(&mut rest)?,
            position: part(&mut rest)?,
            mode: part(&mut rest)?,
            alignment: part(&mut rest)?,
            name: FileNameInformation::decode(rest)?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        self.basic.encode(w)?;
        self.standard.encode(w)?;
        self.internal.encode(w)?;
        self.ea.encode(w)?;
        self.access.encode(w)?;
        self.position.encode(w)?;
        self.mode.encode(w)?;
        self.alignment.encode(w)?;
        self.name.encode(w)
    }
}

/// FileRenameInformation, SMB2 form (MS-FSCC 2.4.42.2, "type 2"):
/// ReplaceIfExists u8, 7 reserved bytes, RootDirectory u64 (0 over SMB2),
/// FileNameLength u32, FileName (the full target path from the share root).
/// FileLinkInformation (2.4.27.2) has the same layout.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FileRenameInformation<'a> {
    /// ReplaceIfExists.
    pub replace_if_exists: bool,
    /// RootDirectory (must be 0 for network operations).
    pub root_directory: u64,
    /// FileName, raw UTF-16LE.
    pub file_name: &'a [u8],
}

impl FileRenameInformation<'_> {
    /// The target name decoded from UTF-16LE.
    pub fn name_string(&self) -> Result<String, WireError> {
        utf16le_to_string("FileName", self.file_name)
    }
}

impl<'a> InfoClass<'a> for FileRenameInformation<'a> {
    const INFO_TYPE: u8 = FILE;
    const CLASS: u8 = class::FILE_RENAME_INFORMATION;
    const FIXED_LEN: usize = 20;

    fn decode(buf: &'a [u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(buf);
        let replace_if_exists = r.u8("ReplaceIfExists")? != 0;
        r.skip(7, "Reserved")?;
        let root_directory = r.u64("RootDirectory")?;
        Ok(FileRenameInformation {
            replace_if_exists,
            root_directory,
            file_name: read_name(&mut r, "FileNameLength")?,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        w.u8(u8::from(self.replace_if_exists));
        w.zeros(7);
        w.u64(self.root_directory);
        write_name(w, "FileNameLength", self.file_name)
    }
}

/// One FILE_STREAM_INFORMATION entry (MS-FSCC 2.4.49).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct StreamEntry<'a> {
    /// StreamName, raw UTF-16LE (`::$DATA` for the unnamed stream).
    pub name: &'a [u8],
    /// StreamSize.
    pub size: u64,
    /// StreamAllocationSize.
    pub allocation_size: u64,
}

/// FileStreamInformation (MS-FSCC 2.4.49): a chain of stream entries, each
/// 8-aligned. A directory without streams has an empty list (0 bytes).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct FileStreamInformation<'a> {
    /// The streams.
    pub entries: Vec<StreamEntry<'a>>,
}

impl<'a> InfoClass<'a> for FileStreamInformation<'a> {
    const INFO_TYPE: u8 = FILE;
    const CLASS: u8 = class::FILE_STREAM_INFORMATION;
    const FIXED_LEN: usize = 0;
    // sizeof(FILE_STREAM_INFORMATION): 24 + one WCHAR, 8-aligned.
    const MIN_OUTPUT_LEN: usize = 32;

    fn decode(buf: &'a [u8]) -> Result<Self, WireError> {
        let mut entries = Vec::new();
        for e in split_chain(buf, "FileStreamInformation.NextEntryOffset")? {
            let mut r = Reader::at(e, 4);
            let len = usize::try_from(r.u32("StreamNameLength")?).unwrap_or(usize::MAX);
            let size = r.u64("StreamSize")?;
            let allocation_size = r.u64("StreamAllocationSize")?;
            entries.push(StreamEntry {
                name: r.bytes(len, "StreamName")?,
                size,
                allocation_size,
            });
        }
        Ok(FileStreamInformation { entries })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let mut chain = ChainWriter::new(8, usize::MAX);
        for e in &self.entries {
            let mut entry = Vec::with_capacity(24usize.saturating_add(e.name.len()));
            let mut ew = Writer::new(&mut entry);
            ew.u32(0);
            ew.u32(to_u32("StreamNameLength", e.name.len())?);
            ew.u64(e.size);
            ew.u64(e.allocation_size);
            ew.bytes(e.name);
            chain.push(&entry)?;
        }
        w.bytes(&chain.finish());
        Ok(())
    }
}
