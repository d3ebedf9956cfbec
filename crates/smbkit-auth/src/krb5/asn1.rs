//! The Kerberos messages an acceptor reads and writes (RFC 4120 5), in DER:
//! AP-REQ, Ticket, EncTicketPart, Authenticator, AP-REP, EncAPRepPart.
//!
//! Decoding uses the same bounded DER reader as SPNEGO (single-byte tags,
//! definite lengths, every length checked). Encoders exist for both sides so
//! tests (and an SMB client) can build tickets and authenticators.

use zeroize::Zeroizing;

use super::KrbError;
use super::crypto::{Enctype, Key};
use crate::spnego::der::{self, Tlv};

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_GENERALIZED_TIME: u8 = 0x18;
const TAG_GENERAL_STRING: u8 = 0x1B;
const fn ctx(n: u8) -> u8 {
    0xA0 | n
}
const fn app(n: u8) -> u8 {
    0x60 | n
}

/// At most this many name components, fields or authorization elements.
const MAX_ITEMS: usize = 16;

/// APOptions mutual-required (bit 2).
pub const AP_OPTION_MUTUAL_REQUIRED: u32 = 0x2000_0000;
/// TicketFlags invalid (bit 7).
pub const TICKET_FLAG_INVALID: u32 = 0x0100_0000;

/// PrincipalName (RFC 4120 5.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalName {
    /// name-type (1 = NT-PRINCIPAL, 2 = NT-SRV-INST, 3 = NT-SRV-HST).
    pub name_type: i32,
    /// name-string.
    pub components: Vec<String>,
}

impl PrincipalName {
    /// A name from `a/b/c` components.
    #[must_use]
    pub fn new(name_type: i32, components: &[&str]) -> Self {
        Self {
            name_type,
            components: components.iter().map(|c| (*c).to_owned()).collect(),
        }
    }
}

impl core::fmt::Display for PrincipalName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.components.join("/"))
    }
}

/// EncryptedData (RFC 4120 5.2.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedData {
    /// etype.
    pub etype: i32,
    /// kvno.
    pub kvno: Option<u32>,
    /// cipher.
    pub cipher: Vec<u8>,
}

/// Ticket (RFC 4120 5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The service's realm.
    pub realm: String,
    /// The service principal.
    pub sname: PrincipalName,
    /// The EncTicketPart, encrypted with the service key.
    pub enc_part: EncryptedData,
}

/// AP-REQ (RFC 4120 5.5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApReq {
    /// ap-options as a 32-bit big-endian bit field.
    pub ap_options: u32,
    /// The ticket.
    pub ticket: Ticket,
    /// The Authenticator, encrypted with the ticket session key.
    pub authenticator: EncryptedData,
}

/// EncTicketPart (RFC 4120 5.3), the fields an acceptor checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncTicketPart {
    /// TicketFlags as a 32-bit big-endian bit field.
    pub flags: u32,
    /// The ticket session key.
    pub key: Key,
    /// The client's realm.
    pub crealm: String,
    /// The client.
    pub cname: PrincipalName,
    /// authtime (Unix seconds).
    pub authtime: i64,
    /// starttime (Unix seconds).
    pub starttime: Option<i64>,
    /// endtime (Unix seconds).
    pub endtime: i64,
}

/// Checksum (RFC 4120 5.2.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    /// cksumtype (0x8003 for the GSS-API checksum, RFC 4121 4.1.1).
    pub cksumtype: i32,
    /// checksum.
    pub checksum: Vec<u8>,
}

/// Authenticator (RFC 4120 5.5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticator {
    /// The client's realm.
    pub crealm: String,
    /// The client.
    pub cname: PrincipalName,
    /// cksum.
    pub cksum: Option<Checksum>,
    /// cusec.
    pub cusec: u32,
    /// ctime (Unix seconds).
    pub ctime: i64,
    /// ctime as sent (GeneralizedTime contents), echoed in the AP-REP.
    pub ctime_raw: Vec<u8>,
    /// The initiator's subkey.
    pub subkey: Option<Key>,
    /// seq-number.
    pub seq_number: Option<u32>,
}

