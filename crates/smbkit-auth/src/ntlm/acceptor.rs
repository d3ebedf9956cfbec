//! The server side of the NTLM exchange: CHALLENGE out, AUTHENTICATE checked.

use zeroize::Zeroizing;

use super::av_pair::{self, MSV_AV_FLAG_MIC_PRESENT, TargetInfo};
use super::crypto::{self, NtlmKeys};
use super::flags::NegotiateFlags;
use super::message::{
    AuthenticateMessage, ChallengeMessage, MIC_LEN, MIC_OFFSET, NegotiateMessage, Version,
};
use crate::creds::{CredentialStore, NtHash};
use crate::error::{AuthError, DecodeError};
use crate::keys::SessionKey;
use crate::utf16;

/// Length of an NTLMv1 NtChallengeResponse, which we refuse.
const NTLMV1_RESPONSE_LEN: usize = 24;
/// NTProofStr (16) + the fixed part of NTLMv2_CLIENT_CHALLENGE (28).
const NTLMV2_MIN_RESPONSE_LEN: usize = 44;
/// Offset of the AV pairs inside `temp` (NTLMv2_CLIENT_CHALLENGE).
const TEMP_AV_PAIRS_OFFSET: usize = 28;

/// What the acceptor says about itself in the CHALLENGE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NtlmConfig {
    /// MsvAvNbComputerName, e.g. `FILESRV`.
    pub nb_computer_name: String,
    /// MsvAvNbDomainName (and the CHALLENGE TargetName). A standalone server
    /// uses its computer name.
    pub nb_domain_name: String,
    /// MsvAvDnsComputerName, e.g. `filesrv.example.org`.
    pub dns_computer_name: String,
    /// MsvAvDnsDomainName.
    pub dns_domain_name: String,
    /// Accept anonymous AUTHENTICATE messages (off by default).
    pub allow_anonymous: bool,
    /// The Version sent in the CHALLENGE when the client asks for one.
    pub version: Version,
}

impl NtlmConfig {
    /// A standalone server named `computer_name`: NetBIOS names upper-cased, DNS
    /// names lower-cased, the domain is the computer itself, anonymous refused.
    #[must_use]
    pub fn standalone(computer_name: &str) -> Self {
        let nb = computer_name.to_uppercase();
        let dns = computer_name.to_lowercase();
        Self {
            nb_computer_name: nb.clone(),
            nb_domain_name: nb,
            dns_computer_name: dns.clone(),
            dns_domain_name: dns,
            allow_anonymous: false,
            version: Version {
                major: 10,
                minor: 0,
                build: 0,
                revision: Version::REVISION_W2K3,
            },
        }
    }
}

impl Default for NtlmConfig {
    fn default() -> Self {
        Self::standalone("SMBKIT")
    }
}

/// A successful sign-in.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Authenticated {
    /// UserName as the client sent it (empty when anonymous).
    pub user: String,
    /// DomainName as the client sent it.
    pub domain: String,
    /// Workstation as the client sent it.
    pub workstation: String,
    /// The ExportedSessionKey: SMB's Session.SessionKey.
    pub session_key: SessionKey,
    /// An anonymous sign-in (only when the acceptor allows it).
    pub anonymous: bool,
    /// The flags in force: the client's AUTHENTICATE flags that the CHALLENGE offered.
    pub flags: NegotiateFlags,
    /// The AUTHENTICATE carried a MIC, and it verified.
    pub mic_verified: bool,
    /// How the client signed in.
    pub mechanism: AuthMechanism,
    ntlm_keys: Option<NtlmKeys>,
}

/// The mechanism that authenticated a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMechanism {
    /// NTLMSSP (NTLMv2).
    Ntlm,
    /// Kerberos 5.
    Kerberos,
}

impl Authenticated {
    /// A Kerberos sign-in: `user` of `realm` with the context's session key.
    #[must_use]
    pub fn kerberos(user: String, realm: String, session_key: SessionKey) -> Self {
        Self {
            user,
            domain: realm,
            workstation: String::new(),
            session_key,
            anonymous: false,
            flags: NegotiateFlags(0),
            mic_verified: false,
            mechanism: AuthMechanism::Kerberos,
            ntlm_keys: None,
        }
    }

    /// The NTLM signing and sealing keys (with extended session security).
    #[must_use]
    pub fn ntlm_keys(&self) -> Option<&NtlmKeys> {
        self.ntlm_keys.as_ref()
    }
}

