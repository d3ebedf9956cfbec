//! `smbkit-load`: an SMB 3.1.1 load generator for benchmarks, used by
//! `cargo xtask bench server` against smbkitd and Samba alike. Each `--op`
//! prints one line of `key=value` fields:
//! - `write`, `read`: one file, `--size-mib` MiB moved with `--depth`
//!   requests of `--io-kib` KiB in flight, signed or sealed:
//!   `bytes=… seconds=… mb_per_s=… max_in_flight=…`;
//! - `files`: `--files` files of 4 KiB created, stat'ed, listed and deleted
//!   over `--connections` connections: `files=… create_s=… stat_s=…
//!   list_s=… listed=… delete_s=…`;
//! - `connect`: `--count` connection setups (negotiate, session setup, tree
//!   connect), `--connections` at a time: `count=… seconds=… failed=…`;
//! - `random`: `--connections` connections reading `--io-kib` KiB at random
//!   offsets of the existing `--file` (`--size-mib` long) for `--seconds`:
//!   `reads=… seconds=… p50_us=… p99_us=…`;
//! - `hold`: `--connections` idle signed-in connections and `--handles`
//!   open files, held for `--seconds`; prints `ready` once all are open.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use smbkit_tests::client::Client;
use smbkit_tests::load::{Direction, sequential};
use smbkit_tests::ops::{Account, connect_rate, hold, random_reads, small_files};
use smbkit_wire::negotiate::{algorithm, dialect};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Op {
    Read,
    Write,
    Files,
    Connect,
    Random,
    Hold,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CipherArg {
    #[value(name = "aes-128-gcm")]
    Aes128Gcm,
    #[value(name = "aes-256-gcm")]
    Aes256Gcm,
    #[value(name = "aes-128-ccm")]
    Aes128Ccm,
    #[value(name = "aes-256-ccm")]
    Aes256Ccm,
}

/// Pipelined SMB 3.1.1 READ/WRITE load against one file.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Where to sign in.
    #[command(flatten)]
    account: Account,
    /// File name on the share (created by `write`, read by `read`).
    #[arg(long, default_value = "load.bin")]
    file: String,
    /// Direction.
    #[arg(long, value_enum)]
    op: Op,
    /// MiB to move.
    #[arg(long, default_value_t = 512)]
    size_mib: u64,
    /// KiB per request.
    #[arg(long, default_value_t = 1024)]
    io_kib: u32,
    /// Requests in flight.
    #[arg(long, default_value_t = 16)]
    depth: usize,
    /// Seal every request with this cipher (otherwise sign).
    #[arg(long, value_enum)]
    encrypt: Option<CipherArg>,
    /// Files for `files`.
    #[arg(long, default_value_t = 10_000)]
    files: usize,
    /// Connections for `files`, `connect`, `random`, `hold`.
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// Setups for `connect`.
    #[arg(long, default_value_t = 1000)]
    count: usize,
    /// Seconds for `random` and `hold`.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Open files for `hold`.
    #[arg(long, default_value_t = 0)]
    handles: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("smbkit-load: runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("smbkit-load: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> std::io::Result<String> {
    let account = &args.account;
    match args.op {
        Op::Read | Op::Write => {}
        Op::Files => {
            let r = small_files(account, "smallfiles", args.files, args.connections).await?;
            return Ok(format!(
                "files={} create_s={:.6} stat_s={:.6} list_s={:.6} listed={} delete_s={:.6}",
                r.files,
                r.create.as_secs_f64(),
                r.stat.as_secs_f64(),
                r.list.as_secs_f64(),
                r.listed,
                r.delete.as_secs_f64()
            ));
        }
        Op::Connect => {
            let (took, failed) = connect_rate(account, args.count, args.connections).await?;
            return Ok(format!(
                "count={} seconds={:.6} failed={failed}",
                args.count,
                took.as_secs_f64()
            ));
        }
        Op::Random => {
            let r = random_reads(
                account,
                &args.file,
                args.size_mib.saturating_mul(1 << 20),
                args.io_kib.saturating_mul(1024),
                args.connections,
                Duration::from_secs(args.seconds),
            )
            .await?;
            return Ok(format!(
                "reads={} seconds={:.6} p50_us={} p99_us={}",
                r.reads,
                r.elapsed.as_secs_f64(),
                r.p50.as_micros(),
                r.p99.as_micros()
            ));
        }
        Op::Hold => {
            hold(
                account,
                args.connections,
                args.handles,
                Duration::from_secs(args.seconds),
                || {
                    println!("ready");
                    let _ = std::io::Write::flush(&mut std::io::stdout());
                },
            )
            .await?;
            return Ok("done".to_owned());
        }
    }
    let mut client = Client::connect(account.addr).await?;
    if let Some(cipher) = args.encrypt {
        client.ciphers = vec![match cipher {
            CipherArg::Aes128Gcm => algorithm::AES128_GCM,
            CipherArg::Aes256Gcm => algorithm::AES256_GCM,
            CipherArg::Aes128Ccm => algorithm::AES128_CCM,
            CipherArg::Aes256Ccm => algorithm::AES256_CCM,
        }];
    }
    let r = client.negotiate(&[dialect::SMB311]).await?;
    if r.status().is_error() {
        return Err(std::io::Error::other(format!("negotiate: {}", r.status())));
    }
    let r = client.login(&account.user, &account.password).await?;
    if r.status().is_error() {
        return Err(std::io::Error::other(format!("login: {}", r.status())));
    }
    client.seal = args.encrypt.is_some();
    let tree = client.tree_connect(&account.share).await?;
    // OVERWRITE_IF (5) for a write run, OPEN (1) for a read run.
    let disposition = match args.op {
        Op::Write => 5,
        _ => 1,
    };
    let created = client.create(tree, &args.file, disposition).await?;
    let file = Client::file_id(&created)?;
    let direction = match args.op {
        Op::Write => Direction::Write,
        _ => Direction::Read,
    };
    let total = args.size_mib.saturating_mul(1 << 20);
    let io = args.io_kib.saturating_mul(1024);
    let t = sequential(&mut client, tree, file, direction, total, io, args.depth).await?;
    client.close(tree, file).await?;
    Ok(format!(
        "bytes={} seconds={:.6} mb_per_s={:.1} max_in_flight={}",
        t.bytes,
        t.elapsed.as_secs_f64(),
        t.mb_per_s(),
        t.max_in_flight
    ))
}
