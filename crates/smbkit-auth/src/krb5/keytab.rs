//! MIT keytab files (format version 0x0502, big-endian), as written by
//! `kadmin ktadd`, `ktutil` and Samba/Windows `ktpass`.
//!
//! Layout: `05 02`, then entries, each an `i32` size (negative: a hole of
//! that many bytes) followed by: `u16` component count, the realm and the
//! components as `u16`-counted strings, `u32` name type, `u32` timestamp,
//! `u8` kvno, `u16` enctype, a `u16`-counted key, and optionally a `u32` kvno
//! that replaces the 8-bit one when non-zero. Entries with an enctype we do
//! not support are skipped.

use super::crypto::{Enctype, Key};
use super::{KeytabError, KrbError};

/// The largest keytab we read.
pub const MAX_KEYTAB_LEN: usize = 1 << 20;

/// One key of a service principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeytabEntry {
    /// The principal's realm.
    pub realm: String,
    /// The principal's components (`cifs`, `srv.example.org`).
    pub components: Vec<String>,
    /// Key version number.
    pub kvno: u32,
    /// The key.
    pub key: Key,
}

impl KeytabEntry {
    /// `cifs/host@REALM`.
    #[must_use]
    pub fn principal(&self) -> String {
        format!("{}@{}", self.components.join("/"), self.realm)
    }
}

/// The keys of a keytab that we can use (AES enctypes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keytab {
    entries: Vec<KeytabEntry>,
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], KeytabError> {
        let (head, rest) = self.0.split_at_checked(n).ok_or(KeytabError::Truncated)?;
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, KeytabError> {
        let [b] = *self.take(1)? else {
            return Err(KeytabError::Truncated);
        };
        Ok(b)
    }
    fn u16(&mut self) -> Result<u16, KeytabError> {
        let b: [u8; 2] = self
            .take(2)?
            .try_into()
            .map_err(|_| KeytabError::Truncated)?;
        Ok(u16::from_be_bytes(b))
    }
    fn u32(&mut self) -> Result<u32, KeytabError> {
        let b: [u8; 4] = self
            .take(4)?
            .try_into()
            .map_err(|_| KeytabError::Truncated)?;
        Ok(u32::from_be_bytes(b))
    }
    fn string(&mut self) -> Result<String, KeytabError> {
        let len = usize::from(self.u16()?);
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| KeytabError::Malformed("name"))
    }
}

impl Keytab {
    /// Parses keytab bytes.
    pub fn parse(data: &[u8]) -> Result<Self, KeytabError> {
        if data.len() > MAX_KEYTAB_LEN {
            return Err(KeytabError::Malformed("larger than 1 MiB"));
        }
        let mut r = Reader(data);
        match (r.u8()?, r.u8()?) {
            (5, 2) => {}
            (5, v) => return Err(KeytabError::Version(v)),
            _ => return Err(KeytabError::Malformed("not a keytab")),
        }
        let mut entries = Vec::new();
        while !r.0.is_empty() {
            let size = i32::from_be_bytes(r.u32()?.to_be_bytes());
            let len = usize::try_from(size.unsigned_abs())
                .map_err(|_| KeytabError::Malformed("entry size"))?;
            let body = r.take(len)?;
            if size <= 0 {
                continue; // A hole left by a deleted entry.
            }
            if let Some(e) = parse_entry(body)? {
                entries.push(e);
            }
        }
        Ok(Self { entries })
    }

    /// Reads and parses a keytab file.
    pub fn read(path: &std::path::Path) -> Result<Self, KeytabError> {
        let data = zeroize::Zeroizing::new(
            std::fs::read(path).map_err(|e| KeytabError::Io(e.to_string()))?,
        );
        Self::parse(&data)
    }

    /// A keytab holding these entries (tests, or keys from elsewhere).
    #[must_use]
    pub fn from_entries(entries: Vec<KeytabEntry>) -> Self {
        Self { entries }
    }

    /// All usable entries.
    #[must_use]
    pub fn entries(&self) -> &[KeytabEntry] {
        &self.entries
    }

    /// Whether no usable key is present.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The key for `components@realm` with `etype`: the given `kvno`, or the
    /// highest one when the ticket names none. Realms compare exactly, host
    /// names ASCII case-insensitively.
    pub fn find(
        &self,
        realm: &str,
        components: &[String],
        etype: Enctype,
        kvno: Option<u32>,
    ) -> Result<&Key, KrbError> {
        let named: Vec<&KeytabEntry> = self
            .entries
            .iter()
            .filter(|e| {
                e.realm == realm
                    && e.components.len() == components.len()
                    && e.components
                        .iter()
                        .zip(components)
                        .all(|(a, b)| a.eq_ignore_ascii_case(b))
            })
            .collect();
        if named.is_empty() {
            return Err(KrbError::UnknownService);
        }
        named
            .into_iter()
            .filter(|e| e.key.etype() == etype && kvno.is_none_or(|k| k == e.kvno))
            .max_by_key(|e| e.kvno)
            .map(|e| &e.key)
            .ok_or(KrbError::NoKey)
    }
}

