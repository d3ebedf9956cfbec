//! The signing algorithms and their SMB2_SIGNING_CAPABILITIES ids.

use core::fmt;

use crate::error::SignError;

/// An SMB2/3 signing algorithm.
///
/// The discriminants are the ids of the SMB2_SIGNING_CAPABILITIES negotiate
/// context ([MS-SMB2] 2.2.3.1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    /// HMAC-SHA256 truncated to 16 bytes (id 0x0000); SMB 2.0.2 and 2.1.
    HmacSha256,
    /// AES-128-CMAC (id 0x0001); SMB 3.0, 3.0.2, and 3.1.1 by default.
    AesCmac,
    /// AES-128-GMAC (id 0x0002); SMB 3.1.1 when negotiated.
    AesGmac,
}

impl SigningAlgorithm {
    /// Every algorithm, in id order.
    pub const ALL: [SigningAlgorithm; 3] = [Self::HmacSha256, Self::AesCmac, Self::AesGmac];

    /// The SMB2_SIGNING_CAPABILITIES id of this algorithm.
    #[must_use]
    pub const fn id(self) -> u16 {
        match self {
            Self::HmacSha256 => 0x0000,
            Self::AesCmac => 0x0001,
            Self::AesGmac => 0x0002,
        }
    }

    /// The algorithm with this SMB2_SIGNING_CAPABILITIES id.
    ///
    /// # Errors
    ///
    /// [`SignError::UnknownAlgorithm`] for an id that [MS-SMB2] does not define.
    pub const fn from_id(id: u16) -> Result<Self, SignError> {
        match id {
            0x0000 => Ok(Self::HmacSha256),
            0x0001 => Ok(Self::AesCmac),
            0x0002 => Ok(Self::AesGmac),
            _ => Err(SignError::UnknownAlgorithm { id }),
        }
    }

    /// The length in bytes of the key this algorithm takes.
    ///
    /// Always 16: HMAC-SHA256 is keyed with the 16-byte `Session.SessionKey`
    /// (SMB 2.x), CMAC and GMAC with a 16-byte AES-128 signing key (SMB 3.x).
    #[must_use]
    pub const fn key_len(self) -> usize {
        16
    }

    /// The conventional name, e.g. `"AES-128-GMAC"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::HmacSha256 => "HMAC-SHA256",
            Self::AesCmac => "AES-128-CMAC",
            Self::AesGmac => "AES-128-GMAC",
        }
    }
}

impl fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<u16> for SigningAlgorithm {
    type Error = SignError;

    fn try_from(id: u16) -> Result<Self, SignError> {
        Self::from_id(id)
    }
}

impl From<SigningAlgorithm> for u16 {
    fn from(alg: SigningAlgorithm) -> u16 {
        alg.id()
    }
}
