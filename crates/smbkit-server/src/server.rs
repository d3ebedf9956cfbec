//! The embeddable server: listeners, one driver per connection, shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use smbkit_auth::{AcceptorConfig, CredentialStore, MemoryCredentials, NtlmConfig};
use smbkit_dispatch::smbkit_vfs::{LocalFs, LocalFsOptions};
use smbkit_dispatch::{Dispatcher, DispatcherBuilder, FileServer, Limits, TraceLayer};
use smbkit_session::{Config as SessionConfig, Connection, Share};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::config::{DEFAULT_MAX_IO, ServerConfig, host_names};

/// How long shutdown waits for connections to finish their current frame.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Frames queued to one connection's writer before the reader waits.
const WRITE_QUEUE: usize = 32;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A listen address could not be bound (in use, not local, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The system random generator failed (needed for the ServerGuid).
    #[error("cannot draw a random ServerGuid: {0}")]
    Random(String),
    /// A share's directory cannot be opened.
    #[error("cannot serve share {share} from {path}: {reason}")]
    Share {
        /// The share name.
        share: String,
        /// Its directory.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
}

/// Everything a connection driver shares with the others.
struct Shared {
    session: Arc<SessionConfig>,
    credentials: Arc<dyn CredentialStore + Send + Sync>,
    dispatcher: Dispatcher<LocalFs>,
    max_frame: u32,
    limits: crate::config::LimitsConfig,
    throttle: Arc<crate::throttle::LogonThrottle>,
    /// The connections, for PreviousSessionId.
    previous: Arc<crate::previous::Registry>,
}

/// An SMB server bound to its listen addresses.
///
/// ```no_run
/// # async fn demo(config: smbkit_server::ServerConfig) -> Result<(), smbkit_server::ServerError> {
/// let server = smbkit_server::Server::bind(config).await?;
/// println!("listening on {:?}", server.local_addrs());
/// server.run(async { let _ = tokio::signal::ctrl_c().await; }).await;
/// # Ok(()) }
/// ```
pub struct Server {
    listeners: Vec<(SocketAddr, TcpListener)>,
    shared: Arc<Shared>,
    config: ServerConfig,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("listen", &self.local_addrs())
            .field("shares", &self.config.shares)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Binds every listen address of `config` (port 0 picks a free port) and
    /// prepares the connection core's configuration: a random ServerGuid and
    /// NTLM names from the host name.
    pub async fn bind(config: ServerConfig) -> Result<Server, ServerError> {
        Server::bind_with(config, |routes| routes).await
    }

    /// [`bind`](Self::bind), letting `routes` install or replace
    /// per-command services on the dispatcher (an embedder's own handler,
    /// a test route) before the tracing layer wraps them all.
    pub async fn bind_with(
        config: ServerConfig,
        routes: impl FnOnce(DispatcherBuilder<LocalFs>) -> DispatcherBuilder<LocalFs>,
    ) -> Result<Server, ServerError> {
        let mut guid = [0u8; 16];
        getrandom::fill(&mut guid).map_err(|e| ServerError::Random(e.to_string()))?;
        let (netbios, dns) = host_names();
        let session = session_config(&config, guid, &netbios, &dns);

        let mut credentials = MemoryCredentials::new();
        for user in &config.users {
            match &user.nt_hash {
                Some(hash) => credentials.add_nt_hash(&user.name, hash.clone()),
                None => credentials.add_kerberos_only(&user.name),
            };
        }

        let mut listeners = Vec::with_capacity(config.listen.len());
        for &addr in &config.listen {
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| ServerError::Bind { addr, source })?;
            let local = listener
                .local_addr()
                .map_err(|source| ServerError::Bind { addr, source })?;
            listeners.push((local, listener));
        }

        // The name srvsvc/wkssvc report (srvinfo, Explorer's server view) is
        // the NetBIOS name NTLM announces.
        let mut files = FileServer::new(Limits {
            max_read: DEFAULT_MAX_IO,
            max_write: DEFAULT_MAX_IO,
            max_transact: DEFAULT_MAX_IO,
        })
        .server_name(&netbios)
        .network_interfaces(&listeners.iter().map(|(a, _)| *a).collect::<Vec<_>>())
        .max_opens_per_connection(config.limits.max_opens_per_connection);
        for share in &config.shares {
            let opts = LocalFsOptions {
                max_watches: config.limits.max_watched_dirs_per_share,
                ..LocalFsOptions::default()
            };
            let fs = LocalFs::new(share.path.clone(), opts).map_err(|e| ServerError::Share {
                share: share.name.clone(),
                path: share.path.clone(),
                reason: e.to_string(),
            })?;
            files = files.share(&share.name, Arc::new(fs), share.read_only);
        }
        let dispatcher = routes(Dispatcher::with_files(files))
            .layer(TraceLayer)
            .build();
        Ok(Server {
            listeners,
            shared: Arc::new(Shared {
                session: Arc::new(session),
                credentials: Arc::new(credentials),
                dispatcher,
                max_frame: config.max_frame_size,
                limits: config.limits,
                throttle: Arc::new(crate::throttle::LogonThrottle::new(
                    config.limits.logon_failures_before_delay,
                    config.limits.max_logon_delay,
                )),
                previous: Arc::default(),
            }),
            config,
        })
    }

    /// The bound addresses (with the real port when 0 was asked for).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners.iter().map(|(a, _)| *a).collect()
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Serves until `shutdown` completes, then stops accepting, closes every
    /// connection (after the frame it is working on, at most a few seconds)
    /// and returns.
    pub async fn run<F: Future<Output = ()>>(self, shutdown: F) {
        let (stop_tx, stop_rx) = watch::channel(false);
        let (conn_tx, mut conn_rx) = mpsc::channel::<(TcpStream, SocketAddr)>(64);

        let mut acceptors = JoinSet::new();
        for (addr, listener) in self.listeners {
            let conn_tx = conn_tx.clone();
            acceptors.spawn(accept_loop(addr, listener, conn_tx));
        }
        drop(conn_tx);

        let mut connections = JoinSet::new();
        let mut refused = 0u64;
        let mut last_refusal_log: Option<Instant> = None;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = conn_rx.recv() => {
                    let Some((stream, peer)) = accepted else { break };
                    if connections.len() >= self.shared.limits.max_connections {
                        // One line per second at most, however hard a flood knocks.
                        refused = refused.saturating_add(1);
                        if last_refusal_log.is_none_or(|t: Instant| t.elapsed() >= Duration::from_secs(1)) {
                            tracing::warn!(
                                %peer, refused, max = self.shared.limits.max_connections,
                                "connection limit reached: refusing connections"
                            );
                            last_refusal_log = Some(Instant::now());
                            refused = 0;
                        }
                        drop(stream);
                        continue;
                    }
                    let shared = Arc::clone(&self.shared);
                    let span = tracing::debug_span!("connection", %peer);
                    connections.spawn(
                        serve_connection(stream, peer, shared, stop_rx.clone()).instrument(span),
                    );
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }

        tracing::info!("shutting down: closing {} connection(s)", connections.len());
        acceptors.abort_all();
        let _ = stop_tx.send(true);
        let drain = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
            connections.abort_all();
        }
    }
}

