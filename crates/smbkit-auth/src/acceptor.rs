//! The acceptor the SMB session layer drives: SPNEGO-wrapped Kerberos or
//! NTLMSSP, a raw GSS-API Kerberos token, or raw NTLMSSP.

use core::mem;
use std::sync::Arc;

use crate::creds::CredentialStore;
use crate::error::AuthError;
use crate::krb5::{KerberosAcceptor, gss};
use crate::ntlm::crypto::ct_eq16;
use crate::ntlm::message::{NEGOTIATE_MESSAGE, message_type};
use crate::ntlm::{Authenticated, NTLMSSP_SIGNATURE, NtlmAcceptor, NtlmConfig};
use crate::spnego::{self, Mech, NegState, NegTokenResp, NegotiationToken};

/// Configuration of an [`Acceptor`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AcceptorConfig {
    /// The NTLM side: names and the anonymous policy.
    pub ntlm: NtlmConfig,
    /// The Kerberos side (keytab, realms, replay cache), shared by all
    /// exchanges. Without it nothing about Kerberos is advertised or accepted.
    pub kerberos: Option<Arc<KerberosAcceptor>>,
}

impl PartialEq for AcceptorConfig {
    fn eq(&self, other: &Self) -> bool {
        self.ntlm == other.ntlm
            && match (&self.kerberos, &other.kerberos) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }
}

impl Eq for AcceptorConfig {}

impl AcceptorConfig {
    /// A configuration with these NTLM settings (and no Kerberos).
    #[must_use]
    pub fn new(ntlm: NtlmConfig) -> Self {
        Self {
            ntlm,
            kerberos: None,
        }
    }

    /// Adds the Kerberos acceptor.
    #[must_use]
    pub fn with_kerberos(mut self, kerberos: Arc<KerberosAcceptor>) -> Self {
        self.kerberos = Some(kerberos);
        self
    }

    /// The mechanisms we offer, most preferred first.
    #[must_use]
    pub fn mechs(&self) -> Vec<Mech> {
        if self.kerberos.is_some() {
            vec![Mech::MsKerberos, Mech::Kerberos, Mech::Ntlmssp]
        } else {
            vec![Mech::Ntlmssp]
        }
    }
}

/// Seconds between 1601-01-01 and 1970-01-01.
const FILETIME_UNIX_OFFSET_SECS: u64 = 11_644_473_600;

fn filetime_to_unix(filetime: u64) -> i64 {
    let secs = filetime / 10_000_000;
    i64::try_from(secs.saturating_sub(FILETIME_UNIX_OFFSET_SECS)).unwrap_or(i64::MAX)
}

/// What to send after a step.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // One per SESSION_SETUP round trip.
pub enum Step {
    /// More round trips: send this token in a SESSION_SETUP response with
    /// `STATUS_MORE_PROCESSING_REQUIRED`.
    Continue(Vec<u8>),
    /// Signed in. Send `token` (if any) in the final `STATUS_SUCCESS` response.
    Done {
        /// The final SPNEGO token (accept-completed, possibly with our
        /// mechListMIC); `None` for raw NTLMSSP.
        token: Option<Vec<u8>>,
        /// Who signed in, and the session key.
        auth: Authenticated,
    },
}

enum State {
    Start,
    Raw(NtlmAcceptor),
    SpnegoNeedNegotiate {
        mech_types_der: Vec<u8>,
        downgraded: bool,
    },
    SpnegoChallenged {
        ntlm: NtlmAcceptor,
        mech_types_der: Vec<u8>,
        downgraded: bool,
    },
    SpnegoNeedMic {
        auth: Box<Authenticated>,
        mech_types_der: Vec<u8>,
    },
    SpnegoNeedKerberos,
    Finished,
}

/// One authentication exchange (one SMB2 SESSION_SETUP sequence).
///
/// Accepts SPNEGO (NegTokenInit with NTLMSSP, then NegTokenResp) and raw
/// NTLMSSP (answered raw). After an error or success it is finished.
pub struct Acceptor {
    config: AcceptorConfig,
    state: State,
}