/// EncAPRepPart (RFC 4120 5.5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncApRepPart {
    /// ctime as in the Authenticator (GeneralizedTime contents).
    pub ctime_raw: Vec<u8>,
    /// cusec as in the Authenticator.
    pub cusec: u32,
    /// The acceptor's subkey.
    pub subkey: Option<Key>,
    /// The acceptor's initial sequence number.
    pub seq_number: Option<u32>,
}

fn bad(what: &'static str) -> KrbError {
    KrbError::Malformed(what)
}

/// The `[n]`-tagged fields of a SEQUENCE, in increasing tag order.
fn fields<'a>(input: &'a [u8], what: &'static str) -> Result<Vec<Tlv<'a>>, KrbError> {
    let seq = der::read_only(input, TAG_SEQUENCE, what).map_err(|_| bad(what))?;
    let items = der::read_seq(seq.value, MAX_ITEMS).map_err(|_| bad(what))?;
    let mut last: Option<u8> = None;
    for item in &items {
        if item.tag & 0xE0 != 0xA0 || last.is_some_and(|l| item.tag <= l) {
            return Err(bad(what));
        }
        last = Some(item.tag);
    }
    Ok(items)
}

fn field<'a>(items: &[Tlv<'a>], n: u8) -> Option<&'a [u8]> {
    items.iter().find(|t| t.tag == ctx(n)).map(|t| t.value)
}

fn required<'a>(items: &[Tlv<'a>], n: u8, what: &'static str) -> Result<&'a [u8], KrbError> {
    field(items, n).ok_or(bad(what))
}

fn unwrap_app<'a>(input: &'a [u8], n: u8, what: &'static str) -> Result<&'a [u8], KrbError> {
    Ok(der::read_only(input, app(n), what)
        .map_err(|_| bad(what))?
        .value)
}

fn int(input: &[u8], what: &'static str) -> Result<i64, KrbError> {
    let tlv = der::read_only(input, TAG_INTEGER, what).map_err(|_| bad(what))?;
    let bytes = tlv.value;
    if bytes.is_empty() || bytes.len() > 8 {
        return Err(bad(what));
    }
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut buf = if negative { [0xFF; 8] } else { [0; 8] };
    let start = 8usize.checked_sub(bytes.len()).ok_or(bad(what))?;
    buf.get_mut(start..)
        .ok_or(bad(what))?
        .copy_from_slice(bytes);
    Ok(i64::from_be_bytes(buf))
}

fn int32(input: &[u8], what: &'static str) -> Result<i32, KrbError> {
    i32::try_from(int(input, what)?).map_err(|_| bad(what))
}

fn uint32(input: &[u8], what: &'static str) -> Result<u32, KrbError> {
    // MIT and Heimdal have sent sequence numbers as negative Int32s; keep the bits.
    let v = int(input, what)?;
    u32::try_from(v)
        .or_else(|_| i32::try_from(v).map(|n| n as u32))
        .map_err(|_| bad(what))
}

fn octets(input: &[u8], what: &'static str) -> Result<Vec<u8>, KrbError> {
    Ok(der::read_only(input, TAG_OCTET_STRING, what)
        .map_err(|_| bad(what))?
        .value
        .to_vec())
}

fn kstring(input: &[u8], what: &'static str) -> Result<String, KrbError> {
    let tlv = der::read_only(input, TAG_GENERAL_STRING, what).map_err(|_| bad(what))?;
    String::from_utf8(tlv.value.to_vec()).map_err(|_| bad(what))
}

