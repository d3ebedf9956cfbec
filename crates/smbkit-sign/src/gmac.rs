//! GMAC (GCM with an empty plaintext, NIST SP 800-38D) over data given in pieces.
//!
//! The `aes-gcm` crate takes its associated data as one slice. SMB signs
//! messages whose header, body and payload may live in different buffers, so
//! this module builds GMAC from its parts: GHASH (the `ghash` crate) over the
//! data, zero-padded to a block at the very end only, then the length block,
//! then the result XORed with `E_K(J0)`, `J0 = nonce || 0x00000001`.
//!
//! It is generic over the block cipher so that it runs the AES-256 NIST
//! vector as well as AES-128 SMB signing.
//!
//! ```
//! use aes::Aes128;
//! use smbkit_sign::gmac::Gmac;
//!
//! let gmac = Gmac::<Aes128>::new_from_slice(&[7; 16]).unwrap();
//! let nonce = [1; 12];
//! let mut state = gmac.start(&nonce);
//! state.update(b"hello, ");
//! state.update(b"world");
//! let tag = state.finalize().unwrap();
//! assert_eq!(tag, gmac.compute(&nonce, b"hello, world").unwrap());
//! ```

use core::fmt;

use aes::cipher::{BlockCipherEncrypt, BlockSizeUser, KeyInit, consts::U16};
use ghash::GHash;
use ghash::universal_hash::{UniversalHash, array::Array};
use zeroize::Zeroize;

use crate::error::SignError;

/// One GHASH / AES block.
type Block = ghash::Block;
const BLOCK_LEN: usize = 16;

/// The length of the GMAC nonce this module takes (the 96-bit GCM IV).
pub const NONCE_LEN: usize = 12;
/// The length of the GMAC tag.
pub const TAG_LEN: usize = 16;

/// Data longer than this cannot be authenticated: GCM encodes the length in
/// bits as a 64-bit number.
const MAX_LEN: u64 = u64::MAX / 8;

/// A keyed GMAC: the block cipher and the GHASH key `H = E_K(0^128)`.
///
/// Both zeroize themselves on drop (RustCrypto `zeroize` features).
#[derive(Clone)]
pub struct Gmac<C> {
    cipher: C,
    ghash: GHash,
}

