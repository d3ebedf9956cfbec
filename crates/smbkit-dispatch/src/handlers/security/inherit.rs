//! Inheritance of a directory's DACL by a new object (MS-DTYP 2.5.3.4.2,
//! ComputeACL, for the DACL).

use super::super::access::map_generic;
use super::sd::{
    Ace, CONTAINER_INHERIT, DACL_AUTO_INHERITED, DACL_PRESENT, INHERIT_ONLY, INHERITED,
    NO_PROPAGATE_INHERIT, OBJECT_INHERIT, SELF_RELATIVE, Sd, aces, acl_from, sid,
};

impl Sd {
    /// The descriptor a new object in a directory with this descriptor
    /// inherits (MS-DTYP 2.5.3.4.2, for the DACL), or None when the DACL
    /// has nothing inheritable for that kind of object (the object then
    /// has no stored descriptor).
    ///
    /// A file takes the OBJECT_INHERIT ACEs; a directory the
    /// CONTAINER_INHERIT ones (kept inheritable unless NO_PROPAGATE), and
    /// OBJECT_INHERIT ones as inherit-only. CREATOR OWNER / CREATOR GROUP
    /// become the new owner and group in the effective ACE, and a
    /// directory keeps the original as an inherit-only ACE for its own
    /// children. Inherited ACEs carry INHERITED_ACE, and the descriptor
    /// SE_DACL_AUTO_INHERITED, only when the parent's DACL is
    /// auto-inherited (as Windows creates files).
    pub(crate) fn inherit(&self, is_dir: bool) -> Option<Sd> {
        let list = aces(self.dacl.as_deref()?)?;
        let auto = self.control & DACL_AUTO_INHERITED != 0;
        let marker = if auto { INHERITED } else { 0 };
        let base = Sd::synthesized(is_dir);
        let creator_owner = sid(3, &[0]);
        let creator_group = sid(3, &[1]);
        let mut out = Vec::new();
        for ace in list {
            let f = ace.flags;
            let inheritable = OBJECT_INHERIT | CONTAINER_INHERIT;
            let (oi, ci, np) = (
                f & OBJECT_INHERIT != 0,
                f & CONTAINER_INHERIT != 0,
                f & NO_PROPAGATE_INHERIT != 0,
            );
            let simple = matches!(ace.kind, 0 | 1);
            let (mask, who) = match ace.mask_sid().filter(|_| simple) {
                Some((m, w)) => (Some(m), Some(w)),
                None => (None, None),
            };
            let substituted = who.and_then(|w| {
                if w == creator_owner.as_slice() {
                    base.owner.as_deref()
                } else if w == creator_group.as_slice() {
                    base.group.as_deref()
                } else {
                    None
                }
            });
            let effective = |keep: u8| -> Vec<u8> {
                let flags = (f & keep & !INHERIT_ONLY) | marker;
                rebuild(&ace, flags, mask.map(map_generic), substituted.or(who))
            };
            if !is_dir {
                if oi {
                    out.push(effective(0));
                }
                continue;
            }
            if ci && np {
                out.push(effective(0));
            } else if ci {
                let generic = mask.is_some_and(|m| m != map_generic(m));
                if substituted.is_some() || generic {
                    out.push(effective(0));
                    out.push(rebuild(&ace, f | INHERIT_ONLY | marker, mask, who));
                } else {
                    out.push(effective(inheritable));
                }
            } else if oi && !np {
                out.push(rebuild(&ace, f | INHERIT_ONLY | marker, mask, who));
            }
        }
        if out.is_empty() {
            return None;
        }
        let auto_bit = if auto { DACL_AUTO_INHERITED } else { 0 };
        Some(Sd {
            control: SELF_RELATIVE | DACL_PRESENT | auto_bit,
            dacl: Some(acl_from(&out)),
            ..base
        })
    }
}

/// A copy of `ace` with new flags and, for ACCESS_ALLOWED/DENIED ACEs, a
/// new mask and SID (the size recomputed).
fn rebuild(ace: &Ace<'_>, flags: u8, mask: Option<u32>, who: Option<&[u8]>) -> Vec<u8> {
    let (Some(mask), Some(who)) = (mask, who) else {
        let mut bytes = ace.bytes.to_vec();
        if let Some(slot) = bytes.get_mut(1) {
            *slot = flags;
        }
        return bytes;
    };
    let size = 8usize.saturating_add(who.len());
    let mut v = Vec::with_capacity(size);
    v.push(ace.kind);
    v.push(flags);
    v.extend_from_slice(&u16::try_from(size).unwrap_or(u16::MAX).to_le_bytes());
    v.extend_from_slice(&mask.to_le_bytes());
    v.extend_from_slice(who);
    v
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
    fn inheritance() {
        let me = sid(5, &[32, 544]);
        let parent = Sd {
            control: SELF_RELATIVE | DACL_PRESENT,
            dacl: Some(acl_from(&[
                ace(0, OBJECT_INHERIT, 0x1E_01BF, &me),
                ace(0, CONTAINER_INHERIT, 0x1F_01FF, &me),
                ace(0, 0, 0x1F_01FF, &sid(1, &[0])),
            ])),
            ..Sd::default()
        };
        let file = parent.inherit(false).unwrap();
        let list = aces(file.dacl.as_deref().unwrap()).unwrap();
        assert_eq!(list.len(), 1);
        // The parent is not auto-inherited: no INHERITED_ACE marks.
        assert_eq!(list[0].flags, 0);
        assert_eq!(file.control, SELF_RELATIVE | DACL_PRESENT);
        assert_eq!(
            file.granted(crate::handlers::security::sd::Token::User),
            0x1E_01BF
        );
        let dir = parent.inherit(true).unwrap();
        let flags = |sd: &Sd| -> Vec<u8> {
            aces(sd.dacl.as_deref().unwrap())
                .unwrap()
                .iter()
                .map(|a| a.flags)
                .collect()
        };
        assert_eq!(
            flags(&dir),
            [OBJECT_INHERIT | INHERIT_ONLY, CONTAINER_INHERIT]
        );
        // An auto-inherited parent marks what it passes on.
        let auto = Sd {
            control: parent.control | DACL_AUTO_INHERITED,
            ..parent.clone()
        };
        assert_eq!(flags(&auto.inherit(false).unwrap()), [INHERITED]);
        // CREATOR OWNER: the new owner in the effective ACE; a directory
        // also keeps the original, inherit-only.
        let creator = Sd {
            control: SELF_RELATIVE | DACL_PRESENT,
            dacl: Some(acl_from(&[ace(
                0,
                OBJECT_INHERIT | CONTAINER_INHERIT,
                0x2,
                &sid(3, &[0]),
            )])),
            ..Sd::default()
        };
        let file = creator.inherit(false).unwrap();
        let list = aces(file.dacl.as_deref().unwrap()).unwrap();
        assert_eq!(list[0].mask_sid().unwrap(), (0x2, me.as_slice()));
        let dir = creator.inherit(true).unwrap();
        let list = aces(dir.dacl.as_deref().unwrap()).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[0].flags, list[0].mask_sid().unwrap().1),
            (0, me.as_slice())
        );
        assert_eq!(
            list[1].flags,
            OBJECT_INHERIT | CONTAINER_INHERIT | INHERIT_ONLY
        );
        assert_eq!(list[1].mask_sid().unwrap().1, sid(3, &[0]).as_slice());
        // Nothing inheritable: no stored descriptor.
        assert_eq!(Sd::synthesized(false).inherit(false), None);
    }
}
