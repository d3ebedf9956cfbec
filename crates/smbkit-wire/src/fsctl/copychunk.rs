//! Server-side copy bodies: SRV_REQUEST_RESUME_KEY response (MS-SMB2
//! 2.2.32.3), SRV_COPYCHUNK_COPY with its SRV_COPYCHUNK entries (2.2.31.1,
//! 2.2.31.1.1) and SRV_COPYCHUNK_RESPONSE (2.2.32.1).

use crate::codec::{Reader, WireBuf, Writer, to_u32};
use crate::error::WireError;

/// Length of a resume key (MS-SMB2 2.2.32.3).
pub const RESUME_KEY_LEN: usize = 24;

/// SRV_REQUEST_RESUME_KEY response: the 24-byte key naming an open, then
/// ContextLength (always 0) and 4 reserved bytes (32 bytes in all, the
/// OutputCount MS-SMB2 3.3.5.15.5 fixes).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ResumeKeyResponse {
    /// The opaque key.
    pub key: [u8; RESUME_KEY_LEN],
}

impl ResumeKeyResponse {
    /// Length of the encoded body.
    pub const LEN: usize = 32;

    /// Decodes the IOCTL output: the key and ContextLength; a context
    /// (unused by the protocol) is skipped when present.
    pub fn decode(output: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(output);
        let key = r.array("ResumeKey")?;
        let context = r.u32("ContextLength")?;
        r.skip(usize::try_from(context).unwrap_or(usize::MAX), "Context")?;
        Ok(ResumeKeyResponse { key })
    }

    /// Appends the 32-byte body.
    pub fn encode<B: WireBuf + ?Sized>(&self, buf: &mut B) {
        let mut w = Writer::new(buf);
        w.bytes(&self.key);
        w.u32(0);
        w.zeros(4);
    }
}

/// One SRV_COPYCHUNK entry (MS-SMB2 2.2.31.1.1): 24 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Chunk {
    /// Offset in the source file.
    pub source_offset: u64,
    /// Offset in the destination file.
    pub target_offset: u64,
    /// Bytes to copy.
    pub length: u32,
}

impl Chunk {
    /// Length of one entry.
    pub const LEN: usize = 24;
}

/// SRV_COPYCHUNK_COPY (MS-SMB2 2.2.31.1): the IOCTL input of
/// FSCTL_SRV_COPYCHUNK and FSCTL_SRV_COPYCHUNK_WRITE.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct CopychunkCopy {
    /// The resume key of the source open.
    pub source_key: [u8; RESUME_KEY_LEN],
    /// The ranges to copy, in order.
    pub chunks: Vec<Chunk>,
}

/// Length of the fixed part before the chunks (key, count, reserved).
const COPY_FIXED: usize = 32;

impl CopychunkCopy {
    /// The SourceKey alone, when the input is long enough to hold one (the
    /// server looks the source open up before it judges the rest).
    #[must_use]
    pub fn peek_source_key(input: &[u8]) -> Option<[u8; RESUME_KEY_LEN]> {
        Reader::new(input).array("SourceKey").ok()
    }

    /// The ChunkCount field, when present.
    #[must_use]
    pub fn peek_chunk_count(input: &[u8]) -> Option<u32> {
        let mut r = Reader::new(input);
        r.skip(RESUME_KEY_LEN, "SourceKey").ok()?;
        r.u32("ChunkCount").ok()
    }

    /// Decodes the input. The buffer must hold ChunkCount entries (bytes
    /// after them are ignored, as Windows does).
    pub fn decode(input: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(input);
        let source_key = r.array("SourceKey")?;
        let count = r.u32("ChunkCount")?;
        r.skip(4, "Reserved")?;
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        // Refuse before allocating: every entry must be present.
        let needed = count
            .checked_mul(Chunk::LEN)
            .ok_or(WireError::invalid("ChunkCount", "overflow"))?;
        if r.remaining() < needed {
            return Err(WireError::invalid(
                "Chunks",
                "input shorter than ChunkCount entries",
            ));
        }
        let mut chunks = Vec::with_capacity(count);
        for _ in 0..count {
            let source_offset = r.u64("SourceOffset")?;
            let target_offset = r.u64("TargetOffset")?;
            let length = r.u32("Length")?;
            r.skip(4, "Reserved")?;
            chunks.push(Chunk {
                source_offset,
                target_offset,
                length,
            });
        }
        Ok(CopychunkCopy { source_key, chunks })
    }

    /// Appends the body.
    pub fn encode<B: WireBuf + ?Sized>(&self, buf: &mut B) -> Result<(), WireError> {
        let count = to_u32("ChunkCount", self.chunks.len())?;
        let mut w = Writer::new(buf);
        w.bytes(&self.source_key);
        w.u32(count);
        w.u32(0);
        for c in &self.chunks {
            w.u64(c.source_offset);
            w.u64(c.target_offset);
            w.u32(c.length);
            w.u32(0);
        }
        Ok(())
    }

    /// Length of the encoded body.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        COPY_FIXED.saturating_add(self.chunks.len().saturating_mul(Chunk::LEN))
    }
}

/// SRV_COPYCHUNK_RESPONSE (MS-SMB2 2.2.32.1). After a copy: the chunks
/// written, the bytes of a partly written last chunk, the total. After a
/// request over the limits (STATUS_INVALID_PARAMETER): the server's
/// maximum chunk count, maximum chunk size and maximum total size.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct CopychunkResponse {
    /// ChunksWritten.
    pub chunks_written: u32,
    /// ChunkBytesWritten.
    pub chunk_bytes_written: u32,
    /// TotalBytesWritten.
    pub total_bytes_written: u32,
}

impl CopychunkResponse {
    /// Length of the body.
    pub const LEN: usize = 12;

    /// Decodes the IOCTL output (exactly 12 bytes).
    pub fn decode(output: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(output);
        let resp = CopychunkResponse {
            chunks_written: r.u32("ChunksWritten")?,
            chunk_bytes_written: r.u32("ChunkBytesWritten")?,
            total_bytes_written: r.u32("TotalBytesWritten")?,
        };
        if r.remaining() != 0 {
            return Err(WireError::invalid(
                "SRV_COPYCHUNK_RESPONSE",
                "longer than 12 bytes",
            ));
        }
        Ok(resp)
    }

    /// Appends the 12-byte body.
    pub fn encode<B: WireBuf + ?Sized>(&self, buf: &mut B) {
        let mut w = Writer::new(buf);
        w.u32(self.chunks_written);
        w.u32(self.chunk_bytes_written);
        w.u32(self.total_bytes_written);
    }

    /// The body as bytes.
    #[must_use]
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        self.encode(&mut v);
        v
    }
}
