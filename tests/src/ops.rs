//! The small-operation workloads of the server benchmark: many small
//! files, connection setup, many connections reading at random, and idle
//! connections or open handles held for a memory reading.
//!
//! Each function drives one or more [`Client`]s and returns counts and
//! times; the `smbkit-load` binary prints them, `cargo xtask bench server`
//! runs the same workload against smbkitd and Samba.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use smbkit_wire::query_directory::QueryDirectoryRequest;
use smbkit_wire::{Command, FileId, NtStatus, Pdu};

use crate::client::{Client, utf16};

fn fail(what: impl Into<String>) -> io::Error {
    io::Error::other(what.into())
}

/// Where a workload signs in (also the `--addr --user --password --share`
/// options of the `smbkit-load` and `smbkit-soak` binaries).
#[derive(Debug, Clone, clap::Args)]
pub struct Account {
    /// Server address.
    #[arg(long)]
    pub addr: SocketAddr,
    /// Account name.
    #[arg(long)]
    pub user: String,
    /// Password.
    #[arg(long)]
    pub password: String,
    /// Share name.
    #[arg(long)]
    pub share: String,
}

impl Account {
    /// A signed-in connection with a tree on the share.
    ///
    /// # Errors
    /// When connecting, signing in or the tree connect fails.
    pub async fn connect(&self) -> io::Result<(Client, u32)> {
        let mut c = Client::signed_in(self.addr, &self.user, &self.password).await?;
        let tree = c.tree_connect(&self.share).await?;
        Ok((c, tree))
    }
}

/// FILE_CREATE, FILE_OPEN.
const CREATE: u32 = 2;
const OPEN: u32 = 1;
/// FILE_DIRECTORY_FILE, FILE_NON_DIRECTORY_FILE, FILE_DELETE_ON_CLOSE.
const DIRECTORY_FILE: u32 = 0x0000_0001;
const NON_DIRECTORY_FILE: u32 = 0x0000_0040;
const DELETE_ON_CLOSE: u32 = 0x0000_1000;
/// GENERIC_READ | GENERIC_WRITE; FILE_READ_ATTRIBUTES; DELETE; the
/// directory listing rights (FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES |
/// SYNCHRONIZE).
const READ_WRITE: u32 = 0x8000_0000 | 0x4000_0000;
const READ_ATTRIBUTES: u32 = 0x0000_0080;
const DELETE: u32 = 0x0001_0000;
const LIST: u32 = 0x0000_0001 | 0x0000_0080 | 0x0010_0000;
/// SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB.
const POSTQUERY: u16 = 1;

async fn open(
    c: &mut Client,
    tree: u32,
    name: &str,
    access: u32,
    disposition: u32,
    options: u32,
) -> io::Result<FileId> {
    let body = Client::create_body(name, access, 7, disposition, options)?;
    let reply = c.call(Command::CREATE, tree, &body).await?;
    Client::file_id(&reply).map_err(|e| fail(format!("{name}: {e}")))
}

async fn close(c: &mut Client, tree: u32, file: FileId, flags: u16) -> io::Result<()> {
    let body = smbkit_wire::close::CloseRequest {
        flags,
        file_id: file,
    }
    .encode_body_to_vec()
    .map_err(|e| fail(e.to_string()))?;
    let r = c.call(Command::CLOSE, tree, &body).await?;
    if r.status() != NtStatus::SUCCESS {
        return Err(fail(format!("close: {}", r.status())));
    }
    Ok(())
}

/// The times of the four phases of [`small_files`].
#[derive(Debug, Clone, Copy)]
pub struct SmallFiles {
    /// Files per phase.
    pub files: usize,
    /// CREATE + WRITE 4 KiB + CLOSE of every file.
    pub create: Duration,
    /// CREATE (read attributes) + CLOSE with POSTQUERY_ATTRIB of every file.
    pub stat: Duration,
    /// QUERY_DIRECTORY of the whole directory (entries seen: `listed`).
    pub list: Duration,
    /// Entries the listing returned (`.` and `..` excluded).
    pub listed: usize,
    /// CREATE with DELETE_ON_CLOSE + CLOSE of every file.
    pub delete: Duration,
}

