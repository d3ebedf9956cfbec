//! An in-process SMB client for the tests, built from smbkit-wire, -kdf,
//! -sign, -seal and the smbkit-auth NTLM initiator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::sync::Arc;

use smbkit_auth::MemoryCredentials;
use smbkit_auth::client::NtlmInitiator;
use smbkit_kdf::{CipherKeyLen, Derivation, PreauthIntegrity, Role, SessionKeys};
use smbkit_seal::{Cipher, DecryptionKey, EncryptionKey, TRANSFORM_HEADER_LEN};
use smbkit_session::{Batch, Config, Connection, Disconnect, Item, Response, Share};
use smbkit_sign::{Signer, SigningAlgorithm};
use smbkit_wire::negotiate::{
    NegotiateContext, NegotiateRequest, NegotiateResponse, algorithm, capabilities, dialect,
    security_mode,
};
use smbkit_wire::session_setup::{SessionSetupRequest, SessionSetupResponse};
use smbkit_wire::tree_connect::{TreeConnectRequest, TreeConnectResponse};
use smbkit_wire::{
    Command, Guid, Header, HeaderFlags, HeaderId, NtStatus, Pdu, U16List, Writer, split_compound,
};

pub const NOW: u64 = 0x01db_1234_5678_9abc;
pub const GUID: [u8; 16] = [0x5a; 16];
pub const CLIENT_GUID: [u8; 16] = [0xc1; 16];

pub fn config() -> Config {
    let mut c = Config::new(GUID);
    c.shares = vec![Share::new("Data"), Share::encrypted("Secret")];
    c
}

pub fn creds() -> MemoryCredentials {
    MemoryCredentials::new()
        .with_password("alice", "correct horse")
        .with_password("bob", "hunter2")
}

pub fn connection(config: Config) -> Connection {
    Connection::new(Arc::new(config), Arc::new(creds()))
}

/// One decoded response message.
#[derive(Debug, Clone)]
pub struct Reply {
    pub header: Header,
    pub bytes: Vec<u8>,
}

/// A test SMB client talking to a `Connection`.
pub struct Client {
    pub conn: Connection,
    pub next_mid: u64,
    pub dialect: u16,
    pub dialects: Vec<u16>,
    pub capabilities: u32,
    pub security_mode: u16,
    pub server_caps: u32,
    pub cipher: Option<Cipher>,
    pub signing: SigningAlgorithm,
    pub preauth: PreauthIntegrity,
    pub session_id: u64,
    pub signer: Option<Signer>,
    pub enc: Option<EncryptionKey>,
    pub dec: Option<DecryptionKey>,
    /// The server-to-client key bytes (to seal with the wrong key on purpose).
    pub s2c_key: Vec<u8>,
    /// Sign outgoing requests when a signer exists.
    pub sign: bool,
    /// Seal outgoing requests when keys exist.
    pub seal: bool,
    /// PreviousSessionId of the next sign-in.
    pub previous_session_id: u64,
}

pub fn header(command: Command, message_id: u64, session_id: u64, tree_id: u32) -> Header {
    Header {
        command,
        message_id,
        session_id,
        credits: 64,
        credit_charge: 1,
        id: HeaderId::Sync {
            process_id: 0xFEFF,
            tree_id,
        },
        ..Header::default()
    }
}

pub fn message(h: &Header, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    h.encode(&mut Writer::new(&mut m));
    m.extend_from_slice(body);
    m
}

pub fn echo_body() -> Vec<u8> {
    vec![4, 0, 0, 0]
}

/// A CREATE-like body (dispatch never parses it in these tests).
pub fn create_body() -> Vec<u8> {
    let mut b = vec![57, 0];
    b.resize(57, 0);
    b
}

/// Fake dispatch: answers every Pending item with `f`.
pub fn dispatch(batch: &mut Batch, f: &dyn Fn(&smbkit_session::Request) -> Option<Response>) {
    for item in &mut batch.items {
        if let Item::Pending { request, response } = item {
            *response = f(request);
        }
    }
}

impl Client {
    pub fn new(conn: Connection) -> Client {
        Client {
            conn,
            next_mid: 0,
            dialect: 0,
            dialects: Vec::new(),
            capabilities: capabilities::LARGE_MTU | capabilities::ENCRYPTION,
            security_mode: security_mode::SIGNING_ENABLED,
            server_caps: 0,
            cipher: None,
            signing: SigningAlgorithm::AesCmac,
            preauth: PreauthIntegrity::new(),
            session_id: 0,
            signer: None,
            enc: None,
            dec: None,
            s2c_key: Vec::new(),
            sign: true,
            seal: false,
            previous_session_id: 0,
        }
    }

    pub fn mid(&mut self) -> u64 {
        let m = self.next_mid;
        self.next_mid += 1;
        m
    }

