//! Credentials: NT hashes and the store the acceptor looks them up in.

use core::fmt;
use std::collections::HashMap;

use md4::{Digest, Md4};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::NtHashError;
use crate::utf16;

/// An account's NT hash (NTOWFv1): MD4 of the UTF-16LE password.
///
/// Zeroized on drop; `Debug` never prints it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct NtHash([u8; 16]);

impl NtHash {
    /// MD4(UTF-16LE(password)), MS-NLMP 3.3.1 NTOWFv1.
    #[must_use]
    pub fn from_password(password: &str) -> Self {
        let encoded = Zeroizing::new(utf16::encode(password));
        let mut md4 = Md4::new();
        md4.update(encoded.as_slice());
        Self(md4.finalize().into())
    }

    /// Reads 32 hex digits (either case), as found in `smbpasswd`-style files.
    pub fn from_hex(hex: &str) -> Result<Self, NtHashError> {
        let digits = hex.as_bytes();
        let (pairs, rest) = digits.as_chunks::<2>();
        if pairs.len() != 16 || !rest.is_empty() {
            return Err(NtHashError::Length);
        }
        let mut out = [0u8; 16];
        for (byte, pair) in out.iter_mut().zip(pairs) {
            let [hi, lo] = *pair;
            *byte = (nibble(hi)? << 4) | nibble(lo)?;
        }
        Ok(Self(out))
    }

    /// Wraps 16 hash bytes.
    #[must_use]
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The hash bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

fn nibble(c: u8) -> Result<u8, NtHashError> {
    match c {
        b'0'..=b'9' => Ok(c.wrapping_sub(b'0')),
        b'a'..=b'f' => Ok(c.wrapping_sub(b'a').wrapping_add(10)),
        b'A'..=b'F' => Ok(c.wrapping_sub(b'A').wrapping_add(10)),
        _ => Err(NtHashError::Digit),
    }
}

impl fmt::Debug for NtHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NtHash(<redacted>)")
    }
}

/// Where the acceptor finds an account's NT hash.
///
/// User names are compared case-insensitively. The domain a client sends does
/// not select the account (a standalone server has one account database).
pub trait CredentialStore {
    /// The NT hash of `user`, or `None` when there is no such account.
    fn nt_hash(&self, user: &str) -> Option<NtHash>;

    /// Whether `user` exists (with or without an NT hash: Kerberos-only
    /// accounts have none).
    fn has_user(&self, user: &str) -> bool {
        self.nt_hash(user).is_some()
    }
}

/// An in-memory [`CredentialStore`].
#[derive(Clone, Default)]
pub struct MemoryCredentials {
    users: HashMap<String, NtHash>,
    kerberos_only: std::collections::HashSet<String>,
}

impl MemoryCredentials {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) `user` with a password.
    pub fn add_password(&mut self, user: &str, password: &str) -> &mut Self {
        self.add_nt_hash(user, NtHash::from_password(password))
    }

    /// Adds (or replaces) `user` with an NT hash.
    pub fn add_nt_hash(&mut self, user: &str, hash: NtHash) -> &mut Self {
        self.kerberos_only.remove(&fold(user));
        self.users.insert(fold(user), hash);
        self
    }

    /// Adds (or replaces) `user` without an NT hash: it can sign in with
    /// Kerberos only.
    pub fn add_kerberos_only(&mut self, user: &str) -> &mut Self {
        self.users.remove(&fold(user));
        self.kerberos_only.insert(fold(user));
        self
    }

    /// Builder form of [`MemoryCredentials::add_password`].
    #[must_use]
    pub fn with_password(mut self, user: &str, password: &str) -> Self {
        self.add_password(user, password);
        self
    }

    /// Number of accounts.
    #[must_use]
    pub fn len(&self) -> usize {
        self.users.len().saturating_add(self.kerberos_only.len())
    }

    /// Whether the store has no account.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.kerberos_only.is_empty()
    }
}

fn fold(user: &str) -> String {
    utf16::upcase(user)
}

impl CredentialStore for MemoryCredentials {
    fn nt_hash(&self, user: &str) -> Option<NtHash> {
        self.users.get(&fold(user)).cloned()
    }

    fn has_user(&self, user: &str) -> bool {
        let key = fold(user);
        self.users.contains_key(&key) || self.kerberos_only.contains(&key)
    }
}

impl fmt::Debug for MemoryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryCredentials")
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .field("kerberos_only", &self.kerberos_only)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_errors() {
        assert_eq!(NtHash::from_hex("00").unwrap_err(), NtHashError::Length);
        assert_eq!(
            NtHash::from_hex(&"0".repeat(33)).unwrap_err(),
            NtHashError::Length
        );
        assert_eq!(
            NtHash::from_hex(&"g".repeat(32)).unwrap_err(),
            NtHashError::Digit
        );
        assert_eq!(
            NtHash::from_hex(&"aB".repeat(16)).unwrap().as_bytes(),
            &[0xAB; 16]
        );
    }

    #[test]
    fn store_is_case_insensitive_and_replaces() {
        let mut s = MemoryCredentials::new();
        assert!(s.is_empty());
        s.add_password("Bob", "one").add_password("BOB", "two");
        assert_eq!(s.len(), 1);
        let got = s.nt_hash("bob").unwrap();
        assert_eq!(got.as_bytes(), NtHash::from_password("two").as_bytes());
        assert!(s.nt_hash("alice").is_none());
    }
}
