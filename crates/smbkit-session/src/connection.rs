//! The connection: frames in, batches out, batches back, frames out.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use smbkit_auth::CredentialStore;
use smbkit_kdf::PreauthIntegrity;
use smbkit_seal::{Cipher, TRANSFORM_HEADER_LEN, TransformHeader, UnsealError};
use smbkit_sign::{Signer, SigningAlgorithm};
use smbkit_wire::negotiate::capabilities;
use smbkit_wire::{Command, Header, HeaderFlags, HeaderId, NtStatus, split_compound};

use crate::batch::{Batch, Disconnect, Item, Preauth, Request, Response, Slot};
use crate::config::{Config, Dialect};
use crate::credits::{CREDIT_UNIT, CreditWindow};
use crate::inflight::InFlight;
use crate::session::Session;

/// The 9-byte ERROR body (MS-SMB2 2.2.2): StructureSize 9, no contexts,
/// ByteCount 0, one zero byte of ErrorData.
pub(crate) const ERROR_BODY: [u8; 9] = [9, 0, 0, 0, 0, 0, 0, 0, 0];

/// Encrypted frames up to this size are kept aside while unsealing, so a
/// failure can tell whether the client used the wrong direction's key;
/// only until a session's first frame unseals (a client that got the
/// key right once does not swap it later, and the copy costs as much as
/// the decryption of a small frame).
const DIAGNOSTIC_COPY_LIMIT: usize = 64 * 1024;

/// What NEGOTIATE settled (MS-SMB2 3.3.1.7 Connection.*).
#[derive(Debug, Clone)]
pub(crate) struct Negotiated {
    pub dialect: Dialect,
    pub client_capabilities: u32,
    pub client_guid: [u8; 16],
    pub client_security_mode: u16,
    pub client_dialects: Vec<u16>,
    pub server_capabilities: u32,
    pub server_security_mode: u16,
    /// The cipher sessions encrypt with (None: no encryption).
    pub cipher: Option<Cipher>,
    /// The signing algorithm of 3.1.1 (fixed by dialect otherwise).
    pub signing: SigningAlgorithm,
}

impl Negotiated {
    pub(crate) fn large_mtu(&self) -> bool {
        self.server_capabilities & capabilities::LARGE_MTU != 0
    }

    pub(crate) fn signing_algorithm(&self) -> SigningAlgorithm {
        match self.dialect {
            Dialect::Smb202 | Dialect::Smb210 => SigningAlgorithm::HmacSha256,
            Dialect::Smb300 | Dialect::Smb302 => SigningAlgorithm::AesCmac,
            Dialect::Smb311 => self.signing,
        }
    }
}

/// Where the connection is in NEGOTIATE.
#[derive(Debug)]
pub(crate) enum NegotiateState {
    /// Nothing yet.
    Fresh,
    /// Answered an SMB1 NEGOTIATE with the 0x02FF wildcard; an SMB2
    /// NEGOTIATE must follow.
    Wildcard,
    /// Negotiated.
    Done(Negotiated),
}

/// The sans-IO core of one SMB2/3 connection.
///
/// Feed each Direct-TCP frame to [`receive`](Self::receive), let dispatch
/// answer the [`Item::Pending`] items of the returned [`Batch`], and turn it
/// into the frame to send with [`respond`](Self::respond). Batches may be
/// answered in any order, and a request may first get an interim
/// STATUS_PENDING answer ([`interim`](Self::interim)).
pub struct Connection {
    pub(crate) config: Arc<Config>,
    pub(crate) credentials: Arc<dyn CredentialStore + Send + Sync>,
    pub(crate) negotiate: NegotiateState,
    /// Connection.PreauthIntegrityHashValue (3.1.1).
    pub(crate) preauth: PreauthIntegrity,
    pub(crate) window: CreditWindow,
    pub(crate) sessions: HashMap<u64, Session>,
    /// Requests handed to dispatch and not yet answered, by MessageId.
    pub(crate) inflight: HashMap<u64, InFlight>,
    /// The last AsyncId handed out.
    pub(crate) async_ids: u64,
    /// Failed logons since the driver last asked ([`Connection::take_logon_failures`]).
    pub(crate) logon_failures: u32,
    /// Previous sessions named by sign-ins ([`Connection::take_previous_sessions`]).
    pub(crate) previous_sessions: Vec<crate::previous::PreviousSession>,
    /// Sessions a frame has unsealed for: no diagnostic copy any more.
    pub(crate) unsealed: HashSet<u64>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("negotiate", &self.negotiate)
            .field("sessions", &self.sessions.len())
            .field("credits", &self.window.outstanding())
            .finish_non_exhaustive()
    }
}

