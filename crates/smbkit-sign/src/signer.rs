//! [`Signer`]: sign and verify SMB2 messages with one key and one algorithm.

use core::fmt;

use aes::Aes128;
use cmac::Cmac;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::algorithm::SigningAlgorithm;
use crate::error::{Malformed, SignError, VerifyError};
use crate::gmac::Gmac;
use crate::header::{SIGNATURE_LEN, SIGNATURE_OFFSET, SMB2_HEADER_LEN, check_header, nonce_of};

/// The key length every SMB signing algorithm takes.
pub const KEY_LEN: usize = 16;

/// The keyed state of one algorithm, prepared once per key so that signing a
/// message only clones it. Each zeroizes itself on drop.
#[derive(Clone)]
enum Keyed {
    HmacSha256(Hmac<Sha256>),
    AesCmac(Cmac<Aes128>),
    AesGmac(Gmac<Aes128>),
}

/// Signs and verifies SMB2 messages ([MS-SMB2] 3.1.4.1, 3.1.5.1).
///
/// A `Signer` holds one 16-byte signing key, expanded for its algorithm (HMAC
/// pads, CMAC subkeys, AES round keys, GHASH key); all of it is wiped on drop.
/// Its `Debug` output shows the algorithm only.
///
/// A message is one SMB2 message: the 64-byte header and its body, one element
/// of a compound chain including its trailing padding. The signature is the
/// first 16 bytes of the MAC over the message with the Signature field (bytes
/// 48..64) taken as zeros. The signer never looks at or changes the Flags field
/// except to build the GMAC nonce: setting `SMB2_FLAGS_SIGNED` is the caller's job.
#[derive(Clone)]
pub struct Signer {
    algorithm: SigningAlgorithm,
    keyed: Keyed,
}

