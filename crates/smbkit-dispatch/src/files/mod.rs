//! The file server behind the handlers: shares over a [`Vfs`], the open
//! table, limits.

mod no_storage;

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use smbkit_rpc::{PipeEndpoint, ServerInfo, ShareEntry};

use smbkit_session::TreeInfo;
use smbkit_state::{Closed, LockTable, NotifyTable, Open, OpenId, OpenTable, OplockTable};
use smbkit_vfs::{DirEntry, FileInfo, Handle, SmbPath, Vfs};
use smbkit_wire::{FileId, NtStatus};

use crate::Call;
use crate::outbound::Notifier;

pub use no_storage::NoStorage;

/// Size limits the handlers enforce (the values the NEGOTIATE response
/// announced).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// MaxReadSize: longer READs are INVALID_PARAMETER.
    pub max_read: u32,
    /// MaxWriteSize: longer WRITEs are INVALID_PARAMETER.
    pub max_write: u32,
    /// MaxTransactSize: larger QUERY_INFO / QUERY_DIRECTORY / IOCTL output
    /// buffers are INVALID_PARAMETER.
    pub max_transact: u32,
}

impl Default for Limits {
    /// 8 MiB each, as smbkitd announces.
    fn default() -> Self {
        Limits {
            max_read: 8 << 20,
            max_write: 8 << 20,
            max_transact: 8 << 20,
        }
    }
}

/// One disk share: its name, storage and whether it is read-only.
pub struct Share<V> {
    /// The share name (matched case-insensitively with the tree's share).
    pub name: String,
    /// The storage.
    pub vfs: Arc<V>,
    /// Refuse every change (CREATE with write access or a creating
    /// disposition, WRITE, SET_INFO).
    pub read_only: bool,
}

impl<V> fmt::Debug for Share<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Share")
            .field("name", &self.name)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// A directory enumeration in progress on an open (QUERY_DIRECTORY).
#[derive(Debug, Clone)]
pub(crate) struct Enumeration {
    /// The matching entries, `.` and `..` first, snapshotted at the first
    /// query or restart.
    pub entries: Vec<DirEntry>,
    /// The next entry to return.
    pub next: usize,
}

/// What dispatch keeps per open, beside the table's own fields.
pub(crate) struct OpenData {
    /// The tree connect the open belongs to; dead once the session layer
    /// dropped it (TREE_DISCONNECT, LOGOFF, connection gone).
    pub tree: Weak<TreeInfo>,
    /// Index of the share in [`FileServer::shares`].
    pub share: usize,
    /// The storage handle.
    pub handle: Handle,
    /// Whether the open is a directory.
    pub is_dir: bool,
    /// The granted access mask (MS-SMB2 2.2.13.1).
    pub granted: u32,
    /// The CreateOptions of the CREATE (FileModeInformation).
    pub options: u32,
    /// The enumeration cursor of a directory open.
    pub enumeration: Mutex<Option<Enumeration>>,
    /// The RPC endpoint of a named-pipe open on `IPC$`. A pipe open has no
    /// storage: `share` and `handle` mean nothing, and the file handlers
    /// never see it ([`FileServer::open_for`] refuses it).
    pub pipe: Option<Mutex<PipeEndpoint>>,
}

impl OpenData {
    /// The pipe endpoint of a pipe open, locked (never held across an
    /// await).
    pub fn pipe(&self) -> Option<MutexGuard<'_, PipeEndpoint>> {
        self.pipe
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl fmt::Debug for OpenData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenData")
            .field("share", &self.share)
            .field("handle", &self.handle)
            .field("is_dir", &self.is_dir)
            .field("granted", &format_args!("{:#x}", self.granted))
            .field("pipe", &self.pipe.is_some())
            .finish_non_exhaustive()
    }
}

/// An open as the handlers see it.
pub(crate) type OpenRef = Arc<Open<OpenData>>;

/// The volume number of pipe opens in the open table (disk shares are
/// numbered from 0).
pub(crate) const PIPE_VOLUME: u64 = u64::MAX;

/// The server name srvsvc and wkssvc report when none is set.
pub const DEFAULT_SERVER_NAME: &str = "SMBKIT";