/// One message being handled.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub msg: Bytes,
    pub header: Header,
    pub related: bool,
    pub credits: u16,
    /// The SessionId of the transform the message came in, if encrypted.
    pub encrypted: Option<u64>,
    pub now: u64,
    /// Messages in the frame.
    pub chain_len: usize,
}

impl Ctx {
    /// A slot answering this request unsigned, with its own ids.
    pub(crate) fn slot(&self) -> Slot {
        Slot {
            header: self.header,
            credits: self.credits,
            session_id: self.header.session_id,
            tree_id: self.header.tree_id().unwrap_or(0),
            signer: None,
            preauth: Preauth::None,
        }
    }

    /// An error answer the session layer decided.
    pub(crate) fn fail(&self, status: NtStatus, signer: Option<Arc<Signer>>) -> (Item, Slot) {
        let mut slot = self.slot();
        slot.signer = signer;
        (Item::Done(Response::error(status)), slot)
    }

    pub(crate) fn done(
        &self,
        status: NtStatus,
        body: Vec<u8>,
        signer: Option<Arc<Signer>>,
    ) -> (Item, Slot) {
        let mut slot = self.slot();
        slot.signer = signer;
        (Item::Done(Response::new(status, body)), slot)
    }
}

impl Connection {
    /// A connection that has received nothing yet.
    #[must_use]
    pub fn new(
        config: Arc<Config>,
        credentials: Arc<dyn CredentialStore + Send + Sync>,
    ) -> Connection {
        let window = CreditWindow::new(config.max_credits);
        Connection {
            config,
            credentials,
            negotiate: NegotiateState::Fresh,
            preauth: PreauthIntegrity::new(),
            window,
            sessions: HashMap::new(),
            inflight: HashMap::new(),
            async_ids: 0,
            logon_failures: 0,
            previous_sessions: Vec::new(),
            unsealed: HashSet::new(),
        }
    }

    /// The negotiated dialect, once NEGOTIATE is done.
    #[must_use]
    pub fn dialect(&self) -> Option<Dialect> {
        match &self.negotiate {
            NegotiateState::Done(n) => Some(n.dialect),
            _ => None,
        }
    }

    /// The cipher negotiated for encryption, if any.
    #[must_use]
    pub fn cipher(&self) -> Option<Cipher> {
        match &self.negotiate {
            NegotiateState::Done(n) => n.cipher,
            _ => None,
        }
    }

    /// Number of sessions (in progress or valid) on this connection.
    #[must_use]
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Whether a session on this connection has completed authentication
    /// (the driver closes connections that never do, after a deadline).
    #[must_use]
    pub fn authenticated(&self) -> bool {
        self.sessions.values().any(|s| s.info.is_some())
    }

    /// The number of SESSION_SETUPs refused for bad credentials since the
    /// last call (the driver throttles a client address that keeps
    /// failing), and resets it.
    pub fn take_logon_failures(&mut self) -> u32 {
        core::mem::take(&mut self.logon_failures)
    }

    /// Credits the client holds now (granted and not yet used).
    #[must_use]
    pub fn credits_outstanding(&self) -> u64 {
        self.window.outstanding()
    }

    pub(crate) fn negotiated(&self) -> Option<&Negotiated> {
        match &self.negotiate {
            NegotiateState::Done(n) => Some(n),
            _ => None,
        }
    }

    /// One Direct-TCP frame: the bytes after the 4-byte length prefix.
    /// `now` is the current time as a Windows FILETIME.
    ///
    /// # Errors
    /// [`Disconnect`] when the connection must be closed: an empty or
    /// unknown frame, an SMB1 message other than an SMB2-offering
    /// NEGOTIATE, a transform that does not unseal, a MessageId outside the
    /// credit window, a second NEGOTIATE, a failed VALIDATE_NEGOTIATE_INFO.
    pub fn receive(&mut self, frame: Vec<u8>, now: u64) -> Result<Batch, Disconnect> {
        match frame.first() {
            None => Err(Disconnect::new("empty frame")),
            Some(0xFF) => self.receive_smb1(&frame, now),
            Some(0xFD) => self.receive_transform(frame, now),
            Some(0xFE) => self.receive_chain(Bytes::from(frame), None, now),
            Some(0xFC) => Err(Disconnect::new(
                "compressed frame (0xFC) but no compression was negotiated",
            )),
            Some(other) => Err(Disconnect::new(format!(
                "frame starts with {other:#04x}: not SMB1 (0xFF), SMB2 (0xFE) or a transform (0xFD)"
            ))),
        }
    }