fn bit_string32(input: &[u8], what: &'static str) -> Result<u32, KrbError> {
    let tlv = der::read_only(input, TAG_BIT_STRING, what).map_err(|_| bad(what))?;
    let (_unused, bits) = tlv.value.split_first().ok_or(bad(what))?;
    let mut buf = [0u8; 4];
    for (d, s) in buf.iter_mut().zip(bits) {
        *d = *s;
    }
    Ok(u32::from_be_bytes(buf))
}

fn time(input: &[u8], what: &'static str) -> Result<(i64, Vec<u8>), KrbError> {
    let tlv = der::read_only(input, TAG_GENERALIZED_TIME, what).map_err(|_| bad(what))?;
    Ok((parse_time(tlv.value).ok_or(bad(what))?, tlv.value.to_vec()))
}

/// 0000-01-01T00:00:00Z in Unix seconds: the earliest GeneralizedTime with
/// a four-digit year.
const EARLIEST_TIME: i64 = -62_167_219_200;

/// `YYYYMMDDHHMMSSZ` to Unix seconds. Every input is at most four digits, so
/// the arithmetic cannot overflow.
#[allow(clippy::arithmetic_side_effects)]
fn parse_time(s: &[u8]) -> Option<i64> {
    let [
        y0,
        y1,
        y2,
        y3,
        mo0,
        mo1,
        d0,
        d1,
        h0,
        h1,
        mi0,
        mi1,
        s0,
        s1,
        b'Z',
    ] = *s
    else {
        return None;
    };
    let num = |ds: &[u8]| -> Option<i64> {
        ds.iter().try_fold(0i64, |acc, d| {
            d.is_ascii_digit()
                .then(|| acc * 10 + i64::from(d.wrapping_sub(b'0')))
        })
    };
    let year = num(&[y0, y1, y2, y3])?;
    let month = num(&[mo0, mo1])?;
    let day = num(&[d0, d1])?;
    let (hour, min, sec) = (num(&[h0, h1])?, num(&[mi0, mi1])?, num(&[s0, s1])?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm); all values are small.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + min * 60 + sec)
}

/// Unix seconds to `YYYYMMDDHHMMSSZ` (for tests and clients).
/// Clamped to years 0000..=9999, every time the decoder accepts (so a
/// decoded ticket re-encodes to the same time), and the arithmetic cannot
/// overflow.
#[must_use]
#[allow(clippy::arithmetic_side_effects)]
pub fn format_time(unix: i64) -> Vec<u8> {
    let unix = unix.clamp(EARLIEST_TIME, 253_402_300_799);
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
    .into_bytes()
}

fn principal(input: &[u8], what: &'static str) -> Result<PrincipalName, KrbError> {
    let items = fields(input, what)?;
    let name_type = int32(required(&items, 0, what)?, what)?;
    let list =
        der::read_only(required(&items, 1, what)?, TAG_SEQUENCE, what).map_err(|_| bad(what))?;
    let components = der::read_seq(list.value, MAX_ITEMS)
        .map_err(|_| bad(what))?
        .iter()
        .map(|t| kstring(t.raw, what))
        .collect::<Result<Vec<_>, _>>()?;
    if components.is_empty() {
        return Err(bad(what));
    }
    Ok(PrincipalName {
        name_type,
        components,
    })
}

fn encrypted_data(input: &[u8], what: &'static str) -> Result<EncryptedData, KrbError> {
    let items = fields(input, what)?;
    Ok(EncryptedData {
        etype: int32(required(&items, 0, what)?, what)?,
        kvno: field(&items, 1).map(|v| uint32(v, what)).transpose()?,
        cipher: octets(required(&items, 2, what)?, what)?,
    })
}

fn encryption_key(input: &[u8], what: &'static str) -> Result<Key, KrbError> {
    let items = fields(input, what)?;
    let etype = int32(required(&items, 0, what)?, what)?;
    let value = Zeroizing::new(octets(required(&items, 1, what)?, what)?);
    let etype = Enctype::from_number(etype).ok_or(KrbError::UnsupportedEnctype(etype))?;
    Key::new(etype, &value)
}