async fn accept_loop(
    addr: SocketAddr,
    listener: TcpListener,
    conn_tx: mpsc::Sender<(TcpStream, SocketAddr)>,
) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if conn_tx.send((stream, peer)).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                // Usually EMFILE or a connection reset before accept: keep
                // serving, but do not spin.
                tracing::warn!(%addr, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Runs one connection: a writer task and the driver (see `driver.rs`),
/// until the peer leaves, misbehaves or the server stops.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let (reader, writer) = stream.into_split();
    let (tx, rx) = mpsc::channel::<Vec<u8>>(WRITE_QUEUE);
    let writer = tokio::spawn(write_loop(writer, rx));
    tracing::debug!(%peer, "connection opened");

    let connection = Connection::new(Arc::clone(&shared.session), Arc::clone(&shared.credentials));
    let reason = crate::driver::drive(
        reader,
        shared.max_frame,
        connection,
        shared.dispatcher.clone(),
        tx,
        &mut stop,
        crate::driver::Guard {
            peer: peer.ip(),
            unauthenticated_timeout: shared.limits.unauthenticated_timeout,
            throttle: Arc::clone(&shared.throttle),
            previous: Arc::clone(&shared.previous),
        },
    )
    .await;
    tracing::debug!(%peer, %reason, "connection closed");
    let _ = writer.await;
}

/// The single writer of a connection: whole frames, in queue order.
async fn write_loop(mut writer: OwnedWriteHalf, mut rx: mpsc::Receiver<Vec<u8>>) {
    while let Some(frame) = rx.recv().await {
        if let Err(e) = writer.write_all(&frame).await {
            tracing::debug!(error = %e, "write failed");
            return;
        }
    }
    let _ = writer.shutdown().await;
}

