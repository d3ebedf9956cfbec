//! The client side of an NTLMv2 sign-in (MS-NLMP 3.1), raw or wrapped in
//! SPNEGO: what an SMB client, a test harness or a fuzzer needs to talk to an
//! [`Acceptor`](crate::Acceptor).
//!
//! [`NtlmInitiator`] makes the NEGOTIATE message, answers a CHALLENGE with an
//! NTLMv2 AUTHENTICATE (with KEY_EXCH, a MIC, and a mechListMIC under SPNEGO)
//! and hands out the exported session key the SMB layer derives its keys from.

use zeroize::Zeroizing;

use crate::creds::NtHash;
use crate::error::AuthError;
use crate::keys::SessionKey;
use crate::ntlm::av_pair::{self, AvPair, MSV_AV_FLAG_MIC_PRESENT, MSV_AV_FLAGS, MSV_AV_TIMESTAMP};
use crate::ntlm::crypto::{self, NtlmKeys};
use crate::ntlm::message::{MIC_LEN, MIC_OFFSET};
use crate::ntlm::{
    AuthenticateMessage, ChallengeMessage, NegotiateFlags, NegotiateMessage, Version,
};
use crate::spnego::{self, Mech, NegTokenInit, NegTokenResp, NegotiationToken};
use crate::utf16;

/// The flags our NEGOTIATE offers: Unicode, request target, sign, seal,
/// NTLM, always sign, extended session security, target info, version,
/// 128-bit, key exchange, 56-bit.
const CLIENT_FLAGS: NegotiateFlags = NegotiateFlags(0xe208_8297);

/// The Version structure our messages carry (6.3 build 9600, NTLM revision 15).
const CLIENT_VERSION: Version = Version {
    major: 6,
    minor: 3,
    build: 9600,
    revision: Version::REVISION_W2K3,
};

/// The AUTHENTICATE message built for one CHALLENGE, and what came with it.
#[derive(Debug, Clone)]
pub struct NtlmAuthenticate {
    /// The AUTHENTICATE_MESSAGE bytes (raw NTLMSSP).
    pub message: Vec<u8>,
    /// The ExportedSessionKey: the SMB session key.
    pub session_key: SessionKey,
    /// The negotiated flags (client offer AND server answer).
    pub flags: NegotiateFlags,
    /// The server's MsvAvTimestamp (FILETIME) that the response was built on.
    pub timestamp: u64,
}

/// An NTLMv2 client for one sign-in.
///
/// Raw NTLMSSP: send [`negotiate_message`](Self::negotiate_message), answer
/// the server's CHALLENGE with [`authenticate`](Self::authenticate).
/// SPNEGO: send [`spnego_init`](Self::spnego_init), answer the server's
/// NegTokenResp with [`spnego_authenticate`](Self::spnego_authenticate).
/// Either way the session key is then [`session_key`](Self::session_key).
///
/// `Debug` shows the user and domain, never the NT hash or keys.
#[derive(Clone)]
pub struct NtlmInitiator {
    user: String,
    domain: String,
    workstation: String,
    nt_hash: NtHash,
    mic: bool,
    fixed: Option<([u8; 16], [u8; 8])>,
    session_key: Option<SessionKey>,
}

impl core::fmt::Debug for NtlmInitiator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NtlmInitiator")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("workstation", &self.workstation)
            .field("mic", &self.mic)
            .field("signed_in", &self.session_key.is_some())
            .finish_non_exhaustive()
    }
}

impl NtlmInitiator {
    /// A client signing in as `domain\user` with `password`.
    #[must_use]
    pub fn new(user: &str, domain: &str, password: &str) -> Self {
        Self::with_nt_hash(user, domain, NtHash::from_password(password))
    }

    /// A client signing in with an NT hash instead of a password.
    #[must_use]
    pub fn with_nt_hash(user: &str, domain: &str, nt_hash: NtHash) -> Self {
        Self {
            user: user.to_owned(),
            domain: domain.to_owned(),
            workstation: "CLIENT".to_owned(),
            nt_hash,
            mic: true,
            fixed: None,
            session_key: None,
        }
    }

