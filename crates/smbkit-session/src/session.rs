//! Sessions: SESSION_SETUP (MS-SMB2 3.3.5.5), keys, trees.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use smbkit_auth::{Acceptor, Authenticated, Step};
use smbkit_kdf::{CipherKeyLen, Derivation, PreauthIntegrity, Role, SessionKeys};
use smbkit_seal::{DecryptionKey, EncryptionKey};
use smbkit_sign::Signer;
use smbkit_wire::session_setup::{
    FLAG_BINDING, SessionSetupRequest, SessionSetupResponse, session_flags,
};
use smbkit_wire::{NtStatus, Pdu};

use crate::batch::{Item, Preauth, Response, SessionInfo, Slot, TreeInfo};
use crate::config::{Dialect, EncryptionPolicy, SigningPolicy};
use crate::connection::{Connection, Ctx, Negotiated};

/// One session of the connection (MS-SMB2 3.3.1.8).
pub(crate) struct Session {
    /// The running SESSION_SETUP exchange (first setup or reauthentication).
    pub acceptor: Option<Acceptor>,
    /// Session.PreauthIntegrityHashValue (3.1.1, while in progress).
    pub preauth: PreauthIntegrity,
    /// Set once the session is valid.
    pub info: Option<Arc<SessionInfo>>,
    pub signer: Option<Arc<Signer>>,
    pub encryption: Option<Arc<EncryptionKey>>,
    pub decryption: Option<DecryptionKey>,
    /// The server-to-client key as a decryption key: only to tell a client
    /// that sealed with the wrong direction's key.
    pub reverse: Option<DecryptionKey>,
    pub signing_required: bool,
    pub encrypt_data: bool,
    pub trees: HashMap<u32, Arc<TreeInfo>>,
    pub next_tree_id: u32,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("info", &self.info)
            .field("in_setup", &self.acceptor.is_some())
            .field("signing_required", &self.signing_required)
            .field("encrypt_data", &self.encrypt_data)
            .field("trees", &self.trees.len())
            .finish_non_exhaustive()
    }
}

impl Session {
    fn new(acceptor: Acceptor, preauth: PreauthIntegrity) -> Session {
        Session {
            acceptor: Some(acceptor),
            preauth,
            info: None,
            signer: None,
            encryption: None,
            decryption: None,
            reverse: None,
            signing_required: false,
            encrypt_data: false,
            trees: HashMap::new(),
            next_tree_id: 1,
        }
    }

    /// Whether this session has encryption keys.
    pub(crate) fn can_encrypt(&self) -> bool {
        self.encryption.is_some() && self.decryption.is_some()
    }

    /// A fresh TreeId: never 0 or 0xFFFFFFFF, never one in use.
    pub(crate) fn allocate_tree_id(&mut self) -> Option<u32> {
        for _ in 0..1024 {
            let id = self.next_tree_id;
            self.next_tree_id = match id.checked_add(1) {
                Some(n) if n != u32::MAX => n,
                _ => 1,
            };
            if id != 0 && id != u32::MAX && !self.trees.contains_key(&id) {
                return Some(id);
            }
        }
        None
    }
}

/// Keys and flags of a session that has just authenticated.
struct Established {
    signer: Option<Arc<Signer>>,
    encryption: Option<Arc<EncryptionKey>>,
    decryption: Option<DecryptionKey>,
    reverse: Option<DecryptionKey>,
}

impl Connection {
    /// A fresh random SessionId that fits in 32 bits. The field is 64 bits
    /// wide, but some clients keep only the low 32 bits of it (smbtorture's
    /// smb2.session-id does, and Samba issues 32-bit ids for that reason),
    /// so larger ids would break them.
    fn new_session_id(&self) -> Option<u64> {
        for _ in 0..16 {
            let mut b = [0u8; 4];
            getrandom::fill(&mut b).ok()?;
            let id = u64::from(u32::from_le_bytes(b));
            if id != 0 && id != u64::from(u32::MAX) && !self.sessions.contains_key(&id) {
                return Some(id);
            }
        }
        None
    }

