//! A small SMB 2/3 client over a real socket, built from smbkit-wire, -kdf,
//! -sign, -seal and the smbkit-auth NTLM initiator.
//!
//! It exists for tests and load generation: it signs in, signs or seals
//! what it sends, and can also send any bytes at all (a frame cut short, a
//! header with a wrong field), which a well-behaved client library never
//! would. Every failure is an `io::Error` naming what went wrong.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use smbkit_auth::client::NtlmInitiator;
use smbkit_kdf::{CipherKeyLen, Derivation, PreauthIntegrity, Role, SessionKeys};
use smbkit_seal::{Cipher, DecryptionKey, EncryptionKey, TRANSFORM_HEADER_LEN};
use smbkit_sign::{Signer, SigningAlgorithm};
use smbkit_wire::close::CloseRequest;
use smbkit_wire::create::CreateRequest;
use smbkit_wire::negotiate::{
    NegotiateContext, NegotiateRequest, NegotiateResponse, algorithm, capabilities, dialect,
    security_mode,
};
use smbkit_wire::read::{ReadRequest, ReadResponse};
use smbkit_wire::session_setup::{SessionSetupRequest, SessionSetupResponse};
use smbkit_wire::tree_connect::TreeConnectRequest;
use smbkit_wire::write::WriteRequest;
use smbkit_wire::{
    Command, FileId, Guid, Header, HeaderFlags, HeaderId, NtStatus, Pdu, U16List, Writer,
    split_compound,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long [`Client::recv`] waits for a frame before giving up.
pub const RECV_TIMEOUT: Duration = Duration::from_secs(20);

/// One response message: its header and its bytes (header and body).
#[derive(Debug, Clone)]
pub struct Reply {
    /// The decoded header.
    pub header: Header,
    /// The whole message, from the SMB2 header on.
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The response status.
    #[must_use]
    pub fn status(&self) -> NtStatus {
        self.header.status
    }
}

/// What [`Client::recv_or_closed`] saw.
#[derive(Debug)]
pub enum Received {
    /// A frame, split into its messages.
    Replies(Vec<Reply>),
    /// The server closed the connection (EOF or reset).
    Closed,
}

fn fail(what: impl Into<String>) -> io::Error {
    io::Error::other(what.into())
}

/// A client connection.
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    next_mid: u64,
    /// The negotiated dialect (0 before NEGOTIATE).
    pub dialect: u16,
    cipher: Option<Cipher>,
    signing: SigningAlgorithm,
    preauth: PreauthIntegrity,
    /// The SessionId once signed in.
    pub session_id: u64,
    signer: Option<Signer>,
    enc: Option<EncryptionKey>,
    dec: Option<DecryptionKey>,
    /// Seal requests (once keys exist).
    pub seal: bool,
    /// Sign requests (once a signer exists).
    pub sign: bool,
    /// The ciphers a 3.1.1 NEGOTIATE offers, by preference (AES-128-GCM
    /// unless changed before [`Client::negotiate`]).
    pub ciphers: Vec<u16>,
    /// Credits the server has granted and this client has not used yet.
    pub credits: u64,
    /// The ClientGuid of NEGOTIATE: unique per connection, as separate
    /// client processes would have (Samba hands connections that share a
    /// ClientGuid over to one process, for multichannel).
    pub client_guid: [u8; 16],
}

/// A ClientGuid no other connection of this process has used.
fn fresh_guid() -> [u8; 16] {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let pid = u64::from(std::process::id());
    let mut g = [0u8; 16];
    g[..8].copy_from_slice(&n.to_le_bytes());
    g[8..].copy_from_slice(&(pid ^ 0x736d_626b_6974_0000).to_le_bytes());
    g
}

/// Builds a request header.
#[must_use]
pub fn header(command: Command, message_id: u64, session_id: u64, tree_id: u32) -> Header {
    Header {
        command,
        message_id,
        session_id,
        credits: 256,
        credit_charge: 1,
        id: HeaderId::Sync {
            process_id: 0xFEFF,
            tree_id,
        },
        ..Header::default()
    }
}

/// A header followed by a body.
#[must_use]
pub fn message(h: &Header, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(64 + body.len());
    h.encode(&mut Writer::new(&mut m));
    m.extend_from_slice(body);
    m
}

/// `s` as UTF-16LE bytes.
#[must_use]
pub fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn encode<'a, P: Pdu<'a>>(pdu: &P) -> io::Result<Vec<u8>> {
    pdu.encode_body_to_vec()
        .map_err(|e| fail(format!("encoding a request: {e}")))
}

