//! `smbkit-load`: a pipelined SMB 3.1.1 load generator for benchmarks.
//!
//! Signs in, opens one file on a share and moves `--size-mib` MiB through it
//! with `--depth` READs or WRITEs of `--io-kib` KiB in flight, signed or
//! sealed, then prints one line:
//! `bytes=… seconds=… mb_per_s=… max_in_flight=…`.
//! Used by `cargo xtask bench server` against smbkitd and Samba alike.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use smbkit_tests::client::Client;
use smbkit_tests::load::{Direction, sequential};
use smbkit_wire::negotiate::{algorithm, dialect};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Op {
    Read,
    Write,
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
    /// Server address.
    #[arg(long)]
    addr: SocketAddr,
    /// Account name.
    #[arg(long)]
    user: String,
    /// Password.
    #[arg(long)]
    password: String,
    /// Share name.
    #[arg(long)]
    share: String,
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
    let mut client = Client::connect(args.addr).await?;
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
    let r = client.login(&args.user, &args.password).await?;
    if r.status().is_error() {
        return Err(std::io::Error::other(format!("login: {}", r.status())));
    }
    client.seal = args.encrypt.is_some();
    let tree = client.tree_connect(&args.share).await?;
    // OVERWRITE_IF (5) for a write run, OPEN (1) for a read run.
    let disposition = match args.op {
        Op::Write => 5,
        Op::Read => 1,
    };
    let created = client.create(tree, &args.file, disposition).await?;
    let file = Client::file_id(&created)?;
    let direction = match args.op {
        Op::Read => Direction::Read,
        Op::Write => Direction::Write,
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