fn parse_entry(body: &[u8]) -> Result<Option<KeytabEntry>, KeytabError> {
    let mut r = Reader(body);
    let count = r.u16()?;
    let realm = r.string()?;
    let components = (0..count)
        .map(|_| r.string())
        .collect::<Result<Vec<_>, _>>()?;
    let _name_type = r.u32()?;
    let _timestamp = r.u32()?;
    let kvno8 = r.u8()?;
    let etype = r.u16()?;
    let key_len = usize::from(r.u16()?);
    let key = zeroize::Zeroizing::new(r.take(key_len)?.to_vec());
    let kvno = match r.0.len() {
        n if n >= 4 => match r.u32()? {
            0 => u32::from(kvno8),
            k => k,
        },
        _ => u32::from(kvno8),
    };
    let Some(etype) = Enctype::from_number(i32::from(etype)) else {
        return Ok(None);
    };
    let key = Key::new(etype, &key).map_err(|_| KeytabError::Malformed("key length"))?;
    Ok(Some(KeytabEntry {
        realm,
        components,
        kvno,
        key,
    }))
}

/// Encodes entries as a version 0x0502 keytab (tests and tools).
#[must_use]
pub fn encode(entries: &[KeytabEntry]) -> Vec<u8> {
    let mut out = vec![5u8, 2];
    for e in entries {
        let mut body = Vec::new();
        let count = u16::try_from(e.components.len()).unwrap_or(u16::MAX);
        body.extend_from_slice(&count.to_be_bytes());
        for s in core::iter::once(&e.realm).chain(&e.components) {
            let len = u16::try_from(s.len()).unwrap_or(u16::MAX);
            body.extend_from_slice(&len.to_be_bytes());
            body.extend_from_slice(s.as_bytes());
        }
        body.extend_from_slice(&1u32.to_be_bytes()); // KRB5_NT_PRINCIPAL
        body.extend_from_slice(&0u32.to_be_bytes());
        body.push(u8::try_from(e.kvno).unwrap_or(0));
        let etype = u16::try_from(e.key.etype().number()).unwrap_or(0);
        body.extend_from_slice(&etype.to_be_bytes());
        let key = e.key.as_bytes();
        let klen = u16::try_from(key.len()).unwrap_or(0);
        body.extend_from_slice(&klen.to_be_bytes());
        body.extend_from_slice(key);
        body.extend_from_slice(&e.kvno.to_be_bytes());
        let size = i32::try_from(body.len()).unwrap_or(i32::MAX);
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(&body);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kvno: u32, etype: Enctype, fill: u8) -> KeytabEntry {
        KeytabEntry {
            realm: "SMBKIT.TEST".into(),
            components: vec!["cifs".into(), "srv.smbkit.test".into()],
            kvno,
            key: Key::new(etype, &vec![fill; etype.key_len()]).unwrap(),
        }
    }

    #[test]
    fn round_trip_holes_and_lookup() {
        let a = entry(2, Enctype::Aes256CtsHmacSha196, 1);
        let b = entry(3, Enctype::Aes256CtsHmacSha196, 2);
        let c = entry(3, Enctype::Aes128CtsHmacSha196, 3);
        let mut bytes = encode(&[a.clone(), b.clone()]);
        // A hole of 6 bytes, then an entry with an enctype we skip (23, RC4).
        bytes.extend_from_slice(&(-6i32).to_be_bytes());
        bytes.extend_from_slice(&[0; 6]);
        let mut rc4 = encode(std::slice::from_ref(&c));
        let etype_at = rc4.len() - 4 - 16 - 2 - 2;
        rc4[etype_at..etype_at + 2].copy_from_slice(&23u16.to_be_bytes());
        bytes.extend_from_slice(&rc4[2..]);
        bytes.extend_from_slice(&encode(std::slice::from_ref(&c))[2..]);
        let kt = Keytab::parse(&bytes).unwrap();
        assert_eq!(kt.entries(), &[a.clone(), b.clone(), c.clone()]);
        let name = vec!["CIFS".to_string(), "SRV.smbkit.test".to_string()];
        let aes = Enctype::Aes256CtsHmacSha196;
        assert_eq!(kt.find("SMBKIT.TEST", &name, aes, None).unwrap(), &b.key);
        assert_eq!(kt.find("SMBKIT.TEST", &name, aes, Some(2)).unwrap(), &a.key);
        assert_eq!(
            kt.find("SMBKIT.TEST", &name, aes, Some(9)).unwrap_err(),
            KrbError::NoKey
        );
        assert_eq!(
            kt.find("OTHER", &name, aes, None).unwrap_err(),
            KrbError::UnknownService
        );
    }

    #[test]
    fn malformed_keytabs_are_errors() {
        assert_eq!(Keytab::parse(&[]).unwrap_err(), KeytabError::Truncated);
        assert_eq!(Keytab::parse(&[5, 1]).unwrap_err(), KeytabError::Version(1));
        assert!(Keytab::parse(&[4, 2]).is_err());
        let good = encode(&[entry(1, Enctype::Aes128CtsHmacSha196, 9)]);
        for cut in 3..good.len() {
            assert!(Keytab::parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(Keytab::parse(&[5, 2]).unwrap(), Keytab::default());
    }
}
