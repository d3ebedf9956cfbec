//! Deriving a session's keys (MS-SMB2 3.2.5.3.1 client, 3.3.5.5.3 server).

use zeroize::Zeroizing;

use crate::kbkdf::smb3_kdf;
use crate::{CipherKeyLen, KdfError, KeyPurpose, PreauthHash, SecretKey};

/// Which end of the connection is deriving the keys. It decides which
/// cipher key encrypts and which decrypts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The SMB client: encrypts with the client-to-server key.
    Client,
    /// The SMB server: encrypts with the server-to-client key.
    Server,
}

/// How keys are derived, by negotiated dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derivation<'a> {
    /// SMB 2.0.2 and 2.1: no KDF. The signing key is the 16-byte SessionKey
    /// itself (HMAC-SHA256 signing); there is no application key derived
    /// here and no encryption.
    Smb2,
    /// SMB 3.0 and 3.0.2: fixed labels and contexts ([`crate::labels`]).
    Smb30,
    /// SMB 3.1.1: the context is the session's PreauthIntegrityHashValue,
    /// taken after the last SESSION_SETUP request (see
    /// [`crate::PreauthIntegrity`]).
    Smb311 {
        /// The session's (or binding channel's) final preauth hash.
        preauth_hash: &'a PreauthHash,
    },
}

impl Derivation<'_> {
    const fn name(&self) -> &'static str {
        match self {
            Self::Smb2 => "SMB 2.0.2/2.1",
            Self::Smb30 => "SMB 3.0/3.0.2",
            Self::Smb311 { .. } => "SMB 3.1.1",
        }
    }
}

/// The keys of one authenticated session, as seen from one [`Role`].
///
/// Built by [`SessionKeys::derive`]. The keys are [`SecretKey`]s: wiped on
/// drop, never printed by `Debug`.
#[derive(Debug)]
pub struct SessionKeys {
    role: Role,
    cipher: Option<CipherKeyLen>,
    signing: SecretKey,
    application: Option<SecretKey>,
    encryption: Option<SecretKey>,
    decryption: Option<SecretKey>,
}

impl SessionKeys {
    /// Derives a session's keys from the session key that authentication
    /// produced (NTLM ExportedSessionKey, Kerberos subkey, …).
    ///
    /// Length rules (MS-SMB2 3.2.1.3 / 3.3.1.8 Session.SessionKey,
    /// 3.1.4.2, 3.2.5.3.1, 3.3.5.5.3):
    ///
    /// * Session.SessionKey is the first 16 bytes of `session_key`,
    ///   right-padded with zeros if it is shorter.
    /// * The signing and application keys are derived from that 16-byte
    ///   SessionKey with `L = 128` (16 bytes), whatever the cipher.
    /// * With [`CipherKeyLen::Aes128`] the two cipher keys are derived from
    ///   the 16-byte SessionKey with `L = 128`.
    /// * With [`CipherKeyLen::Aes256`] they are derived from the **full**
    ///   `session_key`, exactly as given (all 32 bytes of a Kerberos AES-256
    ///   key; a 16-byte NTLM key stays 16 bytes), with `L = 256`.
    /// * [`Derivation::Smb2`]: the signing key is the 16-byte SessionKey;
    ///   there is no application key and no cipher key.
    ///
    /// `cipher` is the negotiated cipher's key length, or `None` if the
    /// connection negotiated no encryption (then no cipher keys are derived).
    ///
    /// # Errors
    ///
    /// * [`KdfError::EmptySessionKey`] if `session_key` is empty;
    /// * [`KdfError::CipherNotInDialect`] for a cipher with
    ///   [`Derivation::Smb2`], or AES-256 with [`Derivation::Smb30`] (those
    ///   dialects cannot negotiate it).
    pub fn derive(
        role: Role,
        session_key: &[u8],
        derivation: Derivation<'_>,
        cipher: Option<CipherKeyLen>,
    ) -> Result<Self, KdfError> {
        let short_key = session_key_16(session_key)?;
        match (derivation, cipher) {
            (Derivation::Smb2, Some(c)) | (Derivation::Smb30, Some(c @ CipherKeyLen::Aes256)) => {
                return Err(KdfError::CipherNotInDialect {
                    dialect: derivation.name(),
                    cipher: c,
                });
            }
            (Derivation::Smb2, None) => {
                return Ok(Self {
                    role,
                    cipher: None,
                    signing: SecretKey::from_slice(&short_key[..])?,
                    application: None,
                    encryption: None,
                    decryption: None,
                });
            }
            _ => {}
        }

        let signing = kdf_key(
            &short_key[..],
            derivation,
            KeyPurpose::Signing,
            CipherKeyLen::Aes128,
        )?;
        let application = kdf_key(
            &short_key[..],
            derivation,
            KeyPurpose::Application,
            CipherKeyLen::Aes128,
        )?;
        let (encryption, decryption) = match cipher {
            None => (None, None),
            Some(len) => {
                let ki: &[u8] = match len {
                    CipherKeyLen::Aes128 => &short_key[..],
                    CipherKeyLen::Aes256 => session_key,
                };
                let c2s = kdf_key(ki, derivation, KeyPurpose::ClientToServerCipher, len)?;
                let s2c = kdf_key(ki, derivation, KeyPurpose::ServerToClientCipher, len)?;
                match role {
                    Role::Client => (Some(c2s), Some(s2c)),
                    Role::Server => (Some(s2c), Some(c2s)),
                }
            }
        };
        Ok(Self {
            role,
            cipher,
            signing,
            application: Some(application),
            encryption,
            decryption,
        })
    }

