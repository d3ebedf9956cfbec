//! FSCTL bodies about one file's data (MS-FSCC 2.3): compression state,
//! the sparse flag, zeroing a range and the allocated ranges.

use crate::codec::{Reader, WireBuf, Writer};
use crate::error::WireError;

/// COMPRESSION_FORMAT_NONE (MS-FSCC 2.3.67).
pub const COMPRESSION_FORMAT_NONE: u16 = 0x0000;
/// COMPRESSION_FORMAT_DEFAULT.
pub const COMPRESSION_FORMAT_DEFAULT: u16 = 0x0001;
/// COMPRESSION_FORMAT_LZNT1.
pub const COMPRESSION_FORMAT_LZNT1: u16 = 0x0002;

/// The CompressionState of FSCTL_GET_COMPRESSION (output) and
/// FSCTL_SET_COMPRESSION (input): one USHORT.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct CompressionState {
    /// One of the `COMPRESSION_FORMAT_*` values.
    pub format: u16,
}

impl CompressionState {
    /// Length of the body.
    pub const LEN: usize = 2;

    /// Decodes the body (bytes after the USHORT are ignored).
    pub fn decode(buf: &[u8]) -> Result<Self, WireError> {
        Ok(CompressionState {
            format: Reader::new(buf).u16("CompressionState")?,
        })
    }

    /// The 2-byte body.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 2] {
        self.format.to_le_bytes()
    }
}

/// FILE_SET_SPARSE_BUFFER (MS-FSCC 2.3.72): an optional BOOLEAN. No
/// buffer means "set" (MS-FSCC 2.3.71).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SetSparse {
    /// Whether the file becomes sparse.
    pub sparse: bool,
}

impl SetSparse {
    /// Decodes the input: empty is `sparse: true`, else the first byte
    /// (non-zero is TRUE).
    #[must_use]
    pub fn decode(input: &[u8]) -> Self {
        SetSparse {
            sparse: input.first().is_none_or(|b| *b != 0),
        }
    }
}

/// FILE_ZERO_DATA_INFORMATION (MS-FSCC 2.3.74): the range
/// `[file_offset, beyond_final_zero)` to zero.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ZeroDataInformation {
    /// FileOffset.
    pub file_offset: u64,
    /// BeyondFinalZero.
    pub beyond_final_zero: u64,
}

impl ZeroDataInformation {
    /// Length of the body.
    pub const LEN: usize = 16;

    /// Decodes the body (exactly 16 bytes are needed; more are ignored).
    pub fn decode(input: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(input);
        Ok(ZeroDataInformation {
            file_offset: r.u64("FileOffset")?,
            beyond_final_zero: r.u64("BeyondFinalZero")?,
        })
    }

    /// Appends the 16-byte body.
    pub fn encode<B: WireBuf + ?Sized>(&self, buf: &mut B) {
        let mut w = Writer::new(buf);
        w.u64(self.file_offset);
        w.u64(self.beyond_final_zero);
    }
}

/// FILE_ALLOCATED_RANGE_BUFFER (MS-FSCC 2.3.52): the input of
/// FSCTL_QUERY_ALLOCATED_RANGES and each entry of its output.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct AllocatedRange {
    /// FileOffset.
    pub file_offset: u64,
    /// Length.
    pub length: u64,
}

impl AllocatedRange {
    /// Length of one entry.
    pub const LEN: usize = 16;

    /// Decodes one entry (bytes after it are ignored).
    pub fn decode(input: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(input);
        Ok(AllocatedRange {
            file_offset: r.u64("FileOffset")?,
            length: r.u64("Length")?,
        })
    }

    /// Decodes an output: a whole number of entries.
    pub fn decode_list(output: &[u8]) -> Result<Vec<Self>, WireError> {
        if !output.len().is_multiple_of(Self::LEN) {
            return Err(WireError::invalid(
                "FILE_ALLOCATED_RANGE_BUFFER",
                "not a whole number of entries",
            ));
        }
        output.chunks_exact(Self::LEN).map(Self::decode).collect()
    }

    /// Appends one 16-byte entry.
    pub fn encode<B: WireBuf + ?Sized>(&self, buf: &mut B) {
        let mut w = Writer::new(buf);
        w.u64(self.file_offset);
        w.u64(self.length);
    }
}

/// FILE_OBJECTID_BUFFER (MS-FSCC 2.1.3.1), type 1: the output of
/// FSCTL_CREATE_OR_GET_OBJECT_ID. 64 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ObjectIdBuffer {
    /// ObjectId.
    pub object_id: [u8; 16],
    /// BirthVolumeId.
    pub birth_volume_id: [u8; 16],
    /// BirthObjectId.
    pub birth_object_id: [u8; 16],
    /// DomainId.
    pub domain_id: [u8; 16],
}

impl ObjectIdBuffer {
    /// Length of the body.
    pub const LEN: usize = 64;

    /// Decodes the body (exactly 64 bytes are read).
    pub fn decode(buf: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(buf);
        Ok(ObjectIdBuffer {
            object_id: r.array("ObjectId")?,
            birth_volume_id: r.array("BirthVolumeId")?,
            birth_object_id: r.array("BirthObjectId")?,
            domain_id: r.array("DomainId")?,
        })
    }

    /// Appends the 64-byte body.
    pub fn encode<B: WireBuf + ?Sized>(&self, buf: &mut B) {
        let mut w = Writer::new(buf);
        w.bytes(&self.object_id);
        w.bytes(&self.birth_volume_id);
        w.bytes(&self.birth_object_id);
        w.bytes(&self.domain_id);
    }
}
