//! The storage form of extended attributes, shared by both implementations.

/// The storage form of a list of extended attributes (the `LocalFs` xattr
/// `user.smbkit.eas`): per attribute, `name_len: u8`, `value_len: u16 LE`,
/// the name bytes, the value bytes. `None` when a limit of
/// [`Vfs::set_eas`](crate::Vfs::set_eas) is exceeded.
pub(crate) fn encode_eas(eas: &[(String, Vec<u8>)]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for (name, value) in eas {
        let n = u8::try_from(name.len()).ok()?;
        let v = u16::try_from(value.len()).ok()?;
        out.push(n);
        out.extend_from_slice(&v.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(value);
    }
    (out.len() <= crate::MAX_EAS_LEN).then_some(out)
}

/// Reads what [`encode_eas`] wrote; a damaged tail is dropped.
pub(crate) fn decode_eas(mut b: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some((&n, rest)) = b.split_first() {
        let Some((v, rest)) = rest.split_at_checked(2) else {
            break;
        };
        let v = usize::from(u16::from_le_bytes([
            v.first().copied().unwrap_or(0),
            v.get(1).copied().unwrap_or(0),
        ]));
        let Some((name, rest)) = rest.split_at_checked(usize::from(n)) else {
            break;
        };
        let Some((value, rest)) = rest.split_at_checked(v) else {
            break;
        };
        let Ok(name) = String::from_utf8(name.to_vec()) else {
            break;
        };
        out.push((name, value.to_vec()));
        b = rest;
    }
    out
}
