//! The NTLM message codec (MS-NLMP 2.2.1): NEGOTIATE, CHALLENGE, AUTHENTICATE.
//!
//! Parsers check every (length, offset) pair against the message and never
//! panic. Encoders lay the payload out in the order Windows uses, so a message
//! Windows sent decodes and re-encodes to the same bytes.

use super::NTLMSSP_SIGNATURE;
use super::flags::NegotiateFlags;
use crate::error::DecodeError;

/// MessageType of NEGOTIATE_MESSAGE.
pub const NEGOTIATE_MESSAGE: u32 = 1;
/// MessageType of CHALLENGE_MESSAGE.
pub const CHALLENGE_MESSAGE: u32 = 2;
/// MessageType of AUTHENTICATE_MESSAGE.
pub const AUTHENTICATE_MESSAGE: u32 = 3;

/// Byte offset of the MIC in an AUTHENTICATE_MESSAGE that carries one.
pub const MIC_OFFSET: usize = 72;
/// Length of the MIC.
pub const MIC_LEN: usize = 16;

const NEGOTIATE_HEADER: usize = 32;
const CHALLENGE_HEADER: usize = 48;
const CHALLENGE_MIN_HEADER: usize = 32;
const AUTHENTICATE_HEADER: usize = 64;
const VERSION_LEN: usize = 8;

/// The VERSION structure (MS-NLMP 2.2.2.10). Informational only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// ProductMajorVersion.
    pub major: u8,
    /// ProductMinorVersion.
    pub minor: u8,
    /// ProductBuild.
    pub build: u16,
    /// NTLMRevisionCurrent (15 = NTLMSSP_REVISION_W2K3).
    pub revision: u8,
}

impl Version {
    /// NTLMSSP_REVISION_W2K3.
    pub const REVISION_W2K3: u8 = 0x0F;

    fn parse(b: [u8; 8]) -> Self {
        let [major, minor, b0, b1, _, _, _, revision] = b;
        Self {
            major,
            minor,
            build: u16::from_le_bytes([b0, b1]),
            revision,
        }
    }

    fn encode(self) -> [u8; 8] {
        let [b0, b1] = self.build.to_le_bytes();
        [self.major, self.minor, b0, b1, 0, 0, 0, self.revision]
    }
}

// ---------------------------------------------------------------- reading

pub(crate) fn array_at<const N: usize>(b: &[u8], at: usize) -> Result<[u8; N], DecodeError> {
    let end = at.checked_add(N).ok_or(DecodeError::Truncated)?;
    b.get(at..end)
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .ok_or(DecodeError::Truncated)
}

pub(crate) fn u16_at(b: &[u8], at: usize) -> Result<u16, DecodeError> {
    array_at::<2>(b, at).map(u16::from_le_bytes)
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> Result<u32, DecodeError> {
    array_at::<4>(b, at).map(u32::from_le_bytes)
}

/// A payload field: its bytes and, when non-empty, its offset.
struct Field<'a> {
    bytes: &'a [u8],
    offset: Option<usize>,
}

fn field<'a>(msg: &'a [u8], at: usize, name: &'static str) -> Result<Field<'a>, DecodeError> {
    let len = usize::from(u16_at(msg, at)?);
    let offset = usize::try_from(u32_at(
        msg,
        at.checked_add(4).ok_or(DecodeError::Truncated)?,
    )?)
    .map_err(|_| DecodeError::FieldOutOfBounds(name))?;
    if len == 0 {
        return Ok(Field {
            bytes: &[],
            offset: None,
        });
    }
    let end = offset
        .checked_add(len)
        .ok_or(DecodeError::FieldOutOfBounds(name))?;
    let bytes = msg
        .get(offset..end)
        .ok_or(DecodeError::FieldOutOfBounds(name))?;
    Ok(Field {
        bytes,
        offset: Some(offset),
    })
}

fn check_header(msg: &[u8], expected: u32, header: usize) -> Result<(), DecodeError> {
    if array_at::<8>(msg, 0)? != NTLMSSP_SIGNATURE {
        return Err(DecodeError::BadSignature);
    }
    let ty = u32_at(msg, 8)?;
    if ty != expected {
        return Err(DecodeError::UnexpectedMessageType(ty));
    }
    if msg.len() < header {
        return Err(DecodeError::Truncated);
    }
    Ok(())
}

