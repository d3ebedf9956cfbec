//! GSS-API framing of Kerberos tokens (RFC 2743 3.1, RFC 4121 4.1):
//! `[APPLICATION 0] { OID 1.2.840.113554.1.2.2, TOK_ID (2 bytes), message }`,
//! and the RFC 4121 MIC token used for SPNEGO's mechListMIC.

use super::KrbError;
use super::crypto::{Key, usage};
use crate::spnego::der;
use crate::spnego::{OID_KERBEROS, OID_MS_KERBEROS};

/// TOK_ID of an AP-REQ.
pub const TOK_AP_REQ: [u8; 2] = [0x01, 0x00];
/// TOK_ID of an AP-REP.
pub const TOK_AP_REP: [u8; 2] = [0x02, 0x00];
/// TOK_ID of a KRB-ERROR.
pub const TOK_ERROR: [u8; 2] = [0x03, 0x00];

const TAG_APPLICATION_0: u8 = 0x60;
const TAG_OID: u8 = 0x06;

/// Whether `token` is a GSS-framed Kerberos token (either OID).
#[must_use]
pub fn is_kerberos(token: &[u8]) -> bool {
    unwrap(token).is_ok()
}

/// The TOK_ID and the message inside a GSS-framed Kerberos token.
pub fn unwrap(token: &[u8]) -> Result<([u8; 2], &[u8]), KrbError> {
    let (outer, rest) = der::read(token).map_err(|_| KrbError::Malformed("GSS token"))?;
    if outer.tag != TAG_APPLICATION_0 || !rest.is_empty() {
        return Err(KrbError::Malformed("GSS token"));
    }
    let (oid, inner) = der::read(outer.value).map_err(|_| KrbError::Malformed("GSS token"))?;
    if oid.tag != TAG_OID || (oid.value != OID_KERBEROS && oid.value != OID_MS_KERBEROS) {
        return Err(KrbError::Malformed("GSS token is not Kerberos"));
    }
    let (tok_id, msg) = inner
        .split_first_chunk::<2>()
        .ok_or(KrbError::Malformed("GSS token"))?;
    Ok((*tok_id, msg))
}

/// Frames `msg` with the Kerberos OID and `tok_id`.
#[must_use]
pub fn wrap(tok_id: [u8; 2], msg: &[u8]) -> Vec<u8> {
    let mut body = der::write(TAG_OID, OID_KERBEROS);
    body.extend_from_slice(&tok_id);
    body.extend_from_slice(msg);
    der::write(TAG_APPLICATION_0, &body)
}

/// Flags of an RFC 4121 token: sent by the acceptor.
const FLAG_SENT_BY_ACCEPTOR: u8 = 0x01;
/// Flags of an RFC 4121 token: the acceptor subkey is in use.
const FLAG_ACCEPTOR_SUBKEY: u8 = 0x04;

/// An RFC 4121 4.2.6.1 MIC token over `message`, from the acceptor (`true`)
/// or the initiator, with sequence number `seq`, keyed with the context key.
pub fn mic(
    key: &Key,
    from_acceptor: bool,
    acceptor_subkey: bool,
    seq: u64,
    message: &[u8],
) -> Result<Vec<u8>, KrbError> {
    let mut flags = 0u8;
    if from_acceptor {
        flags |= FLAG_SENT_BY_ACCEPTOR;
    }
    if acceptor_subkey {
        flags |= FLAG_ACCEPTOR_SUBKEY;
    }
    let mut header = vec![0x04, 0x04, flags, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
    header.extend_from_slice(&seq.to_be_bytes());
    let u = if from_acceptor {
        usage::ACCEPTOR_SIGN
    } else {
        usage::INITIATOR_SIGN
    };
    let tag = key.checksum(u, &[message, &header])?;
    header.extend_from_slice(&tag);
    Ok(header)
}

/// Verifies an initiator's MIC token over `message` (any sequence number).
pub fn verify_initiator_mic(
    key: &Key,
    acceptor_subkey: bool,
    token: &[u8],
    message: &[u8],
) -> Result<(), KrbError> {
    let (header, tag) = token
        .split_at_checked(16)
        .ok_or(KrbError::Malformed("MIC token"))?;
    let seq_bytes: [u8; 8] = header
        .get(8..16)
        .and_then(|s| s.try_into().ok())
        .ok_or(KrbError::Malformed("MIC token"))?;
    let expected = mic(
        key,
        false,
        acceptor_subkey,
        u64::from_be_bytes(seq_bytes),
        message,
    )?;
    if header.get(..8) != expected.get(..8) {
        return Err(KrbError::Malformed("MIC token header"));
    }
    let ok: bool =
        subtle::ConstantTimeEq::ct_eq(tag, expected.get(16..).unwrap_or_default()).into();
    if ok { Ok(()) } else { Err(KrbError::Integrity) }
}
