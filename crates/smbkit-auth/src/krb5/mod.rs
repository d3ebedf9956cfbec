//! The Kerberos 5 acceptor (RFC 4120, RFC 4121 GSS-API framing, AES enctypes
//! of RFC 3962).
//!
//! - [`crypto`]: keys, string-to-key, encryption with HMAC-SHA1-96,
//! - [`keytab`]: MIT keytab files,
//! - [`asn1`]: AP-REQ / AP-REP and what they carry,
//! - [`gss`]: the GSS-API token framing,
//! - [`KerberosAcceptor`]: the checks, the replay cache, the AP-REP.

mod acceptor;
pub mod asn1;
pub mod crypto;
pub mod gss;
pub mod keytab;
mod replay;

pub use acceptor::{Accepted, KerberosAcceptor, KerberosConfig};
pub use crypto::{Enctype, Key};
pub use keytab::{Keytab, KeytabEntry};

use thiserror::Error;

/// Why a Kerberos AP-REQ was refused. The client always gets
/// `STATUS_LOGON_FAILURE`; the variant is for the server's log.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KrbError {
    /// The token or a structure inside it could not be decoded.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// An enctype other than aes128/aes256-cts-hmac-sha1-96.
    #[error("unsupported enctype {0}")]
    UnsupportedEnctype(i32),
    /// The ticket names a service principal that is not in the keytab.
    #[error("service principal not in the keytab")]
    UnknownService,
    /// The keytab has the principal but no key of that enctype and kvno.
    #[error("no key of that enctype and kvno in the keytab")]
    NoKey,
    /// Decryption failed: wrong key, or tampered data.
    #[error("decryption integrity check failed")]
    Integrity,
    /// A key of the wrong length for its enctype.
    #[error("key length does not fit the enctype")]
    BadKeyLength,
    /// The ticket carries the INVALID flag.
    #[error("ticket is flagged invalid")]
    TicketInvalid,
    /// The ticket's start time is in the future.
    #[error("ticket not yet valid")]
    TicketNotYetValid,
    /// The ticket has expired.
    #[error("ticket expired")]
    TicketExpired,
    /// The authenticator's time is outside the allowed clock skew.
    #[error("clock skew too great")]
    ClockSkew,
    /// The authenticator names another client than the ticket.
    #[error("authenticator client does not match the ticket")]
    ClientMismatch,
    /// The GSS-API checksum is missing or malformed.
    #[error("bad GSS-API authenticator checksum")]
    BadChecksum,
    /// This authenticator was seen before.
    #[error("replayed authenticator")]
    Replay,
    /// The replay cache is full of live entries.
    #[error("replay cache full")]
    ReplayCacheFull,
    /// The client's realm is not one we accept.
    #[error("client realm not accepted")]
    RealmNotAccepted,
    /// The client principal maps to no configured user.
    #[error("client principal maps to no user")]
    UnknownUser,
    /// Randomness or a cipher failed.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// A keytab could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeytabError {
    /// The file could not be read.
    #[error("cannot read keytab: {0}")]
    Io(String),
    /// The data ended inside an entry.
    #[error("keytab truncated")]
    Truncated,
    /// A keytab format version other than 0x0502.
    #[error("unsupported keytab version 0x05{0:02x}")]
    Version(u8),
    /// Something else is wrong.
    #[error("malformed keytab: {0}")]
    Malformed(&'static str),
}
