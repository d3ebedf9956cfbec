//! Rows driven by `smbkit-load` (the pipelined generator in the
//! smbkit-tests package): the same READ/WRITE stream, 16 requests of 1 MiB
//! in flight, against both servers.

use super::*;

/// Requests in flight.
pub(super) const DEPTH: usize = 16;
/// KiB per request.
pub(super) const IO_KIB: u32 = 1024;
/// The file the generator writes and reads on each share.
const LOAD_FILE: &str = "load.bin";

/// The generator's direction, as its `--op` and as a table row.
#[derive(Clone, Copy)]
pub(super) enum LoadOp {
    Write,
    Read,
}

impl LoadOp {
    fn arg(self) -> &'static str {
        match self {
            Self::Write => "write",
            Self::Read => "read",
        }
    }

    pub(super) fn row(self) -> &'static str {
        match self {
            Self::Write => "write ×16",
            Self::Read => "read ×16",
        }
    }
}

/// The protections the generator runs with under each server
/// configuration: signing alone, or sealing with each cipher.
pub(super) fn load_protections(protection: Protection) -> &'static [&'static str] {
    match protection {
        Protection::Sign => &["sign"],
        Protection::Encrypt => &["aes-128-gcm", "aes-256-gcm", "aes-128-ccm"],
    }
}

/// Builds the generator (release) and returns its path.
pub(super) fn build_generator() -> Result<PathBuf, String> {
    step(
        "cargo build --release smbkit-load",
        cargo().args([
            "build",
            "--release",
            "--locked",
            "-p",
            "smbkit-tests",
            "--bin",
            "smbkit-load",
        ]),
    )?;
    Ok(target_dir()?.join("release").join("smbkit-load"))
}

/// One generator run; the wall time is the generator's own (first request
/// to last response), the CPU time the server's over the whole run.
pub(super) fn load_transfer(
    generator: &Path,
    server: &dyn Server,
    protection: &'static str,
    op: LoadOp,
    size_mib: u64,
    ticks: f64,
) -> Result<Sample, String> {
    if let LoadOp::Write = op {
        let _ = std::fs::remove_file(server.share_dir().join(LOAD_FILE));
    }
    let mut command = Command::new(generator);
    command
        .args(["--addr", &format!("127.0.0.1:{}", server.port())])
        .args(["--user", USER, "--password", PASSWORD, "--share", SHARE])
        .args(["--file", LOAD_FILE, "--op", op.arg()])
        .args(["--size-mib", &size_mib.to_string()])
        .args(["--io-kib", &IO_KIB.to_string()])
        .args(["--depth", &DEPTH.to_string()]);
    if protection != "sign" {
        command.args(["--encrypt", protection]);
    }
    let _ = Command::new("sync").status();
    let children = server.children_now();
    let before = server.cpu_ticks()?;
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("starting smbkit-load: {e}"))?;
    server.settle(children);
    let after = server.cpu_ticks()?;
    let said = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{} {protection} {}: smbkit-load failed ({}): {}{}",
            server.name(),
            op.arg(),
            out.status,
            said.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let field = |name: &str| -> Option<&str> {
        said.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    };
    let bytes: u64 = field("bytes")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("smbkit-load said `{}`", said.trim()))?;
    let wall: f64 = field("seconds")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("smbkit-load said `{}`", said.trim()))?;
    if bytes != size_mib << 20 {
        return Err(format!(
            "smbkit-load moved {bytes} bytes, not {size_mib} MiB"
        ));
    }
    #[allow(clippy::cast_precision_loss)]
    let cpu = after.saturating_sub(before) as f64 / ticks;
    Ok(Sample {
        protection,
        op: op.row(),
        server: server.name(),
        round: 0,
        wall,
        cpu,
    })
}
