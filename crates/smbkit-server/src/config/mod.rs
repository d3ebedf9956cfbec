//! Configuration: the TOML file, the command line, and the checked result.
//!
//! [`Cli`] is what `smbkitd` accepts on its command line, [`FileConfig`] is
//! the TOML file, and [`ServerConfig::load`] merges the two and checks every
//! value. Every refusal is a [`ConfigError`] whose `Display` is one line that
//! names the problem.
//!
//! The checked [`ServerConfig`] holds the lower crates' own types
//! ([`Dialect`], [`SigningPolicy`], [`EncryptionPolicy`], [`Cipher`],
//! [`SigningAlgorithm`]), re-exported here.

mod cli;
mod error;
mod file;
mod kerberos;
mod limits;
mod merge;

use std::net::SocketAddr;
use std::path::PathBuf;

use smbkit_auth::NtHash;

pub use cli::Cli;
pub use error::ConfigError;
pub use file::{FileConfig, ServerSection, ShareSection, UserSection};
pub use kerberos::{KerberosSection, KerberosSettings};
pub use limits::{LimitsConfig, LimitsSection};
pub use merge::{host_names, names_from_host};
pub use smbkit_seal::Cipher;
pub use smbkit_session::{Dialect, EncryptionPolicy, SigningPolicy};
pub use smbkit_sign::SigningAlgorithm;

use error::bad;
use merge::{merge_shares, merge_users};

/// The default listener: loopback only, an unprivileged port.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4445";

/// The default largest Direct-TCP frame accepted: 8 MiB of payload plus
/// 64 KiB for headers, the largest READ/WRITE we offer plus room.
pub const DEFAULT_MAX_FRAME: u32 = (8 << 20) + (64 << 10);

/// The largest value the 24-bit Direct-TCP length field can carry.
pub const DIRECT_TCP_MAX: u32 = 0x00FF_FFFF;

/// Default MaxReadSize / MaxWriteSize / MaxTransactSize offered in NEGOTIATE.
pub const DEFAULT_MAX_IO: u32 = 8 << 20;

/// What `server.min_dialect` / `server.max_dialect` accept.
const DIALECT_NAMES: &str = "one of 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1";
/// What `server.ciphers` accepts.
const CIPHER_NAMES: &str = "one of AES-128-GCM, AES-128-CCM, AES-256-GCM, AES-256-CCM";
/// What `server.signing_algorithms` accepts.
const SIGNING_ALGORITHM_NAMES: &str = "one of AES-128-GMAC, AES-128-CMAC, HMAC-SHA256";

/// A dialect by its exact dotted name (`"3.1.1"`).
fn parse_dialect(s: &str) -> Option<Dialect> {
    Dialect::ALL.into_iter().find(|d| d.name() == s)
}

/// A cipher by its name, ignoring ASCII case (`"aes-128-gcm"`).
fn parse_cipher(s: &str) -> Option<Cipher> {
    Cipher::ALL
        .into_iter()
        .find(|c| c.name().eq_ignore_ascii_case(s))
}

/// A signing algorithm by its name, ignoring ASCII case (`"hmac-sha256"`).
fn parse_signing_algorithm(s: &str) -> Option<SigningAlgorithm> {
    SigningAlgorithm::ALL
        .into_iter()
        .find(|a| a.name().eq_ignore_ascii_case(s))
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
    /// Only these users may connect; `None`: every configured user.
    pub users: Option<Vec<String>>,
}

/// A checked account. The password is kept only as its NT hash.
#[derive(Debug, Clone)]
pub struct UserConfig {
    /// Account name.
    pub name: String,
    /// NTOWFv1 of the password; `None` for a Kerberos-only account.
    pub nt_hash: Option<NtHash>,
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
    pub signing: SigningPolicy,
    /// Encryption policy.
    pub encryption: EncryptionPolicy,
    /// Ciphers in order of preference (no duplicates).
    pub ciphers: Vec<Cipher>,
    /// Signing algorithms in order of preference (no duplicates).
    pub signing_algorithms: Vec<SigningAlgorithm>,
    /// Allow guest sessions.
    pub guest: bool,
    /// Largest Direct-TCP frame accepted.
    pub max_frame_size: u32,
    /// Shares.
    pub shares: Vec<ShareConfig>,
    /// Accounts.
    pub users: Vec<UserConfig>,
    /// Kerberos (`[kerberos]`); `None`: NTLM only, Kerberos not advertised.
    pub kerberos: Option<KerberosSettings>,
    /// Resource limits (`[limits]`).
    pub limits: LimitsConfig,
}

