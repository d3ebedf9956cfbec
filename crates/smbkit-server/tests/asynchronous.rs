//! Requests in flight over a real socket: a handler that goes async gets
//! an interim STATUS_PENDING answer, a CANCEL (by AsyncId or MessageId)
//! makes its final answer STATUS_CANCELLED, and a request that waits does
//! not stop the connection from reading the next one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use core::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use smbkit_auth::client::NtlmInitiator;
use smbkit_dispatch::{Call, Response};
use smbkit_server::{Server, ServerConfig};
use smbkit_session::{Dialect, SigningPolicy};
use smbkit_wire::negotiate::{NegotiateRequest, dialect, security_mode};
use smbkit_wire::session_setup::{SessionSetupRequest, SessionSetupResponse};
use smbkit_wire::tree_connect::TreeConnectRequest;
use smbkit_wire::{Command, Guid, Header, HeaderFlags, HeaderId, NtStatus, Pdu, U16List, Writer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, oneshot};

use common::{TestServer, config_from, spawn, unique_dir};

const TIMEOUT: Duration = Duration::from_secs(10);

fn config() -> ServerConfig {
    let share = format!("public={}", unique_dir("async").display());
    let mut config = config_from(&["--share", &share, "--user", "alice:secret"]);
    // SMB 2.1 without signing keeps the test client small.
    config.max_dialect = Dialect::Smb210;
    config.signing = SigningPolicy::Enabled;
    config
}

/// CHANGE_NOTIFY stand-in: goes async, answers STATUS_CANCELLED when
/// cancelled.
async fn wait_for_cancel(call: Call) -> Result<Response, Infallible> {
    call.interim.go_async();
    call.interim.cancelled().await;
    Ok(Response::error(NtStatus::CANCELLED))
}

/// LOCK stand-in: the first call waits (without going async) until a
/// second call arrives; both then answer SUCCESS.
#[derive(Clone, Default)]
struct Rendezvous {
    waiting: Arc<Mutex<Option<oneshot::Sender<()>>>>,
}

impl Rendezvous {
    async fn call(self, _call: Call) -> Result<Response, Infallible> {
        let mut slot = self.waiting.lock().await;
        if let Some(first) = slot.take() {
            let _ = first.send(());
            return Ok(Response::new(NtStatus::SUCCESS, vec![4, 0, 0, 0]));
        }
        let (tx, rx) = oneshot::channel();
        *slot = Some(tx);
        drop(slot);
        let _ = rx.await;
        Ok(Response::new(NtStatus::SUCCESS, vec![4, 0, 0, 0]))
    }
}

async fn start() -> TestServer {
    let rendezvous = Rendezvous::default();
    let server = Server::bind_with(config(), move |routes| {
        routes
            .route(Command::CHANGE_NOTIFY, tower::service_fn(wait_for_cancel))
            .unwrap()
            .route(
                Command::LOCK,
                tower::service_fn(move |call| rendezvous.clone().call(call)),
            )
            .unwrap()
    })
    .await
    .unwrap();
    spawn(server)
}

struct Client {
    stream: TcpStream,
    next_mid: u64,
    session_id: u64,
    tree_id: u32,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.unwrap();
        let mut c = Client {
            stream,
            next_mid: 0,
            session_id: 0,
            tree_id: 0,
        };
        c.sign_in().await;
        c
    }

    fn header(&mut self, command: Command) -> Header {
        let message_id = self.next_mid;
        self.next_mid += 1;
        Header {
            command,
            credits: 64,
            credit_charge: 1,
            message_id,
            session_id: self.session_id,
            id: HeaderId::Sync {
                process_id: 0xFEFF,
                tree_id: self.tree_id,
            },
            ..Header::default()
        }
    }

    async fn send(&mut self, header: &Header, body: &[u8]) {
        let mut msg = Vec::new();
        header.encode(&mut Writer::new(&mut msg));
        msg.extend_from_slice(body);
        let mut frame = (msg.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(&msg);
        self.stream.write_all(&frame).await.unwrap();
    }

    async fn receive(&mut self) -> (Header, Vec<u8>) {
        let mut prefix = [0u8; 4];
        tokio::time::timeout(TIMEOUT, self.stream.read_exact(&mut prefix))
            .await
            .expect("a response in time")
            .unwrap();
        let mut msg = vec![0u8; u32::from_be_bytes(prefix) as usize];
        tokio::time::timeout(TIMEOUT, self.stream.read_exact(&mut msg))
            .await
            .unwrap()
            .unwrap();
        (Header::decode(&msg).unwrap(), msg)
    }

    async fn request(&mut self, command: Command, body: &[u8]) -> (Header, Vec<u8>) {
        let h = self.header(command);
        self.send(&h, body).await;
        let (r, msg) = self.receive().await;
        assert_eq!(r.message_id, h.message_id);
        (r, msg)
    }

    async fn sign_in(&mut self) {
        let body = NegotiateRequest {
            security_mode: security_mode::SIGNING_ENABLED,
            client_guid: Guid([0x42; 16]),
            dialects: U16List::from_values(&[dialect::SMB202, dialect::SMB210]),
            ..NegotiateRequest::default()
        }
        .encode_body_to_vec()
        .unwrap();
        let (r, _) = self.request(Command::NEGOTIATE, &body).await;
        assert_eq!(r.status, NtStatus::SUCCESS);

        let mut ntlm = NtlmInitiator::new("alice", "WORKGROUP", "secret");
        let token = ntlm.negotiate_message().unwrap();
        let (r, msg) = self
            .request(Command::SESSION_SETUP, &setup_body(&token))
            .await;
        assert_eq!(r.status, NtStatus::MORE_PROCESSING_REQUIRED);
        self.session_id = r.session_id;
        let challenge = SessionSetupResponse::decode(&msg)
            .unwrap()
            .security_buffer
            .to_vec();
        let token = ntlm.authenticate(&challenge).unwrap().message;
        let (r, _) = self
            .request(Command::SESSION_SETUP, &setup_body(&token))
            .await;
        assert_eq!(r.status, NtStatus::SUCCESS);

        let path: Vec<u8> = "\\\\server\\public"
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
        let (r, _) = self.request(Command::TREE_CONNECT, &body).await;
        assert_eq!(r.status, NtStatus::SUCCESS);
        self.tree_id = r.tree_id().unwrap();
    }
}