    fn receive_transform(&mut self, mut frame: Vec<u8>, now: u64) -> Result<Batch, Disconnect> {
        let header = TransformHeader::parse(&frame)
            .map_err(|e| Disconnect::new(format!("malformed transform header: {e}")))?;
        let sid = header.session_id();
        let Some(session) = self.sessions.get(&sid) else {
            return Err(Disconnect::new(format!(
                "transform header names SessionId {sid:#x}, which is not a session on this connection"
            )));
        };
        let Some(key) = session.decryption.as_ref() else {
            return Err(Disconnect::new(format!(
                "encrypted message for session {sid:#x}, which has no encryption keys \
                 (in progress, anonymous, SMB 2.x, or no cipher negotiated)"
            )));
        };
        let Some((_, body)) = frame.split_at_mut_checked(TRANSFORM_HEADER_LEN) else {
            return Err(Disconnect::new("transform frame shorter than its header"));
        };
        let copy = (body.len() <= DIAGNOSTIC_COPY_LIMIT
            && session.reverse.is_some()
            && !self.unsealed.contains(&sid))
        .then(|| body.to_vec());
        if let Err(e) = key.unseal_parsed(&header, body) {
            let reason = match e {
                UnsealError::AuthenticationFailed => {
                    let reversed = match (copy, session.reverse.as_ref()) {
                        (Some(mut c), Some(rev)) => rev.unseal_parsed(&header, &mut c).is_ok(),
                        _ => false,
                    };
                    if reversed {
                        format!(
                            "session {sid:#x}: the message decrypts with the server-to-client key: \
                             the client sealed with its decryption key instead of its encryption key"
                        )
                    } else {
                        format!(
                            "session {sid:#x}: transform tag mismatch (wrong key or cipher, or AAD not \
                             the 32 header bytes from Nonce to SessionId)"
                        )
                    }
                }
                UnsealError::SizeMismatch { declared, actual } => format!(
                    "session {sid:#x}: OriginalMessageSize {declared} but {actual} bytes follow the transform header"
                ),
                other => format!("session {sid:#x}: transform refused: {other}"),
            };
            return Err(Disconnect::new(reason));
        }
        if copy.is_some() {
            self.unsealed.insert(sid);
        }
        let mut bytes = Bytes::from(frame);
        if bytes.len() < TRANSFORM_HEADER_LEN {
            return Err(Disconnect::new("transform frame shorter than its header"));
        }
        let inner = bytes.split_off(TRANSFORM_HEADER_LEN);
        match inner.first() {
            Some(0xFE) => self.receive_chain(inner, Some(sid), now),
            Some(0xFC) => Err(Disconnect::new(
                "compressed message inside a transform but no compression was negotiated",
            )),
            _ => Err(Disconnect::new(
                "the decrypted message is not an SMB2 message (no 0xFE 'SMB')",
            )),
        }
    }

