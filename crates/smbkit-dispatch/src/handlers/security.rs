//! Security descriptors: QUERY_INFO and SET_INFO of the SECURITY class
//! (MS-SMB2 3.3.5.20.3 and 3.3.5.21.3), the `SecD` create context, and the
//! access a stored descriptor grants ([`sd`] holds the codec and the
//! evaluation).
//!
//! An object with no stored descriptor reports a synthesized one: owner
//! BUILTIN\Administrators, group BUILTIN\Users, a DACL granting Everyone
//! FILE_ALL_ACCESS. A descriptor a client sets (SET_INFO, or `SecD` at
//! creation) is merged part by part into the current one and stored whole
//! through [`Vfs::set_security`]; a new object in a directory whose DACL
//! has inheritable ACEs stores the inherited descriptor. Every user has
//! the same token (Everyone, Authenticated Users, BUILTIN\Users,
//! BUILTIN\Administrators): there are no per-user identities yet; a
//! session made anonymous by reauthentication has ANONYMOUS LOGON alone
//! ([`sd::Token`]). SACLs
//! need ACCESS_SYSTEM_SECURITY, which is never granted (no privileges), so
//! asking for one is ACCESS_DENIED. A buffer too small for the whole
//! descriptor is STATUS_BUFFER_TOO_SMALL with the needed size as error
//! data, never a partial descriptor.

mod inherit;
pub(crate) mod sd;

use smbkit_session::Dialect;
use smbkit_vfs::{Handle, SmbPath, Vfs};
use smbkit_wire::NtStatus;
use smbkit_wire::query_info::{QueryInfoRequest, security_information};

use super::Answer;
use super::query_info::output_response;
use crate::files::{FileServer, OpenRef};
use crate::{Call, Response};
pub(crate) use sd::Sd;
use sd::Token;

/// READ_CONTROL.
const READ_CONTROL: u32 = 0x0002_0000;
/// WRITE_DAC.
const WRITE_DAC: u32 = 0x0004_0000;
/// WRITE_OWNER.
const WRITE_OWNER: u32 = 0x0008_0000;
/// ACCESS_SYSTEM_SECURITY.
const ACCESS_SYSTEM_SECURITY: u32 = 0x0100_0000;

/// The self-relative synthesized descriptor with the parts `wanted` asks
/// for.
#[cfg(test)]
pub(crate) fn descriptor(wanted: u32, is_dir: bool) -> Vec<u8> {
    Sd::synthesized(is_dir).encode(wanted)
}

/// The stored descriptor of an open object, else the synthesized one.
pub(crate) async fn current<V: Vfs>(vfs: &V, handle: Handle, is_dir: bool) -> Sd {
    match vfs.security(handle).await {
        Ok(Some(bytes)) => Sd::parse(&bytes).unwrap_or_else(|_| Sd::synthesized(is_dir)),
        _ => Sd::synthesized(is_dir),
    }
}

/// The stored descriptor of `path`, if there is one (and it parses).
pub(crate) async fn stored_at<V: Vfs>(vfs: &V, path: &SmbPath) -> Option<Sd> {
    match vfs.security_at(path).await {
        Ok(Some(bytes)) => Sd::parse(&bytes).ok(),
        _ => None,
    }
}

/// FILE_ADD_FILE.
const ADD_FILE: u32 = 0x0000_0002;
/// FILE_ADD_SUBDIRECTORY.
const ADD_SUBDIRECTORY: u32 = 0x0000_0004;

/// The access a directory's stored (else synthesized) descriptor grants
/// `token`.
pub(crate) async fn directory_granted<V: Vfs>(vfs: &V, dir: &SmbPath, token: Token) -> u32 {
    stored_at(vfs, dir)
        .await
        .unwrap_or_else(|| Sd::synthesized(true))
        .granted(token)
}

/// Whether `token` may add the name `path` to its directory: create it, or
/// rename something to it (MS-FSA 2.1.5.1.2 and 2.1.5.14.11, where the
/// target directory is opened with the caller's own token, not the
/// handle's). A user may (the share decides); ANONYMOUS LOGON only where
/// the directory's stored (else synthesized) descriptor grants it
/// FILE_ADD_FILE, or FILE_ADD_SUBDIRECTORY for a directory.
pub(crate) async fn may_add<V: Vfs>(vfs: &V, path: &SmbPath, token: Token, is_dir: bool) -> bool {
    if token == Token::User {
        return true;
    }
    let need = if is_dir { ADD_SUBDIRECTORY } else { ADD_FILE };
    match path.parent() {
        Some(parent) => directory_granted(vfs, &parent, token).await & need != 0,
        None => false,
    }
}

