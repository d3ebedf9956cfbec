//! Property tests for the Kerberos side: no decoder or acceptor panics on
//! arbitrary or mutated bytes, and the encoders and decoders agree.
//!
//! `data/krb5_mit_ap_req.bin` is a GSS-framed AP-REQ made by MIT Kerberos
//! 1.20 (python-gssapi) in a throwaway test realm, for mutation.
// Test helpers outside #[test] fns: a failure here should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use proptest::prelude::*;
use smbkit_auth::krb5::asn1::{
    ApReq, Authenticator, Checksum, EncApRepPart, EncTicketPart, PrincipalName, decode_ap_rep,
    format_time,
};
use smbkit_auth::krb5::keytab::encode;
use smbkit_auth::krb5::{Enctype, KerberosAcceptor, KerberosConfig, Key, Keytab, KeytabEntry, gss};
use smbkit_auth::{Acceptor, AcceptorConfig, MemoryCredentials, NtlmConfig};

const MIT_AP_REQ: &[u8] = include_bytes!("data/krb5_mit_ap_req.bin");

fn decode_everything(bytes: &[u8]) {
    let _ = Keytab::parse(bytes);
    let _ = ApReq::decode(bytes);
    let _ = EncTicketPart::decode(bytes);
    let _ = Authenticator::decode(bytes);
    let _ = EncApRepPart::decode(bytes);
    let _ = decode_ap_rep(bytes);
    if let Ok((_, inner)) = gss::unwrap(bytes) {
        let _ = ApReq::decode(inner);
    }
}

fn acceptor() -> Acceptor {
    let entry = KeytabEntry {
        realm: "SMBKIT.TEST".into(),
        components: vec!["cifs".into(), "srv.smbkit.test".into()],
        kvno: 1,
        key: Key::new(Enctype::Aes256CtsHmacSha196, &[9; 32]).unwrap(),
    };
    let krb = KerberosAcceptor::new(KerberosConfig::new(
        Keytab::from_entries(vec![entry]),
        vec!["SMBKIT.TEST".into()],
    ));
    Acceptor::new(AcceptorConfig::new(NtlmConfig::default()).with_kerberos(Arc::new(krb)))
}

#[test]
fn the_mit_token_decodes() {
    let (tok_id, inner) = gss::unwrap(MIT_AP_REQ).unwrap();
    assert_eq!(tok_id, gss::TOK_AP_REQ);
    let req = ApReq::decode(inner).unwrap();
    assert_eq!(req.ticket.realm, "SMBKIT.TEST");
    assert_eq!(req.ticket.sname.components, ["cifs", "srv.smbkit.test"]);
    assert_eq!(req.ticket.enc_part.etype, 18);
    assert_ne!(req.ap_options & 0x2000_0000, 0, "mutual-required");
    // Our encoder gives MIT's bytes back.
    assert_eq!(req.encode(), inner);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        decode_everything(&bytes);
        let _ = acceptor().step(&bytes, 0x01dd_0000_0000_0000, &MemoryCredentials::new());
    }

    #[test]
    fn mutated_mit_tokens_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
        let mut t = MIT_AP_REQ.to_vec();
        for (at, x) in edits {
            let i = at % t.len();
            t[i] ^= x;
        }
        t.truncate(cut % (t.len() + 1));
        decode_everything(&t);
        let _ = acceptor().step(&t, 0x01dd_0000_0000_0000, &MemoryCredentials::new());
    }

    #[test]
    fn authenticators_round_trip(
        name in "[a-z]{1,12}",
        realm in "[A-Z.]{1,16}",
        cusec in 0u32..1_000_000,
        ctime in 0i64..4_000_000_000,
        seq in proptest::option::of(any::<u32>()),
        cksum in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let a = Authenticator {
            crealm: realm,
            cname: PrincipalName::new(1, &[&name]),
            cksum: Some(Checksum { cksumtype: 0x8003, checksum: cksum }),
            cusec,
            ctime,
            ctime_raw: format_time(ctime),
            subkey: Some(Key::new(Enctype::Aes128CtsHmacSha196, &[cusec as u8; 16]).unwrap()),
            seq_number: seq,
        };
        prop_assert_eq!(Authenticator::decode(&a.encode()).unwrap(), a);
    }

    #[test]
    fn keytabs_round_trip(kvno in any::<u32>(), names in proptest::collection::vec("[a-z0-9.]{1,20}", 1..4)) {
        let entry = KeytabEntry {
            realm: "SMBKIT.TEST".into(),
            components: names,
            kvno: kvno.max(1),
            key: Key::new(Enctype::Aes256CtsHmacSha196, &[kvno as u8; 32]).unwrap(),
        };
        let kt = Keytab::parse(&encode(std::slice::from_ref(&entry))).unwrap();
        prop_assert_eq!(kt.entries(), &[entry]);
    }
}