/// The stateless NTLMv2 check: verifies `authenticate` against the
/// `negotiate` and `challenge` messages as they went over the wire and the
/// server challenge, looking the user up in `creds`.
///
/// Refuses NTLMv1 and LM-only responses ([`AuthError::InsecureResponse`]),
/// anonymous unless `allow_anonymous` ([`AuthError::AnonymousRefused`]), and
/// answers [`AuthError::LogonFailure`] for an unknown user, a wrong password or a
/// wrong MIC alike.
pub fn verify_authenticate(
    negotiate: &[u8],
    challenge: &[u8],
    authenticate: &[u8],
    server_challenge: &[u8; 8],
    creds: &dyn CredentialStore,
    allow_anonymous: bool,
) -> Result<Authenticated, AuthError> {
    let auth = AuthenticateMessage::parse(authenticate)?;
    let chal = ChallengeMessage::parse(challenge)?;
    if !chal.flags.contains(NegotiateFlags::UNICODE) {
        return Err(AuthError::Unsupported("OEM (non-Unicode) strings"));
    }
    let flags = auth.flags & chal.flags;
    let user = utf16::decode(&auth.user_name, "UserName")?;
    let domain = utf16::decode(&auth.domain_name, "DomainName")?;
    let workstation = utf16::decode(&auth.workstation, "Workstation")?;

    if auth.is_anonymous() {
        if !allow_anonymous {
            return Err(AuthError::AnonymousRefused);
        }
        // MS-NLMP 3.3.2: anonymous has an all-zero SessionBaseKey.
        let base = SessionKey::from_bytes([0u8; 16]);
        let session_key = if flags.contains(NegotiateFlags::KEY_EXCH)
            && auth.encrypted_random_session_key.is_empty()
        {
            base.clone()
        } else {
            crypto::exported_session_key(&base, flags, &auth.encrypted_random_session_key)?
        };
        let ntlm_keys = NtlmKeys::derive(&session_key, flags);
        return Ok(Authenticated {
            user,
            domain,
            workstation,
            session_key,
            anonymous: true,
            flags,
            mic_verified: false,
            mechanism: AuthMechanism::Ntlm,
            ntlm_keys,
        });
    }

    if auth.nt_response.len() == NTLMV1_RESPONSE_LEN || auth.nt_response.is_empty() {
        return Err(AuthError::InsecureResponse);
    }
    if auth.nt_response.len() < NTLMV2_MIN_RESPONSE_LEN {
        return Err(DecodeError::NtlmV2Response.into());
    }
    let (proof, temp) = auth
        .nt_response
        .split_first_chunk::<16>()
        .ok_or(DecodeError::NtlmV2Response)?;
    let pairs = av_pair::parse(
        temp.get(TEMP_AV_PAIRS_OFFSET..)
            .ok_or(DecodeError::NtlmV2Response)?,
    )?;
    let mic_present =
        av_pair::msv_av_flags(&pairs).is_some_and(|f| f & MSV_AV_FLAG_MIC_PRESENT != 0);

    // Same work for an unknown user as for a known one, and one error for both.
    let (hash, known) = match creds.nt_hash(&user) {
        Some(h) => (h, true),
        None => (NtHash::from_bytes([0u8; 16]), false),
    };
    let ntowf = crypto::ntowfv2(&hash, &user, &auth.domain_name);
    let expected = crypto::nt_proof_str(&ntowf, server_challenge, temp);
    let proof_ok = crypto::ct_eq16(&expected, proof);
    if !(proof_ok && known) {
        return Err(AuthError::LogonFailure);
    }
    let key_exchange_key = crypto::session_base_key(&ntowf, proof);
    let session_key =
        crypto::exported_session_key(&key_exchange_key, flags, &auth.encrypted_random_session_key)?;

    if mic_present {
        let received = auth.mic.ok_or(AuthError::LogonFailure)?;
        let mut zeroed = Zeroizing::new(authenticate.to_vec());
        let end = MIC_OFFSET
            .checked_add(MIC_LEN)
            .ok_or(AuthError::LogonFailure)?;
        zeroed
            .get_mut(MIC_OFFSET..end)
            .ok_or(AuthError::LogonFailure)?
            .fill(0);
        let expected_mic = crypto::mic(&session_key, negotiate, challenge, &zeroed);
        if !crypto::ct_eq16(&expected_mic, &received) {
            return Err(AuthError::LogonFailure);
        }
    }

    let ntlm_keys = NtlmKeys::derive(&session_key, flags);
    Ok(Authenticated {
        user,
        domain,
        workstation,
        session_key,
        anonymous: false,
        flags,
        mic_verified: mic_present,
        mechanism: AuthMechanism::Ntlm,
        ntlm_keys,
    })
}

/// The flags we can answer with when the client offers them.
const ECHOED: NegotiateFlags = NegotiateFlags(
    NegotiateFlags::UNICODE.0
        | NegotiateFlags::REQUEST_TARGET.0
        | NegotiateFlags::SIGN.0
        | NegotiateFlags::SEAL.0
        | NegotiateFlags::ALWAYS_SIGN.0
        | NegotiateFlags::EXTENDED_SESSIONSECURITY.0
        | NegotiateFlags::VERSION.0
        | NegotiateFlags::NEGOTIATE_128.0
        | NegotiateFlags::KEY_EXCH.0
        | NegotiateFlags::NEGOTIATE_56.0,
);
/// The flags we always set.
const ALWAYS: NegotiateFlags = NegotiateFlags(
    NegotiateFlags::NTLM.0 | NegotiateFlags::TARGET_INFO.0 | NegotiateFlags::TARGET_TYPE_SERVER.0,
);