    /// Whether AUTHENTICATE carries a MIC (MsvAvFlags 0x2). Default: yes.
    #[must_use]
    pub fn mic(mut self, mic: bool) -> Self {
        self.mic = mic;
        self
    }

    /// The workstation name sent in AUTHENTICATE. Default: `CLIENT`.
    #[must_use]
    pub fn workstation(mut self, name: &str) -> Self {
        name.clone_into(&mut self.workstation);
        self
    }

    /// Fixes the random session key and the client challenge instead of
    /// drawing them from the system generator (reproducible tests only).
    #[must_use]
    pub fn fixed_randomness(
        mut self,
        random_session_key: [u8; 16],
        client_challenge: [u8; 8],
    ) -> Self {
        self.fixed = Some((random_session_key, client_challenge));
        self
    }

    /// The NTLM NEGOTIATE_MESSAGE. It is the same bytes every time.
    ///
    /// # Errors
    /// [`AuthError::Internal`] if it cannot be encoded (it always can).
    pub fn negotiate_message(&self) -> Result<Vec<u8>, AuthError> {
        NegotiateMessage {
            flags: CLIENT_FLAGS,
            domain_name: Vec::new(),
            workstation: Vec::new(),
            version: Some(CLIENT_VERSION),
        }
        .encode()
        .map_err(|_| AuthError::Internal("NEGOTIATE encoding"))
    }

    /// The first SPNEGO token: a NegTokenInit offering NTLMSSP only, with the
    /// NEGOTIATE as optimistic token.
    ///
    /// # Errors
    /// As [`negotiate_message`](Self::negotiate_message).
    pub fn spnego_init(&self) -> Result<Vec<u8>, AuthError> {
        Ok(NegTokenInit::new(vec![Mech::Ntlmssp], Some(self.negotiate_message()?)).encode())
    }

