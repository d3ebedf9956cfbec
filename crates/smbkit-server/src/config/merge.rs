//! Shares and users from the file and the command line, and the host names.

use std::collections::HashSet;
use std::path::PathBuf;

use smbkit_auth::NtHash;

use super::error::bad;
use super::file::{ShareSection, UserSection};
use super::{ConfigError, ShareConfig, UserConfig};

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

pub(super) fn merge_shares(
    file: &[ShareSection],
    cli: &[String],
) -> Result<Vec<ShareConfig>, ConfigError> {
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
            users: s.users.clone(),
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
                users: None,
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

pub(super) fn merge_users(
    file: &[UserSection],
    cli: &[String],
    kerberos: bool,
) -> Result<Vec<UserConfig>, ConfigError> {
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
            (Some(p), None) => Some(NtHash::from_password(p)),
            (None, Some(h)) => {
                Some(
                    NtHash::from_hex(h.trim()).map_err(|_| ConfigError::BadNtHash {
                        name: u.name.clone(),
                    })?,
                )
            }
            // Kerberos-only.
            (None, None) if kerberos => None,
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
        let nt_hash = Some(NtHash::from_password(password));
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
