//! `session`: the sans-IO connection core (smbkit-session) fed arbitrary
//! frames, from a fresh connection or from a signed-in session with a tree.
//!
//! Input: one mode byte, then up to 32 frames (u16 LE length + bytes, the
//! last takes the rest). Mode `% 8`: 0–4 sign in first with NEGOTIATE of
//! dialect 2.0.2, 2.1, 3.0, 3.0.2 or 3.1.1, SESSION_SETUP (SPNEGO + NTLMv2 by
//! `NtlmInitiator`) and TREE_CONNECT to `Data`, all in the harness; 5–7 start
//! from a fresh connection.
//!
//! Each frame starts with a flags byte telling the harness how to make it
//! acceptable (so the fuzzer does not have to guess random SessionIds or
//! forge signatures), applied to every element of the compound chain:
//! bit 0 SessionId ← ours, bit 1 TreeId ← ours, bit 2 MessageId ← the next
//! one, bit 3 sign with our key, bit 4 seal the frame with our key, bit 5
//! answer what goes to dispatch with a canned success.
//!
//! Every answer is checked: a correct Direct-TCP length, unsealable with the
//! client's key when sealed, a well-formed compound chain of responses, and
//! a valid signature on every signed response of our session.

use std::sync::Arc;

use smbkit_auth::MemoryCredentials;
use smbkit_kdf::{CipherKeyLen, Derivation, PreauthIntegrity, Role, SessionKeys};
use smbkit_seal::{Cipher, DecryptionKey, EncryptionKey, TRANSFORM_HEADER_LEN};
use smbkit_session::{Config, Connection, Item, Response, Share};
use smbkit_sign::{Signer, SigningAlgorithm};
use smbkit_wire::header::HEADER_LEN;
use smbkit_wire::negotiate::{
    NegotiateContext, NegotiateRequest, NegotiateResponse, algorithm, capabilities, dialect,
    security_mode,
};
use smbkit_wire::session_setup::{SessionSetupRequest, SessionSetupResponse};
use smbkit_wire::tree_connect::{TreeConnectRequest, TreeConnectResponse};
use smbkit_wire::{
    Command, Guid, Header, HeaderFlags, HeaderId, NtStatus, Pdu, U16List, Writer, split_compound,
};

const NOW: u64 = crate::ntlm::NOW;
const DIALECTS: [u16; 5] = [
    dialect::SMB202,
    dialect::SMB210,
    dialect::SMB300,
    dialect::SMB302,
    dialect::SMB311,
];

/// The client side of the harness.
pub struct Client {
    /// The server under test.
    pub conn: Connection,
    next_mid: u64,
    session_id: u64,
    tree_id: u32,
    signer: Option<Signer>,
    enc: Option<EncryptionKey>,
    dec: Option<DecryptionKey>,
}

/// The server configuration of the harness: signing required, one plain
/// and one encrypted share.
pub fn config() -> Config {
    let mut c = Config::new([0x5a; 16]);
    c.shares = vec![Share::new("Data"), Share::encrypted("Secret")];
    c
}

fn message(command: Command, mid: u64, session_id: u64, tree_id: u32, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    Header {
        command,
        message_id: mid,
        session_id,
        credits: 64,
        credit_charge: 1,
        id: HeaderId::Sync {
            process_id: 0xFEFF,
            tree_id,
        },
        ..Header::default()
    }
    .encode(&mut Writer::new(&mut m));
    m.extend_from_slice(body);
    m
}

impl Client {
    /// A fresh connection.
    pub fn fresh() -> Client {
        let creds =
            MemoryCredentials::new().with_password(crate::ntlm::USER.0, crate::ntlm::USER.1);
        Client {
            conn: Connection::new(Arc::new(config()), Arc::new(creds)),
            next_mid: 0,
            session_id: 0,
            tree_id: 0,
            signer: None,
            enc: None,
            dec: None,
        }
    }

    fn mid(&mut self) -> u64 {
        let m = self.next_mid;
        self.next_mid += 1;
        m
    }

    /// One frame in, the response frame (prefix checked and removed) out.
    fn exchange(&mut self, frame: Vec<u8>) -> Vec<u8> {
        let batch = self
            .conn
            .receive(frame, NOW)
            .expect("the harness's own request");
        let out = self
            .conn
            .respond(batch)
            .expect("respond")
            .expect("a response");
        out[4..].to_vec()
    }