impl core::fmt::Debug for Acceptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match self.state {
            State::Start => "start",
            State::Raw(_) => "raw-challenged",
            State::SpnegoNeedNegotiate { .. } => "spnego-need-negotiate",
            State::SpnegoChallenged { .. } => "spnego-challenged",
            State::SpnegoNeedMic { .. } => "spnego-need-mic",
            State::SpnegoNeedKerberos => "spnego-need-kerberos",
            State::Finished => "finished",
        };
        f.debug_struct("Acceptor")
            .field("config", &self.config)
            .field("state", &state)
            .finish()
    }
}

impl Acceptor {
    /// A fresh exchange.
    #[must_use]
    pub fn new(config: AcceptorConfig) -> Self {
        Self {
            config,
            state: State::Start,
        }
    }

    /// The token for the SMB2 NEGOTIATE response: NegTokenInit2 offering
    /// Kerberos (both OIDs) and NTLMSSP, or NTLMSSP alone without Kerberos.
    #[must_use]
    pub fn negotiate_token(&self) -> Vec<u8> {
        spnego::neg_token_init2_for(&self.config.mechs())
    }

    /// Whether the exchange is over.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    /// Feeds the client's security buffer. `now_filetime` is the current time
    /// as a Windows FILETIME (100 ns ticks since 1601-01-01 UTC).
    ///
    /// An empty first token is answered with [`Acceptor::negotiate_token`].
    pub fn step(
        &mut self,
        token: &[u8],
        now_filetime: u64,
        creds: &dyn CredentialStore,
    ) -> Result<Step, AuthError> {
        let state = mem::replace(&mut self.state, State::Finished);
        let krb = self.config.kerberos.clone();
        let realms = krb
            .as_ref()
            .map_or(&[][..], |k| k.config().realms.as_slice());
        let upn = UpnCredentials {
            inner: creds,
            realms,
        };
        let (mut step, next) = self.advance(state, token, now_filetime, &upn)?;
        self.state = next;
        if let Step::Done { auth, .. } = &mut step {
            upn.normalize(auth);
        }
        Ok(step)
    }

    fn new_ntlm(&self) -> NtlmAcceptor {
        NtlmAcceptor::new(self.config.ntlm.clone())
    }

