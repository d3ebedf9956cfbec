//! Configuration: the TOML file, the command line, and the checked result.
//!
//! [`Cli`] is what `smbkitd` accepts on its command line, [`FileConfig`] is
//! the TOML file, and [`ServerConfig::load`] merges the two and checks every
//! value. Every refusal is a [`ConfigError`] whose `Display` is one line that
//! names the problem.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde::Deserialize;
use smbkit_auth::NtHash;
use zeroize::Zeroize;

/// The default listener: loopback only, an unprivileged port.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4445";

/// The default largest Direct-TCP frame accepted: 8 MiB of payload plus
/// 64 KiB for headers, the largest READ/WRITE we offer plus room.
pub const DEFAULT_MAX_FRAME: u32 = (8 << 20) + (64 << 10);

/// The largest value the 24-bit Direct-TCP length field can carry.
pub const DIRECT_TCP_MAX: u32 = 0x00FF_FFFF;

/// Default MaxReadSize / MaxWriteSize / MaxTransactSize offered in NEGOTIATE.
pub const DEFAULT_MAX_IO: u32 = 8 << 20;

/// The command line of `smbkitd`.
#[derive(Debug, Clone, Default, Parser)]
#[command(name = "smbkitd", version, about = "smbkit SMB 2/3 file server")]
pub struct Cli {
    /// Configuration file (TOML).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on; repeat for several. Replaces `server.listen`.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Vec<String>,
    /// A share; repeat for several. Replaces the path of a file share with the
    /// same name, otherwise adds one.
    #[arg(long, value_name = "NAME=PATH")]
    pub share: Vec<String>,
    /// An account; repeat for several. Replaces a file user with the same name.
    #[arg(long, value_name = "NAME:PASSWORD")]
    pub user: Vec<String>,
    /// More logging: -v debug, -vv trace (otherwise `SMBKIT_LOG`, default info).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

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
}

/// A `[[user]]` table. `Debug` hides the secrets.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSection {
    /// Account name.
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

/// An SMB dialect the server can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// 2.0.2
    Smb202,
    /// 2.1
    Smb210,
    /// 3.0
    Smb300,
    /// 3.0.2
    Smb302,
    /// 3.1.1
    Smb311,
}

impl Dialect {
    const NAMES: &'static str = "one of 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1";

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "2.0.2" => Dialect::Smb202,
            "2.1" => Dialect::Smb210,
            "3.0" => Dialect::Smb300,
            "3.0.2" => Dialect::Smb302,
            "3.1.1" => Dialect::Smb311,
            _ => return None,
        })
    }

    /// The DialectRevision code on the wire.
    pub fn code(self) -> u16 {
        use smbkit_wire::negotiate::dialect;
        match self {
            Dialect::Smb202 => dialect::SMB202,
            Dialect::Smb210 => dialect::SMB210,
            Dialect::Smb300 => dialect::SMB300,
            Dialect::Smb302 => dialect::SMB302,
            Dialect::Smb311 => dialect::SMB311,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Smb202 => "2.0.2",
            Dialect::Smb210 => "2.1",
            Dialect::Smb300 => "3.0",
            Dialect::Smb302 => "3.0.2",
            Dialect::Smb311 => "3.1.1",
        })
    }
}

/// Signing policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Signing {
    /// Every session must sign (the default).
    Required,
    /// Signing offered; the client decides.
    Enabled,
}

/// Encryption policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encryption {
    /// Never encrypt.
    Disabled,
    /// Encrypt shares marked `encrypt` and sessions that ask (the default).
    Enabled,
    /// Every session must encrypt.
    Required,
}

/// A cipher name from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CipherName {
    /// AES-128-GCM
    Aes128Gcm,
    /// AES-128-CCM
    Aes128Ccm,
    /// AES-256-GCM
    Aes256Gcm,
    /// AES-256-CCM
    Aes256Ccm,
}

impl CipherName {
    const NAMES: &'static str = "one of AES-128-GCM, AES-128-CCM, AES-256-GCM, AES-256-CCM";

    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "AES-128-GCM" => CipherName::Aes128Gcm,
            "AES-128-CCM" => CipherName::Aes128Ccm,
            "AES-256-GCM" => CipherName::Aes256Gcm,
            "AES-256-CCM" => CipherName::Aes256Ccm,
            _ => return None,
        })
    }

    /// The cipher id of the ENCRYPTION negotiate context.
    pub fn code(self) -> u16 {
        use smbkit_wire::negotiate::algorithm;
        match self {
            CipherName::Aes128Ccm => algorithm::AES128_CCM,
            CipherName::Aes128Gcm => algorithm::AES128_GCM,
            CipherName::Aes256Ccm => algorithm::AES256_CCM,
            CipherName::Aes256Gcm => algorithm::AES256_GCM,
        }
    }
}

