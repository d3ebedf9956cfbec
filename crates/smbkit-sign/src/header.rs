//! The few SMB2 header fields signing needs ([MS-SMB2] 2.2.1).

use crate::error::{Malformed, SignError};

/// Length of the SMB2 header (sync and async forms alike).
pub const SMB2_HEADER_LEN: usize = 64;
/// Offset of the 16-byte Signature field in the SMB2 header.
pub const SIGNATURE_OFFSET: usize = 48;
/// Length of the Signature field.
pub const SIGNATURE_LEN: usize = 16;
/// The SMB2 ProtocolId: `0xFE 'S' 'M' 'B'`.
pub const PROTOCOL_ID: [u8; 4] = [0xFE, b'S', b'M', b'B'];
/// SMB2_FLAGS_SERVER_TO_REDIR: the message is a response, sent by the server.
pub const FLAGS_SERVER_TO_REDIR: u32 = 0x0000_0001;
/// The SMB2 CANCEL command code.
pub const SMB2_CANCEL: u16 = 0x000C;

/// Offsets inside the header.
const COMMAND: usize = 12;
const FLAGS: usize = 16;
const MESSAGE_ID: usize = 24;

/// Checks that `header` starts with a 64-byte SMB2 header and returns it.
pub(crate) fn check_header(header: &[u8]) -> Result<&[u8; SMB2_HEADER_LEN], Malformed> {
    let fixed = header
        .first_chunk::<SMB2_HEADER_LEN>()
        .ok_or(Malformed::TooShort { len: header.len() })?;
    let (protocol, _) = fixed
        .split_first_chunk::<4>()
        .ok_or(Malformed::TooShort { len: header.len() })?;
    if *protocol != PROTOCOL_ID {
        return Err(Malformed::NotSmb2 { found: *protocol });
    }
    Ok(fixed)
}

/// Reads `N` bytes at a constant offset of the fixed header.
fn field<const N: usize>(header: &[u8; SMB2_HEADER_LEN], offset: usize) -> [u8; N] {
    header
        .get(offset..)
        .and_then(<[u8]>::first_chunk::<N>)
        .copied()
        // Offsets are constants well inside 64 bytes; zeros are never used.
        .unwrap_or([0; N])
}

/// The AES-GMAC nonce of a checked header ([MS-SMB2] 3.1.4.1).
pub(crate) fn nonce_of(header: &[u8; SMB2_HEADER_LEN]) -> [u8; 12] {
    let message_id: [u8; 8] = field(header, MESSAGE_ID);
    let flags = u32::from_le_bytes(field(header, FLAGS));
    let command = u16::from_le_bytes(field(header, COMMAND));
    let mut word = 0u32;
    if flags & FLAGS_SERVER_TO_REDIR != 0 {
        word |= 0b01;
    }
    if command == SMB2_CANCEL {
        word |= 0b10;
    }
    let mut nonce = [0u8; 12];
    let (id_part, word_part) = nonce.split_at_mut(8);
    id_part.copy_from_slice(&message_id);
    word_part.copy_from_slice(&word.to_le_bytes());
    nonce
}

/// The 12-byte AES-GMAC signing nonce of the message whose header starts `header`
/// ([MS-SMB2] 3.1.4.1).
///
/// The MessageId (header bytes 24..32) as 8 bytes little-endian, then a
/// little-endian 32-bit word whose bit 0 is set when the message is sent by the
/// server (`SMB2_FLAGS_SERVER_TO_REDIR` in Flags) and bit 1 when the command is
/// CANCEL; the other 30 bits are zero.
///
/// # Errors
///
/// [`SignError::MessageTooShort`] or [`SignError::NotSmb2Header`] when `header`
/// does not start with an SMB2 header.
pub fn gmac_nonce(header: &[u8]) -> Result<[u8; 12], SignError> {
    Ok(nonce_of(check_header(header)?))
}