impl Client {
    /// Connects to `addr`.
    ///
    /// # Errors
    /// When the connection fails.
    pub async fn connect(addr: SocketAddr) -> io::Result<Client> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Client {
            stream,
            next_mid: 0,
            dialect: 0,
            cipher: None,
            signing: SigningAlgorithm::AesCmac,
            preauth: PreauthIntegrity::new(),
            session_id: 0,
            signer: None,
            enc: None,
            dec: None,
            seal: false,
            sign: true,
            ciphers: vec![algorithm::AES128_GCM],
            credits: 1,
            client_guid: fresh_guid(),
        })
    }

    /// Takes the next MessageId.
    pub fn mid(&mut self) -> u64 {
        let m = self.next_mid;
        self.next_mid = self.next_mid.wrapping_add(1);
        m
    }

    /// Sets the next MessageId (to replay or skip ids on purpose).
    pub fn set_next_mid(&mut self, mid: u64) {
        self.next_mid = mid;
    }

    /// Writes `bytes` to the socket exactly as given (no length prefix is
    /// added).
    ///
    /// # Errors
    /// When the write fails.
    pub async fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Writes one Direct-TCP frame holding `payload`.
    ///
    /// # Errors
    /// When the payload is too long or the write fails.
    pub async fn send_frame(&mut self, payload: &[u8]) -> io::Result<()> {
        let len = u32::try_from(payload.len()).map_err(|_| fail("frame too long"))?;
        let mut frame = Vec::with_capacity(payload.len().saturating_add(4));
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(payload);
        self.stream.write_all(&frame).await
    }

    /// Signs or seals `msg` as configured and sends it as one frame.
    ///
    /// # Errors
    /// When signing, sealing or the write fails.
    pub async fn send_message(&mut self, msg: Vec<u8>) -> io::Result<()> {
        let frame = self.finish(msg)?;
        self.send_frame(&frame).await
    }

    /// Signs or seals one request message (or a whole compound chain when
    /// sealing).
    ///
    /// # Errors
    /// When the crypto fails.
    pub fn finish(&self, mut msg: Vec<u8>) -> io::Result<Vec<u8>> {
        if self.seal
            && let Some(enc) = &self.enc
        {
            let mut frame = vec![0u8; TRANSFORM_HEADER_LEN];
            frame.extend_from_slice(&msg);
            enc.seal_frame(self.session_id, &mut frame)
                .map_err(|e| fail(format!("seal: {e}")))?;
            return Ok(frame);
        }
        if self.sign
            && let Some(s) = &self.signer
        {
            if let Some(flags) = msg.get_mut(16) {
                *flags |= 0x08;
            }
            s.sign(&mut msg).map_err(|e| fail(format!("sign: {e}")))?;
        }
        Ok(msg)
    }

    /// Reads one frame; `Closed` when the server closed the connection.
    ///
    /// # Errors
    /// On a timeout, or a frame that does not unseal or split.
    pub async fn recv_or_closed(&mut self) -> io::Result<Received> {
        let mut len = [0u8; 4];
        let read = tokio::time::timeout(RECV_TIMEOUT, self.stream.read_exact(&mut len)).await;
        match read {
            Err(_) => return Err(fail("no frame from the server within the timeout")),
            Ok(Err(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::UnexpectedEof
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionAborted
                ) =>
            {
                return Ok(Received::Closed);
            }
            Ok(Err(e)) => return Err(e),
            Ok(Ok(_)) => {}
        }
        let n = usize::try_from(u32::from_be_bytes(len)).map_err(|_| fail("length"))?;
        let mut frame = vec![0u8; n];
        tokio::time::timeout(RECV_TIMEOUT, self.stream.read_exact(&mut frame))
            .await
            .map_err(|_| fail("frame body timed out"))??;
        let replies = self.open(frame)?;
        for r in &replies {
            self.credits = self.credits.saturating_add(u64::from(r.header.credits));
        }
        Ok(Received::Replies(replies))
    }

    /// Reads one frame and splits it into messages.
    ///
    /// # Errors
    /// When the connection closed or the frame is bad.
    pub async fn recv(&mut self) -> io::Result<Vec<Reply>> {
        match self.recv_or_closed().await? {
            Received::Replies(r) => Ok(r),
            Received::Closed => Err(fail("the server closed the connection")),
        }
    }

    /// Waits for the next reply that is not an interim STATUS_PENDING.
    ///
    /// # Errors
    /// When the connection closed or a frame is bad.
    pub async fn recv_final(&mut self) -> io::Result<Reply> {
        loop {
            let mut replies = self.recv().await?;
            if replies.len() != 1 {
                return Err(fail(format!("expected one reply, got {}", replies.len())));
            }
            let Some(reply) = replies.pop() else {
                return Err(fail("empty frame"));
            };
            if reply.header.status == NtStatus::PENDING
                && reply.header.flags.contains(HeaderFlags::ASYNC_COMMAND)
            {
                continue;
            }
            return Ok(reply);
        }
    }

    /// Whether the server has closed the connection (waits up to `wait`
    /// for EOF; any frame that arrives first is discarded).
    pub async fn is_closed(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let mut byte = [0u8; 1];
            match tokio::time::timeout_at(deadline, self.stream.read(&mut byte)).await {
                Err(_) => return false,
                Ok(Ok(0) | Err(_)) => return true,
                Ok(Ok(_)) => {}
            }
        }
    }

    fn open(&self, mut frame: Vec<u8>) -> io::Result<Vec<Reply>> {
        if frame.first() == Some(&0xFD) {
            let dec = self
                .dec
                .as_ref()
                .ok_or_else(|| fail("sealed response but no keys"))?;
            frame = dec
                .unseal_frame(&mut frame)
                .map_err(|e| fail(format!("unseal: {e}")))?
                .to_vec();
        }
        split_compound(&frame)
            .map(|m| {
                let m = m.map_err(|e| fail(format!("split: {e}")))?;
                let header = Header::decode(m).map_err(|e| fail(format!("header: {e}")))?;
                Ok(Reply {
                    header,
                    bytes: m.to_vec(),
                })
            })
            .collect()
    }

    /// Sends one request and waits for its final reply.
    ///
    /// # Errors
    /// When sending or receiving fails or the reply is for another id.
    pub async fn call(&mut self, command: Command, tree_id: u32, body: &[u8]) -> io::Result<Reply> {
        let mid = self.mid();
        let msg = message(&header(command, mid, self.session_id, tree_id), body);
        self.send_message(msg).await?;
        let reply = self.recv_final().await?;
        if reply.header.message_id != mid {
            return Err(fail(format!(
                "reply for MessageId {} to request {mid}",
                reply.header.message_id
            )));
        }
        Ok(reply)
    }

    /// Verifies the signature of a reply with the session's signer.
    ///
    /// # Errors
    /// When the reply is unsigned or the signature is wrong.
    pub fn verify(&self, reply: &Reply) -> io::Result<()> {
        if !reply.header.flags.contains(HeaderFlags::SIGNED) {
            return Err(fail("reply is not signed"));
        }
        self.signer
            .as_ref()
            .ok_or_else(|| fail("no signer"))?
            .verify(&reply.bytes)
            .map_err(|e| fail(format!("signature: {e}")))
    }

    /// NEGOTIATE with `dialects` (SMB 3.1.1 offers AES-128-GCM and
    /// AES-CMAC); returns the reply.
    ///
    /// # Errors
    /// When the exchange fails.
    pub async fn negotiate(&mut self, dialects: &[u16]) -> io::Result<Reply> {
        let mut contexts = Vec::new();
        if dialects.contains(&dialect::SMB311) {
            contexts.push(NegotiateContext::PreauthIntegrity {
                hash_algorithms: U16List::from_values(&[algorithm::HASH_SHA512]),
                salt: &[0x5c; 32],
            });
            contexts.push(NegotiateContext::Encryption {
                ciphers: U16List::from_values(&self.ciphers),
            });
            contexts.push(NegotiateContext::Signing {
                algorithms: U16List::from_values(&[algorithm::SIGNING_AES_CMAC]),
            });
        }
        let body = encode(&NegotiateRequest {
            security_mode: security_mode::SIGNING_ENABLED,
            capabilities: capabilities::LARGE_MTU | capabilities::ENCRYPTION,
            client_guid: Guid(self.client_guid),
            dialects: U16List::from_values(dialects),
            client_start_time: 0,
            contexts,
        })?;
        let mid = self.mid();
        let req = message(&header(Command::NEGOTIATE, mid, 0, 0), &body);
        self.send_frame(&req).await?;
        let reply = self.recv_final().await?;
        if reply.status() != NtStatus::SUCCESS {
            return Ok(reply);
        }
        if reply.header.credits == 0 {
            // Without a credit the client may not send anything more
            // (MS-SMB2 3.2.4.1.5); waiting would only time out.
            return Err(fail("the NEGOTIATE response granted no credits"));
        }
        let resp = NegotiateResponse::decode(&reply.bytes)
            .map_err(|e| fail(format!("negotiate response: {e}")))?;
        self.dialect = resp.dialect_revision;
        self.signing = match self.dialect {
            dialect::SMB202 | dialect::SMB210 => SigningAlgorithm::HmacSha256,
            _ => SigningAlgorithm::AesCmac,
        };
        for c in &resp.contexts {
            if let NegotiateContext::Encryption { ciphers } = c {
                self.cipher = ciphers.iter().next().and_then(Cipher::from_id);
            }
        }
        if matches!(self.dialect, dialect::SMB300 | dialect::SMB302)
            && resp.capabilities & capabilities::ENCRYPTION != 0
        {
            self.cipher = Some(Cipher::Aes128Ccm);
        }
        if self.dialect == dialect::SMB311 {
            self.preauth.update(&req);
            self.preauth.update(&reply.bytes);
        }
        Ok(reply)
    }

    fn setup_message(&mut self, token: &[u8]) -> io::Result<Vec<u8>> {
        let body = encode(&SessionSetupRequest {
            security_mode: 1,
            security_buffer: token,
            ..SessionSetupRequest::default()
        })?;
        let mid = self.mid();
        Ok(message(
            &header(Command::SESSION_SETUP, mid, self.session_id, 0),
            &body,
        ))
    }

    /// Signs in with NTLMv2 over SPNEGO. Returns the final reply; on
    /// success the client holds the session's keys.
    ///
    /// # Errors
    /// When the exchange fails.
    pub async fn login(&mut self, user: &str, password: &str) -> io::Result<Reply> {
        let auth = |e: smbkit_auth::AuthError| fail(format!("ntlm: {e}"));
        let mut initiator = NtlmInitiator::new(user, "WORKGROUP", password);
        self.session_id = 0;
        let mut chain = self.preauth.clone();
        let req1 = self.setup_message(&initiator.spnego_init().map_err(auth)?)?;
        chain.update(&req1);
        self.send_frame(&req1).await?;
        let reply1 = self.recv_final().await?;
        if reply1.status() != NtStatus::MORE_PROCESSING_REQUIRED {
            return Ok(reply1);
        }
        chain.update(&reply1.bytes);
        self.session_id = reply1.header.session_id;
        let token = SessionSetupResponse::decode(&reply1.bytes)
            .map_err(|e| fail(format!("session setup response: {e}")))?
            .security_buffer
            .to_vec();
        let req2 = self.setup_message(&initiator.spnego_authenticate(&token).map_err(auth)?)?;
        chain.update(&req2);
        self.send_frame(&req2).await?;
        let reply2 = self.recv_final().await?;
        if reply2.status() != NtStatus::SUCCESS {
            return Ok(reply2);
        }
        let key = initiator
            .session_key()
            .ok_or_else(|| fail("no session key"))?
            .as_bytes()
            .to_vec();
        let derivation = match self.dialect {
            dialect::SMB202 | dialect::SMB210 => Derivation::Smb2,
            dialect::SMB300 | dialect::SMB302 => Derivation::Smb30,
            _ => Derivation::Smb311 {
                preauth_hash: chain.value(),
            },
        };
        let len = self
            .cipher
            .and_then(|c| CipherKeyLen::from_len(c.key_len()).ok());
        let keys = SessionKeys::derive(Role::Client, &key, derivation, len)
            .map_err(|e| fail(format!("kdf: {e}")))?;
        self.signer = Some(
            Signer::new(self.signing, keys.signing_key().as_bytes())
                .map_err(|e| fail(format!("signer: {e}")))?,
        );
        if let (Some(c), Some(e), Some(d)) =
            (self.cipher, keys.encryption_key(), keys.decryption_key())
        {
            self.enc = Some(EncryptionKey::new(c, e.as_bytes()).map_err(|e| fail(e.to_string()))?);
            self.dec = Some(DecryptionKey::new(c, d.as_bytes()).map_err(|e| fail(e.to_string()))?);
        }
        Ok(reply2)
    }

    /// Connects, negotiates 3.1.1 and signs in; the usual start.
    ///
    /// # Errors
    /// When any step fails or is refused.
    pub async fn signed_in(addr: SocketAddr, user: &str, password: &str) -> io::Result<Client> {
        let mut c = Client::connect(addr).await?;
        let r = c.negotiate(&[dialect::SMB311]).await?;
        if r.status() != NtStatus::SUCCESS {
            return Err(fail(format!("negotiate: {}", r.status())));
        }
        let r = c.login(user, password).await?;
        if r.status() != NtStatus::SUCCESS {
            return Err(fail(format!("session setup: {}", r.status())));
        }
        Ok(c)
    }

    /// TREE_CONNECT to `\\127.0.0.1\share`; returns the TreeId.
    ///
    /// # Errors
    /// When the exchange fails or the server refuses.
    pub async fn tree_connect(&mut self, share: &str) -> io::Result<u32> {
        let path = utf16(&format!("\\\\127.0.0.1\\{share}"));
        let body = encode(&TreeConnectRequest {
            flags: 0,
            path: &path,
            contexts: vec![],
        })?;
        let reply = self.call(Command::TREE_CONNECT, 0, &body).await?;
        if reply.status() != NtStatus::SUCCESS {
            return Err(fail(format!("tree connect {share}: {}", reply.status())));
        }
        Ok(reply.header.tree_id().unwrap_or(0))
    }

    /// The CREATE body for `name` with these parameters.
    ///
    /// # Errors
    /// When encoding fails.
    pub fn create_body(
        name: &str,
        desired_access: u32,
        share_access: u32,
        disposition: u32,
        options: u32,
    ) -> io::Result<Vec<u8>> {
        let name = utf16(name);
        encode(&CreateRequest {
            security_flags: 0,
            requested_oplock_level: 0,
            impersonation_level: 2,
            smb_create_flags: 0,
            desired_access,
            file_attributes: 0,
            share_access,
            create_disposition: disposition,
            create_options: options,
            name: &name,
            contexts: vec![],
        })
    }

    /// Opens or creates a file (read/write access, sharing read/write/delete);
    /// returns the reply.
    ///
    /// # Errors
    /// When the exchange fails.
    pub async fn create(&mut self, tree: u32, name: &str, disposition: u32) -> io::Result<Reply> {
        let body = Client::create_body(name, 0x0012_019F, 7, disposition, 0)?;
        self.call(Command::CREATE, tree, &body).await
    }

    /// The FileId of a successful CREATE reply.
    ///
    /// # Errors
    /// When the reply is not a CREATE success.
    pub fn file_id(reply: &Reply) -> io::Result<FileId> {
        if reply.status() != NtStatus::SUCCESS {
            return Err(fail(format!("create: {}", reply.status())));
        }
        smbkit_wire::create::CreateResponse::decode(&reply.bytes)
            .map(|r| r.file_id)
            .map_err(|e| fail(format!("create response: {e}")))
    }

    /// Writes `data` at `offset`; returns the reply.
    ///
    /// # Errors
    /// When the exchange fails.
    pub async fn write(
        &mut self,
        tree: u32,
        file: FileId,
        offset: u64,
        data: &[u8],
    ) -> io::Result<Reply> {
        let body = encode(&WriteRequest {
            offset,
            file_id: file,
            channel: 0,
            remaining_bytes: 0,
            flags: 0,
            data,
            write_channel_info: &[],
        })?;
        self.call(Command::WRITE, tree, &body).await
    }

    /// Reads up to `length` bytes at `offset`; returns the data.
    ///
    /// # Errors
    /// When the exchange fails or the server answers an error.
    pub async fn read(
        &mut self,
        tree: u32,
        file: FileId,
        offset: u64,
        length: u32,
    ) -> io::Result<Vec<u8>> {
        let body = encode(&ReadRequest {
            padding: 0x50,
            flags: 0,
            length,
            offset,
            file_id: file,
            minimum_count: 0,
            channel: 0,
            remaining_bytes: 0,
            read_channel_info: &[],
        })?;
        let reply = self.call(Command::READ, tree, &body).await?;
        if reply.status() != NtStatus::SUCCESS {
            return Err(fail(format!("read: {}", reply.status())));
        }
        ReadResponse::decode(&reply.bytes)
            .map(|r| r.data.to_vec())
            .map_err(|e| fail(format!("read response: {e}")))
    }

    /// Closes a file; returns the reply.
    ///
    /// # Errors
    /// When the exchange fails.
    pub async fn close(&mut self, tree: u32, file: FileId) -> io::Result<Reply> {
        let body = encode(&CloseRequest {
            flags: 0,
            file_id: file,
        })?;
        self.call(Command::CLOSE, tree, &body).await
    }
}