/// Creates `files` files of 4 KiB in a new directory `dir`, stats each,
/// lists the directory, deletes each, over `connections` connections in
/// parallel (each owning a slice of the names), and removes the directory.
///
/// # Errors
/// The first failed operation.
pub async fn small_files(
    account: &Account,
    dir: &str,
    files: usize,
    connections: usize,
) -> io::Result<SmallFiles> {
    let connections = connections.max(1);
    let mut clients = Vec::with_capacity(connections);
    for _ in 0..connections {
        clients.push(account.connect().await?);
    }
    {
        let (c, tree) = clients.first_mut().ok_or_else(|| fail("no connection"))?;
        let d = open(c, *tree, dir, LIST | DELETE, CREATE, DIRECTORY_FILE).await?;
        close(c, *tree, d, 0).await?;
    }
    let data = vec![0x42u8; 4096];
    let name = |i: usize| format!("{dir}\\f{i:06}.dat");

    let phase = |clients: &mut Vec<(Client, u32)>, what: u8| {
        let mut set = tokio::task::JoinSet::new();
        for (k, (mut c, tree)) in clients.drain(..).enumerate() {
            let data = data.clone();
            let names: Vec<String> = (k..files).step_by(connections).map(name).collect();
            set.spawn(async move {
                for n in &names {
                    match what {
                        0 => {
                            let f = open(&mut c, tree, n, READ_WRITE, CREATE, NON_DIRECTORY_FILE)
                                .await?;
                            let w = c.write(tree, f, 0, &data).await?;
                            if w.status() != NtStatus::SUCCESS {
                                return Err(fail(format!("write {n}: {}", w.status())));
                            }
                            close(&mut c, tree, f, 0).await?;
                        }
                        1 => {
                            let f = open(&mut c, tree, n, READ_ATTRIBUTES, OPEN, 0).await?;
                            close(&mut c, tree, f, POSTQUERY).await?;
                        }
                        _ => {
                            let f = open(&mut c, tree, n, DELETE, OPEN, DELETE_ON_CLOSE).await?;
                            close(&mut c, tree, f, 0).await?;
                        }
                    }
                }
                Ok::<_, io::Error>((c, tree))
            });
        }
        set
    };
    let timed = |clients: &mut Vec<(Client, u32)>, what: u8| {
        let set = phase(clients, what);
        async move {
            let start = Instant::now();
            let back = set.join_all().await;
            let took = start.elapsed();
            let mut again = Vec::new();
            for r in back {
                again.push(r?);
            }
            Ok::<_, io::Error>((again, took))
        }
    };

    let (mut clients, create) = timed(&mut clients, 0).await?;
    let (mut clients2, stat) = timed(&mut clients, 1).await?;
    let (c, tree) = clients2.first_mut().ok_or_else(|| fail("no connection"))?;
    let start = Instant::now();
    let listed = list(c, *tree, dir).await?;
    let list_took = start.elapsed();
    let (mut clients3, delete) = timed(&mut clients2, 2).await?;
    let (c, tree) = clients3.first_mut().ok_or_else(|| fail("no connection"))?;
    let d = open(
        c,
        *tree,
        dir,
        DELETE,
        OPEN,
        DIRECTORY_FILE | DELETE_ON_CLOSE,
    )
    .await?;
    close(c, *tree, d, 0).await?;
    Ok(SmallFiles {
        files,
        create,
        stat,
        list: list_took,
        listed,
        delete,
    })
}

/// Lists `dir` with FileIdBothDirectoryInformation in 64 KiB responses;
/// returns the number of entries other than `.` and `..`.
async fn list(c: &mut Client, tree: u32, dir: &str) -> io::Result<usize> {
    let d = open(c, tree, dir, LIST, OPEN, DIRECTORY_FILE).await?;
    let pattern = utf16("*");
    let mut count = 0usize;
    loop {
        let body = QueryDirectoryRequest {
            file_information_class: 37,
            flags: 0,
            file_index: 0,
            file_id: d,
            pattern: &pattern,
            output_buffer_length: 65536,
        }
        .encode_body_to_vec()
        .map_err(|e| fail(e.to_string()))?;
        let r = c.call(Command::QUERY_DIRECTORY, tree, &body).await?;
        if r.status() == NtStatus::NO_MORE_FILES {
            break;
        }
        if r.status() != NtStatus::SUCCESS {
            return Err(fail(format!("query directory: {}", r.status())));
        }
        count += entries(&r.bytes)?;
    }
    close(c, tree, d, 0).await?;
    Ok(count.saturating_sub(2))
}

/// Counts the entries of a QUERY_DIRECTORY response (NextEntryOffset chain).
fn entries(msg: &[u8]) -> io::Result<usize> {
    let bad = || fail("malformed QUERY_DIRECTORY response");
    let field = |at: usize, n: usize| msg.get(at..at + n).ok_or_else(bad);
    let offset = usize::from(u16::from_le_bytes(
        field(66, 2)?.try_into().map_err(|_| bad())?,
    ));
    let length = u32::from_le_bytes(field(68, 4)?.try_into().map_err(|_| bad())?) as usize;
    let buffer = msg.get(offset..offset + length).ok_or_else(bad)?;
    let mut at = 0usize;
    let mut n = 0usize;
    loop {
        n += 1;
        let next = buffer.get(at..at + 4).ok_or_else(bad)?;
        let next = u32::from_le_bytes(next.try_into().map_err(|_| bad())?) as usize;
        if next == 0 {
            return Ok(n);
        }
        at += next;
    }
}

