//! Kerberos crypto for the AES enctypes (RFC 3961 simplified profile, RFC 3962):
//! n-fold, the DK key derivation, PBKDF2 string-to-key, AES-CBC with ciphertext
//! stealing, and encryption with an HMAC-SHA1-96 integrity tag.
//!
//! Built on RustCrypto's `aes`, `sha1` and `hmac`; nothing here reads lengths
//! from the network except [`Key::decrypt`], which checks them.

use core::fmt;

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Aes256};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::KrbError;

type HmacSha1 = Hmac<Sha1>;

/// AES block size.
const BLOCK: usize = 16;
/// Length of the HMAC-SHA1-96 tag.
pub const TAG_LEN: usize = 12;
/// Length of the random confounder in front of every plaintext.
pub const CONFOUNDER_LEN: usize = BLOCK;
/// The default PBKDF2 iteration count for the AES enctypes (RFC 3962 4).
pub const DEFAULT_ITERATIONS: u32 = 4096;

/// The encryption types we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Enctype {
    /// aes128-cts-hmac-sha1-96 (17).
    Aes128CtsHmacSha196,
    /// aes256-cts-hmac-sha1-96 (18).
    Aes256CtsHmacSha196,
}

impl Enctype {
    /// From the registered number; `None` for anything else (DES, RC4, the
    /// SHA-2 enctypes: refused).
    #[must_use]
    pub fn from_number(n: i32) -> Option<Self> {
        match n {
            17 => Some(Self::Aes128CtsHmacSha196),
            18 => Some(Self::Aes256CtsHmacSha196),
            _ => None,
        }
    }

    /// The registered number.
    #[must_use]
    pub fn number(self) -> i32 {
        match self {
            Self::Aes128CtsHmacSha196 => 17,
            Self::Aes256CtsHmacSha196 => 18,
        }
    }

    /// Key length in bytes (16 or 32).
    #[must_use]
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128CtsHmacSha196 => 16,
            Self::Aes256CtsHmacSha196 => 32,
        }
    }
}

/// A Kerberos key: an enctype and its bytes. Zeroized on drop; `Debug` shows
/// the enctype only.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key {
    #[zeroize(skip)]
    etype: Enctype,
    bytes: Vec<u8>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("etype", &self.etype)
            .field("bytes", &"<redacted>")
            .finish()
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.etype == other.etype && bool::from(self.bytes.ct_eq(&other.bytes))
    }
}

impl Eq for Key {}

/// The key usages we use (RFC 4120 7.5.1).
pub mod usage {
    /// Ticket EncTicketPart, encrypted with the service key.
    pub const TICKET: u32 = 2;
    /// AP-REQ Authenticator, encrypted with the ticket session key.
    pub const AP_REQ_AUTHENTICATOR: u32 = 11;
    /// AP-REP EncAPRepPart, encrypted with the ticket session key.
    pub const AP_REP_ENC_PART: u32 = 12;
    /// GSS MIC token sent by the acceptor (RFC 4121 2).
    pub const ACCEPTOR_SIGN: u32 = 23;
    /// GSS MIC token sent by the initiator (RFC 4121 2).
    pub const INITIATOR_SIGN: u32 = 25;
}

enum Cipher {
    A128(Box<Aes128>),
    A256(Box<Aes256>),
}

impl Cipher {
    fn new(key: &[u8]) -> Result<Self, KrbError> {
        match key.len() {
            16 => Aes128::new_from_slice(key)
                .map(|c| Self::A128(Box::new(c)))
                .map_err(|_| KrbError::Internal("AES key")),
            32 => Aes256::new_from_slice(key)
                .map(|c| Self::A256(Box::new(c)))
                .map_err(|_| KrbError::Internal("AES key")),
            _ => Err(KrbError::Internal("AES key length")),
        }
    }

    fn encrypt(&self, block: &mut [u8; BLOCK]) {
        let mut b = aes::Block::from(*block);
        match self {
            Self::A128(c) => c.encrypt_block(&mut b),
            Self::A256(c) => c.encrypt_block(&mut b),
        }
        *block = b.into();
    }

    fn decrypt(&self, block: &mut [u8; BLOCK]) {
        let mut b = aes::Block::from(*block);
        match self {
            Self::A128(c) => c.decrypt_block(&mut b),
            Self::A256(c) => c.decrypt_block(&mut b),
        }
        *block = b.into();
    }
}

fn xor_into(dst: &mut [u8; BLOCK], src: &[u8; BLOCK]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d ^= s;
    }
}

