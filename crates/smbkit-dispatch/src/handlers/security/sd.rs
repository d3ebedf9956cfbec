//! Self-relative security descriptors (MS-DTYP 2.4.6): parse, merge,
//! encode in canonical order (owner, group, SACL, DACL), evaluate a DACL
//! for the one token every smbkit user has, and inherit ACEs to a new
//! object (MS-DTYP 2.5.3.4, reduced to what a file server needs).

use smbkit_wire::NtStatus;
use smbkit_wire::query_info::security_information as si;

use super::super::access::map_generic;

/// STATUS_INVALID_OWNER (MS-ERREF 2.3.1).
pub(crate) const INVALID_OWNER: NtStatus = NtStatus(0xC000_005A);
/// STATUS_INVALID_SECURITY_DESCR (MS-ERREF 2.3.1).
pub(crate) const INVALID_SECURITY_DESCR: NtStatus = NtStatus(0xC000_0079);

/// SE_DACL_PRESENT.
pub(crate) const DACL_PRESENT: u16 = 0x0004;
/// SE_SACL_PRESENT.
const SACL_PRESENT: u16 = 0x0010;
/// SE_DACL_AUTO_INHERITED.
pub(super) const DACL_AUTO_INHERITED: u16 = 0x0400;
/// SE_SELF_RELATIVE.
pub(super) const SELF_RELATIVE: u16 = 0x8000;
/// SE_DACL_AUTO_INHERIT_REQ.
const DACL_AUTO_INHERIT_REQ: u16 = 0x0100;
/// SE_SACL_AUTO_INHERIT_REQ.
const SACL_AUTO_INHERIT_REQ: u16 = 0x0200;
/// SE_SACL_AUTO_INHERITED.
const SACL_AUTO_INHERITED: u16 = 0x0800;
/// The control bits that describe the DACL: DACL_PRESENT, DACL_DEFAULTED,
/// DACL_AUTO_INHERIT_REQ, DACL_AUTO_INHERITED, DACL_PROTECTED.
const DACL_BITS: u16 = 0x0004 | 0x0008 | 0x0100 | 0x0400 | 0x1000;
/// The control bits that describe the SACL.
const SACL_BITS: u16 = 0x0010 | 0x0020 | 0x0200 | 0x0800 | 0x2000;

/// ACE flags (MS-DTYP 2.4.4.1).
pub(super) const OBJECT_INHERIT: u8 = 0x01;
pub(super) const CONTAINER_INHERIT: u8 = 0x02;
pub(super) const NO_PROPAGATE_INHERIT: u8 = 0x04;
pub(super) const INHERIT_ONLY: u8 = 0x08;
pub(super) const INHERITED: u8 = 0x10;

/// READ_CONTROL | WRITE_DAC: what an owner may always do.
const OWNER_RIGHTS: u32 = 0x0002_0000 | 0x0004_0000;
/// FILE_ALL_ACCESS.
pub(crate) const FILE_ALL_ACCESS: u32 = 0x001F_01FF;

/// A SID in its binary form (MS-DTYP 2.4.2.2).
pub(crate) fn sid(authority: u8, subs: &[u32]) -> Vec<u8> {
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

/// Whose rights a request carries (the SIDs of its token). smbkit has no
/// per-user identities yet: every signed-in user, and a guest, is
/// Everyone, Authenticated Users, BUILTIN\Users and BUILTIN\Administrators
/// (the owner of the default descriptor). A user's session made anonymous
/// by reauthentication while guest access is off is ANONYMOUS LOGON
/// (S-1-5-7) alone: as on Windows by default, Everyone does not include
/// it, so it may do only what a descriptor grants S-1-5-7 by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token {
    /// A signed-in user or a guest.
    User,
    /// ANONYMOUS LOGON only.
    Anonymous,
}

impl Token {
    /// The token of a session.
    pub(crate) fn of(session: &smbkit_session::SessionInfo) -> Token {
        if session.anonymous && !session.guest {
            Token::Anonymous
        } else {
            Token::User
        }
    }

