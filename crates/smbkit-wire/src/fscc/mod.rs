//! File system information classes (MS-FSCC 2.4 file classes, 2.5 file
//! system classes, 2.4.x directory entries, 2.7.1 change records): the
//! buffers QUERY_INFO, SET_INFO, QUERY_DIRECTORY and CHANGE_NOTIFY carry.
//!
//! Every class has a decoder (what a client or a test reads) and an encoder
//! (what a server writes). Unlike SMB2 bodies, these buffers are
//! self-contained: offsets inside them count from the start of the buffer.
//! Single-record classes implement [`InfoClass`]; chained records
//! (directory entries, streams, change records) use NextEntryOffset chains,
//! written 8-aligned (4-aligned for change records) with no padding after
//! the last entry, and read leniently (any forward NextEntryOffset whose
//! entry holds its fixed part and name).
//!
//! Times are FILETIME values (100 ns since 1601-01-01 UTC) as `u64`.

pub mod dir;
pub mod file;
pub mod fs;
pub mod notify;

use crate::codec::{Reader, WireBuf, Writer, add, padding, to_u32};
use crate::error::WireError;
use crate::status::NtStatus;

pub use dir::{DirClass, DirEntry, DirectoryBuilder, Pushed, decode_entries};
pub use file::*;
pub use fs::*;
pub use notify::{FileNotifyInformation, notify_action};

/// File information class numbers (MS-FSCC 2.4), InfoType 1.
pub mod class {
    /// FileDirectoryInformation (QUERY_DIRECTORY).
    pub const FILE_DIRECTORY_INFORMATION: u8 = 1;
    /// FileFullDirectoryInformation (QUERY_DIRECTORY).
    pub const FILE_FULL_DIRECTORY_INFORMATION: u8 = 2;
    /// FileBothDirectoryInformation (QUERY_DIRECTORY).
    pub const FILE_BOTH_DIRECTORY_INFORMATION: u8 = 3;
    /// FileBasicInformation.
    pub const FILE_BASIC_INFORMATION: u8 = 4;
    /// FileStandardInformation.
    pub const FILE_STANDARD_INFORMATION: u8 = 5;
    /// FileInternalInformation.
    pub const FILE_INTERNAL_INFORMATION: u8 = 6;
    /// FileEaInformation.
    pub const FILE_EA_INFORMATION: u8 = 7;
    /// FileAccessInformation.
    pub const FILE_ACCESS_INFORMATION: u8 = 8;
    /// FileNameInformation.
    pub const FILE_NAME_INFORMATION: u8 = 9;
    /// FileRenameInformation (SET_INFO).
    pub const FILE_RENAME_INFORMATION: u8 = 10;
    /// FileLinkInformation (SET_INFO).
    pub const FILE_LINK_INFORMATION: u8 = 11;
    /// FileNamesInformation (QUERY_DIRECTORY).
    pub const FILE_NAMES_INFORMATION: u8 = 12;
    /// FileDispositionInformation (SET_INFO).
    pub const FILE_DISPOSITION_INFORMATION: u8 = 13;
    /// FilePositionInformation.
    pub const FILE_POSITION_INFORMATION: u8 = 14;
    /// FileFullEaInformation.
    pub const FILE_FULL_EA_INFORMATION: u8 = 15;
    /// FileModeInformation.
    pub const FILE_MODE_INFORMATION: u8 = 16;
    /// FileAlignmentInformation.
    pub const FILE_ALIGNMENT_INFORMATION: u8 = 17;
    /// FileAllInformation.
    pub const FILE_ALL_INFORMATION: u8 = 18;
    /// FileAllocationInformation (SET_INFO).
    pub const FILE_ALLOCATION_INFORMATION: u8 = 19;
    /// FileEndOfFileInformation (SET_INFO).
    pub const FILE_END_OF_FILE_INFORMATION: u8 = 20;
    /// FileAlternateNameInformation.
    pub const FILE_ALTERNATE_NAME_INFORMATION: u8 = 21;
    /// FileStreamInformation.
    pub const FILE_STREAM_INFORMATION: u8 = 22;
    /// FileCompressionInformation.
    pub const FILE_COMPRESSION_INFORMATION: u8 = 28;
    /// FileNetworkOpenInformation.
    pub const FILE_NETWORK_OPEN_INFORMATION: u8 = 34;
    /// FileAttributeTagInformation.
    pub const FILE_ATTRIBUTE_TAG_INFORMATION: u8 = 35;
    /// FileIdBothDirectoryInformation (QUERY_DIRECTORY).
    pub const FILE_ID_BOTH_DIRECTORY_INFORMATION: u8 = 37;
    /// FileIdFullDirectoryInformation (QUERY_DIRECTORY).
    pub const FILE_ID_FULL_DIRECTORY_INFORMATION: u8 = 38;
    /// FileValidDataLengthInformation (SET_INFO).
    pub const FILE_VALID_DATA_LENGTH_INFORMATION: u8 = 39;
    /// FileShortNameInformation (SET_INFO).
    pub const FILE_SHORT_NAME_INFORMATION: u8 = 40;
    /// FileNormalizedNameInformation (3.1.1).
    pub const FILE_NORMALIZED_NAME_INFORMATION: u8 = 48;
    /// FileIdInformation.
    pub const FILE_ID_INFORMATION: u8 = 59;
    /// FileIdExtdDirectoryInformation (QUERY_DIRECTORY).
    pub const FILE_ID_EXTD_DIRECTORY_INFORMATION: u8 = 60;
    /// FileDispositionInformationEx (SET_INFO).
    pub const FILE_DISPOSITION_INFORMATION_EX: u8 = 64;
    /// FileRenameInformationEx (SET_INFO).
    pub const FILE_RENAME_INFORMATION_EX: u8 = 65;
}

