//! The two servers under test: smbkitd and a private Samba smbd.

use super::*;

/// What a transfer needs to know about the server it talks to.
pub(super) trait Server {
    fn name(&self) -> &'static str;
    fn port(&self) -> u16;
    fn share_dir(&self) -> &Path;
    /// The CPU seconds counter that grows with the work of a connection.
    fn cpu_ticks(&self) -> Result<u64, String>;
    /// How many child processes the server has (0 when it has none).
    fn children_now(&self) -> usize;
    /// Waits until the work of a closed connection shows in `cpu_ticks`;
    /// `children` is what `children_now` said before the connection.
    fn settle(&self, children: usize);
    fn log_tail(&self, lines: usize) -> String;
    /// The server's processes: the main one and, for Samba, its children.
    fn pids(&self) -> Vec<u32>;
}

/// smbkitd, killed on drop.
pub(super) struct Smbkitd {
    child: Child,
    share: PathBuf,
    port: u16,
    log: PathBuf,
}

impl Smbkitd {
    pub(super) fn start(
        binary: &Path,
        scratch: &Path,
        port: u16,
        logs: &Path,
    ) -> Result<Self, String> {
        let share = scratch.join("smbkitd-share");
        mkdir(&share)?;
        let config = scratch.join("smbkitd.toml");
        // Debug formatting quotes and escapes the path as TOML accepts.
        let text = format!(
            "[server]\nlisten = [\"127.0.0.1:{port}\"]\nmin_dialect = \"2.0.2\"\n\
             max_dialect = \"3.1.1\"\nciphers = [\"AES-128-GCM\", \"AES-256-GCM\", \"AES-128-CCM\", \"AES-256-CCM\"]\n\n\
             [[share]]\nname = \"{SHARE}\"\npath = {:?}\n\n\
             [[user]]\nname = \"{USER}\"\npassword = \"{PASSWORD}\"\n",
            share.display().to_string()
        );
        std::fs::write(&config, text).map_err(|e| format!("{}: {e}", config.display()))?;
        let log = logs.join("smbkitd.log");
        let log_file =
            std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = Command::new(binary)
            .arg("--config")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let server = Self {
            child,
            share,
            port,
            log,
        };
        wait_listening(
            SocketAddr::from(([127, 0, 0, 1], port)),
            "smbkitd",
            &server.log,
        )?;
        println!(
            "==> smbkitd pid {} on 127.0.0.1:{port}, log in {}",
            server.child.id(),
            server.log.display()
        );
        Ok(server)
    }
}

impl Drop for Smbkitd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server for Smbkitd {
    fn name(&self) -> &'static str {
        "smbkitd"
    }
    fn port(&self) -> u16 {
        self.port
    }
    fn share_dir(&self) -> &Path {
        &self.share
    }
    fn cpu_ticks(&self) -> Result<u64, String> {
        let [utime, stime, _, _] = stat_times(self.child.id())?;
        Ok(utime.saturating_add(stime))
    }
    fn children_now(&self) -> usize {
        0
    }
    fn pids(&self) -> Vec<u32> {
        vec![self.child.id()]
    }
    fn settle(&self, _children: usize) {
        // The connection's work happens in this process; give its tasks a
        // moment to finish tearing the connection down.
        std::thread::sleep(Duration::from_millis(200));
    }
    fn log_tail(&self, lines: usize) -> String {
        tail_file(&self.log, lines)
    }
}

/// Samba's smbd in the foreground with private state, stopped on drop.
pub(super) struct Samba {
    child: Child,
    dir: PathBuf,
    share: PathBuf,
    port: u16,
    log: PathBuf,
}

