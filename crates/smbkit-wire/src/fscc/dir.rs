//! Directory entries for QUERY_DIRECTORY (MS-FSCC 2.4.10, 2.4.14, 2.4.8,
//! 2.4.17, 2.4.18, 2.4.19, 2.4.33): one [`DirEntry`] type carrying every
//! field, and a [`DirClass`] choosing which of them a class puts on the wire.
//!
//! All entries start `{NextEntryOffset u32, FileIndex u32}`; the classes
//! differ in what follows (`FileName` starts at [`DirClass::fixed_len`]):
//!
//! | class | after FileIndex |
//! |---|---|
//! | Directory (1) | 4 times, EndOfFile, AllocationSize, FileAttributes, FileNameLength |
//! | FullDirectory (2) | Directory + EaSize |
//! | BothDirectory (3) | Full + ShortNameLength u8, Reserved u8, ShortName\[24\] |
//! | IdBothDirectory (37) | Both + Reserved2 u16, FileId u64 |
//! | IdFullDirectory (38) | Full + Reserved u32, FileId u64 |
//! | IdExtdDirectory (60) | Full + ReparsePointTag u32, FileId 128-bit |
//! | Names (12) | FileNameLength only |

use super::{ChainWriter, class, split_chain};
use crate::codec::{Reader, Writer, add, to_u8, to_u32, utf16le_to_string};
use crate::error::WireError;

/// Entry alignment inside the output buffer.
pub const ENTRY_ALIGN: usize = 8;

/// Length of the ShortName field.
const SHORT_NAME_LEN: usize = 24;

/// The directory information classes smbkit encodes and decodes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DirClass {
    /// FileDirectoryInformation (1).
    Directory,
    /// FileFullDirectoryInformation (2).
    FullDirectory,
    /// FileBothDirectoryInformation (3).
    BothDirectory,
    /// FileNamesInformation (12).
    Names,
    /// FileIdBothDirectoryInformation (37).
    IdBothDirectory,
    /// FileIdFullDirectoryInformation (38).
    IdFullDirectory,
    /// FileIdExtdDirectoryInformation (60).
    IdExtdDirectory,
}

impl DirClass {
    /// Every class, in class-number order.
    pub const ALL: [DirClass; 7] = [
        DirClass::Directory,
        DirClass::FullDirectory,
        DirClass::BothDirectory,
        DirClass::Names,
        DirClass::IdBothDirectory,
        DirClass::IdFullDirectory,
        DirClass::IdExtdDirectory,
    ];

    /// The class for a FileInformationClass number, `None` for classes
    /// smbkit does not handle (answer STATUS_INVALID_INFO_CLASS).
    pub fn from_class(number: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.class() == number)
    }

    /// The FileInformationClass number.
    pub fn class(self) -> u8 {
        match self {
            DirClass::Directory => class::FILE_DIRECTORY_INFORMATION,
            DirClass::FullDirectory => class::FILE_FULL_DIRECTORY_INFORMATION,
            DirClass::BothDirectory => class::FILE_BOTH_DIRECTORY_INFORMATION,
            DirClass::Names => class::FILE_NAMES_INFORMATION,
            DirClass::IdBothDirectory => class::FILE_ID_BOTH_DIRECTORY_INFORMATION,
            DirClass::IdFullDirectory => class::FILE_ID_FULL_DIRECTORY_INFORMATION,
            DirClass::IdExtdDirectory => class::FILE_ID_EXTD_DIRECTORY_INFORMATION,
        }
    }

    /// Offset of FileName in an entry (the fixed part).
    pub fn fixed_len(self) -> usize {
        match self {
            DirClass::Directory => 64,
            DirClass::FullDirectory => 68,
            DirClass::BothDirectory => 94,
            DirClass::Names => 12,
            DirClass::IdBothDirectory => 104,
            DirClass::IdFullDirectory => 80,
            DirClass::IdExtdDirectory => 88,
        }
    }

    fn has_ea(self) -> bool {
        !matches!(self, DirClass::Directory | DirClass::Names)
    }

    fn has_short_name(self) -> bool {
        matches!(self, DirClass::BothDirectory | DirClass::IdBothDirectory)
    }
}