    /// Whether the token holds the binary SID `s`.
    pub(crate) fn has(self, s: &[u8]) -> bool {
        match self {
            Token::User => [
                sid(1, &[0]),
                sid(5, &[11]),
                sid(5, &[32, 544]),
                sid(5, &[32, 545]),
            ]
            .iter()
            .any(|t| t.as_slice() == s),
            Token::Anonymous => sid(5, &[7]).as_slice() == s,
        }
    }
}

/// The length of the SID at the start of `b`, checked.
fn sid_len(b: &[u8]) -> Option<usize> {
    let count = usize::from(*b.get(1)?);
    if *b.first()? != 1 || count > 15 {
        return None;
    }
    let len = 8usize.checked_add(count.checked_mul(4)?)?;
    (b.len() >= len).then_some(len)
}

/// One ACE, borrowed from an ACL.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ace<'a> {
    pub(super) kind: u8,
    pub(super) flags: u8,
    /// The whole ACE (header included).
    pub(super) bytes: &'a [u8],
}

impl Ace<'_> {
    /// Mask and SID of an ACCESS_ALLOWED / ACCESS_DENIED ACE.
    pub(super) fn mask_sid(&self) -> Option<(u32, &[u8])> {
        let mask = u32::from_le_bytes(self.bytes.get(4..8)?.try_into().ok()?);
        let rest = self.bytes.get(8..)?;
        let len = sid_len(rest)?;
        Some((mask, rest.get(..len)?))
    }
}

/// The ACEs of a binary ACL, or None when it is malformed.
pub(super) fn aces(acl: &[u8]) -> Option<Vec<Ace<'_>>> {
    let size = usize::from(u16::from_le_bytes(acl.get(2..4)?.try_into().ok()?));
    let count = u16::from_le_bytes(acl.get(4..6)?.try_into().ok()?);
    if size < 8 || size > acl.len() {
        return None;
    }
    let mut rest = acl.get(8..size)?;
    let mut out = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let kind = *rest.first()?;
        let flags = *rest.get(1)?;
        let len = usize::from(u16::from_le_bytes(rest.get(2..4)?.try_into().ok()?));
        if len < 4 {
            return None;
        }
        let (bytes, tail) = rest.split_at_checked(len)?;
        out.push(Ace { kind, flags, bytes });
        rest = tail;
    }
    Some(out)
}

/// A binary ACL (revision 2) from whole ACEs.
pub(super) fn acl_from(aces: &[Vec<u8>]) -> Vec<u8> {
    let body: usize = aces.iter().map(Vec::len).sum();
    let size = 8usize.saturating_add(body);
    let mut v = Vec::with_capacity(size);
    v.extend_from_slice(&[2, 0]);
    v.extend_from_slice(&u16::try_from(size).unwrap_or(u16::MAX).to_le_bytes());
    v.extend_from_slice(&u16::try_from(aces.len()).unwrap_or(0).to_le_bytes());
    v.extend_from_slice(&[0, 0]);
    for a in aces {
        v.extend_from_slice(a);
    }
    v
}

/// A security descriptor, its parts owned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Sd {
    /// The Control field (SE_SELF_RELATIVE is set on encoding).
    pub control: u16,
    pub owner: Option<Vec<u8>>,
    pub group: Option<Vec<u8>>,
    /// The SACL bytes (present only with SE_SACL_PRESENT).
    pub sacl: Option<Vec<u8>>,
    /// The DACL bytes; with SE_DACL_PRESENT and `None`, a NULL DACL.
    pub dacl: Option<Vec<u8>>,
}

impl Sd {
    /// The descriptor smbkit reports for an object without a stored one:
    /// owner BUILTIN\Administrators, group BUILTIN\Users, a DACL with one
    /// ACE granting Everyone FILE_ALL_ACCESS (inheritable on directories).
    pub(crate) fn synthesized(is_dir: bool) -> Sd {
        let mut ace = vec![0, if is_dir { 0x03 } else { 0 }, 20, 0];
        ace.extend_from_slice(&FILE_ALL_ACCESS.to_le_bytes());
        ace.extend_from_slice(&sid(1, &[0]));
        Sd {
            control: SELF_RELATIVE | DACL_PRESENT | DACL_AUTO_INHERITED,
            owner: Some(sid(5, &[32, 544])),
            group: Some(sid(5, &[32, 545])),
            sacl: None,
            dacl: Some(acl_from(&[ace])),
        }
    }

