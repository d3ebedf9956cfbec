//! TREE_CONNECT, TREE_DISCONNECT (MS-SMB2 3.3.5.7, 3.3.5.8) and
//! FSCTL_VALIDATE_NEGOTIATE_INFO (3.3.5.15.12).

use std::sync::Arc;

use smbkit_sign::Signer;
use smbkit_wire::fsctl::{
    VALIDATE_NEGOTIATE_INFO, ValidateNegotiateInfoRequest, ValidateNegotiateInfoResponse,
};
use smbkit_wire::ioctl::{IoctlRequest, IoctlResponse};
use smbkit_wire::tree_connect::{TreeConnectRequest, TreeConnectResponse, share_flags, share_type};
use smbkit_wire::{Guid, NtStatus, Pdu};

use crate::batch::{Disconnect, Item, Slot, TreeInfo};
use crate::config::Dialect;
use crate::connection::{Connection, Ctx, Negotiated, reserved_body};

/// The name of the pipe share.
pub const IPC_SHARE: &str = "IPC$";

/// MaximalAccess granted on a tree: full access (FILE_ALL_ACCESS); the
/// file system decides per file.
const MAXIMAL_ACCESS: u32 = 0x001F_01FF;

/// The share name of a TREE_CONNECT path `\\server\share` (the server part
/// is ignored; a bare `share` is accepted too).
pub(crate) fn share_of(path: &str) -> &str {
    path.trim_start_matches('\\')
        .rsplit('\\')
        .next()
        .unwrap_or_default()
}

impl Connection {
    pub(crate) fn handle_tree_connect(
        &mut self,
        ctx: &Ctx,
        signer: Option<Arc<Signer>>,
    ) -> (Item, Slot) {
        let path = match TreeConnectRequest::decode(&ctx.msg).and_then(|r| r.path_string()) {
            Ok(p) => p,
            Err(e) => {
                tracing::debug!(error = %e, "malformed TREE_CONNECT");
                return ctx.fail(e.status(), signer);
            }
        };
        let name = share_of(&path);
        let sid = ctx.header.session_id;
        let (user, anonymous) = self
            .sessions
            .get(&sid)
            .and_then(|s| s.info.as_ref())
            .map(|i| (i.user.clone(), i.anonymous))
            .unwrap_or_default();
        // A session a user made anonymous by reauthenticating keeps its
        // trees, but connects no new one unless anonymous access is on.
        if anonymous && !self.config.guest {
            tracing::debug!(%name, "anonymous sessions are off; tree connect refused");
            return ctx.fail(NtStatus::ACCESS_DENIED, signer);
        }
        let (share, ipc, encrypt) = if name.eq_ignore_ascii_case(IPC_SHARE) {
            (IPC_SHARE.to_owned(), true, false)
        } else if let Some(s) = self
            .config
            .shares
            .iter()
            .find(|s| s.name.to_lowercase() == name.to_lowercase())
        {
            if !s.admits(&user) {
                tracing::debug!(share = %s.name, %user, "the share's user list does not name this user");
                return ctx.fail(NtStatus::ACCESS_DENIED, signer);
            }
            (s.name.clone(), false, s.encrypt)
        } else {
            tracing::debug!(%path, "no such share");
            return ctx.fail(NtStatus::BAD_NETWORK_NAME, signer);
        };
        // MS-SMB2 3.3.5.7: a share that requires encryption refuses a
        // session that cannot encrypt (SMB 2.x, a client without the
        // capability, a guest) rather than serving it in the clear
        // (RejectUnencryptedAccess, which we always apply).
        let Some(session) = self.sessions.get_mut(&sid) else {
            return ctx.fail(NtStatus::USER_SESSION_DELETED, signer);
        };
        if encrypt && !session.can_encrypt() {
            tracing::debug!(%share, "share requires encryption and this session cannot encrypt");
            return ctx.fail(NtStatus::ACCESS_DENIED, signer);
        }
        if session.trees.len() >= self.config.limits.max_trees {
            tracing::debug!(
                max = self.config.limits.max_trees,
                "too many tree connects on this session"
            );
            return ctx.fail(NtStatus::INSUFFICIENT_RESOURCES, signer);
        }
        let Some(tid) = session.allocate_tree_id() else {
            return ctx.fail(NtStatus::INSUFFICIENT_RESOURCES, signer);
        };
        let mut flags = if ipc {
            share_flags::NO_CACHING
        } else {
            share_flags::MANUAL_CACHING
        };
        if encrypt {
            flags |= share_flags::ENCRYPT_DATA;
        }
        let body = TreeConnectResponse {
            share_type: if ipc {
                share_type::PIPE
            } else {
                share_type::DISK
            },
            share_flags: flags,
            capabilities: 0,
            maximal_access: MAXIMAL_ACCESS,
        }
        .encode_body_to_vec();
        let Ok(body) = body else {
            return ctx.fail(NtStatus::INTERNAL_ERROR, signer);
        };
        session.trees.insert(
            tid,
            Arc::new(TreeInfo {
                id: tid,
                share,
                ipc,
                encrypt,
            }),
        );
        let (item, mut slot) = ctx.done(NtStatus::SUCCESS, body, signer);
        slot.tree_id = tid;
        (item, slot)
    }

