//! The AEAD instances behind the keys: one enum over the four RustCrypto
//! types, so a key's schedule is expanded once, at key creation.

use aead::array::Array;
use aead::consts::{U11, U16};
use aead::{AeadInOut, KeyInit};
use aes::{Aes128, Aes256};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use ccm::Ccm;
use zeroize::Zeroize;

use crate::header::{TRANSFORM_AAD_LEN, TRANSFORM_NONCE_LEN, TRANSFORM_TAG_LEN};
use crate::{Cipher, KeyError};

/// AES-128-CCM as SMB uses it: 16-byte tag, 11-byte nonce.
type Aes128Ccm = Ccm<Aes128, U16, U11>;
/// AES-256-CCM as SMB uses it: 16-byte tag, 11-byte nonce.
type Aes256Ccm = Ccm<Aes256, U16, U11>;

/// The AEAD refused an operation (bad lengths, or a tag mismatch).
#[derive(Debug)]
pub(crate) struct AeadFailure;

/// One keyed AEAD. The RustCrypto types wipe their key schedules on drop
/// (the `zeroize` features of `aes` and `aes-gcm` are enabled).
pub(crate) enum Engine {
    Aes128Ccm(Box<Aes128Ccm>),
    Aes128Gcm(Box<Aes128Gcm>),
    Aes256Ccm(Box<Aes256Ccm>),
    Aes256Gcm(Box<Aes256Gcm>),
}

impl Engine {
    /// Expands `key` for `cipher`; refuses a key of the wrong length.
    pub(crate) fn new(cipher: Cipher, key: &[u8]) -> Result<Engine, KeyError> {
        let wrong = KeyError::WrongKeyLength {
            cipher,
            expected: cipher.key_len(),
            actual: key.len(),
        };
        if key.len() != cipher.key_len() {
            return Err(wrong);
        }
        let engine = match cipher {
            Cipher::Aes128Ccm => {
                Engine::Aes128Ccm(Box::new(Aes128Ccm::new_from_slice(key).map_err(|_| wrong)?))
            }
            Cipher::Aes128Gcm => {
                Engine::Aes128Gcm(Box::new(Aes128Gcm::new_from_slice(key).map_err(|_| wrong)?))
            }
            Cipher::Aes256Ccm => {
                Engine::Aes256Ccm(Box::new(Aes256Ccm::new_from_slice(key).map_err(|_| wrong)?))
            }
            Cipher::Aes256Gcm => {
                Engine::Aes256Gcm(Box::new(Aes256Gcm::new_from_slice(key).map_err(|_| wrong)?))
            }
        };
        Ok(engine)
    }

    /// Encrypts `message` in place; returns the detached tag.
    pub(crate) fn encrypt(
        &self,
        nonce_field: &[u8; TRANSFORM_NONCE_LEN],
        aad: &[u8; TRANSFORM_AAD_LEN],
        message: &mut [u8],
    ) -> Result<[u8; TRANSFORM_TAG_LEN], AeadFailure> {
        match self {
            Engine::Aes128Ccm(a) => encrypt_with(a.as_ref(), ccm_nonce(nonce_field)?, aad, message),
            Engine::Aes128Gcm(a) => encrypt_with(a.as_ref(), gcm_nonce(nonce_field)?, aad, message),
            Engine::Aes256Ccm(a) => encrypt_with(a.as_ref(), ccm_nonce(nonce_field)?, aad, message),
            Engine::Aes256Gcm(a) => encrypt_with(a.as_ref(), gcm_nonce(nonce_field)?, aad, message),
        }
    }

    /// Verifies `tag` and decrypts `message` in place. On failure the message
    /// is zeroed, whatever the cipher left in it (GCM checks before it
    /// decrypts; CCM decrypts, then wipes on mismatch).
    pub(crate) fn decrypt(
        &self,
        nonce_field: &[u8; TRANSFORM_NONCE_LEN],
        aad: &[u8; TRANSFORM_AAD_LEN],
        message: &mut [u8],
        tag: &[u8; TRANSFORM_TAG_LEN],
    ) -> Result<(), AeadFailure> {
        let result =
            match self {
                Engine::Aes128Ccm(a) => ccm_nonce(nonce_field)
                    .and_then(|n| decrypt_with(a.as_ref(), n, aad, message, tag)),
                Engine::Aes128Gcm(a) => gcm_nonce(nonce_field)
                    .and_then(|n| decrypt_with(a.as_ref(), n, aad, message, tag)),
                Engine::Aes256Ccm(a) => ccm_nonce(nonce_field)
                    .and_then(|n| decrypt_with(a.as_ref(), n, aad, message, tag)),
                Engine::Aes256Gcm(a) => gcm_nonce(nonce_field)
                    .and_then(|n| decrypt_with(a.as_ref(), n, aad, message, tag)),
            };
        if result.is_err() {
            message.zeroize();
        }
        result
    }
}

fn ccm_nonce(field: &[u8; TRANSFORM_NONCE_LEN]) -> Result<Array<u8, U11>, AeadFailure> {
    field
        .first_chunk::<11>()
        .map(|n| Array::from(*n))
        .ok_or(AeadFailure)
}

fn gcm_nonce(
    field: &[u8; TRANSFORM_NONCE_LEN],
) -> Result<Array<u8, aead::consts::U12>, AeadFailure> {
    field
        .first_chunk::<12>()
        .map(|n| Array::from(*n))
        .ok_or(AeadFailure)
}

fn encrypt_with<A>(
    aead: &A,
    nonce: aead::Nonce<A>,
    aad: &[u8; TRANSFORM_AAD_LEN],
    message: &mut [u8],
) -> Result<[u8; TRANSFORM_TAG_LEN], AeadFailure>
where
    A: AeadInOut<TagSize = U16>,
{
    let tag = aead
        .encrypt_inout_detached(&nonce, aad, message.into())
        .map_err(|_| AeadFailure)?;
    Ok(tag.into())
}

fn decrypt_with<A>(
    aead: &A,
    nonce: aead::Nonce<A>,
    aad: &[u8; TRANSFORM_AAD_LEN],
    message: &mut [u8],
    tag: &[u8; TRANSFORM_TAG_LEN],
) -> Result<(), AeadFailure>
where
    A: AeadInOut<TagSize = U16>,
{
    aead.decrypt_inout_detached(&nonce, aad, message.into(), &Array::from(*tag))
        .map_err(|_| AeadFailure)
}
