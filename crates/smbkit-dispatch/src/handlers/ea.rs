//! Extended attributes: the FILE_FULL_EA_INFORMATION list (MS-FSCC
//! 2.4.15) read from a CREATE `ExtA` context or a SET_INFO, applied to the
//! stored list (an empty value removes a name; names are kept upper-case,
//! as Windows reports them, and matched ignoring case), and returned by
//! QUERY_INFO FileFullEaInformation.

use smbkit_vfs::{Handle, Vfs};
use smbkit_wire::NtStatus;

use super::Answer;
use super::query_info::output_response;

/// STATUS_INVALID_EA_NAME (MS-ERREF 2.3.1).
const INVALID_EA_NAME: NtStatus = NtStatus(0x8000_0013);
/// STATUS_EA_LIST_INCONSISTENT (MS-ERREF 2.3.1).
const EA_LIST_INCONSISTENT: NtStatus = NtStatus(0x8000_0014);

/// One attribute: its name and value.
pub(crate) type Ea = (String, Vec<u8>);

/// Characters an EA name may not contain (MS-FSCC 2.4.15: the name is
/// ASCII without these).
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name
            .iter()
            .all(|&c| c.is_ascii() && c >= 0x20 && !b"\"*+,/:;<=>?[\\]|".contains(&c))
}

/// Parses a FILE_FULL_EA_INFORMATION list: entries chained by
/// NextEntryOffset (a multiple of 4, inside the buffer), each with its
/// NUL-terminated name and value inside the entry.
pub(crate) fn parse(buffer: &[u8]) -> Result<Vec<Ea>, NtStatus> {
    let mut out = Vec::new();
    let mut rest = buffer;
    loop {
        let head: &[u8; 8] = rest
            .get(..8)
            .and_then(|h| h.try_into().ok())
            .ok_or(EA_LIST_INCONSISTENT)?;
        let next = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let name_len = usize::from(head[5]);
        let value_len = usize::from(u16::from_le_bytes([head[6], head[7]]));
        let name_end = 8usize.checked_add(name_len).ok_or(EA_LIST_INCONSISTENT)?;
        let name = rest.get(8..name_end).ok_or(EA_LIST_INCONSISTENT)?;
        if rest.get(name_end) != Some(&0) {
            return Err(EA_LIST_INCONSISTENT);
        }
        let value_start = name_end.checked_add(1).ok_or(EA_LIST_INCONSISTENT)?;
        let value_end = value_start
            .checked_add(value_len)
            .ok_or(EA_LIST_INCONSISTENT)?;
        let value = rest
            .get(value_start..value_end)
            .ok_or(EA_LIST_INCONSISTENT)?;
        if !valid_name(name) {
            return Err(INVALID_EA_NAME);
        }
        let name = String::from_utf8(name.to_vec()).map_err(|_| INVALID_EA_NAME)?;
        out.push((name.to_ascii_uppercase(), value.to_vec()));
        if next == 0 {
            return Ok(out);
        }
        let next = usize::try_from(next).map_err(|_| EA_LIST_INCONSISTENT)?;
        if next % 4 != 0 || next < value_end {
            return Err(EA_LIST_INCONSISTENT);
        }
        rest = rest.get(next..).ok_or(EA_LIST_INCONSISTENT)?;
    }
}

/// Encodes entries as a FILE_FULL_EA_INFORMATION list, each entry but the
/// last padded to 4 bytes.
pub(crate) fn encode(eas: &[Ea]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (name, value)) in eas.iter().enumerate() {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        out.push(0);
        out.push(u8::try_from(name.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(&u16::try_from(value.len()).unwrap_or(u16::MAX).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        out.extend_from_slice(value);
        if i.saturating_add(1) < eas.len() {
            while out.len() % 4 != 0 {
                out.push(0);
            }
            let next = u32::try_from(out.len().saturating_sub(start)).unwrap_or(0);
            if let Some(slot) = out.get_mut(start..start.saturating_add(4)) {
                slot.copy_from_slice(&next.to_le_bytes());
            }
        }
    }
    out
}

/// `stored` after `changes`: each name replaced (or removed by an empty
/// value), new names appended.
pub(crate) fn apply(mut stored: Vec<Ea>, changes: Vec<Ea>) -> Vec<Ea> {
    for (name, value) in changes {
        stored.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        if !value.is_empty() {
            stored.push((name, value));
        }
    }
    stored
}

/// Applies a parsed list to the handle's stored attributes.
pub(crate) async fn set<V: Vfs>(vfs: &V, handle: Handle, changes: Vec<Ea>) -> Result<(), NtStatus> {
    let stored = vfs.eas(handle).await.map_err(|e| e.status())?;
    vfs.set_eas(handle, apply(stored, changes))
        .await
        .map_err(|e| e.status())
}

/// QUERY_INFO FileFullEaInformation: every attribute from the first, as
/// many whole entries as fit in `limit` (BUFFER_OVERFLOW when some are
/// left out, BUFFER_TOO_SMALL when none fits); NO_EAS_ON_FILE when there
/// are none.
pub(crate) async fn query<V: Vfs>(vfs: &V, handle: Handle, limit: u32) -> Answer {
    let eas = vfs.eas(handle).await.unwrap_or_default();
    if eas.is_empty() {
        return Err(NtStatus::NO_EAS_ON_FILE);
    }
    let max = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut take = eas.len();
    let mut bytes = encode(&eas);
    while bytes.len() > max && take > 0 {
        take = take.saturating_sub(1);
        bytes = encode(eas.get(..take).unwrap_or_default());
    }
    if take == 0 {
        return Err(NtStatus::BUFFER_TOO_SMALL);
    }
    let status = if take < eas.len() {
        NtStatus::BUFFER_OVERFLOW
    } else {
        NtStatus::SUCCESS
    };
    output_response(&bytes, status)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_apply_and_refusals() {
        let list = vec![
            ("EAONE".to_owned(), b"VALUE1".to_vec()),
            ("SECONDEA".to_owned(), b"ValueTwo".to_vec()),
        ];
        let bytes = encode(&list);
        // First entry: 8 + 5 + 1 + 6 = 20, already aligned.
        assert_eq!(&bytes[..4], &20u32.to_le_bytes());
        assert_eq!(parse(&bytes).unwrap(), list);
        // Lower-case names are stored upper-case; an empty value removes.
        let changes = parse(&encode(&[
            ("eaone".to_owned(), Vec::new()),
            ("NewEA".to_owned(), b"testme".to_vec()),
        ]))
        .unwrap();
        assert_eq!(changes[1].0, "NEWEA");
        let after = apply(list, changes);
        assert_eq!(
            after,
            vec![
                ("SECONDEA".to_owned(), b"ValueTwo".to_vec()),
                ("NEWEA".to_owned(), b"testme".to_vec())
            ]
        );
        // Truncated, no NUL, bad name, misaligned next offset.
        assert_eq!(parse(&bytes[..10]), Err(EA_LIST_INCONSISTENT));
        let mut no_nul = encode(&after[..1]);
        no_nul[8 + 8] = b'x';
        assert_eq!(parse(&no_nul), Err(EA_LIST_INCONSISTENT));
        assert_eq!(
            parse(&encode(&[("A:B".to_owned(), b"v".to_vec())])),
            Err(INVALID_EA_NAME)
        );
        let mut odd = encode(&after);
        odd[..4].copy_from_slice(&21u32.to_le_bytes());
        assert_eq!(parse(&odd), Err(EA_LIST_INCONSISTENT));
    }
}
