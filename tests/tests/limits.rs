//! Server-wide limits against a running smbkitd: the deadline for
//! connections that never sign in, the connection cap, and the delay on
//! repeated failed logons from one address. Honest clients keep working
//! throughout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clap::Parser;
use smbkit_server::{Cli, Server, ServerConfig};
use smbkit_tests::client::Client;
use smbkit_wire::NtStatus;
use smbkit_wire::negotiate::dialect;

const USER: &str = "alice";
const PASSWORD: &str = "Limits-1";

async fn start(tag: &str, limits: &str) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let dir = std::env::temp_dir().join(format!("smbkit-limits-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let share = dir.join("share");
    std::fs::create_dir_all(&share).unwrap();
    let file = dir.join("smbkitd.toml");
    std::fs::write(
        &file,
        format!(
            "[[share]]\nname = \"data\"\npath = {:?}\n\n\
             [[user]]\nname = \"{USER}\"\npassword = \"{PASSWORD}\"\n\n[limits]\n{limits}\n",
            share.display().to_string()
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
    (addr, tx)
}

async fn still_works(c: &mut Client, tree: u32) {
    let r = c.create(tree, "alive.txt", 5).await.unwrap();
    let f = Client::file_id(&r).unwrap();
    assert_eq!(c.close(tree, f).await.unwrap().status(), NtStatus::SUCCESS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_never_sign_in_are_closed_at_the_deadline() {
    let (addr, _stop) = start("deadline", "unauthenticated_timeout_secs = 1").await;
    let mut honest = Client::signed_in(addr, USER, PASSWORD).await.unwrap();
    let tree = honest.tree_connect("data").await.unwrap();
    // Connected and negotiated, then silent.
    let mut idle = Client::connect(addr).await.unwrap();
    idle.negotiate(&[dialect::SMB311]).await.unwrap();
    let silent = Client::connect(addr).await.unwrap();
    let started = Instant::now();
    assert!(
        idle.is_closed(Duration::from_secs(5)).await,
        "idle connection kept"
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(700),
        "closed too early: {waited:?}"
    );
    drop(silent);
    // The signed-in connection outlives the deadline.
    tokio::time::sleep(Duration::from_millis(500)).await;
    still_works(&mut honest, tree).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_are_refused() {
    let (addr, _stop) = start("cap", "max_connections = 2").await;
    let mut honest = Client::signed_in(addr, USER, PASSWORD).await.unwrap();
    let tree = honest.tree_connect("data").await.unwrap();
    let second = Client::signed_in(addr, USER, PASSWORD).await.unwrap();
    let mut third = Client::connect(addr).await.unwrap();
    assert!(
        third.is_closed(Duration::from_secs(5)).await,
        "third connection kept"
    );
    still_works(&mut honest, tree).await;
    // A slot frees when a connection goes.
    drop(second);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = Client::signed_in(addr, USER, PASSWORD).await;
    assert!(
        again.is_ok(),
        "no slot after a connection closed: {again:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_logon_failures_are_slowed_down() {
    let (addr, _stop) = start(
        "throttle",
        "logon_failures_before_delay = 1\nmax_logon_delay_secs = 2",
    )
    .await;
    let mut honest = Client::signed_in(addr, USER, PASSWORD).await.unwrap();
    let tree = honest.tree_connect("data").await.unwrap();
    let mut guess = Client::connect(addr).await.unwrap();
    guess.negotiate(&[dialect::SMB311]).await.unwrap();
    let t = Instant::now();
    let r = guess.login(USER, "guess-1").await.unwrap();
    assert_eq!(r.status(), NtStatus::LOGON_FAILURE);
    assert!(
        t.elapsed() < Duration::from_millis(800),
        "first failure delayed"
    );
    let t = Instant::now();
    let r = guess.login(USER, "guess-2").await.unwrap();
    assert_eq!(r.status(), NtStatus::LOGON_FAILURE);
    let second = t.elapsed();
    assert!(
        second >= Duration::from_millis(900),
        "second failure not delayed: {second:?}"
    );
    let t = Instant::now();
    let r = guess.login(USER, "guess-3").await.unwrap();
    assert_eq!(r.status(), NtStatus::LOGON_FAILURE);
    let third = t.elapsed();
    assert!(
        third >= Duration::from_millis(1900),
        "third failure not 2 s: {third:?}"
    );
    // Meanwhile the honest client is served at once.
    let t = Instant::now();
    still_works(&mut honest, tree).await;
    assert!(t.elapsed() < Duration::from_millis(800));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opens_per_connection_are_capped() {
    let (addr, _stop) = start("opens", "max_opens_per_connection = 2").await;
    let mut c = Client::signed_in(addr, USER, PASSWORD).await.unwrap();
    let tree = c.tree_connect("data").await.unwrap();
    let a = Client::file_id(&c.create(tree, "a.txt", 5).await.unwrap()).unwrap();
    let _b = Client::file_id(&c.create(tree, "b.txt", 5).await.unwrap()).unwrap();
    let r = c.create(tree, "c.txt", 5).await.unwrap();
    assert_eq!(r.status(), NtStatus::INSUFFICIENT_RESOURCES);
    // Another connection is not affected.
    let mut other = Client::signed_in(addr, USER, PASSWORD).await.unwrap();
    let other_tree = other.tree_connect("data").await.unwrap();
    still_works(&mut other, other_tree).await;
    // Closing one frees a slot.
    assert_eq!(c.close(tree, a).await.unwrap().status(), NtStatus::SUCCESS);
    let r = c.create(tree, "c.txt", 5).await.unwrap();
    assert_eq!(r.status(), NtStatus::SUCCESS);
}
