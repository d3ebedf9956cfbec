//! The four SMB 3 encryption algorithms and their negotiate-context ids.

use core::fmt;

/// An SMB 3 encryption algorithm.
///
/// The discriminants are the cipher ids of the `SMB2_ENCRYPTION_CAPABILITIES`
/// negotiate context (MS-SMB2 2.2.3.1.2). SMB 3.0 and 3.0.2 always use
/// [`Cipher::Aes128Ccm`]; SMB 3.1.1 negotiates one of the four.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cipher {
    /// AES-128 in CCM mode, 11-byte nonce, 16-byte tag (id 0x0001).
    Aes128Ccm,
    /// AES-128 in GCM mode, 12-byte nonce, 16-byte tag (id 0x0002).
    Aes128Gcm,
    /// AES-256 in CCM mode, 11-byte nonce, 16-byte tag (id 0x0003).
    Aes256Ccm,
    /// AES-256 in GCM mode, 12-byte nonce, 16-byte tag (id 0x0004).
    Aes256Gcm,
}

impl Cipher {
    /// All ciphers, in id order.
    pub const ALL: [Cipher; 4] = [
        Cipher::Aes128Ccm,
        Cipher::Aes128Gcm,
        Cipher::Aes256Ccm,
        Cipher::Aes256Gcm,
    ];

    /// The cipher id used in the negotiate context (MS-SMB2 2.2.3.1.2).
    #[must_use]
    pub const fn id(self) -> u16 {
        match self {
            Cipher::Aes128Ccm => 0x0001,
            Cipher::Aes128Gcm => 0x0002,
            Cipher::Aes256Ccm => 0x0003,
            Cipher::Aes256Gcm => 0x0004,
        }
    }

    /// The cipher for a negotiate-context id, or `None` for an id this crate
    /// does not implement (a server skips those when choosing).
    #[must_use]
    pub const fn from_id(id: u16) -> Option<Cipher> {
        match id {
            0x0001 => Some(Cipher::Aes128Ccm),
            0x0002 => Some(Cipher::Aes128Gcm),
            0x0003 => Some(Cipher::Aes256Ccm),
            0x0004 => Some(Cipher::Aes256Gcm),
            _ => None,
        }
    }

    /// Key length in bytes: 16 for AES-128, 32 for AES-256.
    #[must_use]
    pub const fn key_len(self) -> usize {
        match self {
            Cipher::Aes128Ccm | Cipher::Aes128Gcm => 16,
            Cipher::Aes256Ccm | Cipher::Aes256Gcm => 32,
        }
    }

    /// AEAD nonce length in bytes: 11 for CCM, 12 for GCM. The nonce is the
    /// first `nonce_len()` bytes of the transform header's 16-byte Nonce field.
    #[must_use]
    pub const fn nonce_len(self) -> usize {
        match self {
            Cipher::Aes128Ccm | Cipher::Aes256Ccm => 11,
            Cipher::Aes128Gcm | Cipher::Aes256Gcm => 12,
        }
    }

    /// The usual name, e.g. `"AES-128-GCM"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Cipher::Aes128Ccm => "AES-128-CCM",
            Cipher::Aes128Gcm => "AES-128-GCM",
            Cipher::Aes256Ccm => "AES-256-CCM",
            Cipher::Aes256Gcm => "AES-256-GCM",
        }
    }
}

impl fmt::Display for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
