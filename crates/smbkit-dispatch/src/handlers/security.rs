//! QUERY_INFO for security descriptors (MS-SMB2 3.3.5.20.3, MS-DTYP
//! 2.4.6): a minimal self-relative descriptor, the blocks in canonical
//! order (owner, group, DACL) and only those asked for.
//!
//! There are no per-user ACLs yet, so the descriptor says what the server
//! enforces: owner BUILTIN\Administrators, group BUILTIN\Users, and a DACL
//! with one ACE granting Everyone (S-1-1-0) FILE_ALL_ACCESS (a read-only
//! share is read-only for everyone, whatever the ACL says). SACLs are never
//! returned. A buffer too small for the whole descriptor is
//! STATUS_BUFFER_TOO_SMALL with the needed size as error data, never a
//! partial descriptor.

use smbkit_session::Dialect;
use smbkit_wire::NtStatus;
use smbkit_wire::query_info::{QueryInfoRequest, security_information};

use super::Answer;
use super::query_info::output_response;
use crate::files::OpenRef;
use crate::{Call, Response};

/// READ_CONTROL.
const READ_CONTROL: u32 = 0x0002_0000;
/// SE_SELF_RELATIVE | SE_DACL_PRESENT | SE_DACL_AUTO_INHERITED.
const CONTROL_WITH_DACL: u16 = 0x8000 | 0x0004 | 0x0400;
/// SE_SELF_RELATIVE.
const CONTROL: u16 = 0x8000;

/// A SID: revision 1, authority, sub-authorities (MS-DTYP 2.4.2.2).
fn sid(authority: u8, subs: &[u32]) -> Vec<u8> {
    let mut v = vec![
        1,
        u8::try_from(subs.len()).unwrap_or(0),
        0,
        0,
        0,
        0,
        0,
        authority,
    ];
    for s in subs {
        v.extend_from_slice(&s.to_le_bytes());
    }
    v
}

/// The DACL: revision 2, one ACCESS_ALLOWED ACE for Everyone. Directories
/// get OBJECT_INHERIT | CONTAINER_INHERIT on the ACE.
fn dacl(is_dir: bool) -> Vec<u8> {
    let everyone = sid(1, &[0]);
    let ace_len = 8usize.saturating_add(everyone.len());
    let acl_len = 8usize.saturating_add(ace_len);
    let mut v = Vec::with_capacity(acl_len);
    v.extend_from_slice(&[2, 0]);
    v.extend_from_slice(&u16::try_from(acl_len).unwrap_or(0).to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // AceCount
    v.extend_from_slice(&[0, 0]);
    v.push(0); // ACCESS_ALLOWED_ACE_TYPE
    v.push(if is_dir { 0x03 } else { 0 });
    v.extend_from_slice(&u16::try_from(ace_len).unwrap_or(0).to_le_bytes());
    v.extend_from_slice(&0x001F_01FFu32.to_le_bytes());
    v.extend_from_slice(&everyone);
    v
}

/// The self-relative descriptor with the parts `wanted` asks for.
pub(crate) fn descriptor(wanted: u32, is_dir: bool) -> Vec<u8> {
    let mut blocks: Vec<(usize, Vec<u8>)> = Vec::new();
    if wanted & security_information::OWNER != 0 {
        blocks.push((4, sid(5, &[32, 544])));
    }
    if wanted & security_information::GROUP != 0 {
        blocks.push((8, sid(5, &[32, 545])));
    }
    let with_dacl = wanted & security_information::DACL != 0;
    if with_dacl {
        blocks.push((16, dacl(is_dir)));
    }
    let mut sd = vec![0u8; 20];
    if let Some(head) = sd.get_mut(..4) {
        head.copy_from_slice(&[1, 0, 0, 0]);
    }
    let control = if with_dacl {
        CONTROL_WITH_DACL
    } else {
        CONTROL
    };
    if let Some(field) = sd.get_mut(2..4) {
        field.copy_from_slice(&control.to_le_bytes());
    }
    for (field, block) in blocks {
        let offset = u32::try_from(sd.len()).unwrap_or(0);
        if let Some(slot) = sd.get_mut(field..field.saturating_add(4)) {
            slot.copy_from_slice(&offset.to_le_bytes());
        }
        sd.extend_from_slice(&block);
    }
    sd
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

pub(crate) fn answer(call: &Call, open: &OpenRef, req: &QueryInfoRequest<'_>) -> Answer {
    if open.data.granted & READ_CONTROL == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let sd = descriptor(req.additional_information, open.data.is_dir);
    let needed = u32::try_from(sd.len()).unwrap_or(u32::MAX);
    if req.output_buffer_length < needed {
        return Ok(too_small(needed, call.request.session.dialect));
    }
    output_response(&sd, NtStatus::SUCCESS)
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