    fn advance(
        &self,
        state: State,
        token: &[u8],
        now: u64,
        creds: &dyn CredentialStore,
    ) -> Result<(Step, State), AuthError> {
        match state {
            State::Start if token.is_empty() => {
                Ok((Step::Continue(self.negotiate_token()), State::Start))
            }
            State::Start if gss::is_kerberos(token) => {
                // A raw GSS-API Kerberos token (no SPNEGO): answered raw.
                let (auth, ap_rep) = self.accept_kerberos(token, now, creds)?;
                Ok((
                    Step::Done {
                        token: ap_rep,
                        auth,
                    },
                    State::Finished,
                ))
            }
            State::Start if token.starts_with(&NTLMSSP_SIGNATURE) => {
                if message_type(token)? != NEGOTIATE_MESSAGE {
                    return Err(AuthError::UnexpectedToken(
                        "NTLM message other than NEGOTIATE first",
                    ));
                }
                let mut ntlm = self.new_ntlm();
                let challenge = ntlm.negotiate(token, now)?;
                Ok((Step::Continue(challenge), State::Raw(ntlm)))
            }
            State::Start => {
                let NegotiationToken::Init(init) = spnego::parse(token)? else {
                    return Err(AuthError::UnexpectedToken(
                        "NegTokenResp before NegTokenInit",
                    ));
                };
                let ntlm_offered = init.mech_types.contains(&Mech::Ntlmssp);
                let krb_first = init
                    .mech_types
                    .first()
                    .filter(|m| matches!(m, Mech::Kerberos | Mech::MsKerberos))
                    .cloned();
                if let (Some(mech), Some(_)) = (krb_first, &self.config.kerberos) {
                    let Some(krb_token) = &init.mech_token else {
                        // Kerberos is the first choice but came without its
                        // token: select it and ask for the AP-REQ.
                        let out = NegTokenResp {
                            neg_state: Some(NegState::AcceptIncomplete),
                            supported_mech: Some(mech),
                            ..NegTokenResp::default()
                        }
                        .encode();
                        return Ok((Step::Continue(out), State::SpnegoNeedKerberos));
                    };
                    match self.accept_kerberos(krb_token, now, creds) {
                        Ok((auth, ap_rep)) => {
                            let out = NegTokenResp {
                                neg_state: Some(NegState::AcceptCompleted),
                                supported_mech: Some(mech),
                                response_token: ap_rep,
                                mech_list_mic: None,
                            }
                            .encode();
                            return Ok((
                                Step::Done {
                                    token: Some(out),
                                    auth,
                                },
                                State::Finished,
                            ));
                        }
                        // The client offered NTLMSSP too: continue with it.
                        Err(_) if ntlm_offered => {}
                        Err(e) => return Err(e),
                    }
                }
                if !ntlm_offered {
                    return Err(AuthError::MechNotSupported);
                }
                let downgraded = init.mech_types.first() != Some(&Mech::Ntlmssp);
                match (downgraded, init.mech_token) {
                    (false, Some(ntlm_token)) => {
                        let mut ntlm = self.new_ntlm();
                        let challenge = ntlm.negotiate(&ntlm_token, now)?;
                        let out = NegTokenResp::accept_incomplete(Some(challenge)).encode();
                        let next = State::SpnegoChallenged {
                            ntlm,
                            mech_types_der: init.mech_types_der,
                            downgraded,
                        };
                        Ok((Step::Continue(out), next))
                    }
                    // The optimistic token (if any) is for a mechanism we do not
                    // run: select NTLMSSP and ask for its first token (RFC 4178 5).
                    _ => {
                        let out = NegTokenResp::accept_incomplete(None).encode();
                        let next = State::SpnegoNeedNegotiate {
                            mech_types_der: init.mech_types_der,
                            downgraded,
                        };
                        Ok((Step::Continue(out), next))
                    }
                }
            }
            State::Raw(mut ntlm) => {
                if !token.starts_with(&NTLMSSP_SIGNATURE) {
                    return Err(AuthError::UnexpectedToken("SPNEGO after raw NTLMSSP"));
                }
                let auth = ntlm.authenticate(token, creds)?;
                Ok((Step::Done { token: None, auth }, State::Finished))
            }
            State::SpnegoNeedNegotiate {
                mech_types_der,
                downgraded,
            } => {
                let resp = parse_resp(token)?;
                let ntlm_token = resp.response_token.ok_or(AuthError::UnexpectedToken(
                    "NegTokenResp without the NTLM NEGOTIATE",
                ))?;
                let mut ntlm = self.new_ntlm();
                let challenge = ntlm.negotiate(&ntlm_token, now)?;
                let out = NegTokenResp {
                    neg_state: Some(NegState::AcceptIncomplete),
                    response_token: Some(challenge),
                    ..NegTokenResp::default()
                }
                .encode();
                Ok((
                    Step::Continue(out),
                    State::SpnegoChallenged {
                        ntlm,
                        mech_types_der,
                        downgraded,
                    },
                ))
            }
            State::SpnegoChallenged {
                mut ntlm,
                mech_types_der,
                downgraded,
            } => {
                let resp = parse_resp(token)?;
                let ntlm_token = resp.response_token.ok_or(AuthError::UnexpectedToken(
                    "NegTokenResp without the NTLM AUTHENTICATE",
                ))?;
                let auth = ntlm.authenticate(&ntlm_token, creds)?;
                finish_spnego(
                    auth,
                    resp.mech_list_mic.as_deref(),
                    mech_types_der,
                    downgraded,
                )
            }
            State::SpnegoNeedMic {
                auth,
                mech_types_der,
            } => {
                let resp = parse_resp(token)?;
                if resp.response_token.is_some() {
                    return Err(AuthError::UnexpectedToken(
                        "responseToken after NTLM completed",
                    ));
                }
                let mic = resp.mech_list_mic.ok_or(AuthError::UnexpectedToken(
                    "mechListMIC requested but not sent",
                ))?;
                check_client_mic(&auth, &mic, &mech_types_der)?;
                let out = NegTokenResp::accept_completed(None).encode();
                Ok((
                    Step::Done {
                        token: Some(out),
                        auth: *auth,
                    },
                    State::Finished,
                ))
            }
            State::SpnegoNeedKerberos => {
                let resp = parse_resp(token)?;
                let krb_token = resp.response_token.ok_or(AuthError::UnexpectedToken(
                    "NegTokenResp without the Kerberos AP-REQ",
                ))?;
                let (auth, ap_rep) = self.accept_kerberos(&krb_token, now, creds)?;
                let out = NegTokenResp {
                    neg_state: Some(NegState::AcceptCompleted),
                    response_token: ap_rep,
                    ..NegTokenResp::default()
                }
                .encode();
                Ok((
                    Step::Done {
                        token: Some(out),
                        auth,
                    },
                    State::Finished,
                ))
            }
            State::Finished => Err(AuthError::Finished),
        }
    }

