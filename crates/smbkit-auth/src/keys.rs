//! Secret key material.

use core::fmt;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret key: the session key handed to SMB (16 bytes from NTLM, the
/// Kerberos subkey at full length: 16 or 32 bytes), and the NTLM keys derived
/// on the way (NTOWFv2, KeyExchangeKey, signing and sealing keys).
///
/// Zeroized on drop; `Debug` never prints the bytes; equality is constant-time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKey(Vec<u8>);

impl SessionKey {
    /// Wraps 16 key bytes.
    #[must_use]
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes.to_vec())
    }

    /// Wraps key bytes of any length (a Kerberos AES-256 subkey is 32).
    #[must_use]
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// The key bytes (all of them).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The first 16 bytes, zero-padded when shorter (the NTLM keys are all 16).
    #[must_use]
    pub fn first16(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        for (d, s) in out.iter_mut().zip(&self.0) {
            *d = *s;
        }
        out
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

impl ConstantTimeEq for SessionKey {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for SessionKey {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for SessionKey {}
