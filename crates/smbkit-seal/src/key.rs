//! Encryption and decryption keys.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::engine::Engine;
use crate::header::{
    TRANSFORM_AAD_LEN, TRANSFORM_FLAG_ENCRYPTED, TRANSFORM_HEADER_LEN, TRANSFORM_NONCE_LEN,
    TRANSFORM_PROTOCOL_ID, TRANSFORM_TAG_LEN, TransformHeader,
};
use crate::{Cipher, KeyError, SealError, UnsealError};

/// Bytes of the nonce taken by the per-key message counter.
pub const NONCE_COUNTER_LEN: usize = 8;

/// A key that seals (encrypts) outgoing messages, with its nonce state.
///
/// Create one per session key and share it (`Arc<EncryptionKey>`) between
/// all channels of the session: the nonce counter lives in the key, so two
/// seals through the same `EncryptionKey` never use the same nonce.
///
/// The AES key schedule is expanded once, in [`EncryptionKey::new`]; it and
/// the nonce salt are wiped when the key is dropped. `Debug` shows only the
/// cipher.
pub struct EncryptionKey {
    cipher: Cipher,
    engine: Engine,
    /// The next counter value; values `0..u64::MAX` are used, `u64::MAX`
    /// means exhausted.
    counter: AtomicU64,
    /// The 16-byte Nonce field with the counter bytes zero: counter (8) |
    /// salt (3 for CCM, 4 for GCM) | zeros.
    nonce_template: [u8; TRANSFORM_NONCE_LEN],
}

impl EncryptionKey {
    /// Expands `key` for `cipher` and picks a random nonce salt.
    ///
    /// # Errors
    /// [`KeyError::WrongKeyLength`] if `key.len() != cipher.key_len()`;
    /// [`KeyError::Random`] if the system random number generator fails.
    pub fn new(cipher: Cipher, key: &[u8]) -> Result<EncryptionKey, KeyError> {
        let engine = Engine::new(cipher, key)?;
        let mut salt = [0u8; 4];
        getrandom::fill(&mut salt).map_err(|_| KeyError::Random)?;
        let salt_len = cipher.nonce_len().saturating_sub(NONCE_COUNTER_LEN);
        let mut nonce_template = [0u8; TRANSFORM_NONCE_LEN];
        let salt_slots = nonce_template.iter_mut().skip(NONCE_COUNTER_LEN);
        salt_slots
            .zip(salt.iter().take(salt_len))
            .for_each(|(dst, src)| *dst = *src);
        salt.zeroize();
        Ok(EncryptionKey {
            cipher,
            engine,
            counter: AtomicU64::new(0),
            nonce_template,
        })
    }

    /// The cipher this key is for.
    #[must_use]
    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    /// Seals `message` in place and writes the complete transform header
    /// into `header`: ProtocolId, the tag as Signature, a fresh nonce,
    /// OriginalMessageSize, Reserved 0, Flags 0x0001 and `session_id`.
    ///
    /// Nothing is allocated and the message is not copied.
    ///
    /// # Errors
    /// [`SealError::HeaderLength`] unless `header` is exactly 52 bytes,
    /// [`SealError::EmptyMessage`], [`SealError::MessageTooLarge`] (more
    /// than `u32::MAX` bytes), [`SealError::NonceExhausted`]. On error the
    /// header and message are unchanged.
    pub fn seal_in_place(
        &self,
        session_id: u64,
        header: &mut [u8],
        message: &mut [u8],
    ) -> Result<(), SealError> {
        let actual = header.len();
        let header: &mut [u8; TRANSFORM_HEADER_LEN] = header
            .try_into()
            .map_err(|_| SealError::HeaderLength { actual })?;
        let size = message_size(message)?;
        let nonce = self.next_nonce()?;
        seal_with_nonce(&self.engine, &nonce, session_id, size, header, message)
    }

    /// Seals a frame whose first 52 bytes are reserved for the transform
    /// header and whose remaining bytes are the message.
    ///
    /// # Errors
    /// [`SealError::FrameTooShort`] if the frame is shorter than 52 bytes,
    /// otherwise as [`EncryptionKey::seal_in_place`].
    pub fn seal_frame(&self, session_id: u64, frame: &mut [u8]) -> Result<(), SealError> {
        let actual = frame.len();
        let (header, message) = frame
            .split_at_mut_checked(TRANSFORM_HEADER_LEN)
            .ok_or(SealError::FrameTooShort { actual })?;
        self.seal_in_place(session_id, header, message)
    }

    /// Takes the next counter value and builds the Nonce field from it.
    fn next_nonce(&self) -> Result<[u8; TRANSFORM_NONCE_LEN], SealError> {
        // A read-modify-write on one atomic: every caller gets a distinct
        // value, whatever the ordering. The update refuses to pass u64::MAX,
        // so the counter never wraps back to a used value.
        let counter = self
            .counter
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| c.checked_add(1))
            .map_err(|_| SealError::NonceExhausted)?;
        let mut nonce = self.nonce_template;
        put(&mut nonce, &counter.to_le_bytes());
        Ok(nonce)
    }

    /// Test hook: move the counter (e.g. next to its limit).
    #[cfg(test)]
    pub(crate) fn set_counter(&self, value: u64) {
        self.counter.store(value, Ordering::Relaxed);
    }
}

impl Drop for EncryptionKey {
    fn drop(&mut self) {
        // The engine's AES/GHASH state wipes itself; the salt is ours.
        self.nonce_template.zeroize();
    }
}

impl ZeroizeOnDrop for EncryptionKey {}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("cipher", &self.cipher)
            .finish_non_exhaustive()
    }
}

