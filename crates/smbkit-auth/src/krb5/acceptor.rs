//! Accepting an AP-REQ: every check of RFC 4120 3.2.3 that a file server
//! needs, the replay cache, and the mutual-authentication AP-REP.

use std::sync::Mutex;

use super::KrbError;
use super::asn1::{
    AP_OPTION_MUTUAL_REQUIRED, ApReq, Authenticator, EncApRepPart, EncTicketPart, EncryptedData,
    TICKET_FLAG_INVALID, encode_ap_rep,
};
use super::crypto::{Enctype, Key, usage};
use super::keytab::Keytab;
use super::replay::ReplayCache;
use crate::creds::CredentialStore;
use crate::keys::SessionKey;

/// The GSS-API checksum type in the Authenticator (RFC 4121 4.1.1).
pub const GSS_CHECKSUM_TYPE: i32 = 0x8003;
/// GSS_C_MUTUAL_FLAG in that checksum's flags.
const GSS_C_MUTUAL_FLAG: u32 = 2;
/// The default allowed clock skew (RFC 4120 suggests five minutes).
pub const DEFAULT_MAX_SKEW_SECS: u32 = 300;

/// What a Kerberos acceptor needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KerberosConfig {
    /// The service keys.
    pub keytab: Keytab,
    /// Client realms whose principals may sign in (`alice@REALM` → `alice`).
    pub realms: Vec<String>,
    /// Allowed clock skew in seconds.
    pub max_skew_secs: u32,
}

impl KerberosConfig {
    /// A configuration with the default five-minute skew.
    #[must_use]
    pub fn new(keytab: Keytab, realms: Vec<String>) -> Self {
        Self {
            keytab,
            realms,
            max_skew_secs: DEFAULT_MAX_SKEW_SECS,
        }
    }
}

/// A Kerberos acceptor shared by all connections (it owns the replay cache).
#[derive(Debug)]
pub struct KerberosAcceptor {
    config: KerberosConfig,
    replay: Mutex<ReplayCache>,
}

/// An accepted AP-REQ.
#[derive(Debug)]
#[non_exhaustive]
pub struct Accepted {
    /// The local user (the principal's single name component).
    pub user: String,
    /// The client's realm.
    pub realm: String,
    /// The SMB session key: our acceptor subkey (mutual authentication), else
    /// the initiator's subkey or the ticket session key, at full length.
    pub session_key: SessionKey,
    /// The AP-REP (not GSS-framed) when the client asked for mutual
    /// authentication.
    pub ap_rep: Option<Vec<u8>>,
    /// The key of the security context (for a GSS MIC), and whether it is
    /// our acceptor subkey.
    pub context_key: Key,
    /// Whether `context_key` is the acceptor subkey.
    pub acceptor_subkey: bool,
    /// Our initial sequence number (sent in the AP-REP).
    pub acceptor_seq: u32,
}

