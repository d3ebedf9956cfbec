//! Requests handed to dispatch and not yet answered: what an interim
//! response needs, their AsyncIds, and which of them a CANCEL names
//! (MS-SMB2 3.3.1.10 Connection.RequestList / AsyncCommandList, 3.3.5.16).

use std::sync::Arc;

use bytes::Bytes;
use smbkit_seal::EncryptionKey;
use smbkit_sign::Signer;
use smbkit_wire::{Header, HeaderFlags};

use crate::connection::Connection;

/// One request in flight, keyed by its MessageId in `Connection::inflight`.
#[derive(Debug)]
pub(crate) struct InFlight {
    /// The request header (with inherited ids).
    pub header: Header,
    /// Credits granted for it: the interim response carries them.
    pub credits: u16,
    /// SessionId of the answer.
    pub session_id: u64,
    /// TreeId it runs on.
    pub tree_id: u32,
    /// Signs its answers (None: unsigned).
    pub signer: Option<Arc<Signer>>,
    /// Seals its answers (the request came sealed).
    pub seal: Option<(u64, Arc<EncryptionKey>)>,
    /// Set once it went async.
    pub async_id: Option<u64>,
}

impl Connection {
    /// Requests handed to dispatch and not yet answered through
    /// [`respond`](Self::respond).
    #[must_use]
    pub fn requests_in_flight(&self) -> usize {
        self.inflight.len()
    }

    /// The MessageId of the in-flight request a CANCEL names: by AsyncId
    /// when the CANCEL has the async header form, else by MessageId. `None`
    /// (the CANCEL is ignored) when nothing in flight matches, or when the
    /// CANCEL is signed and its signature does not verify.
    pub(crate) fn cancel_target(
        &self,
        header: &Header,
        msg: &Bytes,
        encrypted: bool,
    ) -> Option<u64> {
        let target = match header.async_id() {
            Some(async_id) => self
                .inflight
                .iter()
                .find(|(_, f)| f.async_id == Some(async_id))
                .map(|(mid, _)| *mid)?,
            None => Some(header.message_id).filter(|m| self.inflight.contains_key(m))?,
        };
        if !encrypted && header.flags.contains(HeaderFlags::SIGNED) {
            let signer = self
                .sessions
                .get(&header.session_id)
                .and_then(|s| s.signer.as_ref())?;
            if let Err(e) = signer.verify(msg) {
                tracing::debug!(error = %e, "CANCEL with a bad signature: ignored");
                return None;
            }
        }
        Some(target)
    }

    /// The in-flight requests of session `session_id` (and of tree
    /// `tree_id`, when given), which its LOGOFF or TREE_DISCONNECT cancels.
    pub(crate) fn inflight_of(&self, session_id: u64, tree_id: Option<u32>) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .inflight
            .iter()
            .filter(|(_, f)| f.session_id == session_id && tree_id.is_none_or(|t| f.tree_id == t))
            .map(|(mid, _)| *mid)
            .collect();
        ids.sort_unstable();
        ids
    }
}