    /// Accepts a GSS-framed Kerberos AP-REQ; returns the sign-in and the
    /// GSS-framed AP-REP (when the client asked for mutual authentication).
    fn accept_kerberos(
        &self,
        token: &[u8],
        now: u64,
        creds: &dyn CredentialStore,
    ) -> Result<(Authenticated, Option<Vec<u8>>), AuthError> {
        let krb = self
            .config
            .kerberos
            .as_ref()
            .ok_or(AuthError::MechNotSupported)?;
        let (tok_id, ap_req) = gss::unwrap(token)?;
        if tok_id != gss::TOK_AP_REQ {
            return Err(AuthError::UnexpectedToken(
                "Kerberos token is not an AP-REQ",
            ));
        }
        let accepted = krb.accept(ap_req, filetime_to_unix(now), creds)?;
        let ap_rep = accepted
            .ap_rep
            .as_deref()
            .map(|r| gss::wrap(gss::TOK_AP_REP, r));
        let auth = Authenticated::kerberos(
            accepted.user.clone(),
            accepted.realm.clone(),
            accepted.session_key,
        );
        Ok((auth, ap_rep))
    }
}

/// With Kerberos configured, an NTLM user name in UPN form `name@REALM`
/// (Samba's client sends that after falling back from Kerberos) with a
/// configured realm names the local user `name`.
struct UpnCredentials<'a> {
    inner: &'a dyn CredentialStore,
    realms: &'a [String],
}

impl UpnCredentials<'_> {
    fn local_name<'u>(&self, user: &'u str) -> Option<&'u str> {
        let (name, realm) = user.rsplit_once('@')?;
        self.realms
            .iter()
            .any(|r| r.eq_ignore_ascii_case(realm))
            .then_some(name)
    }

    /// `alice@REALM` signed in with NTLM becomes user `alice` of `REALM`.
    fn normalize(&self, auth: &mut Authenticated) {
        if let Some(name) = self.local_name(&auth.user)
            && self.inner.nt_hash(&auth.user).is_none()
        {
            let (name, realm) = (name.to_owned(), auth.user.rsplit_once('@'));
            if let Some((_, realm)) = realm {
                auth.domain = realm.to_owned();
            }
            auth.user = name;
        }
    }
}

impl CredentialStore for UpnCredentials<'_> {
    fn nt_hash(&self, user: &str) -> Option<crate::NtHash> {
        self.inner
            .nt_hash(user)
            .or_else(|| self.local_name(user).and_then(|n| self.inner.nt_hash(n)))
    }

    fn has_user(&self, user: &str) -> bool {
        self.inner.has_user(user)
    }
}