/// The ERROR body carrying the needed buffer size (MS-SMB2 2.2.2, and
/// 2.2.2.1 on 3.1.1).
fn too_small(needed: u32, dialect: Dialect) -> Response {
    let mut body = Vec::with_capacity(20);
    body.extend_from_slice(&9u16.to_le_bytes());
    if dialect == Dialect::Smb311 {
        body.push(1); // ErrorContextCount
        body.push(0);
        body.extend_from_slice(&12u32.to_le_bytes());
        body.extend_from_slice(&4u32.to_le_bytes()); // ErrorDataLength
        body.extend_from_slice(&0u32.to_le_bytes()); // ErrorId
    } else {
        body.push(0);
        body.push(0);
        body.extend_from_slice(&4u32.to_le_bytes());
    }
    body.extend_from_slice(&needed.to_le_bytes());
    Response::new(NtStatus::BUFFER_TOO_SMALL, body)
}

pub(crate) async fn answer<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    open: &OpenRef,
    req: &QueryInfoRequest<'_>,
) -> Answer {
    let wanted = req.additional_information;
    if open.data.granted & READ_CONTROL == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    if wanted & security_information::SACL != 0 && open.data.granted & ACCESS_SYSTEM_SECURITY == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let share = server.share_of(open)?;
    let sd = current(share.vfs.as_ref(), open.data.handle, open.data.is_dir)
        .await
        .encode(wanted);
    let needed = u32::try_from(sd.len()).unwrap_or(u32::MAX);
    if req.output_buffer_length < needed {
        return Ok(too_small(needed, call.request.session.dialect));
    }
    output_response(&sd, NtStatus::SUCCESS)
}

/// SET_INFO of the SECURITY class: `which` (AdditionalInformation) names
/// the parts of `buffer` to take; the merged descriptor is stored.
pub(crate) async fn set<V: Vfs>(
    server: &FileServer<V>,
    open: &OpenRef,
    token: sd::Token,
    which: u32,
    buffer: &[u8],
) -> Result<(), NtStatus> {
    let granted = open.data.granted;
    let need = |bit: u32, mask: u32| which & bit == 0 || granted & mask != 0;
    if !need(
        security_information::OWNER | security_information::GROUP,
        WRITE_OWNER,
    ) || !need(security_information::DACL, WRITE_DAC)
        || !need(security_information::SACL, ACCESS_SYSTEM_SECURITY)
    {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let new = Sd::parse(buffer)?;
    if which & security_information::OWNER != 0 {
        new.check_owner(token)?;
    }
    let share = server.share_of(open)?;
    let vfs = share.vfs.as_ref();
    let mut sd = current(vfs, open.data.handle, open.data.is_dir).await;
    sd.merge(&new, which);
    sd.map_generic_aces();
    vfs.set_security(open.data.handle, Some(sd.encode(0xF)))
        .await
        .map_err(|e| e.status())
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn canonical_order_and_offsets() {
        let sd = descriptor(0x7, false);
        // Header: revision 1, control SR|DP|DACL_AUTO_INHERITED.
        assert_eq!(&sd[..4], &[1, 0, 0x04, 0x84]);
        let off = |i: usize| u32::from_le_bytes(sd[i..i + 4].try_into().unwrap()) as usize;
        let (owner, group, sacl, dacl) = (off(4), off(8), off(12), off(16));
        assert_eq!((owner, sacl), (20, 0));
        // S-1-5-32-544 is 16 bytes, S-1-5-32-545 too, then the DACL.
        assert_eq!(group, 36);
        assert_eq!(dacl, 52);
        assert_eq!(
            &sd[owner..owner + 16],
            &[1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0]
        );
        // ACL: rev 2, size 28, one ACE: allowed, mask 0x1F01FF, S-1-1-0.
        assert_eq!(&sd[dacl..dacl + 8], &[2, 0, 28, 0, 1, 0, 0, 0]);
        assert_eq!(
            &sd[dacl + 8..],
            &[
                0, 0, 20, 0, 0xFF, 0x01, 0x1F, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0
            ]
        );
        assert_eq!(sd.len(), 80);
        // Only the DACL.
        let only = descriptor(security_information::DACL, true);
        assert_eq!(&only[4..16], &[0; 12]);
        assert_eq!(off_of(&only, 16), 20);
        assert_eq!(only[20 + 9], 0x03);
        // Nothing asked: a bare 20-byte header, SE_SELF_RELATIVE.
        assert_eq!(
            descriptor(0, false),
            vec![
                1, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            ]
        );
    }

    fn off_of(sd: &[u8], i: usize) -> usize {
        u32::from_le_bytes(sd[i..i + 4].try_into().unwrap()) as usize
    }

    #[test]
    fn buffer_too_small_carries_the_size() {
        let r = too_small(80, Dialect::Smb302);
        assert_eq!(r.status, NtStatus::BUFFER_TOO_SMALL);
        assert_eq!(&r.body[..], &[9, 0, 0, 0, 4, 0, 0, 0, 80, 0, 0, 0]);
        let r = too_small(80, Dialect::Smb311);
        assert_eq!(
            &r.body[..],
            &[9, 0, 1, 0, 12, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 80, 0, 0, 0]
        );
    }
}
