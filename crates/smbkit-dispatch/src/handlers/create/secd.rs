//! `SecD` (MS-SMB2 2.2.13.2.2): the security descriptor a new object gets,
//! and the access a stored descriptor leaves on an existing one.

use smbkit_vfs::{Handle, SmbPath, Vfs};
use smbkit_wire::NtStatus;
use smbkit_wire::create::access;
use smbkit_wire::create::context::CreateContext;

use super::super::security::sd::{DACL_PRESENT, Token};
use super::super::security::{Sd, directory_granted, may_add, stored_at};

/// FILE_DELETE_CHILD.
const DELETE_CHILD: u32 = 0x0000_0040;
/// FILE_LIST_DIRECTORY.
const LIST_DIRECTORY: u32 = 0x0000_0001;

/// The descriptor of a `SecD` context among `contexts`, parsed (a malformed
/// one fails the CREATE with STATUS_INVALID_SECURITY_DESCR, an owner
/// outside the token with STATUS_INVALID_OWNER).
pub(super) fn requested(
    contexts: &[CreateContext<'_>],
    token: Token,
) -> Result<Option<Sd>, NtStatus> {
    contexts
        .iter()
        .find(|c| c.is(smbkit_wire::create::context::name::SD_BUFFER))
        .map(|c| {
            let sd = Sd::parse(&c.data)?;
            sd.check_owner(token)?;
            Ok(sd)
        })
        .transpose()
}

/// What the descriptors let `token` do on the existing object at `path`,
/// whose stored descriptor is `stored`, within `share_max`: its own DACL, DELETE when the parent
/// directory grants FILE_DELETE_CHILD and FILE_READ_ATTRIBUTES when it
/// grants FILE_LIST_DIRECTORY (MS-FSA 2.1.5.1.2.1). An object without a
/// stored descriptor has the synthesized one, which grants a user
/// `share_max` and ANONYMOUS LOGON nothing.
pub(super) async fn existing_max<V: Vfs>(
    vfs: &V,
    path: &SmbPath,
    stored: Option<Sd>,
    share_max: u32,
    token: Token,
) -> u32 {
    let sd = match stored {
        Some(sd) => sd,
        None if token == Token::User => return share_max,
        None => Sd::synthesized(false),
    };
    let mut max = sd.granted(token) & share_max;
    if max & (access::DELETE | access::FILE_READ_ATTRIBUTES)
        != (access::DELETE | access::FILE_READ_ATTRIBUTES)
    {
        // The parent's DELETE_CHILD grants DELETE, its LIST_DIRECTORY
        // grants FILE_READ_ATTRIBUTES (the share root has no parent).
        let parent = match path.parent() {
            Some(parent) => directory_granted(vfs, &parent, token).await,
            None => 0,
        };
        if parent & DELETE_CHILD != 0 {
            max |= access::DELETE & share_max;
        }
        if parent & LIST_DIRECTORY != 0 {
            max |= access::FILE_READ_ATTRIBUTES & share_max;
        }
    }
    max
}

/// What `token` may do on a new object at `path`, within `share_max`: a
/// user anything; ANONYMOUS LOGON only where the parent directory grants it
/// FILE_ADD_FILE (or FILE_ADD_SUBDIRECTORY for a directory).
pub(super) async fn new_max<V: Vfs>(
    vfs: &V,
    path: &SmbPath,
    share_max: u32,
    token: Token,
    is_dir: bool,
) -> u32 {
    if may_add(vfs, path, token, is_dir).await {
        share_max
    } else {
        0
    }
}

/// Stores the descriptor of a newly created object: the client's (`SecD`,
/// missing owner and group filled from the synthesized one), else what it
/// inherits from its parent's stored descriptor, else nothing.
pub(super) async fn store_new<V: Vfs>(
    vfs: &V,
    path: &SmbPath,
    handle: Handle,
    is_dir: bool,
    requested: Option<Sd>,
) -> Result<(), NtStatus> {
    let inherited = match path.parent() {
        Some(parent) => stored_at(vfs, &parent)
            .await
            .and_then(|p| p.inherit(is_dir)),
        None => None,
    };
    let sd = match requested {
        Some(mut sd) => {
            let base = inherited.unwrap_or_else(|| Sd::synthesized(is_dir));
            if sd.control & DACL_PRESENT == 0 {
                // No DACL given: the inherited (or default) one.
                sd.control |= base.control & DACL_PRESENT;
                sd.dacl = base.dacl;
            }
            if sd.owner.is_none() {
                sd.owner = base.owner;
            }
            if sd.group.is_none() {
                sd.group = base.group;
            }
            sd.map_generic_aces();
            Some(sd)
        }
        None => inherited,
    };
    match sd {
        Some(sd) => vfs
            .set_security(handle, Some(sd.encode(0xF)))
            .await
            .map_err(|e| e.status()),
        None => Ok(()),
    }
}