    /// Parses a self-relative descriptor; every offset and length is
    /// checked. Malformed input is STATUS_INVALID_SECURITY_DESCR.
    pub(crate) fn parse(b: &[u8]) -> Result<Sd, NtStatus> {
        let bad = INVALID_SECURITY_DESCR;
        let u32_at = |i: usize| -> Result<usize, NtStatus> {
            let v = u32::from_le_bytes(
                b.get(i..i.saturating_add(4))
                    .and_then(|s| s.try_into().ok())
                    .ok_or(bad)?,
            );
            usize::try_from(v).map_err(|_| bad)
        };
        if b.first() != Some(&1) || b.len() < 20 {
            return Err(bad);
        }
        let control = u16::from_le_bytes(b.get(2..4).and_then(|s| s.try_into().ok()).ok_or(bad)?);
        let part = |offset: usize, acl: bool| -> Result<Option<Vec<u8>>, NtStatus> {
            if offset == 0 {
                return Ok(None);
            }
            let rest = b.get(offset..).ok_or(bad)?;
            let len = if acl {
                aces(rest).ok_or(bad)?;
                usize::from(u16::from_le_bytes(
                    rest.get(2..4).and_then(|s| s.try_into().ok()).ok_or(bad)?,
                ))
            } else {
                sid_len(rest).ok_or(bad)?
            };
            Ok(Some(rest.get(..len).ok_or(bad)?.to_vec()))
        };
        let owner = part(u32_at(4)?, false)?;
        let group = part(u32_at(8)?, false)?;
        let sacl = if control & SACL_PRESENT != 0 {
            part(u32_at(12)?, true)?
        } else {
            None
        };
        let dacl = if control & DACL_PRESENT != 0 {
            part(u32_at(16)?, true)?
        } else {
            None
        };
        Ok(Sd {
            control,
            owner,
            group,
            sacl,
            dacl,
        })
    }

    /// Replaces GENERIC_* rights in the effective ACEs of the DACL by the
    /// file rights they stand for, as Windows stores them (inherit-only
    /// ACEs keep theirs: they apply to objects not yet created).
    pub(crate) fn map_generic_aces(&mut self) {
        let Some(dacl) = self.dacl.as_deref() else {
            return;
        };
        let Some(list) = aces(dacl) else {
            return;
        };
        let mapped: Vec<Vec<u8>> = list
            .iter()
            .map(|ace| {
                let mut bytes = ace.bytes.to_vec();
                if matches!(ace.kind, 0 | 1)
                    && ace.flags & INHERIT_ONLY == 0
                    && let Some((mask, _)) = ace.mask_sid()
                    && let Some(slot) = bytes.get_mut(4..8)
                {
                    slot.copy_from_slice(&map_generic(mask).to_le_bytes());
                }
                bytes
            })
            .collect();
        self.dacl = Some(acl_from(&mapped));
    }

    /// Refuses an owner outside the session's token: taking ownership for
    /// someone else needs a privilege (SeRestorePrivilege) nobody holds
    /// here (MS-DTYP 2.5.3.4, STATUS_INVALID_OWNER).
    pub(crate) fn check_owner(&self, token: Token) -> Result<(), NtStatus> {
        match &self.owner {
            Some(owner) if !token.has(owner) => Err(INVALID_OWNER),
            _ => Ok(()),
        }
    }

    /// Whether a DACL is present and NULL (everyone may do everything).
    #[cfg(test)]
    pub(crate) fn null_dacl(&self) -> bool {
        self.control & DACL_PRESENT != 0 && self.dacl.is_none()
    }