impl KerberosAcceptor {
    /// An acceptor with an empty replay cache.
    #[must_use]
    pub fn new(config: KerberosConfig) -> Self {
        Self {
            config,
            replay: Mutex::new(ReplayCache::default()),
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &KerberosConfig {
        &self.config
    }

    /// Checks an AP-REQ (the DER message, without GSS framing) at `now`
    /// (Unix seconds) and maps its client to a user of `creds`.
    pub fn accept(
        &self,
        ap_req: &[u8],
        now: i64,
        creds: &dyn CredentialStore,
    ) -> Result<Accepted, KrbError> {
        let req = ApReq::decode(ap_req)?;
        let skew = i64::from(self.config.max_skew_secs);

        // The ticket: our key for the named service, then its times.
        let enc = &req.ticket.enc_part;
        let etype =
            Enctype::from_number(enc.etype).ok_or(KrbError::UnsupportedEnctype(enc.etype))?;
        let service_key = self.config.keytab.find(
            &req.ticket.realm,
            &req.ticket.sname.components,
            etype,
            enc.kvno,
        )?;
        let plain = service_key.decrypt(usage::TICKET, &enc.cipher)?;
        let ticket = EncTicketPart::decode(&plain)?;
        if ticket.flags & TICKET_FLAG_INVALID != 0 {
            return Err(KrbError::TicketInvalid);
        }
        let start = ticket.starttime.unwrap_or(ticket.authtime);
        if start.saturating_sub(skew) > now {
            return Err(KrbError::TicketNotYetValid);
        }
        if now.saturating_sub(skew) > ticket.endtime {
            return Err(KrbError::TicketExpired);
        }

        // The authenticator: same client, fresh, with the GSS checksum.
        let plain = ticket
            .key
            .decrypt(usage::AP_REQ_AUTHENTICATOR, &req.authenticator.cipher)?;
        let auth = Authenticator::decode(&plain)?;
        if auth.crealm != ticket.crealm || auth.cname.components != ticket.cname.components {
            return Err(KrbError::ClientMismatch);
        }
        if auth.ctime.abs_diff(now) > u64::from(self.config.max_skew_secs) {
            return Err(KrbError::ClockSkew);
        }
        let gss_flags = gss_checksum_flags(&auth)?;
        let mutual =
            gss_flags & GSS_C_MUTUAL_FLAG != 0 || req.ap_options & AP_OPTION_MUTUAL_REQUIRED != 0;

        // Who: name@REALM with a configured realm and a configured user.
        if !self.config.realms.contains(&ticket.crealm) {
            return Err(KrbError::RealmNotAccepted);
        }
        let [user] = ticket.cname.components.as_slice() else {
            return Err(KrbError::UnknownUser);
        };
        if !creds.has_user(user) {
            return Err(KrbError::UnknownUser);
        }

        self.replay
            .lock()
            .map_err(|_| KrbError::Internal("replay cache lock"))?
            .check_and_insert(
                &req.authenticator.cipher,
                auth.ctime.saturating_add(skew),
                now,
            )?;

        let mut seq_bytes = [0u8; 4];
        getrandom::fill(&mut seq_bytes).map_err(|_| KrbError::Internal("random generator"))?;
        let acceptor_seq = u32::from_be_bytes(seq_bytes) & 0x3FFF_FFFF;
        let (context_key, acceptor_subkey, ap_rep) = if mutual {
            let etype = auth.subkey.as_ref().map_or(ticket.key.etype(), Key::etype);
            let subkey = Key::random(etype)?;
            let part = EncApRepPart {
                ctime_raw: auth.ctime_raw.clone(),
                cusec: auth.cusec,
                subkey: Some(subkey.clone()),
                seq_number: Some(acceptor_seq),
            };
            let plain = zeroize::Zeroizing::new(part.encode());
            let cipher = ticket.key.encrypt(usage::AP_REP_ENC_PART, &plain)?;
            let rep = encode_ap_rep(&EncryptedData {
                etype: ticket.key.etype().number(),
                kvno: None,
                cipher,
            });
            (subkey, true, Some(rep))
        } else {
            (
                auth.subkey.clone().unwrap_or(ticket.key.clone()),
                false,
                None,
            )
        };
        Ok(Accepted {
            user: user.clone(),
            realm: ticket.crealm.clone(),
            session_key: SessionKey::from_slice(context_key.as_bytes()),
            ap_rep,
            context_key,
            acceptor_subkey,
            acceptor_seq,
        })
    }
}

/// The flags of the RFC 4121 4.1.1 checksum: type 0x8003, Lgth 16, then the
/// 16-byte channel binding hash and 4 bytes of flags (little-endian).
fn gss_checksum_flags(auth: &Authenticator) -> Result<u32, KrbError> {
    let c = auth.cksum.as_ref().ok_or(KrbError::BadChecksum)?;
    if c.cksumtype != GSS_CHECKSUM_TYPE {
        return Err(KrbError::BadChecksum);
    }
    let (lgth, rest) = c
        .checksum
        .split_first_chunk::<4>()
        .ok_or(KrbError::BadChecksum)?;
    if u32::from_le_bytes(*lgth) != 16 {
        return Err(KrbError::BadChecksum);
    }
    let flags = rest
        .get(16..20)
        .and_then(|f| <[u8; 4]>::try_from(f).ok())
        .ok_or(KrbError::BadChecksum)?;
    Ok(u32::from_le_bytes(flags))
}
