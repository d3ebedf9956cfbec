//! The SMB 3.1.1 pre-authentication integrity chain (MS-SMB2 3.2.5.2,
//! 3.3.5.4, 3.3.5.5).

use core::fmt;

use sha2::{Digest, Sha512};

use crate::KdfError;

/// A 64-byte SMB 3.1.1 PreauthIntegrityHashValue (SHA-512).
///
/// Not secret: it is a hash of packets that crossed the network in clear.
/// `Debug` prints it in hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PreauthHash([u8; 64]);

impl PreauthHash {
    /// The start value of every chain: 64 zero bytes.
    pub const ZERO: Self = Self([0; 64]);

    /// Wraps a 64-byte value.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 64]) -> Self {
        Self(bytes)
    }

    /// The 64 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }
}

impl Default for PreauthHash {
    fn default() -> Self {
        Self::ZERO
    }
}

impl From<[u8; 64]> for PreauthHash {
    fn from(bytes: [u8; 64]) -> Self {
        Self(bytes)
    }
}

impl TryFrom<&[u8]> for PreauthHash {
    type Error = KdfError;

    /// Copies a 64-byte slice; any other length is refused.
    fn try_from(bytes: &[u8]) -> Result<Self, KdfError> {
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| KdfError::InvalidPreauthHashLength { len: bytes.len() })
    }
}

impl AsRef<[u8]> for PreauthHash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for PreauthHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PreauthHash(")?;
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// The SHA-512 pre-authentication integrity chain of SMB 3.1.1.
///
/// It starts at 64 zero bytes ([`PreauthHash::ZERO`]); every packet fed to
/// it replaces the value `H` with `SHA-512(H || packet)`. Packets are hashed
/// whole (SMB2 header included) and exactly as sent or received, signature
/// field included.
///
/// Which packets go in:
///
/// * **Connection**: the NEGOTIATE request, then the NEGOTIATE response. The
///   result is Connection.PreauthIntegrityHashValue.
/// * **Session** (and each binding channel): the chain starts as a *copy* of
///   the connection's value after NEGOTIATE ([`Clone`] it, or
///   [`PreauthIntegrity::from_value`]). Then every SESSION_SETUP request, and
///   every SESSION_SETUP response whose status is *not* `STATUS_SUCCESS`
///   (typically `STATUS_MORE_PROCESSING_REQUIRED`), in order.
/// * The final `STATUS_SUCCESS` SESSION_SETUP response is **not** hashed: the
///   value after the last request is the context for the 3.1.1 keys (see
///   [`crate::Derivation::Smb311`]), and that response is already signed
///   with the derived signing key.
///
/// Only dialect 3.1.1 has this chain; the hash algorithm is SHA-512, the
/// only one MS-SMB2 defines (HashAlgorithm `0x0001`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PreauthIntegrity {
    value: PreauthHash,
}

impl PreauthIntegrity {
    /// A chain at its start value, 64 zero bytes.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            value: PreauthHash::ZERO,
        }
    }

    /// A chain that continues from `value`, e.g. a session's chain started
    /// from the connection's value after NEGOTIATE.
    #[must_use]
    pub const fn from_value(value: PreauthHash) -> Self {
        Self { value }
    }

    /// Hashes one packet into the chain: `H = SHA-512(H || packet)`.
    pub fn update(&mut self, packet: &[u8]) {
        self.update_vectored(&[packet]);
    }

    /// Hashes one packet that is held in several buffers (for example a
    /// header and a payload), in order, without joining them. The result is
    /// the same as [`update`](Self::update) over the concatenation; this is
    /// *one* chain step, not one step per buffer.
    pub fn update_vectored(&mut self, parts: &[&[u8]]) {
        let mut hasher = Sha512::new();
        hasher.update(self.value.0);
        for part in parts {
            hasher.update(part);
        }
        self.value = PreauthHash(hasher.finalize().into());
    }

    /// The current value.
    #[must_use]
    pub const fn value(&self) -> &PreauthHash {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_zero_and_moves() {
        let mut p = PreauthIntegrity::new();
        assert_eq!(p.value().as_bytes(), &[0u8; 64]);
        p.update(b"packet");
        let mut expected = Sha512::new();
        expected.update([0u8; 64]);
        expected.update(b"packet");
        let expected: [u8; 64] = expected.finalize().into();
        assert_eq!(p.value().as_bytes(), &expected);
    }

    #[test]
    fn vectored_is_one_step() {
        let mut a = PreauthIntegrity::new();
        let mut b = PreauthIntegrity::new();
        a.update(b"headerpayload");
        b.update_vectored(&[b"header", b"", b"payload"]);
        assert_eq!(a, b);
        let mut c = PreauthIntegrity::new();
        c.update(b"header");
        c.update(b"payload");
        assert_ne!(a, c);
    }

    #[test]
    fn try_from_slice_checks_length() {
        assert!(PreauthHash::try_from(&[0u8; 63][..]).is_err());
        assert_eq!(
            PreauthHash::try_from(&[9u8; 64][..]),
            Ok(PreauthHash::from_bytes([9; 64]))
        );
    }

    #[test]
    fn debug_is_hex() {
        let mut bytes = [0u8; 64];
        bytes[0] = 0xab;
        bytes[63] = 0x01;
        let s = format!("{:?}", PreauthHash::from_bytes(bytes));
        assert!(s.starts_with("PreauthHash(ab00"), "{s}");
        assert!(s.ends_with("0001)"), "{s}");
        assert_eq!(s.len(), "PreauthHash()".len() + 128);
    }
}