impl<C> Gmac<C>
where
    C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16>,
{
    /// Keys GMAC with an already keyed block cipher.
    pub fn from_cipher(cipher: C) -> Self {
        let mut h = Block::default();
        cipher.encrypt_block(&mut h);
        let ghash = GHash::new(&h);
        h.zeroize();
        Self { cipher, ghash }
    }

    /// Keys GMAC with a raw key (16 bytes for AES-128, 32 for AES-256).
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidKeyLength`] (reported against
    /// [`SigningAlgorithm::AesGmac`](crate::SigningAlgorithm::AesGmac)) when the
    /// cipher does not take a key of this length.
    pub fn new_from_slice(key: &[u8]) -> Result<Self, SignError>
    where
        C: KeyInit,
    {
        let cipher = C::new_from_slice(key).map_err(|_| SignError::InvalidKeyLength {
            algorithm: crate::SigningAlgorithm::AesGmac,
            expected: C::key_size(),
            actual: key.len(),
        })?;
        Ok(Self::from_cipher(cipher))
    }

    /// Starts a GMAC computation with this 12-byte nonce.
    #[must_use]
    pub fn start(&self, nonce: &[u8; NONCE_LEN]) -> GmacState<'_, C> {
        GmacState {
            gmac: self,
            ghash: self.ghash.clone(),
            nonce: *nonce,
            partial: [0; BLOCK_LEN],
            partial_len: 0,
            total: 0,
        }
    }

    /// GMAC over one contiguous buffer.
    ///
    /// # Errors
    ///
    /// [`SignError::MessageTooLong`] past 2^61 - 1 bytes.
    pub fn compute(
        &self,
        nonce: &[u8; NONCE_LEN],
        data: &[u8],
    ) -> Result<[u8; TAG_LEN], SignError> {
        let mut state = self.start(nonce);
        state.update(data);
        state.finalize()
    }
}

impl<C> fmt::Debug for Gmac<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gmac").finish_non_exhaustive()
    }
}

/// A GMAC computation in progress: feed the authenticated data in any number of
/// pieces with [`update`](Self::update), then [`finalize`](Self::finalize).
///
/// Pieces need not be block-aligned: a partial block is carried over to the
/// next piece, and only the end of the whole data is zero-padded.
pub struct GmacState<'a, C> {
    gmac: &'a Gmac<C>,
    ghash: GHash,
    nonce: [u8; NONCE_LEN],
    /// Bytes of an unfinished block; the bytes past `partial_len` are zero.
    partial: [u8; BLOCK_LEN],
    /// 0..=15.
    partial_len: usize,
    /// Bytes fed so far, saturating (anything past `MAX_LEN` is refused).
    total: u64,
}

impl<C> GmacState<'_, C>
where
    C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16>,
{
    /// Feeds the next piece of the authenticated data.
    pub fn update(&mut self, mut data: &[u8]) {
        let len = u64::try_from(data.len()).unwrap_or(u64::MAX);
        self.total = self.total.saturating_add(len);

        if self.partial_len != 0 {
            let free = self.partial.get_mut(self.partial_len..).unwrap_or_default();
            let take = free.len().min(data.len());
            let Some((head, rest)) = data.split_at_checked(take) else {
                return;
            };
            if let Some(dst) = free.get_mut(..take) {
                dst.copy_from_slice(head);
            }
            data = rest;
            self.partial_len = self.partial_len.saturating_add(take);
            if self.partial_len < BLOCK_LEN {
                return;
            }
            self.ghash.update(&[Block::from(self.partial)]);
            self.partial = [0; BLOCK_LEN];
            self.partial_len = 0;
        }

        let (blocks, tail) = Array::slice_as_chunks(data);
        self.ghash.update(blocks);
        if let Some(dst) = self.partial.get_mut(..tail.len()) {
            dst.copy_from_slice(tail);
            self.partial_len = tail.len();
        }
    }

    /// Finishes and returns the 16-byte tag.
    ///
    /// # Errors
    ///
    /// [`SignError::MessageTooLong`] when more than 2^61 - 1 bytes were fed.
    pub fn finalize(self) -> Result<[u8; TAG_LEN], SignError> {
        if self.total > MAX_LEN {
            return Err(SignError::MessageTooLong);
        }
        let bits = self.total.checked_mul(8).ok_or(SignError::MessageTooLong)?;
        let mut ghash = self.ghash;
        if self.partial_len != 0 {
            ghash.update(&[Block::from(self.partial)]);
        }
        // len(A) || len(C), both in bits, big-endian; the ciphertext is empty.
        let mut lengths = [0u8; BLOCK_LEN];
        let (aad_bits, _) = lengths.split_at_mut(8);
        aad_bits.copy_from_slice(&bits.to_be_bytes());
        ghash.update(&[Block::from(lengths)]);
        let mut s = ghash.finalize();

        let mut j0 = [0u8; BLOCK_LEN];
        let (iv, counter) = j0.split_at_mut(NONCE_LEN);
        iv.copy_from_slice(&self.nonce);
        counter.copy_from_slice(&1u32.to_be_bytes());
        let mut mask = Block::from(j0);
        self.gmac.cipher.encrypt_block(&mut mask);

        let mut tag = [0u8; TAG_LEN];
        for ((t, a), b) in tag.iter_mut().zip(s.iter()).zip(mask.iter()) {
            *t = a ^ b;
        }
        mask.zeroize();
        s.zeroize();
        Ok(tag)
    }
}

impl<C> fmt::Debug for GmacState<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GmacState")
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}
