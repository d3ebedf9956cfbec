//! Kerberos against real clients: a throwaway MIT realm on loopback (its own
//! krb5.conf, KDC database, keytab and credential cache in a temporary
//! directory; nothing under /etc is read or written), an in-process server
//! per configuration, and Samba's smbclient, Python smbprotocol and
//! python-gssapi as initiators. Run with
//! `cargo test -p smbkit-server --features interop` (`cargo xtask test`
//! installs the KDC tools and the clients). A missing tool fails the test.
#![cfg(feature = "interop")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use common::{TestServer, serve_file};

use smbkit_auth::krb5::keytab::encode;
use smbkit_auth::krb5::{Key, Keytab, KeytabEntry};

const REALM: &str = "SMBKIT.TEST";
const ALICE_PASS: &str = "Alice-Krb-Pass-1";
const TORTURE: &str = "torture%Torture-Pass-1";
const LOGON_FAILURE: &str = "0xc000006d";

/// The realm: its directory, KDC port and the environment that points the
/// MIT tools at it.
struct Realm {
    dir: PathBuf,
    keytab: PathBuf,
    env: Vec<(String, String)>,
}

fn tool(name: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{name} is not installed: run `cargo xtask test`, which installs the MIT Kerberos \
         tools (krb5-kdc, krb5-admin-server, krb5-user) and smbprotocol[kerberos]"
    );
}

