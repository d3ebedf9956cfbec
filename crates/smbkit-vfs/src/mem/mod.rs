//! `MemFs`: the [`Vfs`] contract in memory, for dispatch tests.

mod state;
mod streams;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;

use crate::types::{
    DirEntry, Disposition, DosAttributes, FileInfo, FileTime, Handle, OpenAction, OpenHow,
    OpenKind, Opened, SetInfo, VolumeInfo,
};
use crate::{SmbPath, Vfs, VfsError};

/// Allocation unit `MemFs` reports (allocation sizes are rounded up to it).
const BLOCK: u64 = 4096;

/// Settings of a [`MemFs`].
#[derive(Clone, Debug)]
pub struct MemFsOptions {
    /// Find names case-insensitively when the exact name does not exist
    /// (default true).
    pub case_insensitive: bool,
    /// Total bytes of file data the volume holds; writes beyond it fail with
    /// DISK_FULL (default 1 GiB).
    pub capacity: u64,
    /// Volume serial number (default 0x534D_424B, "SMBK").
    pub serial: u32,
    /// File system name reported to clients (default "NTFS").
    pub fs_name: String,
}

impl Default for MemFsOptions {
    fn default() -> Self {
        MemFsOptions {
            case_insensitive: true,
            capacity: 1 << 30,
            serial: 0x534D_424B,
            fs_name: "NTFS".to_owned(),
        }
    }
}

/// An in-memory file system with the same semantics as
/// [`LocalFs`](crate::LocalFs): ids, times, attributes, errors,
/// case-insensitive lookup, handles surviving rename and removal.
///
/// File ids are a counter (the root is 1). Access times are not updated by
/// reads.
#[derive(Debug)]
pub struct MemFs {
    opts: MemFsOptions,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    nodes: HashMap<u64, Node>,
    next_id: u64,
    handles: HashMap<u64, MemHandle>,
    next_handle: u64,
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    creation: FileTime,
    access: FileTime,
    write: FileTime,
    change: FileTime,
    /// Stored attributes (only [`DosAttributes::STORED`] bits).
    attributes: DosAttributes,
    /// Still has a name in the tree.
    linked: bool,
    /// The stored security descriptor (opaque bytes).
    sd: Option<Vec<u8>>,
    /// Extended attributes.
    eas: Vec<(String, Vec<u8>)>,
    /// Bytes reserved by [`Vfs::allocate`] (reported when above the size).
    reserved: u64,
    /// Open handles.
    opens: u64,
    /// Named streams: stored name and bytes.
    streams: Vec<(String, Vec<u8>)>,
}

#[derive(Debug)]
enum Kind {
    File(Vec<u8>),
    Dir(BTreeMap<String, u64>),
}

#[derive(Debug, Clone)]
struct MemHandle {
    node: u64,
    /// On-disk names from the root, updated by renames.
    path: Vec<String>,
    read: bool,
    write: bool,
    /// The stored name of the open stream; `None` for the file itself.
    stream: Option<String>,
}

const ROOT: u64 = 1;

/// A resolved path.
enum Found {
    /// The object exists: its id, its parent (None for the root) and
    /// on-disk names.
    Existing {
        id: u64,
        parent: Option<u64>,
        names: Vec<String>,
    },
    /// The parent exists, the last name does not.
    Missing { parent: u64, names: Vec<String> },
}

impl Node {
    fn new(kind: Kind, attributes: DosAttributes) -> Node {
        let now = FileTime::now();
        Node {
            kind,
            creation: now,
            access: now,
            write: now,
            change: now,
            attributes,
            linked: true,
            sd: None,
            eas: Vec::new(),
            reserved: 0,
            opens: 0,
            streams: Vec::new(),
        }
    }

    fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    fn len(&self) -> u64 {
        match &self.kind {
            Kind::File(data) => u64::try_from(data.len()).unwrap_or(u64::MAX),
            Kind::Dir(_) => 0,
        }
    }

    fn readonly(&self) -> bool {
        !self.is_dir() && self.attributes.contains(DosAttributes::READONLY)
    }

    fn touch(&mut self) {
        let now = FileTime::now();
        self.write = now;
        self.change = now;
    }