/// The connection core's configuration for `config`.
fn session_config(
    config: &ServerConfig,
    guid: [u8; 16],
    netbios: &str,
    dns: &str,
) -> SessionConfig {
    let mut ntlm = NtlmConfig::standalone(netbios);
    ntlm.dns_computer_name = dns.to_owned();
    ntlm.dns_domain_name = dns.to_owned();
    ntlm.allow_anonymous = config.guest;

    let mut session = SessionConfig::new(guid);
    session.min_dialect = config.min_dialect;
    session.max_dialect = config.max_dialect;
    session.signing = config.signing;
    session.encryption = config.encryption;
    session.ciphers = config.ciphers.clone();
    session.signing_algorithms = config.signing_algorithms.clone();
    session.guest = config.guest;
    session.max_read_size = DEFAULT_MAX_IO;
    session.max_write_size = DEFAULT_MAX_IO;
    session.max_transact_size = DEFAULT_MAX_IO;
    session.max_credits = config.limits.max_credits;
    session.limits = config.limits.session;
    session.auth = AcceptorConfig::new(ntlm);
    if let Some(k) = &config.kerberos {
        let acceptor = smbkit_auth::krb5::KerberosAcceptor::new(k.acceptor.clone());
        session.auth = session.auth.with_kerberos(std::sync::Arc::new(acceptor));
    }
    session.shares = config
        .shares
        .iter()
        .map(|s| {
            let mut share = if s.encrypt {
                Share::encrypted(&s.name)
            } else {
                Share::new(&s.name)
            };
            share.users.clone_from(&s.users);
            share
        })
        .collect();
    session
}

/// The one start-up log line: listen addresses and shares.
pub fn startup_line(server: &Server) -> String {
    let addrs: Vec<String> = server
        .local_addrs()
        .iter()
        .map(ToString::to_string)
        .collect();
    let shares: Vec<String> = server
        .config
        .shares
        .iter()
        .map(|s| {
            let mut flags = Vec::new();
            if s.encrypt {
                flags.push("encrypt");
            }
            if s.read_only {
                flags.push("read-only");
            }
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!(" ({})", flags.join(", "))
            };
            format!("{}={}{flags}", s.name, s.path.display())
        })
        .collect();
    format!(
        "smbkitd {} listening on {}; shares: {}",
        env!("CARGO_PKG_VERSION"),
        addrs.join(", "),
        shares.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{
        Cipher, Dialect, EncryptionPolicy, ShareConfig, SigningAlgorithm, SigningPolicy,
    };

    #[test]
    fn session_config_follows_the_server_config() {
        let c = ServerConfig {
            min_dialect: Dialect::Smb210,
            max_dialect: Dialect::Smb302,
            signing: SigningPolicy::Enabled,
            encryption: EncryptionPolicy::Required,
            ciphers: vec![Cipher::Aes256Ccm, Cipher::Aes128Gcm],
            signing_algorithms: vec![SigningAlgorithm::HmacSha256],
            guest: true,
            shares: vec![
                ShareConfig {
                    name: "a".into(),
                    path: "/".into(),
                    encrypt: true,
                    read_only: false,
                    users: Some(vec!["alice".into()]),
                },
                ShareConfig {
                    name: "b".into(),
                    path: "/".into(),
                    encrypt: false,
                    read_only: true,
                    users: None,
                },
            ],
            ..ServerConfig::default()
        };
        let s = session_config(&c, [7; 16], "FILESRV", "filesrv.example.org");
        assert_eq!(s.server_guid, [7; 16]);
        assert_eq!(s.min_dialect, Dialect::Smb210);
        assert_eq!(s.max_dialect, Dialect::Smb302);
        assert_eq!(s.signing, SigningPolicy::Enabled);
        assert_eq!(s.encryption, EncryptionPolicy::Required);
        assert_eq!(
            s.ciphers,
            vec![
                smbkit_seal::Cipher::Aes256Ccm,
                smbkit_seal::Cipher::Aes128Gcm
            ]
        );
        assert_eq!(
            s.signing_algorithms,
            vec![smbkit_sign::SigningAlgorithm::HmacSha256]
        );
        assert!(s.guest);
        assert!(s.auth.ntlm.allow_anonymous);
        assert_eq!(s.auth.ntlm.nb_computer_name, "FILESRV");
        assert_eq!(s.auth.ntlm.dns_computer_name, "filesrv.example.org");
        assert_eq!(
            (s.max_read_size, s.max_write_size, s.max_transact_size),
            (8 << 20, 8 << 20, 8 << 20)
        );
        assert_eq!(
            s.shares,
            vec![
                Share::encrypted("a").with_users(&["alice"]),
                Share::new("b")
            ]
        );
    }
}
