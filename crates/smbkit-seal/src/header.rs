//! The SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41).
//!
//! ```text
//! offset  size  field
//!      0     4  ProtocolId            0xFD 'S' 'M' 'B'
//!      4    16  Signature             the AEAD tag
//!     20    16  Nonce                 AEAD nonce = first 11 (CCM) or 12 (GCM) bytes
//!     36     4  OriginalMessageSize   u32 LE, plaintext length
//!     40     2  Reserved
//!     42     2  Flags / EncryptionAlgorithm   u16 LE, 0x0001
//!     44     8  SessionId             u64 LE
//! ```
//!
//! The AAD is bytes 20..52 (Nonce through SessionId) exactly as they appear on
//! the wire.

use crate::{Cipher, UnsealError};

/// Length of the transform header in bytes.
pub const TRANSFORM_HEADER_LEN: usize = 52;

/// The ProtocolId of a transform header: `0xFD 'S' 'M' 'B'`.
pub const TRANSFORM_PROTOCOL_ID: [u8; 4] = [0xFD, b'S', b'M', b'B'];

/// The only valid Flags (SMB 3.1.1: `Encrypted`) / EncryptionAlgorithm
/// (SMB 3.0/3.0.2: `SMB2_ENCRYPTION_AES128_CCM`) value.
pub const TRANSFORM_FLAG_ENCRYPTED: u16 = 0x0001;

/// Length of the additional authenticated data: Nonce through SessionId.
pub const TRANSFORM_AAD_LEN: usize = 32;

/// Length of the Signature field (the AEAD tag).
pub const TRANSFORM_TAG_LEN: usize = 16;

/// Length of the Nonce field.
pub const TRANSFORM_NONCE_LEN: usize = 16;

/// A parsed, read-only copy of a transform header.
///
/// [`TransformHeader::parse`] checks the length, the ProtocolId and the Flags;
/// it does not check OriginalMessageSize against the message (that needs the
/// message: [`DecryptionKey`](crate::DecryptionKey) does it) and it cannot
/// check the tag. A session layer parses the header first to read the
/// [`session_id`](TransformHeader::session_id) and find the key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TransformHeader {
    bytes: [u8; TRANSFORM_HEADER_LEN],
    protocol_id: [u8; 4],
    signature: [u8; TRANSFORM_TAG_LEN],
    aad: [u8; TRANSFORM_AAD_LEN],
    nonce: [u8; TRANSFORM_NONCE_LEN],
    original_message_size: u32,
    reserved: u16,
    flags: u16,
    session_id: u64,
}

/// Takes the next `N` bytes off the front of `cursor`.
fn take<const N: usize>(cursor: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = cursor.split_first_chunk::<N>()?;
    *cursor = rest;
    Some(*head)
}

impl TransformHeader {
    /// Parses the first 52 bytes of `bytes` (extra bytes, e.g. the encrypted
    /// message of a whole frame, are ignored).
    ///
    /// # Errors
    /// [`UnsealError::TruncatedHeader`] if fewer than 52 bytes are given,
    /// [`UnsealError::BadProtocolId`], [`UnsealError::BadFlags`].
    pub fn parse(bytes: &[u8]) -> Result<TransformHeader, UnsealError> {
        let truncated = UnsealError::TruncatedHeader {
            actual: bytes.len(),
        };
        let mut cursor = bytes;
        let whole: [u8; TRANSFORM_HEADER_LEN] = take(&mut cursor).ok_or(truncated.clone())?;
        let mut cursor = whole.as_slice();
        let protocol_id: [u8; 4] = take(&mut cursor).ok_or(truncated.clone())?;
        let signature = take(&mut cursor).ok_or(truncated.clone())?;
        let aad: [u8; TRANSFORM_AAD_LEN] = take(&mut cursor).ok_or(truncated.clone())?;
        let mut cursor = aad.as_slice();
        let nonce = take(&mut cursor).ok_or(truncated.clone())?;
        let original_message_size = u32::from_le_bytes(take(&mut cursor).ok_or(truncated.clone())?);
        let reserved = u16::from_le_bytes(take(&mut cursor).ok_or(truncated.clone())?);
        let flags = u16::from_le_bytes(take(&mut cursor).ok_or(truncated.clone())?);
        let session_id = u64::from_le_bytes(take(&mut cursor).ok_or(truncated)?);

        if protocol_id != TRANSFORM_PROTOCOL_ID {
            return Err(UnsealError::BadProtocolId { found: protocol_id });
        }
        if flags != TRANSFORM_FLAG_ENCRYPTED {
            return Err(UnsealError::BadFlags { found: flags });
        }
        Ok(TransformHeader {
            bytes: whole,
            protocol_id,
            signature,
            aad,
            nonce,
            original_message_size,
            reserved,
            flags,
            session_id,
        })
    }

    /// The 52 header bytes as received.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; TRANSFORM_HEADER_LEN] {
        &self.bytes
    }

    /// ProtocolId (always [`TRANSFORM_PROTOCOL_ID`] after a successful parse).
    #[must_use]
    pub fn protocol_id(&self) -> [u8; 4] {
        self.protocol_id
    }

    /// Signature: the 16-byte AEAD tag.
    #[must_use]
    pub fn signature(&self) -> &[u8; TRANSFORM_TAG_LEN] {
        &self.signature
    }

    /// The additional authenticated data: the 32 bytes from Nonce to
    /// SessionId, verbatim.
    #[must_use]
    pub fn aad(&self) -> &[u8; TRANSFORM_AAD_LEN] {
        &self.aad
    }

    /// The whole 16-byte Nonce field as received (the bytes after the AEAD
    /// nonce are not required to be zero).
    #[must_use]
    pub fn nonce(&self) -> &[u8; TRANSFORM_NONCE_LEN] {
        &self.nonce
    }

    /// The AEAD nonce for `cipher`: the first 11 (CCM) or 12 (GCM) bytes of
    /// the Nonce field.
    #[must_use]
    pub fn aead_nonce(&self, cipher: Cipher) -> &[u8] {
        self.nonce.get(..cipher.nonce_len()).unwrap_or(&self.nonce)
    }

    /// OriginalMessageSize: the plaintext length the sender declared.
    #[must_use]
    pub fn original_message_size(&self) -> u32 {
        self.original_message_size
    }

    /// The Reserved field (not checked; it is authenticated as AAD).
    #[must_use]
    pub fn reserved(&self) -> u16 {
        self.reserved
    }

    /// Flags (SMB 3.1.1) / EncryptionAlgorithm (SMB 3.0.x); 0x0001 after a
    /// successful parse.
    #[must_use]
    pub fn flags(&self) -> u16 {
        self.flags
    }

    /// SessionId: which session's key encrypted the message.
    #[must_use]
    pub fn session_id(&self) -> u64 {
        self.session_id
    }
}

impl core::fmt::Debug for TransformHeader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        struct Hex<'a>(&'a [u8]);
        impl core::fmt::Debug for Hex<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
        f.debug_struct("TransformHeader")
            .field("signature", &Hex(&self.signature))
            .field("nonce", &Hex(&self.nonce))
            .field("original_message_size", &self.original_message_size)
            .field("reserved", &self.reserved)
            .field("flags", &self.flags)
            .field("session_id", &format_args!("{:#018x}", self.session_id))
            .finish()
    }
}
