//! SPNEGO (RFC 4178, MS-SPNG): the tokens that wrap NTLMSSP in SMB2.
//!
//! - [`neg_token_init2`]: what the server puts in its SMB2 NEGOTIATE response,
//! - [`parse`]: a client's NegTokenInit (GSS-framed) or NegTokenResp,
//! - [`NegTokenResp::encode`]: our answers.

pub(crate) mod der;

pub use der::MAX_TOKEN_LEN;

use crate::error::DecodeError;

const TAG_APPLICATION_0: u8 = 0x60;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_OID: u8 = 0x06;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_ENUMERATED: u8 = 0x0A;
const TAG_GENERAL_STRING: u8 = 0x1B;
const fn ctx(n: u8) -> u8 {
    0xA0 | n
}

/// The SPNEGO OID 1.3.6.1.5.5.2 (DER contents).
pub const OID_SPNEGO: &[u8] = &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x02];
/// NTLMSSP 1.3.6.1.4.1.311.2.2.10.
pub const OID_NTLMSSP: &[u8] = &[0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0A];
/// Kerberos 5, 1.2.840.113554.1.2.2.
pub const OID_KERBEROS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x12, 0x01, 0x02, 0x02];
/// Microsoft's Kerberos 5 OID, 1.2.840.48018.1.2.2.
pub const OID_MS_KERBEROS: &[u8] = &[0x2A, 0x86, 0x48, 0x82, 0xF7, 0x12, 0x01, 0x02, 0x02];
/// NEGOEX, 1.3.6.1.4.1.311.2.2.30.
pub const OID_NEGOEX: &[u8] = &[0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x1E];

/// The hintName Windows and Samba put in NegTokenInit2 (MS-SPNG 2.2.1).
pub const HINT_NAME: &str = "not_defined_in_RFC4178@please_ignore";

/// At most this many mechanisms in a client's list.
pub const MAX_MECHS: usize = 32;

/// A security mechanism, named by its OID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mech {
    /// NTLMSSP.
    Ntlmssp,
    /// Kerberos 5.
    Kerberos,
    /// Kerberos 5 under Microsoft's OID.
    MsKerberos,
    /// NEGOEX.
    NegoEx,
    /// Any other OID (DER contents).
    Other(Vec<u8>),
}

impl Mech {
    /// From the contents of a DER OID.
    #[must_use]
    pub fn from_oid(oid: &[u8]) -> Self {
        match oid {
            OID_NTLMSSP => Self::Ntlmssp,
            OID_KERBEROS => Self::Kerberos,
            OID_MS_KERBEROS => Self::MsKerberos,
            OID_NEGOEX => Self::NegoEx,
            other => Self::Other(other.to_vec()),
        }
    }

    /// The contents of the DER OID.
    #[must_use]
    pub fn oid(&self) -> &[u8] {
        match self {
            Self::Ntlmssp => OID_NTLMSSP,
            Self::Kerberos => OID_KERBEROS,
            Self::MsKerberos => OID_MS_KERBEROS,
            Self::NegoEx => OID_NEGOEX,
            Self::Other(o) => o,
        }
    }
}

/// The DER of a MechTypeList (SEQUENCE OF OID).
#[must_use]
pub fn encode_mech_types(mechs: &[Mech]) -> Vec<u8> {
    let oids: Vec<Vec<u8>> = mechs.iter().map(|m| der::write(TAG_OID, m.oid())).collect();
    let refs: Vec<&[u8]> = oids.iter().map(Vec::as_slice).collect();
    der::write(TAG_SEQUENCE, &der::concat(&refs))
}

/// NegState (RFC 4178 4.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegState {
    /// accept-completed (0).
    AcceptCompleted,
    /// accept-incomplete (1).
    AcceptIncomplete,
    /// reject (2).
    Reject,
    /// request-mic (3).
    RequestMic,
}

impl NegState {
    fn value(self) -> u8 {
        match self {
            Self::AcceptCompleted => 0,
            Self::AcceptIncomplete => 1,
            Self::Reject => 2,
            Self::RequestMic => 3,
        }
    }

    fn from_value(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::AcceptCompleted),
            1 => Some(Self::AcceptIncomplete),
            2 => Some(Self::Reject),
            3 => Some(Self::RequestMic),
            _ => None,
        }
    }
}

/// NegTokenInit (RFC 4178 4.2.1), or MS-SPNG's NegTokenInit2 when it has hints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegTokenInit {
    /// mechTypes, most preferred first.
    pub mech_types: Vec<Mech>,
    /// The DER of mechTypes as received (the bytes a mechListMIC covers).
    pub mech_types_der: Vec<u8>,
    /// mechToken: the optimistic token for the first mechanism.
    pub mech_token: Option<Vec<u8>>,
    /// negHints.hintName (NegTokenInit2 only).
    pub hint_name: Option<Vec<u8>>,
    /// mechListMIC.
    pub mech_list_mic: Option<Vec<u8>>,
}