/// A key that unseals (decrypts and authenticates) incoming messages.
///
/// The AES key schedule is expanded once, in [`DecryptionKey::new`], and
/// wiped on drop. `Debug` shows only the cipher.
pub struct DecryptionKey {
    cipher: Cipher,
    engine: Engine,
}

impl DecryptionKey {
    /// Expands `key` for `cipher`.
    ///
    /// # Errors
    /// [`KeyError::WrongKeyLength`] if `key.len() != cipher.key_len()`.
    pub fn new(cipher: Cipher, key: &[u8]) -> Result<DecryptionKey, KeyError> {
        Ok(DecryptionKey {
            cipher,
            engine: Engine::new(cipher, key)?,
        })
    }

    /// The cipher this key is for.
    #[must_use]
    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    /// Checks the 52-byte `header` (as received) and decrypts `message` in
    /// place.
    ///
    /// # Errors
    /// One variant per failed check: [`UnsealError::TruncatedHeader`] /
    /// [`UnsealError::HeaderTooLong`], [`UnsealError::BadProtocolId`],
    /// [`UnsealError::BadFlags`], [`UnsealError::SizeMismatch`],
    /// [`UnsealError::EmptyMessage`], [`UnsealError::AuthenticationFailed`].
    /// After an authentication failure `message` is all zeros, never
    /// unauthenticated plaintext; after the other errors it is untouched.
    pub fn unseal_in_place(&self, header: &[u8], message: &mut [u8]) -> Result<(), UnsealError> {
        if header.len() > TRANSFORM_HEADER_LEN {
            return Err(UnsealError::HeaderTooLong {
                actual: header.len(),
            });
        }
        let header = TransformHeader::parse(header)?;
        self.unseal_parsed(&header, message)
    }

    /// Like [`DecryptionKey::unseal_in_place`] with a header the caller has
    /// already parsed (e.g. to look up the key by SessionId).
    ///
    /// # Errors
    /// As [`DecryptionKey::unseal_in_place`], minus the header parse errors.
    pub fn unseal_parsed(
        &self,
        header: &TransformHeader,
        message: &mut [u8],
    ) -> Result<(), UnsealError> {
        let declared = header.original_message_size();
        if usize::try_from(declared).ok() != Some(message.len()) {
            return Err(UnsealError::SizeMismatch {
                declared,
                actual: message.len(),
            });
        }
        if message.is_empty() {
            return Err(UnsealError::EmptyMessage);
        }
        self.engine
            .decrypt(header.nonce(), header.aad(), message, header.signature())
            .map_err(|_| UnsealError::AuthenticationFailed)
    }

    /// Unseals a whole frame (52-byte header followed by the encrypted
    /// message) in place and returns the decrypted message, which lives in
    /// the frame after the header.
    ///
    /// # Errors
    /// As [`DecryptionKey::unseal_in_place`].
    pub fn unseal_frame<'f>(&self, frame: &'f mut [u8]) -> Result<&'f mut [u8], UnsealError> {
        let actual = frame.len();
        let (header, message) = frame
            .split_at_mut_checked(TRANSFORM_HEADER_LEN)
            .ok_or(UnsealError::TruncatedHeader { actual })?;
        self.unseal_in_place(header, message)?;
        Ok(message)
    }
}

impl ZeroizeOnDrop for DecryptionKey {}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("cipher", &self.cipher)
            .finish_non_exhaustive()
    }
}

/// The OriginalMessageSize for `message`: non-zero and fits a u32.
pub(crate) fn message_size(message: &[u8]) -> Result<u32, SealError> {
    let size = u32::try_from(message.len())
        .map_err(|_| SealError::MessageTooLarge { len: message.len() })?;
    if size == 0 {
        return Err(SealError::EmptyMessage);
    }
    Ok(size)
}

/// Seals with an explicit Nonce field. Private: only the counter in
/// [`EncryptionKey`] may choose nonces (and the unit tests, to reproduce the
/// published vectors).
pub(crate) fn seal_with_nonce(
    engine: &Engine,
    nonce: &[u8; TRANSFORM_NONCE_LEN],
    session_id: u64,
    size: u32,
    header: &mut [u8; TRANSFORM_HEADER_LEN],
    message: &mut [u8],
) -> Result<(), SealError> {
    let mut aad = [0u8; TRANSFORM_AAD_LEN];
    let rest = put(&mut aad, nonce);
    let rest = put(rest, &size.to_le_bytes());
    let rest = put(rest, &[0u8; 2]); // Reserved
    let rest = put(rest, &TRANSFORM_FLAG_ENCRYPTED.to_le_bytes());
    put(rest, &session_id.to_le_bytes());

    let tag: [u8; TRANSFORM_TAG_LEN] = engine
        .encrypt(nonce, &aad, message)
        .map_err(|_| SealError::Encrypt)?;

    let rest = put(header, &TRANSFORM_PROTOCOL_ID);
    let rest = put(rest, &tag);
    put(rest, &aad);
    Ok(())
}

/// Copies `src` to the front of `dst` and returns the rest of `dst`.
///
/// The callers write fixed layouts into fixed-size arrays whose lengths add
/// up exactly (checked byte for byte by the published vectors), so `src`
/// always fits; if it did not, nothing would be written rather than panic.
/// (A plain `copy_from_slice`: byte-wise iterator chains here cost ~100 ns
/// per message, 8% of a 4 KiB AES-GCM seal.)
fn put<'a>(dst: &'a mut [u8], src: &[u8]) -> &'a mut [u8] {
    match dst.split_at_mut_checked(src.len()) {
        Some((head, rest)) => {
            head.copy_from_slice(src);
            rest
        }
        None => &mut [],
    }
}
