//! Access and share modes, and the conflict rule between two opens.

/// The parts of an open's granted access that take part in share-mode
/// checks (MS-FSA 2.1.5.1.2): reading data (or executing), writing data
/// (or appending), deleting.
///
/// An open that asks for none of them (only attributes, say) never
/// conflicts with anything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Access {
    /// Read or execute the data.
    pub read: bool,
    /// Write or append to the data.
    pub write: bool,
    /// Delete or rename the object.
    pub delete: bool,
}

impl Access {
    /// No data access.
    pub const NONE: Access = Access {
        read: false,
        write: false,
        delete: false,
    };

    /// Whether no data access is asked for.
    #[must_use]
    pub fn is_none(self) -> bool {
        !(self.read || self.write || self.delete)
    }
}

/// What an open lets later (and earlier) opens of the same file do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ShareMode {
    /// Others may read.
    pub read: bool,
    /// Others may write.
    pub write: bool,
    /// Others may delete or rename.
    pub delete: bool,
}

impl ShareMode {
    /// Share everything.
    pub const ALL: ShareMode = ShareMode {
        read: true,
        write: true,
        delete: true,
    };
    /// Share nothing.
    pub const NONE: ShareMode = ShareMode {
        read: false,
        write: false,
        delete: false,
    };
}

/// Whether an open with `new_access`/`new_share` conflicts with an existing
/// open holding `old_access`/`old_share`: in either direction, an access the
/// other open does not share. As in MS-FSA 2.1.5.1.2, an open without any
/// data access (neither side) takes no part in the check.
#[must_use]
pub fn conflicts(
    old_access: Access,
    old_share: ShareMode,
    new_access: Access,
    new_share: ShareMode,
) -> bool {
    if old_access.is_none() || new_access.is_none() {
        return false;
    }
    let denied_by_old = (new_access.read && !old_share.read)
        || (new_access.write && !old_share.write)
        || (new_access.delete && !old_share.delete);
    let denied_by_new = (old_access.read && !new_share.read)
        || (old_access.write && !new_share.write)
        || (old_access.delete && !new_share.delete);
    denied_by_old || denied_by_new
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(bits: u8) -> Access {
        Access {
            read: bits & 1 != 0,
            write: bits & 2 != 0,
            delete: bits & 4 != 0,
        }
    }

    fn share(bits: u8) -> ShareMode {
        ShareMode {
            read: bits & 1 != 0,
            write: bits & 2 != 0,
            delete: bits & 4 != 0,
        }
    }

    /// The whole 8×8×8×8 matrix against the rule written out per bit: an
    /// access bit of one side must be present in the share bits of the other.
    #[test]
    fn conflict_matrix() {
        let mut conflicting = 0;
        for oa in 0..8u8 {
            for os in 0..8u8 {
                for na in 0..8u8 {
                    for ns in 0..8u8 {
                        let expected = oa != 0 && na != 0 && ((na & !os) != 0 || (oa & !ns) != 0);
                        let got = conflicts(access(oa), share(os), access(na), share(ns));
                        assert_eq!(got, expected, "old {oa}/{os} new {na}/{ns}");
                        conflicting += usize::from(got);
                    }
                }
            }
        }
        // Sanity: neither everything nor nothing conflicts.
        assert!(conflicting > 0 && conflicting < 4096);
    }

    #[test]
    fn named_cases() {
        let r = Access {
            read: true,
            ..Access::NONE
        };
        let w = Access {
            write: true,
            ..Access::NONE
        };
        let d = Access {
            delete: true,
            ..Access::NONE
        };
        let share_read = ShareMode {
            read: true,
            ..ShareMode::NONE
        };
        // Two readers sharing read.
        assert!(!conflicts(r, share_read, r, share_read));
        // A writer after a reader that shares only read.
        assert!(conflicts(r, share_read, w, ShareMode::ALL));
        // A reader that shares nothing after a reader that shares all.
        assert!(conflicts(r, ShareMode::ALL, r, ShareMode::NONE));
        // Delete needs FILE_SHARE_DELETE from the other side.
        assert!(conflicts(r, share_read, d, ShareMode::ALL));
        assert!(!conflicts(
            r,
            ShareMode {
                delete: true,
                ..share_read
            },
            d,
            ShareMode::ALL
        ));
        // Attribute-only opens never conflict.
        assert!(!conflicts(
            Access::NONE,
            ShareMode::NONE,
            Access::NONE,
            ShareMode::NONE
        ));
        assert!(!conflicts(
            r,
            ShareMode::NONE,
            Access::NONE,
            ShareMode::NONE
        ));
        assert!(!conflicts(
            Access::NONE,
            ShareMode::NONE,
            w,
            ShareMode::NONE
        ));
    }
}