impl Signer {
    /// A signer for `algorithm` with `key` (16 bytes for every algorithm).
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidKeyLength`] when `key` is not 16 bytes long.
    pub fn new(algorithm: SigningAlgorithm, key: &[u8]) -> Result<Self, SignError> {
        let bad_len = SignError::InvalidKeyLength {
            algorithm,
            expected: algorithm.key_len(),
            actual: key.len(),
        };
        if key.len() != algorithm.key_len() {
            return Err(bad_len);
        }
        let keyed = match algorithm {
            SigningAlgorithm::HmacSha256 => {
                Keyed::HmacSha256(Hmac::new_from_slice(key).map_err(|_| bad_len)?)
            }
            SigningAlgorithm::AesCmac => {
                Keyed::AesCmac(Cmac::new_from_slice(key).map_err(|_| bad_len)?)
            }
            SigningAlgorithm::AesGmac => {
                Keyed::AesGmac(Gmac::new_from_slice(key).map_err(|_| bad_len)?)
            }
        };
        Ok(Self { algorithm, keyed })
    }

    /// The algorithm of this signer.
    #[must_use]
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.algorithm
    }

    /// Signs `message` in place: zeroes the Signature field (bytes 48..64),
    /// computes the MAC over the whole message and writes its first 16 bytes
    /// into the field.
    ///
    /// Whatever the field held before does not matter. No copy of the message
    /// is made and nothing is allocated. A message that is refused is left
    /// untouched.
    ///
    /// # Errors
    ///
    /// [`SignError::MessageTooShort`], [`SignError::NotSmb2Header`],
    /// [`SignError::MessageTooLong`].
    pub fn sign(&self, message: &mut [u8]) -> Result<(), SignError> {
        check_header(message)?;
        write_signature(message, [0; SIGNATURE_LEN]);
        let signature = self.signature_of(message, &[], Zeroed::InPlace)?;
        write_signature(message, signature);
        Ok(())
    }

    /// Signs a message held in several buffers, without joining them.
    ///
    /// `header` starts with the 64-byte SMB2 header (it may hold more of the
    /// message after it); `rest` is the remainder of the message in order, e.g.
    /// the response body and then the READ data. The signature is written into
    /// bytes 48..64 of `header` (which is zeroed first, as in
    /// [`sign`](Self::sign)). The result equals [`sign`](Self::sign) on the
    /// concatenation.
    ///
    /// # Errors
    ///
    /// As for [`sign`](Self::sign); the length checks apply to `header`.
    pub fn sign_vectored(&self, header: &mut [u8], rest: &[&[u8]]) -> Result<(), SignError> {
        check_header(header)?;
        write_signature(header, [0; SIGNATURE_LEN]);
        let signature = self.signature_of(header, rest, Zeroed::InPlace)?;
        write_signature(header, signature);
        Ok(())
    }

    /// Verifies the signature of `message` without copying or changing it.
    ///
    /// # Errors
    ///
    /// [`VerifyError::BadSignature`] when the signature does not match (compared
    /// in constant time); [`VerifyError::MessageTooShort`],
    /// [`VerifyError::NotSmb2Header`], [`VerifyError::MessageTooLong`] when the
    /// bytes are not a message.
    pub fn verify(&self, message: &[u8]) -> Result<(), VerifyError> {
        self.verify_vectored(message, &[])
    }

    /// Verifies a message held in several buffers, without joining them
    /// (see [`sign_vectored`](Self::sign_vectored) for the layout).
    ///
    /// # Errors
    ///
    /// As for [`verify`](Self::verify).
    pub fn verify_vectored(&self, header: &[u8], rest: &[&[u8]]) -> Result<(), VerifyError> {
        let expected = self.signature_of(header, rest, Zeroed::WhileFeeding)?;
        let received = header
            .get(SIGNATURE_OFFSET..)
            .and_then(<[u8]>::first_chunk::<SIGNATURE_LEN>)
            .ok_or(VerifyError::MessageTooShort { len: header.len() })?;
        if bool::from(expected.ct_eq(received)) {
            Ok(())
        } else {
            Err(VerifyError::BadSignature)
        }
    }

    /// The signature of the message `header ++ rest[0] ++ rest[1] ++ …`, with the
    /// Signature field taken as zeros. Neither buffer is changed.
    ///
    /// # Errors
    ///
    /// [`SignError::MessageTooShort`], [`SignError::NotSmb2Header`],
    /// [`SignError::MessageTooLong`].
    pub fn compute_signature(
        &self,
        header: &[u8],
        rest: &[&[u8]],
    ) -> Result<[u8; SIGNATURE_LEN], SignError> {
        Ok(self.signature_of(header, rest, Zeroed::WhileFeeding)?)
    }

    fn signature_of(
        &self,
        header: &[u8],
        rest: &[&[u8]],
        zeroed: Zeroed,
    ) -> Result<[u8; SIGNATURE_LEN], Malformed> {
        let fixed = check_header(header)?;
        match &self.keyed {
            Keyed::HmacSha256(keyed) => {
                let mut mac = keyed.clone();
                feed(header, rest, zeroed, |piece| mac.update(piece));
                first_16(&mac.finalize().into_bytes())
            }
            Keyed::AesCmac(keyed) => {
                let mut mac = keyed.clone();
                feed(header, rest, zeroed, |piece| mac.update(piece));
                first_16(&mac.finalize().into_bytes())
            }
            Keyed::AesGmac(keyed) => {
                let mut mac = keyed.start(&nonce_of(fixed));
                feed(header, rest, zeroed, |piece| mac.update(piece));
                mac.finalize().map_err(|_| Malformed::TooLong)
            }
        }
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// Whether the Signature field of the header buffer already holds zeros.
#[derive(Clone, Copy)]
enum Zeroed {
    /// Signing: the field was zeroed in place, feed the header as it is.
    InPlace,
    /// Verifying: feed 16 zero bytes in place of the field (header bytes
    /// 0..48, 16 zero bytes, then bytes 64..), leaving the message untouched.
    WhileFeeding,
}

/// Feeds the message to `update` with the Signature field as zeros, then
/// `rest`. `header` has been checked to hold at least 64 bytes.
fn feed(header: &[u8], rest: &[&[u8]], zeroed: Zeroed, mut update: impl FnMut(&[u8])) {
    match zeroed {
        Zeroed::InPlace => update(header),
        Zeroed::WhileFeeding => {
            let (before, after) = header
                .split_at_checked(SIGNATURE_OFFSET)
                .unwrap_or((header, &[]));
            update(before);
            update(&[0u8; SIGNATURE_LEN]);
            update(after.get(SIGNATURE_LEN..).unwrap_or_default());
        }
    }
    for piece in rest {
        update(piece);
    }
}

fn first_16(mac: &[u8]) -> Result<[u8; SIGNATURE_LEN], Malformed> {
    // Both MACs are at least 16 bytes long; a shorter one would be a bug, not
    // a property of the message, but it is reported rather than panicking.
    mac.first_chunk::<SIGNATURE_LEN>()
        .copied()
        .ok_or(Malformed::TooLong)
}

fn write_signature(header: &mut [u8], signature: [u8; SIGNATURE_LEN]) {
    debug_assert!(header.len() >= SMB2_HEADER_LEN);
    if let Some(field) = header
        .get_mut(SIGNATURE_OFFSET..)
        .and_then(<[u8]>::first_chunk_mut::<SIGNATURE_LEN>)
    {
        *field = signature;
    }
}
