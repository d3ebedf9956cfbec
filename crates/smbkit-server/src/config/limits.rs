//! The `[limits]` table: what one client, or one address, may hold or try.
//! Every key is optional; the defaults are in [`LimitsConfig::default`] and
//! explained in `docs/security.md`.

use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;

/// The `[limits]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    /// Connections served at once; more are closed on accept.
    pub max_connections: Option<usize>,
    /// Seconds a connection may take to complete its first SESSION_SETUP.
    pub unauthenticated_timeout_secs: Option<u64>,
    /// Credits one client may hold (outstanding requests).
    pub max_credits: Option<u16>,
    /// Sessions per connection.
    pub max_sessions_per_connection: Option<usize>,
    /// Tree connects per session.
    pub max_trees_per_session: Option<usize>,
    /// Open files per connection.
    pub max_opens_per_connection: Option<usize>,
    /// Directories of one share watched for changes made outside the
    /// server (CHANGE_NOTIFY).
    pub max_watched_dirs_per_share: Option<usize>,
    /// Messages per compound chain.
    pub max_compound: Option<usize>,
    /// Bytes of a SESSION_SETUP security buffer.
    pub max_security_buffer: Option<usize>,
    /// Failed logons from one address answered without delay.
    pub logon_failures_before_delay: Option<u32>,
    /// The longest delay, in seconds, put on a failed logon's answer.
    pub max_logon_delay_secs: Option<u64>,
}

/// The checked `[limits]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitsConfig {
    /// Connections served at once (default 1024).
    pub max_connections: usize,
    /// Deadline for the first completed SESSION_SETUP (default 30 s).
    pub unauthenticated_timeout: Duration,
    /// Per-connection protocol limits (credits, sessions, trees, compound
    /// length, security buffer size).
    pub session: smbkit_session::Limits,
    /// Credits one client may hold (default 8192).
    pub max_credits: u16,
    /// Open files one connection may hold (default 65,536).
    pub max_opens_per_connection: usize,
    /// Directories of one share watched (one inotify watch each) for
    /// changes made outside the server (default 4096); past it a
    /// CHANGE_NOTIFY on a large tree answers STATUS_NOTIFY_ENUM_DIR.
    pub max_watched_dirs_per_share: usize,
    /// Failed logons from one address answered at once (default 5); each
    /// further one within ten minutes waits 1 s, 2 s, 4 s, … up to
    /// `max_logon_delay`.
    pub logon_failures_before_delay: u32,
    /// The longest delay on a failed logon's answer (default 30 s).
    pub max_logon_delay: Duration,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_connections: 1024,
            unauthenticated_timeout: Duration::from_secs(30),
            session: smbkit_session::Limits::default(),
            max_credits: smbkit_session::credits::DEFAULT_MAX_CREDITS,
            max_opens_per_connection: smbkit_dispatch::DEFAULT_MAX_OPENS_PER_CONNECTION,
            max_watched_dirs_per_share: smbkit_dispatch::smbkit_vfs::DEFAULT_MAX_WATCHES,
            logon_failures_before_delay: 5,
            max_logon_delay: Duration::from_secs(30),
        }
    }
}

fn positive<T: Copy + PartialOrd + Default + ToString>(
    key: &str,
    value: Option<T>,
    default: T,
) -> Result<T, ConfigError> {
    match value {
        Some(v) if v <= T::default() => {
            Err(super::error::bad(key, &v.to_string(), "a positive number"))
        }
        Some(v) => Ok(v),
        None => Ok(default),
    }
}

pub(super) fn check(section: Option<&LimitsSection>) -> Result<LimitsConfig, ConfigError> {
    let d = LimitsConfig::default();
    let Some(s) = section else {
        return Ok(d);
    };
    Ok(LimitsConfig {
        max_connections: positive(
            "limits.max_connections",
            s.max_connections,
            d.max_connections,
        )?,
        unauthenticated_timeout: Duration::from_secs(positive(
            "limits.unauthenticated_timeout_secs",
            s.unauthenticated_timeout_secs,
            d.unauthenticated_timeout.as_secs(),
        )?),
        session: smbkit_session::Limits {
            max_sessions: positive(
                "limits.max_sessions_per_connection",
                s.max_sessions_per_connection,
                d.session.max_sessions,
            )?,
            max_trees: positive(
                "limits.max_trees_per_session",
                s.max_trees_per_session,
                d.session.max_trees,
            )?,
            max_compound: positive(
                "limits.max_compound",
                s.max_compound,
                d.session.max_compound,
            )?,
            max_security_buffer: positive(
                "limits.max_security_buffer",
                s.max_security_buffer,
                d.session.max_security_buffer,
            )?,
        },
        max_credits: positive("limits.max_credits", s.max_credits, d.max_credits)?,
        max_opens_per_connection: positive(
            "limits.max_opens_per_connection",
            s.max_opens_per_connection,
            d.max_opens_per_connection,
        )?,
        max_watched_dirs_per_share: positive(
            "limits.max_watched_dirs_per_share",
            s.max_watched_dirs_per_share,
            d.max_watched_dirs_per_share,
        )?,
        logon_failures_before_delay: s
            .logon_failures_before_delay
            .unwrap_or(d.logon_failures_before_delay),
        max_logon_delay: Duration::from_secs(
            s.max_logon_delay_secs
                .unwrap_or(d.max_logon_delay.as_secs()),
        ),
    })
}