fn free_port() -> u16 {
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Realm {
    fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        c
    }

    fn run(&self, program: &str, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = self
            .cmd(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        {
            use std::io::Write;
            let mut input = child.stdin.take().unwrap();
            if let Some(s) = stdin {
                input.write_all(s.as_bytes()).unwrap();
            }
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn kadmin(&self, query: &str) {
        self.run("kadmin.local", &["-r", REALM, "-q", query], None);
    }

    /// Creates the realm and starts its KDC, which a watchdog shell stops
    /// (and removes the directory) when this test process exits.
    // The watchdog is meant to outlive this process, so it is never waited on.
    #[allow(clippy::zombie_processes)]
    fn create() -> Realm {
        for t in ["krb5kdc", "kdb5_util", "kadmin.local", "kinit", "smbclient"] {
            tool(t);
        }
        assert!(
            Command::new("python3")
                .args(["-c", "import gssapi, smbprotocol"])
                .output()
                .is_ok_and(|o| o.status.success()),
            "python3 with smbprotocol[kerberos] (gssapi) is not installed: run `cargo xtask test`"
        );
        let dir = std::env::temp_dir().join(format!("smbkit-krb-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("db")).unwrap();
        let port = free_port();
        let d = dir.display();
        std::fs::write(
            dir.join("krb5.conf"),
            format!(
                "[libdefaults]\n default_realm = {REALM}\n dns_lookup_kdc = false\n \
                 dns_lookup_realm = false\n dns_canonicalize_hostname = false\n rdns = false\n \
                 udp_preference_limit = 1\n\
                 [realms]\n {REALM} = {{\n  kdc = 127.0.0.1:{port}\n }}\n\
                 [domain_realm]\n .smbkit.test = {REALM}\n 127.0.0.1 = {REALM}\n"
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("kdc.conf"),
            format!(
                "[kdcdefaults]\n kdc_listen = 127.0.0.1:{port}\n kdc_tcp_listen = 127.0.0.1:{port}\n\
                 [realms]\n {REALM} = {{\n  database_name = {d}/db/principal\n  \
                 key_stash_file = {d}/db/stash\n  acl_file = {d}/db/kadm5.acl\n  \
                 max_life = 10h\n  \
                 supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n }}\n\
                 [logging]\n kdc = FILE:{d}/kdc.log\n"
            ),
        )
        .unwrap();
        std::fs::write(dir.join("db/kadm5.acl"), "").unwrap();
        let keytab = dir.join("cifs.keytab");
        let realm = Realm {
            env: vec![
                ("KRB5_CONFIG".into(), format!("{d}/krb5.conf")),
                ("KRB5_KDC_PROFILE".into(), format!("{d}/kdc.conf")),
                ("KRB5CCNAME".into(), format!("FILE:{d}/ccache")),
                ("KRB5RCACHEDIR".into(), d.to_string()),
            ],
            dir: dir.clone(),
            keytab: keytab.clone(),
        };
        realm.run(
            "kdb5_util",
            &["-r", REALM, "create", "-s", "-P", "throwaway-master-key"],
            None,
        );
        realm.kadmin(&format!("addprinc -pw {ALICE_PASS} alice"));
        for spn in [
            "cifs/srv.smbkit.test",
            "cifs/127.0.0.1",
            "cifs/other.smbkit.test",
        ] {
            realm.kadmin(&format!("addprinc -randkey {spn}"));
        }
        // other.smbkit.test stays out of the keytab: an unknown service.
        realm.kadmin(&format!(
            "ktadd -k {} -norandkey cifs/srv.smbkit.test cifs/127.0.0.1",
            keytab.display()
        ));
        let watchdog = format!(
            "krb5kdc -n -r {REALM} & kdc=$!; while kill -0 {} 2>/dev/null; do sleep 1; done; \
             kill $kdc; wait $kdc; rm -rf '{d}'",
            std::process::id()
        );
        realm
            .cmd("sh")
            .args(["-c", &watchdog])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        realm.run("kinit", &[&format!("alice@{REALM}")], Some(ALICE_PASS));
        realm
    }
}

fn realm() -> &'static Realm {
    static REALM_ONCE: OnceLock<Realm> = OnceLock::new();
    REALM_ONCE.get_or_init(Realm::create)
}

/// Starts a server (listen address forced to 127.0.0.1:0). `kerberos` is the
/// body of the `[kerberos]` table.
async fn start(server: &str, kerberos: &str, tag: &str) -> TestServer {
    let dir = realm().dir.join(format!("server-{tag}"));
    let share = dir.join("share");
    std::fs::create_dir_all(&share).unwrap();
    let file = dir.join("smbkitd.toml");
    std::fs::write(
        &file,
        format!(
            "[server]\n{server}\n\
             [[share]]\nname = \"share\"\npath = \"{}\"\n\
             [[user]]\nname = \"torture\"\npassword = \"Torture-Pass-1\"\n\
             [[user]]\nname = \"alice\"\n\
             [kerberos]\n{kerberos}\n",
            share.display()
        ),
    )
    .unwrap();
    serve_file(&file).await
}

fn kerberos_table(keytab: &Path, realms: &str, extra: &str) -> String {
    format!(
        "keytab = \"{}\"\nrealms = [{realms}]\n{extra}",
        keytab.display()
    )
}

fn default_kerberos() -> String {
    kerberos_table(&realm().keytab, &format!("\"{REALM}\""), "")
}

async fn run(mut cmd: Command) -> String {
    tokio::task::spawn_blocking(move || {
        let out = cmd.output().unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
    .await
    .unwrap()
}

/// smbclient with Kerberos required: put, get back, list.
async fn smbclient(addr: SocketAddr, host: &str, extra: &[&str]) -> String {
    let r = realm();
    let local = r.dir.join(format!("put-{}.txt", addr.port()));
    std::fs::write(&local, b"kerberos data\n").unwrap();
    let back = r.dir.join(format!("get-{}.txt", addr.port()));
    let mut cmd = r.cmd("smbclient");
    cmd.args([
        &format!("//{host}/share"),
        "-I",
        "127.0.0.1",
        "-p",
        &addr.port().to_string(),
        "--use-kerberos=required",
    ])
    .args(extra)
    .args([
        "-c",
        &format!(
            "put {} k.txt; get k.txt {}; ls k.txt",
            local.display(),
            back.display()
        ),
    ]);
    let out = run(cmd).await;
    if !out.contains("NT_STATUS") {
        assert_eq!(std::fs::read(&back).unwrap(), b"kerberos data\n", "{out}");
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbclient_kerberos_on_every_dialect_and_cipher() {
    let kerberos = default_kerberos();
    for (cipher, dialects) in [
        ("AES-128-GCM", &["SMB3_11"][..]),
        ("AES-256-GCM", &["SMB3_11"][..]),
        ("AES-128-CCM", &["SMB3_02", "SMB2_10"][..]),
    ] {
        let server = start(&format!("ciphers = [\"{cipher}\"]"), &kerberos, cipher).await;
        let addr = server.addr;
        for dialect in dialects {
            let mut extra = vec!["-m", dialect];
            if dialect.starts_with("SMB3") {
                extra.push("--client-protection=encrypt");
            }
            let out = smbclient(addr, "srv.smbkit.test", &extra).await;
            assert!(!out.contains("NT_STATUS"), "{cipher} {dialect}: {out}");
            assert!(out.contains("k.txt"), "{cipher} {dialect}: {out}");
        }
        drop(server);
    }
}

const SMBPROTOCOL: &str = r#"
import sys, uuid
from smbprotocol.connection import Connection
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect
from smbprotocol.open import (Open, CreateDisposition, CreateOptions,
    FilePipePrinterAccessMask, ImpersonationLevel, ShareAccess)
port, proto, encrypt = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
conn = Connection(uuid.uuid4(), "127.0.0.1", port)
conn.connect()
s = Session(conn, auth_protocol=proto, require_encryption=encrypt)
s.connect()
t = TreeConnect(s, r"\\127.0.0.1\share")
t.connect()
f = Open(t, "smbprotocol.txt")
f.create(ImpersonationLevel.Impersonation,
    FilePipePrinterAccessMask.GENERIC_READ | FilePipePrinterAccessMask.GENERIC_WRITE,
    0, ShareAccess.FILE_SHARE_READ, CreateDisposition.FILE_OVERWRITE_IF,
    CreateOptions.FILE_NON_DIRECTORY_FILE)
data = b"over kerberos " * 1000
f.write(data, 0)
assert f.read(0, len(data)) == data
f.close()
print("ok", conn.dialect, conn.cipher_id, len(s.full_session_key))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smbprotocol_kerberos_and_negotiate() {
    let r = realm();
    let server = start(
        "ciphers = [\"AES-256-GCM\"]",
        &default_kerberos(),
        "smbprotocol",
    )
    .await;
    let addr = server.addr;
    for proto in ["kerberos", "negotiate"] {
        for encrypt in ["0", "1"] {
            let mut cmd = r.cmd("python3");
            cmd.args(["-c", SMBPROTOCOL, &addr.port().to_string(), proto, encrypt]);
            let out = run(cmd).await;
            // 3.1.1, AES-256-GCM, and the 32-byte AES-256 subkey as session key.
            assert!(out.starts_with("ok 785 4 32"), "{proto} {encrypt}: {out}");
        }
    }
    drop(server);
}

/// A GSS-API AP-REQ made with python-gssapi, and a raw SESSION_SETUP with it
/// (smbprotocol's low-level API); afterwards the same connection signs in
/// with NTLM and connects the share, to show it is still usable.
const RAW: &str = r#"
import sys, uuid, gssapi
from smbprotocol.connection import Connection, Dialects
from smbprotocol.session import Session, SMB2SessionSetupRequest
from smbprotocol.exceptions import SMBResponseException
from smbprotocol.tree import TreeConnect
cmd = sys.argv[1]
if cmd == "mutual":
    # The whole exchange in one context: the AP-REP must satisfy MIT's checks.
    from smbprotocol.session import SMB2SessionSetupResponse
    name = gssapi.Name(sys.argv[3], gssapi.NameType.hostbased_service)
    ctx = gssapi.SecurityContext(name=name, usage="initiate", mech=gssapi.MechType.kerberos,
        flags=gssapi.RequirementFlag.mutual_authentication)
    conn = Connection(uuid.uuid4(), "127.0.0.1", int(sys.argv[2]))
    conn.connect(Dialects.SMB_3_1_1)
    req = SMB2SessionSetupRequest()
    req["security_mode"] = conn.client_security_mode
    req["buffer"] = ctx.step()
    resp = conn.receive(conn.send(req))
    body = SMB2SessionSetupResponse()
    body.unpack(resp["data"].get_value())
    ctx.step(body["buffer"].get_value())
    print("complete", ctx.complete, "mutual", gssapi.RequirementFlag.mutual_authentication in ctx.actual_flags)
elif cmd == "token":
    name = gssapi.Name(sys.argv[2], gssapi.NameType.hostbased_service)
    ctx = gssapi.SecurityContext(name=name, usage="initiate", mech=gssapi.MechType.kerberos,
        flags=gssapi.RequirementFlag.mutual_authentication)
    open(sys.argv[3], "wb").write(ctx.step())
else:
    port, token, user = int(sys.argv[2]), open(sys.argv[3], "rb").read(), sys.argv[4]
    conn = Connection(uuid.uuid4(), "127.0.0.1", port)
    conn.connect(Dialects.SMB_3_1_1)
    req = SMB2SessionSetupRequest()
    req["security_mode"] = conn.client_security_mode
    req["buffer"] = token
    try:
        status = conn.receive(conn.send(req))["status"].get_value()
    except SMBResponseException as e:
        status = e.status
    print("status 0x%08x" % status)
    name, password = user.split("%")
    s = Session(conn, name, password, auth_protocol="ntlm")
    s.connect()
    TreeConnect(s, r"\\127.0.0.1\share").connect()
    print("usable")
"#;

async fn token(spn: &str, ccache: Option<&Path>, file: &str) -> PathBuf {
    let r = realm();
    let path = r.dir.join(file);
    let mut cmd = r.cmd("python3");
    cmd.args(["-c", RAW, "token", spn, &path.display().to_string()]);
    if let Some(c) = ccache {
        cmd.env("KRB5CCNAME", format!("FILE:{}", c.display()));
    }
    let out = run(cmd).await;
    assert!(path.exists(), "no token for {spn}: {out}");
    path
}

async fn raw_setup(addr: SocketAddr, token: &Path) -> String {
    let mut cmd = realm().cmd("python3");
    cmd.args([
        "-c",
        RAW,
        "setup",
        &addr.port().to_string(),
        &token.display().to_string(),
        TORTURE,
    ]);
    run(cmd).await
}

fn assert_refused(what: &str, out: &str) {
    assert!(
        out.contains(&format!("status {LOGON_FAILURE}")),
        "{what}: {out}"
    );
    assert!(
        out.contains("usable"),
        "{what}: connection not usable afterwards: {out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_authentication_then_refusals_that_leave_the_connection_usable() {
    let r = realm();
    let server = start("", &default_kerberos(), "refusals").await;
    let addr = server.addr;

    // The client verifies our AP-REP (mutual authentication).
    let mut cmd = r.cmd("python3");
    cmd.args([
        "-c",
        RAW,
        "mutual",
        &addr.port().to_string(),
        "cifs@srv.smbkit.test",
    ]);
    let out = run(cmd).await;
    assert!(out.contains("complete True mutual True"), "mutual: {out}");

    // A good AP-REQ is accepted once; the same AP-REQ again is a replay.
    let good = token("cifs@srv.smbkit.test", None, "good.tok").await;
    let out = raw_setup(addr, &good).await;
    assert!(out.contains("status 0x00000000"), "first use: {out}");
    assert_refused("replayed AP-REQ", &raw_setup(addr, &good).await);

    // A ticket for a service principal that is not in our keytab.
    let other = token("cifs@other.smbkit.test", None, "other.tok").await;
    assert_refused("unknown service principal", &raw_setup(addr, &other).await);
    drop(server);

    // The keytab holds other keys for the same principals.
    let wrong: Vec<KeytabEntry> = Keytab::read(&r.keytab)
        .unwrap()
        .entries()
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.key = Key::new(e.key.etype(), &vec![0x5A; e.key.etype().key_len()]).unwrap();
            e
        })
        .collect();
    let wrong_keytab = r.dir.join("wrong.keytab");
    std::fs::write(&wrong_keytab, encode(&wrong)).unwrap();
    let server = start(
        "",
        &kerberos_table(&wrong_keytab, &format!("\"{REALM}\""), ""),
        "wrong-key",
    )
    .await;
    let addr = server.addr;
    let t = token("cifs@srv.smbkit.test", None, "wrong-key.tok").await;
    assert_refused("wrong keytab key", &raw_setup(addr, &t).await);
    drop(server);

    // Alice's realm is not one the server accepts.
    let server = start(
        "",
        &kerberos_table(&r.keytab, "\"OTHER.TEST\"", ""),
        "other-realm",
    )
    .await;
    let addr = server.addr;
    let t = token("cifs@srv.smbkit.test", None, "other-realm.tok").await;
    assert_refused("unconfigured realm", &raw_setup(addr, &t).await);
    drop(server);

    // An expired ticket: a 5-second ticket, used after it ended (the server
    // allows 1 second of skew).
    let server = start(
        "",
        &kerberos_table(&r.keytab, &format!("\"{REALM}\""), "max_skew_secs = 1"),
        "expired",
    )
    .await;
    let addr = server.addr;
    let short = r.dir.join("short.ccache");
    r.run_with_env(
        "kinit",
        &["-l", "5s", &format!("alice@{REALM}")],
        &format!("FILE:{}", short.display()),
    );
    let t = token("cifs@srv.smbkit.test", Some(&short), "expired.tok").await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert_refused("expired ticket", &raw_setup(addr, &t).await);
    drop(server);
}

impl Realm {
    fn run_with_env(&self, program: &str, args: &[&str], ccache: &str) -> Output {
        let mut child = self
            .cmd(program)
            .env("KRB5CCNAME", ccache)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{ALICE_PASS}\n").as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{program}: {out:?}");
        out
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_ticket_falls_back_to_ntlm() {
    // Alice also has an NTLM password on this server; her ticket is for a
    // principal the keytab lacks, so the server selects NTLMSSP and Samba's
    // client continues with it.
    let r = realm();
    let dir = r.dir.join("server-fallback");
    let share = dir.join("share");
    std::fs::create_dir_all(&share).unwrap();
    let file = dir.join("smbkitd.toml");
    std::fs::write(
        &file,
        format!(
            "[[share]]\nname = \"share\"\npath = \"{}\"\n\
             [[user]]\nname = \"alice\"\npassword = \"{ALICE_PASS}\"\n\
             [kerberos]\n{}\n",
            share.display(),
            default_kerberos()
        ),
    )
    .unwrap();
    let server = serve_file(&file).await;
    let addr = server.addr;
    let mut cmd = r.cmd("smbclient");
    cmd.args([
        "//other.smbkit.test/share",
        "-I",
        "127.0.0.1",
        "-p",
        &addr.port().to_string(),
        "--use-kerberos=desired",
        "-U",
        &format!("alice%{ALICE_PASS}"),
        "-d",
        "3",
        "-c",
        "ls",
    ]);
    let out = run(cmd).await;
    assert!(out.contains("not accepted, server wants: ntlmssp"), "{out}");
    assert!(out.contains("blocks of size"), "{out}");
    drop(server);
}
