//! The way out: a batch's answer ([`Connection::respond`]), the interim
//! STATUS_PENDING answer of a request that goes async
//! ([`Connection::interim`]), and messages the server sends unasked
//! ([`Connection::notification`]).

use std::sync::Arc;

use smbkit_seal::{EncryptionKey, TRANSFORM_HEADER_LEN};
use smbkit_sign::Signer;
use smbkit_wire::{Command, Header, HeaderFlags, HeaderId, NtStatus, Writer};

use crate::batch::{Batch, Disconnect, Item, Preauth, Response};
use crate::connection::{Connection, ERROR_BODY};

/// The MessageId of a message the server sends unasked (MS-SMB2 2.2.23).
pub const NOTIFICATION_MESSAGE_ID: u64 = u64::MAX;

impl Connection {
    /// Finishes a batch: fills in what dispatch left open, applies the
    /// error cascade of related compounds, grants credits, signs each
    /// message, joins the chain, seals it when the request was sealed, and
    /// returns the frame with its 4-byte Direct-TCP length prefix (`None`
    /// when nothing is to be sent).
    ///
    /// A request that went async ([`interim`](Self::interim) was called for
    /// it) is answered in the ASYNC header form with its AsyncId, granting
    /// no credits: its interim response granted them (MS-SMB2 3.3.4.4).
    ///
    /// # Errors
    /// [`Disconnect`] if the batch was altered (items added or removed), or
    /// the answer cannot be encoded, signed or sealed.
    pub fn respond(&mut self, batch: Batch) -> Result<Option<Vec<u8>>, Disconnect> {
        let Batch {
            items, slots, seal, ..
        } = batch;
        if items.len() != slots.len() {
            return Err(Disconnect::new(
                "internal: batch items were added or removed before respond",
            ));
        }
        // The batch is answered now: whatever happens below, its requests
        // are no longer in flight.
        let mut async_ids = Vec::with_capacity(slots.len());
        for slot in &slots {
            let async_id = self
                .inflight
                .remove(&slot.header.message_id)
                .and_then(|f| f.async_id);
            async_ids.push(async_id);
        }
        if items.is_empty() {
            return Ok(None);
        }
        let mut out = frame_start(seal.is_some());
        let count = items.len();
        // MS-SMB2 3.3.5.2.7.2: related operations take their FileId from the
        // CREATE before them; when that CREATE failed, they fail with its
        // status. Other errors in a chain do not cascade (a CLOSE after a
        // QUERY_DIRECTORY that found nothing still closes, and says so).
        let mut failed_create: Option<NtStatus> = None;
        for (index, ((item, slot), async_id)) in
            items.into_iter().zip(slots).zip(async_ids).enumerate()
        {
            let related = slot.header.flags.contains(HeaderFlags::RELATED_OPERATIONS);
            let mut response = match item {
                Item::Done(r) => r,
                Item::Pending {
                    response: Some(r), ..
                } => r,
                Item::Pending {
                    request,
                    response: None,
                } => {
                    tracing::debug!(command = %request.header.command, "dispatch left no response");
                    Response::error(NtStatus::NOT_SUPPORTED)
                }
            };
            if related
                && let Some(status) = failed_create
                && response.status != status
            {
                response = Response::error(status);
            }
            if slot.header.command == Command::CREATE {
                failed_create = Some(response.status).filter(|s| s.is_error());
            }
            let sign = if seal.is_none() {
                slot.signer.as_ref()
            } else {
                None
            };
            let mut flags = HeaderFlags::SERVER_TO_REDIR;
            if related {
                flags = flags.with(HeaderFlags::RELATED_OPERATIONS);
            }
            if sign.is_some() {
                flags = flags.with(HeaderFlags::SIGNED);
            } else if seal.is_none()
                && (response.status == NtStatus::USER_SESSION_DELETED
                    || response.status == NtStatus::INVALID_PARAMETER
                        && !self.sessions.contains_key(&slot.session_id))
                && slot.header.flags.contains(HeaderFlags::SIGNED)
            {
                // A signed request for a session we do not have (or, in a
                // related chain, none to inherit): there is no key to sign
                // with, but the client expects the SIGNED flag back; the zero
                // signature tells it the answer is unsigned (Samba's client
                // and server both work this way; smb2.compound.invalid2).
                flags = flags.with(HeaderFlags::SIGNED);
            }
            let (id, credits) = match (async_id, slot.header.id) {
                (Some(async_id), _) => (HeaderId::Async { async_id }, 0),
                (None, HeaderId::Sync { process_id, .. }) => (
                    HeaderId::Sync {
                        process_id,
                        tree_id: slot.tree_id,
                    },
                    slot.credits,
                ),
                (None, async_form) => (async_form, slot.credits),
            };
            let start = out.len();
            let header = Header {
                credit_charge: slot.header.credit_charge,
                status: response.status,
                command: slot.header.command,
                credits,
                flags,
                next_command: 0,
                message_id: slot.header.message_id,
                id,
                session_id: slot.session_id,
                signature: [0; 16],
            };
            header.encode(&mut Writer::new(&mut out));
            if response.body.is_empty() {
                out.extend_from_slice(&ERROR_BODY);
            } else {
                out.extend_from_slice(&response.body);
            }
            if index.saturating_add(1) < count {
                smbkit_wire::header::chain_next(&mut out, start)
                    .map_err(|e| Disconnect::new(format!("internal: chaining: {e}")))?;
            } else if count > 1 {
                // The last response of a compound is padded to 8 bytes too,
                // as Windows and Samba do (smbtorture
                // smb2.compound.compound-padding checks the READ body size).
                while !out.len().saturating_sub(start).is_multiple_of(8) {
                    out.push(0);
                }
            }
            let Some(message) = out.get_mut(start..) else {
                return Err(Disconnect::new("internal: response buffer"));
            };
            match slot.preauth {
                Preauth::None => {}
                Preauth::Connection => self.preauth.update(message),
                Preauth::Session(id) => {
                    if let Some(s) = self.sessions.get_mut(&id) {
                        s.preauth.update(message);
                    }
                }
            }
            if let Some(signer) = sign {
                signer
                    .sign(message)
                    .map_err(|e| Disconnect::new(format!("internal: signing: {e}")))?;
            }
        }
        frame_finish(out, seal.as_ref()).map(Some)
    }