/// Connection setups: `count` times connect + NEGOTIATE + SESSION_SETUP +
/// TREE_CONNECT, then close the socket, `parallel` at a time. Returns the
/// wall time and the number of setups that failed (each failure is
/// printed to stderr and retried; at most `count` failures are tolerated).
///
/// # Errors
/// When more setups failed than `count`.
pub async fn connect_rate(
    account: &Account,
    count: usize,
    parallel: usize,
) -> io::Result<(Duration, usize)> {
    let parallel = parallel.max(1);
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for k in 0..parallel {
        let account = account.clone();
        let mine = (k..count).step_by(parallel).count();
        set.spawn(async move {
            let mut failed = 0usize;
            let mut done = 0usize;
            while done < mine {
                match account.connect().await {
                    Ok((c, _)) => {
                        drop(c);
                        done += 1;
                    }
                    Err(e) if failed < mine => {
                        eprintln!("connection setup failed: {e}");
                        failed += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok::<_, io::Error>(failed)
        });
    }
    let mut failed = 0usize;
    for r in set.join_all().await {
        failed += r?;
    }
    Ok((start.elapsed(), failed))
}

/// What [`random_reads`] measured.
#[derive(Debug, Clone)]
pub struct RandomReads {
    /// READs completed.
    pub reads: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Median latency of one READ.
    pub p50: Duration,
    /// 99th percentile latency of one READ.
    pub p99: Duration,
}

/// `connections` connections each read `io` bytes at pseudo-random
/// offsets of the existing file `name` (of `size` bytes), one READ at a
/// time, for `duration`.
///
/// # Errors
/// The first failure.
pub async fn random_reads(
    account: &Account,
    name: &str,
    size: u64,
    io: u32,
    connections: usize,
    duration: Duration,
) -> io::Result<RandomReads> {
    let mut opened = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (mut c, tree) = account.connect().await?;
        let f = open(&mut c, tree, name, 0x8000_0000, OPEN, NON_DIRECTORY_FILE).await?;
        opened.push((c, tree, f));
    }
    let blocks = (size / u64::from(io.max(1))).max(1);
    let start = Instant::now();
    let deadline = start + duration;
    let mut set = tokio::task::JoinSet::new();
    for (k, (mut c, tree, f)) in opened.into_iter().enumerate() {
        set.spawn(async move {
            let mut lat = Vec::new();
            let mut x = (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            while Instant::now() < deadline {
                // xorshift64: a cheap, reproducible offset sequence.
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let offset = (x % blocks) * u64::from(io);
                let t = Instant::now();
                let data = c.read(tree, f, offset, io).await?;
                lat.push(t.elapsed());
                if data.len() != io as usize {
                    return Err(fail(format!("short read: {}", data.len())));
                }
            }
            Ok::<_, io::Error>(lat)
        });
    }
    let mut all = Vec::new();
    for r in set.join_all().await {
        all.extend(r?);
    }
    let elapsed = start.elapsed();
    all.sort_unstable();
    let pick = |q: usize| {
        all.get((all.len().saturating_sub(1)) * q / 100)
            .copied()
            .unwrap_or_default()
    };
    Ok(RandomReads {
        reads: all.len() as u64,
        elapsed,
        p50: pick(50),
        p99: pick(99),
    })
}

/// Opens `connections` signed-in connections with a tree each and, on the
/// first one, `handles` open files (`hold-NNNNNN.dat`, created), then
/// calls `ready` and keeps them all until `hold` has passed.
///
/// # Errors
/// The first failure.
pub async fn hold(
    account: &Account,
    connections: usize,
    handles: usize,
    hold: Duration,
    ready: impl FnOnce(),
) -> io::Result<()> {
    let mut kept = Vec::with_capacity(connections.max(1));
    for _ in 0..connections.max(1) {
        kept.push(account.connect().await?);
    }
    let mut files = Vec::with_capacity(handles);
    if let Some((c, tree)) = kept.first_mut() {
        for i in 0..handles {
            let name = format!("hold-{i:06}.dat");
            files.push(open(c, *tree, &name, READ_WRITE | DELETE, 3, DELETE_ON_CLOSE).await?);
        }
    }
    ready();
    tokio::time::sleep(hold).await;
    drop(files);
    drop(kept);
    Ok(())
}