fn ticket(input: &[u8]) -> Result<Ticket, KrbError> {
    let items = fields(unwrap_app(input, 1, "Ticket")?, "Ticket")?;
    if int(required(&items, 0, "tkt-vno")?, "tkt-vno")? != 5 {
        return Err(bad("tkt-vno is not 5"));
    }
    Ok(Ticket {
        realm: kstring(required(&items, 1, "Ticket realm")?, "Ticket realm")?,
        sname: principal(required(&items, 2, "Ticket sname")?, "Ticket sname")?,
        enc_part: encrypted_data(required(&items, 3, "Ticket enc-part")?, "Ticket enc-part")?,
    })
}

impl ApReq {
    /// Decodes `[APPLICATION 14] AP-REQ`.
    pub fn decode(input: &[u8]) -> Result<Self, KrbError> {
        let items = fields(unwrap_app(input, 14, "AP-REQ")?, "AP-REQ")?;
        if int(required(&items, 0, "pvno")?, "pvno")? != 5 {
            return Err(bad("pvno is not 5"));
        }
        if int(required(&items, 1, "msg-type")?, "msg-type")? != 14 {
            return Err(bad("msg-type is not AP-REQ"));
        }
        Ok(Self {
            ap_options: bit_string32(required(&items, 2, "ap-options")?, "ap-options")?,
            ticket: ticket(required(&items, 3, "ticket")?)?,
            authenticator: encrypted_data(required(&items, 4, "authenticator")?, "authenticator")?,
        })
    }

    /// Encodes the AP-REQ.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let t = &self.ticket;
        let ticket = der::write(
            app(1),
            &seq(&[
                (0, enc_int(5)),
                (1, enc_kstring(&t.realm)),
                (2, enc_principal(&t.sname)),
                (3, enc_encrypted_data(&t.enc_part)),
            ]),
        );
        der::write(
            app(14),
            &seq(&[
                (0, enc_int(5)),
                (1, enc_int(14)),
                (2, enc_bits(self.ap_options)),
                (3, ticket),
                (4, enc_encrypted_data(&self.authenticator)),
            ]),
        )
    }
}

impl EncTicketPart {
    /// Decodes `[APPLICATION 3] EncTicketPart`.
    pub fn decode(input: &[u8]) -> Result<Self, KrbError> {
        let w = "EncTicketPart";
        let items = fields(unwrap_app(input, 3, w)?, w)?;
        Ok(Self {
            flags: bit_string32(required(&items, 0, w)?, w)?,
            key: encryption_key(required(&items, 1, w)?, w)?,
            crealm: kstring(required(&items, 2, w)?, w)?,
            cname: principal(required(&items, 3, w)?, w)?,
            authtime: time(required(&items, 5, w)?, w)?.0,
            starttime: field(&items, 6)
                .map(|v| time(v, w).map(|t| t.0))
                .transpose()?,
            endtime: time(required(&items, 7, w)?, w)?.0,
        })
    }

    /// Encodes it (as a KDC would; transited empty).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let transited = seq(&[(0, enc_int(1)), (1, der::write(TAG_OCTET_STRING, &[]))]);
        let mut f = vec![
            (0, enc_bits(self.flags)),
            (1, enc_key(&self.key)),
            (2, enc_kstring(&self.crealm)),
            (3, enc_principal(&self.cname)),
            (4, transited),
            (5, enc_time(self.authtime)),
        ];
        if let Some(s) = self.starttime {
            f.push((6, enc_time(s)));
        }
        f.push((7, enc_time(self.endtime)));
        der::write(app(3), &seq(&f))
    }
}