    /// Answers a raw CHALLENGE_MESSAGE with an NTLMv2 AUTHENTICATE_MESSAGE,
    /// built on the server's timestamp. Also remembers the session key.
    ///
    /// # Errors
    /// [`AuthError::Malformed`] for a CHALLENGE that does not parse,
    /// [`AuthError::Unsupported`] when the server did not send a timestamp
    /// or did not agree to extended session security,
    /// [`AuthError::Internal`] if the random generator fails.
    pub fn authenticate(&mut self, challenge: &[u8]) -> Result<NtlmAuthenticate, AuthError> {
        let chal = ChallengeMessage::parse(challenge)?;
        let pairs = av_pair::parse(&chal.target_info)?;
        let timestamp_bytes: [u8; 8] = av_pair::find(&pairs, MSV_AV_TIMESTAMP)
            .and_then(|t| t.try_into().ok())
            .ok_or(AuthError::Unsupported("CHALLENGE without MsvAvTimestamp"))?;
        let flags = CLIENT_FLAGS & chal.flags;
        if !flags.contains(NegotiateFlags::EXTENDED_SESSIONSECURITY) {
            return Err(AuthError::Unsupported(
                "server refused extended session security",
            ));
        }
        let (random_session_key, client_challenge) = match self.fixed {
            Some(fixed) => fixed,
            None => {
                let mut key = [0u8; 16];
                let mut chal8 = [0u8; 8];
                getrandom::fill(&mut key).map_err(|_| AuthError::Internal("random"))?;
                getrandom::fill(&mut chal8).map_err(|_| AuthError::Internal("random"))?;
                (key, chal8)
            }
        };
        let random_session_key = Zeroizing::new(random_session_key);

        let mut ours: Vec<AvPair<'_>> = pairs.clone();
        let mic_flag = MSV_AV_FLAG_MIC_PRESENT.to_le_bytes();
        if self.mic {
            ours.retain(|p| p.id != MSV_AV_FLAGS);
            ours.push(AvPair {
                id: MSV_AV_FLAGS,
                value: &mic_flag,
            });
        }
        // NTLMv2_CLIENT_CHALLENGE (MS-NLMP 2.2.2.7): RespType, HiRespType,
        // reserved, TimeStamp, ChallengeFromClient, reserved, AvPairs, padding.
        let mut temp = vec![1u8, 1, 0, 0, 0, 0, 0, 0];
        temp.extend_from_slice(&timestamp_bytes);
        temp.extend_from_slice(&client_challenge);
        temp.extend_from_slice(&[0u8; 4]);
        temp.extend(av_pair::encode(&ours).ok_or(AuthError::Internal("AV pairs do not fit"))?);
        temp.extend_from_slice(&[0u8; 4]);

        let domain = utf16::encode(&self.domain);
        let ntowf = crypto::ntowfv2(&self.nt_hash, &self.user, &domain);
        let proof = crypto::nt_proof_str(&ntowf, &chal.server_challenge, &temp);
        let key_exchange_key = crypto::session_base_key(&ntowf, &proof);
        let (encrypted, session_key) = if flags.contains(NegotiateFlags::KEY_EXCH) {
            (
                crypto::rc4(key_exchange_key.as_bytes(), &random_session_key[..])?,
                SessionKey::from_bytes(*random_session_key),
            )
        } else {
            (Vec::new(), key_exchange_key)
        };
        let mut nt_response = proof.to_vec();
        nt_response.extend_from_slice(&temp);
        let msg = AuthenticateMessage {
            lm_response: vec![0; 24],
            nt_response,
            domain_name: domain,
            user_name: utf16::encode(&self.user),
            workstation: utf16::encode(&self.workstation),
            encrypted_random_session_key: encrypted,
            flags,
            version: Some(CLIENT_VERSION),
            mic: self.mic.then_some([0; MIC_LEN]),
        };
        let mut message = msg
            .encode()
            .map_err(|_| AuthError::Internal("AUTHENTICATE encoding"))?;
        if self.mic {
            let mic = crypto::mic(
                &session_key,
                &self.negotiate_message()?,
                challenge,
                &message,
            );
            let end = MIC_OFFSET
                .checked_add(MIC_LEN)
                .ok_or(AuthError::Internal("MIC offset"))?;
            message
                .get_mut(MIC_OFFSET..end)
                .ok_or(AuthError::Internal("MIC field missing"))?
                .copy_from_slice(&mic);
        }
        self.session_key = Some(session_key.clone());
        Ok(NtlmAuthenticate {
            message,
            session_key,
            flags,
            timestamp: u64::from_le_bytes(timestamp_bytes),
        })
    }

    /// Answers the server's first SPNEGO NegTokenResp (accept-incomplete with
    /// the CHALLENGE) with a NegTokenResp carrying the AUTHENTICATE and our
    /// mechListMIC over the mechTypes of [`spnego_init`](Self::spnego_init).
    ///
    /// # Errors
    /// [`AuthError::UnexpectedToken`] when the token is not a NegTokenResp
    /// with a CHALLENGE; otherwise as [`authenticate`](Self::authenticate).
    pub fn spnego_authenticate(&mut self, server_token: &[u8]) -> Result<Vec<u8>, AuthError> {
        let NegotiationToken::Resp(resp) = spnego::parse(server_token)? else {
            return Err(AuthError::UnexpectedToken(
                "server sent a NegTokenInit, not a NegTokenResp",
            ));
        };
        let challenge = resp.response_token.ok_or(AuthError::UnexpectedToken(
            "NegTokenResp without the CHALLENGE",
        ))?;
        let auth = self.authenticate(&challenge)?;
        let keys = NtlmKeys::derive(&auth.session_key, auth.flags)
            .ok_or(AuthError::Unsupported("no extended session security"))?;
        let mic = keys.client_signature(0, &spnego::encode_mech_types(&[Mech::Ntlmssp]))?;
        Ok(NegTokenResp {
            response_token: Some(auth.message),
            mech_list_mic: Some(mic.to_vec()),
            ..NegTokenResp::default()
        }
        .encode())
    }

    /// The session key, once [`authenticate`](Self::authenticate) or
    /// [`spnego_authenticate`](Self::spnego_authenticate) has run.
    #[must_use]
    pub fn session_key(&self) -> Option<&SessionKey> {
        self.session_key.as_ref()
    }
}
