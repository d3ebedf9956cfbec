//! `spnego`: the SPNEGO/DER parser, and the session layer's `Acceptor`
//! (SPNEGO or raw NTLMSSP) fed a sequence of client tokens.
//!
//! Input: one mode byte, then the bytes. Mode bit 0 clear: one token for
//! [`smbkit_auth::spnego::parse`], whose result must re-encode and parse to
//! the same value. Bit 0 set: up to four tokens, each prefixed with a u16 LE
//! length (the last one takes the rest), fed in order to one `Acceptor`,
//! which also accepts Kerberos (the `krb5` target's keytab) when bit 1 is set.

use std::sync::Arc;

use smbkit_auth::krb5::{KerberosAcceptor, KerberosConfig};
use smbkit_auth::spnego::{self, NegotiationToken};
use smbkit_auth::{Acceptor, AcceptorConfig, MemoryCredentials, NtlmConfig, Step};

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        parse(rest);
    } else {
        steps(rest, mode & 2 != 0);
    }
}

fn parse(token: &[u8]) {
    let Ok(first) = spnego::parse(token) else {
        return;
    };
    let bytes = match &first {
        NegotiationToken::Init(init) => init.encode(),
        NegotiationToken::Resp(resp) => resp.encode(),
    };
    let second = spnego::parse(&bytes).expect("a re-encoded SPNEGO token parses");
    assert_eq!(first, second, "spnego: parse∘encode");
}

/// Splits `data` into tokens: u16 LE length, then that many bytes; the last
/// token (or a length running past the end) takes what is left.
pub fn tokens(mut data: &[u8], max: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !data.is_empty() && out.len() < max {
        if out.len() + 1 == max || data.len() < 2 {
            out.push(data);
            break;
        }
        let len = usize::from(u16::from_le_bytes([data[0], data[1]]));
        let body = &data[2..];
        let (token, rest) = body.split_at(len.min(body.len()));
        out.push(token);
        data = rest;
    }
    out
}

fn steps(data: &[u8], kerberos: bool) {
    let mut creds =
        MemoryCredentials::new().with_password(crate::ntlm::USER.0, crate::ntlm::USER.1);
    let mut config = AcceptorConfig::new(NtlmConfig::standalone("fuzzsrv"));
    if kerberos {
        creds.add_kerberos_only("alice");
        let krb = KerberosAcceptor::new(KerberosConfig::new(
            crate::krb5::keytab(),
            vec![crate::krb5::REALM.into()],
        ));
        config = config.with_kerberos(Arc::new(krb));
    }
    let mut acceptor = Acceptor::new(config);
    let _ = acceptor.negotiate_token();
    for token in tokens(data, 4) {
        match acceptor.step(token, crate::ntlm::NOW, &creds) {
            Ok(Step::Continue(_)) => {}
            Ok(Step::Done { .. }) | Err(_) => break,
        }
    }
    let _ = acceptor.is_finished();
}
