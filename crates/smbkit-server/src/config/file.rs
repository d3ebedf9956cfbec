//! The TOML file as written: its tables, parsing and reading.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroize::Zeroize;

use super::ConfigError;

/// The TOML file as written (every key optional, unknown keys refused).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `[server]`.
    #[serde(default)]
    pub server: ServerSection,
    /// `[[share]]` tables.
    #[serde(default)]
    pub share: Vec<ShareSection>,
    /// `[[user]]` tables.
    #[serde(default)]
    pub user: Vec<UserSection>,
    /// `[kerberos]`.
    #[serde(default)]
    pub kerberos: Option<super::kerberos::KerberosSection>,
    /// `[limits]`.
    #[serde(default)]
    pub limits: Option<super::limits::LimitsSection>,
}

/// The `[server]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Listen addresses, `ADDR:PORT`.
    pub listen: Option<Vec<String>>,
    /// Lowest dialect offered.
    pub min_dialect: Option<String>,
    /// Highest dialect offered.
    pub max_dialect: Option<String>,
    /// `required` or `enabled`.
    pub signing: Option<String>,
    /// `disabled`, `enabled` or `required`.
    pub encryption: Option<String>,
    /// Ciphers in order of preference.
    pub ciphers: Option<Vec<String>>,
    /// Signing algorithms in order of preference.
    pub signing_algorithms: Option<Vec<String>>,
    /// Allow guest sessions.
    pub guest: Option<bool>,
    /// Largest Direct-TCP frame accepted, in bytes.
    pub max_frame_size: Option<u32>,
}

/// A `[[share]]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareSection {
    /// Share name.
    pub name: String,
    /// Directory served.
    pub path: PathBuf,
    /// Require encryption on this share.
    #[serde(default)]
    pub encrypt: bool,
    /// Refuse writes.
    #[serde(default)]
    pub read_only: bool,
    /// Only these users may connect (every user when absent).
    #[serde(default)]
    pub users: Option<Vec<String>>,
}

/// A `[[user]]` table. `Debug` hides the secrets.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSection {
    /// Account name. Without `password` and `nt_hash` (and with
    /// `[kerberos]`), a Kerberos-only account.
    pub name: String,
    /// Clear-text password (hashed at load, then wiped).
    pub password: Option<String>,
    /// NT hash, 32 hex digits.
    pub nt_hash: Option<String>,
}

impl fmt::Debug for UserSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSection")
            .field("name", &self.name)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("nt_hash", &self.nt_hash.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Drop for UserSection {
    fn drop(&mut self) {
        if let Some(p) = self.password.as_mut() {
            p.zeroize();
        }
        if let Some(h) = self.nt_hash.as_mut() {
            h.zeroize();
        }
    }
}

impl FileConfig {
    /// Parses TOML text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| {
                let before = text.get(..span.start).unwrap_or(text);
                before
                    .bytes()
                    .filter(|&b| b == b'\n')
                    .count()
                    .saturating_add(1)
            });
            let message = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_owned();
            ConfigError::Parse {
                path: path.to_owned(),
                line,
                message,
            }
        })
    }

    /// Reads and parses a file.
    pub fn read(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        FileConfig::parse(&text, path)
    }
}