    /// Replaces the parts `which` names by those of `new` (SET_INFO).
    pub(crate) fn merge(&mut self, new: &Sd, which: u32) {
        if which & si::OWNER != 0 && new.owner.is_some() {
            self.owner.clone_from(&new.owner);
        }
        if which & si::GROUP != 0 && new.group.is_some() {
            self.group.clone_from(&new.group);
        }
        if which & si::DACL != 0 {
            self.dacl.clone_from(&new.dacl);
            // Setting "no DACL" leaves a NULL DACL (everyone, everything).
            let bits = set_bits(
                new.control & DACL_BITS,
                DACL_AUTO_INHERIT_REQ,
                DACL_AUTO_INHERITED,
            );
            self.control = (self.control & !DACL_BITS) | bits | DACL_PRESENT;
        }
        if which & si::SACL != 0 {
            self.sacl.clone_from(&new.sacl);
            let bits = set_bits(
                new.control & SACL_BITS,
                SACL_AUTO_INHERIT_REQ,
                SACL_AUTO_INHERITED,
            );
            self.control = (self.control & !SACL_BITS) | bits;
        }
    }

    /// The self-relative bytes with the parts `wanted` asks for, blocks in
    /// canonical order: owner, group, SACL, DACL.
    pub(crate) fn encode(&self, wanted: u32) -> Vec<u8> {
        let mut control = self.control | SELF_RELATIVE;
        if wanted & si::DACL == 0 {
            control &= !DACL_BITS;
        }
        if wanted & si::SACL == 0 {
            control &= !SACL_BITS;
        }
        let mut sd = vec![1, 0];
        sd.extend_from_slice(&control.to_le_bytes());
        sd.extend_from_slice(&[0; 16]);
        let blocks = [
            (4usize, si::OWNER, &self.owner),
            (8, si::GROUP, &self.group),
            (12, si::SACL, &self.sacl),
            (16, si::DACL, &self.dacl),
        ];
        for (field, bit, block) in blocks {
            let Some(block) = block.as_ref().filter(|_| wanted & bit != 0) else {
                continue;
            };
            let offset = u32::try_from(sd.len()).unwrap_or(0);
            if let Some(slot) = sd.get_mut(field..field.saturating_add(4)) {
                slot.copy_from_slice(&offset.to_le_bytes());
            }
            sd.extend_from_slice(block);
        }
        sd
    }

    /// The access this descriptor grants the session's token (MS-DTYP
    /// 2.5.3.2 without privileges): a missing or NULL DACL grants
    /// everything; otherwise the ACEs in order, deny before allow as
    /// written, plus READ_CONTROL and WRITE_DAC for the owner.
    pub(crate) fn granted(&self, token: Token) -> u32 {
        if self.control & DACL_PRESENT == 0 || self.dacl.is_none() {
            return FILE_ALL_ACCESS;
        }
        let Some(list) = self.dacl.as_deref().and_then(aces) else {
            return 0;
        };
        // OWNER RIGHTS (S-1-3-4) ACEs speak for the owner and replace its
        // implicit READ_CONTROL | WRITE_DAC (MS-DTYP 2.5.3.2).
        let owner_rights = sid(3, &[4]);
        let is_owner = self.owner.as_deref().is_some_and(|o| token.has(o));
        let mut owner_rights_seen = false;
        let (mut allowed, mut denied) = (0u32, 0u32);
        for ace in list {
            if ace.flags & INHERIT_ONLY != 0 {
                continue;
            }
            let Some((mask, who)) = ace.mask_sid() else {
                continue;
            };
            let for_owner = who == owner_rights.as_slice();
            owner_rights_seen |= for_owner;
            if !(token.has(who) || for_owner && is_owner) {
                continue;
            }
            let mask = map_generic(mask) & FILE_ALL_ACCESS;
            match ace.kind {
                0 => allowed |= mask & !denied,
                1 => denied |= mask & !allowed,
                _ => {}
            }
        }
        if is_owner && !owner_rights_seen {
            allowed |= OWNER_RIGHTS & !denied;
        }
        allowed
    }
}