/// The n-fold of `input` to `out_len` bytes (RFC 3961 5.1): copies of the input,
/// each rotated 13 bits further right, added up in ones'-complement arithmetic.
///
/// Only ever run on short constants (key usages, `"kerberos"`), never on
/// network lengths; divisors are checked non-zero first.
#[must_use]
#[allow(clippy::arithmetic_side_effects)]
pub fn nfold(input: &[u8], out_len: usize) -> Vec<u8> {
    if input.is_empty() || out_len == 0 {
        return vec![0; out_len];
    }
    let total = lcm(input.len(), out_len);
    let in_bits = input.len().saturating_mul(8);
    // Column sums of all out_len-sized chunks of the rotated copies.
    let mut sums = vec![0u64; out_len];
    for pos in 0..total {
        let copy = pos / input.len();
        let byte = rotated_byte(input, in_bits, copy.wrapping_mul(13), pos % input.len());
        if let Some(s) = sums.get_mut(pos % out_len) {
            *s = s.wrapping_add(u64::from(byte));
        }
    }
    // Propagate carries big-endian, the carry out of the top wrapping around.
    loop {
        let mut carry = 0u64;
        for s in sums.iter_mut().rev() {
            let v = s.wrapping_add(carry);
            *s = v & 0xFF;
            carry = v >> 8;
        }
        if carry == 0 {
            break;
        }
        if let Some(last) = sums.last_mut() {
            *last = last.wrapping_add(carry);
        }
    }
    sums.iter().map(|s| (*s & 0xFF) as u8).collect()
}

/// Byte `index` of `input` rotated right by `shift` bits (`in_bits` > 0).
#[allow(clippy::arithmetic_side_effects)]
fn rotated_byte(input: &[u8], in_bits: usize, shift: usize, index: usize) -> u8 {
    let mut out = 0u8;
    for bit in 0..8usize {
        let dst = index.wrapping_mul(8).wrapping_add(bit);
        // Bit `dst` of the result is bit `dst - shift` of the input (mod in_bits).
        let src = dst
            .wrapping_add(in_bits)
            .wrapping_sub(shift % in_bits.max(1))
            % in_bits.max(1);
        let b = input.get(src / 8).copied().unwrap_or(0);
        let v = (b >> (7 - (src % 8))) & 1;
        out |= v << (7 - bit);
    }
    out
}

#[allow(clippy::arithmetic_side_effects)]
fn lcm(a: usize, b: usize) -> usize {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    (a / x.max(1)).saturating_mul(b)
}

/// DK(base, constant) for the AES enctypes: the n-fold of `constant` to one
/// block, encrypted repeatedly, truncated to the key length (RFC 3961 5.1).
fn derive(base: &[u8], constant: &[u8]) -> Result<Zeroizing<Vec<u8>>, KrbError> {
    let cipher = Cipher::new(base)?;
    let mut block = [0u8; BLOCK];
    for (d, s) in block.iter_mut().zip(nfold(constant, BLOCK)) {
        *d = s;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(base.len()));
    while out.len() < base.len() {
        cipher.encrypt(&mut block);
        out.extend_from_slice(&block);
    }
    out.truncate(base.len());
    Ok(out)
}

/// PBKDF2 with HMAC-SHA1 (RFC 8018 5.2).
fn pbkdf2_sha1(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    let Ok(prf) = HmacSha1::new_from_slice(password) else {
        return; // HMAC takes keys of any length.
    };
    for (i, chunk) in out.chunks_mut(20).enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX).wrapping_add(1);
        let mut mac = prf.clone();
        mac.update(salt);
        mac.update(&index.to_be_bytes());
        let mut u: [u8; 20] = mac.finalize().into_bytes().into();
        let mut t = u;
        for _ in 1..iterations {
            let mut mac = prf.clone();
            mac.update(&u);
            u = mac.finalize().into_bytes().into();
            for (a, b) in t.iter_mut().zip(&u) {
                *a ^= b;
            }
        }
        for (d, s) in chunk.iter_mut().zip(&t) {
            *d = *s;
        }
        t.zeroize();
        u.zeroize();
    }
}

fn hmac_sha1_96(key: &[u8], parts: &[&[u8]]) -> Result<[u8; TAG_LEN], KrbError> {
    let mut mac = HmacSha1::new_from_slice(key).map_err(|_| KrbError::Internal("HMAC key"))?;
    for p in parts {
        mac.update(p);
    }
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; TAG_LEN];
    for (d, s) in out.iter_mut().zip(full.iter()) {
        *d = *s;
    }
    Ok(out)
}