fn setup_body(token: &[u8]) -> Vec<u8> {
    SessionSetupRequest {
        security_mode: 1,
        security_buffer: token,
        ..SessionSetupRequest::default()
    }
    .encode_body_to_vec()
    .unwrap()
}

/// A CHANGE_NOTIFY body (the test route does not read it).
fn notify_body() -> Vec<u8> {
    let mut b = vec![32, 0];
    b.resize(32, 0);
    b
}

/// A LOCK body (the test route does not read it).
fn lock_body() -> Vec<u8> {
    let mut b = vec![48, 0];
    b.resize(48, 0);
    b
}

#[tokio::test]
async fn interim_then_cancel_by_async_id_and_by_message_id() {
    let server = start().await;
    let addr = server.addr;
    let mut c = Client::connect(addr).await;

    // By AsyncId.
    let notify = c.header(Command::CHANGE_NOTIFY);
    c.send(&notify, &notify_body()).await;
    let (interim, _) = c.receive().await;
    assert_eq!(interim.status, NtStatus::PENDING);
    assert_eq!(interim.message_id, notify.message_id);
    assert!(interim.flags.contains(HeaderFlags::ASYNC_COMMAND));
    let async_id = interim.async_id().unwrap();
    assert_ne!(async_id, 0);
    assert_eq!(interim.credits, 64, "the interim grants the credits");
    let cancel = Header {
        command: Command::CANCEL,
        message_id: 0,
        flags: HeaderFlags::ASYNC_COMMAND,
        id: HeaderId::Async { async_id },
        session_id: c.session_id,
        ..Header::default()
    };
    c.send(&cancel, &[4, 0, 0, 0]).await;
    let (last, _) = c.receive().await;
    assert_eq!(last.status, NtStatus::CANCELLED);
    assert_eq!(last.message_id, notify.message_id);
    assert_eq!(last.async_id(), Some(async_id));
    assert_eq!(last.credits, 0, "the interim granted them");

    // By MessageId, on a sync CANCEL.
    let notify = c.header(Command::CHANGE_NOTIFY);
    c.send(&notify, &notify_body()).await;
    let (interim, _) = c.receive().await;
    assert_eq!(interim.status, NtStatus::PENDING);
    let second_async_id = interim.async_id().unwrap();
    assert_ne!(second_async_id, async_id, "a fresh AsyncId");
    let mut cancel = c.header(Command::CANCEL);
    cancel.message_id = notify.message_id;
    c.next_mid -= 1; // CANCEL takes no MessageId of its own
    c.send(&cancel, &[4, 0, 0, 0]).await;
    let (last, _) = c.receive().await;
    assert_eq!(last.status, NtStatus::CANCELLED);
    assert_eq!(last.async_id(), Some(second_async_id));

    // A CANCEL naming nothing gets no answer; the connection goes on.
    let mut cancel = c.header(Command::CANCEL);
    cancel.message_id = 9999;
    c.next_mid -= 1;
    c.send(&cancel, &[4, 0, 0, 0]).await;
    let (echo, _) = c.request(Command::ECHO, &[4, 0, 0, 0]).await;
    assert_eq!(echo.command, Command::ECHO);
    assert_eq!(echo.status, NtStatus::SUCCESS);
}

