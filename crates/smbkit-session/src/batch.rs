//! What [`Connection::receive`](crate::Connection::receive) hands out and
//! [`Connection::respond`](crate::Connection::respond) takes back.

use std::sync::Arc;

use bytes::Bytes;
use smbkit_seal::EncryptionKey;
use smbkit_sign::Signer;
use smbkit_wire::{Header, NtStatus};

use crate::config::Dialect;

/// Why the connection must be closed. The driver logs `reason` and closes
/// this connection only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("disconnect: {reason}")]
pub struct Disconnect {
    /// One line saying what the peer did wrong.
    pub reason: String,
}

impl Disconnect {
    pub(crate) fn new(reason: impl Into<String>) -> Disconnect {
        let reason = reason.into();
        tracing::debug!(%reason, "dropping the connection");
        Disconnect { reason }
    }
}

/// An authenticated session, as dispatch sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// SessionId.
    pub id: u64,
    /// The user name as authenticated (empty for anonymous).
    pub user: String,
    /// The domain name the client gave.
    pub domain: String,
    /// Anonymous (null) session.
    pub anonymous: bool,
    /// Whether an anonymous session acts as a guest, with a signed-in
    /// user's rights (guest access is configured), rather than with only
    /// the rights granted to ANONYMOUS LOGON (a user's session made
    /// anonymous by reauthentication while guest access is off).
    pub guest: bool,
    /// The connection's dialect.
    pub dialect: Dialect,
    /// The ClientGuid of the connection's NEGOTIATE (leases are per
    /// client, MS-SMB2 3.3.1.4).
    pub client_guid: [u8; 16],
}

/// A tree connect, as dispatch sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeInfo {
    /// TreeId.
    pub id: u32,
    /// The share name as configured (`IPC$` for the pipe share).
    pub share: String,
    /// Whether this is the IPC$ pipe share.
    pub ipc: bool,
    /// Whether traffic on this tree is encrypted (Share.EncryptData).
    pub encrypt: bool,
}

/// One request for the dispatch layer, already decrypted and verified.
#[derive(Debug, Clone)]
pub struct Request {
    /// The decoded header; for a related request SessionId and TreeId are
    /// the inherited ones.
    pub header: Header,
    /// The whole SMB2 message (header and body), as received.
    pub message: Bytes,
    /// SMB2_FLAGS_RELATED_OPERATIONS: part of a related compound chain.
    pub related: bool,
    /// The session the request runs in.
    pub session: Arc<SessionInfo>,
    /// The tree, for tree-bound commands.
    pub tree: Option<Arc<TreeInfo>>,
}

/// A response: status and the body after the 64-byte header. An empty body
/// is replaced by the 9-byte ERROR body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The NTSTATUS of the response header.
    pub status: NtStatus,
    /// The body after the header.
    pub body: Bytes,
}

impl Response {
    /// A response with this status and body.
    #[must_use]
    pub fn new(status: NtStatus, body: impl Into<Bytes>) -> Response {
        Response {
            status,
            body: body.into(),
        }
    }

    /// An error response (the 9-byte ERROR body is added on the way out).
    #[must_use]
    pub fn error(status: NtStatus) -> Response {
        Response {
            status,
            body: Bytes::new(),
        }
    }
}

/// One message of a received frame.
#[derive(Debug)]
#[non_exhaustive]
pub enum Item {
    /// Answered by the session layer (NEGOTIATE, SESSION_SETUP, LOGOFF,
    /// TREE_CONNECT, TREE_DISCONNECT, ECHO, VALIDATE_NEGOTIATE_INFO and every
    /// error it decides).
    Done(Response),
    /// For the dispatch layer: it sets `response`. Left `None`, the
    /// session answers STATUS_NOT_SUPPORTED.
    Pending {
        /// The request.
        request: Request,
        /// The dispatch layer's answer.
        response: Option<Response>,
    },
}

/// Where a message goes into a preauth integrity chain once it is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Preauth {
    None,
    Connection,
    Session(u64),
}

/// How to answer one item (kept with the batch, out of dispatch's reach).
#[derive(Debug)]
pub(crate) struct Slot {
    /// The request header (with inherited ids); the response copies it.
    pub header: Header,
    /// Credits granted in this response.
    pub credits: u16,
    /// SessionId for the response header (the new id after SESSION_SETUP).
    pub session_id: u64,
    /// TreeId for the response header (the new id after TREE_CONNECT).
    pub tree_id: u32,
    /// Sign with this signer (None: unsigned).
    pub signer: Option<Arc<Signer>>,
    /// Feed the encoded response into a preauth chain.
    pub preauth: Preauth,
}

/// The messages of one received frame and how to answer them.
///
/// The driver runs dispatch over the `Pending` items in order and hands the
/// batch back to [`Connection::respond`](crate::Connection::respond). Items
/// must not be added, removed or reordered. Several batches of one
/// connection may be in flight at once and answered in any order.
#[derive(Debug)]
pub struct Batch {
    /// The items, one per request that gets an answer (CANCEL gets none).
    pub items: Vec<Item>,
    /// MessageIds of requests of earlier batches, still in flight, that
    /// this frame cancels: named by a CANCEL (by MessageId, or by AsyncId
    /// once they went async), or taken away by a LOGOFF of their session or
    /// a TREE_DISCONNECT of their tree. The driver tells their handlers;
    /// they answer (typically STATUS_CANCELLED) through their own batch.
    /// A CANCEL that names nothing in flight is not listed.
    pub cancelled: Vec<u64>,
    /// Of [`cancelled`](Self::cancelled), those taken away by a LOGOFF or
    /// TREE_DISCONNECT (their opens are closing, which some commands
    /// answer differently from a CANCEL: CHANGE_NOTIFY's
    /// STATUS_NOTIFY_CLEANUP).
    pub closing: Vec<u64>,
    pub(crate) slots: Vec<Slot>,
    /// Seal the whole answer for this session with this key.
    pub(crate) seal: Option<(u64, Arc<EncryptionKey>)>,
}

impl Batch {
    pub(crate) fn new() -> Batch {
        Batch {
            items: Vec::new(),
            cancelled: Vec::new(),
            closing: Vec::new(),
            slots: Vec::new(),
            seal: None,
        }
    }

    pub(crate) fn push(&mut self, item: Item, slot: Slot) {
        self.items.push(item);
        self.slots.push(slot);
    }

    /// Whether the answer will be encrypted.
    #[must_use]
    pub fn is_encrypted(&self) -> bool {
        self.seal.is_some()
    }

    /// Whether nothing is to be answered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Splits off the first `at` items into a batch of their own, leaving
    /// the rest in `self`; both are answered through
    /// [`Connection::respond`](crate::Connection::respond), the front one
    /// first. For a compound chain whose last request goes async: the
    /// answers before it go out at once, as one compound, and the last
    /// request's final answer follows alone (MS-SMB2 3.3.4.2; Windows and
    /// Samba do the same). `at` beyond the length takes everything.
    pub fn take_front(&mut self, at: usize) -> Batch {
        let at = at.min(self.items.len()).min(self.slots.len());
        let rest_items = self.items.split_off(at);
        let rest_slots = self.slots.split_off(at);
        Batch {
            items: core::mem::replace(&mut self.items, rest_items),
            cancelled: Vec::new(),
            closing: Vec::new(),
            slots: core::mem::replace(&mut self.slots, rest_slots),
            seal: self.seal.clone(),
        }
    }

    /// Whether some item waits for the dispatch layer.
    #[must_use]
    pub fn has_pending(&self) -> bool {
        self.items.iter().any(|i| matches!(i, Item::Pending { .. }))
    }
}
