//! A throwaway Samba `smbd` on loopback, the reference that
//! `cargo xtask conformance` runs smbtorture against beside smbkitd.
//!
//! Everything it writes (configuration, tdbs, logs, pid, the shares) lives in
//! one directory on tmpfs, removed when it stops; the system's
//! `/etc/samba/smb.conf` and `/var/lib/samba` are never read or written. It
//! listens on 127.0.0.1 only, has no NetBIOS, no printing and no guest. Like
//! smbkitd's run it serves a writable "share" and a read-only "noperm". The
//! share uses `acl_xattr` and `streams_xattr` (Debian's `samba-vfs-modules`),
//! so that streams and NT ACLs work as on a usual Samba file server.
//!
//! smbd needs root: it switches to the share user. That user is a system
//! account created when missing ([`UNIX_USER`]), with its SMB password in the
//! run's private passdb only.

use std::net::SocketAddr;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{output, step};
use crate::net::{free_ports, wait_listening};
use crate::torture::{PASSWORD, share_dir};

/// The Unix account the Samba share runs as, and the SMB user smbtorture
/// logs on with (password: the same as for smbkitd).
pub const UNIX_USER: &str = "smbkitref";

/// Debian packages: `samba` (smbd, smbpasswd, testparm) and
/// `samba-vfs-modules` (acl_xattr, streams_xattr).
const APT_PACKAGES: [&str; 2] = ["samba", "samba-vfs-modules"];

/// Where Debian puts the VFS module the share needs.
const STREAMS_XATTR: &str = "/usr/lib/x86_64-linux-gnu/samba/vfs/streams_xattr.so";