#[tokio::test]
async fn a_waiting_request_does_not_block_the_next() {
    let server = start().await;
    let addr = server.addr;
    let mut c = Client::connect(addr).await;
    // The first LOCK waits for the second: it can only complete if the
    // connection reads and dispatches the second while the first is in
    // flight.
    let first = c.header(Command::LOCK);
    c.send(&first, &lock_body()).await;
    let second = c.header(Command::LOCK);
    c.send(&second, &lock_body()).await;
    let (a, _) = c.receive().await;
    let (b, _) = c.receive().await;
    let mut ids = [a.message_id, b.message_id];
    ids.sort_unstable();
    assert_eq!(ids, [first.message_id, second.message_id]);
    assert_eq!((a.status, b.status), (NtStatus::SUCCESS, NtStatus::SUCCESS));
    // An ECHO is answered at once while a request waits.
    let notify = c.header(Command::CHANGE_NOTIFY);
    c.send(&notify, &notify_body()).await;
    let (interim, _) = c.receive().await;
    assert_eq!(interim.status, NtStatus::PENDING);
    let (echo, _) = c.request(Command::ECHO, &[4, 0, 0, 0]).await;
    assert_eq!(echo.status, NtStatus::SUCCESS);
}

#[tokio::test]
async fn logoff_cancels_what_its_session_has_in_flight() {
    let server = start().await;
    let addr = server.addr;
    let mut c = Client::connect(addr).await;
    let notify = c.header(Command::CHANGE_NOTIFY);
    c.send(&notify, &notify_body()).await;
    let (interim, _) = c.receive().await;
    assert_eq!(interim.status, NtStatus::PENDING);
    let logoff = c.header(Command::LOGOFF);
    c.send(&logoff, &[4, 0, 0, 0]).await;
    let mut got = Vec::new();
    for _ in 0..2 {
        let (h, _) = c.receive().await;
        got.push((h.message_id, h.status));
    }
    got.sort_unstable_by_key(|(m, _)| *m);
    assert_eq!(
        got,
        vec![
            (notify.message_id, NtStatus::CANCELLED),
            (logoff.message_id, NtStatus::SUCCESS)
        ]
    );
}

impl Client {
    /// Sends the messages as one compound chain (unrelated).
    async fn send_chain(&mut self, messages: &[(Header, Vec<u8>)]) {
        let mut chain = Vec::new();
        for (i, (header, body)) in messages.iter().enumerate() {
            let start = chain.len();
            header.encode(&mut Writer::new(&mut chain));
            chain.extend_from_slice(body);
            if i + 1 < messages.len() {
                while !(chain.len() - start).is_multiple_of(8) {
                    chain.push(0);
                }
                let next = (chain.len() - start) as u32;
                chain[start + 20..start + 24].copy_from_slice(&next.to_le_bytes());
            }
        }
        let mut frame = (chain.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(&chain);
        self.stream.write_all(&frame).await.unwrap();
    }

    /// One frame, split into its messages' headers.
    async fn receive_chain(&mut self) -> Vec<Header> {
        let (_, frame) = self.receive().await;
        smbkit_wire::split_compound(&frame)
            .map(|m| Header::decode(m.unwrap()).unwrap())
            .collect()
    }
}

#[tokio::test]
async fn the_last_request_of_a_chain_goes_async_after_the_others_are_answered() {
    let server = start().await;
    let addr = server.addr;
    let mut c = Client::connect(addr).await;
    let echo = c.header(Command::ECHO);
    let notify = c.header(Command::CHANGE_NOTIFY);
    c.send_chain(&[(echo, vec![4, 0, 0, 0]), (notify, notify_body())])
        .await;
    // The ECHO's answer first, alone; then the interim of the notify.
    let first = c.receive_chain().await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].message_id, echo.message_id);
    assert_eq!(first[0].status, NtStatus::SUCCESS);
    let interim = c.receive_chain().await;
    assert_eq!(interim.len(), 1);
    assert_eq!(interim[0].message_id, notify.message_id);
    assert_eq!(interim[0].status, NtStatus::PENDING);
    let mut cancel = c.header(Command::CANCEL);
    cancel.message_id = notify.message_id;
    c.next_mid -= 1;
    c.send(&cancel, &[4, 0, 0, 0]).await;
    let last = c.receive_chain().await;
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].status, NtStatus::CANCELLED);
    assert_eq!(last[0].async_id(), interim[0].async_id());
}

#[tokio::test]
async fn a_request_inside_a_chain_may_not_go_async() {
    let server = start().await;
    let addr = server.addr;
    let mut c = Client::connect(addr).await;
    let notify = c.header(Command::CHANGE_NOTIFY);
    let echo = c.header(Command::ECHO);
    c.send_chain(&[(notify, notify_body()), (echo, vec![4, 0, 0, 0])])
        .await;
    // One compound answer: the notify failed with INTERNAL_ERROR (as Windows
    // and Samba answer; smbtorture smb2.compound.interim2), the ECHO
    // succeeded; no interim response.
    let answer = c.receive_chain().await;
    assert_eq!(answer.len(), 2);
    assert_eq!(answer[0].message_id, notify.message_id);
    assert_eq!(answer[0].status, NtStatus::INTERNAL_ERROR);
    assert!(!answer[0].flags.contains(HeaderFlags::ASYNC_COMMAND));
    assert_eq!(answer[1].message_id, echo.message_id);
    assert_eq!(answer[1].status, NtStatus::SUCCESS);
}