fn parse_resp(token: &[u8]) -> Result<NegTokenResp, AuthError> {
    match spnego::parse(token)? {
        NegotiationToken::Resp(r) => Ok(r),
        NegotiationToken::Init(_) => Err(AuthError::UnexpectedToken("second NegTokenInit")),
    }
}

fn check_client_mic(
    auth: &Authenticated,
    mic: &[u8],
    mech_types_der: &[u8],
) -> Result<(), AuthError> {
    let keys = auth.ntlm_keys().ok_or(AuthError::Unsupported(
        "mechListMIC without extended session security",
    ))?;
    let expected = keys.client_signature(0, mech_types_der)?;
    if ct_eq16(&expected, mic) {
        Ok(())
    } else {
        Err(AuthError::LogonFailure)
    }
}

/// MS-SPNG 3.3.5.1 / RFC 4178 5: verify the client's mechListMIC when sent and
/// answer with ours; when NTLM had a MIC (or NTLMSSP was not the client's
/// first choice) a mechListMIC is required, and we ask for it (request-mic).
fn finish_spnego(
    auth: Authenticated,
    client_mic: Option<&[u8]>,
    mech_types_der: Vec<u8>,
    downgraded: bool,
) -> Result<(Step, State), AuthError> {
    if auth.anonymous {
        // Anonymous has no key to sign with.
        let out = NegTokenResp::accept_completed(None).encode();
        return Ok((
            Step::Done {
                token: Some(out),
                auth,
            },
            State::Finished,
        ));
    }
    let required = downgraded || auth.mic_verified;
    if client_mic.is_none() && !required {
        let out = NegTokenResp::accept_completed(None).encode();
        return Ok((
            Step::Done {
                token: Some(out),
                auth,
            },
            State::Finished,
        ));
    }
    let keys = auth.ntlm_keys().ok_or(AuthError::Unsupported(
        "mechListMIC without extended session security",
    ))?;
    let ours = keys.server_signature(0, &mech_types_der)?.to_vec();
    match client_mic {
        Some(mic) => {
            check_client_mic(&auth, mic, &mech_types_der)?;
            let out = NegTokenResp::accept_completed(Some(ours)).encode();
            Ok((
                Step::Done {
                    token: Some(out),
                    auth,
                },
                State::Finished,
            ))
        }
        None => {
            let out = NegTokenResp {
                neg_state: Some(NegState::RequestMic),
                mech_list_mic: Some(ours),
                ..NegTokenResp::default()
            }
            .encode();
            Ok((
                Step::Continue(out),
                State::SpnegoNeedMic {
                    auth: Box::new(auth),
                    mech_types_der,
                },
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SessionKey;
    use crate::{MemoryCredentials, NtHash};

    #[test]
    fn upn_names_of_configured_realms_map_to_local_users() {
        let creds = MemoryCredentials::new().with_password("alice", "pw");
        let realms = ["SMBKIT.TEST".to_owned()];
        let upn = UpnCredentials {
            inner: &creds,
            realms: &realms,
        };
        let want = NtHash::from_password("pw");
        assert_eq!(
            upn.nt_hash("alice@smbkit.test").map(|h| *h.as_bytes()),
            Some(*want.as_bytes())
        );
        assert!(upn.nt_hash("alice@OTHER.TEST").is_none());
        assert!(upn.nt_hash("bob@SMBKIT.TEST").is_none());

        let mut auth = Authenticated::kerberos(
            "alice@SMBKIT.TEST".into(),
            String::new(),
            SessionKey::from_bytes([0; 16]),
        );
        upn.normalize(&mut auth);
        assert_eq!(
            (auth.user.as_str(), auth.domain.as_str()),
            ("alice", "SMBKIT.TEST")
        );

        let none: [String; 0] = [];
        let plain = UpnCredentials {
            inner: &creds,
            realms: &none,
        };
        assert!(plain.nt_hash("alice@SMBKIT.TEST").is_none());
    }
}