    fn receive_chain(
        &mut self,
        frame: Bytes,
        encrypted: Option<u64>,
        now: u64,
    ) -> Result<Batch, Disconnect> {
        let mut messages = Vec::new();
        for m in split_compound(&frame) {
            let m = m.map_err(|e| Disconnect::new(format!("bad compound chain: {e}")))?;
            if messages.len() >= self.config.limits.max_compound {
                return Err(Disconnect::new(format!(
                    "compound chain longer than {} messages",
                    self.config.limits.max_compound
                )));
            }
            messages.push(frame.slice_ref(m));
        }
        let chain_len = messages.len();
        let mut batch = Batch::new();
        if let Some(sid) = encrypted
            && let Some(key) = self.sessions.get(&sid).and_then(|s| s.encryption.clone())
        {
            batch.seal = Some((sid, key));
        }
        // Inheritance for related requests: SessionId, TreeId, and the
        // status of the previous request (the error cascade). `prev` holds
        // the ids of the last request whose session was found; a request
        // whose session was not found clears it, and a related request with
        // nothing to inherit is INVALID_PARAMETER (as Windows and Samba do:
        // smbtorture smb2.compound.invalid2).
        let mut prev: Option<(u64, u32)> = None;
        let mut failed: Option<NtStatus> = None;
        for (index, msg) in messages.into_iter().enumerate() {
            let mut header = Header::decode(&msg)
                .map_err(|e| Disconnect::new(format!("message {index}: bad SMB2 header: {e}")))?;
            if header.is_response() {
                return Err(Disconnect::new(
                    "a message with SERVER_TO_REDIR set: the client sent a response",
                ));
            }
            let related = header.flags.contains(HeaderFlags::RELATED_OPERATIONS);
            if let Some(sid) = encrypted
                && !related
                && header.session_id != sid
            {
                return Err(Disconnect::new(format!(
                    "encrypted message with SessionId {:#x} inside a transform for session {sid:#x} \
                     (the inner header must carry the same SessionId)",
                    header.session_id
                )));
            }
            if header.command == Command::CANCEL {
                // No MessageId, no credits, no response (MS-SMB2 3.3.5.16);
                // the driver tells the request it names.
                if let Some(target) = self.cancel_target(&header, &msg, encrypted.is_some()) {
                    batch.cancelled.push(target);
                }
                continue;
            }
            let charge = match self.negotiated() {
                Some(n) if n.large_mtu() => u64::from(header.credit_charge.max(1)),
                _ => 1,
            };
            self.window
                .consume(header.message_id, charge)
                .map_err(Disconnect::new)?;
            let credits = self.window.grant(charge, header.credits);
            if related {
                if let Some((sid, tid)) = prev {
                    header.session_id = sid;
                    if let HeaderId::Sync { tree_id, .. } = &mut header.id {
                        *tree_id = tid;
                    }
                }
            } else {
                failed = None;
            }
            let ctx = Ctx {
                msg,
                header,
                related,
                credits,
                encrypted,
                now,
                chain_len,
            };
            let (item, slot) = if related && index == 0 {
                tracing::debug!("first request of a compound has RELATED_OPERATIONS set");
                ctx.fail(NtStatus::INVALID_PARAMETER, self.verified_signer(&ctx))
            } else if related && prev.is_none() {
                tracing::debug!(
                    "related request after one whose session was not found: nothing to inherit"
                );
                ctx.fail(NtStatus::INVALID_PARAMETER, None)
            } else if let (true, Some(status)) = (related, failed) {
                ctx.fail(status, self.verified_signer(&ctx))
            } else {
                self.handle(ctx)?
            };
            let session_missing =
                matches!(&item, Item::Done(r) if r.status == NtStatus::USER_SESSION_DELETED);
            if slot.header.command == Command::SESSION_SETUP
                && slot.header.session_id != 0
                && !self.sessions.contains_key(&slot.header.session_id)
            {
                // A failed reauthentication ended the session: so are its
                // requests in flight (smb2.notify.invalid-reauth).
                let gone = self.inflight_of(slot.header.session_id, None);
                batch.closing.extend_from_slice(&gone);
                batch.cancelled.extend(gone);
            }
            match &item {
                Item::Done(_) if session_missing => failed = None,
                Item::Done(r) if r.status.is_error() => failed = Some(r.status),
                Item::Done(_) if slot.header.command == Command::LOGOFF => {
                    // Its session is gone: so are its requests.
                    let gone = self.inflight_of(slot.header.session_id, None);
                    batch.closing.extend_from_slice(&gone);
                    batch.cancelled.extend(gone);
                }
                Item::Done(_) if slot.header.command == Command::TREE_DISCONNECT => {
                    let gone = self.inflight_of(slot.header.session_id, Some(slot.tree_id));
                    batch.closing.extend_from_slice(&gone);
                    batch.cancelled.extend(gone);
                }
                Item::Pending { .. } => {
                    self.inflight.insert(
                        slot.header.message_id,
                        InFlight {
                            header: slot.header,
                            credits: slot.credits,
                            session_id: slot.session_id,
                            tree_id: slot.tree_id,
                            signer: slot.signer.clone(),
                            seal: batch.seal.clone(),
                            async_id: None,
                        },
                    );
                }
                Item::Done(_) => {}
            }
            prev = (!session_missing).then_some((slot.session_id, slot.tree_id));
            batch.push(item, slot);
        }
        Ok(batch)
    }