    /// Sends one frame, runs `f` as dispatch, returns the response frame
    /// without its length prefix (None when nothing came back).
    pub fn exchange_with(
        &mut self,
        frame: Vec<u8>,
        f: &dyn Fn(&smbkit_session::Request) -> Option<Response>,
    ) -> Result<Option<Vec<u8>>, Disconnect> {
        let mut batch = self.conn.receive(frame, NOW)?;
        dispatch(&mut batch, f);
        let Some(out) = self.conn.respond(batch)? else {
            return Ok(None);
        };
        let len = u32::from_be_bytes(out[..4].try_into().unwrap()) as usize;
        assert_eq!(len, out.len() - 4, "Direct-TCP length prefix");
        Ok(Some(out[4..].to_vec()))
    }

    pub fn exchange(&mut self, frame: Vec<u8>) -> Result<Option<Vec<u8>>, Disconnect> {
        self.exchange_with(frame, &|_| None)
    }

    /// Opens a response frame: unseals it if needed, splits the chain.
    pub fn open(&self, mut frame: Vec<u8>) -> (bool, Vec<Reply>) {
        let sealed = frame[0] == 0xFD;
        if sealed {
            let dec = self
                .dec
                .as_ref()
                .expect("sealed response but no client keys");
            let plain = dec
                .unseal_frame(&mut frame)
                .expect("response unseals")
                .to_vec();
            frame = plain;
        }
        let replies = split_compound(&frame)
            .map(|m| {
                let m = m.unwrap();
                Reply {
                    header: Header::decode(m).unwrap(),
                    bytes: m.to_vec(),
                }
            })
            .collect();
        (sealed, replies)
    }

    /// Finishes one request message: signs or seals it as configured.
    pub fn finish(&self, mut msg: Vec<u8>) -> Vec<u8> {
        if self.seal
            && let Some(enc) = &self.enc
        {
            let mut frame = vec![0u8; TRANSFORM_HEADER_LEN];
            frame.extend_from_slice(&msg);
            enc.seal_frame(self.session_id, &mut frame).unwrap();
            return frame;
        }
        if self.sign
            && let Some(s) = &self.signer
        {
            msg[16] |= HeaderFlags::SIGNED.0 as u8;
            s.sign(&mut msg).unwrap();
        }
        msg
    }

    /// Sends one request, expects exactly one reply.
    pub fn request(
        &mut self,
        command: Command,
        tree_id: u32,
        body: &[u8],
    ) -> Result<(bool, Reply), Disconnect> {
        let mid = self.mid();
        let msg = message(&header(command, mid, self.session_id, tree_id), body);
        let frame = self.finish(msg);
        let out = self.exchange(frame)?.expect("a response");
        let (sealed, mut replies) = self.open(out);
        assert_eq!(replies.len(), 1);
        let reply = replies.pop().unwrap();
        assert_eq!(reply.header.message_id, mid);
        assert!(reply.header.flags.contains(HeaderFlags::SERVER_TO_REDIR));
        Ok((sealed, reply))
    }

    /// Verifies a reply's signature with the client's signer.
    pub fn verify(&self, reply: &Reply) {
        assert!(
            reply.header.flags.contains(HeaderFlags::SIGNED),
            "reply is signed"
        );
        self.signer
            .as_ref()
            .expect("client signer")
            .verify(&reply.bytes)
            .expect("reply signature verifies");
    }

    pub fn negotiate_request(
        &mut self,
        dialects: &[u16],
        ciphers: &[u16],
        signing: &[u16],
    ) -> Vec<u8> {
        self.dialects = dialects.to_vec();
        let mut contexts = Vec::new();
        if dialects.contains(&dialect::SMB311) {
            contexts.push(NegotiateContext::PreauthIntegrity {
                hash_algorithms: U16List::from_values(&[algorithm::HASH_SHA512]),
                salt: &[0x33; 32],
            });
            if !ciphers.is_empty() {
                contexts.push(NegotiateContext::Encryption {
                    ciphers: U16List::from_values(ciphers),
                });
            }
            if !signing.is_empty() {
                contexts.push(NegotiateContext::Signing {
                    algorithms: U16List::from_values(signing),
                });
            }
        }
        let mid = self.mid();
        let h = header(Command::NEGOTIATE, mid, 0, 0);
        let body = NegotiateRequest {
            security_mode: self.security_mode,
            capabilities: self.capabilities,
            client_guid: Guid(CLIENT_GUID),
            dialects: U16List::from_values(dialects),
            client_start_time: 0,
            contexts,
        }
        .encode_body_to_vec()
        .unwrap();
        message(&h, &body)
    }

