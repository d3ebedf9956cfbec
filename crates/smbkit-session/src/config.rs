//! Server configuration the connection core reads: dialects, signing and
//! encryption policy, algorithms, limits, shares.

use core::fmt;
use core::str::FromStr;

use smbkit_auth::AcceptorConfig;
use smbkit_auth::ntlm::NtlmConfig;
use smbkit_seal::Cipher;
use smbkit_sign::SigningAlgorithm;
use smbkit_wire::negotiate::dialect;

/// An SMB2/3 dialect this server can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dialect {
    /// SMB 2.0.2.
    Smb202,
    /// SMB 2.1.
    Smb210,
    /// SMB 3.0.
    Smb300,
    /// SMB 3.0.2.
    Smb302,
    /// SMB 3.1.1.
    Smb311,
}

impl Dialect {
    /// Every dialect, lowest first.
    pub const ALL: [Dialect; 5] = [
        Dialect::Smb202,
        Dialect::Smb210,
        Dialect::Smb300,
        Dialect::Smb302,
        Dialect::Smb311,
    ];

    /// The DialectRevision value (0x0202 … 0x0311).
    #[must_use]
    pub const fn id(self) -> u16 {
        match self {
            Dialect::Smb202 => dialect::SMB202,
            Dialect::Smb210 => dialect::SMB210,
            Dialect::Smb300 => dialect::SMB300,
            Dialect::Smb302 => dialect::SMB302,
            Dialect::Smb311 => dialect::SMB311,
        }
    }

    /// The dialect with this DialectRevision, if we speak it.
    #[must_use]
    pub const fn from_id(id: u16) -> Option<Dialect> {
        match id {
            dialect::SMB202 => Some(Dialect::Smb202),
            dialect::SMB210 => Some(Dialect::Smb210),
            dialect::SMB300 => Some(Dialect::Smb300),
            dialect::SMB302 => Some(Dialect::Smb302),
            dialect::SMB311 => Some(Dialect::Smb311),
            _ => None,
        }
    }

    /// Whether this is one of the SMB 3.x dialects.
    #[must_use]
    pub const fn is_smb3(self) -> bool {
        matches!(self, Dialect::Smb300 | Dialect::Smb302 | Dialect::Smb311)
    }

    /// The dotted name, e.g. `"3.1.1"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Dialect::Smb202 => "2.0.2",
            Dialect::Smb210 => "2.1",
            Dialect::Smb300 => "3.0",
            Dialect::Smb302 => "3.0.2",
            Dialect::Smb311 => "3.1.1",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A dialect name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown SMB dialect {0:?} (expected 2.0.2, 2.1, 3.0, 3.0.2 or 3.1.1)")]
pub struct ParseDialectError(pub String);

impl FromStr for Dialect {
    type Err = ParseDialectError;

    /// Parses `"2.0.2"`, `"2.1"` (or `"2.1.0"`), `"3.0"` (or `"3.0.0"`),
    /// `"3.0.2"`, `"3.1.1"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "2.0.2" | "2.002" => Ok(Dialect::Smb202),
            "2.1" | "2.1.0" => Ok(Dialect::Smb210),
            "3.0" | "3.0.0" => Ok(Dialect::Smb300),
            "3.0.2" => Ok(Dialect::Smb302),
            "3.1.1" => Ok(Dialect::Smb311),
            other => Err(ParseDialectError(other.to_owned())),
        }
    }
}

/// Whether signing is merely offered or demanded of every session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningPolicy {
    /// SIGNING_ENABLED: sessions sign when the client asks.
    Enabled,
    /// SIGNING_REQUIRED: every authenticated session signs.
    Required,
}

/// Whether sessions may, or must, encrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncryptionPolicy {
    /// No encryption is negotiated.
    Disabled,
    /// Encryption is offered; shares marked `encrypt` demand it.
    Enabled,
    /// Every session must encrypt (Session.EncryptData); clients that
    /// cannot are refused with STATUS_ACCESS_DENIED.
    Required,
}

/// A disk share. `IPC$` always exists and is not listed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// The share name, compared case-insensitively.
    pub name: String,
    /// Whether the share demands encryption (Share.EncryptData).
    pub encrypt: bool,
    /// The users who may connect to the share (compared case-insensitively);
    /// `None`: every signed-in user.
    pub users: Option<Vec<String>>,
}

impl Share {
    /// A share that does not demand encryption.
    #[must_use]
    pub fn new(name: &str) -> Share {
        Share {
            name: name.to_owned(),
            encrypt: false,
            users: None,
        }
    }

    /// A share that demands encryption.
    #[must_use]
    pub fn encrypted(name: &str) -> Share {
        Share {
            name: name.to_owned(),
            encrypt: true,
            users: None,
        }
    }