/// A running reference smbd; stops it and removes its directory on drop.
pub struct Samba {
    child: Child,
    dir: PathBuf,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Samba {
    /// The parent smbd still runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Samba {
    fn drop(&mut self) {
        // SIGTERM first: smbd then takes its worker processes down with it.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // smbd starts samba-dcerpcd on demand for RPC pipes; stop it too.
        let rpc_pid = self.dir.join("pid").join("samba-dcerpcd.pid");
        if let Ok(pid) = std::fs::read_to_string(&rpc_pid) {
            let pid = pid.trim();
            if !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()) {
                let _ = Command::new("kill").args(["-TERM", pid]).status();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Installs `samba` and `samba-vfs-modules` with apt-get when smbd or the
/// streams module is missing.
pub fn install_missing() -> Result<(), String> {
    if runs("smbd", &["--version"]) && Path::new(STREAMS_XATTR).exists() {
        return Ok(());
    }
    if !runs("apt-get", &["--version"]) {
        return Err(format!(
            "Samba's smbd is missing and apt-get is not available: install the Debian \
             packages {}",
            APT_PACKAGES.join(" ")
        ));
    }
    step(
        "apt-get update",
        Command::new("apt-get").args(["update", "-qq"]),
    )?;
    step(
        &format!("apt-get install {}", APT_PACKAGES.join(" ")),
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(APT_PACKAGES)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// `smbd --version`, e.g. "Version 4.17.12-Debian".
pub fn version() -> String {
    output(Command::new("smbd").arg("--version")).map_or_else(
        |_| "unknown".to_owned(),
        |v| v.trim().trim_start_matches("Version ").to_owned(),
    )
}

/// The smb.conf: the reference configuration of these machines (loopback
/// only, private state under `dir`, SMB 2.0.2 to 3.1.1, posix locking off
/// so durable handles work, Samba's smbtorture-only FSCTLs on).
fn config(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "[global]
   workgroup = WORKGROUP
   netbios name = SAMBAREF
   server role = standalone server
   interfaces = 127.0.0.1/8
   bind interfaces only = yes
   smb ports = {port}
   disable netbios = yes
   multicast dns register = no
   lock directory = {d}/lock
   state directory = {d}/state
   cache directory = {d}/cache
   private dir = {d}/private
   pid directory = {d}/pid
   ncalrpc dir = {d}/ncalrpc
   binddns dir = {d}/private
   passdb backend = tdbsam:{d}/private/passdb.tdb
   log file = {d}/log/log.%m
   max log size = 0
   log level = 1
   usershare max shares = 0
   usershare path =
   load printers = no
   printing = bsd
   printcap name = /dev/null
   disable spoolss = yes
   map to guest = never
   server min protocol = SMB2_02
   server max protocol = SMB3_11
   server signing = default
   server smb encrypt = if_required
   posix locking = no
   smbd:FSCTL_SMBTORTURE = yes

[share]
   path = {d}/share
   read only = no
   valid users = {UNIX_USER}
   force user = {UNIX_USER}
   vfs objects = acl_xattr streams_xattr

[noperm]
   path = {d}/noperm
   read only = yes
   valid users = {UNIX_USER}
   force user = {UNIX_USER}
   vfs objects = acl_xattr streams_xattr
"
    )
}

/// Writes the configuration, creates the user, starts
/// `smbd --foreground --no-process-group` and waits until it listens.
pub fn start() -> Result<Samba, String> {
    if !output(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0") {
        return Err("the Samba reference needs root (smbd switches to the share user)".to_owned());
    }
    let [port] = free_ports()?;
    let dir = share_dir("samba")?;
    for sub in [
        "lock", "state", "cache", "private", "pid", "log", "ncalrpc", "share", "noperm",
    ] {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let conf = dir.join("smb.conf");
    std::fs::write(&conf, config(&dir, port)).map_err(|e| format!("{}: {e}", conf.display()))?;
    if !runs("id", &[UNIX_USER]) {
        step(
            &format!("useradd {UNIX_USER}"),
            Command::new("useradd").args(["-M", "-r", "-s", "/usr/sbin/nologin", UNIX_USER]),
        )?;
    }
    for sub in ["share", "noperm"] {
        step(
            &format!("chown {UNIX_USER} {sub}"),
            Command::new("chown").arg(UNIX_USER).arg(dir.join(sub)),
        )?;
    }
    set_password(&conf)?;
    let log = dir.join("log").join("smbd.stderr");
    let log_file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    // Its own process group: when the parent smbd terminates it signals
    // its whole process group, which must not be ours.
    let child = Command::new("smbd")
        .process_group(0)
        .args(["--foreground", "--no-process-group", "-s"])
        .arg(&conf)
        .arg("-l")
        .arg(dir.join("log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|e| format!("starting smbd: {e}"))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let samba = Samba { child, dir, addr };
    wait_listening(addr, "Samba smbd", &log)?;
    println!("==> Samba smbd on {addr}, state in {}", samba.dir.display());
    Ok(samba)
}

/// `smbpasswd -a` into the run's private passdb (never the system one).
fn set_password(conf: &Path) -> Result<(), String> {
    use std::io::Write as _;
    let mut child = Command::new("smbpasswd")
        .arg("-c")
        .arg(conf)
        .args(["-s", "-a", UNIX_USER])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting smbpasswd: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{PASSWORD}\n{PASSWORD}").map_err(|e| format!("smbpasswd: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("smbpasswd: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "smbpasswd -a {UNIX_USER} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_is_loopback_only_with_private_state() {
        let conf = config(Path::new("/dev/shm/x"), 4491);
        for line in [
            "interfaces = 127.0.0.1/8",
            "bind interfaces only = yes",
            "smb ports = 4491",
            "private dir = /dev/shm/x/private",
            "passdb backend = tdbsam:/dev/shm/x/private/passdb.tdb",
            "map to guest = never",
            "server max protocol = SMB3_11",
            "[share]",
            "path = /dev/shm/x/share",
            "[noperm]",
            "path = /dev/shm/x/noperm",
            "read only = yes",
            "vfs objects = acl_xattr streams_xattr",
        ] {
            assert!(
                conf.lines().any(|l| l.trim() == line),
                "no `{line}` in\n{conf}"
            );
        }
        // Nothing points at the system's Samba state.
        assert!(!conf.contains("/var/lib/samba") && !conf.contains("/etc/samba"));
    }
}