    pub(crate) fn handle_tree_disconnect(
        &mut self,
        ctx: &Ctx,
        tid: u32,
        signer: Option<Arc<Signer>>,
    ) -> (Item, Slot) {
        let ok = smbkit_wire::tree_disconnect::TreeDisconnectRequest::decode(&ctx.msg).is_ok();
        if !ok {
            return ctx.fail(NtStatus::INVALID_PARAMETER, signer);
        }
        if let Some(s) = self.sessions.get_mut(&ctx.header.session_id) {
            s.trees.remove(&tid);
        }
        ctx.done(NtStatus::SUCCESS, reserved_body(), signer)
    }

    /// FSCTL_VALIDATE_NEGOTIATE_INFO; `None` for any other IOCTL.
    pub(crate) fn handle_validate_negotiate(
        &mut self,
        ctx: &Ctx,
        negotiated: &Negotiated,
        signer: Option<Arc<Signer>>,
    ) -> Result<Option<(Item, Slot)>, Disconnect> {
        let req = match IoctlRequest::decode(&ctx.msg) {
            Ok(r) => r,
            // Malformed IOCTLs go to dispatch, which reports them.
            Err(_) => return Ok(None),
        };
        if req.ctl_code != VALIDATE_NEGOTIATE_INFO {
            return Ok(None);
        }
        if negotiated.dialect == Dialect::Smb311 {
            return Err(Disconnect::new(
                "VALIDATE_NEGOTIATE_INFO on a 3.1.1 connection (3.1.1 relies on preauth integrity; \
                 MS-SMB2 3.3.5.15.12 terminates the connection)",
            ));
        }
        if usize::try_from(req.max_output_response).unwrap_or(usize::MAX)
            < ValidateNegotiateInfoResponse::LEN
        {
            return Err(Disconnect::new(
                "VALIDATE_NEGOTIATE_INFO with MaxOutputResponse below 24",
            ));
        }
        let info = ValidateNegotiateInfoRequest::decode(req.input).map_err(|e| {
            Disconnect::new(format!("malformed VALIDATE_NEGOTIATE_INFO input: {e}"))
        })?;
        let offered = info.dialects.to_vec();
        if offered != negotiated.client_dialects {
            return Err(Disconnect::new(format!(
                "VALIDATE_NEGOTIATE_INFO dialects {offered:04x?} differ from the NEGOTIATE's {:04x?}",
                negotiated.client_dialects
            )));
        }
        let config = &self.config;
        let best = Dialect::ALL
            .iter()
            .rev()
            .copied()
            .filter(|d| *d >= config.min_dialect && *d <= config.max_dialect)
            .find(|d| offered.contains(&d.id()));
        if best != Some(negotiated.dialect) {
            return Err(Disconnect::new(
                "VALIDATE_NEGOTIATE_INFO: the dialects give another dialect than negotiated",
            ));
        }
        if info.guid.0 != negotiated.client_guid {
            return Err(Disconnect::new(
                "VALIDATE_NEGOTIATE_INFO: ClientGuid differs from the NEGOTIATE's",
            ));
        }
        if info.security_mode != negotiated.client_security_mode {
            return Err(Disconnect::new(
                "VALIDATE_NEGOTIATE_INFO: SecurityMode differs from the NEGOTIATE's",
            ));
        }
        if info.capabilities != negotiated.client_capabilities {
            return Err(Disconnect::new(
                "VALIDATE_NEGOTIATE_INFO: Capabilities differ from the NEGOTIATE's",
            ));
        }
        let output = ValidateNegotiateInfoResponse {
            capabilities: negotiated.server_capabilities,
            guid: Guid(config.server_guid),
            security_mode: negotiated.server_security_mode,
            dialect: negotiated.dialect.id(),
        }
        .to_bytes();
        let body = IoctlResponse::answering(&req, &output)
            .encode_body_to_vec()
            .map_err(|e| Disconnect::new(format!("internal: IOCTL response: {e}")))?;
        Ok(Some(ctx.done(NtStatus::SUCCESS, body, signer)))
    }
}

#[cfg(test)]
mod tests {
    use super::share_of;

    #[test]
    fn share_names() {
        assert_eq!(share_of("\\\\server\\Data"), "Data");
        assert_eq!(share_of("\\\\10.0.0.1\\IPC$"), "IPC$");
        assert_eq!(share_of("data"), "data");
        assert_eq!(share_of(""), "");
    }
}