impl NegTokenInit {
    /// A client-style token offering `mechs` with an optional optimistic token.
    #[must_use]
    pub fn new(mechs: Vec<Mech>, mech_token: Option<Vec<u8>>) -> Self {
        let mech_types_der = encode_mech_types(&mechs);
        Self {
            mech_types: mechs,
            mech_types_der,
            mech_token,
            hint_name: None,
            mech_list_mic: None,
        }
    }

    /// The GSS-framed token (`[APPLICATION 0] { SPNEGO OID, [0] NegTokenInit }`).
    /// With a hint name it is laid out as NegTokenInit2 (negHints at `[3]`,
    /// mechListMIC at `[4]`).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut fields = vec![der::write(ctx(0), &encode_mech_types(&self.mech_types))];
        if let Some(t) = &self.mech_token {
            fields.push(der::write(ctx(2), &der::write(TAG_OCTET_STRING, t)));
        }
        let mic_tag = if let Some(h) = &self.hint_name {
            let hint = der::write(ctx(0), &der::write(TAG_GENERAL_STRING, h));
            fields.push(der::write(ctx(3), &der::write(TAG_SEQUENCE, &hint)));
            ctx(4)
        } else {
            ctx(3)
        };
        if let Some(m) = &self.mech_list_mic {
            fields.push(der::write(mic_tag, &der::write(TAG_OCTET_STRING, m)));
        }
        let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        let init = der::write(ctx(0), &der::write(TAG_SEQUENCE, &der::concat(&refs)));
        let oid = der::write(TAG_OID, OID_SPNEGO);
        der::write(TAG_APPLICATION_0, &der::concat(&[&oid, &init]))
    }
}

/// NegTokenResp (RFC 4178 4.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NegTokenResp {
    /// negState.
    pub neg_state: Option<NegState>,
    /// supportedMech.
    pub supported_mech: Option<Mech>,
    /// responseToken.
    pub response_token: Option<Vec<u8>>,
    /// mechListMIC.
    pub mech_list_mic: Option<Vec<u8>>,
}

impl NegTokenResp {
    /// The `[1] NegTokenResp` encoding.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut fields = Vec::new();
        if let Some(s) = self.neg_state {
            fields.push(der::write(
                ctx(0),
                &der::write(TAG_ENUMERATED, &[s.value()]),
            ));
        }
        if let Some(m) = &self.supported_mech {
            fields.push(der::write(ctx(1), &der::write(TAG_OID, m.oid())));
        }
        if let Some(t) = &self.response_token {
            fields.push(der::write(ctx(2), &der::write(TAG_OCTET_STRING, t)));
        }
        if let Some(m) = &self.mech_list_mic {
            fields.push(der::write(ctx(3), &der::write(TAG_OCTET_STRING, m)));
        }
        let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        der::write(ctx(1), &der::write(TAG_SEQUENCE, &der::concat(&refs)))
    }

    /// accept-incomplete, selecting NTLMSSP, carrying `token` (the CHALLENGE).
    #[must_use]
    pub fn accept_incomplete(token: Option<Vec<u8>>) -> Self {
        Self {
            neg_state: Some(NegState::AcceptIncomplete),
            supported_mech: Some(Mech::Ntlmssp),
            response_token: token,
            mech_list_mic: None,
        }
    }

    /// accept-completed, with our mechListMIC when there is one.
    #[must_use]
    pub fn accept_completed(mech_list_mic: Option<Vec<u8>>) -> Self {
        Self {
            neg_state: Some(NegState::AcceptCompleted),
            mech_list_mic,
            ..Self::default()
        }
    }

    /// reject.
    #[must_use]
    pub fn reject() -> Self {
        Self {
            neg_state: Some(NegState::Reject),
            ..Self::default()
        }
    }
}

/// A decoded client token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NegotiationToken {
    /// NegTokenInit (or NegTokenInit2).
    Init(NegTokenInit),
    /// NegTokenResp.
    Resp(NegTokenResp),
}

/// The NegTokenInit2 a server sends in its SMB2 NEGOTIATE response, offering
/// NTLMSSP with the MS-SPNG hint name.
#[must_use]
pub fn neg_token_init2() -> Vec<u8> {
    neg_token_init2_for(&[Mech::Ntlmssp])
}

/// NegTokenInit2 offering `mechs` (e.g. Kerberos before NTLMSSP, once a
/// Kerberos acceptor exists).
#[must_use]
pub fn neg_token_init2_for(mechs: &[Mech]) -> Vec<u8> {
    let mut t = NegTokenInit::new(mechs.to_vec(), None);
    t.hint_name = Some(HINT_NAME.as_bytes().to_vec());
    t.encode()
}

/// Parses a token from the client: a GSS-framed NegTokenInit (`0x60`), a bare
/// `[0] NegTokenInit`, or a `[1] NegTokenResp`. Trailing bytes are an error.
pub fn parse(token: &[u8]) -> Result<NegotiationToken, DecodeError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(DecodeError::TooLarge);
    }
    let (outer, rest) = der::read(token)?;
    if !rest.is_empty() {
        return Err(DecodeError::Der("trailing bytes"));
    }
    match outer.tag {
        TAG_APPLICATION_0 => {
            let (oid, inner) = der::read(outer.value)?;
            if oid.tag != TAG_OID || oid.value != OID_SPNEGO {
                return Err(DecodeError::Spnego("not an SPNEGO token"));
            }
            let init = der::read_only(inner, ctx(0), "expected NegTokenInit")?;
            parse_init(init.value).map(NegotiationToken::Init)
        }
        t if t == ctx(0) => parse_init(outer.value).map(NegotiationToken::Init),
        t if t == ctx(1) => parse_resp(outer.value).map(NegotiationToken::Resp),
        _ => Err(DecodeError::Spnego("unknown token")),
    }
}

