//! What the server tells clients about itself: its names, version and the
//! share list. Supplied by the caller, shared by every open pipe.

/// `PLATFORM_ID_NT`.
pub const PLATFORM_ID_NT: u32 = 500;
/// `SV_TYPE_WORKSTATION`.
pub const SV_TYPE_WORKSTATION: u32 = 0x0000_0001;
/// `SV_TYPE_SERVER`.
pub const SV_TYPE_SERVER: u32 = 0x0000_0002;
/// `SV_TYPE_NT`.
pub const SV_TYPE_NT: u32 = 0x0000_1000;
/// `SV_TYPE_SERVER_NT`.
pub const SV_TYPE_SERVER_NT: u32 = 0x0000_8000;
/// `STYPE_DISKTREE`.
pub const STYPE_DISKTREE: u32 = 0;
/// `STYPE_IPC`.
pub const STYPE_IPC: u32 = 3;
/// `STYPE_SPECIAL`: administrative/hidden share such as `IPC$`.
pub const STYPE_SPECIAL: u32 = 0x8000_0000;

/// The kind of a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShareKind {
    /// A file share (`STYPE_DISKTREE`).
    Disk,
    /// The IPC share `IPC$` (`STYPE_IPC | STYPE_SPECIAL`).
    Ipc,
}

/// One share as srvsvc reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareEntry {
    /// Share name (`shi*_netname`).
    pub name: String,
    /// Comment (`shi*_remark`).
    pub comment: String,
    /// Disk or IPC.
    pub kind: ShareKind,
    /// Local path reported at levels 2 and 502, if any.
    pub path: Option<String>,
    /// Listed by NetrShareEnum; a non-browseable share is still found by
    /// NetrShareGetInfo.
    pub browseable: bool,
}

impl ShareEntry {
    /// A browseable disk share.
    pub fn disk(name: impl Into<String>, comment: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            comment: comment.into(),
            kind: ShareKind::Disk,
            path: None,
            browseable: true,
        }
    }

    /// `IPC$`, comment "IPC Service".
    pub fn ipc() -> Self {
        Self {
            name: "IPC$".to_owned(),
            comment: "IPC Service".to_owned(),
            kind: ShareKind::Ipc,
            path: None,
            browseable: true,
        }
    }

    /// Sets the path reported at levels 2 and 502.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets whether NetrShareEnum lists the share.
    pub fn with_browseable(mut self, browseable: bool) -> Self {
        self.browseable = browseable;
        self
    }

    /// The `shi*_type` value.
    pub fn share_type(&self) -> u32 {
        match self.kind {
            ShareKind::Disk => STYPE_DISKTREE,
            ShareKind::Ipc => STYPE_IPC | STYPE_SPECIAL,
        }
    }
}

/// The server's identity and share list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// NetBIOS/host name (`sv10x_name`, `wki100_computername`).
    pub name: String,
    /// Server comment (`sv101_comment`).
    pub comment: String,
    /// Workgroup or domain (`wki100_langroup`).
    pub domain: String,
    /// `PLATFORM_ID_NT` (500) by default.
    pub platform_id: u32,
    /// 10 by default.
    pub version_major: u32,
    /// 0 by default.
    pub version_minor: u32,
    /// `SV_TYPE_*` flags; WORKSTATION | SERVER | NT | SERVER_NT by default.
    pub server_type: u32,
    /// Shares in the order they are listed.
    pub shares: Vec<ShareEntry>,
}

impl ServerInfo {
    /// A server called `name` in workgroup `WORKGROUP`, version 10.0, with
    /// `IPC$` as its only share (clients expect it to be listed).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            comment: String::new(),
            domain: "WORKGROUP".to_owned(),
            platform_id: PLATFORM_ID_NT,
            version_major: 10,
            version_minor: 0,
            server_type: SV_TYPE_WORKSTATION | SV_TYPE_SERVER | SV_TYPE_NT | SV_TYPE_SERVER_NT,
            shares: vec![ShareEntry::ipc()],
        }
    }

    /// Appends a share.
    pub fn with_share(mut self, share: ShareEntry) -> Self {
        self.shares.push(share);
        self
    }

    /// Sets the comment.
    pub fn with_comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = comment.into();
        self
    }

    /// Sets the workgroup or domain.
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = domain.into();
        self
    }

    /// The share called `name`, compared case-insensitively.
    pub fn find_share(&self, name: &str) -> Option<&ShareEntry> {
        let wanted = name.to_lowercase();
        self.shares.iter().find(|s| s.name.to_lowercase() == wanted)
    }

    /// The shares NetrShareEnum lists.
    pub fn browseable_shares(&self) -> impl Iterator<Item = &ShareEntry> {
        self.shares.iter().filter(|s| s.browseable)
    }
}