/// File system information class numbers (MS-FSCC 2.5), InfoType 2.
pub mod fs_class {
    /// FileFsVolumeInformation.
    pub const FILE_FS_VOLUME_INFORMATION: u8 = 1;
    /// FileFsLabelInformation.
    pub const FILE_FS_LABEL_INFORMATION: u8 = 2;
    /// FileFsSizeInformation.
    pub const FILE_FS_SIZE_INFORMATION: u8 = 3;
    /// FileFsDeviceInformation.
    pub const FILE_FS_DEVICE_INFORMATION: u8 = 4;
    /// FileFsAttributeInformation.
    pub const FILE_FS_ATTRIBUTE_INFORMATION: u8 = 5;
    /// FileFsControlInformation.
    pub const FILE_FS_CONTROL_INFORMATION: u8 = 6;
    /// FileFsFullSizeInformation.
    pub const FILE_FS_FULL_SIZE_INFORMATION: u8 = 7;
    /// FileFsObjectIdInformation.
    pub const FILE_FS_OBJECT_ID_INFORMATION: u8 = 8;
    /// FileFsSectorSizeInformation.
    pub const FILE_FS_SECTOR_SIZE_INFORMATION: u8 = 11;
}

/// One information class with a single record: its InfoType, class number,
/// fixed length, decoder and encoder.
pub trait InfoClass<'a>: Sized {
    /// InfoType ([`crate::query_info::info_type`]): 1 file, 2 file system.
    const INFO_TYPE: u8;
    /// The class number ([`class`], [`fs_class`]).
    const CLASS: u8;
    /// Bytes of the fixed part (the layout: where the variable part starts).
    const FIXED_LEN: usize;
    /// The smallest OutputBufferLength QUERY_INFO accepts for this class;
    /// below it the answer is STATUS_INFO_LENGTH_MISMATCH (MS-FSA 2.1.5.12,
    /// 2.1.5.13). For a fixed-size class it is the size itself; for a class
    /// with a trailing name it is the size of the C structure including its
    /// first name character, aligned as MS-FSA says (e.g. FileNameInformation
    /// 8, FileAllInformation 104, FileStreamInformation 32,
    /// FileFsVolumeInformation 24, FileFsAttributeInformation 16: the sizes
    /// Windows enforces, checked by smbtorture smb2.getinfo.*_buffercheck).
    const MIN_OUTPUT_LEN: usize = Self::FIXED_LEN;

    /// Decodes a buffer that starts with this class (trailing bytes ignored).
    fn decode(buf: &'a [u8]) -> Result<Self, WireError>;

    /// Appends the encoding.
    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError>;

    /// The encoding in a new `Vec`.
    fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut v = Vec::new();
        self.encode(&mut Writer::new(&mut v))?;
        Ok(v)
    }
}