fn usage_constant(usage: u32, kind: u8) -> [u8; 5] {
    let u = usage.to_be_bytes();
    [u[0], u[1], u[2], u[3], kind]
}

impl Key {
    /// A key from its bytes; the length must fit the enctype.
    pub fn new(etype: Enctype, bytes: &[u8]) -> Result<Self, KrbError> {
        if bytes.len() != etype.key_len() {
            return Err(KrbError::BadKeyLength);
        }
        Ok(Self {
            etype,
            bytes: bytes.to_vec(),
        })
    }

    /// A fresh random key (our acceptor subkey).
    pub fn random(etype: Enctype) -> Result<Self, KrbError> {
        let mut bytes = vec![0u8; etype.key_len()];
        getrandom::fill(&mut bytes).map_err(|_| KrbError::Internal("random generator"))?;
        Ok(Self { etype, bytes })
    }

    /// The RFC 3962 string-to-key: PBKDF2-HMAC-SHA1(password, salt,
    /// iterations) then DK(·, "kerberos"). The salt of a principal is usually
    /// the realm followed by the name components.
    pub fn from_password(
        etype: Enctype,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
    ) -> Result<Self, KrbError> {
        let mut tkey = Zeroizing::new(vec![0u8; etype.key_len()]);
        pbkdf2_sha1(password, salt, iterations, &mut tkey);
        let key = derive(&tkey, b"kerberos")?;
        Self::new(etype, &key)
    }

    /// The enctype.
    #[must_use]
    pub fn etype(&self) -> Enctype {
        self.etype
    }