impl Default for ServerConfig {
    /// The safe defaults: loopback listener, 2.0.2–3.1.1, signing required,
    /// encryption enabled, every cipher and signing algorithm, no guest, no
    /// share and no user.
    fn default() -> Self {
        // The protocol defaults are the session layer's, so the two never
        // drift apart.
        let session = smbkit_session::Config::new([0; 16]);
        ServerConfig {
            listen: vec![SocketAddr::from(([127, 0, 0, 1], 4445))],
            min_dialect: session.min_dialect,
            max_dialect: session.max_dialect,
            signing: session.signing,
            encryption: session.encryption,
            ciphers: session.ciphers,
            signing_algorithms: session.signing_algorithms,
            guest: session.guest,
            max_frame_size: DEFAULT_MAX_FRAME,
            shares: Vec::new(),
            users: Vec::new(),
            kerberos: None,
            limits: LimitsConfig::default(),
        }
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
            Some(v) => parse_dialect(v).ok_or_else(|| bad(key, v, DIALECT_NAMES)),
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
            Some("required") => SigningPolicy::Required,
            Some("enabled") => SigningPolicy::Enabled,
            Some(v) => return Err(bad("server.signing", v, "required or enabled")),
        };
        let encryption = match s.encryption.as_deref() {
            None => defaults.encryption,
            Some("disabled") => EncryptionPolicy::Disabled,
            Some("enabled") => EncryptionPolicy::Enabled,
            Some("required") => EncryptionPolicy::Required,
            Some(v) => return Err(bad("server.encryption", v, "disabled, enabled or required")),
        };
        if encryption == EncryptionPolicy::Required && max_dialect < Dialect::Smb300 {
            return Err(ConfigError::EncryptionNeedsSmb3);
        }

        let ciphers = match &s.ciphers {
            None => defaults.ciphers,
            Some(list) => parse_list(list, "server.ciphers", parse_cipher, CIPHER_NAMES)?,
        };
        if ciphers.is_empty() && encryption != EncryptionPolicy::Disabled {
            return Err(ConfigError::Empty {
                key: "server.ciphers".into(),
            });
        }
        let signing_algorithms = match &s.signing_algorithms {
            None => defaults.signing_algorithms,
            Some(list) => parse_list(
                list,
                "server.signing_algorithms",
                parse_signing_algorithm,
                SIGNING_ALGORITHM_NAMES,
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
        let kerberos = file.kerberos.as_ref().map(kerberos::check).transpose()?;
        let limits = limits::check(file.limits.as_ref())?;
        let users = merge_users(&file.user, &cli.user, kerberos.is_some())?;
        for share in &shares {
            for listed in share.users.iter().flatten() {
                if !users.iter().any(|u| u.name.eq_ignore_ascii_case(listed)) {
                    return Err(ConfigError::ShareUnknownUser {
                        share: share.name.clone(),
                        user: listed.clone(),
                    });
                }
            }
        }

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
            kerberos,
            limits,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_to_its_value() {
        for d in Dialect::ALL {
            assert_eq!(parse_dialect(d.name()), Some(d));
            assert!(DIALECT_NAMES.contains(d.name()), "{d}");
        }
        // Dialects are matched exactly, as written in the error message.
        for other in ["2.1.0", "3.0.0", "2.002", " 3.0", "3.1.1 ", ""] {
            assert_eq!(parse_dialect(other), None, "{other:?}");
        }
        for c in Cipher::ALL {
            assert_eq!(parse_cipher(c.name()), Some(c));
            assert_eq!(parse_cipher(&c.name().to_ascii_lowercase()), Some(c));
            assert!(CIPHER_NAMES.contains(c.name()), "{c}");
        }
        assert_eq!(parse_cipher("AES-128"), None);
        for a in SigningAlgorithm::ALL {
            assert_eq!(parse_signing_algorithm(a.name()), Some(a));
            assert_eq!(
                parse_signing_algorithm(&a.name().to_ascii_lowercase()),
                Some(a)
            );
            assert!(SIGNING_ALGORITHM_NAMES.contains(a.name()), "{a}");
        }
        assert_eq!(parse_signing_algorithm("HMAC-SHA512"), None);
    }
}