/// Fits an encoded single-record class into the client's
/// OutputBufferLength (MS-SMB2 3.3.5.20.2): `Err(INFO_LENGTH_MISMATCH)` when
/// the limit is below `min_len` (the class's [`InfoClass::MIN_OUTPUT_LEN`]),
/// else the bytes cut to the limit with
/// `BUFFER_OVERFLOW` when the variable part (a name, a label) had to be
/// truncated, or `SUCCESS`. The length fields keep the full length, as
/// MS-FSA asks.
pub fn fit_output(
    mut bytes: Vec<u8>,
    min_len: usize,
    output_buffer_length: u32,
) -> Result<(Vec<u8>, NtStatus), NtStatus> {
    let limit = usize::try_from(output_buffer_length).unwrap_or(usize::MAX);
    if limit < min_len {
        return Err(NtStatus::INFO_LENGTH_MISMATCH);
    }
    if bytes.len() <= limit {
        return Ok((bytes, NtStatus::SUCCESS));
    }
    bytes.truncate(limit);
    Ok((bytes, NtStatus::BUFFER_OVERFLOW))
}

/// Fixed-width fields the class macros read and write.
pub(crate) trait WireField: Sized {
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, WireError>;
    fn write<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>);
}

impl WireField for u8 {
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, WireError> {
        r.u8(field)
    }
    fn write<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) {
        w.u8(*self);
    }
}

impl WireField for bool {
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, WireError> {
        r.u8(field).map(|b| b != 0)
    }
    fn write<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) {
        w.u8(u8::from(*self));
    }
}

impl WireField for u16 {
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, WireError> {
        r.u16(field)
    }
    fn write<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) {
        w.u16(*self);
    }
}

impl WireField for u32 {
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, WireError> {
        r.u32(field)
    }
    fn write<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) {
        w.u32(*self);
    }
}

impl WireField for u64 {
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, WireError> {
        r.u64(field)
    }
    fn write<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) {
        w.u64(*self);
    }
}

impl<const N: usize> WireField for [u8; N] {
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, WireError> {
        r.array(field)
    }
    fn write<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) {
        w.bytes(self);
    }
}