    /// NEGOTIATE; returns the reply. Records dialect, cipher, signing and
    /// the client's preauth chain.
    pub fn negotiate(&mut self, dialects: &[u16], ciphers: &[u16], signing: &[u16]) -> Reply {
        let req = self.negotiate_request(dialects, ciphers, signing);
        let out = self.exchange(req.clone()).unwrap().unwrap();
        let (_, mut replies) = self.open(out);
        let reply = replies.pop().unwrap();
        if reply.header.status == NtStatus::SUCCESS {
            let resp = NegotiateResponse::decode(&reply.bytes).unwrap();
            self.dialect = resp.dialect_revision;
            self.server_caps = resp.capabilities;
            self.signing = match self.dialect {
                0x0202 | 0x0210 => SigningAlgorithm::HmacSha256,
                _ => SigningAlgorithm::AesCmac,
            };
            for c in &resp.contexts {
                match c {
                    NegotiateContext::Encryption { ciphers } => {
                        assert_eq!(ciphers.len(), 1);
                        self.cipher = Cipher::from_id(ciphers.iter().next().unwrap());
                    }
                    NegotiateContext::Signing { algorithms } => {
                        assert_eq!(algorithms.len(), 1);
                        self.signing =
                            SigningAlgorithm::from_id(algorithms.iter().next().unwrap()).unwrap();
                    }
                    _ => {}
                }
            }
            if matches!(self.dialect, 0x0300 | 0x0302)
                && resp.capabilities & capabilities::ENCRYPTION != 0
            {
                self.cipher = Some(Cipher::Aes128Ccm);
            }
            if self.dialect == dialect::SMB311 {
                self.preauth.update(&req);
                self.preauth.update(&reply.bytes);
            }
        }
        reply
    }

    fn setup_message(&mut self, token: &[u8]) -> Vec<u8> {
        let mid = self.mid();
        let h = header(Command::SESSION_SETUP, mid, self.session_id, 0);
        let body = SessionSetupRequest {
            security_mode: 1,
            security_buffer: token,
            previous_session_id: self.previous_session_id,
            ..SessionSetupRequest::default()
        }
        .encode_body_to_vec()
        .unwrap();
        message(&h, &body)
    }

    /// A full sign-in. Returns the final reply (status SUCCESS or an error).
    /// On success the client holds the keys it derived from its own chain.
    pub fn session_setup(&mut self, user: &str, password: &str, spnego: bool) -> Reply {
        let mut initiator = NtlmInitiator::new(user, "WORKGROUP", password);
        let first = if spnego {
            initiator.spnego_init().unwrap()
        } else {
            initiator.negotiate_message().unwrap()
        };
        self.session_id = 0;
        let mut chain = self.preauth.clone();
        let req1 = self.setup_message(&first);
        chain.update(&req1);
        let out = self.exchange(req1).unwrap().unwrap();
        let (_, mut r) = self.open(out);
        let reply1 = r.pop().unwrap();
        if reply1.header.status != NtStatus::MORE_PROCESSING_REQUIRED {
            return reply1;
        }
        chain.update(&reply1.bytes);
        self.session_id = reply1.header.session_id;
        assert_ne!(self.session_id, 0);
        let token = SessionSetupResponse::decode(&reply1.bytes)
            .unwrap()
            .security_buffer
            .to_vec();
        let second = if spnego {
            initiator.spnego_authenticate(&token).unwrap()
        } else {
            initiator.authenticate(&token).unwrap().message
        };
        let req2 = self.setup_message(&second);
        chain.update(&req2);
        let out = self.exchange(req2).unwrap().unwrap();
        let (_, mut r) = self.open(out);
        let reply2 = r.pop().unwrap();
        if reply2.header.status != NtStatus::SUCCESS {
            return reply2;
        }
        let key = initiator.session_key().unwrap().as_bytes().to_vec();
        let derivation = match self.dialect {
            0x0202 | 0x0210 => Derivation::Smb2,
            0x0300 | 0x0302 => Derivation::Smb30,
            _ => Derivation::Smb311 {
                preauth_hash: chain.value(),
            },
        };
        let len = self
            .cipher
            .map(|c| CipherKeyLen::from_len(c.key_len()).unwrap());
        let keys = SessionKeys::derive(Role::Client, &key, derivation, len).unwrap();
        self.signer = Some(Signer::new(self.signing, keys.signing_key().as_bytes()).unwrap());
        if let (Some(c), Some(e), Some(d)) =
            (self.cipher, keys.encryption_key(), keys.decryption_key())
        {
            self.enc = Some(EncryptionKey::new(c, e.as_bytes()).unwrap());
            self.dec = Some(DecryptionKey::new(c, d.as_bytes()).unwrap());
            self.s2c_key = d.as_bytes().to_vec();
        }
        reply2
    }

    /// TREE_CONNECT to `\\server\share`; returns (sealed, reply).
    pub fn tree_connect(&mut self, share: &str) -> (bool, Reply) {
        let path: Vec<u8> = format!("\\\\server\\{share}")
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let body = TreeConnectRequest {
            flags: 0,
            path: &path,
            contexts: vec![],
        }
        .encode_body_to_vec()
        .unwrap();
        self.request(Command::TREE_CONNECT, 0, &body).unwrap()
    }

    pub fn tree_response(reply: &Reply) -> TreeConnectResponse {
        TreeConnectResponse::decode(&reply.bytes).unwrap()
    }
}

/// A client signed in as alice on `dialect` (3.1.1 with AES-128-GCM and
/// AES-CMAC unless the lists say otherwise).
pub fn signed_in(dialects: &[u16], ciphers: &[u16], signing: &[u16]) -> Client {
    let mut c = Client::new(connection(config()));
    let r = c.negotiate(dialects, ciphers, signing);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    let r = c.session_setup("alice", "correct horse", true);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    c
}