    /// NEGOTIATE `dialect`, SESSION_SETUP as alice, TREE_CONNECT to Data.
    pub fn signed_in(dialect: u16) -> Client {
        let mut c = Client::fresh();
        let mut preauth = PreauthIntegrity::new();
        let mut contexts = Vec::new();
        if dialect == dialect::SMB311 {
            contexts = vec![
                NegotiateContext::PreauthIntegrity {
                    hash_algorithms: U16List::from_values(&[algorithm::HASH_SHA512]),
                    salt: &[0x33; 32],
                },
                NegotiateContext::Encryption {
                    ciphers: U16List::from_values(&[algorithm::AES128_GCM]),
                },
                NegotiateContext::Signing {
                    algorithms: U16List::from_values(&[algorithm::SIGNING_AES_CMAC]),
                },
            ];
        }
        let body = NegotiateRequest {
            security_mode: security_mode::SIGNING_ENABLED,
            capabilities: capabilities::LARGE_MTU | capabilities::ENCRYPTION,
            client_guid: Guid([0xc1; 16]),
            dialects: U16List::from_values(&[dialect]),
            client_start_time: 0,
            contexts,
        }
        .encode_body_to_vec()
        .expect("NEGOTIATE encodes");
        let mid = c.mid();
        let req = message(Command::NEGOTIATE, mid, 0, 0, &body);
        let reply = c.exchange(req.clone());
        let resp = NegotiateResponse::decode(&reply).expect("NEGOTIATE response");
        assert_eq!(
            resp.dialect_revision, dialect,
            "the offered dialect is chosen"
        );
        let mut cipher = None;
        let mut signing = match dialect {
            dialect::SMB202 | dialect::SMB210 => SigningAlgorithm::HmacSha256,
            _ => SigningAlgorithm::AesCmac,
        };
        if dialect == dialect::SMB311 {
            preauth.update(&req);
            preauth.update(&reply);
            for context in &resp.contexts {
                match context {
                    NegotiateContext::Encryption { ciphers } => {
                        cipher = ciphers.iter().next().and_then(Cipher::from_id);
                    }
                    NegotiateContext::Signing { algorithms } => {
                        if let Some(a) = algorithms
                            .iter()
                            .next()
                            .and_then(|id| SigningAlgorithm::from_id(id).ok())
                        {
                            signing = a;
                        }
                    }
                    _ => {}
                }
            }
        } else if matches!(dialect, dialect::SMB300 | dialect::SMB302)
            && resp.capabilities & capabilities::ENCRYPTION != 0
        {
            cipher = Some(Cipher::Aes128Ccm);
        }

        // SESSION_SETUP, two legs, SPNEGO.
        let mut initiator = crate::ntlm::initiator();
        let mut chain = preauth.clone();
        let token = initiator.spnego_init().expect("SPNEGO init");
        let setup = |c: &mut Client, token: &[u8]| {
            let body = SessionSetupRequest {
                security_mode: 1,
                security_buffer: token,
                ..SessionSetupRequest::default()
            }
            .encode_body_to_vec()
            .expect("SESSION_SETUP encodes");
            let mid = c.mid();
            message(Command::SESSION_SETUP, mid, c.session_id, 0, &body)
        };
        let req1 = setup(&mut c, &token);
        chain.update(&req1);
        let reply1 = c.exchange(req1);
        let header = Header::decode(&reply1).expect("header");
        assert_eq!(header.status, NtStatus::MORE_PROCESSING_REQUIRED);
        chain.update(&reply1);
        c.session_id = header.session_id;
        let challenge = SessionSetupResponse::decode(&reply1).expect("SESSION_SETUP response");
        let token = initiator
            .spnego_authenticate(challenge.security_buffer)
            .expect("AUTHENTICATE");
        let req2 = setup(&mut c, &token);
        chain.update(&req2);
        let reply2 = c.exchange(req2);
        let header = Header::decode(&reply2).expect("header");
        assert_eq!(header.status, NtStatus::SUCCESS, "alice signs in");
        let key = initiator
            .session_key()
            .expect("session key")
            .as_bytes()
            .to_vec();
        let derivation = match dialect {
            dialect::SMB202 | dialect::SMB210 => Derivation::Smb2,
            dialect::SMB300 | dialect::SMB302 => Derivation::Smb30,
            _ => Derivation::Smb311 {
                preauth_hash: chain.value(),
            },
        };
        let len = cipher.map(|c| CipherKeyLen::from_len(c.key_len()).expect("16 or 32"));
        let keys = SessionKeys::derive(Role::Client, &key, derivation, len).expect("keys");
        c.signer = Some(Signer::new(signing, keys.signing_key().as_bytes()).expect("signer"));
        if let (Some(cipher), Some(e), Some(d)) =
            (cipher, keys.encryption_key(), keys.decryption_key())
        {
            c.enc = Some(EncryptionKey::new(cipher, e.as_bytes()).expect("enc key"));
            c.dec = Some(DecryptionKey::new(cipher, d.as_bytes()).expect("dec key"));
        }

        // TREE_CONNECT \\server\Data, signed.
        let path: Vec<u8> = "\\\\server\\Data"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let body = TreeConnectRequest {
            flags: 0,
            path: &path,
            contexts: vec![],
        }
        .encode_body_to_vec()
        .expect("TREE_CONNECT encodes");
        let mid = c.mid();
        let mut req = message(Command::TREE_CONNECT, mid, c.session_id, 0, &body);
        c.sign(&mut req);
        let reply = c.exchange(req);
        let header = Header::decode(&reply).expect("header");
        assert_eq!(header.status, NtStatus::SUCCESS, "tree connect");
        TreeConnectResponse::decode(&reply).expect("TREE_CONNECT response");
        c.tree_id = header.tree_id().expect("a sync response");
        c
    }