    /// The signer for an error the session layer decides before routing
    /// (a misplaced RELATED flag, the error cascade of a related chain): the
    /// session's, when the request is signed and its signature verifies, so
    /// a client that demands signing accepts the error (smbtorture
    /// smb2.compound.invalid1 under required signing).
    fn verified_signer(&self, ctx: &Ctx) -> Option<Arc<Signer>> {
        if ctx.encrypted.is_some() || !ctx.header.flags.contains(HeaderFlags::SIGNED) {
            return None;
        }
        let signer = self.sessions.get(&ctx.header.session_id)?.signer.clone()?;
        signer.verify(&ctx.msg).ok()?;
        Some(signer)
    }

    /// Routes one message.
    fn handle(&mut self, ctx: Ctx) -> Result<(Item, Slot), Disconnect> {
        let command = ctx.header.command;
        if command == Command::NEGOTIATE {
            return self.handle_negotiate(&ctx);
        }
        let Some(negotiated) = self.negotiated().cloned() else {
            return Err(Disconnect::new(format!(
                "{command} before NEGOTIATE completed"
            )));
        };
        if command == Command::SESSION_SETUP {
            return Ok(self.handle_session_setup(&ctx, &negotiated));
        }
        if command == Command::ECHO && ctx.header.session_id == 0 {
            return Ok(echo(&ctx, None));
        }
        let sid = ctx.header.session_id;
        let Some(session) = self.sessions.get(&sid) else {
            tracing::debug!(session = sid, %command, "unknown SessionId");
            return Ok(ctx.fail(NtStatus::USER_SESSION_DELETED, None));
        };
        let Some(info) = session.info.clone() else {
            tracing::debug!(session = sid, %command, "request on a session still being set up");
            return Ok(ctx.fail(NtStatus::USER_SESSION_DELETED, None));
        };
        // Signing (3.3.5.2.4): verify when the session signs.
        let signed = ctx.header.flags.contains(HeaderFlags::SIGNED);
        let mut signer = None;
        if ctx.encrypted.is_none()
            && let Some(s) = session.signer.clone()
            && (signed || session.signing_required)
        {
            if !signed {
                tracing::debug!(
                    session = sid, %command,
                    "unsigned request on a session that requires signing: set SMB2_FLAGS_SIGNED and sign"
                );
                return Ok(ctx.fail(NtStatus::ACCESS_DENIED, None));
            }
            if let Err(e) = s.verify(&ctx.msg) {
                tracing::debug!(
                    session = sid, %command, message_id = ctx.header.message_id, error = %e,
                    algorithm = %s.algorithm(),
                    "signature check failed: sign with the session's signing key over the whole \
                     message with the Signature field zeroed"
                );
                return Ok(ctx.fail(NtStatus::ACCESS_DENIED, None));
            }
            signer = Some(s);
        }
        // Encryption (3.3.5.2.9).
        if ctx.encrypted.is_none() && session.encrypt_data {
            tracing::debug!(
                session = sid, %command,
                "unencrypted request on a session with EncryptData: seal it in a transform"
            );
            return Ok(ctx.fail(NtStatus::ACCESS_DENIED, signer));
        }
        match command {
            Command::ECHO => return Ok(echo(&ctx, signer)),
            Command::LOGOFF => return Ok(self.handle_logoff(&ctx, signer)),
            Command::TREE_CONNECT => {
                return Ok(self.handle_tree_connect(&ctx, signer));
            }
            _ => {}
        }
        if !is_tree_command(command) {
            tracing::debug!(%command, "unknown command");
            return Ok(ctx.fail(NtStatus::INVALID_PARAMETER, signer));
        }
        let Some(tid) = ctx.header.tree_id() else {
            // Async requests only arrive for CANCEL, handled above.
            return Ok(ctx.fail(NtStatus::INVALID_PARAMETER, signer));
        };
        let Some(tree) = session.trees.get(&tid).cloned() else {
            tracing::debug!(session = sid, tree = tid, %command, "unknown TreeId");
            return Ok(ctx.fail(NtStatus::NETWORK_NAME_DELETED, signer));
        };
        if tree.encrypt && ctx.encrypted.is_none() {
            tracing::debug!(
                session = sid, tree = tid, share = %tree.share, %command,
                "unencrypted request on a share that requires encryption"
            );
            return Ok(ctx.fail(NtStatus::ACCESS_DENIED, signer));
        }
        if command == Command::TREE_DISCONNECT {
            return Ok(self.handle_tree_disconnect(&ctx, tid, signer));
        }
        if negotiated.large_mtu()
            && let Some(needed) = multi_credit_payload(command, &ctx.msg)
        {
            let units = needed.div_ceil(CREDIT_UNIT).max(1);
            if u64::from(ctx.header.credit_charge.max(1)) < units {
                tracing::debug!(
                    %command, charge = ctx.header.credit_charge, needed = units,
                    "CreditCharge too small for the payload"
                );
                return Ok(ctx.fail(NtStatus::INVALID_PARAMETER, signer));
            }
        }
        if command == Command::IOCTL
            && let Some(answer) =
                self.handle_validate_negotiate(&ctx, &negotiated, signer.clone())?
        {
            return Ok(answer);
        }
        let mut slot = ctx.slot();
        slot.signer = signer;
        let request = Request {
            header: ctx.header,
            message: ctx.msg,
            related: ctx.related,
            session: info,
            tree: Some(tree),
        };
        Ok((
            Item::Pending {
                request,
                response: None,
            },
            slot,
        ))
    }