    pub(crate) fn handle_session_setup(
        &mut self,
        ctx: &Ctx,
        negotiated: &Negotiated,
    ) -> (Item, Slot) {
        let req = match SessionSetupRequest::decode(&ctx.msg) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "malformed SESSION_SETUP");
                return ctx.fail(e.status(), None);
            }
        };
        if req.security_buffer.len() > self.config.limits.max_security_buffer {
            tracing::debug!(
                len = req.security_buffer.len(),
                max = self.config.limits.max_security_buffer,
                "SESSION_SETUP security buffer above the limit"
            );
            return ctx.fail(NtStatus::INVALID_PARAMETER, None);
        }
        if req.flags & FLAG_BINDING != 0 {
            tracing::debug!("session binding requested; multichannel is not supported");
            return ctx.fail(NtStatus::REQUEST_NOT_ACCEPTED, None);
        }
        let smb311 = negotiated.dialect == Dialect::Smb311;
        let mut sid = ctx.header.session_id;
        let mut reauth = false;
        // Whether this reauthentication came under the session's own keys
        // (signed and verified, or sealed): only then may it make the
        // session anonymous.
        let mut keyed = false;
        if sid == 0 {
            if self.sessions.len() >= self.config.limits.max_sessions {
                tracing::debug!(
                    max = self.config.limits.max_sessions,
                    "too many sessions on this connection"
                );
                return ctx.fail(NtStatus::INSUFFICIENT_RESOURCES, None);
            }
            let Some(id) = self.new_session_id() else {
                return ctx.fail(NtStatus::INSUFFICIENT_RESOURCES, None);
            };
            sid = id;
            let session = Session::new(
                Acceptor::new(self.config.auth.clone()),
                PreauthIntegrity::from_value(*self.preauth.value()),
            );
            self.sessions.insert(sid, session);
        } else {
            let Some(session) = self.sessions.get_mut(&sid) else {
                tracing::debug!(session = sid, "SESSION_SETUP for an unknown SessionId");
                return ctx.fail(NtStatus::USER_SESSION_DELETED, None);
            };
            if session.info.is_some() {
                reauth = true;
                // A reauthentication of a signing session is verified like
                // any other request of the session (3.3.5.2.4).
                let signed = ctx.header.flags.contains(smbkit_wire::HeaderFlags::SIGNED);
                if ctx.encrypted.is_none()
                    && let Some(s) = session.signer.as_ref()
                    && (signed || session.signing_required)
                    && s.verify(&ctx.msg).is_err()
                {
                    tracing::debug!(
                        session = sid,
                        "reauthentication with a bad or missing signature"
                    );
                    return ctx.fail(NtStatus::ACCESS_DENIED, None);
                }
                keyed = session.signer.is_some() && (signed || ctx.encrypted.is_some());
                if session.acceptor.is_none() {
                    let mut auth = self.config.auth.clone();
                    // A user's session may become anonymous
                    // ([`Connection::finish_reauth`] decides).
                    auth.ntlm.allow_anonymous |= keyed;
                    session.acceptor = Some(Acceptor::new(auth));
                }
            }
        }
        let Some(session) = self.sessions.get_mut(&sid) else {
            return ctx.fail(NtStatus::INTERNAL_ERROR, None);
        };
        if smb311 && !reauth {
            session.preauth.update(&ctx.msg);
        }
        // A reauthentication is signed with the session's key.
        let reauth_signer = if reauth { session.signer.clone() } else { None };
        let Some(acceptor) = session.acceptor.as_mut() else {
            return ctx.fail(NtStatus::INTERNAL_ERROR, None);
        };
        let step = acceptor.step(req.security_buffer, ctx.now, self.credentials.as_ref());
        let mut slot = ctx.slot();
        slot.session_id = sid;
        match step {
            Err(e) => {
                tracing::debug!(session = sid, error = %e, "authentication failed");
                self.sessions.remove(&sid);
                self.logon_failures = self.logon_failures.saturating_add(1);
                // A client checks the failure of a reauthentication against
                // the session's key (MS-SMB2 3.3.4.1.1, 3.2.5.1.3).
                slot.signer = reauth_signer;
                let status = NtStatus(e.ntstatus());
                (Item::Done(Response::error(status)), slot)
            }
            Ok(Step::Continue(token)) => {
                if smb311 && !reauth {
                    slot.preauth = Preauth::Session(sid);
                }
                slot.signer = reauth_signer;
                let body = SessionSetupResponse {
                    session_flags: 0,
                    security_buffer: &token,
                }
                .encode_body_to_vec();
                match body {
                    Ok(body) => (
                        Item::Done(Response::new(NtStatus::MORE_PROCESSING_REQUIRED, body)),
                        slot,
                    ),
                    Err(_) => {
                        self.sessions.remove(&sid);
                        (Item::Done(Response::error(NtStatus::INTERNAL_ERROR)), slot)
                    }
                }
            }
            Ok(Step::Done { token, auth }) => {
                let token = token.unwrap_or_default();
                if reauth {
                    self.finish_reauth(sid, &auth, &token, keyed, reauth_signer, slot)
                } else {
                    self.finish_setup(sid, &auth, &token, negotiated, &req, slot)
                }
            }
        }
    }

    /// Ends a reauthentication (MS-SMB2 3.3.5.5.3): the session takes the
    /// new identity and keeps its keys, its trees and its opens.
    ///
    /// A session whose keys came from a user may become anonymous (Windows
    /// allows it; smbtorture's smb2.session.reauth2-5 do it) when the
    /// request came under those keys (`keyed`): it then acts with the
    /// anonymous identity until a user signs in on it again, which only
    /// lowers what it may do. A session that began anonymous has no keys and
    /// never becomes a user's.
    fn finish_reauth(
        &mut self,
        sid: u64,
        auth: &Authenticated,
        token: &[u8],
        keyed: bool,
        signer: Option<Arc<smbkit_sign::Signer>>,
        mut slot: Slot,
    ) -> (Item, Slot) {
        let Some(session) = self.sessions.get_mut(&sid) else {
            return (Item::Done(Response::error(NtStatus::INTERNAL_ERROR)), slot);
        };
        session.acceptor = None;
        let Some(old) = session.info.clone() else {
            return (Item::Done(Response::error(NtStatus::INTERNAL_ERROR)), slot);
        };
        let refusal = if session.signer.is_none() && !auth.anonymous {
            Some("a session that began anonymous cannot become a user's")
        } else if auth.anonymous && !old.anonymous && !keyed {
            Some("an anonymous reauthentication must be signed or sealed with the session's keys")
        } else {
            None
        };
        if let Some(why) = refusal {
            tracing::debug!(session = sid, why, "reauthentication refused");
            self.sessions.remove(&sid);
            return (Item::Done(Response::error(NtStatus::ACCESS_DENIED)), slot);
        }
        session.info = Some(Arc::new(SessionInfo {
            user: auth.user.clone(),
            domain: auth.domain.clone(),
            anonymous: auth.anonymous,
            guest: self.config.guest,
            ..(*old).clone()
        }));
        tracing::debug!(
            session = sid, user = %auth.user, anonymous = auth.anonymous,
            "session reauthenticated"
        );
        let flags = session_flags_of(auth.anonymous, session.encrypt_data);
        slot.signer = signer;
        setup_success(flags, token, slot)
    }

    fn finish_setup(
        &mut self,
        sid: u64,
        auth: &Authenticated,
        token: &[u8],
        negotiated: &Negotiated,
        req: &SessionSetupRequest<'_>,
        mut slot: Slot,
    ) -> (Item, Slot) {
        let config = Arc::clone(&self.config);
        let refuse = |this: &mut Connection, status: NtStatus, slot: Slot, why: &str| {
            tracing::debug!(session = sid, why, "session refused");
            this.sessions.remove(&sid);
            (Item::Done(Response::error(status)), slot)
        };
        if auth.anonymous && !config.guest {
            return refuse(
                self,
                NtStatus::LOGON_FAILURE,
                slot,
                "anonymous sessions are off",
            );
        }
        let encrypt_data = config.encryption == EncryptionPolicy::Required;
        let Some(session) = self.sessions.get_mut(&sid) else {
            return (Item::Done(Response::error(NtStatus::INTERNAL_ERROR)), slot);
        };
        let established = if auth.anonymous {
            Established {
                signer: None,
                encryption: None,
                decryption: None,
                reverse: None,
            }
        } else {
            match derive(auth, negotiated, &session.preauth) {
                Ok(e) => e,
                Err(why) => {
                    return refuse(self, NtStatus::INTERNAL_ERROR, slot, &why);
                }
            }
        };
        if encrypt_data && established.encryption.is_none() {
            return refuse(
                self,
                NtStatus::ACCESS_DENIED,
                slot,
                "encryption is required but this client/session cannot encrypt",
            );
        }
        let Some(session) = self.sessions.get_mut(&sid) else {
            return (Item::Done(Response::error(NtStatus::INTERNAL_ERROR)), slot);
        };
        let client_requires = u16::from(req.security_mode)
            & smbkit_wire::negotiate::security_mode::SIGNING_REQUIRED
            != 0
            || negotiated.client_security_mode
                & smbkit_wire::negotiate::security_mode::SIGNING_REQUIRED
                != 0;
        session.acceptor = None;
        session.signing_required =
            !auth.anonymous && (config.signing == SigningPolicy::Required || client_requires);
        session.encrypt_data = encrypt_data && !auth.anonymous;
        session.signer = established.signer;
        session.encryption = established.encryption;
        session.decryption = established.decryption;
        session.reverse = established.reverse;
        session.info = Some(Arc::new(SessionInfo {
            id: sid,
            user: auth.user.clone(),
            domain: auth.domain.clone(),
            anonymous: auth.anonymous,
            guest: config.guest,
            dialect: negotiated.dialect,
            client_guid: negotiated.client_guid,
        }));
        // The final response is signed for 3.x (3.3.4.1.1), and for 2.x
        // when the session signs.
        if negotiated.dialect.is_smb3() || session.signing_required {
            slot.signer = session.signer.clone();
        }
        tracing::debug!(
            session = sid, user = %auth.user, domain = %auth.domain, anonymous = auth.anonymous,
            signing_required = session.signing_required, encrypt = session.encrypt_data,
            "session established"
        );
        let flags = session_flags_of(auth.anonymous, session.encrypt_data);
        // PreviousSessionId: the driver ends that session of the same user
        // (MS-SMB2 3.3.5.5.3; see previous.rs). Anonymous ends nothing.
        if req.previous_session_id != 0 && req.previous_session_id != sid && !auth.anonymous {
            self.previous_sessions
                .push(crate::previous::PreviousSession::new(
                    req.previous_session_id,
                    auth.user.clone(),
                    sid,
                ));
        }
        setup_success(flags, token, slot)
    }
}