    /// The interim response (MS-SMB2 3.3.4.2) of the in-flight request
    /// `message_id`, which is going async: STATUS_PENDING,
    /// SMB2_FLAGS_ASYNC_COMMAND with a fresh nonzero AsyncId, the credits
    /// granted for the request, signed and sealed as its final response
    /// will be. From now on a CANCEL may name the request by that AsyncId,
    /// and [`respond`](Self::respond) answers it in the async form.
    ///
    /// In a compound chain the interim goes out alone, for that one
    /// request; the whole chain is answered together when it completes.
    ///
    /// `Ok(None)` (send nothing) when the request is not in flight (already
    /// answered, or never dispatched) or already went async: calling it
    /// twice is harmless.
    ///
    /// # Errors
    /// [`Disconnect`] when the message cannot be signed or sealed.
    pub fn interim(&mut self, message_id: u64) -> Result<Option<Vec<u8>>, Disconnect> {
        let async_id = self.next_async_id();
        let Some(flight) = self.inflight.get_mut(&message_id) else {
            return Ok(None);
        };
        if flight.async_id.is_some() {
            return Ok(None);
        }
        flight.async_id = Some(async_id);
        let sign = if flight.seal.is_none() {
            flight.signer.clone()
        } else {
            None
        };
        let mut flags = HeaderFlags::SERVER_TO_REDIR;
        if sign.is_some() {
            flags = flags.with(HeaderFlags::SIGNED);
        }
        let header = Header {
            credit_charge: flight.header.credit_charge,
            status: NtStatus::PENDING,
            command: flight.header.command,
            credits: flight.credits,
            flags,
            next_command: 0,
            message_id,
            id: HeaderId::Async { async_id },
            session_id: flight.session_id,
            signature: [0; 16],
        };
        let seal = flight.seal.clone();
        single_message(&header, &ERROR_BODY, sign.as_deref(), seal.as_ref()).map(Some)
    }