/// The control bits a SET_INFO stores for one ACL: the AUTO_INHERIT_REQ
/// request bit is never kept, and AUTO_INHERITED only when it came with
/// that request (as Windows does).
fn set_bits(given: u16, req: u16, auto: u16) -> u16 {
    let mut bits = given & !req;
    if given & (req | auto) != req | auto {
        bits &= !auto;
    }
    bits
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn ace(kind: u8, flags: u8, mask: u32, who: &[u8]) -> Vec<u8> {
        let mut a = vec![kind, flags];
        a.extend_from_slice(&u16::try_from(8 + who.len()).unwrap().to_le_bytes());
        a.extend_from_slice(&mask.to_le_bytes());
        a.extend_from_slice(who);
        a
    }

    #[test]
    fn round_trip_and_parts() {
        let sd = Sd::synthesized(false);
        let bytes = sd.encode(0xF);
        assert_eq!(Sd::parse(&bytes).unwrap(), sd);
        // Only the DACL: owner and group offsets 0, DACL bits kept.
        let only = Sd::parse(&sd.encode(si::DACL)).unwrap();
        assert_eq!((only.owner, only.group), (None, None));
        assert_eq!(only.dacl, sd.dacl);
        // No DACL asked: the DACL bits go too.
        assert_eq!(sd.encode(si::OWNER)[2..4], [0, 0x80]);
    }

    #[test]
    fn malformed_is_refused() {
        let good = Sd::synthesized(true).encode(0xF);
        for cut in [0, 1, 19, 30, good.len() - 1] {
            assert_eq!(
                Sd::parse(&good[..cut]),
                Err(INVALID_SECURITY_DESCR),
                "{cut}"
            );
        }
        let mut bad_off = good.clone();
        bad_off[16..20].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        assert_eq!(Sd::parse(&bad_off), Err(INVALID_SECURITY_DESCR));
        let mut bad_rev = good;
        bad_rev[0] = 2;
        assert_eq!(Sd::parse(&bad_rev), Err(INVALID_SECURITY_DESCR));
    }

    #[test]
    fn null_and_empty_dacls() {
        let mut sd = Sd::synthesized(false);
        let null = Sd {
            control: SELF_RELATIVE | DACL_PRESENT,
            dacl: None,
            ..Sd::default()
        };
        sd.merge(&null, si::DACL);
        assert!(sd.null_dacl());
        assert_eq!(sd.granted(Token::User), FILE_ALL_ACCESS);
        let again = Sd::parse(&sd.encode(0xF)).unwrap();
        assert!(again.null_dacl());
        // Setting a descriptor without DACL_PRESENT also leaves a NULL DACL.
        let absent = Sd {
            control: SELF_RELATIVE,
            ..Sd::default()
        };
        sd.merge(&absent, si::DACL);
        assert!(sd.null_dacl());
        // An empty DACL: only what the owner always has.
        let empty = Sd {
            control: SELF_RELATIVE | DACL_PRESENT,
            dacl: Some(acl_from(&[])),
            ..Sd::default()
        };
        sd.merge(&empty, si::DACL);
        assert_eq!(sd.granted(Token::User), OWNER_RIGHTS);
        assert_eq!(sd.check_owner(Token::User), Ok(()));
        // A stranger owns it: nothing at all.
        sd.owner = Some(sid(5, &[21, 1, 2, 3, 500]));
        assert_eq!(sd.granted(Token::User), 0);
        assert_eq!(sd.check_owner(Token::User), Err(INVALID_OWNER));
    }

    #[test]
    fn evaluation_order_and_generic_masks() {
        let me = sid(5, &[32, 544]);
        let stranger = sid(5, &[21, 9, 9, 9, 1000]);
        let sd = Sd {
            control: SELF_RELATIVE | DACL_PRESENT,
            owner: Some(stranger.clone()),
            dacl: Some(acl_from(&[
                ace(1, 0, 0x0001_0000, &me),            // deny DELETE
                ace(0, 0, 0x1000_0000, &sid(1, &[0])),  // allow GENERIC_ALL
                ace(0, 0, 0x0000_0040, &stranger),      // not us
                ace(0, INHERIT_ONLY, 0x0004_0000, &me), // inherit only: skipped
            ])),
            ..Sd::default()
        };
        assert_eq!(sd.granted(Token::User), FILE_ALL_ACCESS & !0x0001_0000);
    }

    #[test]
    fn anonymous_logon_gets_only_what_names_it() {
        let anonymous = sid(5, &[7]);
        // Everyone does not include ANONYMOUS LOGON.
        assert_eq!(Sd::synthesized(false).granted(Token::Anonymous), 0);
        assert_eq!(Sd::synthesized(true).granted(Token::Anonymous), 0);
        assert_eq!(
            Sd::synthesized(false).check_owner(Token::Anonymous),
            Err(INVALID_OWNER)
        );
        let sd = Sd {
            control: SELF_RELATIVE | DACL_PRESENT,
            owner: Some(sid(5, &[32, 544])),
            dacl: Some(acl_from(&[
                ace(0, 0, 0x0012_0089, &anonymous),
                ace(0, 0, FILE_ALL_ACCESS, &sid(1, &[0])),
            ])),
            ..Sd::default()
        };
        assert_eq!(sd.granted(Token::Anonymous), 0x0012_0089);
        assert_eq!(sd.granted(Token::User), FILE_ALL_ACCESS);
        // A user's token does not hold ANONYMOUS LOGON.
        let only_anonymous = Sd {
            dacl: Some(acl_from(&[ace(0, 0, FILE_ALL_ACCESS, &anonymous)])),
            ..sd
        };
        assert_eq!(only_anonymous.granted(Token::User), OWNER_RIGHTS);
        assert_eq!(only_anonymous.granted(Token::Anonymous), FILE_ALL_ACCESS);
    }

    #[test]
    fn owner_rights_replace_the_implicit_ones() {
        let me = sid(5, &[32, 544]);
        let sd = Sd {
            control: SELF_RELATIVE | DACL_PRESENT,
            owner: Some(me.clone()),
            dacl: Some(acl_from(&[
                ace(0, 0, 0x0012_0089, &me),
                ace(0, 0, 0x0000_0002, &sid(3, &[4])),
            ])),
            ..Sd::default()
        };
        assert_eq!(sd.granted(Token::User), 0x0012_008B);
    }

    #[test]
    fn set_control_bits() {
        let mut sd = Sd::synthesized(false);
        let with = |control: u16| Sd {
            control,
            dacl: Some(acl_from(&[])),
            ..Sd::default()
        };
        // AUTO_INHERITED alone is dropped, with the request kept; the
        // request itself never is; PROTECTED is.
        sd.merge(
            &with(SELF_RELATIVE | DACL_PRESENT | DACL_AUTO_INHERITED),
            si::DACL,
        );
        assert_eq!(sd.control, SELF_RELATIVE | DACL_PRESENT);
        let req = DACL_AUTO_INHERITED | DACL_AUTO_INHERIT_REQ | 0x1000;
        sd.merge(&with(SELF_RELATIVE | DACL_PRESENT | req), si::DACL);
        assert_eq!(
            sd.control,
            SELF_RELATIVE | DACL_PRESENT | DACL_AUTO_INHERITED | 0x1000
        );
    }

    #[test]
    fn generic_rights_are_stored_mapped() {
        let me = sid(5, &[32, 544]);
        let mut sd = Sd {
            control: SELF_RELATIVE | DACL_PRESENT,
            dacl: Some(acl_from(&[
                ace(0, 0, 0x8000_0000, &me),                // GENERIC_READ
                ace(0, INHERIT_ONLY | 1, 0x4000_0000, &me), // kept generic
            ])),
            ..Sd::default()
        };
        sd.map_generic_aces();
        let list = aces(sd.dacl.as_deref().unwrap()).unwrap();
        assert_eq!(list[0].mask_sid().unwrap().0, 0x0012_0089);
        assert_eq!(list[1].mask_sid().unwrap().0, 0x4000_0000);
    }
}