    /// The same share, open only to `users`.
    #[must_use]
    pub fn with_users(mut self, users: &[&str]) -> Share {
        self.users = Some(users.iter().map(|u| (*u).to_owned()).collect());
        self
    }

    /// Whether `user` may connect to this share.
    #[must_use]
    pub fn admits(&self, user: &str) -> bool {
        self.users
            .as_ref()
            .is_none_or(|list| list.iter().any(|u| u.eq_ignore_ascii_case(user)))
    }
}

/// Per-connection limits against a client that hoards server state
/// (see `docs/security.md`). Each refusal is an NTSTATUS to the client, not
/// a dropped connection, except [`Limits::max_compound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sessions (signed in or being set up) one connection may hold; one
    /// more SESSION_SETUP is STATUS_INSUFFICIENT_RESOURCES. Default 64.
    pub max_sessions: usize,
    /// Tree connects one session may hold; one more TREE_CONNECT is
    /// STATUS_INSUFFICIENT_RESOURCES. Default 1024.
    pub max_trees: usize,
    /// Messages in one compound chain; a longer chain closes the
    /// connection. Default 128.
    pub max_compound: usize,
    /// Bytes of a SESSION_SETUP security buffer; a longer one is
    /// STATUS_INVALID_PARAMETER. Default 64 KiB (a Kerberos ticket with a
    /// large PAC is some 12 KiB).
    pub max_security_buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sessions: 64,
            max_trees: 1024,
            max_compound: 128,
            max_security_buffer: 64 << 10,
        }
    }
}

/// The default MaxReadSize / MaxWriteSize / MaxTransactSize: 8 MiB.
pub const DEFAULT_MAX_SIZE: u32 = 8 << 20;

/// What a [`Connection`](crate::Connection) needs to know about the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// ServerGuid sent in NEGOTIATE and VALIDATE_NEGOTIATE_INFO.
    pub server_guid: [u8; 16],
    /// The lowest dialect accepted.
    pub min_dialect: Dialect,
    /// The highest dialect accepted.
    pub max_dialect: Dialect,
    /// Signing policy.
    pub signing: SigningPolicy,
    /// Encryption policy.
    pub encryption: EncryptionPolicy,
    /// Ciphers, server preference first.
    pub ciphers: Vec<Cipher>,
    /// Signing algorithms for 3.1.1, server preference first.
    pub signing_algorithms: Vec<SigningAlgorithm>,
    /// Whether anonymous (null) sessions are allowed.
    pub guest: bool,
    /// MaxReadSize.
    pub max_read_size: u32,
    /// MaxWriteSize.
    pub max_write_size: u32,
    /// MaxTransactSize.
    pub max_transact_size: u32,
    /// The authentication acceptor's configuration.
    pub auth: AcceptorConfig,
    /// Disk shares (IPC$ is implicit).
    pub shares: Vec<Share>,
    /// The most credits a client may hold at once (MS-SMB2 3.3.1.1);
    /// default [`DEFAULT_MAX_CREDITS`](crate::credits::DEFAULT_MAX_CREDITS).
    pub max_credits: u16,
    /// Per-connection limits.
    pub limits: Limits,
}

impl Config {
    /// Safe defaults with this ServerGuid: dialects 2.0.2 … 3.1.1, signing
    /// required, encryption enabled (AES-128-GCM first), GMAC signing first,
    /// guest off, 8 MiB limits, 8192 credits, NTLM as computer `SMBKIT`, no disk shares.
    #[must_use]
    pub fn new(server_guid: [u8; 16]) -> Config {
        Config {
            server_guid,
            min_dialect: Dialect::Smb202,
            max_dialect: Dialect::Smb311,
            signing: SigningPolicy::Required,
            encryption: EncryptionPolicy::Enabled,
            ciphers: vec![
                Cipher::Aes128Gcm,
                Cipher::Aes128Ccm,
                Cipher::Aes256Gcm,
                Cipher::Aes256Ccm,
            ],
            signing_algorithms: vec![
                SigningAlgorithm::AesGmac,
                SigningAlgorithm::AesCmac,
                SigningAlgorithm::HmacSha256,
            ],
            guest: false,
            max_read_size: DEFAULT_MAX_SIZE,
            max_write_size: DEFAULT_MAX_SIZE,
            max_transact_size: DEFAULT_MAX_SIZE,
            auth: AcceptorConfig::new(NtlmConfig::standalone("smbkit")),
            shares: Vec::new(),
            max_credits: crate::credits::DEFAULT_MAX_CREDITS,
            limits: Limits::default(),
        }
    }
}

impl Default for Config {
    /// [`Config::new`] with a random ServerGuid (all zeros if the system
    /// random generator fails; set a stable one in production).
    fn default() -> Self {
        let mut guid = [0u8; 16];
        if getrandom::fill(&mut guid).is_err() {
            guid = [0; 16];
        }
        Config::new(guid)
    }
}