    fn info(&self, id: u64) -> FileInfo {
        let size = self.len();
        let allocation_size = size
            .max(self.reserved)
            .div_ceil(BLOCK)
            .saturating_mul(BLOCK);
        FileInfo {
            file_id: id,
            size,
            allocation_size,
            creation_time: self.creation,
            last_access_time: self.access,
            last_write_time: self.write,
            change_time: self.change,
            attributes: DosAttributes::reported(self.attributes, self.is_dir()),
            is_dir: self.is_dir(),
            nlink: 1,
        }
    }
}

impl Default for MemFs {
    fn default() -> Self {
        MemFs::new(MemFsOptions::default())
    }
}

impl MemFs {
    /// An empty file system (just the root directory).
    pub fn new(opts: MemFsOptions) -> MemFs {
        let mut nodes = HashMap::new();
        nodes.insert(
            ROOT,
            Node::new(Kind::Dir(BTreeMap::new()), DosAttributes::empty()),
        );
        MemFs {
            opts,
            state: Mutex::new(State {
                nodes,
                next_id: ROOT.saturating_add(1),
                handles: HashMap::new(),
                next_handle: 1,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code path panics while holding the lock; recover anyway.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Case folding used for case-insensitive matching (per-character
/// lowercase, the same in `LocalFs`).
pub(crate) fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

impl Vfs for MemFs {
    async fn open(&self, path: &SmbPath, how: OpenHow) -> Result<Opened, VfsError> {
        let ci = self.opts.case_insensitive;
        let mut st = self.lock();
        let (found, _) = st.resolve(path, ci)?;
        let (id, names, action) = match found {
            Found::Existing { id, names, .. } => {
                let node = st.node(id)?;
                let is_dir = node.is_dir();
                if how.disposition == Disposition::Create {
                    return Err(VfsError::Exists);
                }
                let action = how.existing_action(is_dir)?;
                if action != OpenAction::Opened {
                    if node.readonly() {
                        return Err(VfsError::AccessDenied);
                    }
                    let node = st.node_mut(id)?;
                    node.kind = Kind::File(Vec::new());
                    node.reserved = 0;
                    node.streams.clear();
                    node.touch();
                } else if how.write && node.readonly() {
                    return Err(VfsError::AccessDenied);
                }
                (id, names, action)
            }
            Found::Missing { parent, names } => {
                if matches!(how.disposition, Disposition::Open | Disposition::Overwrite) {
                    return Err(VfsError::NotFound);
                }
                let name = names.last().cloned().unwrap_or_default();
                let is_dir = how.kind == OpenKind::Directory;
                let kind = if is_dir {
                    Kind::Dir(BTreeMap::new())
                } else {
                    Kind::File(Vec::new())
                };
                let id = st.alloc_id();
                st.nodes
                    .insert(id, Node::new(kind, DosAttributes::initial(&name, is_dir)));
                st.children_mut(parent)?.insert(name, id);
                st.node_mut(parent)?.touch();
                (id, names, OpenAction::Created)
            }
        };
        let handle = st.new_handle(MemHandle {
            node: id,
            path: names,
            read: how.read,
            write: how.write,
            stream: None,
        })?;
        let info = st.node(id)?.info(id);
        Ok(Opened {
            handle,
            action,
            info,
        })
    }

    async fn read_at(&self, handle: Handle, offset: u64, len: usize) -> Result<Bytes, VfsError> {
        let st = self.lock();
        let h = st.handle(handle)?;
        if let Some(stream) = &h.stream {
            return st.stream_read(&h, stream, offset, len);
        }
        let node = st.node(h.node)?;
        let Kind::File(data) = &node.kind else {
            return Err(VfsError::IsADirectory);
        };
        if !h.read {
            return Err(VfsError::AccessDenied);
        }
        let Ok(start) = usize::try_from(offset) else {
            return Ok(Bytes::new());
        };
        let end = start.saturating_add(len).min(data.len());
        Ok(data
            .get(start..end)
            .map(Bytes::copy_from_slice)
            .unwrap_or_default())
    }

    async fn write_at(&self, handle: Handle, offset: u64, data: &[u8]) -> Result<usize, VfsError> {
        let capacity = self.opts.capacity;
        let mut st = self.lock();
        let h = st.writable_file(handle)?;
        if let Some(stream) = &h.stream {
            return st.stream_write(&h, stream, offset, data);
        }
        let end = u64::try_from(data.len())
            .ok()
            .and_then(|n| offset.checked_add(n))
            .ok_or(VfsError::InvalidParameter("write past the largest offset"))?;
        if data.is_empty() {
            // Like pwrite(2): an empty write never extends the file.
            return Ok(0);
        }
        let old = st.node(h.node)?.len();
        st.check_capacity(old, end.max(old), capacity)?;
        let start = usize::try_from(offset).map_err(|_| VfsError::DiskFull)?;
        let end = usize::try_from(end).map_err(|_| VfsError::DiskFull)?;
        let node = st.node_mut(h.node)?;
        if let Kind::File(buf) = &mut node.kind {
            if buf.len() < end {
                buf.resize(end, 0);
            }
            buf.get_mut(start..end)
                .ok_or(VfsError::Internal("write range"))?
                .copy_from_slice(data);
        }
        node.touch();
        Ok(data.len())
    }

    async fn flush(&self, handle: Handle) -> Result<(), VfsError> {
        self.lock().handle(handle).map(|_| ())
    }

    async fn set_len(&self, handle: Handle, len: u64) -> Result<(), VfsError> {
        let capacity = self.opts.capacity;
        let mut st = self.lock();
        let h = st.writable_file(handle)?;
        if let Some(stream) = &h.stream {
            return st.stream_set_len(&h, stream, len);
        }
        st.check_capacity(st.node(h.node)?.len(), len, capacity)?;
        let new_len = usize::try_from(len).map_err(|_| VfsError::DiskFull)?;
        let node = st.node_mut(h.node)?;
        if let Kind::File(buf) = &mut node.kind {
            buf.resize(new_len, 0);
        }
        node.touch();
        Ok(())
    }

    async fn info(&self, handle: Handle) -> Result<FileInfo, VfsError> {
        let st = self.lock();
        let h = st.handle(handle)?;
        let mut info = st.node(h.node)?.info(h.node);
        if let Some(stream) = &h.stream {
            info.is_dir = false;
            info.size = st.stream_len(&h, stream)?;
            info.allocation_size = info.size.div_ceil(BLOCK).saturating_mul(BLOCK);
        }
        Ok(info)
    }

    async fn stat(&self, path: &SmbPath) -> Result<FileInfo, VfsError> {
        let st = self.lock();
        match st.resolve(path, self.opts.case_insensitive)?.0 {
            Found::Existing { id, .. } => Ok(st.node(id)?.info(id)),
            Found::Missing { .. } => Err(VfsError::NotFound),
        }
    }

    async fn set_info(&self, handle: Handle, info: SetInfo) -> Result<(), VfsError> {
        let mut st = self.lock();
        let h = st.handle(handle)?;
        let node = st.node_mut(h.node)?;
        if let Some(t) = info.creation_time {
            node.creation = t;
        }
        if let Some(t) = info.last_access_time {
            node.access = t;
        }
        if let Some(t) = info.last_write_time {
            node.write = t;
        }
        if let Some(a) = info.attributes {
            let sparse = node.attributes.intersection(DosAttributes::SPARSE_FILE);
            node.attributes = a.intersection(DosAttributes::SETTABLE).union(sparse);
        }
        if let Some(t) = info.change_time {
            node.change = t;
        }
        Ok(())
    }

    async fn read_dir(&self, handle: Handle) -> Result<Vec<DirEntry>, VfsError> {
        let st = self.lock();
        let h = st.handle(handle)?;
        let Kind::Dir(children) = &st.node(h.node)?.kind else {
            return Err(VfsError::NotADirectory);
        };
        children
            .iter()
            .map(|(name, id)| {
                Ok(DirEntry {
                    name: name.clone(),
                    info: st.node(*id)?.info(*id),
                })
            })
            .collect()
    }

    async fn rename(&self, handle: Handle, new: &SmbPath, replace: bool) -> Result<(), VfsError> {
        let ci = self.opts.case_insensitive;
        let mut st = self.lock();
        let h = st.handle(handle)?;
        if h.path.is_empty() {
            return Err(VfsError::AccessDenied);
        }
        if st.at(&h.path) != Some(h.node) {
            return Err(VfsError::NotFound);
        }
        let (old_parent_names, _) = h.path.split_at(h.path.len().saturating_sub(1));
        let old_parent = st.at(old_parent_names).ok_or(VfsError::NotFound)?;
        let old_name = h.path.last().cloned().unwrap_or_default();
        if new.is_root() {
            return Err(VfsError::AccessDenied);
        }
        let new_name = new.file_name().unwrap_or_default().to_owned();
        let (found, chain) = st.resolve(new, ci)?;
        // The new parent's chain (excluding the target itself) must not
        // contain the object being moved.
        let (new_parent, mut new_names, target) = match found {
            Found::Existing { id, parent, names } => {
                (parent.ok_or(VfsError::AccessDenied)?, names, Some(id))
            }
            Found::Missing { parent, names } => (parent, names, None),
        };
        // The chain ends with the target itself when it exists, else with
        // the new parent.
        let ancestors = match target {
            Some(_) => chain
                .get(..chain.len().saturating_sub(1))
                .unwrap_or_default(),
            None => chain.as_slice(),
        };
        // An existing target without replace is a collision before
        // anything else, as on LocalFs (also below the moved directory).
        if target.is_some_and(|t| t != h.node) && !replace {
            return Err(VfsError::Exists);
        }
        if ancestors.contains(&h.node) {
            return Err(VfsError::InvalidParameter(
                "cannot move a directory into itself",
            ));
        }
        match target {
            Some(t) if t == h.node => {
                // Same object: only the case (or nothing) changes.
                if let Some(last) = new_names.last_mut() {
                    *last = new_name.clone();
                }
            }
            Some(t) => {
                if !replace {
                    return Err(VfsError::Exists);
                }
                if st.node(t)?.is_dir() {
                    return Err(VfsError::AccessDenied);
                }
                if st.node(h.node)?.is_dir() {
                    // A directory does not replace a file (as rename(2)
                    // answers LocalFs: ENOTDIR).
                    return Err(VfsError::NotADirectory);
                }
                let target_name = new_names.last().cloned().unwrap_or_default();
                st.children_mut(new_parent)?.remove(&target_name);
                st.node_mut(t)?.linked = false;
                st.maybe_free(t);
            }
            None => {}
        }
        let final_name = new_names.last().cloned().unwrap_or(new_name);
        st.children_mut(old_parent)?.remove(&old_name);
        st.children_mut(new_parent)?.insert(final_name, h.node);
        st.node_mut(old_parent)?.touch();
        st.node_mut(new_parent)?.touch();
        st.node_mut(h.node)?.change = FileTime::now();
        let old_path = h.path;
        for other in st.handles.values_mut() {
            if other.path.starts_with(&old_path) {
                let rest = other.path.split_off(old_path.len());
                other.path = new_names.clone();
                other.path.extend(rest);
            }
        }
        Ok(())
    }

    async fn remove(&self, path: &SmbPath) -> Result<(), VfsError> {
        let mut st = self.lock();
        let (Found::Existing { id, parent, names }, _) =
            st.resolve(path, self.opts.case_insensitive)?
        else {
            return Err(VfsError::NotFound);
        };
        let parent = parent.ok_or(VfsError::CannotDelete)?;
        let node = st.node(id)?;
        match &node.kind {
            Kind::Dir(children) if !children.is_empty() => {
                return Err(VfsError::DirectoryNotEmpty);
            }
            _ if node.readonly() => return Err(VfsError::CannotDelete),
            _ => {}
        }
        let name = names.last().cloned().unwrap_or_default();
        st.children_mut(parent)?.remove(&name);
        st.node_mut(parent)?.touch();
        st.node_mut(id)?.linked = false;
        st.maybe_free(id);
        Ok(())
    }

    async fn close(&self, handle: Handle) -> Result<(), VfsError> {
        let mut st = self.lock();
        let h = st
            .handles
            .remove(&handle.0)
            .ok_or(VfsError::InvalidHandle)?;
        let node = st.node_mut(h.node)?;
        node.opens = node.opens.saturating_sub(1);
        st.maybe_free(h.node);
        Ok(())
    }

    async fn volume(&self) -> Result<VolumeInfo, VfsError> {
        let st = self.lock();
        let used = st.nodes.values().fold(0u64, |acc, n| {
            acc.saturating_add(n.len().div_ceil(BLOCK).saturating_mul(BLOCK))
        });
        Ok(VolumeInfo {
            total: self.opts.capacity,
            free: self.opts.capacity.saturating_sub(used),
            block_size: 4096,
            fs_name: self.opts.fs_name.clone(),
            serial: self.opts.serial,
        })
    }

    async fn security(&self, handle: Handle) -> Result<Option<Vec<u8>>, VfsError> {
        let st = self.lock();
        let h = st.handle(handle)?;
        Ok(st.node(h.node)?.sd.clone())
    }

    async fn security_at(&self, path: &SmbPath) -> Result<Option<Vec<u8>>, VfsError> {
        let st = self.lock();
        match st.resolve(path, self.opts.case_insensitive)?.0 {
            Found::Existing { id, .. } => Ok(st.node(id)?.sd.clone()),
            Found::Missing { .. } => Err(VfsError::NotFound),
        }
    }

    async fn set_security(&self, handle: Handle, sd: Option<Vec<u8>>) -> Result<(), VfsError> {
        if sd
            .as_ref()
            .is_some_and(|sd| sd.len() > crate::MAX_SECURITY_LEN)
        {
            return Err(VfsError::InvalidParameter("security descriptor too large"));
        }
        let mut st = self.lock();
        let h = st.handle(handle)?;
        let node = st.node_mut(h.node)?;
        node.sd = sd;
        node.change = FileTime::now();
        Ok(())
    }

    async fn eas(&self, handle: Handle) -> Result<Vec<(String, Vec<u8>)>, VfsError> {
        let st = self.lock();
        let h = st.handle(handle)?;
        Ok(st.node(h.node)?.eas.clone())
    }

    async fn set_eas(&self, handle: Handle, eas: Vec<(String, Vec<u8>)>) -> Result<(), VfsError> {
        if crate::ea::encode_eas(&eas).is_none() {
            return Err(VfsError::InvalidParameter("extended attributes too large"));
        }
        let mut st = self.lock();
        let h = st.handle(handle)?;
        let node = st.node_mut(h.node)?;
        node.eas = eas;
        node.change = FileTime::now();
        Ok(())
    }

    async fn set_sparse(&self, handle: Handle, sparse: bool) -> Result<(), VfsError> {
        let mut st = self.lock();
        let h = st.handle(handle)?;
        let node = st.node_mut(h.node)?;
        if node.is_dir() {
            return Err(VfsError::IsADirectory);
        }
        node.attributes = if sparse {
            node.attributes.union(DosAttributes::SPARSE_FILE)
        } else {
            node.attributes.difference(DosAttributes::SPARSE_FILE)
        };
        Ok(())
    }

    /// MemFs keeps no holes: the range below the end of file is zeroed.
    async fn disk_path(&self, handle: Handle) -> Result<SmbPath, VfsError> {
        let h = self.lock().handle(handle)?;
        Ok(SmbPath::parse(&h.path.join("\\"))?)
    }

    async fn open_stream(
        &self,
        path: &SmbPath,
        stream: &str,
        how: OpenHow,
    ) -> Result<Opened, VfsError> {
        let ci = self.opts.case_insensitive;
        self.lock().open_stream(path, stream, how, ci)
    }

    async fn streams(&self, handle: Handle) -> Result<Vec<(String, u64)>, VfsError> {
        let st = self.lock();
        let h = st.handle(handle)?;
        st.list_streams(&h)
    }

    async fn remove_stream(&self, path: &SmbPath, stream: &str) -> Result<(), VfsError> {
        let ci = self.opts.case_insensitive;
        self.lock().remove_stream(path, stream, ci)
    }

    async fn rename_stream(
        &self,
        handle: Handle,
        new: &str,
        replace: bool,
    ) -> Result<(), VfsError> {
        self.lock().rename_stream(handle.0, new, replace)
    }

    async fn punch_hole(&self, handle: Handle, offset: u64, len: u64) -> Result<(), VfsError> {
        let mut st = self.lock();
        let h = st.writable_file(handle)?;
        let node = st.node_mut(h.node)?;
        let size = node.len();
        let end = offset.saturating_add(len).min(size);
        if end <= offset {
            return Ok(());
        }
        let start = usize::try_from(offset).map_err(|_| VfsError::Internal("offset"))?;
        let end = usize::try_from(end).map_err(|_| VfsError::Internal("offset"))?;
        if let Kind::File(buf) = &mut node.kind {
            buf.get_mut(start..end)
                .ok_or(VfsError::Internal("punch range"))?
                .fill(0);
        }
        node.touch();
        Ok(())
    }

    async fn allocate(&self, handle: Handle, size: u64) -> Result<(), VfsError> {
        let capacity = self.opts.capacity;
        let mut st = self.lock();
        let h = st.writable_file(handle)?;
        let node = st.node(h.node)?;
        let current = node.len().max(node.reserved);
        if size <= current {
            return Ok(());
        }
        st.check_capacity(current, size, capacity)?;
        st.node_mut(h.node)?.reserved = size;
        Ok(())
    }
}