impl Authenticator {
    /// Decodes `[APPLICATION 2] Authenticator`.
    pub fn decode(input: &[u8]) -> Result<Self, KrbError> {
        let w = "Authenticator";
        let items = fields(unwrap_app(input, 2, w)?, w)?;
        if int(required(&items, 0, w)?, w)? != 5 {
            return Err(bad("authenticator-vno is not 5"));
        }
        let cksum = field(&items, 3)
            .map(|v| {
                let c = fields(v, "cksum")?;
                Ok::<_, KrbError>(Checksum {
                    cksumtype: int32(required(&c, 0, "cksum")?, "cksum")?,
                    checksum: octets(required(&c, 1, "cksum")?, "cksum")?,
                })
            })
            .transpose()?;
        let (ctime, ctime_raw) = time(required(&items, 5, w)?, w)?;
        Ok(Self {
            crealm: kstring(required(&items, 1, w)?, w)?,
            cname: principal(required(&items, 2, w)?, w)?,
            cksum,
            cusec: uint32(required(&items, 4, w)?, w)?,
            ctime,
            ctime_raw,
            subkey: field(&items, 6).map(|v| encryption_key(v, w)).transpose()?,
            seq_number: field(&items, 7).map(|v| uint32(v, w)).transpose()?,
        })
    }

    /// Encodes it (as an initiator would).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut f = vec![
            (0, enc_int(5)),
            (1, enc_kstring(&self.crealm)),
            (2, enc_principal(&self.cname)),
        ];
        if let Some(c) = &self.cksum {
            f.push((
                3,
                seq(&[
                    (0, enc_int(i64::from(c.cksumtype))),
                    (1, der::write(TAG_OCTET_STRING, &c.checksum)),
                ]),
            ));
        }
        f.push((4, enc_int(i64::from(self.cusec))));
        f.push((5, der::write(TAG_GENERALIZED_TIME, &self.ctime_raw)));
        if let Some(k) = &self.subkey {
            f.push((6, enc_key(k)));
        }
        if let Some(s) = self.seq_number {
            f.push((7, enc_int(i64::from(s))));
        }
        der::write(app(2), &seq(&f))
    }
}

impl EncApRepPart {
    /// Encodes `[APPLICATION 27] EncAPRepPart`.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut f = vec![
            (0, der::write(TAG_GENERALIZED_TIME, &self.ctime_raw)),
            (1, enc_int(i64::from(self.cusec))),
        ];
        if let Some(k) = &self.subkey {
            f.push((2, enc_key(k)));
        }
        if let Some(s) = self.seq_number {
            f.push((3, enc_int(i64::from(s))));
        }
        der::write(app(27), &seq(&f))
    }

    /// Decodes it (as an initiator would).
    pub fn decode(input: &[u8]) -> Result<Self, KrbError> {
        let w = "EncAPRepPart";
        let items = fields(unwrap_app(input, 27, w)?, w)?;
        Ok(Self {
            ctime_raw: time(required(&items, 0, w)?, w)?.1,
            cusec: uint32(required(&items, 1, w)?, w)?,
            subkey: field(&items, 2).map(|v| encryption_key(v, w)).transpose()?,
            seq_number: field(&items, 3).map(|v| uint32(v, w)).transpose()?,
        })
    }
}

/// Encodes `[APPLICATION 15] AP-REP` around an encrypted EncAPRepPart.
#[must_use]
pub fn encode_ap_rep(enc_part: &EncryptedData) -> Vec<u8> {
    der::write(
        app(15),
        &seq(&[
            (0, enc_int(5)),
            (1, enc_int(15)),
            (2, enc_encrypted_data(enc_part)),
        ]),
    )
}

/// Decodes an AP-REP to its encrypted part.
pub fn decode_ap_rep(input: &[u8]) -> Result<EncryptedData, KrbError> {
    let items = fields(unwrap_app(input, 15, "AP-REP")?, "AP-REP")?;
    if int(required(&items, 1, "AP-REP")?, "AP-REP")? != 15 {
        return Err(bad("msg-type is not AP-REP"));
    }
    encrypted_data(required(&items, 2, "AP-REP")?, "AP-REP")
}