    fn sign(&self, msg: &mut [u8]) {
        if let Some(signer) = &self.signer {
            msg[16] |= HeaderFlags::SIGNED.0 as u8;
            // A fuzzed element may not be SMB2 at all: then it stays unsigned.
            let _ = signer.sign(msg);
        }
    }

    /// Applies the per-frame `flags` to every element of `frame`.
    fn prepare(&mut self, flags: u8, frame: &[u8]) -> Vec<u8> {
        let mut out = frame.to_vec();
        if frame.first() == Some(&0xFE) {
            let bounds: Vec<(usize, usize)> = {
                let mut start = 0;
                split_compound(frame)
                    .map_while(Result::ok)
                    .map(|m| {
                        let b = (start, start + m.len());
                        start += m.len();
                        b
                    })
                    .collect()
            };
            for (start, end) in bounds {
                let msg = &mut out[start..end];
                if flags & 1 != 0 {
                    msg[40..48].copy_from_slice(&self.session_id.to_le_bytes());
                }
                if flags & 2 != 0 && msg[16] & 0x02 == 0 {
                    msg[36..40].copy_from_slice(&self.tree_id.to_le_bytes());
                }
                if flags & 4 != 0 {
                    let mid = self.next_mid;
                    msg[24..32].copy_from_slice(&mid.to_le_bytes());
                    let charge = u64::from(u16::from_le_bytes([msg[6], msg[7]])).max(1);
                    self.next_mid = mid.saturating_add(charge);
                }
                if flags & 8 != 0 {
                    self.sign(msg);
                }
            }
        }
        if flags & 16 != 0
            && let Some(enc) = &self.enc
        {
            let mut sealed = vec![0u8; TRANSFORM_HEADER_LEN];
            sealed.extend_from_slice(&out);
            if enc.seal_frame(self.session_id, &mut sealed).is_ok() {
                return sealed;
            }
        }
        out
    }

    /// Checks one response frame (with its Direct-TCP prefix); with `trace`,
    /// prints each response's command and status.
    fn check(&self, out: &[u8], trace: bool) {
        let len = u32::from_be_bytes(out[..4].try_into().expect("4 bytes")) as usize;
        assert_eq!(len, out.len() - 4, "Direct-TCP length prefix");
        let mut frame = out[4..].to_vec();
        if frame.first() == Some(&0xFD) {
            let dec = self
                .dec
                .as_ref()
                .expect("a sealed answer to a client without keys");
            frame = dec
                .unseal_frame(&mut frame)
                .expect("our key unseals the server's answer")
                .to_vec();
        }
        for msg in split_compound(&frame) {
            let msg = msg.expect("the server's compound chain is well formed");
            let header = Header::decode(msg).expect("the server's header decodes");
            if trace {
                eprintln!("  <- {:?} {}", header.command, header.status);
            }
            assert!(header.flags.contains(HeaderFlags::SERVER_TO_REDIR));
            if header.flags.contains(HeaderFlags::SIGNED)
                && header.session_id == self.session_id
                && let Some(signer) = &self.signer
            {
                signer.verify(msg).expect("the server's signature verifies");
            }
            assert!(msg.len() >= HEADER_LEN + 2);
        }
    }
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut client = match DIALECTS.get(usize::from(mode % 8)) {
        Some(&d) => Client::signed_in(d),
        None => Client::fresh(),
    };
    // SMBKIT_FUZZ_TRACE=1 prints what happens to each frame (for triage).
    let trace = std::env::var_os("SMBKIT_FUZZ_TRACE").is_some();
    for (i, frame) in crate::spnego::tokens(rest, 32).into_iter().enumerate() {
        let Some((&flags, frame)) = frame.split_first() else {
            continue;
        };
        let frame = client.prepare(flags, frame);
        let now = NOW + i as u64 * 10_000_000;
        let mut batch = match client.conn.receive(frame, now) {
            Ok(batch) => batch,
            Err(e) => {
                if trace {
                    eprintln!("frame {i}: {e}");
                }
                return; // The connection is dropped: a legitimate end.
            }
        };
        if trace {
            eprintln!("frame {i}: {} items", batch.items.len());
        }
        if flags & 32 != 0 {
            for item in &mut batch.items {
                if let Item::Pending { response, .. } = item {
                    *response = Some(Response::new(NtStatus::SUCCESS, vec![4u8, 0, 0, 0]));
                }
            }
        }
        match client.conn.respond(batch) {
            Ok(Some(out)) => client.check(&out, trace),
            Ok(None) => {}
            Err(_) => return,
        }
    }
}