/// One directory entry with the fields of every class; a class writes the
/// ones it has and the decoder leaves the others at their defaults.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DirEntry<'a> {
    /// FileIndex (0 is fine; a cookie for INDEX_SPECIFIED).
    pub file_index: u32,
    /// CreationTime (not in Names).
    pub creation_time: u64,
    /// LastAccessTime (not in Names).
    pub last_access_time: u64,
    /// LastWriteTime (not in Names).
    pub last_write_time: u64,
    /// ChangeTime (not in Names).
    pub change_time: u64,
    /// EndOfFile (not in Names).
    pub end_of_file: u64,
    /// AllocationSize (not in Names).
    pub allocation_size: u64,
    /// FileAttributes (not in Names).
    pub file_attributes: u32,
    /// EaSize (all but Directory and Names); the reparse tag when
    /// FILE_ATTRIBUTE_REPARSE_POINT is set, as Linux reads it.
    pub ea_size: u32,
    /// ShortName, raw UTF-16LE, at most 24 bytes (Both, IdBoth).
    pub short_name: &'a [u8],
    /// FileId (IdBoth, IdFull): FileInternalInformation.IndexNumber.
    pub file_id: u64,
    /// ReparsePointTag (IdExtd).
    pub reparse_point_tag: u32,
    /// The 128-bit FileId (IdExtd).
    pub file_id_128: [u8; 16],
    /// FileName, raw UTF-16LE.
    pub file_name: &'a [u8],
}

impl DirEntry<'_> {
    /// The name decoded from UTF-16LE.
    pub fn name_string(&self) -> Result<String, WireError> {
        utf16le_to_string("FileName", self.file_name)
    }

    /// Encodes this entry for `class`, NextEntryOffset 0.
    pub fn encode(&self, class: DirClass) -> Result<Vec<u8>, WireError> {
        let len = add("FileNameLength", class.fixed_len(), self.file_name.len())?;
        let mut v = Vec::with_capacity(len);
        let mut w = Writer::new(&mut v);
        w.u32(0);
        w.u32(self.file_index);
        let name_len = to_u32("FileNameLength", self.file_name.len())?;
        if class == DirClass::Names {
            w.u32(name_len);
            w.bytes(self.file_name);
            return Ok(v);
        }
        w.u64(self.creation_time);
        w.u64(self.last_access_time);
        w.u64(self.last_write_time);
        w.u64(self.change_time);
        w.u64(self.end_of_file);
        w.u64(self.allocation_size);
        w.u32(self.file_attributes);
        w.u32(name_len);
        if class.has_ea() {
            w.u32(self.ea_size);
        }
        if class.has_short_name() {
            if self.short_name.len() > SHORT_NAME_LEN {
                return Err(WireError::TooLarge {
                    field: "ShortNameLength",
                    value: u64::try_from(self.short_name.len()).unwrap_or(u64::MAX),
                    max: 24,
                });
            }
            w.u8(to_u8("ShortNameLength", self.short_name.len())?);
            w.u8(0);
            w.bytes(self.short_name);
            w.zeros(SHORT_NAME_LEN.saturating_sub(self.short_name.len()));
        }
        match class {
            DirClass::IdBothDirectory => {
                w.u16(0);
                w.u64(self.file_id);
            }
            DirClass::IdFullDirectory => {
                w.u32(0);
                w.u64(self.file_id);
            }
            DirClass::IdExtdDirectory => {
                w.u32(self.reparse_point_tag);
                w.bytes(&self.file_id_128);
            }
            _ => {}
        }
        w.bytes(self.file_name);
        Ok(v)
    }

    /// Decodes one entry (its slice of the chain) of `class`.
    fn decode_one(class: DirClass, e: &[u8]) -> Result<DirEntry<'_>, WireError> {
        let mut r = Reader::at(e, 4);
        let mut out = DirEntry {
            file_index: r.u32("FileIndex")?,
            ..DirEntry::default()
        };
        if class == DirClass::Names {
            let len = usize::try_from(r.u32("FileNameLength")?).unwrap_or(usize::MAX);
            out.file_name = r.bytes(len, "FileName")?;
            return Ok(out);
        }
        out.creation_time = r.u64("CreationTime")?;
        out.last_access_time = r.u64("LastAccessTime")?;
        out.last_write_time = r.u64("LastWriteTime")?;
        out.change_time = r.u64("ChangeTime")?;
        out.end_of_file = r.u64("EndOfFile")?;
        out.allocation_size = r.u64("AllocationSize")?;
        out.file_attributes = r.u32("FileAttributes")?;
        let name_len = usize::try_from(r.u32("FileNameLength")?).unwrap_or(usize::MAX);
        if class.has_ea() {
            out.ea_size = r.u32("EaSize")?;
        }
        if class.has_short_name() {
            let short_len = usize::from(r.u8("ShortNameLength")?);
            r.skip(1, "Reserved")?;
            let short = r.bytes(SHORT_NAME_LEN, "ShortName")?;
            out.short_name = short.get(..short_len).ok_or(WireError::invalid(
                "ShortNameLength",
                "longer than the 24-byte ShortName field",
            ))?;
        }
        match class {
            DirClass::IdBothDirectory => {
                r.skip(2, "Reserved2")?;
                out.file_id = r.u64("FileId")?;
            }
            DirClass::IdFullDirectory => {
                r.skip(4, "Reserved")?;
                out.file_id = r.u64("FileId")?;
            }
            DirClass::IdExtdDirectory => {
                out.reparse_point_tag = r.u32("ReparsePointTag")?;
                out.file_id_128 = r.array("FileId")?;
            }
            _ => {}
        }
        out.file_name = r.bytes(name_len, "FileName")?;
        Ok(out)
    }
}