/// The file server: the disk shares (one `Arc<V>` each), the open table
/// shared by every connection (file and named-pipe opens alike), the
/// limits, and the identity the `IPC$` pipes report.
pub struct FileServer<V> {
    pub(crate) shares: Vec<Share<V>>,
    pub(crate) opens: OpenTable<OpenData>,
    /// The byte-range locks of every open file.
    pub(crate) locks: LockTable,
    /// The oplocks of every open file.
    pub(crate) oplocks: OplockTable,
    /// Where oplock breaks are queued (the dispatcher's [`Notifier`]).
    pub(crate) notifier: Notifier,
    /// The change-notify watches of directory opens.
    pub(crate) notify: NotifyTable,
    /// Changes made outside the server (the storage's change feeds).
    pub(crate) outside: crate::handlers::change_notify::Outside,
    pub(crate) limits: Limits,
    server_name: String,
    workgroup: String,
    /// Built at the first pipe open, from the shares and names then set.
    info: OnceLock<Arc<ServerInfo>>,
    /// Numbers pipe opens so that each is its own "file" in the table.
    next_pipe: AtomicU64,
    /// The resume keys of server-side copy (FSCTL_SRV_REQUEST_RESUME_KEY).
    pub(crate) resume_keys: crate::handlers::ioctl::ResumeKeys,
    /// The addresses the server listens on (FSCTL_QUERY_NETWORK_INTERFACE_INFO).
    interfaces: Vec<SocketAddr>,
}

