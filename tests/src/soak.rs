//! The soak load: many concurrent clients, honest and hostile, for a while.
//!
//! Honest clients sign in once and loop: create a file, write 64 KiB, read
//! it back and compare, close it (it is opened delete-on-close, so it goes),
//! and now and then drop the whole connection with files still open and
//! start over. Hostile clients loop over misbehaviours: garbage frames,
//! frames cut short, a tampered sealed frame, a malformed CREATE, a
//! replayed MessageId, a stalled half-sent frame. Honest work must never
//! fail; what the server does to hostile connections is counted only.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use smbkit_wire::{Command, NtStatus};

use crate::client::{Client, header, message};
use crate::ops::Account;

/// What a soak run did.
#[derive(Debug, Default)]
pub struct Counters {
    /// Honest create/write/read/close cycles that succeeded.
    pub honest_ok: AtomicU64,
    /// Honest cycles that failed (must stay 0).
    pub honest_failed: AtomicU64,
    /// Hostile actions sent.
    pub hostile: AtomicU64,
}

/// FILE_DELETE_ON_CLOSE.
const DELETE_ON_CLOSE: u32 = 0x0000_1000;
/// GENERIC_READ | GENERIC_WRITE | DELETE.
const ACCESS: u32 = 0x8000_0000 | 0x4000_0000 | 0x0001_0000;
/// FILE_CREATE.
const CREATE: u32 = 2;

/// Runs `honest` honest and `hostile` hostile clients against `addr` until
/// `duration` has passed. The first honest failure's message is returned
/// as the error; the counters say what happened either way.
///
/// # Errors
/// The first honest failure.
pub async fn run(
    target: Account,
    honest: usize,
    hostile: usize,
    duration: Duration,
    counters: Arc<Counters>,
) -> io::Result<()> {
    let deadline = Instant::now() + duration;
    let target = Arc::new(target);
    let mut tasks = tokio::task::JoinSet::new();
    for id in 0..honest {
        let (target, counters) = (Arc::clone(&target), Arc::clone(&counters));
        tasks.spawn(async move { honest_loop(&target, id, deadline, &counters).await });
    }
    for id in 0..hostile {
        let (target, counters) = (Arc::clone(&target), Arc::clone(&counters));
        tasks.spawn(async move {
            hostile_loop(&target, id, deadline, &counters).await;
            Ok(())
        });
    }
    let mut first_error = None;
    while let Some(done) = tasks.join_next().await {
        let result = done.map_err(|e| io::Error::other(format!("client task: {e}")))?;
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

async fn honest_loop(
    target: &Account,
    id: usize,
    deadline: Instant,
    counters: &Counters,
) -> io::Result<()> {
    let payload: Vec<u8> = (0..65536u32)
        .map(|i| (i.wrapping_mul(31) as u8) ^ (id as u8))
        .collect();
    let mut cycle = 0u64;
    while Instant::now() < deadline {
        let (mut c, tree) = target.connect().await?;
        // A connection lives for 50 cycles, then is dropped with a file open.
        for _ in 0..50 {
            if Instant::now() >= deadline {
                break;
            }
            cycle += 1;
            let name = format!("soak-{id}-{cycle}.bin");
            match honest_cycle(&mut c, tree, &name, &payload).await {
                Ok(()) => counters.honest_ok.fetch_add(1, Ordering::Relaxed),
                Err(e) => {
                    counters.honest_failed.fetch_add(1, Ordering::Relaxed);
                    return Err(io::Error::other(format!("honest client {id}, {name}: {e}")));
                }
            };
        }
        let body = Client::create_body("soak-left-open.bin", ACCESS, 7, CREATE, DELETE_ON_CLOSE)?;
        let _ = c.call(Command::CREATE, tree, &body).await;
        drop(c);
    }
    Ok(())
}

async fn honest_cycle(c: &mut Client, tree: u32, name: &str, payload: &[u8]) -> io::Result<()> {
    let body = Client::create_body(name, ACCESS, 7, CREATE, DELETE_ON_CLOSE)?;
    let reply = c.call(Command::CREATE, tree, &body).await?;
    let file = Client::file_id(&reply)?;
    let w = c.write(tree, file, 0, payload).await?;
    if w.status() != NtStatus::SUCCESS {
        return Err(io::Error::other(format!("write: {}", w.status())));
    }
    let len = u32::try_from(payload.len()).map_err(|_| io::Error::other("payload"))?;
    let back = c.read(tree, file, 0, len).await?;
    if back != payload {
        return Err(io::Error::other("read back different bytes"));
    }
    let r = c.close(tree, file).await?;
    if r.status() != NtStatus::SUCCESS {
        return Err(io::Error::other(format!("close: {}", r.status())));
    }
    Ok(())
}

async fn hostile_loop(target: &Account, id: usize, deadline: Instant, counters: &Counters) {
    let mut n = id;
    while Instant::now() < deadline {
        n = n.wrapping_add(1);
        counters.hostile.fetch_add(1, Ordering::Relaxed);
        // Whatever the server answers, or if it hangs up, is fine here.
        let _ = hostile_once(target, n).await;
    }
}

async fn hostile_once(target: &Account, n: usize) -> io::Result<()> {
    let addr = target.addr;
    match n % 6 {
        0 => {
            let mut c = Client::connect(addr).await?;
            let junk: Vec<u8> = (0..300u32)
                .map(|i| (i.wrapping_mul(n as u32 | 1)) as u8)
                .collect();
            c.send_frame(&junk).await?;
            let _ = c.is_closed(Duration::from_secs(2)).await;
        }
        1 => {
            // A frame announced at 64 KiB, 100 bytes sent, then silence.
            let mut c = Client::connect(addr).await?;
            let mut partial = vec![0u8, 1, 0, 0, 0xFE, b'S', b'M', b'B'];
            partial.resize(104, 0);
            c.send_raw(&partial).await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        2 => {
            let (mut c, tree) = target.connect().await?;
            c.seal = true;
            let mid = c.mid();
            let m = message(
                &header(Command::ECHO, mid, c.session_id, tree),
                &[4, 0, 0, 0],
            );
            let mut frame = c.finish(m)?;
            if let Some(b) = frame.get_mut(20) {
                *b ^= 0x40;
            }
            c.send_frame(&frame).await?;
            let _ = c.is_closed(Duration::from_secs(2)).await;
        }
        3 => {
            let (mut c, tree) = target.connect().await?;
            let mut body = Client::create_body("x", ACCESS, 7, CREATE, 0)?;
            if let Some(b) = body.get_mut(44..46) {
                b.copy_from_slice(&0xF000u16.to_le_bytes());
            }
            let _ = c.call(Command::CREATE, tree, &body).await?;
        }
        4 => {
            let (mut c, tree) = target.connect().await?;
            let mid = c.mid();
            let m = message(
                &header(Command::ECHO, mid, c.session_id, tree),
                &[4, 0, 0, 0],
            );
            c.send_message(m.clone()).await?;
            let _ = c.recv().await?;
            c.send_message(m).await?;
            let _ = c.is_closed(Duration::from_secs(2)).await;
        }
        _ => {
            // Sign in, open files without closing them, vanish.
            let (mut c, tree) = target.connect().await?;
            for i in 0..8 {
                let body = Client::create_body(
                    &format!("hostile-{n}-{i}.bin"),
                    ACCESS,
                    7,
                    CREATE,
                    DELETE_ON_CLOSE,
                )?;
                let _ = c.call(Command::CREATE, tree, &body).await?;
            }
        }
    }
    Ok(())
}