/// Defines a fixed-length single-record class: a struct of [`WireField`]s
/// written in order, optionally followed by `reserved` zero bytes.
macro_rules! fixed_class {
    (
        $(#[$doc:meta])*
        $name:ident, info_type $it:expr, class $class:expr, len $len:expr,
        { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }
        $(, reserved $res:expr)?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        impl<'a> $crate::fscc::InfoClass<'a> for $name {
            const INFO_TYPE: u8 = $it;
            const CLASS: u8 = $class;
            const FIXED_LEN: usize = $len;

            fn decode(buf: &'a [u8]) -> Result<Self, $crate::error::WireError> {
                if buf.len() < Self::FIXED_LEN {
                    return Err($crate::error::WireError::Truncated {
                        field: stringify!($name),
                        offset: 0,
                        needed: Self::FIXED_LEN,
                        available: buf.len(),
                    });
                }
                #[allow(unused_mut, unused_variables)]
                let mut r = $crate::codec::Reader::new(buf);
                Ok($name {
                    $($field: $crate::fscc::WireField::read(&mut r, stringify!($field))?,)*
                })
            }

            fn encode<B: $crate::codec::WireBuf + ?Sized>(
                &self,
                w: &mut $crate::codec::Writer<'_, B>,
            ) -> Result<(), $crate::error::WireError> {
                $($crate::fscc::WireField::write(&self.$field, w);)*
                $(w.zeros($res);)?
                Ok(())
            }
        }
    };
}

pub(crate) use fixed_class;

/// Splits a NextEntryOffset chain (offset u32 first in every entry) into
/// entry slices. An entry ends where the next begins (the last one at the
/// end of `buf`); each parser then requires its fixed part and name to fit
/// inside its slice, so entries cannot overlap and the walk always advances.
pub(crate) fn split_chain<'a>(
    buf: &'a [u8],
    field: &'static str,
) -> Result<Vec<&'a [u8]>, WireError> {
    let mut out = Vec::new();
    let mut rest = buf;
    while !rest.is_empty() {
        let next = Reader::new(rest).u32(field)?;
        if next == 0 {
            out.push(rest);
            break;
        }
        let next = usize::try_from(next).unwrap_or(usize::MAX);
        let (entry, tail) = rest.split_at_checked(next).ok_or(WireError::invalid(
            field,
            "NextEntryOffset points past the end of the buffer",
        ))?;
        if tail.is_empty() {
            return Err(WireError::invalid(
                field,
                "NextEntryOffset points at the end of the buffer",
            ));
        }
        out.push(entry);
        rest = tail;
    }
    Ok(out)
}

/// Builds a NextEntryOffset chain within a byte limit: entries start
/// `align`-aligned, the previous entry's NextEntryOffset is patched when the
/// next is added, and nothing follows the last entry.
#[derive(Debug, Clone)]
pub(crate) struct ChainWriter {
    buf: Vec<u8>,
    last: Option<usize>,
    align: usize,
    limit: usize,
    count: usize,
}

impl ChainWriter {
    pub(crate) fn new(align: usize, limit: usize) -> Self {
        ChainWriter {
            buf: Vec::new(),
            last: None,
            align,
            limit,
            count: 0,
        }
    }

    /// Appends `entry` (whose first 4 bytes are its NextEntryOffset, written
    /// as 0) if it fits; returns whether it was added.
    pub(crate) fn push(&mut self, entry: &[u8]) -> Result<bool, WireError> {
        let start = match self.last {
            None => 0,
            Some(_) => add(
                "NextEntryOffset",
                self.buf.len(),
                padding(self.buf.len(), self.align),
            )?,
        };
        let end = add("NextEntryOffset", start, entry.len())?;
        if end > self.limit {
            return Ok(false);
        }
        if let Some(last) = self.last {
            let delta = to_u32("NextEntryOffset", start.saturating_sub(last))?;
            self.buf.resize(start, 0);
            let slot = self
                .buf
                .get_mut(last..)
                .and_then(|s| s.get_mut(..4))
                .ok_or(WireError::invalid(
                    "NextEntryOffset",
                    "previous entry missing",
                ))?;
            slot.copy_from_slice(&delta.to_le_bytes());
        }
        self.buf.extend_from_slice(entry);
        self.last = Some(start);
        self.count = self.count.saturating_add(1);
        Ok(true)
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn count(&self) -> usize {
        self.count
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Writes `FileNameLength u32` followed by the name.
pub(crate) fn write_name<B: WireBuf + ?Sized>(
    w: &mut Writer<'_, B>,
    field: &'static str,
    name: &[u8],
) -> Result<(), WireError> {
    w.u32(to_u32(field, name.len())?);
    w.bytes(name);
    Ok(())
}

/// Reads `FileNameLength u32` followed by the name.
pub(crate) fn read_name<'a>(
    r: &mut Reader<'a>,
    field: &'static str,
) -> Result<&'a [u8], WireError> {
    let len = usize::try_from(r.u32(field)?).unwrap_or(usize::MAX);
    r.bytes(len, field)
}