/// A signing algorithm name from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningAlgorithmName {
    /// AES-128-GMAC (3.1.1 with the SIGNING context)
    Aes128Gmac,
    /// AES-128-CMAC (3.x)
    Aes128Cmac,
    /// HMAC-SHA256 (2.x)
    HmacSha256,
}

impl SigningAlgorithmName {
    const NAMES: &'static str = "one of AES-128-GMAC, AES-128-CMAC, HMAC-SHA256";

    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "AES-128-GMAC" => SigningAlgorithmName::Aes128Gmac,
            "AES-128-CMAC" => SigningAlgorithmName::Aes128Cmac,
            "HMAC-SHA256" => SigningAlgorithmName::HmacSha256,
            _ => return None,
        })
    }

    /// The id of the SIGNING negotiate context.
    pub fn code(self) -> u16 {
        use smbkit_wire::negotiate::algorithm;
        match self {
            SigningAlgorithmName::Aes128Gmac => algorithm::SIGNING_AES_GMAC,
            SigningAlgorithmName::Aes128Cmac => algorithm::SIGNING_AES_CMAC,
            SigningAlgorithmName::HmacSha256 => algorithm::SIGNING_HMAC_SHA256,
        }
    }
}

/// A checked share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareConfig {
    /// Share name as configured.
    pub name: String,
    /// Directory served (exists and is a directory at load time).
    pub path: PathBuf,
    /// Require encryption on this share.
    pub encrypt: bool,
    /// Refuse writes.
    pub read_only: bool,
}

/// A checked account. The password is kept only as its NT hash.
#[derive(Debug, Clone)]
pub struct UserConfig {
    /// Account name.
    pub name: String,
    /// NTOWFv1 of the password.
    pub nt_hash: NtHash,
}

/// The whole, checked configuration of a server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Listen addresses.
    pub listen: Vec<SocketAddr>,
    /// Lowest dialect offered.
    pub min_dialect: Dialect,
    /// Highest dialect offered.
    pub max_dialect: Dialect,
    /// Signing policy.
    pub signing: Signing,
    /// Encryption policy.
    pub encryption: Encryption,
    /// Ciphers in order of preference (no duplicates).
    pub ciphers: Vec<CipherName>,
    /// Signing algorithms in order of preference (no duplicates).
    pub signing_algorithms: Vec<SigningAlgorithmName>,
    /// Allow guest sessions.
    pub guest: bool,
    /// Largest Direct-TCP frame accepted.
    pub max_frame_size: u32,
    /// Shares.
    pub shares: Vec<ShareConfig>,
    /// Accounts.
    pub users: Vec<UserConfig>,
}

impl Default for ServerConfig {
    /// The safe defaults: loopback listener, 2.0.2–3.1.1, signing required,
    /// encryption enabled, every cipher and signing algorithm, no guest, no
    /// share and no user.
    fn default() -> Self {
        ServerConfig {
            listen: vec![SocketAddr::from(([127, 0, 0, 1], 4445))],
            min_dialect: Dialect::Smb202,
            max_dialect: Dialect::Smb311,
            signing: Signing::Required,
            encryption: Encryption::Enabled,
            ciphers: vec![
                CipherName::Aes128Gcm,
                CipherName::Aes128Ccm,
                CipherName::Aes256Gcm,
                CipherName::Aes256Ccm,
            ],
            signing_algorithms: vec![
                SigningAlgorithmName::Aes128Gmac,
                SigningAlgorithmName::Aes128Cmac,
                SigningAlgorithmName::HmacSha256,
            ],
            guest: false,
            max_frame_size: DEFAULT_MAX_FRAME,
            shares: Vec::new(),
            users: Vec::new(),
        }
    }
}

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
    /// A user with neither `password` nor `nt_hash`.
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
}

