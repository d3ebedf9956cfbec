//! Configuration: every key, the command-line merge, and each refusal's message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;
use smbkit_auth::NtHash;
use smbkit_server::config::{
    Cipher, ConfigError, Dialect, EncryptionPolicy, FileConfig, SigningAlgorithm, SigningPolicy,
};
use smbkit_server::{Cli, ServerConfig};

/// A fresh, empty directory under the system temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "smbkit-server-test-{}-{}-{tag}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cli(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("smbkitd").chain(args.iter().copied())).unwrap()
}

fn parse(text: &str) -> Result<ServerConfig, ConfigError> {
    let file = FileConfig::parse(text, Path::new("test.toml"))?;
    ServerConfig::from_parts(file, &Cli::default())
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

fn share_toml(dir: &Path) -> String {
    format!(
        "[[share]]\nname = \"public\"\npath = {:?}\n",
        dir.display().to_string()
    )
}

#[test]
fn every_key() {
    let dir = temp_dir("every");
    let ro = dir.join("ro");
    std::fs::create_dir(&ro).unwrap();
    let text = format!(
        r#"
[server]
listen = ["127.0.0.1:4445", "[::1]:4446"]
min_dialect = "2.1"
max_dialect = "3.0.2"
signing = "enabled"
encryption = "required"
ciphers = ["AES-256-GCM", "aes-128-ccm"]
signing_algorithms = ["HMAC-SHA256", "AES-128-CMAC"]
guest = true
max_frame_size = 1048576

[[share]]
name = "public"
path = {public:?}
encrypt = true
read_only = false

[[share]]
name = "archive"
path = {ro:?}
read_only = true
users = ["Bob"]

[[user]]
name = "alice"
password = "secret"

[[user]]
name = "bob"
nt_hash = "8846F7EAEE8FB117AD06BDD830B7586C"

[limits]
max_connections = 10
unauthenticated_timeout_secs = 5
max_credits = 512
max_sessions_per_connection = 2
max_trees_per_session = 3
max_opens_per_connection = 11
max_watched_dirs_per_share = 12
max_compound = 4
max_security_buffer = 8192
logon_failures_before_delay = 6
max_logon_delay_secs = 7
"#,
        public = dir.display().to_string(),
        ro = ro.display().to_string(),
    );
    let c = parse(&text).unwrap();
    assert_eq!(
        c.listen,
        vec![
            "127.0.0.1:4445".parse::<SocketAddr>().unwrap(),
            "[::1]:4446".parse().unwrap()
        ]
    );
    assert_eq!(c.min_dialect, Dialect::Smb210);
    assert_eq!(c.max_dialect, Dialect::Smb302);
    assert_eq!(c.min_dialect.id(), 0x0210);
    assert_eq!(c.max_dialect.id(), 0x0302);
    assert_eq!(c.signing, SigningPolicy::Enabled);
    assert_eq!(c.encryption, EncryptionPolicy::Required);
    assert_eq!(c.ciphers, vec![Cipher::Aes256Gcm, Cipher::Aes128Ccm]);
    assert_eq!(
        c.ciphers.iter().map(|c| c.id()).collect::<Vec<_>>(),
        vec![4, 1]
    );
    assert_eq!(
        c.signing_algorithms,
        vec![SigningAlgorithm::HmacSha256, SigningAlgorithm::AesCmac]
    );
    assert!(c.guest);
    assert_eq!(c.max_frame_size, 1 << 20);
    assert_eq!(c.shares.len(), 2);
    assert_eq!(c.shares[0].name, "public");
    assert_eq!(c.shares[0].path, dir);
    assert!(c.shares[0].encrypt && !c.shares[0].read_only);
    assert_eq!(c.shares[1].name, "archive");
    assert!(!c.shares[1].encrypt && c.shares[1].read_only);
    assert_eq!(c.shares[0].users, None);
    assert_eq!(c.shares[1].users, Some(vec!["Bob".to_owned()]));
    assert_eq!(c.users.len(), 2);
    assert_eq!(c.users[0].name, "alice");
    assert_eq!(
        c.users[0].nt_hash.as_ref().unwrap().as_bytes(),
        NtHash::from_password("secret").as_bytes()
    );
    // MD4(UTF-16LE("password")), the well-known NT hash of "password".
    assert_eq!(
        c.users[1].nt_hash.as_ref().unwrap().as_bytes(),
        NtHash::from_password("password").as_bytes()
    );
    let l = c.limits;
    assert_eq!(l.max_connections, 10);
    assert_eq!(l.unauthenticated_timeout, std::time::Duration::from_secs(5));
    assert_eq!(l.max_credits, 512);
    assert_eq!(l.session.max_sessions, 2);
    assert_eq!(l.session.max_trees, 3);
    assert_eq!(l.max_opens_per_connection, 11);
    assert_eq!(l.max_watched_dirs_per_share, 12);
    assert_eq!(l.session.max_compound, 4);
    assert_eq!(l.session.max_security_buffer, 8192);
    assert_eq!(l.logon_failures_before_delay, 6);
    assert_eq!(l.max_logon_delay, std::time::Duration::from_secs(7));
    // Debug never shows the hashes.
    let debug = format!("{c:?}");
    assert!(!debug.to_lowercase().contains("8846f7ea"), "{debug}");
}

#[test]
fn limits_must_be_positive() {
    let dir = temp_dir("limits");
    let text = format!(
        "[[share]]\nname = \"s\"\npath = {:?}\n\n[limits]\nmax_connections = 0\n",
        dir.display().to_string()
    );
    assert_eq!(
        err(&text),
        "limits.max_connections: bad value \"0\" (expected a positive number)"
    );
    let text = format!(
        "[[share]]\nname = \"s\"\npath = {:?}\n\n[limits]\nmax_sessions = 3\n",
        dir.display().to_string()
    );
    assert!(err(&text).contains("unknown field"), "{}", err(&text));
}

#[test]
fn defaults() {
    let dir = temp_dir("defaults");
    let c = parse(&share_toml(&dir)).unwrap();
    let d = ServerConfig::default();
    assert_eq!(
        c.listen,
        vec!["127.0.0.1:4445".parse::<SocketAddr>().unwrap()]
    );
    assert_eq!(c.listen, d.listen);
    assert_eq!(
        (c.min_dialect, c.max_dialect),
        (Dialect::Smb202, Dialect::Smb311)
    );
    assert_eq!(c.signing, SigningPolicy::Required);
    assert_eq!(c.encryption, EncryptionPolicy::Enabled);
    assert_eq!(
        c.ciphers,
        vec![
            Cipher::Aes128Gcm,
            Cipher::Aes128Ccm,
            Cipher::Aes256Gcm,
            Cipher::Aes256Ccm
        ]
    );
    assert_eq!(c.signing_algorithms.len(), 3);
    assert!(!c.guest);
    assert_eq!(c.max_frame_size, 8 * 1024 * 1024 + 64 * 1024);
    assert!(c.users.is_empty());
}

#[test]
fn cli_only() {
    let dir = temp_dir("cli");
    let share = format!("data={}", dir.display());
    let c = ServerConfig::load(&cli(&[
        "--share",
        &share,
        "--listen",
        "127.0.0.1:0",
        "--user",
        "carol:pa:ss",
        "-vv",
    ]))
    .unwrap();
    assert_eq!(c.listen, vec!["127.0.0.1:0".parse::<SocketAddr>().unwrap()]);
    assert_eq!(c.shares.len(), 1);
    assert_eq!(c.shares[0].name, "data");
    assert_eq!(c.users[0].name, "carol");
    // Only the first colon separates: the password may contain colons.
    assert_eq!(
        c.users[0].nt_hash.as_ref().unwrap().as_bytes(),
        NtHash::from_password("pa:ss").as_bytes()
    );
    assert_eq!(cli(&["-vv"]).verbose, 2);
}

#[test]
fn cli_adds_to_and_overrides_the_file() {
    let dir = temp_dir("merge");
    let other = dir.join("other");
    std::fs::create_dir(&other).unwrap();
    let file = dir.join("smbkitd.toml");
    std::fs::write(
        &file,
        format!(
            "[server]\nlisten = [\"127.0.0.1:1445\"]\n{}encrypt = true\n\n[[user]]\nname = \"alice\"\npassword = \"old\"\n",
            share_toml(&dir)
        ),
    )
    .unwrap();
    let file_arg = file.display().to_string();
    let public = format!("PUBLIC={}", other.display());
    let extra = format!("extra={}", dir.display());
    let c = ServerConfig::load(&cli(&[
        "--config",
        &file_arg,
        "--listen",
        "127.0.0.1:2445",
        "--listen",
        "[::1]:2445",
        "--share",
        &public,
        "--share",
        &extra,
        "--user",
        "ALICE:new",
        "--user",
        "bob:pw",
    ]))
    .unwrap();
    // --listen replaces the file's list.
    assert_eq!(
        c.listen,
        vec![
            "127.0.0.1:2445".parse::<SocketAddr>().unwrap(),
            "[::1]:2445".parse().unwrap()
        ]
    );
    // --share with a known name (case-insensitive) replaces its path and
    // keeps its other settings; a new name adds a share.
    assert_eq!(c.shares.len(), 2);
    assert_eq!(c.shares[0].name, "public");
    assert_eq!(c.shares[0].path, other);
    assert!(c.shares[0].encrypt);
    assert_eq!(c.shares[1].name, "extra");
    assert_eq!(c.shares[1].path, dir);
    // --user replaces a file user's password and adds new users.
    assert_eq!(c.users.len(), 2);
    assert_eq!(c.users[0].name, "alice");
    assert_eq!(
        c.users[0].nt_hash.as_ref().unwrap().as_bytes(),
        NtHash::from_password("new").as_bytes()
    );
    assert_eq!(c.users[1].name, "bob");
}

#[test]
fn refusals_name_the_problem() {
    let dir = temp_dir("bad");
    let share = share_toml(&dir);
    let cases: Vec<(String, &str)> = vec![
        (
            "bogus = 1\n".into(),
            "config file test.toml line 1: unknown field `bogus`",
        ),
        (
            format!("[server]\nlisten = [\"127.0.0.1:1\"]\nport = 445\n{share}"),
            "config file test.toml line 3: unknown field `port`",
        ),
        (
            format!("{share}colour = \"red\"\n"),
            "config file test.toml line 4: unknown field `colour`, expected one of `name`, `path`",
        ),
        (
            format!("[server]\nguest = \"yes\"\n{share}"),
            "config file test.toml line 2: invalid type: string \"yes\", expected a boolean",
        ),
        ("[server\n".into(), "config file test.toml line 1:"),
        (
            format!("{share}users = [\"carol\"]\n[[user]]\nname = \"alice\"\npassword = \"x\"\n"),
            "share \"public\": user \"carol\" in its users list is not a configured [[user]]",
        ),
        (
            format!("[server]\nmin_dialect = \"4.0\"\n{share}"),
            "server.min_dialect: bad value \"4.0\" (expected one of 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1)",
        ),
        (
            format!("[server]\nmax_dialect = \"SMB3\"\n{share}"),
            "server.max_dialect: bad value \"SMB3\"",
        ),
        (
            format!("[server]\nmin_dialect = \"3.1.1\"\nmax_dialect = \"3.0\"\n{share}"),
            "server.min_dialect 3.1.1 is above server.max_dialect 3.0",
        ),
        (
            format!("[server]\nsigning = \"optional\"\n{share}"),
            "server.signing: bad value \"optional\" (expected required or enabled)",
        ),
        (
            format!("[server]\nencryption = \"yes\"\n{share}"),
            "server.encryption: bad value \"yes\" (expected disabled, enabled or required)",
        ),
        (
            format!("[server]\nencryption = \"required\"\nmax_dialect = \"2.1\"\n{share}"),
            "server.encryption = \"required\" needs server.max_dialect 3.0 or later",
        ),
        (
            format!("[server]\nciphers = [\"AES-128-GCM\", \"ROT13\"]\n{share}"),
            "server.ciphers: bad value \"ROT13\" (expected one of AES-128-GCM",
        ),
        (
            format!("[server]\nciphers = []\n{share}"),
            "server.ciphers: must not be empty",
        ),
        (
            format!("[server]\nsigning_algorithms = [\"MD5\"]\n{share}"),
            "server.signing_algorithms: bad value \"MD5\"",
        ),
        (
            format!("[server]\nsigning_algorithms = []\n{share}"),
            "server.signing_algorithms: must not be empty",
        ),
        (
            format!("[server]\nlisten = [\"localhost\"]\n{share}"),
            "listen: bad value \"localhost\" (expected ADDR:PORT",
        ),
        (
            format!("[server]\nlisten = []\n{share}"),
            "server.listen: must not be empty",
        ),
        (
            format!("[server]\nmax_frame_size = 100000000\n{share}"),
            "server.max_frame_size: bad value \"100000000\"",
        ),
        ("[server]\nguest = true\n".into(), "no share configured"),
        (format!("{share}{share}"), "share \"public\": defined twice"),
        (
            "[[share]]\nname = \"public\"\npath = \"/nonexistent/smbkit/srv\"\n".into(),
            "share \"public\": path /nonexistent/smbkit/srv does not exist",
        ),
        (
            "[[share]]\nname = \"a/b\"\npath = \"/\"\n".into(),
            "share \"a/b\": bad name (contains a character not allowed in share names)",
        ),
        (
            "[[share]]\nname = \"ipc$\"\npath = \"/\"\n".into(),
            "share \"ipc$\": bad name (IPC$ is reserved)",
        ),
        (
            "[[share]]\nname = \"\"\npath = \"/\"\n".into(),
            "share \"\": bad name (empty)",
        ),
        (
            "[[share]]\npath = \"/\"\n".into(),
            "config file test.toml line 1: missing field `name`",
        ),
        (
            format!("{share}[[user]]\nname = \"alice\"\n"),
            "user \"alice\": needs a password or an nt_hash",
        ),
        (
            format!(
                "{share}[[user]]\nname = \"alice\"\npassword = \"x\"\nnt_hash = \"{}\"\n",
                "0".repeat(32)
            ),
            "user \"alice\": give either a password or an nt_hash, not both",
        ),
        (
            format!("{share}[[user]]\nname = \"alice\"\nnt_hash = \"xyz\"\n"),
            "user \"alice\": nt_hash must be 32 hex digits",
        ),
        (
            format!(
                "{share}[[user]]\nname = \"alice\"\npassword = \"a\"\n[[user]]\nname = \"ALICE\"\npassword = \"b\"\n"
            ),
            "user \"ALICE\": defined twice",
        ),
        (
            format!("{share}[[user]]\nname = \"\"\npassword = \"a\"\n"),
            "user with an empty name",
        ),
    ];
    for (text, want) in cases {
        let got = err(&text);
        assert!(
            got.starts_with(want),
            "for\n{text}\ngot  {got:?}\nwant {want:?}"
        );
        assert!(!got.contains('\n'), "more than one line: {got:?}");
    }

    // A share path that is a file.
    let file = dir.join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let text = format!(
        "[[share]]\nname = \"f\"\npath = {:?}\n",
        file.display().to_string()
    );
    assert_eq!(
        err(&text),
        format!("share \"f\": path {} is not a directory", file.display())
    );
}

#[test]
fn command_line_refusals() {
    let dir = temp_dir("badcli");
    let ok_share = format!("s={}", dir.display());
    let check = |args: &[&str], want: &str| {
        let got = ServerConfig::load(&cli(args)).unwrap_err().to_string();
        assert!(
            got.starts_with(want),
            "{args:?}: got {got:?}, want {want:?}"
        );
    };
    check(
        &["--share", "nopath"],
        "--share: bad value \"nopath\" (expected NAME=PATH)",
    );
    check(&["--share", "=x"], "--share: bad value \"=x\"");
    check(
        &["--share", &ok_share, "--share", &ok_share],
        "share \"s\": defined twice",
    );
    check(
        &["--share", &ok_share, "--user", "nocolon"],
        "--user: bad value",
    );
    check(
        &["--share", &ok_share, "--user", "bob:"],
        "user \"bob\": needs a password",
    );
    check(
        &["--share", &ok_share, "--user", "bob:a", "--user", "BOB:b"],
        "user \"BOB\": defined twice",
    );
    check(
        &["--share", &ok_share, "--listen", "nowhere"],
        "listen: bad value \"nowhere\"",
    );
    check(
        &["--config", "/nonexistent/smbkitd.toml"],
        "cannot read config file /nonexistent/smbkitd.toml:",
    );
    // A bad --user never echoes the password.
    let got = ServerConfig::load(&cli(&["--share", &ok_share, "--user", "hunter2"]))
        .unwrap_err()
        .to_string();
    assert!(!got.contains("hunter2"), "{got}");
}

#[test]
fn host_names_for_ntlm() {
    use smbkit_server::config::names_from_host;
    assert_eq!(
        names_from_host("fileserver.example.org"),
        ("FILESERVER".to_owned(), "fileserver.example.org".to_owned())
    );
    assert_eq!(
        names_from_host("a-very-long-host-name-indeed").0,
        "A-VERY-LONG-HOS"
    );
    assert_eq!(names_from_host("").0, "SMBKIT");
    let (nb, _) = smbkit_server::config::host_names();
    assert!(!nb.is_empty() && nb.len() <= 15 && nb == nb.to_uppercase());
}