    /// The role these keys were derived for.
    #[must_use]
    pub const fn role(&self) -> Role {
        self.role
    }

    /// The cipher key length the keys were derived for, if any.
    #[must_use]
    pub const fn cipher(&self) -> Option<CipherKeyLen> {
        self.cipher
    }

    /// Session.SigningKey (16 bytes). For SMB 2.x this is the SessionKey.
    #[must_use]
    pub const fn signing_key(&self) -> &SecretKey {
        &self.signing
    }

    /// Session.ApplicationKey (16 bytes); `None` for SMB 2.x, where no
    /// application key is derived.
    #[must_use]
    pub const fn application_key(&self) -> Option<&SecretKey> {
        self.application.as_ref()
    }

    /// The key this role encrypts with: for a client the client-to-server
    /// key, for a server the server-to-client key. `None` for SMB 2.x or
    /// when no cipher was given.
    #[must_use]
    pub const fn encryption_key(&self) -> Option<&SecretKey> {
        self.encryption.as_ref()
    }

    /// The key this role decrypts with: for a client the server-to-client
    /// key, for a server the client-to-server key. `None` for SMB 2.x or
    /// when no cipher was given.
    #[must_use]
    pub const fn decryption_key(&self) -> Option<&SecretKey> {
        self.decryption.as_ref()
    }
}

/// Derives Channel.SigningKey for a session-binding channel (SMB 3.x
/// multichannel): the only key derived on a bound channel. It is the signing
/// key derivation of [`SessionKeys::derive`], from the binding's session key
/// and, for 3.1.1, the binding channel's own preauth hash.
///
/// # Errors
///
/// [`KdfError::EmptySessionKey`] if `session_key` is empty;
/// [`KdfError::NotSmb3`] for [`Derivation::Smb2`] (no session binding).
pub fn channel_signing_key(
    session_key: &[u8],
    derivation: Derivation<'_>,
) -> Result<SecretKey, KdfError> {
    let short_key = session_key_16(session_key)?;
    if derivation == Derivation::Smb2 {
        return Err(KdfError::NotSmb3 {
            what: "a channel signing key (session binding)",
        });
    }
    kdf_key(
        &short_key[..],
        derivation,
        KeyPurpose::Signing,
        CipherKeyLen::Aes128,
    )
}

/// Session.SessionKey: the first 16 bytes of the key, right-padded with zeros.
fn session_key_16(session_key: &[u8]) -> Result<Zeroizing<[u8; 16]>, KdfError> {
    if session_key.is_empty() {
        return Err(KdfError::EmptySessionKey);
    }
    let mut short = Zeroizing::new([0u8; 16]);
    for (dst, src) in short.iter_mut().zip(session_key) {
        *dst = *src;
    }
    Ok(short)
}