/// The MessageType of an NTLM message, after checking the signature.
pub fn message_type(msg: &[u8]) -> Result<u32, DecodeError> {
    if array_at::<8>(msg, 0)? != NTLMSSP_SIGNATURE {
        return Err(DecodeError::BadSignature);
    }
    u32_at(msg, 8)
}

// ---------------------------------------------------------------- writing

/// Builds a message: fixed header with field slots, then the payload.
struct Writer {
    header: Vec<u8>,
    payload: Vec<u8>,
    header_len: usize,
}

impl Writer {
    fn new(message_type: u32, header_len: usize) -> Self {
        let mut header = Vec::with_capacity(header_len);
        header.extend_from_slice(&NTLMSSP_SIGNATURE);
        header.extend_from_slice(&message_type.to_le_bytes());
        Self {
            header,
            payload: Vec::new(),
            header_len,
        }
    }

    fn bytes(&mut self, b: &[u8]) {
        self.header.extend_from_slice(b);
    }

    /// Appends a field slot and its payload. `zero_offset_if_empty` writes
    /// offset 0 for an empty field (what Windows does in NEGOTIATE).
    fn field(&mut self, value: &[u8], zero_offset_if_empty: bool) -> Result<(), DecodeError> {
        let len = u16::try_from(value.len()).map_err(|_| DecodeError::TooLarge)?;
        let offset = if value.is_empty() && zero_offset_if_empty {
            0
        } else {
            let at = self
                .header_len
                .checked_add(self.payload.len())
                .ok_or(DecodeError::TooLarge)?;
            u32::try_from(at).map_err(|_| DecodeError::TooLarge)?
        };
        self.header.extend_from_slice(&len.to_le_bytes());
        self.header.extend_from_slice(&len.to_le_bytes());
        self.header.extend_from_slice(&offset.to_le_bytes());
        self.payload.extend_from_slice(value);
        Ok(())
    }

    fn finish(mut self) -> Vec<u8> {
        self.header.resize(self.header_len, 0);
        self.header.extend_from_slice(&self.payload);
        self.header
    }
}

fn header_len(base: usize, version: bool, mic: bool) -> usize {
    match (version || mic, mic) {
        (false, _) => base,
        (true, false) => base.saturating_add(VERSION_LEN),
        (true, true) => base.saturating_add(VERSION_LEN).saturating_add(MIC_LEN),
    }
}

// ---------------------------------------------------------------- NEGOTIATE

/// NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiateMessage {
    /// NegotiateFlags the client offers.
    pub flags: NegotiateFlags,
    /// DomainName (OEM), usually empty.
    pub domain_name: Vec<u8>,
    /// Workstation (OEM), usually empty.
    pub workstation: Vec<u8>,
    /// Version, when NTLMSSP_NEGOTIATE_VERSION is set and the header holds it.
    pub version: Option<Version>,
}

impl NegotiateMessage {
    /// Parses a NEGOTIATE_MESSAGE.
    pub fn parse(msg: &[u8]) -> Result<Self, DecodeError> {
        check_header(msg, NEGOTIATE_MESSAGE, NEGOTIATE_HEADER)?;
        let flags = NegotiateFlags(u32_at(msg, 12)?);
        let domain = field(msg, 16, "DomainName")?;
        let workstation = field(msg, 24, "Workstation")?;
        let payload_start = [domain.offset, workstation.offset]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(msg.len());
        let version = if flags.contains(NegotiateFlags::VERSION)
            && payload_start >= NEGOTIATE_HEADER.saturating_add(VERSION_LEN)
        {
            array_at::<8>(msg, NEGOTIATE_HEADER)
                .ok()
                .map(Version::parse)
        } else {
            None
        };
        Ok(Self {
            flags,
            domain_name: domain.bytes.to_vec(),
            workstation: workstation.bytes.to_vec(),
            version,
        })
    }

    /// Encodes the message.
    pub fn encode(&self) -> Result<Vec<u8>, DecodeError> {
        let mut w = Writer::new(
            NEGOTIATE_MESSAGE,
            header_len(NEGOTIATE_HEADER, self.version.is_some(), false),
        );
        w.bytes(&self.flags.bits().to_le_bytes());
        w.field(&self.domain_name, true)?;
        w.field(&self.workstation, true)?;
        if let Some(v) = self.version {
            w.bytes(&v.encode());
        }
        Ok(w.finish())
    }
}

// ---------------------------------------------------------------- CHALLENGE

/// CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeMessage {
    /// TargetName (UTF-16LE when Unicode was negotiated).
    pub target_name: Vec<u8>,
    /// NegotiateFlags the server answers with.
    pub flags: NegotiateFlags,
    /// The 8-byte server challenge.
    pub server_challenge: [u8; 8],
    /// TargetInfo: an encoded AV pair list (see [`super::av_pair`]).
    pub target_info: Vec<u8>,
    /// Version, when NTLMSSP_NEGOTIATE_VERSION is set.
    pub version: Option<Version>,
}

impl ChallengeMessage {
    /// Parses a CHALLENGE_MESSAGE.
    pub fn parse(msg: &[u8]) -> Result<Self, DecodeError> {
        // Old servers end the header after Reserved (32 or 40 bytes, no TargetInfo).
        check_header(msg, CHALLENGE_MESSAGE, CHALLENGE_MIN_HEADER)?;
        let target_name = field(msg, 12, "TargetName")?;
        let flags = NegotiateFlags(u32_at(msg, 20)?);
        let server_challenge = array_at::<8>(msg, 24)?;
        let target_info = if msg.len() >= CHALLENGE_HEADER {
            field(msg, 40, "TargetInfo")?
        } else {
            Field {
                bytes: &[],
                offset: None,
            }
        };
        let payload_start = [target_name.offset, target_info.offset]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(msg.len());
        let version = if flags.contains(NegotiateFlags::VERSION)
            && payload_start >= CHALLENGE_HEADER.saturating_add(VERSION_LEN)
        {
            array_at::<8>(msg, CHALLENGE_HEADER)
                .ok()
                .map(Version::parse)
        } else {
            None
        };
        Ok(Self {
            target_name: target_name.bytes.to_vec(),
            flags,
            server_challenge,
            target_info: target_info.bytes.to_vec(),
            version,
        })
    }

    /// Encodes the message (TargetName, then TargetInfo in the payload).
    pub fn encode(&self) -> Result<Vec<u8>, DecodeError> {
        let mut w = Writer::new(
            CHALLENGE_MESSAGE,
            header_len(CHALLENGE_HEADER, self.version.is_some(), false),
        );
        w.field(&self.target_name, false)?;
        w.bytes(&self.flags.bits().to_le_bytes());
        w.bytes(&self.server_challenge);
        w.bytes(&[0u8; 8]);
        w.field(&self.target_info, false)?;
        if let Some(v) = self.version {
            w.bytes(&v.encode());
        }
        Ok(w.finish())
    }
}

// ---------------------------------------------------------------- AUTHENTICATE

/// AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3).
#[derive(Clone, PartialEq, Eq)]
pub struct AuthenticateMessage {
    /// LmChallengeResponse.
    pub lm_response: Vec<u8>,
    /// NtChallengeResponse (NTProofStr || temp for NTLMv2).
    pub nt_response: Vec<u8>,
    /// DomainName as sent (UTF-16LE when Unicode was negotiated).
    pub domain_name: Vec<u8>,
    /// UserName as sent.
    pub user_name: Vec<u8>,
    /// Workstation as sent.
    pub workstation: Vec<u8>,
    /// EncryptedRandomSessionKey (16 bytes with KEY_EXCH, else usually empty).
    pub encrypted_random_session_key: Vec<u8>,
    /// NegotiateFlags.
    pub flags: NegotiateFlags,
    /// Version, when the header has room for it.
    pub version: Option<Version>,
    /// MIC, when the header has room for it (offset [`MIC_OFFSET`]).
    pub mic: Option<[u8; 16]>,
}

impl core::fmt::Debug for AuthenticateMessage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The responses and the encrypted key are secret-derived: lengths only.
        f.debug_struct("AuthenticateMessage")
            .field("lm_response_len", &self.lm_response.len())
            .field("nt_response_len", &self.nt_response.len())
            .field(
                "domain_name",
                &String::from_utf16_lossy_le(&self.domain_name),
            )
            .field("user_name", &String::from_utf16_lossy_le(&self.user_name))
            .field(
                "workstation",
                &String::from_utf16_lossy_le(&self.workstation),
            )
            .field("flags", &self.flags)
            .field("version", &self.version)
            .field("mic_present", &self.mic.is_some())
            .finish_non_exhaustive()
    }
}

trait LossyLe {
    fn from_utf16_lossy_le(b: &[u8]) -> String;
}

impl LossyLe for String {
    fn from_utf16_lossy_le(b: &[u8]) -> String {
        let units: Vec<u16> = b
            .as_chunks::<2>()
            .0
            .iter()
            .map(|p| u16::from_le_bytes(*p))
            .collect();
        String::from_utf16_lossy(&units)
    }
}