    /// The key bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn usage_key(&self, usage: u32, kind: u8) -> Result<Zeroizing<Vec<u8>>, KrbError> {
        derive(&self.bytes, &usage_constant(usage, kind))
    }

    /// Encrypts `plaintext` for `usage` with a random confounder.
    pub fn encrypt(&self, usage: u32, plaintext: &[u8]) -> Result<Vec<u8>, KrbError> {
        let mut confounder = [0u8; CONFOUNDER_LEN];
        getrandom::fill(&mut confounder).map_err(|_| KrbError::Internal("random generator"))?;
        self.encrypt_with_confounder(usage, plaintext, &confounder)
    }

    /// Encrypts with a given confounder (tests and vectors only need this).
    pub fn encrypt_with_confounder(
        &self,
        usage: u32,
        plaintext: &[u8],
        confounder: &[u8; CONFOUNDER_LEN],
    ) -> Result<Vec<u8>, KrbError> {
        let ke = self.usage_key(usage, 0xAA)?;
        let ki = self.usage_key(usage, 0x55)?;
        let mut data = Zeroizing::new(Vec::with_capacity(
            plaintext.len().saturating_add(CONFOUNDER_LEN),
        ));
        data.extend_from_slice(confounder);
        data.extend_from_slice(plaintext);
        let tag = hmac_sha1_96(&ki, &[&data])?;
        let mut out = cts_encrypt(&ke, &data)?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Decrypts `ciphertext` for `usage`: checks the HMAC-SHA1-96 tag in
    /// constant time and strips the confounder.
    pub fn decrypt(&self, usage: u32, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, KrbError> {
        let body_len = ciphertext
            .len()
            .checked_sub(TAG_LEN)
            .filter(|l| *l >= CONFOUNDER_LEN)
            .ok_or(KrbError::Integrity)?;
        let (body, tag) = ciphertext
            .split_at_checked(body_len)
            .ok_or(KrbError::Integrity)?;
        let ke = self.usage_key(usage, 0xAA)?;
        let ki = self.usage_key(usage, 0x55)?;
        let data = cts_decrypt(&ke, body)?;
        let expected = hmac_sha1_96(&ki, &[&data])?;
        if !bool::from(expected.ct_eq(tag)) {
            return Err(KrbError::Integrity);
        }
        Ok(Zeroizing::new(
            data.get(CONFOUNDER_LEN..).unwrap_or_default().to_vec(),
        ))
    }

    /// The HMAC-SHA1-96 checksum keyed with DK(key, usage | 0x99) (RFC 3962).
    pub fn checksum(&self, usage: u32, parts: &[&[u8]]) -> Result<[u8; TAG_LEN], KrbError> {
        let kc = self.usage_key(usage, 0x99)?;
        hmac_sha1_96(&kc, parts)
    }
}

fn blocks_of(data: &[u8]) -> Vec<[u8; BLOCK]> {
    data.chunks(BLOCK)
        .map(|c| {
            let mut b = [0u8; BLOCK];
            for (d, s) in b.iter_mut().zip(c) {
                *d = *s;
            }
            b
        })
        .collect()
}

/// AES-CBC with ciphertext stealing, IV zero, the last two blocks swapped
/// (RFC 3962 5). At least one block of input.
pub fn cts_encrypt(key: &[u8], data: &[u8]) -> Result<Vec<u8>, KrbError> {
    if data.len() < BLOCK {
        return Err(KrbError::Internal("CTS input shorter than a block"));
    }
    let cipher = Cipher::new(key)?;
    let mut blocks = blocks_of(data);
    let mut prev = [0u8; BLOCK];
    for b in &mut blocks {
        xor_into(b, &prev);
        cipher.encrypt(b);
        prev = *b;
    }
    let n = blocks.len();
    if n >= 2 {
        blocks.swap(n.wrapping_sub(1), n.wrapping_sub(2));
    }
    let mut out: Vec<u8> = blocks.concat();
    out.truncate(data.len());
    Ok(out)
}

/// The inverse of [`cts_encrypt`].
pub fn cts_decrypt(key: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, KrbError> {
    if data.len() < BLOCK {
        return Err(KrbError::Integrity);
    }
    let cipher = Cipher::new(key)?;
    let mut blocks = blocks_of(data);
    let n = blocks.len();
    let last_len = data
        .len()
        .wrapping_sub(BLOCK.wrapping_mul(n.wrapping_sub(1)));
    if n >= 2 {
        // blocks[n-2] holds C_n (full), blocks[n-1] the first bytes of C_{n-1}.
        let mut d = blocks.get(n.wrapping_sub(2)).copied().unwrap_or_default();
        cipher.decrypt(&mut d);
        let partial = blocks.get(n.wrapping_sub(1)).copied().unwrap_or_default();
        let mut c_prev = d;
        for (i, (c, p)) in c_prev.iter_mut().zip(partial).enumerate() {
            if i < last_len {
                *c = p;
            }
        }
        let mut p_last = d;
        xor_into(&mut p_last, &c_prev);
        // Put the ciphertext back in CBC order and decrypt blocks 0..n-1.
        if let Some(b) = blocks.get_mut(n.wrapping_sub(2)) {
            *b = c_prev;
        }
        let mut out = Zeroizing::new(Vec::with_capacity(data.len()));
        let mut prev = [0u8; BLOCK];
        for b in blocks.iter().take(n.wrapping_sub(1)) {
            let mut p = *b;
            cipher.decrypt(&mut p);
            xor_into(&mut p, &prev);
            prev = *b;
            out.extend_from_slice(&p);
        }
        out.extend_from_slice(p_last.get(..last_len).unwrap_or_default());
        Ok(out)
    } else {
        let mut b = blocks.first().copied().unwrap_or_default();
        cipher.decrypt(&mut b);
        Ok(Zeroizing::new(b.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn nfold_rfc3961_vectors() {
        assert_eq!(nfold(b"012345", 8), h("be072631276b1955"));
        assert_eq!(nfold(b"password", 7), h("78a07b6caf85fa"));
        assert_eq!(
            nfold(b"kerberos", 16),
            h("6b65726265726f737b9b5b2b93132b93")
        );
    }

    #[test]
    fn encrypt_round_trip_and_tamper() {
        for etype in [Enctype::Aes128CtsHmacSha196, Enctype::Aes256CtsHmacSha196] {
            let key = Key::from_password(etype, b"pw", b"REALMuser", 2).unwrap();
            for len in [0usize, 1, 15, 16, 17, 40] {
                let msg = vec![0x5A; len];
                let ct = key.encrypt(7, &msg).unwrap();
                assert_eq!(ct.len(), len + 28);
                assert_eq!(key.decrypt(7, &ct).unwrap().as_slice(), msg.as_slice());
                assert_eq!(key.decrypt(8, &ct).unwrap_err(), KrbError::Integrity);
                let mut bad = ct.clone();
                bad[3] ^= 1;
                assert_eq!(key.decrypt(7, &bad).unwrap_err(), KrbError::Integrity);
            }
            assert_eq!(key.decrypt(7, &[0; 27]).unwrap_err(), KrbError::Integrity);
        }
    }
}
