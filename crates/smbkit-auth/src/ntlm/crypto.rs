//! NTLMv2 cryptography (MS-NLMP 3.3.2, 3.4.4.2, 3.4.5).

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use rc4::{Rc4, StreamCipher};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::flags::NegotiateFlags;
use crate::creds::NtHash;
use crate::error::AuthError;
use crate::keys::SessionKey;
use crate::utf16;

type HmacMd5 = Hmac<Md5>;

/// HMAC-MD5 with a key of at most 64 bytes (NTLM's are 16) over the
/// concatenation of `parts`.
#[must_use]
pub fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    // An HMAC key shorter than the block is zero-padded to the block size, so
    // padding it here is the same HMAC and keeps construction infallible.
    let mut block = [0u8; 64];
    for (b, k) in block.iter_mut().zip(key) {
        *b = *k;
    }
    let mut mac = HmacMd5::new(&block.into());
    block.zeroize();
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// NTOWFv2 = HMAC-MD5(NT hash, UTF-16LE(UPPER(user)) || domain), where
/// `domain` is the UTF-16LE DomainName exactly as the client sent it.
#[must_use]
pub fn ntowfv2(nt_hash: &NtHash, user: &str, domain_utf16le: &[u8]) -> SessionKey {
    let user = Zeroizing::new(utf16::encode(&utf16::upcase(user)));
    SessionKey::from_bytes(hmac_md5(nt_hash.as_bytes(), &[&user, domain_utf16le]))
}

/// NTProofStr = HMAC-MD5(NTOWFv2, ServerChallenge || temp).
#[must_use]
pub fn nt_proof_str(ntowfv2: &SessionKey, server_challenge: &[u8; 8], temp: &[u8]) -> [u8; 16] {
    hmac_md5(ntowfv2.as_bytes(), &[server_challenge, temp])
}

/// SessionBaseKey = HMAC-MD5(NTOWFv2, NTProofStr). With NTLMv2 this is also
/// the KeyExchangeKey.
#[must_use]
pub fn session_base_key(ntowfv2: &SessionKey, nt_proof_str: &[u8; 16]) -> SessionKey {
    SessionKey::from_bytes(hmac_md5(ntowfv2.as_bytes(), &[nt_proof_str]))
}

/// RC4 of `data` under `key`.
pub fn rc4(key: &[u8], data: &[u8]) -> Result<Vec<u8>, AuthError> {
    let mut cipher = Rc4::new_from_slice(key).map_err(|_| AuthError::Internal("RC4 key length"))?;
    let mut out = data.to_vec();
    cipher
        .try_apply_keystream(&mut out)
        .map_err(|_| AuthError::Internal("RC4 keystream"))?;
    Ok(out)
}

/// ExportedSessionKey: with KEY_EXCH, RC4(KeyExchangeKey, EncryptedRandomSessionKey)
/// (which must be 16 bytes); otherwise the KeyExchangeKey itself.
pub fn exported_session_key(
    key_exchange_key: &SessionKey,
    flags: NegotiateFlags,
    encrypted_random_session_key: &[u8],
) -> Result<SessionKey, AuthError> {
    if !flags.contains(NegotiateFlags::KEY_EXCH) {
        return Ok(key_exchange_key.clone());
    }
    let encrypted: [u8; 16] = encrypted_random_session_key.try_into().map_err(|_| {
        AuthError::Malformed(crate::DecodeError::FieldOutOfBounds(
            "EncryptedRandomSessionKey",
        ))
    })?;
    let plain = Zeroizing::new(rc4(key_exchange_key.as_bytes(), &encrypted)?);
    let key: [u8; 16] = plain
        .as_slice()
        .try_into()
        .map_err(|_| AuthError::Internal("RC4 output length"))?;
    Ok(SessionKey::from_bytes(key))
}

/// MIC = HMAC-MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE),
/// where the AUTHENTICATE has its MIC field zeroed.
#[must_use]
pub fn mic(
    exported_session_key: &SessionKey,
    negotiate: &[u8],
    challenge: &[u8],
    authenticate_mic_zeroed: &[u8],
) -> [u8; 16] {
    hmac_md5(
        exported_session_key.as_bytes(),
        &[negotiate, challenge, authenticate_mic_zeroed],
    )
}

/// Constant-time comparison of a received 16-byte value with the expected one.
#[must_use]
pub fn ct_eq16(expected: &[u8; 16], received: &[u8]) -> bool {
    expected.as_slice().ct_eq(received).into()
}

const CLIENT_SIGN_MAGIC: &[u8] = b"session key to client-to-server signing key magic constant\0";
const SERVER_SIGN_MAGIC: &[u8] = b"session key to server-to-client signing key magic constant\0";
const CLIENT_SEAL_MAGIC: &[u8] = b"session key to client-to-server sealing key magic constant\0";
const SERVER_SEAL_MAGIC: &[u8] = b"session key to server-to-client sealing key magic constant\0";