fn bad(key: &str, value: &str, expected: &str) -> ConfigError {
    ConfigError::BadValue {
        key: key.to_owned(),
        value: value.to_owned(),
        expected: expected.to_owned(),
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

impl ServerConfig {
    /// Reads the file named by `--config` (if any), applies the command line
    /// and checks everything.
    pub fn load(cli: &Cli) -> Result<ServerConfig, ConfigError> {
        let file = match &cli.config {
            Some(path) => FileConfig::read(path)?,
            None => FileConfig::default(),
        };
        ServerConfig::from_parts(file, cli)
    }

    /// Merges a parsed file with the command line (the command line wins) and
    /// checks the result.
    pub fn from_parts(file: FileConfig, cli: &Cli) -> Result<ServerConfig, ConfigError> {
        let defaults = ServerConfig::default();
        let s = &file.server;

        let listen_strings: Vec<String> = if !cli.listen.is_empty() {
            cli.listen.clone()
        } else {
            s.listen
                .clone()
                .unwrap_or_else(|| vec![DEFAULT_LISTEN.to_owned()])
        };
        if listen_strings.is_empty() {
            return Err(ConfigError::Empty {
                key: "server.listen".into(),
            });
        }
        let mut listen = Vec::with_capacity(listen_strings.len());
        for a in &listen_strings {
            let addr: SocketAddr = a
                .parse()
                .map_err(|_| bad("listen", a, "ADDR:PORT, e.g. 127.0.0.1:445 or [::1]:445"))?;
            if !listen.contains(&addr) {
                listen.push(addr);
            }
        }

        let dialect = |key: &str, v: &Option<String>, d: Dialect| match v {
            None => Ok(d),
            Some(v) => Dialect::parse(v).ok_or_else(|| bad(key, v, Dialect::NAMES)),
        };
        let min_dialect = dialect("server.min_dialect", &s.min_dialect, defaults.min_dialect)?;
        let max_dialect = dialect("server.max_dialect", &s.max_dialect, defaults.max_dialect)?;
        if min_dialect > max_dialect {
            return Err(ConfigError::DialectRange {
                min: min_dialect,
                max: max_dialect,
            });
        }

        let signing = match s.signing.as_deref() {
            None => defaults.signing,
            Some("required") => Signing::Required,
            Some("enabled") => Signing::Enabled,
            Some(v) => return Err(bad("server.signing", v, "required or enabled")),
        };
        let encryption = match s.encryption.as_deref() {
            None => defaults.encryption,
            Some("disabled") => Encryption::Disabled,
            Some("enabled") => Encryption::Enabled,
            Some("required") => Encryption::Required,
            Some(v) => return Err(bad("server.encryption", v, "disabled, enabled or required")),
        };
        if encryption == Encryption::Required && max_dialect < Dialect::Smb300 {
            return Err(ConfigError::EncryptionNeedsSmb3);
        }

        let ciphers = match &s.ciphers {
            None => defaults.ciphers,
            Some(list) => parse_list(list, "server.ciphers", CipherName::parse, CipherName::NAMES)?,
        };
        if ciphers.is_empty() && encryption != Encryption::Disabled {
            return Err(ConfigError::Empty {
                key: "server.ciphers".into(),
            });
        }
        let signing_algorithms = match &s.signing_algorithms {
            None => defaults.signing_algorithms,
            Some(list) => parse_list(
                list,
                "server.signing_algorithms",
                SigningAlgorithmName::parse,
                SigningAlgorithmName::NAMES,
            )?,
        };
        if signing_algorithms.is_empty() {
            return Err(ConfigError::Empty {
                key: "server.signing_algorithms".into(),
            });
        }

        let max_frame_size = s.max_frame_size.unwrap_or(defaults.max_frame_size);
        if !(4096..=DIRECT_TCP_MAX).contains(&max_frame_size) {
            return Err(bad(
                "server.max_frame_size",
                &max_frame_size.to_string(),
                "4096..=16777215",
            ));
        }

        let shares = merge_shares(&file.share, &cli.share)?;
        let users = merge_users(&file.user, &cli.user)?;

        Ok(ServerConfig {
            listen,
            min_dialect,
            max_dialect,
            signing,
            encryption,
            ciphers,
            signing_algorithms,
            guest: s.guest.unwrap_or(defaults.guest),
            max_frame_size,
            shares,
            users,
        })
    }
}

fn parse_list<T: PartialEq>(
    list: &[String],
    key: &str,
    parse: fn(&str) -> Option<T>,
    names: &str,
) -> Result<Vec<T>, ConfigError> {
    let mut out = Vec::with_capacity(list.len());
    for v in list {
        let t = parse(v).ok_or_else(|| bad(key, v, names))?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

/// Characters Windows refuses in share names (MS-FSCC 2.1.6 plus path separators).
const SHARE_NAME_FORBIDDEN: &[char] = &[
    '"', '/', '\\', '[', ']', ':', '|', '<', '>', '+', '=', ';', ',', '*', '?',
];

fn check_share_name(name: &str) -> Result<(), ConfigError> {
    let reason = if name.is_empty() {
        Some("empty")
    } else if name.chars().count() > 80 {
        Some("longer than 80 characters")
    } else if name
        .chars()
        .any(|c| c.is_control() || SHARE_NAME_FORBIDDEN.contains(&c))
    {
        Some("contains a character not allowed in share names")
    } else if name.eq_ignore_ascii_case("IPC$") {
        Some("IPC$ is reserved")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(ConfigError::BadShareName {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

fn merge_shares(file: &[ShareSection], cli: &[String]) -> Result<Vec<ShareConfig>, ConfigError> {
    let mut shares: Vec<ShareConfig> = Vec::new();
    let mut seen = HashSet::new();
    for s in file {
        if !seen.insert(s.name.to_lowercase()) {
            return Err(ConfigError::DuplicateShare {
                name: s.name.clone(),
            });
        }
        shares.push(ShareConfig {
            name: s.name.clone(),
            path: s.path.clone(),
            encrypt: s.encrypt,
            read_only: s.read_only,
        });
    }
    let mut seen_cli = HashSet::new();
    for arg in cli {
        let (name, path) = arg
            .split_once('=')
            .filter(|(n, p)| !n.is_empty() && !p.is_empty())
            .ok_or_else(|| bad("--share", arg, "NAME=PATH"))?;
        if !seen_cli.insert(name.to_lowercase()) {
            return Err(ConfigError::DuplicateShare {
                name: name.to_owned(),
            });
        }
        match shares
            .iter_mut()
            .find(|s| s.name.eq_ignore_ascii_case(name))
        {
            Some(existing) => existing.path = PathBuf::from(path),
            None => shares.push(ShareConfig {
                name: name.to_owned(),
                path: PathBuf::from(path),
                encrypt: false,
                read_only: false,
            }),
        }
    }
    if shares.is_empty() {
        return Err(ConfigError::NoShare);
    }
    for s in &shares {
        check_share_name(&s.name)?;
        match std::fs::metadata(&s.path) {
            Err(_) => {
                return Err(ConfigError::SharePathMissing {
                    name: s.name.clone(),
                    path: s.path.clone(),
                });
            }
            Ok(m) if !m.is_dir() => {
                return Err(ConfigError::SharePathNotDirectory {
                    name: s.name.clone(),
                    path: s.path.clone(),
                });
            }
            Ok(_) => {}
        }
    }
    Ok(shares)
}

fn merge_users(file: &[UserSection], cli: &[String]) -> Result<Vec<UserConfig>, ConfigError> {
    let mut users: Vec<UserConfig> = Vec::new();
    for u in file {
        if u.name.is_empty() {
            return Err(ConfigError::EmptyUserName);
        }
        if users.iter().any(|x| x.name.eq_ignore_ascii_case(&u.name)) {
            return Err(ConfigError::DuplicateUser {
                name: u.name.clone(),
            });
        }
        let nt_hash = match (&u.password, &u.nt_hash) {
            (Some(p), None) => NtHash::from_password(p),
            (None, Some(h)) => NtHash::from_hex(h.trim()).map_err(|_| ConfigError::BadNtHash {
                name: u.name.clone(),
            })?,
            (None, None) => {
                return Err(ConfigError::UserWithoutSecret {
                    name: u.name.clone(),
                });
            }
            (Some(_), Some(_)) => {
                return Err(ConfigError::UserWithTwoSecrets {
                    name: u.name.clone(),
                });
            }
        };
        users.push(UserConfig {
            name: u.name.clone(),
            nt_hash,
        });
    }
    let mut seen_cli = HashSet::new();
    for arg in cli {
        let Some((name, password)) = arg.split_once(':').filter(|(n, _)| !n.is_empty()) else {
            // Never echo the argument: it may hold a password.
            return Err(bad("--user", "…", "NAME:PASSWORD"));
        };
        if password.is_empty() {
            return Err(ConfigError::UserWithoutSecret {
                name: name.to_owned(),
            });
        }
        if !seen_cli.insert(name.to_lowercase()) {
            return Err(ConfigError::DuplicateUser {
                name: name.to_owned(),
            });
        }
        let nt_hash = NtHash::from_password(password);
        match users.iter_mut().find(|u| u.name.eq_ignore_ascii_case(name)) {
            Some(existing) => existing.nt_hash = nt_hash,
            None => users.push(UserConfig {
                name: name.to_owned(),
                nt_hash,
            }),
        }
    }
    Ok(users)
}

/// Host names for NTLM: (NetBIOS name, DNS name).
///
/// The NetBIOS name is the first label of the host name, upper-cased, cut to
/// 15 characters; the DNS name is the host name lower-cased. Falls back to
/// `SMBKIT` when the host name cannot be read.
pub fn host_names() -> (String, String) {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    names_from_host(raw.trim())
}

/// [`host_names`] for a given host name.
pub fn names_from_host(host: &str) -> (String, String) {
    let host = if host.is_empty() { "smbkit" } else { host };
    let first = host.split('.').next().unwrap_or(host);
    let netbios: String = first
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(15)
        .collect::<String>()
        .to_ascii_uppercase();
    let netbios = if netbios.is_empty() {
        "SMBKIT".to_owned()
    } else {
        netbios
    };
    (netbios, host.to_ascii_lowercase())
}
