//! The `[kerberos]` table: the keytab and the realms whose users may sign in.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use smbkit_auth::krb5::{KerberosConfig, Keytab};

use super::ConfigError;

/// The `[kerberos]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KerberosSection {
    /// The MIT keytab holding the service keys (`cifs/HOST@REALM`).
    pub keytab: PathBuf,
    /// Realms whose principals map to users (`alice@REALM` → `alice`).
    pub realms: Vec<String>,
    /// Only this service principal (`cifs/host.example.org`, optionally with
    /// `@REALM`) is accepted; its key must be in the keytab. Every principal
    /// of the keytab when absent.
    pub service: Option<String>,
    /// Allowed clock skew in seconds (default 300).
    pub max_skew_secs: Option<u32>,
}

/// The checked `[kerberos]` table: the keytab is read at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KerberosSettings {
    /// Where the keytab was read from.
    pub keytab_path: PathBuf,
    /// The acceptor's configuration (keys, realms, skew).
    pub acceptor: KerberosConfig,
}

impl KerberosSettings {
    /// The principals whose keys are in use, e.g. `cifs/srv@REALM`, deduplicated.
    #[must_use]
    pub fn principals(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in self.acceptor.keytab.entries() {
            let p = e.principal();
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}

/// The largest skew we allow to be configured: one day.
const MAX_SKEW_LIMIT: u32 = 86_400;

pub(super) fn check(section: &KerberosSection) -> Result<KerberosSettings, ConfigError> {
    if section.realms.iter().all(|r| r.trim().is_empty()) {
        return Err(ConfigError::Empty {
            key: "kerberos.realms".into(),
        });
    }
    let keytab = read_keytab(&section.keytab)?;
    let keytab = match &section.service {
        None => keytab,
        Some(service) => {
            let (name, realm) = match service.split_once('@') {
                Some((n, r)) => (n, Some(r)),
                None => (service.as_str(), None),
            };
            let wanted: Vec<&str> = name.split('/').collect();
            let entries: Vec<_> = keytab
                .entries()
                .iter()
                .filter(|e| {
                    realm.is_none_or(|r| r == e.realm)
                        && e.components.len() == wanted.len()
                        && e.components
                            .iter()
                            .zip(&wanted)
                            .all(|(a, b)| a.eq_ignore_ascii_case(b))
                })
                .cloned()
                .collect();
            if entries.is_empty() {
                return Err(ConfigError::KeytabNoServiceKey {
                    path: section.keytab.clone(),
                    service: service.clone(),
                });
            }
            Keytab::from_entries(entries)
        }
    };
    let mut acceptor = KerberosConfig::new(
        keytab,
        section
            .realms
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect(),
    );
    if let Some(skew) = section.max_skew_secs {
        if skew > MAX_SKEW_LIMIT {
            return Err(super::error::bad(
                "kerberos.max_skew_secs",
                &skew.to_string(),
                "0..=86400",
            ));
        }
        acceptor.max_skew_secs = skew;
    }
    Ok(KerberosSettings {
        keytab_path: section.keytab.clone(),
        acceptor,
    })
}

fn read_keytab(path: &Path) -> Result<Keytab, ConfigError> {
    let keytab = Keytab::read(path).map_err(|e| ConfigError::Keytab {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    if keytab.is_empty() {
        return Err(ConfigError::KeytabNoKeys {
            path: path.to_owned(),
        });
    }
    Ok(keytab)
}

#[cfg(test)]
mod tests {
    use super::*;
    use smbkit_auth::krb5::keytab::encode;
    use smbkit_auth::krb5::{Enctype, Key, KeytabEntry};

    fn write_keytab(dir: &Path) -> PathBuf {
        let entry = KeytabEntry {
            realm: "SMBKIT.TEST".into(),
            components: vec!["cifs".into(), "srv.smbkit.test".into()],
            kvno: 1,
            key: Key::new(Enctype::Aes128CtsHmacSha196, &[1; 16]).unwrap(),
        };
        let path = dir.join("cifs.keytab");
        std::fs::write(&path, encode(&[entry])).unwrap();
        path
    }

    fn section(keytab: PathBuf) -> KerberosSection {
        KerberosSection {
            keytab,
            realms: vec!["SMBKIT.TEST".into()],
            service: None,
            max_skew_secs: None,
        }
    }

    #[test]
    fn keytab_realms_service_and_skew_are_checked() {
        let dir = std::env::temp_dir().join(format!("smbkit-krb-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = write_keytab(&dir);

        let ok = check(&section(path.clone())).unwrap();
        assert_eq!(ok.principals(), ["cifs/srv.smbkit.test@SMBKIT.TEST"]);
        assert_eq!(ok.acceptor.max_skew_secs, 300);

        let mut s = section(path.clone());
        s.service = Some("cifs/SRV.smbkit.test@SMBKIT.TEST".into());
        s.max_skew_secs = Some(60);
        assert_eq!(check(&s).unwrap().acceptor.max_skew_secs, 60);

        s.service = Some("cifs/other.smbkit.test".into());
        let e = check(&s).unwrap_err().to_string();
        assert!(e.contains("no key for cifs/other.smbkit.test"), "{e}");

        let mut s = section(path.clone());
        s.realms = vec![];
        assert_eq!(
            check(&s).unwrap_err().to_string(),
            "kerberos.realms: must not be empty"
        );
        let mut s = section(path.clone());
        s.max_skew_secs = Some(100_000);
        assert!(check(&s).is_err());

        let e = check(&section(dir.join("missing.keytab")))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("kerberos.keytab "), "{e}");
        assert!(!e.contains('\n'));

        let empty = dir.join("empty.keytab");
        std::fs::write(&empty, [5, 2]).unwrap();
        let e = check(&section(empty)).unwrap_err().to_string();
        assert!(e.contains("no aes128/aes256-cts-hmac-sha1-96 key"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn users_without_a_secret_are_kerberos_only_when_kerberos_is_configured() {
        let users = [super::super::UserSection {
            name: "alice".into(),
            password: None,
            nt_hash: None,
        }];
        let merged = super::super::merge::merge_users(&users, &[], true).unwrap();
        assert!(merged[0].nt_hash.is_none());
        assert_eq!(
            super::super::merge::merge_users(&users, &[], false)
                .unwrap_err()
                .to_string(),
            "user \"alice\": needs a password or an nt_hash"
        );
    }
}
