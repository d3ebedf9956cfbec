//! The server on loopback: a raw NEGOTIATE over TCP, hostile frames, shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use smbkit_server::{Server, ServerConfig};
use smbkit_wire::negotiate::{
    NegotiateContext, NegotiateRequest, NegotiateResponse, algorithm, dialect, security_mode,
};
use smbkit_wire::{Command, Guid, Header, NtStatus, Pdu, U16List, Writer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::{TestServer, config_from, spawn, unique_dir};

const TIMEOUT: Duration = Duration::from_secs(10);

fn config() -> ServerConfig {
    let share = format!("public={}", unique_dir("serve").display());
    config_from(&["--share", &share, "--user", "alice:secret"])
}

async fn start() -> TestServer {
    let server = Server::bind(config()).await.unwrap();
    let addrs = server.local_addrs();
    assert_eq!(addrs.len(), 1);
    assert!(addrs[0].ip().is_loopback());
    assert_ne!(addrs[0].port(), 0);
    spawn(server)
}

/// A NEGOTIATE request offering 2.0.2 … 3.1.1, framed for Direct TCP.
fn negotiate_frame(message_id: u64) -> Vec<u8> {
    let mut msg = Vec::new();
    let mut w = Writer::new(&mut msg);
    Header {
        command: Command::NEGOTIATE,
        credits: 31,
        message_id,
        ..Header::default()
    }
    .encode(&mut w);
    NegotiateRequest {
        security_mode: security_mode::SIGNING_ENABLED,
        client_guid: Guid([0x42; 16]),
        dialects: U16List::from_values(&[
            dialect::SMB202,
            dialect::SMB210,
            dialect::SMB300,
            dialect::SMB302,
            dialect::SMB311,
        ]),
        contexts: vec![
            NegotiateContext::PreauthIntegrity {
                hash_algorithms: U16List::from_values(&[algorithm::HASH_SHA512]),
                salt: &[0x5a; 32],
            },
            NegotiateContext::Encryption {
                ciphers: U16List::from_values(&[algorithm::AES128_GCM, algorithm::AES128_CCM]),
            },
        ],
        ..NegotiateRequest::default()
    }
    .encode(&mut w)
    .unwrap();
    let mut frame = (msg.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&msg);
    frame
}

async fn read_frame(stream: &mut TcpStream) -> Vec<u8> {
    let mut prefix = [0u8; 4];
    tokio::time::timeout(TIMEOUT, stream.read_exact(&mut prefix))
        .await
        .expect("response in time")
        .unwrap();
    assert_eq!(prefix[0], 0);
    let len = u32::from_be_bytes(prefix) as usize;
    let mut body = vec![0u8; len];
    tokio::time::timeout(TIMEOUT, stream.read_exact(&mut body))
        .await
        .unwrap()
        .unwrap();
    body
}

/// Sends a NEGOTIATE and checks the decoded response.
async fn negotiate(stream: &mut TcpStream) {
    stream.write_all(&negotiate_frame(0)).await.unwrap();
    let response = read_frame(stream).await;
    let header = Header::decode(&response).unwrap();
    assert!(header.is_response());
    assert_eq!(header.command, Command::NEGOTIATE);
    assert_eq!(header.status, NtStatus::SUCCESS);
    assert_eq!(header.message_id, 0);
    assert!(header.credits >= 1);
    let body = NegotiateResponse::decode(&response).unwrap();
    assert_eq!(body.dialect_revision, dialect::SMB311);
    // signing = "required" is the default.
    assert_ne!(body.security_mode & security_mode::SIGNING_REQUIRED, 0);
    assert_ne!(body.server_guid, Guid([0; 16]));
    assert_eq!(body.max_read_size, 8 << 20);
    assert_eq!(body.max_write_size, 8 << 20);
    assert!(!body.security_buffer.is_empty(), "SPNEGO hint expected");
    let cipher = body.contexts.iter().find_map(|c| match c {
        NegotiateContext::Encryption { ciphers } => ciphers.iter().next(),
        _ => None,
    });
    assert_eq!(cipher, Some(algorithm::AES128_GCM));
}

/// Waits until the server closes `stream` (EOF or reset).
async fn assert_closed(stream: &mut TcpStream) {
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(TIMEOUT, stream.read(&mut buf))
        .await
        .expect("the server should close the connection");
    match n {
        Ok(0) | Err(_) => {}
        Ok(n) => panic!("expected close, got {n} bytes"),
    }
}

#[tokio::test]
async fn negotiate_over_loopback() {
    let server = start().await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    negotiate(&mut client).await;
    drop(client);
    server.shutdown().await;
}

#[tokio::test]
async fn oversized_frame_closes_only_that_connection() {
    let server = start().await;
    let mut good = TcpStream::connect(server.addr).await.unwrap();
    let mut bad = TcpStream::connect(server.addr).await.unwrap();
    // 8 MiB + 64 KiB + 1: one byte over the default maximum; no body follows.
    let len: u32 = (8 << 20) + (64 << 10) + 1;
    bad.write_all(&len.to_be_bytes()).await.unwrap();
    assert_closed(&mut bad).await;

    // The other connection, and a new one, are still served.
    negotiate(&mut good).await;
    let mut again = TcpStream::connect(server.addr).await.unwrap();
    negotiate(&mut again).await;

    server.shutdown().await;
}

#[tokio::test]
async fn non_direct_tcp_first_byte_closes() {
    let server = start().await;
    let mut bad = TcpStream::connect(server.addr).await.unwrap();
    // A NetBIOS session request (0x81) is not Direct TCP.
    bad.write_all(&[0x81, 0, 0, 4, 1, 2, 3, 4]).await.unwrap();
    assert_closed(&mut bad).await;
    let mut good = TcpStream::connect(server.addr).await.unwrap();
    negotiate(&mut good).await;
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_open_connections() {
    let server = start().await;
    let addr = server.addr;
    let mut client = TcpStream::connect(addr).await.unwrap();
    negotiate(&mut client).await;
    server.shutdown().await;
    assert_closed(&mut client).await;
    // Nothing accepts any more.
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn port_in_use_is_a_bind_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let mut config = config();
    config.listen = vec![addr];
    let err = Server::bind(config).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("cannot listen on {addr}: ")),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
}