fn session_flags_of(anonymous: bool, encrypt: bool) -> u16 {
    if anonymous {
        session_flags::IS_NULL
    } else if encrypt {
        session_flags::ENCRYPT_DATA
    } else {
        0
    }
}

fn setup_success(flags: u16, token: &[u8], slot: Slot) -> (Item, Slot) {
    let body = SessionSetupResponse {
        session_flags: flags,
        security_buffer: token,
    }
    .encode_body_to_vec();
    match body {
        Ok(body) => (Item::Done(Response::new(NtStatus::SUCCESS, body)), slot),
        Err(_) => (Item::Done(Response::error(NtStatus::INTERNAL_ERROR)), slot),
    }
}

/// Derives the session's keys (MS-SMB2 3.3.5.5.3) and builds the signer and
/// the sealing keys.
fn derive(
    auth: &Authenticated,
    negotiated: &Negotiated,
    preauth: &PreauthIntegrity,
) -> Result<Established, String> {
    let derivation = match negotiated.dialect {
        Dialect::Smb202 | Dialect::Smb210 => Derivation::Smb2,
        Dialect::Smb300 | Dialect::Smb302 => Derivation::Smb30,
        Dialect::Smb311 => Derivation::Smb311 {
            preauth_hash: preauth.value(),
        },
    };
    let cipher = negotiated.cipher;
    let key_len = match cipher {
        None => None,
        Some(c) => Some(CipherKeyLen::from_len(c.key_len()).map_err(|e| e.to_string())?),
    };
    let keys = SessionKeys::derive(
        Role::Server,
        auth.session_key.as_bytes(),
        derivation,
        key_len,
    )
    .map_err(|e| format!("key derivation: {e}"))?;
    let signer = Signer::new(
        negotiated.signing_algorithm(),
        keys.signing_key().as_bytes(),
    )
    .map_err(|e| format!("signer: {e}"))?;
    let (encryption, decryption, reverse) =
        match (cipher, keys.encryption_key(), keys.decryption_key()) {
            (Some(c), Some(enc), Some(dec)) => (
                Some(Arc::new(
                    EncryptionKey::new(c, enc.as_bytes())
                        .map_err(|e| format!("encryption key: {e}"))?,
                )),
                Some(
                    DecryptionKey::new(c, dec.as_bytes())
                        .map_err(|e| format!("decryption key: {e}"))?,
                ),
                DecryptionKey::new(c, enc.as_bytes()).ok(),
            ),
            _ => (None, None, None),
        };
    Ok(Established {
        signer: Some(Arc::new(signer)),
        encryption,
        decryption,
        reverse,
    })
}
