//! The malformed-traffic suite: raw bytes against a running smbkitd.
//!
//! Each case starts an in-process server on 127.0.0.1:0 with one share,
//! connects an honest client first, then lets a hostile one misbehave. Every
//! case asserts:
//! - the documented outcome: the NTSTATUS the spec names, or that the
//!   hostile connection (and only it) was closed;
//! - that the honest client, on its own connection, still writes and reads
//!   a file afterwards;
//! - that no server task panicked (a panic hook counts panics on the
//!   runtime's worker threads, where the server runs);
//! - that a canary file outside the share is byte-for-byte unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use clap::Parser;
use smbkit_server::{Cli, Server, ServerConfig};
use smbkit_tests::client::{Client, Received, header, message};
use smbkit_wire::fsctl::{VALIDATE_NEGOTIATE_INFO, ValidateNegotiateInfoRequest};
use smbkit_wire::ioctl::IoctlRequest;
use smbkit_wire::negotiate::{capabilities, dialect, security_mode};
use smbkit_wire::query_info::QueryInfoRequest;
use smbkit_wire::read::ReadRequest;
use smbkit_wire::{Command, FileId, Guid, NtStatus, Pdu, U16List};

const USER: &str = "alice";
const PASSWORD: &str = "Malformed-1";
const CANARY: &[u8] = b"outside the share: must never change\n";
/// How long a case waits for the server to close a connection.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

static SERVER_PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics on tokio worker threads (where the server's tasks run),
/// then runs the default hook so the message is still printed.
fn install_panic_counter() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().unwrap_or("").to_owned();
            if name.starts_with("tokio-runtime-worker") {
                SERVER_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            default(info);
        }));
    });
}