impl<V> fmt::Debug for FileServer<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileServer")
            .field("shares", &self.shares)
            .field("opens", &self.opens)
            .field("limits", &self.limits)
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl<V: Vfs> FileServer<V> {
    /// A file server without shares.
    #[must_use]
    pub fn new(limits: Limits) -> FileServer<V> {
        FileServer {
            shares: Vec::new(),
            opens: OpenTable::new(),
            locks: LockTable::new(),
            oplocks: OplockTable::default(),
            notifier: Notifier::default(),
            notify: NotifyTable::new(),
            outside: crate::handlers::change_notify::Outside::default(),
            limits,
            server_name: DEFAULT_SERVER_NAME.to_owned(),
            workgroup: "WORKGROUP".to_owned(),
            info: OnceLock::new(),
            next_pipe: AtomicU64::new(1),
            resume_keys: crate::handlers::ioctl::ResumeKeys::default(),
            interfaces: Vec::new(),
        }
    }

    /// Sets the NetBIOS name srvsvc (NetrServerGetInfo) and wkssvc report
    /// on `IPC$` (default [`DEFAULT_SERVER_NAME`]).
    #[must_use]
    pub fn server_name(mut self, name: &str) -> FileServer<V> {
        name.clone_into(&mut self.server_name);
        self.info = OnceLock::new();
        self
    }

    /// Sets the workgroup wkssvc reports (default `WORKGROUP`).
    #[must_use]
    pub fn workgroup(mut self, workgroup: &str) -> FileServer<V> {
        workgroup.clone_into(&mut self.workgroup);
        self.info = OnceLock::new();
        self
    }

    /// What the `IPC$` pipes report: the server name, the workgroup, `IPC$`
    /// and every disk share (in the order they were added, no comments).
    #[must_use]
    pub fn server_info(&self) -> Arc<ServerInfo> {
        Arc::clone(self.info.get_or_init(|| {
            let mut info = ServerInfo::new(self.server_name.clone()).with_domain(&self.workgroup);
            for share in &self.shares {
                info = info.with_share(ShareEntry::disk(share.name.clone(), ""));
            }
            Arc::new(info)
        }))
    }

    /// Sets the addresses the server listens on, which
    /// FSCTL_QUERY_NETWORK_INTERFACE_INFO reports (wildcard addresses are
    /// left out of the answer; with none left it is NOT_SUPPORTED).
    #[must_use]
    pub fn network_interfaces(mut self, addrs: &[SocketAddr]) -> FileServer<V> {
        addrs.clone_into(&mut self.interfaces);
        self
    }

    /// Caps the files one connection may hold open; one more CREATE
    /// answers STATUS_INSUFFICIENT_RESOURCES (default
    /// [`smbkit_state::DEFAULT_MAX_OPENS_PER_CONNECTION`]).
    #[must_use]
    pub fn max_opens_per_connection(self, max: usize) -> FileServer<V> {
        self.opens.set_max_per_connection(max);
        self
    }

    /// The listening addresses set by [`network_interfaces`](Self::network_interfaces).
    #[must_use]
    pub fn interfaces(&self) -> &[SocketAddr] {
        &self.interfaces
    }

    /// A fresh file number for a pipe open.
    pub(crate) fn next_pipe(&self) -> u64 {
        self.next_pipe.fetch_add(1, Ordering::Relaxed)
    }

    /// Sets how long an oplock break waits for its acknowledgment before
    /// the server completes it (default 35 s).
    #[must_use]
    pub fn break_timeout(mut self, timeout: std::time::Duration) -> FileServer<V> {
        self.oplocks = OplockTable::new(timeout);
        self
    }

    /// Adds a disk share.
    #[must_use]
    pub fn share(mut self, name: &str, vfs: Arc<V>, read_only: bool) -> FileServer<V> {
        self.shares.push(Share {
            name: name.to_owned(),
            vfs,
            read_only,
        });
        self.info = OnceLock::new();
        self
    }

    /// The shares.
    #[must_use]
    pub fn shares(&self) -> &[Share<V>] {
        &self.shares
    }

    /// Number of opens (all connections).
    #[must_use]
    pub fn open_count(&self) -> usize {
        self.opens.len()
    }

    /// The limits.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub(crate) fn share_index(&self, name: &str) -> Option<usize> {
        self.shares
            .iter()
            .position(|s| s.name.eq_ignore_ascii_case(name))
    }

    pub(crate) fn share_of(&self, open: &OpenRef) -> Result<&Share<V>, NtStatus> {
        self.shares
            .get(open.data.share)
            .ok_or(NtStatus::FILE_CLOSED)
    }

    /// The file open `id` names (see [`lookup`](Self::lookup)); a named-pipe
    /// open is STATUS_INVALID_DEVICE_REQUEST (the command does not apply to
    /// pipes).
    pub(crate) fn open_for(&self, call: &Call, id: FileId) -> Result<OpenRef, NtStatus> {
        let open = self.lookup(call, id)?;
        if open.data.pipe.is_some() {
            return Err(NtStatus::INVALID_DEVICE_REQUEST);
        }
        Ok(open)
    }

    /// The open `id` names, file or pipe, if it belongs to the call's
    /// connection, session and tree; else STATUS_FILE_CLOSED (MS-SMB2
    /// 3.3.5.x "locate the open").
    pub(crate) fn lookup(&self, call: &Call, id: FileId) -> Result<OpenRef, NtStatus> {
        let open = self
            .opens
            .get(OpenId {
                persistent: id.persistent,
                volatile: id.volatile,
            })
            .ok_or(NtStatus::FILE_CLOSED)?;
        let request = &call.request;
        let same_tree = match &request.tree {
            Some(tree) => {
                open.owner.tree == tree.id && Weak::as_ptr(&open.data.tree) == Arc::as_ptr(tree)
            }
            None => false,
        };
        if open.owner.connection != call.connection
            || open.owner.session != request.session.id
            || !same_tree
        {
            return Err(NtStatus::FILE_CLOSED);
        }
        Ok(open)
    }

    /// The current path of an open (renames included); the base file's
    /// for a stream open.
    pub(crate) fn path_of(&self, open: &OpenRef) -> SmbPath {
        self.opens
            .name(open.file)
            .and_then(|n| smbkit_vfs::StreamPath::parse(&n).ok())
            .map(|p| p.path)
            .unwrap_or_default()
    }

    /// Releases what closed opens hold: the storage handle, and the file
    /// itself when it was delete-pending and this was its last open.
    pub(crate) async fn release(&self, closed: Vec<Closed<OpenData>>) -> usize {
        let count = closed.len();
        for c in closed {
            if c.open.data.pipe.is_some() {
                // Dropping the endpoint ends the RPC association.
                continue;
            }
            self.locks.release(c.open.file, c.open.id);
            self.oplocks.release(c.open.id);
            self.notify.remove(c.open.id);
            crate::handlers::change_notify::closed(self, &c.open);
            let Some(share) = self.shares.get(c.open.data.share) else {
                continue;
            };
            if let Err(e) = share.vfs.close(c.open.data.handle).await {
                tracing::debug!(error = %e, "closing a storage handle failed");
            }
            if let Some(name) = c.delete {
                match crate::handlers::create::remove_by_name(share.vfs.as_ref(), &name).await {
                    Ok(Some(path)) => {
                        crate::handlers::change_notify::report_removed(self, &c.open, &path);
                    }
                    Ok(None) => {}
                    Err(e) => tracing::debug!(%name, error = %e, "delete on close failed"),
                }
            }
        }
        count
    }

    pub(crate) async fn close_orphans(&self, connection: u64) -> usize {
        let closed = self
            .opens
            .remove_where(|o| o.owner.connection == connection && o.data.tree.strong_count() == 0);
        self.release(closed).await
    }

    pub(crate) async fn close_connection(&self, connection: u64) -> usize {
        let closed = self.opens.close_connection(connection);
        self.release(closed).await
    }

    /// The information of an open, from the storage.
    pub(crate) async fn info(&self, open: &OpenRef) -> Result<FileInfo, NtStatus> {
        let share = self.share_of(open)?;
        share
            .vfs
            .info(open.data.handle)
            .await
            .map_err(|e| e.status())
    }
}
