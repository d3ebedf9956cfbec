//! `smbkit-soak`: honest and hostile SMB clients at once against one
//! server, for a while (see `smbkit_tests::soak`). Prints a progress line
//! every 10 s and a final `honest_ok=… honest_failed=… hostile=…` line;
//! exits non-zero if any honest operation failed.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Parser;
use smbkit_tests::ops::Account;
use smbkit_tests::soak::{Counters, run};

/// Honest and hostile SMB clients against one server.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Where to sign in.
    #[command(flatten)]
    account: Account,
    /// How long, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Honest clients.
    #[arg(long, default_value_t = 16)]
    honest: usize,
    /// Hostile clients.
    #[arg(long, default_value_t = 16)]
    hostile: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("smbkit-soak: runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let counters = Arc::new(Counters::default());
    let result = runtime.block_on(async {
        let progress = {
            let counters = Arc::clone(&counters);
            tokio::spawn(async move {
                let mut t = 0u64;
                loop {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    t += 10;
                    println!(
                        "t={t}s honest_ok={} hostile={}",
                        counters.honest_ok.load(Ordering::Relaxed),
                        counters.hostile.load(Ordering::Relaxed)
                    );
                }
            })
        };
        let target = args.account.clone();
        let r = run(
            target,
            args.honest,
            args.hostile,
            Duration::from_secs(args.seconds),
            Arc::clone(&counters),
        )
        .await;
        progress.abort();
        r
    });
    println!(
        "honest_ok={} honest_failed={} hostile={}",
        counters.honest_ok.load(Ordering::Relaxed),
        counters.honest_failed.load(Ordering::Relaxed),
        counters.hostile.load(Ordering::Relaxed)
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("smbkit-soak: {e}");
            ExitCode::FAILURE
        }
    }
}