    /// A message the server sends unasked (MS-SMB2 3.3.4.6, 3.3.4.7): an
    /// oplock or lease break notification. MessageId
    /// 0xFFFFFFFFFFFFFFFF, SessionId and TreeId 0, no credits, never
    /// signed. It is sealed with the encryption key of session
    /// `session_id` when that session encrypts all its traffic, or when
    /// `encrypt` says the open's tree does; `session_id` 0 (or a session
    /// without keys) sends it in the clear.
    ///
    /// # Errors
    /// [`Disconnect`] when the message cannot be sealed, or sealing is
    /// asked for a session that has no encryption key.
    pub fn notification(
        &self,
        session_id: u64,
        command: Command,
        body: &[u8],
        encrypt: bool,
    ) -> Result<Vec<u8>, Disconnect> {
        let session = self.sessions.get(&session_id);
        let wants_seal = encrypt || session.is_some_and(|s| s.encrypt_data);
        let seal = match session.and_then(|s| s.encryption.clone()) {
            Some(key) if wants_seal => Some((session_id, key)),
            None if wants_seal => {
                return Err(Disconnect::new(format!(
                    "internal: a sealed notification for session {session_id:#x}, which has no \
                     encryption key"
                )));
            }
            _ => None,
        };
        let header = Header {
            credit_charge: 0,
            status: NtStatus::SUCCESS,
            command,
            credits: 0,
            flags: HeaderFlags::SERVER_TO_REDIR,
            next_command: 0,
            message_id: NOTIFICATION_MESSAGE_ID,
            id: HeaderId::Sync {
                process_id: 0,
                tree_id: 0,
            },
            session_id: 0,
            signature: [0; 16],
        };
        single_message(&header, body, None, seal.as_ref())
    }

    /// The next AsyncId: counted from 1, never 0.
    fn next_async_id(&mut self) -> u64 {
        self.async_ids = self.async_ids.checked_add(1).unwrap_or(1);
        self.async_ids
    }
}

/// A frame buffer: room for the length prefix and, when sealing, the
/// transform header.
fn frame_start(sealed: bool) -> Vec<u8> {
    let mut out = vec![0u8; 4];
    if sealed {
        out.resize(4usize.saturating_add(TRANSFORM_HEADER_LEN), 0);
    }
    out
}

/// One message as a whole frame: header and body, signed or sealed.
fn single_message(
    header: &Header,
    body: &[u8],
    sign: Option<&Signer>,
    seal: Option<&(u64, Arc<EncryptionKey>)>,
) -> Result<Vec<u8>, Disconnect> {
    let mut out = frame_start(seal.is_some());
    let start = out.len();
    header.encode(&mut Writer::new(&mut out));
    if body.is_empty() {
        out.extend_from_slice(&ERROR_BODY);
    } else {
        out.extend_from_slice(body);
    }
    if let Some(signer) = sign {
        let Some(message) = out.get_mut(start..) else {
            return Err(Disconnect::new("internal: response buffer"));
        };
        signer
            .sign(message)
            .map_err(|e| Disconnect::new(format!("internal: signing: {e}")))?;
    }
    frame_finish(out, seal)
}

/// Seals the frame when asked and writes the Direct-TCP length prefix.
fn frame_finish(
    mut out: Vec<u8>,
    seal: Option<&(u64, Arc<EncryptionKey>)>,
) -> Result<Vec<u8>, Disconnect> {
    if let Some((sid, key)) = seal {
        let sealed = out
            .get_mut(4..)
            .and_then(|m| m.split_at_mut_checked(TRANSFORM_HEADER_LEN));
        let Some((header, message)) = sealed else {
            return Err(Disconnect::new("internal: transform buffer"));
        };
        key.seal_in_place(*sid, header, message)
            .map_err(|e| Disconnect::new(format!("sealing the response: {e}")))?;
    }
    let len = out.len().saturating_sub(4);
    let prefix = u32::try_from(len)
        .ok()
        .filter(|l| *l <= 0x00FF_FFFF)
        .ok_or_else(|| Disconnect::new("response larger than a Direct-TCP frame"))?;
    if let Some(p) = out.get_mut(..4) {
        p.copy_from_slice(&prefix.to_be_bytes());
    }
    Ok(out)
}