impl Samba {
    pub(super) fn start(
        scratch: &Path,
        port: u16,
        protection: Protection,
        logs: &Path,
    ) -> Result<Self, String> {
        let dir = scratch.join(format!("samba-{}", protection.name()));
        let share = scratch.join("samba-share");
        let log_dir = logs.join(format!("samba-{}", protection.name()));
        for sub in ["lock", "state", "cache", "private", "pid", "ncalrpc"] {
            mkdir(&dir.join(sub))?;
        }
        mkdir(&share)?;
        mkdir(&log_dir)?;
        step(
            "chown the Samba share",
            Command::new("chown").arg(USER).arg(&share),
        )?;
        let encrypt = match protection {
            Protection::Sign => "off",
            Protection::Encrypt => "desired",
        };
        let d = dir.display();
        let conf = dir.join("smb.conf");
        let text = format!(
            "# Written by `cargo xtask bench server`; removed when it ends.\n\
             [global]\n\
             server role = standalone server\n\
             workgroup = BENCH\n\
             netbios name = SMBKITBENCH\n\
             # loopback only, no NetBIOS\n\
             interfaces = 127.0.0.1\n\
             bind interfaces only = yes\n\
             smb ports = {port}\n\
             disable netbios = yes\n\
             multicast dns register = no\n\
             # every piece of state in this directory\n\
             lock directory = {d}/lock\n\
             state directory = {d}/state\n\
             cache directory = {d}/cache\n\
             private dir = {d}/private\n\
             pid directory = {d}/pid\n\
             ncalrpc dir = {d}/ncalrpc\n\
             binddns dir = {d}/private\n\
             passdb backend = tdbsam:{d}/private/passdb.tdb\n\
             log file = {log}/log.%m\n\
             log level = 1\n\
             max log size = 0\n\
             usershare max shares = 0\n\
             load printers = no\n\
             printcap name = /dev/null\n\
             disable spoolss = yes\n\
             map to guest = never\n\
             # protocol\n\
             server min protocol = SMB2_02\n\
             server max protocol = SMB3_11\n\
             server signing = mandatory\n\
             server smb encrypt = {encrypt}\n\
             \n\
             [{SHARE}]\n\
             path = {share}\n\
             read only = no\n\
             valid users = {USER}\n\
             force user = {USER}\n",
            log = log_dir.display(),
            share = share.display(),
        );
        std::fs::write(&conf, text).map_err(|e| format!("{}: {e}", conf.display()))?;

        let mut smbpasswd = Command::new("smbpasswd")
            .arg("-c")
            .arg(&conf)
            .args(["-s", "-a", USER])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting smbpasswd: {e}"))?;
        if let Some(mut stdin) = smbpasswd.stdin.take() {
            let _ = writeln!(stdin, "{PASSWORD}\n{PASSWORD}");
        }
        let out = smbpasswd
            .wait_with_output()
            .map_err(|e| format!("smbpasswd: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "smbpasswd -a {USER} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }

        let log = log_dir.join("smbd.stderr");
        let log_file =
            std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        // smbd signals its whole process group when it stops: give it its
        // own group, so that the signal never reaches us.
        let child = Command::new("smbd")
            .process_group(0)
            .args(["--foreground", "--no-process-group", "-s"])
            .arg(&conf)
            .arg("-l")
            .arg(&log_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("starting smbd: {e}"))?;
        let server = Self {
            child,
            dir,
            share,
            port,
            log: log_dir.join("log.smbd"),
        };
        wait_listening(SocketAddr::from(([127, 0, 0, 1], port)), "smbd", &log)?;
        println!(
            "==> Samba smbd pid {} on 127.0.0.1:{port} (server smb encrypt = {encrypt}), logs in {}",
            server.child.id(),
            log_dir.display()
        );
        Ok(server)
    }

    /// Checks with smbstatus that an encrypted connection uses AES-128-GCM:
    /// smbclient stays connected while it waits on its standard input.
    pub(super) fn check_cipher(&self) -> Result<(), String> {
        let mut client = smbclient(self.port(), Protection::Encrypt)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting smbclient: {e}"))?;
        std::thread::sleep(Duration::from_secs(2));
        let status = output(
            Command::new("smbstatus")
                .arg("-s")
                .arg(self.dir.join("smb.conf"))
                .arg("-b"),
        );
        drop(client.stdin.take());
        let _ = client.kill();
        let _ = client.wait();
        let status = status?;
        let line = status
            .lines()
            .find(|l| l.contains(USER))
            .ok_or_else(|| format!("smbstatus shows no session of {USER}:\n{status}"))?;
        if line.contains("AES-128-GCM") {
            println!(
                "    Samba session: {}",
                line.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            Ok(())
        } else {
            Err(format!("Samba did not negotiate AES-128-GCM: {line}"))
        }
    }

    /// The pids of the parent's children now.
    pub(super) fn children(&self) -> Vec<u32> {
        let pid = self.child.id();
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }
}

impl Drop for Samba {
    fn drop(&mut self) {
        // SIGTERM lets smbd stop its helpers; whatever is left is killed.
        let pid = self.child.id();
        let mut family = self.children();
        family.push(pid);
        let _ = Command::new("kill").arg(pid.to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        for p in family {
            if Path::new(&format!("/proc/{p}")).exists() {
                let _ = Command::new("kill").args(["-9", &p.to_string()]).status();
            }
        }
        let dcerpcd = self.dir.join("pid").join("samba-dcerpcd.pid");
        if let Ok(text) = std::fs::read_to_string(dcerpcd) {
            let _ = Command::new("kill").arg(text.trim()).status();
        }
        let _ = std::fs::remove_dir_all(&self.share);
    }
}

impl Server for Samba {
    fn name(&self) -> &'static str {
        "Samba"
    }
    fn port(&self) -> u16 {
        self.port
    }
    fn share_dir(&self) -> &Path {
        &self.share
    }
    fn cpu_ticks(&self) -> Result<u64, String> {
        let [_, _, cutime, cstime] = stat_times(self.child.id())?;
        Ok(cutime.saturating_add(cstime))
    }
    fn children_now(&self) -> usize {
        self.children().len()
    }
    fn pids(&self) -> Vec<u32> {
        let mut all = vec![self.child.id()];
        all.extend(self.children());
        all
    }
    fn settle(&self, children: usize) {
        // The connection's child is counted in cutime + cstime once it has
        // exited and the parent has reaped it: wait until the parent is back
        // to the children it had before the connection (its helpers).
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.children().len() > children && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    fn log_tail(&self, lines: usize) -> String {
        tail_file(&self.log, lines)
    }
}

/// utime, stime, cutime, cstime (clock ticks) of `pid`, from /proc.
pub(super) fn stat_times(pid: u32) -> Result<[u64; 4], String> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    // Fields after the command name (which may hold spaces) in parentheses:
    // state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    let (_, after) = text
        .rsplit_once(')')
        .ok_or_else(|| format!("{path}: no command name"))?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |n: usize| -> Result<u64, String> {
        fields
            .get(n - 3)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| format!("{path}: no field {n}"))
    };
    Ok([field(14)?, field(15)?, field(16)?, field(17)?])
}

pub(super) fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
