//! Access masks: generic mapping, the maximal access of a share, and the
//! parts that take part in share modes.

use smbkit_state::{Access, ShareMode};
use smbkit_wire::create::{access, share_access};

/// FILE_GENERIC_READ (MS-SMB2 2.2.13.1.1, MS-DTYP 2.4.3 generic mapping for
/// files): READ_CONTROL | SYNCHRONIZE | FILE_READ_DATA | FILE_READ_EA |
/// FILE_READ_ATTRIBUTES.
pub(crate) const FILE_GENERIC_READ: u32 = 0x0012_0089;
/// FILE_GENERIC_WRITE: READ_CONTROL | SYNCHRONIZE | FILE_WRITE_DATA |
/// FILE_APPEND_DATA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES.
pub(crate) const FILE_GENERIC_WRITE: u32 = 0x0012_0116;
/// FILE_GENERIC_EXECUTE: READ_CONTROL | SYNCHRONIZE | FILE_EXECUTE |
/// FILE_READ_ATTRIBUTES.
pub(crate) const FILE_GENERIC_EXECUTE: u32 = 0x0012_00A0;

/// Replaces the GENERIC_* bits by what they mean for a file.
pub(crate) fn map_generic(desired: u32) -> u32 {
    let mut mask = desired
        & !(access::GENERIC_READ
            | access::GENERIC_WRITE
            | access::GENERIC_EXECUTE
            | access::GENERIC_ALL);
    if desired & access::GENERIC_READ != 0 {
        mask |= FILE_GENERIC_READ;
    }
    if desired & access::GENERIC_WRITE != 0 {
        mask |= FILE_GENERIC_WRITE;
    }
    if desired & access::GENERIC_EXECUTE != 0 {
        mask |= FILE_GENERIC_EXECUTE;
    }
    if desired & access::GENERIC_ALL != 0 {
        mask |= access::FILE_ALL_ACCESS;
    }
    mask
}

/// What anyone may do on a share: everything, or only reading on a
/// read-only share. (No per-user ACLs yet: the security descriptor we
/// report grants Everyone full access, and this is its truth.)
pub(crate) fn maximal(read_only: bool) -> u32 {
    if read_only {
        FILE_GENERIC_READ | FILE_GENERIC_EXECUTE
    } else {
        access::FILE_ALL_ACCESS
    }
}

/// The access granted for `desired` on a share with `maximal` access, or
/// None when something asked for is not allowed (ACCESS_DENIED).
/// MAXIMUM_ALLOWED grants `maximal`.
pub(crate) fn grant(desired: u32, maximal: u32) -> Option<u32> {
    let mapped = map_generic(desired);
    let asked = mapped & !(access::MAXIMUM_ALLOWED);
    if asked & !maximal != 0 {
        return None;
    }
    if mapped & access::MAXIMUM_ALLOWED != 0 {
        Some(asked | maximal)
    } else {
        Some(asked)
    }
}

/// The data access that takes part in share-mode checks.
pub(crate) fn state_access(granted: u32) -> Access {
    Access {
        read: granted & (access::FILE_READ_DATA | access::FILE_EXECUTE) != 0,
        write: granted & (access::FILE_WRITE_DATA | access::FILE_APPEND_DATA) != 0,
        delete: granted & access::DELETE != 0,
    }
}

/// The ShareAccess field as a share mode.
pub(crate) fn share_mode(share: u32) -> ShareMode {
    ShareMode {
        read: share & share_access::READ != 0,
        write: share & share_access::WRITE != 0,
        delete: share & share_access::DELETE != 0,
    }
}

/// May read data.
pub(crate) fn can_read(granted: u32) -> bool {
    granted & (access::FILE_READ_DATA | access::FILE_EXECUTE) != 0
}

/// May write data.
pub(crate) fn can_write(granted: u32) -> bool {
    granted & (access::FILE_WRITE_DATA | access::FILE_APPEND_DATA) != 0
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn generic_mapping_and_grant() {
        assert_eq!(map_generic(access::GENERIC_READ), FILE_GENERIC_READ);
        assert_eq!(
            map_generic(access::GENERIC_ALL | access::GENERIC_READ),
            access::FILE_ALL_ACCESS
        );
        let ro = maximal(true);
        assert_eq!(grant(access::GENERIC_READ, ro), Some(FILE_GENERIC_READ));
        assert_eq!(grant(access::GENERIC_WRITE, ro), None);
        assert_eq!(grant(access::DELETE, ro), None);
        assert_eq!(grant(access::MAXIMUM_ALLOWED, ro), Some(ro));
        assert_eq!(
            grant(
                access::MAXIMUM_ALLOWED | access::FILE_READ_ATTRIBUTES,
                maximal(false)
            ),
            Some(access::FILE_ALL_ACCESS)
        );
        assert!(state_access(access::FILE_READ_ATTRIBUTES).is_none());
        assert!(state_access(access::DELETE).delete);
    }
}