/// One SMB 3.x KDF key of length `len` from the derivation key `ki`.
fn kdf_key(
    ki: &[u8],
    derivation: Derivation<'_>,
    purpose: KeyPurpose,
    len: CipherKeyLen,
) -> Result<SecretKey, KdfError> {
    let mut key = SecretKey::zeroed(len);
    match derivation {
        Derivation::Smb2 => {
            return Err(KdfError::NotSmb3 {
                what: "the SP800-108 key derivation",
            });
        }
        Derivation::Smb30 => {
            let (label, context) = purpose.smb30_label_context();
            smb3_kdf(ki, label, context, key.as_mut_bytes())?;
        }
        Derivation::Smb311 { preauth_hash } => {
            smb3_kdf(
                ki,
                purpose.smb311_label(),
                preauth_hash.as_bytes(),
                key.as_mut_bytes(),
            )?;
        }
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREAUTH: PreauthHash = PreauthHash::from_bytes([0x42; 64]);

    fn derivations() -> [Derivation<'static>; 2] {
        [
            Derivation::Smb30,
            Derivation::Smb311 {
                preauth_hash: &PREAUTH,
            },
        ]
    }

    fn kerberos_key() -> [u8; 32] {
        core::array::from_fn(|i| u8::try_from(i).unwrap().wrapping_mul(37).wrapping_add(1))
    }

    #[test]
    fn aes256_cipher_keys_are_32_bytes_and_differ_from_aes128() {
        let key = kerberos_key();
        for d in derivations().into_iter().skip(1) {
            for role in [Role::Client, Role::Server] {
                let k128 = SessionKeys::derive(role, &key, d, Some(CipherKeyLen::Aes128)).unwrap();
                let k256 = SessionKeys::derive(role, &key, d, Some(CipherKeyLen::Aes256)).unwrap();
                let (e128, d128) = (
                    k128.encryption_key().unwrap(),
                    k128.decryption_key().unwrap(),
                );
                let (e256, d256) = (
                    k256.encryption_key().unwrap(),
                    k256.decryption_key().unwrap(),
                );
                assert_eq!(e128.len(), 16);
                assert_eq!(d128.len(), 16);
                assert_eq!(e256.len(), 32);
                assert_eq!(d256.len(), 32);
                assert_eq!(e256.key_len(), CipherKeyLen::Aes256);
                // Not an extension of the 128-bit key: different Ki and L.
                assert_ne!(&e256.as_bytes()[..16], e128.as_bytes());
                assert_ne!(&d256.as_bytes()[..16], d128.as_bytes());
                assert_ne!(e256, d256);
                // Signing and application keys do not depend on the cipher.
                assert_eq!(k128.signing_key(), k256.signing_key());
                assert_eq!(k128.application_key(), k256.application_key());
                assert_eq!(k256.signing_key().len(), 16);
                assert_eq!(k256.cipher(), Some(CipherKeyLen::Aes256));
            }
        }
    }

    #[test]
    fn aes256_keys_use_the_full_session_key_and_signing_only_its_first_16_bytes() {
        let key = kerberos_key();
        let mut other_tail = key;
        other_tail[31] ^= 0x80;
        other_tail[16] ^= 0x01;
        for d in derivations() {
            let cipher = match d {
                Derivation::Smb311 { .. } => Some(CipherKeyLen::Aes256),
                _ => Some(CipherKeyLen::Aes128),
            };
            let a = SessionKeys::derive(Role::Client, &key, d, cipher).unwrap();
            let b = SessionKeys::derive(Role::Client, &other_tail, d, cipher).unwrap();
            assert_eq!(a.signing_key(), b.signing_key());
            assert_eq!(a.application_key(), b.application_key());
            if cipher == Some(CipherKeyLen::Aes256) {
                assert_ne!(a.encryption_key(), b.encryption_key());
                assert_ne!(a.decryption_key(), b.decryption_key());
            } else {
                // AES-128 cipher keys come from the 16-byte SessionKey too.
                assert_eq!(a.encryption_key(), b.encryption_key());
                assert_eq!(a.decryption_key(), b.decryption_key());
            }
            // Bytes 16..32 also leave the channel signing key alone.
            assert_eq!(
                channel_signing_key(&key, d).unwrap(),
                channel_signing_key(&other_tail, d).unwrap()
            );
            // The first 16 bytes do matter.
            let mut other_head = key;
            other_head[0] ^= 1;
            let c = SessionKeys::derive(Role::Client, &other_head, d, cipher).unwrap();
            assert_ne!(a.signing_key(), c.signing_key());
        }
    }

    #[test]
    fn short_session_keys_are_right_padded_with_zeros() {
        let short = [0x11u8, 0x22, 0x33];
        let mut padded = [0u8; 16];
        padded[..3].copy_from_slice(&short);
        for d in derivations() {
            let a =
                SessionKeys::derive(Role::Server, &short, d, Some(CipherKeyLen::Aes128)).unwrap();
            let b =
                SessionKeys::derive(Role::Server, &padded, d, Some(CipherKeyLen::Aes128)).unwrap();
            assert_eq!(a.signing_key(), b.signing_key());
            assert_eq!(a.application_key(), b.application_key());
            assert_eq!(a.encryption_key(), b.encryption_key());
        }
        let smb2 = SessionKeys::derive(Role::Client, &short, Derivation::Smb2, None).unwrap();
        assert_eq!(smb2.signing_key().as_bytes(), &padded);
        // Longer keys are cut to 16 bytes for the SMB 2 signing key.
        let long = kerberos_key();
        let smb2 = SessionKeys::derive(Role::Client, &long, Derivation::Smb2, None).unwrap();
        assert_eq!(smb2.signing_key().as_bytes(), &long[..16]);
        assert!(smb2.application_key().is_none());
        assert!(smb2.encryption_key().is_none());
        assert!(smb2.decryption_key().is_none());
    }

    #[test]
    fn roles_swap_the_cipher_keys() {
        for d in derivations() {
            let c =
                SessionKeys::derive(Role::Client, &[7; 16], d, Some(CipherKeyLen::Aes128)).unwrap();
            let s =
                SessionKeys::derive(Role::Server, &[7; 16], d, Some(CipherKeyLen::Aes128)).unwrap();
            assert_eq!(c.encryption_key(), s.decryption_key());
            assert_eq!(c.decryption_key(), s.encryption_key());
            assert_ne!(c.encryption_key(), c.decryption_key());
        }
    }

    #[test]
    fn refusals() {
        for d in [Derivation::Smb2, Derivation::Smb30] {
            assert_eq!(
                SessionKeys::derive(Role::Client, &[], d, None).unwrap_err(),
                KdfError::EmptySessionKey
            );
            assert_eq!(
                channel_signing_key(&[], d).unwrap_err(),
                KdfError::EmptySessionKey
            );
        }
        assert!(matches!(
            SessionKeys::derive(
                Role::Client,
                &[1; 16],
                Derivation::Smb2,
                Some(CipherKeyLen::Aes128)
            ),
            Err(KdfError::CipherNotInDialect {
                cipher: CipherKeyLen::Aes128,
                ..
            })
        ));
        assert!(matches!(
            SessionKeys::derive(
                Role::Server,
                &[1; 32],
                Derivation::Smb30,
                Some(CipherKeyLen::Aes256)
            ),
            Err(KdfError::CipherNotInDialect {
                cipher: CipherKeyLen::Aes256,
                ..
            })
        ));
        assert!(matches!(
            channel_signing_key(&[1; 16], Derivation::Smb2),
            Err(KdfError::NotSmb3 { .. })
        ));
    }

    #[test]
    fn debug_shows_no_key_bytes() {
        let keys = SessionKeys::derive(
            Role::Client,
            &[0xee; 16],
            Derivation::Smb30,
            Some(CipherKeyLen::Aes128),
        )
        .unwrap();
        let text = format!("{keys:?}");
        for key in [
            keys.signing_key(),
            keys.application_key().unwrap(),
            keys.encryption_key().unwrap(),
            keys.decryption_key().unwrap(),
        ] {
            let as_hex: String = key.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
            assert!(!text.contains(&as_hex[..8]), "{text}");
            let as_dec = format!("{}, {}", key.as_bytes()[0], key.as_bytes()[1]);
            assert!(!text.contains(&as_dec), "{text}");
        }
        assert!(text.contains("len: 16"), "{text}");
    }
}
