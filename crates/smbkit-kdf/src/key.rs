//! Key lengths and the zeroizing key type.

use core::fmt;

use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::KdfError;

/// The length of the negotiated cipher's key: AES-128 (16 bytes, KDF
/// `L = 128`) or AES-256 (32 bytes, `L = 256`).
///
/// AES-128-CCM and AES-128-GCM use [`CipherKeyLen::Aes128`]; AES-256-CCM and
/// AES-256-GCM (SMB 3.1.1 only) use [`CipherKeyLen::Aes256`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherKeyLen {
    /// A 16-byte key.
    Aes128,
    /// A 32-byte key.
    Aes256,
}

impl CipherKeyLen {
    /// The key length in bytes: 16 or 32.
    #[must_use]
    pub const fn bytes(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes256 => 32,
        }
    }

    /// The key length in bits, the KDF's `L`: 128 or 256.
    #[must_use]
    pub const fn bits(self) -> u32 {
        match self {
            Self::Aes128 => 128,
            Self::Aes256 => 256,
        }
    }

    /// The key length for a byte count of 16 or 32.
    ///
    /// # Errors
    ///
    /// [`KdfError::InvalidKeyLength`] for any other count.
    pub const fn from_len(len: usize) -> Result<Self, KdfError> {
        match len {
            16 => Ok(Self::Aes128),
            32 => Ok(Self::Aes256),
            _ => Err(KdfError::InvalidKeyLength { len }),
        }
    }
}

impl TryFrom<usize> for CipherKeyLen {
    type Error = KdfError;

    fn try_from(len: usize) -> Result<Self, KdfError> {
        Self::from_len(len)
    }
}

/// The bytes of a [`SecretKey`], sized by the type rather than by a length
/// field so that reading them needs no slicing.
#[derive(Clone)]
enum Material {
    Aes128([u8; 16]),
    Aes256([u8; 32]),
}

/// A secret key of 16 or 32 bytes: a signing, application, encryption or
/// decryption key.
///
/// The bytes are wiped when the key is dropped, `Debug` prints only the
/// length, and equality is decided in constant time
/// ([`subtle::ConstantTimeEq`]; keys of different lengths are simply unequal).
#[derive(Clone)]
pub struct SecretKey(Material);

impl SecretKey {
    /// Copies a 16- or 32-byte key.
    ///
    /// # Errors
    ///
    /// [`KdfError::InvalidKeyLength`] for any other length.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, KdfError> {
        let invalid = KdfError::InvalidKeyLength { len: bytes.len() };
        match CipherKeyLen::from_len(bytes.len())? {
            CipherKeyLen::Aes128 => bytes
                .try_into()
                .map(|b| Self(Material::Aes128(b)))
                .map_err(|_| invalid),
            CipherKeyLen::Aes256 => bytes
                .try_into()
                .map(|b| Self(Material::Aes256(b)))
                .map_err(|_| invalid),
        }
    }

    /// A zeroed key of the given length, to be filled in place.
    pub(crate) const fn zeroed(len: CipherKeyLen) -> Self {
        match len {
            CipherKeyLen::Aes128 => Self(Material::Aes128([0; 16])),
            CipherKeyLen::Aes256 => Self(Material::Aes256([0; 32])),
        }
    }

    /// The key bytes, in place for the buffer to be filled.
    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8] {
        match &mut self.0 {
            Material::Aes128(b) => b,
            Material::Aes256(b) => b,
        }
    }

    /// The key bytes (16 or 32 of them).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Material::Aes128(b) => b,
            Material::Aes256(b) => b,
        }
    }

    /// The key length in bytes: 16 or 32.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.key_len().bytes()
    }

    /// Always `false`: a key has 16 or 32 bytes. Present for the usual
    /// `len`/`is_empty` pair.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// The key length as a [`CipherKeyLen`].
    #[must_use]
    pub const fn key_len(&self) -> CipherKeyLen {
        match self.0 {
            Material::Aes128(_) => CipherKeyLen::Aes128,
            Material::Aes256(_) => CipherKeyLen::Aes256,
        }
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        match &mut self.0 {
            Material::Aes128(b) => b.zeroize(),
            Material::Aes256(b) => b.zeroize(),
        }
    }
}

impl ZeroizeOnDrop for SecretKey {}

impl ConstantTimeEq for SecretKey {
    fn ct_eq(&self, other: &Self) -> Choice {
        // The lengths are public (they follow from the negotiated cipher);
        // only the bytes are compared in constant time.
        match (&self.0, &other.0) {
            (Material::Aes128(a), Material::Aes128(b)) => a.ct_eq(b),
            (Material::Aes256(a), Material::Aes256(b)) => a.ct_eq(b),
            _ => Choice::from(0),
        }
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_key_len_accepts_only_16_and_32() {
        assert_eq!(CipherKeyLen::from_len(16), Ok(CipherKeyLen::Aes128));
        assert_eq!(CipherKeyLen::try_from(32), Ok(CipherKeyLen::Aes256));
        for len in [0, 1, 15, 17, 24, 31, 33, 64] {
            assert_eq!(
                CipherKeyLen::from_len(len),
                Err(KdfError::InvalidKeyLength { len })
            );
        }
        assert_eq!(CipherKeyLen::Aes128.bytes(), 16);
        assert_eq!(CipherKeyLen::Aes256.bytes(), 32);
        assert_eq!(CipherKeyLen::Aes128.bits(), 128);
        assert_eq!(CipherKeyLen::Aes256.bits(), 256);
    }

    #[test]
    fn secret_key_round_trips_and_refuses_other_lengths() {
        let k = SecretKey::from_slice(&[0x5a; 32]).unwrap();
        assert_eq!(k.as_bytes(), &[0x5a; 32]);
        assert_eq!(k.len(), 32);
        assert_eq!(k.key_len(), CipherKeyLen::Aes256);
        assert!(SecretKey::from_slice(&[1; 20]).is_err());
        assert!(SecretKey::from_slice(&[]).is_err());
    }

    #[test]
    fn debug_prints_length_not_bytes() {
        let k = SecretKey::from_slice(&[0xab; 16]).unwrap();
        let s = format!("{k:?}");
        assert!(s.contains("16"), "{s}");
        assert!(!s.to_lowercase().contains("ab"), "{s}");
        assert!(!s.contains("171"), "{s}");
    }

    #[test]
    fn equality_is_by_content_and_length() {
        let a = SecretKey::from_slice(&[1; 16]).unwrap();
        let b = SecretKey::from_slice(&[1; 16]).unwrap();
        let mut c_bytes = [1u8; 16];
        c_bytes[15] = 2;
        let c = SecretKey::from_slice(&c_bytes).unwrap();
        let d = SecretKey::from_slice(&[1; 32]).unwrap();
        assert_eq!(a, b);
        assert!(bool::from(a.ct_eq(&b)));
        assert_ne!(a, c);
        assert_ne!(a, d);
    }
}