struct Harness {
    addr: SocketAddr,
    dir: PathBuf,
    share: PathBuf,
    canary: PathBuf,
    honest: Client,
    honest_tree: u32,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Harness {
    async fn start(tag: &str) -> Harness {
        install_panic_counter();
        let dir =
            std::env::temp_dir().join(format!("smbkit-malformed-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let share = dir.join("share");
        std::fs::create_dir_all(&share).unwrap();
        let canary = dir.join("canary.txt");
        std::fs::write(&canary, CANARY).unwrap();
        std::os::unix::fs::symlink(&canary, share.join("link-out")).unwrap();
        std::os::unix::fs::symlink(&dir, share.join("dir-out")).unwrap();
        let file = dir.join("smbkitd.toml");
        std::fs::write(
            &file,
            format!(
                "[[share]]\nname = \"data\"\npath = \"{}\"\n\n\
                 [[user]]\nname = \"{USER}\"\npassword = \"{PASSWORD}\"\n",
                share.display()
            ),
        )
        .unwrap();
        let cli = Cli::try_parse_from([
            "smbkitd",
            "--config",
            file.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .unwrap();
        let server = Server::bind(ServerConfig::load(&cli).unwrap())
            .await
            .unwrap();
        let addr = server.local_addrs()[0];
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        let mut honest = Client::signed_in(addr, USER, PASSWORD).await.unwrap();
        let honest_tree = honest.tree_connect("data").await.unwrap();
        Harness {
            addr,
            dir,
            share,
            canary,
            honest,
            honest_tree,
            _stop: tx,
        }
    }

    /// A fresh connection that has only connected.
    async fn raw(&self) -> Client {
        Client::connect(self.addr).await.unwrap()
    }

    /// A fresh signed-in connection with a tree on the share.
    async fn signed_in(&self) -> (Client, u32) {
        let mut c = Client::signed_in(self.addr, USER, PASSWORD).await.unwrap();
        let tree = c.tree_connect("data").await.unwrap();
        (c, tree)
    }

    /// The checks every case ends with.
    async fn finish(mut self) {
        let tree = self.honest_tree;
        let name = format!("honest-{}.txt", std::process::id());
        let created = self.honest.create(tree, &name, 5).await.unwrap();
        let file = Client::file_id(&created).unwrap();
        let w = self
            .honest
            .write(tree, file, 0, b"still here")
            .await
            .unwrap();
        assert_eq!(w.status(), NtStatus::SUCCESS, "honest write");
        let data = self.honest.read(tree, file, 0, 64).await.unwrap();
        assert_eq!(data, b"still here", "honest read");
        let c = self.honest.close(tree, file).await.unwrap();
        assert_eq!(c.status(), NtStatus::SUCCESS);
        assert_eq!(
            std::fs::read(self.share.join(&name)).unwrap(),
            b"still here"
        );
        assert_eq!(
            std::fs::read(&self.canary).unwrap(),
            CANARY,
            "the canary outside the share changed"
        );
        let outside: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        let mut outside = outside;
        outside.sort();
        assert_eq!(
            outside,
            ["canary.txt", "share", "smbkitd.toml"],
            "something was created outside the share"
        );
        assert_eq!(
            SERVER_PANICS.load(Ordering::SeqCst),
            0,
            "a server task panicked"
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn assert_closed(c: &mut Client, what: &str) {
    assert!(
        c.is_closed(CLOSE_WAIT).await,
        "{what}: the server kept the connection open"
    );
}

/// Sends `body` as one signed request and returns its status.
async fn status_of(c: &mut Client, command: Command, tree: u32, body: &[u8]) -> NtStatus {
    c.call(command, tree, body).await.unwrap().status()
}

fn read_body(file: FileId, length: u32) -> Vec<u8> {
    ReadRequest {
        padding: 0x50,
        flags: 0,
        length,
        offset: 0,
        file_id: file,
        minimum_count: 0,
        channel: 0,
        remaining_bytes: 0,
        read_channel_info: &[],
    }
    .encode_body_to_vec()
    .unwrap()
}

// ---- framing -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framing_errors_close_only_that_connection() {
    let h = Harness::start("framing").await;
    // A zero-length frame.
    let mut c = h.raw().await;
    c.send_raw(&[0, 0, 0, 0]).await.unwrap();
    assert_closed(&mut c, "zero-length frame").await;
    // A length above the maximum: refused before the body is read.
    let mut c = h.raw().await;
    c.send_raw(&[0, 0xFF, 0xFF, 0xFF]).await.unwrap();
    assert_closed(&mut c, "oversized frame").await;
    // Not a Direct-TCP prefix (NetBIOS session request type 0x81).
    let mut c = h.raw().await;
    c.send_raw(&[0x81, 0, 0, 4, 1, 2, 3, 4]).await.unwrap();
    assert_closed(&mut c, "NetBIOS session request").await;
    // A frame cut short: the peer goes away mid-frame.
    let mut c = h.raw().await;
    c.send_raw(&[0, 0, 0x10, 0, 0xFE, b'S', b'M', b'B'])
        .await
        .unwrap();
    drop(c);
    // Random bytes in a frame, SMB1 junk that is not a NEGOTIATE, an SMB2
    // header whose StructureSize is not 64, a message shorter than a header.
    let mut bad_header = message(&header(Command::NEGOTIATE, 0, 0, 0), &[36, 0]);
    bad_header[4] = 65;
    let cases: [(&str, Vec<u8>); 4] = [
        (
            "random bytes",
            (0..200u8).map(|i| i.wrapping_mul(37)).collect(),
        ),
        (
            "SMB1 junk",
            [&[0xFF, b'S', b'M', b'B', 0x2F][..], &[0u8; 40][..]].concat(),
        ),
        ("bad header StructureSize", bad_header),
        ("short header", vec![0xFE, b'S', b'M', b'B', 64, 0]),
    ];
    for (what, frame) in cases {
        let mut c = h.raw().await;
        c.send_frame(&frame).await.unwrap();
        assert_closed(&mut c, what).await;
    }
    h.finish().await;
}

// ---- bodies that do not decode -------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_get_invalid_parameter() {
    let h = Harness::start("bodies").await;
    let (mut c, tree) = h.signed_in().await;
    let good = Client::create_body("x.txt", 0x0012_019F, 7, 5, 0).unwrap();

    // Each CREATE body spoilt one way; all must be INVALID_PARAMETER.
    let patch = |at: usize, bytes: &[u8]| {
        let mut body = good.clone();
        body[at..at + bytes.len()].copy_from_slice(bytes);
        body
    };
    let mut contexts_outside = patch(48, &0x80u32.to_le_bytes());
    contexts_outside[52..56].copy_from_slice(&0x1000u32.to_le_bytes());
    let spoilt = [
        ("a wrong StructureSize (56)", patch(0, &[56])),
        (
            "a name past the message",
            patch(44, &0x4000u16.to_le_bytes()),
        ),
        ("a name inside the header", patch(44, &8u16.to_le_bytes())),
        ("create contexts past the message", contexts_outside),
        ("a body cut to 8 bytes", good[..8].to_vec()),
    ];
    for (what, body) in spoilt {
        assert_eq!(
            status_of(&mut c, Command::CREATE, tree, &body).await,
            NtStatus::INVALID_PARAMETER,
            "CREATE with {what}"
        );
    }

    // A file to aim READ/WRITE/QUERY_INFO at.
    let created = c.create(tree, "target.bin", 5).await.unwrap();
    let file = Client::file_id(&created).unwrap();
    // READ above MaxReadSize.
    assert_eq!(
        status_of(&mut c, Command::READ, tree, &read_body(file, 0x1000_0000)).await,
        NtStatus::INVALID_PARAMETER,
        "READ above MaxReadSize"
    );
    // WRITE whose DataOffset/Length run past the message.
    let mut body = vec![0u8; 48];
    body[0..2].copy_from_slice(&49u16.to_le_bytes());
    body[2..4].copy_from_slice(&112u16.to_le_bytes());
    body[4..8].copy_from_slice(&0x10_0000u32.to_le_bytes());
    body[16..24].copy_from_slice(&file.persistent.to_le_bytes());
    body[24..32].copy_from_slice(&file.volatile.to_le_bytes());
    body.push(0);
    assert_eq!(
        status_of(&mut c, Command::WRITE, tree, &body).await,
        NtStatus::INVALID_PARAMETER,
        "WRITE data outside the message"
    );
    // QUERY_INFO whose input buffer points past the message.
    let mut body = QueryInfoRequest {
        info_type: 1,
        file_info_class: 4,
        output_buffer_length: 1024,
        additional_information: 0,
        flags: 0,
        file_id: file,
        input: &[],
    }
    .encode_body_to_vec()
    .unwrap();
    body[8..10].copy_from_slice(&0x3000u16.to_le_bytes());
    body[12..16].copy_from_slice(&0x100u32.to_le_bytes());
    assert_eq!(
        status_of(&mut c, Command::QUERY_INFO, tree, &body).await,
        NtStatus::INVALID_PARAMETER,
        "QUERY_INFO input outside the message"
    );
    // The connection survived all of that.
    let r = c.close(tree, file).await.unwrap();
    assert_eq!(r.status(), NtStatus::SUCCESS);
    assert!(
        !h.share.join("x.txt").exists(),
        "a refused CREATE made a file"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_compound_chains() {
    let h = Harness::start("compound").await;
    // NextCommand pointing past the end of the frame.
    let (mut c, tree) = h.signed_in().await;
    let mid = c.mid();
    let mut m = message(
        &header(Command::ECHO, mid, c.session_id, tree),
        &[4, 0, 0, 0],
    );
    m[20..24].copy_from_slice(&0x1000u32.to_le_bytes());
    c.send_message(m).await.unwrap();
    match c.recv_or_closed().await.unwrap() {
        Received::Closed => {}
        Received::Replies(r) => {
            assert!(
                r.iter().all(|r| r.status() == NtStatus::INVALID_PARAMETER),
                "a chain pointing past the frame: {:?}",
                r.iter().map(|r| r.status()).collect::<Vec<_>>()
            );
        }
    }
    // NextCommand not 8-byte aligned.
    let (mut c, tree) = h.signed_in().await;
    let mid = c.mid();
    let mut m = message(
        &header(Command::ECHO, mid, c.session_id, tree),
        &[4, 0, 0, 0],
    );
    m[20..24].copy_from_slice(&67u32.to_le_bytes());
    m.extend_from_slice(&[0u8; 80]);
    c.send_message(m).await.unwrap();
    match c.recv_or_closed().await.unwrap() {
        Received::Closed => {}
        Received::Replies(r) => {
            assert!(
                r.iter().all(|r| r.status() == NtStatus::INVALID_PARAMETER),
                "a misaligned chain: {:?}",
                r.iter().map(|r| r.status()).collect::<Vec<_>>()
            );
        }
    }
    h.finish().await;
}

// ---- the transform header ------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_transform_headers_close_the_connection() {
    let h = Harness::start("transform").await;
    // Before NEGOTIATE.
    let mut c = h.raw().await;
    let mut t = vec![0xFD, b'S', b'M', b'B'];
    t.resize(52 + 64, 0);
    c.send_frame(&t).await.unwrap();
    assert_closed(&mut c, "transform before NEGOTIATE").await;

    // Sealed ECHOs spoilt one way each, on fresh signed-in connections:
    // (what, byte offset in the frame, XOR mask or replacement).
    enum Spoil {
        Xor(usize, u8),
        Put(usize, Vec<u8>),
    }
    let last = |f: &[u8]| f.len() - 1;
    let cases = [
        (
            "transform for an unknown session",
            Spoil::Put(44, 0x0bad_0bad_u64.to_le_bytes().to_vec()),
        ),
        ("tampered tag", Spoil::Xor(4, 0x01)),
        ("tampered ciphertext", Spoil::Xor(usize::MAX, 0x80)),
        (
            "huge OriginalMessageSize",
            Spoil::Put(36, 0xFFFF_FFF0u32.to_le_bytes().to_vec()),
        ),
    ];
    for (what, spoil) in cases {
        let (mut c, tree) = h.signed_in().await;
        c.seal = true;
        let mid = c.mid();
        let m = message(
            &header(Command::ECHO, mid, c.session_id, tree),
            &[4, 0, 0, 0],
        );
        let mut frame = c.finish(m).unwrap();
        match spoil {
            Spoil::Xor(at, mask) => {
                let at = if at == usize::MAX { last(&frame) } else { at };
                frame[at] ^= mask;
            }
            Spoil::Put(at, bytes) => frame[at..at + bytes.len()].copy_from_slice(&bytes),
        }
        c.send_frame(&frame).await.unwrap();
        assert_closed(&mut c, what).await;
    }
    h.finish().await;
}

// ---- credits and message ids ---------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_id_abuse_closes_the_connection() {
    let h = Harness::start("credits").await;
    // Replay of a MessageId already used.
    let (mut c, tree) = h.signed_in().await;
    let used = c.mid();
    let m = message(
        &header(Command::ECHO, used, c.session_id, tree),
        &[4, 0, 0, 0],
    );
    c.send_message(m.clone()).await.unwrap();
    let r = c.recv_final().await.unwrap();
    assert_eq!(r.status(), NtStatus::SUCCESS);
    c.send_message(m).await.unwrap();
    assert_closed(&mut c, "MessageId replay").await;

    // A MessageId far beyond the granted credits.
    let (mut c, tree) = h.signed_in().await;
    c.set_next_mid(1_000_000);
    let mid = c.mid();
    let m = message(
        &header(Command::ECHO, mid, c.session_id, tree),
        &[4, 0, 0, 0],
    );
    c.send_message(m).await.unwrap();
    assert_closed(&mut c, "MessageId beyond the window").await;

    // A CreditCharge larger than the window.
    let (mut c, tree) = h.signed_in().await;
    let mid = c.mid();
    let mut hd = header(Command::ECHO, mid, c.session_id, tree);
    hd.credit_charge = 60_000;
    c.send_message(message(&hd, &[4, 0, 0, 0])).await.unwrap();
    assert_closed(&mut c, "CreditCharge beyond the window").await;

    // The last MessageId, whose charge would wrap.
    let (mut c, tree) = h.signed_in().await;
    c.set_next_mid(u64::MAX - 1);
    let mid = c.mid();
    let mut hd = header(Command::ECHO, mid, c.session_id, tree);
    hd.credit_charge = 4;
    c.send_message(message(&hd, &[4, 0, 0, 0])).await.unwrap();
    assert_closed(&mut c, "MessageId + CreditCharge wraps").await;
    h.finish().await;
}

// ---- security ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_negotiate_mismatch_disconnects() {
    let h = Harness::start("validate").await;
    let mut c = Client::connect(h.addr).await.unwrap();
    let r = c
        .negotiate(&[dialect::SMB300, dialect::SMB302])
        .await
        .unwrap();
    assert_eq!(r.status(), NtStatus::SUCCESS);
    assert_eq!(c.dialect, dialect::SMB302);
    let r = c.login(USER, PASSWORD).await.unwrap();
    assert_eq!(r.status(), NtStatus::SUCCESS);
    let tree = c.tree_connect("data").await.unwrap();
    // The client claims it offered only 3.0 (a downgrade an attacker in the
    // middle would have made): the server must hang up (MS-SMB2 3.3.5.15.12).
    let input = ValidateNegotiateInfoRequest {
        capabilities: capabilities::LARGE_MTU | capabilities::ENCRYPTION,
        guid: Guid(c.client_guid),
        security_mode: security_mode::SIGNING_ENABLED,
        dialects: U16List::from_values(&[dialect::SMB300]),
    };
    let mut input_bytes = Vec::new();
    input.encode(&mut input_bytes).unwrap();
    let body = IoctlRequest {
        ctl_code: VALIDATE_NEGOTIATE_INFO,
        file_id: FileId::ANY,
        input: &input_bytes,
        max_input_response: 0,
        output: &[],
        max_output_response: 24,
        flags: 1,
    }
    .encode_body_to_vec()
    .unwrap();
    let mid = c.mid();
    c.send_message(message(
        &header(Command::IOCTL, mid, c.session_id, tree),
        &body,
    ))
    .await
    .unwrap();
    assert_closed(&mut c, "VALIDATE_NEGOTIATE_INFO mismatch").await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_and_forged_requests_are_refused() {
    let h = Harness::start("signing").await;
    // Signing is required by default: an unsigned request on a signed
    // session is refused, and never executed.
    let (mut c, tree) = h.signed_in().await;
    c.sign = false;
    let body = Client::create_body("unsigned.txt", 0x0012_019F, 7, 5, 0).unwrap();
    let mid = c.mid();
    c.send_message(message(
        &header(Command::CREATE, mid, c.session_id, tree),
        &body,
    ))
    .await
    .unwrap();
    match c.recv_or_closed().await.unwrap() {
        Received::Closed => {}
        Received::Replies(r) => assert_eq!(
            r[0].status(),
            NtStatus::ACCESS_DENIED,
            "unsigned request on a signed session"
        ),
    }
    assert!(!h.share.join("unsigned.txt").exists());

    // A request whose signature is wrong.
    let (mut c, tree) = h.signed_in().await;
    let mid = c.mid();
    let mut m = c
        .finish(message(
            &header(Command::CREATE, mid, c.session_id, tree),
            &body,
        ))
        .unwrap();
    m[50] ^= 0xFF;
    c.send_frame(&m).await.unwrap();
    match c.recv_or_closed().await.unwrap() {
        Received::Closed => {}
        Received::Replies(r) => {
            assert_eq!(r[0].status(), NtStatus::ACCESS_DENIED, "forged signature")
        }
    }
    assert!(!h.share.join("unsigned.txt").exists());
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_sessions_ids_do_not_work() {
    let mut h = Harness::start("foreign").await;
    // The honest client opens a file; the attacker, signed in as the same
    // user on another connection, tries to use its ids.
    let tree = h.honest_tree;
    let created = h.honest.create(tree, "private.txt", 5).await.unwrap();
    let file = Client::file_id(&created).unwrap();
    let w = h.honest.write(tree, file, 0, b"honest data").await.unwrap();
    assert_eq!(w.status(), NtStatus::SUCCESS);

    let (mut c, own_tree) = h.signed_in().await;
    // The honest client's TreeId on the attacker's session.
    let st = status_of(
        &mut c,
        Command::READ,
        tree.wrapping_add(1000),
        &read_body(file, 16),
    )
    .await;
    assert_eq!(
        st,
        NtStatus::NETWORK_NAME_DELETED,
        "a tree id never connected"
    );
    // The honest client's FileId through the attacker's own tree.
    let st = status_of(&mut c, Command::READ, own_tree, &read_body(file, 16)).await;
    assert_eq!(st, NtStatus::FILE_CLOSED, "another connection's FileId");
    // The honest client's SessionId on the attacker's connection, unsigned.
    c.sign = false;
    let mid = c.mid();
    c.send_message(message(
        &header(Command::READ, mid, h.honest.session_id, own_tree),
        &read_body(file, 16),
    ))
    .await
    .unwrap();
    match c.recv_or_closed().await.unwrap() {
        Received::Closed => {}
        Received::Replies(r) => assert_eq!(
            r[0].status(),
            NtStatus::USER_SESSION_DELETED,
            "another connection's SessionId"
        ),
    }
    let r = h.honest.close(tree, file).await.unwrap();
    assert_eq!(r.status(), NtStatus::SUCCESS);
    assert_eq!(
        std::fs::read(h.share.join("private.txt")).unwrap(),
        b"honest data"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_cannot_leave_the_share() {
    let h = Harness::start("escape").await;
    let (mut c, tree) = h.signed_in().await;
    // Open-or-create (OPEN_IF) with write access: if any of these resolved
    // outside the share, the canary or its directory would change.
    let names = [
        "..\\canary.txt",
        "..\\..\\..\\..\\..\\..\\etc\\passwd",
        "a\\..\\..\\canary.txt",
        "\\..\\canary.txt",
        "link-out",
        "dir-out\\canary.txt",
        "dir-out\\new.txt",
        "link-out:stream",
        "C:\\etc\\passwd",
        "..",
    ];
    for name in names {
        let r = c.create(tree, name, 3).await.unwrap();
        assert!(
            r.status().is_error(),
            "CREATE {name:?} succeeded ({})",
            r.status()
        );
    }
    // Names that are not paths at all.
    for raw in [vec![0u8, 0], vec![0x00, 0xD8], vec![b'a', 0, 0, 0, b'b', 0]] {
        let body = {
            let good = Client::create_body("n", 0x0012_019F, 7, 3, 0).unwrap();
            let mut b = good[..56].to_vec();
            b[44..46].copy_from_slice(&u16::try_from(raw.len()).unwrap().to_le_bytes());
            b.extend_from_slice(&raw);
            b
        };
        let st = status_of(&mut c, Command::CREATE, tree, &body).await;
        assert!(st.is_error(), "CREATE of raw name {raw:?} succeeded");
    }
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_session_is_refused_when_guest_is_off() {
    let h = Harness::start("null").await;
    let mut c = h.raw().await;
    let r = c.negotiate(&[dialect::SMB311]).await.unwrap();
    assert_eq!(r.status(), NtStatus::SUCCESS);
    let r = c.login("", "").await.unwrap();
    assert!(
        r.status() == NtStatus::LOGON_FAILURE || r.status() == NtStatus::ACCESS_DENIED,
        "anonymous logon with guest off: {}",
        r.status()
    );
    // And a wrong password.
    let mut c = h.raw().await;
    c.negotiate(&[dialect::SMB311]).await.unwrap();
    let r = c.login(USER, "wrong").await.unwrap();
    assert_eq!(r.status(), NtStatus::LOGON_FAILURE);
    h.finish().await;
}