fn seq(fields: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (n, v) in fields {
        body.extend_from_slice(&der::write(ctx(*n), v));
    }
    der::write(TAG_SEQUENCE, &body)
}

fn enc_int(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    // Minimal two's complement: drop leading bytes that only repeat the sign.
    let mut start = 0usize;
    while start < 7 {
        let (Some(&b), Some(&next)) = (bytes.get(start), bytes.get(start.wrapping_add(1))) else {
            break;
        };
        let redundant = (b == 0 && next & 0x80 == 0) || (b == 0xFF && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start = start.wrapping_add(1);
    }
    der::write(TAG_INTEGER, bytes.get(start..).unwrap_or_default())
}

fn enc_kstring(s: &str) -> Vec<u8> {
    der::write(TAG_GENERAL_STRING, s.as_bytes())
}

fn enc_bits(v: u32) -> Vec<u8> {
    let b = v.to_be_bytes();
    der::write(TAG_BIT_STRING, &[0, b[0], b[1], b[2], b[3]])
}

fn enc_time(unix: i64) -> Vec<u8> {
    der::write(TAG_GENERALIZED_TIME, &format_time(unix))
}

fn enc_principal(p: &PrincipalName) -> Vec<u8> {
    let names: Vec<u8> = p.components.iter().flat_map(|c| enc_kstring(c)).collect();
    seq(&[
        (0, enc_int(i64::from(p.name_type))),
        (1, der::write(TAG_SEQUENCE, &names)),
    ])
}

fn enc_encrypted_data(e: &EncryptedData) -> Vec<u8> {
    let mut f = vec![(0, enc_int(i64::from(e.etype)))];
    if let Some(k) = e.kvno {
        f.push((1, enc_int(i64::from(k))));
    }
    f.push((2, der::write(TAG_OCTET_STRING, &e.cipher)));
    seq(&f)
}

fn enc_key(k: &Key) -> Vec<u8> {
    seq(&[
        (0, enc_int(i64::from(k.etype().number()))),
        (1, der::write(TAG_OCTET_STRING, k.as_bytes())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        assert_eq!(parse_time(b"19700101000000Z"), Some(0));
        assert_eq!(parse_time(b"20261122071500Z"), Some(1_795_331_700));
        for t in [0i64, 951_782_400, 1_795_331_700, 4_102_444_799] {
            assert_eq!(parse_time(&format_time(t)), Some(t));
        }
        assert_eq!(parse_time(b"20261322071500Z"), None);
        // Found by the krb5 fuzz target: a year before 1970 decoded but was
        // re-encoded as 1970 (the encoder clamped at the epoch).
        for s in [
            &b"00261122071400Z"[..],
            b"00000101000000Z",
            b"19691231235959Z",
        ] {
            let t = parse_time(s).unwrap();
            assert_eq!(format_time(t), s, "{}", String::from_utf8_lossy(s));
        }
        assert_eq!(parse_time(b"00000101000000Z"), Some(EARLIEST_TIME));
        assert_eq!(format_time(i64::MIN), b"00000101000000Z");
        assert_eq!(format_time(i64::MAX), b"99991231235959Z");
        assert_eq!(parse_time(b"2026112207150Z"), None);
    }

    #[test]
    fn integers_are_minimal() {
        assert_eq!(enc_int(0), [2, 1, 0]);
        assert_eq!(enc_int(128), [2, 2, 0, 128]);
        assert_eq!(enc_int(-1), [2, 1, 0xFF]);
        assert_eq!(int(&enc_int(0x8003), "x").unwrap(), 0x8003);
        assert_eq!(int(&enc_int(-129), "x").unwrap(), -129);
        assert_eq!(uint32(&enc_int(-2), "x").unwrap(), 0xFFFF_FFFE);
    }
}
