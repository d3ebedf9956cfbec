//! Why a configuration is refused.

use std::path::PathBuf;

use smbkit_session::Dialect;

/// A configuration the server refuses. `Display` is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has an unknown key or a value of the wrong type.
    #[error("config file {}{}: {message}", path.display(), line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        /// The parser's message (first line only).
        message: String,
    },
    /// A value that is not one of the accepted ones.
    #[error("{key}: bad value \"{value}\" (expected {expected})")]
    BadValue {
        /// Where (`server.min_dialect`, `--listen`, …).
        key: String,
        /// The value given.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// `min_dialect` is above `max_dialect`.
    #[error("server.min_dialect {min} is above server.max_dialect {max}")]
    DialectRange {
        /// min_dialect.
        min: Dialect,
        /// max_dialect.
        max: Dialect,
    },
    /// Encryption required but no 3.x dialect allowed.
    #[error("server.encryption = \"required\" needs server.max_dialect 3.0 or later")]
    EncryptionNeedsSmb3,
    /// A list that must not be empty is.
    #[error("{key}: must not be empty")]
    Empty {
        /// Which list.
        key: String,
    },
    /// No share at all.
    #[error("no share configured (add a [[share]] table or --share NAME=PATH)")]
    NoShare,
    /// Two shares with one name (names compare case-insensitively).
    #[error("share \"{name}\": defined twice")]
    DuplicateShare {
        /// The name.
        name: String,
    },
    /// A share's `users` list names someone who is not a `[[user]]`.
    #[error("share \"{share}\": user \"{user}\" in its users list is not a configured [[user]]")]
    ShareUnknownUser {
        /// The share.
        share: String,
        /// The name that is not a user.
        user: String,
    },
    /// A share name that cannot be used.
    #[error("share \"{name}\": bad name ({reason})")]
    BadShareName {
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// A share directory that does not exist.
    #[error("share \"{name}\": path {} does not exist", path.display())]
    SharePathMissing {
        /// The share.
        name: String,
        /// The path.
        path: PathBuf,
    },
    /// A share path that is not a directory.
    #[error("share \"{name}\": path {} is not a directory", path.display())]
    SharePathNotDirectory {
        /// The share.
        name: String,
        /// The path.
        path: PathBuf,
    },
    /// A user with neither `password` nor `nt_hash` while Kerberos is not
    /// configured (with `[kerberos]` such a user signs in with Kerberos only).
    #[error("user \"{name}\": needs a password or an nt_hash")]
    UserWithoutSecret {
        /// The account.
        name: String,
    },
    /// A user with both `password` and `nt_hash`.
    #[error("user \"{name}\": give either a password or an nt_hash, not both")]
    UserWithTwoSecrets {
        /// The account.
        name: String,
    },
    /// An `nt_hash` that is not 32 hex digits.
    #[error("user \"{name}\": nt_hash must be 32 hex digits")]
    BadNtHash {
        /// The account.
        name: String,
    },
    /// A user with an empty name.
    #[error("user with an empty name")]
    EmptyUserName,
    /// Two users with one name (case-insensitive).
    #[error("user \"{name}\": defined twice")]
    DuplicateUser {
        /// The account.
        name: String,
    },
    /// The keytab could not be read or parsed.
    #[error("kerberos.keytab {}: {message}", path.display())]
    Keytab {
        /// The keytab.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The keytab holds no key we can use.
    #[error("kerberos.keytab {}: no aes128/aes256-cts-hmac-sha1-96 key in it", path.display())]
    KeytabNoKeys {
        /// The keytab.
        path: PathBuf,
    },
    /// `kerberos.service` names a principal the keytab has no key for.
    #[error("kerberos.keytab {}: no key for {service}", path.display())]
    KeytabNoServiceKey {
        /// The keytab.
        path: PathBuf,
        /// The principal.
        service: String,
    },
}

pub(super) fn bad(key: &str, value: &str, expected: &str) -> ConfigError {
    ConfigError::BadValue {
        key: key.to_owned(),
        value: value.to_owned(),
        expected: expected.to_owned(),
    }
}