/// Reads the tagged fields of a SEQUENCE, requiring increasing tags.
fn fields<'a>(
    seq_contents: &'a [u8],
    what: &'static str,
) -> Result<Vec<der::Tlv<'a>>, DecodeError> {
    let seq = der::read_only(seq_contents, TAG_SEQUENCE, what)?;
    let items = der::read_seq(seq.value, 8)?;
    let mut last: Option<u8> = None;
    for item in &items {
        if item.tag & 0xE0 != 0xA0 || last.is_some_and(|l| item.tag <= l) {
            return Err(DecodeError::Spnego(what));
        }
        last = Some(item.tag);
    }
    Ok(items)
}

fn octet_string(tlv: &der::Tlv<'_>, what: &'static str) -> Result<Vec<u8>, DecodeError> {
    Ok(der::read_only(tlv.value, TAG_OCTET_STRING, what)?
        .value
        .to_vec())
}

fn parse_init(contents: &[u8]) -> Result<NegTokenInit, DecodeError> {
    let mut out = NegTokenInit {
        mech_types: Vec::new(),
        mech_types_der: Vec::new(),
        mech_token: None,
        hint_name: None,
        mech_list_mic: None,
    };
    let mut have_mech_types = false;
    for f in fields(contents, "malformed NegTokenInit")? {
        match f.tag {
            0xA0 => {
                let list = der::read_only(f.value, TAG_SEQUENCE, "mechTypes is not a SEQUENCE")?;
                for oid in der::read_seq(list.value, MAX_MECHS)? {
                    if oid.tag != TAG_OID {
                        return Err(DecodeError::Spnego("mechTypes holds a non-OID"));
                    }
                    out.mech_types.push(Mech::from_oid(oid.value));
                }
                out.mech_types_der = list.raw.to_vec();
                have_mech_types = true;
            }
            0xA1 => {} // reqFlags: ignored (RFC 4178 says acceptors should).
            0xA2 => out.mech_token = Some(octet_string(&f, "mechToken is not an OCTET STRING")?),
            0xA3 => {
                let (inner, rest) = der::read(f.value)?;
                if !rest.is_empty() {
                    return Err(DecodeError::Der("trailing bytes"));
                }
                match inner.tag {
                    TAG_OCTET_STRING => out.mech_list_mic = Some(inner.value.to_vec()),
                    TAG_SEQUENCE => out.hint_name = parse_hints(inner.value)?,
                    _ => return Err(DecodeError::Spnego("malformed NegTokenInit field [3]")),
                }
            }
            0xA4 => {
                out.mech_list_mic = Some(octet_string(&f, "mechListMIC is not an OCTET STRING")?)
            }
            _ => return Err(DecodeError::Spnego("unknown NegTokenInit field")),
        }
    }
    if !have_mech_types {
        return Err(DecodeError::Spnego("NegTokenInit without mechTypes"));
    }
    Ok(out)
}

fn parse_hints(contents: &[u8]) -> Result<Option<Vec<u8>>, DecodeError> {
    let mut name = None;
    for item in der::read_seq(contents, 2)? {
        match item.tag {
            0xA0 => {
                name = Some(
                    der::read_only(item.value, TAG_GENERAL_STRING, "hintName")?
                        .value
                        .to_vec(),
                )
            }
            0xA1 => {}
            _ => return Err(DecodeError::Spnego("malformed negHints")),
        }
    }
    Ok(name)
}

fn parse_resp(contents: &[u8]) -> Result<NegTokenResp, DecodeError> {
    let mut out = NegTokenResp::default();
    for f in fields(contents, "malformed NegTokenResp")? {
        match f.tag {
            0xA0 => {
                let e = der::read_only(f.value, TAG_ENUMERATED, "negState is not ENUMERATED")?;
                let v = match e.value {
                    [v] => *v,
                    _ => return Err(DecodeError::Spnego("bad negState")),
                };
                out.neg_state =
                    Some(NegState::from_value(v).ok_or(DecodeError::Spnego("bad negState"))?);
            }
            0xA1 => {
                let oid = der::read_only(f.value, TAG_OID, "supportedMech is not an OID")?;
                out.supported_mech = Some(Mech::from_oid(oid.value));
            }
            0xA2 => {
                out.response_token = Some(octet_string(&f, "responseToken is not an OCTET STRING")?)
            }
            0xA3 => {
                out.mech_list_mic = Some(octet_string(&f, "mechListMIC is not an OCTET STRING")?)
            }
            _ => return Err(DecodeError::Spnego("unknown NegTokenResp field")),
        }
    }
    Ok(out)
}
