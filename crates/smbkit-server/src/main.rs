//! `smbkitd`: the smbkit SMB 2/3 file server.
//!
//! See the crate README for the command line and the configuration file.

use std::process::ExitCode;

use clap::Parser;
use smbkit_server::{Cli, Server, ServerConfig};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match ServerConfig::load(&cli) {
        Ok(config) => config,
        Err(e) => return fail(&e),
    };
    init_logging(cli.verbose);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async move {
        let server = match Server::bind(config).await {
            Ok(server) => server,
            Err(e) => return fail(&e),
        };
        let shutdown = match shutdown_signal() {
            Ok(shutdown) => shutdown,
            Err(e) => return fail(&format!("cannot install signal handlers: {e}")),
        };
        tracing::info!("{}", smbkit_server::startup_line(&server));
        server.run(shutdown).await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}

/// Prints one line naming the problem and fails.
fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("smbkitd: {e}");
    ExitCode::FAILURE
}

/// `-v` debug, `-vv` trace; otherwise `SMBKIT_LOG` (an env-filter
/// directive), otherwise info. Logs go to stderr.
fn init_logging(verbose: u8) {
    let filter = match verbose {
        0 => EnvFilter::try_from_env("SMBKIT_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        1 => EnvFilter::new("debug"),
        _ => EnvFilter::new("trace"),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Installs the SIGINT/SIGTERM handlers now (so a signal that arrives right
/// after the start-up line is not lost) and returns a future that completes
/// on the first of them.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => tracing::info!("SIGINT received"),
            _ = term.recv() => tracing::info!("SIGTERM received"),
        }
    })
}

/// Completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received");
        }
    })
}
