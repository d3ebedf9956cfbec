//! `krb5`: the Kerberos acceptor of smbkit-auth: its DER codecs (AP-REQ,
//! EncTicketPart, Authenticator, EncAPRepPart, AP-REP), GSS framing, keytab
//! parsing, and `KerberosAcceptor::accept` reached past its decryption.
//!
//! Input: one selector byte, then the bytes. Selectors 0–3 decode one
//! structure (decode → encode → decode must give the same value), 4 the
//! AP-REP, 5 the GSS framing, 6 a keytab (parse → encode → parse). Selector
//! 7 takes two u16-length-prefixed plaintexts, an EncTicketPart and an
//! Authenticator: the harness encrypts them with the service key of its
//! keytab and with the ticket's session key (when the first decodes; a fixed
//! key otherwise), so the fuzzer reaches every check after decryption.

use smbkit_auth::MemoryCredentials;
use smbkit_auth::krb5::asn1::{
    ApReq, Authenticator, EncApRepPart, EncTicketPart, EncryptedData, PrincipalName, Ticket,
    decode_ap_rep,
};
use smbkit_auth::krb5::crypto::usage;
use smbkit_auth::krb5::keytab;
use smbkit_auth::krb5::{Enctype, KerberosAcceptor, KerberosConfig, Key, Keytab, KeytabEntry, gss};

/// The realm of the harness.
pub const REALM: &str = "SMBKIT.TEST";
/// Unix time the harness runs at.
pub const NOW: i64 = 1_795_331_700;

/// The service key in the harness's keytab.
pub fn service_key() -> Key {
    let bytes: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(37) ^ 0x5c).collect();
    Key::new(Enctype::Aes256CtsHmacSha196, &bytes).expect("a 32-byte AES-256 key")
}

/// A keytab with `cifs/srv.smbkit.test@SMBKIT.TEST`, kvno 2.
pub fn keytab() -> Keytab {
    Keytab::from_entries(vec![KeytabEntry {
        realm: REALM.into(),
        components: vec!["cifs".into(), "srv.smbkit.test".into()],
        kvno: 2,
        key: service_key(),
    }])
}

macro_rules! der {
    ($ty:ident, $bytes:expr) => {{
        if let Ok(first) = $ty::decode($bytes) {
            let bytes = first.encode();
            let second = $ty::decode(&bytes)
                .expect(concat!(stringify!($ty), ": the re-encoded value decodes"));
            assert_eq!(first, second, concat!(stringify!($ty), ": decode∘encode"));
            assert_eq!(bytes, second.encode(), concat!(stringify!($ty), ": stable"));
        }
    }};
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 8 {
        0 => der!(ApReq, rest),
        1 => der!(EncTicketPart, rest),
        2 => der!(Authenticator, rest),
        3 => der!(EncApRepPart, rest),
        4 => {
            let _ = decode_ap_rep(rest);
        }
        5 => {
            let _ = gss::is_kerberos(rest);
            if let Ok((tok_id, inner)) = gss::unwrap(rest) {
                let wrapped = gss::wrap(tok_id, inner);
                let (id2, inner2) = gss::unwrap(&wrapped).expect("re-wrapped token unwraps");
                assert_eq!((tok_id, inner), (id2, inner2), "gss: unwrap∘wrap");
            }
        }
        6 => {
            if let Ok(first) = Keytab::parse(rest) {
                let bytes = keytab::encode(first.entries());
                let second = Keytab::parse(&bytes).expect("a re-encoded keytab parses");
                assert!(first == second, "Keytab: parse∘encode");
            }
        }
        _ => {
            accept(rest);
        }
    }
}

/// Selector 7; true when the AP-REQ was accepted.
pub fn accept(data: &[u8]) -> bool {
    let parts = crate::spnego::tokens(data, 2);
    let (Some(ticket_part), Some(authenticator)) = (parts.first(), parts.get(1)) else {
        return false;
    };
    let service = service_key();
    let session_key = EncTicketPart::decode(ticket_part).map_or_else(
        |_| Key::new(Enctype::Aes128CtsHmacSha196, &[0x42; 16]).expect("a 16-byte key"),
        |part| part.key,
    );
    let (Ok(ticket_cipher), Ok(auth_cipher)) = (
        service.encrypt(usage::TICKET, ticket_part),
        session_key.encrypt(usage::AP_REQ_AUTHENTICATOR, authenticator),
    ) else {
        return false;
    };
    let req = ApReq {
        ap_options: 0x2000_0000,
        ticket: Ticket {
            realm: REALM.into(),
            sname: PrincipalName::new(2, &["cifs", "srv.smbkit.test"]),
            enc_part: EncryptedData {
                etype: service.etype().number(),
                kvno: Some(2),
                cipher: ticket_cipher,
            },
        },
        authenticator: EncryptedData {
            etype: session_key.etype().number(),
            kvno: None,
            cipher: auth_cipher,
        },
    };
    let acceptor = KerberosAcceptor::new(KerberosConfig::new(keytab(), vec![REALM.into()]));
    let mut creds = MemoryCredentials::new();
    creds.add_kerberos_only("alice");
    match acceptor.accept(&req.encode(), NOW, &creds) {
        Ok(accepted) => {
            assert_eq!(accepted.user, "alice", "only the configured user signs in");
            assert!(accepted.realm.eq_ignore_ascii_case(REALM));
            true
        }
        Err(e) => {
            if std::env::var_os("SMBKIT_FUZZ_TRACE").is_some() {
                eprintln!("krb5 accept: {e}");
            }
            false
        }
    }
}

/// Seed inputs for this target (the interop captures have no Kerberos): a
/// valid ticket part and authenticator for alice, and their encodings alone.
pub fn seeds() -> Vec<Vec<u8>> {
    use smbkit_auth::krb5::asn1::{Checksum, format_time};
    let session_key = Key::new(Enctype::Aes128CtsHmacSha196, &[0x42; 16]).expect("key");
    let part = EncTicketPart {
        flags: 0x4081_0000,
        key: session_key,
        crealm: REALM.into(),
        cname: PrincipalName::new(1, &["alice"]),
        authtime: NOW - 60,
        starttime: Some(NOW - 60),
        endtime: NOW + 3600,
    }
    .encode();
    let mut cksum = vec![16, 0, 0, 0];
    cksum.extend_from_slice(&[0; 16]);
    cksum.extend_from_slice(&0x22u32.to_le_bytes());
    let auth = Authenticator {
        crealm: REALM.into(),
        cname: PrincipalName::new(1, &["alice"]),
        cksum: Some(Checksum {
            cksumtype: 0x8003,
            checksum: cksum,
        }),
        cusec: 123_456,
        ctime: NOW,
        ctime_raw: format_time(NOW),
        subkey: Some(Key::new(Enctype::Aes128CtsHmacSha196, &[7; 16]).expect("key")),
        seq_number: Some(99),
    }
    .encode();
    // The first part length-prefixed, the last one takes the rest.
    let mut accept = vec![7u8];
    accept.extend_from_slice(&u16::try_from(part.len()).expect("small").to_le_bytes());
    accept.extend_from_slice(&part);
    accept.extend_from_slice(&auth);
    let with = |sel: u8, bytes: &[u8]| [&[sel][..], bytes].concat();
    vec![
        accept,
        with(1, &part),
        with(2, &auth),
        with(6, &keytab::encode(keytab().entries())),
    ]
}