/// The CHALLENGE flags for what the client offered (Unicode is required).
pub(crate) fn challenge_flags(offered: NegotiateFlags) -> Result<NegotiateFlags, AuthError> {
    if !offered.contains(NegotiateFlags::UNICODE) {
        return Err(AuthError::Unsupported("OEM (non-Unicode) strings"));
    }
    Ok((offered & ECHOED) | ALWAYS)
}

enum State {
    Initial,
    Challenged {
        negotiate: Vec<u8>,
        challenge: Vec<u8>,
        server_challenge: [u8; 8],
    },
    Finished,
}

/// The NTLM acceptor: NEGOTIATE in, CHALLENGE out; AUTHENTICATE in,
/// [`Authenticated`] out. Sans-IO: the caller passes the time.
pub struct NtlmAcceptor {
    config: NtlmConfig,
    state: State,
}

impl core::fmt::Debug for NtlmAcceptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match self.state {
            State::Initial => "initial",
            State::Challenged { .. } => "challenged",
            State::Finished => "finished",
        };
        f.debug_struct("NtlmAcceptor")
            .field("config", &self.config)
            .field("state", &state)
            .finish()
    }
}

impl NtlmAcceptor {
    /// A fresh acceptor.
    #[must_use]
    pub fn new(config: NtlmConfig) -> Self {
        Self {
            config,
            state: State::Initial,
        }
    }

    /// Takes the client's NEGOTIATE and returns the CHALLENGE, with a fresh
    /// random server challenge. `now_filetime` (100 ns since 1601, UTC) goes
    /// into MsvAvTimestamp.
    pub fn negotiate(&mut self, negotiate: &[u8], now_filetime: u64) -> Result<Vec<u8>, AuthError> {
        let mut server_challenge = [0u8; 8];
        if getrandom::fill(&mut server_challenge).is_err() {
            self.state = State::Finished;
            return Err(AuthError::Internal("random generator"));
        }
        self.negotiate_with_challenge(negotiate, now_filetime, server_challenge)
    }

    /// As [`NtlmAcceptor::negotiate`] with a given server challenge. For tests
    /// and replays only: a server must use a fresh random challenge every time.
    pub fn negotiate_with_challenge(
        &mut self,
        negotiate: &[u8],
        now_filetime: u64,
        server_challenge: [u8; 8],
    ) -> Result<Vec<u8>, AuthError> {
        let result = self.build_challenge(negotiate, now_filetime, server_challenge);
        match &result {
            Ok(challenge) => {
                self.state = State::Challenged {
                    negotiate: negotiate.to_vec(),
                    challenge: challenge.clone(),
                    server_challenge,
                };
            }
            Err(_) => self.state = State::Finished,
        }
        result
    }

    fn build_challenge(
        &self,
        negotiate: &[u8],
        now: u64,
        server_challenge: [u8; 8],
    ) -> Result<Vec<u8>, AuthError> {
        if !matches!(self.state, State::Initial) {
            return Err(match self.state {
                State::Finished => AuthError::Finished,
                _ => AuthError::UnexpectedToken("second NEGOTIATE"),
            });
        }
        let neg = NegotiateMessage::parse(negotiate)?;
        let flags = challenge_flags(neg.flags)?;
        let target_info = TargetInfo {
            nb_domain_name: self.config.nb_domain_name.clone(),
            nb_computer_name: self.config.nb_computer_name.clone(),
            dns_domain_name: self.config.dns_domain_name.clone(),
            dns_computer_name: self.config.dns_computer_name.clone(),
            timestamp: Some(now),
        }
        .encode()
        .ok_or(AuthError::Internal("configured name too long"))?;
        let msg = ChallengeMessage {
            target_name: utf16::encode(&self.config.nb_domain_name),
            flags,
            server_challenge,
            target_info,
            version: flags
                .contains(NegotiateFlags::VERSION)
                .then_some(self.config.version),
        };
        msg.encode()
            .map_err(|_| AuthError::Internal("configured name too long"))
    }

    /// Takes the client's AUTHENTICATE and checks it (see [`verify_authenticate`]).
    pub fn authenticate(
        &mut self,
        authenticate: &[u8],
        creds: &dyn CredentialStore,
    ) -> Result<Authenticated, AuthError> {
        match core::mem::replace(&mut self.state, State::Finished) {
            State::Challenged {
                negotiate,
                challenge,
                server_challenge,
            } => verify_authenticate(
                &negotiate,
                &challenge,
                authenticate,
                &server_challenge,
                creds,
                self.config.allow_anonymous,
            ),
            State::Initial => Err(AuthError::UnexpectedToken("AUTHENTICATE before NEGOTIATE")),
            State::Finished => Err(AuthError::Finished),
        }
    }

    /// Whether the exchange is over (success or failure).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished)
    }
}