/// Decodes every entry of a QUERY_DIRECTORY output buffer.
pub fn decode_entries(class: DirClass, buf: &[u8]) -> Result<Vec<DirEntry<'_>>, WireError> {
    split_chain(buf, "NextEntryOffset")?
        .into_iter()
        .map(|e| DirEntry::decode_one(class, e))
        .collect()
}

/// What [`DirectoryBuilder::push`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[must_use]
pub enum Pushed {
    /// The entry was added.
    Added,
    /// The entry would pass OutputBufferLength; nothing was written. Keep it
    /// for the next QUERY_DIRECTORY (and if the buffer is still empty, answer
    /// STATUS_INFO_LENGTH_MISMATCH).
    DoesNotFit,
}

/// Packs entries into an output buffer of at most OutputBufferLength bytes:
/// each entry 8-aligned, NextEntryOffset chained, the last one 0, no
/// padding after it, and never a split entry.
#[derive(Debug, Clone)]
pub struct DirectoryBuilder {
    class: DirClass,
    chain: ChainWriter,
}

impl DirectoryBuilder {
    /// A builder for `class` limited to `output_buffer_length` bytes.
    pub fn new(class: DirClass, output_buffer_length: u32) -> Self {
        let limit = usize::try_from(output_buffer_length).unwrap_or(usize::MAX);
        DirectoryBuilder {
            class,
            chain: ChainWriter::new(ENTRY_ALIGN, limit),
        }
    }

    /// Adds `entry` if it fits, else reports [`Pushed::DoesNotFit`].
    pub fn push(&mut self, entry: &DirEntry<'_>) -> Result<Pushed, WireError> {
        let bytes = entry.encode(self.class)?;
        Ok(if self.chain.push(&bytes)? {
            Pushed::Added
        } else {
            Pushed::DoesNotFit
        })
    }

    /// Entries added so far.
    pub fn count(&self) -> usize {
        self.chain.count()
    }

    /// Bytes used so far.
    pub fn len(&self) -> usize {
        self.chain.len()
    }

    /// Whether no entry was added.
    pub fn is_empty(&self) -> bool {
        self.chain.count() == 0
    }

    /// The output buffer.
    pub fn finish(self) -> Vec<u8> {
        self.chain.finish()
    }
}