    fn handle_logoff(&mut self, ctx: &Ctx, signer: Option<Arc<Signer>>) -> (Item, Slot) {
        if smbkit_wire::Pdu::decode(&ctx.msg)
            .map(|_: smbkit_wire::logoff::LogoffRequest| ())
            .is_err()
        {
            return ctx.fail(NtStatus::INVALID_PARAMETER, signer);
        }
        self.sessions.remove(&ctx.header.session_id);
        self.unsealed.remove(&ctx.header.session_id);
        ctx.done(NtStatus::SUCCESS, reserved_body(), signer)
    }
}

/// The 4-byte `{StructureSize = 4, Reserved}` body of LOGOFF, ECHO, … responses.
pub(crate) fn reserved_body() -> Vec<u8> {
    vec![4, 0, 0, 0]
}

fn echo(ctx: &Ctx, signer: Option<Arc<Signer>>) -> (Item, Slot) {
    let ok = smbkit_wire::Pdu::decode(&ctx.msg)
        .map(|_: smbkit_wire::echo::EchoRequest| ())
        .is_ok();
    if ok {
        ctx.done(NtStatus::SUCCESS, reserved_body(), signer)
    } else {
        ctx.fail(NtStatus::INVALID_PARAMETER, signer)
    }
}

/// Commands that run on a tree connect.
fn is_tree_command(command: Command) -> bool {
    matches!(
        command,
        Command::TREE_DISCONNECT
            | Command::CREATE
            | Command::CLOSE
            | Command::FLUSH
            | Command::READ
            | Command::WRITE
            | Command::LOCK
            | Command::IOCTL
            | Command::QUERY_DIRECTORY
            | Command::CHANGE_NOTIFY
            | Command::QUERY_INFO
            | Command::SET_INFO
            | Command::OPLOCK_BREAK
    )
}

fn u32_at(msg: &[u8], offset: usize) -> Option<u64> {
    let end = offset.checked_add(4)?;
    let bytes: [u8; 4] = msg.get(offset..end)?.try_into().ok()?;
    Some(u64::from(u32::from_le_bytes(bytes)))
}

/// The payload size a multi-credit request moves (MS-SMB2 3.3.5.2.5), read
/// from the body by offset; `None` for other commands or short bodies
/// (the body decoder reports those).
fn multi_credit_payload(command: Command, msg: &[u8]) -> Option<u64> {
    const BODY: usize = 64;
    match command {
        // READ Length / WRITE Length at body offset 4.
        Command::READ | Command::WRITE => u32_at(msg, BODY.checked_add(4)?),
        // IOCTL: max(InputCount + OutputCount, MaxInputResponse + MaxOutputResponse).
        Command::IOCTL => {
            let input = u32_at(msg, BODY.checked_add(28)?)?;
            let max_input = u32_at(msg, BODY.checked_add(32)?)?;
            let output = u32_at(msg, BODY.checked_add(40)?)?;
            let max_output = u32_at(msg, BODY.checked_add(44)?)?;
            Some(
                input
                    .saturating_add(output)
                    .max(max_input.saturating_add(max_output)),
            )
        }
        // QUERY_DIRECTORY OutputBufferLength / QUERY_INFO OutputBufferLength.
        Command::QUERY_DIRECTORY => u32_at(msg, BODY.checked_add(28)?),
        Command::QUERY_INFO => u32_at(msg, BODY.checked_add(4)?),
        _ => None,
    }
}