impl AuthenticateMessage {
    /// Parses an AUTHENTICATE_MESSAGE.
    ///
    /// Version and MIC are recognised by the room the header leaves before the
    /// first payload field (MIC present ⇔ payload starts at or after offset 88).
    pub fn parse(msg: &[u8]) -> Result<Self, DecodeError> {
        check_header(msg, AUTHENTICATE_MESSAGE, AUTHENTICATE_HEADER)?;
        let lm = field(msg, 12, "LmChallengeResponse")?;
        let nt = field(msg, 20, "NtChallengeResponse")?;
        let domain = field(msg, 28, "DomainName")?;
        let user = field(msg, 36, "UserName")?;
        let workstation = field(msg, 44, "Workstation")?;
        let key = field(msg, 52, "EncryptedRandomSessionKey")?;
        let flags = NegotiateFlags(u32_at(msg, 60)?);
        let payload_start = [
            lm.offset,
            nt.offset,
            domain.offset,
            user.offset,
            workstation.offset,
            key.offset,
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(msg.len());
        let with_version = AUTHENTICATE_HEADER.saturating_add(VERSION_LEN);
        let version = if payload_start >= with_version {
            array_at::<8>(msg, AUTHENTICATE_HEADER)
                .ok()
                .map(Version::parse)
        } else {
            None
        };
        let mic = if payload_start >= MIC_OFFSET.saturating_add(MIC_LEN) {
            array_at::<16>(msg, MIC_OFFSET).ok()
        } else {
            None
        };
        Ok(Self {
            lm_response: lm.bytes.to_vec(),
            nt_response: nt.bytes.to_vec(),
            domain_name: domain.bytes.to_vec(),
            user_name: user.bytes.to_vec(),
            workstation: workstation.bytes.to_vec(),
            encrypted_random_session_key: key.bytes.to_vec(),
            flags,
            version,
            mic,
        })
    }

    /// Encodes the message. Payload order: DomainName, UserName, Workstation,
    /// LmChallengeResponse, NtChallengeResponse, EncryptedRandomSessionKey.
    pub fn encode(&self) -> Result<Vec<u8>, DecodeError> {
        let header = header_len(
            AUTHENTICATE_HEADER,
            self.version.is_some(),
            self.mic.is_some(),
        );
        let mut w = Writer::new(AUTHENTICATE_MESSAGE, header);
        // Field slots must be written in header order; the payload order differs,
        // so compute the offsets by hand.
        let parts: [&[u8]; 6] = [
            &self.domain_name,
            &self.user_name,
            &self.workstation,
            &self.lm_response,
            &self.nt_response,
            &self.encrypted_random_session_key,
        ];
        let mut offsets = [0u32; 6];
        let mut at = header;
        for (slot, part) in offsets.iter_mut().zip(parts) {
            *slot = u32::try_from(at).map_err(|_| DecodeError::TooLarge)?;
            at = at.checked_add(part.len()).ok_or(DecodeError::TooLarge)?;
        }
        let [o_dom, o_user, o_ws, o_lm, o_nt, o_key] = offsets;
        for (value, offset) in [
            (&self.lm_response, o_lm),
            (&self.nt_response, o_nt),
            (&self.domain_name, o_dom),
            (&self.user_name, o_user),
            (&self.workstation, o_ws),
            (&self.encrypted_random_session_key, o_key),
        ] {
            let len = u16::try_from(value.len()).map_err(|_| DecodeError::TooLarge)?;
            w.bytes(&len.to_le_bytes());
            w.bytes(&len.to_le_bytes());
            w.bytes(&offset.to_le_bytes());
        }
        w.bytes(&self.flags.bits().to_le_bytes());
        if self.version.is_some() || self.mic.is_some() {
            w.bytes(&self.version.map_or([0u8; 8], Version::encode));
        }
        if let Some(mic) = self.mic {
            w.bytes(&mic);
        }
        for part in parts {
            w.payload.extend_from_slice(part);
        }
        Ok(w.finish())
    }

    /// Whether this is an anonymous AUTHENTICATE (MS-NLMP 3.3.2): empty user
    /// name, empty NT response, and an LM response that is empty or one zero byte.
    #[must_use]
    pub fn is_anonymous(&self) -> bool {
        self.user_name.is_empty()
            && self.nt_response.is_empty()
            && (self.lm_response.is_empty() || self.lm_response == [0u8])
    }
}