/// The four NTLM session-security keys (MS-NLMP 3.4.5.2 SIGNKEY, 3.4.5.3 SEALKEY),
/// for extended session security.
#[derive(Clone)]
pub struct NtlmKeys {
    /// Client-to-server signing key.
    pub client_signing: SessionKey,
    /// Client-to-server sealing key.
    pub client_sealing: SessionKey,
    /// Server-to-client signing key.
    pub server_signing: SessionKey,
    /// Server-to-client sealing key.
    pub server_sealing: SessionKey,
    /// Whether signatures RC4-encrypt their checksum (KEY_EXCH negotiated).
    pub key_exch: bool,
}

impl core::fmt::Debug for NtlmKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NtlmKeys")
            .field("key_exch", &self.key_exch)
            .finish_non_exhaustive()
    }
}

impl NtlmKeys {
    /// Derives the keys from the ExportedSessionKey. `None` without
    /// NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY (the older scheme is not
    /// implemented). The sealing key uses 16, 7 or 5 bytes of the session key
    /// for NEGOTIATE_128, NEGOTIATE_56 or neither.
    #[must_use]
    pub fn derive(exported_session_key: &SessionKey, flags: NegotiateFlags) -> Option<Self> {
        if !flags.contains(NegotiateFlags::EXTENDED_SESSIONSECURITY) {
            return None;
        }
        let key = exported_session_key.as_bytes();
        let seal_len = if flags.contains(NegotiateFlags::NEGOTIATE_128) {
            16
        } else if flags.contains(NegotiateFlags::NEGOTIATE_56) {
            7
        } else {
            5
        };
        let seal_base = key.get(..seal_len)?;
        Some(Self {
            client_signing: SessionKey::from_bytes(md5(&[key, CLIENT_SIGN_MAGIC])),
            client_sealing: SessionKey::from_bytes(md5(&[seal_base, CLIENT_SEAL_MAGIC])),
            server_signing: SessionKey::from_bytes(md5(&[key, SERVER_SIGN_MAGIC])),
            server_sealing: SessionKey::from_bytes(md5(&[seal_base, SERVER_SEAL_MAGIC])),
            key_exch: flags.contains(NegotiateFlags::KEY_EXCH),
        })
    }

    /// The signature the client puts on `message` as its `seq_num`-th message
    /// with a fresh sealing handle (what SPNEGO's mechListMIC uses).
    pub fn client_signature(&self, seq_num: u32, message: &[u8]) -> Result<[u8; 16], AuthError> {
        signature(
            &self.client_signing,
            &self.client_sealing,
            self.key_exch,
            seq_num,
            message,
        )
    }

    /// The signature the server puts on `message`, as [`NtlmKeys::client_signature`].
    pub fn server_signature(&self, seq_num: u32, message: &[u8]) -> Result<[u8; 16], AuthError> {
        signature(
            &self.server_signing,
            &self.server_sealing,
            self.key_exch,
            seq_num,
            message,
        )
    }
}

/// NTLMSSP_MESSAGE_SIGNATURE with extended session security (MS-NLMP 3.4.4.2):
/// Version (1) || Checksum || SeqNum, where Checksum is the first 8 bytes of
/// HMAC-MD5(SigningKey, SeqNum || message), RC4-encrypted with the sealing key
/// when KEY_EXCH was negotiated. The RC4 handle is fresh, i.e. this is the
/// signature of the first message sealed or signed on that handle.
pub fn signature(
    signing_key: &SessionKey,
    sealing_key: &SessionKey,
    key_exch: bool,
    seq_num: u32,
    message: &[u8],
) -> Result<[u8; 16], AuthError> {
    let seq = seq_num.to_le_bytes();
    let full = hmac_md5(signing_key.as_bytes(), &[&seq, message]);
    let mut checksum: [u8; 8] = full.first_chunk::<8>().copied().unwrap_or_default();
    if key_exch {
        let mut cipher = Rc4::new_from_slice(sealing_key.as_bytes())
            .map_err(|_| AuthError::Internal("RC4 key length"))?;
        cipher
            .try_apply_keystream(&mut checksum)
            .map_err(|_| AuthError::Internal("RC4 keystream"))?;
    }
    let mut out = [0u8; 16];
    let (version, rest) = out.split_at_mut(4);
    let (sum, seq_out) = rest.split_at_mut(8);
    version.copy_from_slice(&1u32.to_le_bytes());
    sum.copy_from_slice(&checksum);
    seq_out.copy_from_slice(&seq);
    Ok(out)
}
