//! The SMB 3.x KDF labels and contexts (MS-SMB2 3.2.5.3.1, 3.3.5.5.3).
//!
//! Every constant includes its own trailing NUL byte, exactly as the
//! specification counts it; [`crate::kbkdf::smb3_kdf`] then adds the SP800-108
//! `0x00` separator, so the encoded input reads e.g.
//! `"SMB2AESCCM\0" 0x00 "ServerIn \0"`.
//!
//! | key | SMB 3.0 / 3.0.2 label, context | SMB 3.1.1 label (context = preauth hash) |
//! |---|---|---|
//! | signing | `SMB2AESCMAC\0`, `SmbSign\0` | `SMBSigningKey\0` |
//! | client → server cipher | `SMB2AESCCM\0`, `ServerIn \0` | `SMBC2SCipherKey\0` |
//! | server → client cipher | `SMB2AESCCM\0`, `ServerOut\0` | `SMBS2CCipherKey\0` |
//! | application | `SMB2APP\0`, `SmbRpc\0` | `SMBAppKey\0` |

/// SMB 3.0/3.0.2 signing key label.
pub const SMB30_SIGNING_LABEL: &[u8] = b"SMB2AESCMAC\0";
/// SMB 3.0/3.0.2 signing key context.
pub const SMB30_SIGNING_CONTEXT: &[u8] = b"SmbSign\0";
/// SMB 3.0/3.0.2 label of both cipher keys.
pub const SMB30_CIPHER_LABEL: &[u8] = b"SMB2AESCCM\0";
/// SMB 3.0/3.0.2 context of the client-to-server cipher key (the client's
/// encryption key, the server's decryption key). Note the space before the NUL.
pub const SMB30_C2S_CIPHER_CONTEXT: &[u8] = b"ServerIn \0";
/// SMB 3.0/3.0.2 context of the server-to-client cipher key (the server's
/// encryption key, the client's decryption key).
pub const SMB30_S2C_CIPHER_CONTEXT: &[u8] = b"ServerOut\0";
/// SMB 3.0/3.0.2 application key label.
pub const SMB30_APPLICATION_LABEL: &[u8] = b"SMB2APP\0";
/// SMB 3.0/3.0.2 application key context.
pub const SMB30_APPLICATION_CONTEXT: &[u8] = b"SmbRpc\0";

/// SMB 3.1.1 signing key label.
pub const SMB311_SIGNING_LABEL: &[u8] = b"SMBSigningKey\0";
/// SMB 3.1.1 client-to-server cipher key label.
pub const SMB311_C2S_CIPHER_LABEL: &[u8] = b"SMBC2SCipherKey\0";
/// SMB 3.1.1 server-to-client cipher key label.
pub const SMB311_S2C_CIPHER_LABEL: &[u8] = b"SMBS2CCipherKey\0";
/// SMB 3.1.1 application key label.
pub const SMB311_APPLICATION_LABEL: &[u8] = b"SMBAppKey\0";

/// Which of the four SMB 3.x session keys is meant.
///
/// Cipher keys are named by direction, not by "encryption"/"decryption",
/// because which of the two a peer encrypts with depends on its [`crate::Role`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyPurpose {
    /// The signing key (Session.SigningKey, Channel.SigningKey).
    Signing,
    /// The application key (Session.ApplicationKey), exported to upper
    /// layers such as RPC over named pipes.
    Application,
    /// The client-to-server cipher key: a client encrypts with it, a server
    /// decrypts with it.
    ClientToServerCipher,
    /// The server-to-client cipher key: a server encrypts with it, a client
    /// decrypts with it.
    ServerToClientCipher,
}

impl KeyPurpose {
    /// The SMB 3.0/3.0.2 `(label, context)` pair for this key.
    #[must_use]
    pub const fn smb30_label_context(self) -> (&'static [u8], &'static [u8]) {
        match self {
            Self::Signing => (SMB30_SIGNING_LABEL, SMB30_SIGNING_CONTEXT),
            Self::Application => (SMB30_APPLICATION_LABEL, SMB30_APPLICATION_CONTEXT),
            Self::ClientToServerCipher => (SMB30_CIPHER_LABEL, SMB30_C2S_CIPHER_CONTEXT),
            Self::ServerToClientCipher => (SMB30_CIPHER_LABEL, SMB30_S2C_CIPHER_CONTEXT),
        }
    }

    /// The SMB 3.1.1 label for this key (the context is the session's
    /// PreauthIntegrityHashValue).
    #[must_use]
    pub const fn smb311_label(self) -> &'static [u8] {
        match self {
            Self::Signing => SMB311_SIGNING_LABEL,
            Self::Application => SMB311_APPLICATION_LABEL,
            Self::ClientToServerCipher => SMB311_C2S_CIPHER_LABEL,
            Self::ServerToClientCipher => SMB311_S2C_CIPHER_LABEL,
        }
    }

    /// Whether this is one of the two cipher keys.
    #[must_use]
    pub const fn is_cipher(self) -> bool {
        matches!(
            self,
            Self::ClientToServerCipher | Self::ServerToClientCipher
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_end_in_exactly_one_nul() {
        for c in [
            SMB30_SIGNING_LABEL,
            SMB30_SIGNING_CONTEXT,
            SMB30_CIPHER_LABEL,
            SMB30_C2S_CIPHER_CONTEXT,
            SMB30_S2C_CIPHER_CONTEXT,
            SMB30_APPLICATION_LABEL,
            SMB30_APPLICATION_CONTEXT,
            SMB311_SIGNING_LABEL,
            SMB311_C2S_CIPHER_LABEL,
            SMB311_S2C_CIPHER_LABEL,
            SMB311_APPLICATION_LABEL,
        ] {
            assert_eq!(c.last(), Some(&0));
            assert_eq!(c.iter().filter(|&&b| b == 0).count(), 1);
        }
        assert_eq!(SMB30_C2S_CIPHER_CONTEXT.len(), 10);
        assert_eq!(&SMB30_C2S_CIPHER_CONTEXT[8..], b" \0");
    }
}
