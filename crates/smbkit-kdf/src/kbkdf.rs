//! SP800-108 key derivation in counter mode with HMAC-SHA256 as the PRF.
//!
//! NIST SP800-108 §5.1 (counter mode) computes, for `i = 1, 2, …`,
//! `K(i) = PRF(Ki, [i]_r || FixedInput)` and concatenates the blocks until
//! `L` bits are produced. Here the PRF is HMAC-SHA256 (32-byte blocks) and
//! the counter is `r = 32` bits, big-endian, placed *before* the fixed input.
//! That is the only configuration SMB uses (MS-SMB2 3.1.4.2).
//!
//! Two entry points:
//!
//! * [`kbkdf_ctr_hmac_sha256`] takes the fixed input already encoded (this is
//!   the form of the NIST CAVP vectors, whose fixed input is opaque);
//! * [`smb3_kdf`] builds the SMB fixed input
//!   `Label || 0x00 || Context || be32(L)` itself, with `L = 8 * out.len()`.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::KdfError;

type HmacSha256 = Hmac<Sha256>;

/// The PRF block size: one HMAC-SHA256 output.
const BLOCK_LEN: usize = 32;

/// SP800-108 counter-mode KDF, PRF HMAC-SHA256, 32-bit counter before the
/// fixed input, over an already-encoded `fixed_input`.
///
/// Fills all of `out` (its length is `L / 8`; the caller is responsible for
/// having encoded the matching `L` inside `fixed_input`, as the CAVP vectors
/// do). An empty `out` is left as it is.
///
/// # Errors
///
/// [`KdfError::OutputTooLong`] if `out` needs more than `2^32 - 1` blocks.
pub fn kbkdf_ctr_hmac_sha256(
    ki: &[u8],
    fixed_input: &[u8],
    out: &mut [u8],
) -> Result<(), KdfError> {
    counter_mode(ki, &[fixed_input], out)
}

/// The SMB 3.x KDF of MS-SMB2 3.1.4.2:
/// `HMAC-SHA256(Ki, be32(i) || Label || 0x00 || Context || be32(L))`, with
/// `L = 8 * out.len()` bits, truncated to `out.len()` bytes.
///
/// `label` and `context` are used exactly as given: the SMB constants in
/// [`crate::labels`] already end in their own NUL byte, and the extra `0x00`
/// separator is added here.
///
/// # Errors
///
/// [`KdfError::OutputTooLong`] if `8 * out.len()` does not fit in 32 bits.
pub fn smb3_kdf(ki: &[u8], label: &[u8], context: &[u8], out: &mut [u8]) -> Result<(), KdfError> {
    let len = out.len();
    let l_bits = u32::try_from(len)
        .ok()
        .and_then(|n| n.checked_mul(8))
        .ok_or(KdfError::OutputTooLong { len })?;
    let l_field = l_bits.to_be_bytes();
    counter_mode(ki, &[label, &[0u8], context, &l_field], out)
}

/// The counter-mode loop shared by both forms; `fixed` is the fixed input
/// in pieces, fed to the PRF without being joined.
fn counter_mode(ki: &[u8], fixed: &[&[u8]], out: &mut [u8]) -> Result<(), KdfError> {
    let len = out.len();
    if len == 0 {
        return Ok(());
    }
    let keyed = HmacSha256::new_from_slice(ki).map_err(|_| KdfError::PrfKey)?;
    let mut counter: u32 = 0;
    for chunk in out.chunks_mut(BLOCK_LEN) {
        counter = counter
            .checked_add(1)
            .ok_or(KdfError::OutputTooLong { len })?;
        let mut prf = keyed.clone();
        prf.update(&counter.to_be_bytes());
        for part in fixed {
            prf.update(part);
        }
        let block = prf.finalize();
        for (dst, src) in chunk.iter_mut().zip(block.as_bytes().iter()) {
            *dst = *src;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smb_form_equals_general_form_over_encoded_input() {
        let ki = [7u8; 16];
        let mut fixed = Vec::new();
        fixed.extend_from_slice(b"SMBSigningKey\0");
        fixed.push(0);
        fixed.extend_from_slice(&[0xab; 64]);
        fixed.extend_from_slice(&256u32.to_be_bytes());
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        kbkdf_ctr_hmac_sha256(&ki, &fixed, &mut a).unwrap();
        smb3_kdf(&ki, b"SMBSigningKey\0", &[0xab; 64], &mut b).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn second_block_uses_counter_two() {
        // 40 bytes = one full block and 8 bytes of the second.
        let ki = b"key";
        let fixed = b"fixed";
        let mut out = [0u8; 40];
        kbkdf_ctr_hmac_sha256(ki, fixed, &mut out).unwrap();
        let mut mac = HmacSha256::new_from_slice(ki).unwrap();
        mac.update(&2u32.to_be_bytes());
        mac.update(fixed);
        let second = mac.finalize().into_bytes();
        assert_eq!(&out[32..], &second[..8]);
        assert_ne!(&out[..8], &out[32..]);
    }

    #[test]
    fn empty_output_is_left_alone() {
        let mut out = [0u8; 0];
        smb3_kdf(b"k", b"l\0", b"c\0", &mut out).unwrap();
    }
}
