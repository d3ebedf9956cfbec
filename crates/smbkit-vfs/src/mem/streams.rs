//! Named streams of `MemFs`: kept with their node, looked up ignoring
//! case, at most [`MAX_STREAM_LEN`] bytes each (as `LocalFs`).

use std::collections::BTreeMap;

use bytes::Bytes;

use super::{Found, Kind, MemHandle, Node, State, fold};
use crate::types::{Disposition, DosAttributes, OpenAction, OpenHow, OpenKind, Opened};
use crate::{MAX_STREAM_LEN, SmbPath, VfsError, validate_stream_name};

impl Node {
    /// Index of stream `name` (exact, else ignoring case).
    fn stream_index(&self, name: &str) -> Option<usize> {
        self.streams
            .iter()
            .position(|(n, _)| n == name)
            .or_else(|| {
                let folded = fold(name);
                self.streams.iter().position(|(n, _)| fold(n) == folded)
            })
    }

    fn stream_data(&self, stored: &str) -> &[u8] {
        self.streams
            .iter()
            .find(|(n, _)| n == stored)
            .map(|(_, d)| d.as_slice())
            .unwrap_or_default()
    }

    fn stream_data_mut(&mut self, stored: &str) -> Result<&mut Vec<u8>, VfsError> {
        if !self.streams.iter().any(|(n, _)| n == stored) {
            self.streams.push((stored.to_owned(), Vec::new()));
        }
        self.streams
            .iter_mut()
            .find(|(n, _)| n == stored)
            .map(|(_, d)| d)
            .ok_or(VfsError::Internal("stream just added"))
    }
}

impl State {
    pub(super) fn open_stream(
        &mut self,
        path: &SmbPath,
        stream: &str,
        how: OpenHow,
        ci: bool,
    ) -> Result<Opened, VfsError> {
        if how.kind == OpenKind::Directory {
            return Err(VfsError::NotADirectory);
        }
        validate_stream_name(stream)?;
        let opening = matches!(how.disposition, Disposition::Open | Disposition::Overwrite);
        let (id, names, base_created) = match self.resolve(path, ci)?.0 {
            Found::Existing { id, names, .. } => (id, names, false),
            Found::Missing { parent, names } => {
                if opening {
                    return Err(VfsError::NotFound);
                }
                let name = names.last().cloned().unwrap_or_default();
                let id = self.alloc_id();
                self.nodes.insert(
                    id,
                    Node::new(Kind::File(Vec::new()), DosAttributes::initial(&name, false)),
                );
                self.children_mut(parent)?.insert(name, id);
                self.node_mut(parent)?.touch();
                (id, names, true)
            }
        };
        let node = self.node(id)?;
        let (stored, action) = match node.stream_index(stream) {
            Some(at) => {
                if how.disposition == Disposition::Create {
                    return Err(VfsError::Exists);
                }
                let stored = node.streams.get(at).map(|(n, _)| n.clone());
                (stored.unwrap_or_default(), how.existing_action(false)?)
            }
            None if opening => return Err(VfsError::NotFound),
            None => (stream.to_owned(), OpenAction::Created),
        };
        let writes = how.write || action != OpenAction::Opened;
        if writes && !base_created && node.readonly() {
            return Err(VfsError::AccessDenied);
        }
        if action != OpenAction::Opened {
            self.node_mut(id)?.stream_data_mut(&stored)?.clear();
        }
        let h = MemHandle {
            node: id,
            path: names,
            read: how.read,
            write: how.write,
            stream: Some(stored.clone()),
        };
        let mut info = self.node(id)?.info(id);
        info.is_dir = false;
        info.size = self.stream_len(&h, &stored)?;
        let handle = self.new_handle(h)?;
        Ok(Opened {
            handle,
            action,
            info,
        })
    }

    pub(super) fn stream_len(&self, h: &MemHandle, stored: &str) -> Result<u64, VfsError> {
        let len = self.node(h.node)?.stream_data(stored).len();
        Ok(u64::try_from(len).unwrap_or(u64::MAX))
    }

    pub(super) fn stream_read(
        &self,
        h: &MemHandle,
        stored: &str,
        offset: u64,
        len: usize,
    ) -> Result<Bytes, VfsError> {
        if !h.read {
            return Err(VfsError::AccessDenied);
        }
        let data = self.node(h.node)?.stream_data(stored);
        let Ok(start) = usize::try_from(offset) else {
            return Ok(Bytes::new());
        };
        let end = start.saturating_add(len).min(data.len());
        Ok(data
            .get(start..end)
            .map(Bytes::copy_from_slice)
            .unwrap_or_default())
    }

    pub(super) fn stream_write(
        &mut self,
        h: &MemHandle,
        stored: &str,
        offset: u64,
        data: &[u8],
    ) -> Result<usize, VfsError> {
        if data.is_empty() {
            return Ok(0);
        }
        let start = usize::try_from(offset).map_err(|_| VfsError::DiskFull)?;
        let end = start.checked_add(data.len()).ok_or(VfsError::DiskFull)?;
        if end > MAX_STREAM_LEN {
            return Err(VfsError::DiskFull);
        }
        let buf = self.node_mut(h.node)?.stream_data_mut(stored)?;
        if buf.len() < end {
            buf.resize(end, 0);
        }
        buf.get_mut(start..end)
            .ok_or(VfsError::Internal("stream write range"))?
            .copy_from_slice(data);
        Ok(data.len())
    }

    pub(super) fn stream_set_len(
        &mut self,
        h: &MemHandle,
        stored: &str,
        len: u64,
    ) -> Result<(), VfsError> {
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l <= MAX_STREAM_LEN)
            .ok_or(VfsError::DiskFull)?;
        self.node_mut(h.node)?
            .stream_data_mut(stored)?
            .resize(len, 0);
        Ok(())
    }

    pub(super) fn list_streams(&self, h: &MemHandle) -> Result<Vec<(String, u64)>, VfsError> {
        let sorted: BTreeMap<&str, u64> = self
            .node(h.node)?
            .streams
            .iter()
            .map(|(n, d)| (n.as_str(), u64::try_from(d.len()).unwrap_or(u64::MAX)))
            .collect();
        Ok(sorted.into_iter().map(|(n, l)| (n.to_owned(), l)).collect())
    }

    pub(super) fn remove_stream(
        &mut self,
        path: &SmbPath,
        stream: &str,
        ci: bool,
    ) -> Result<(), VfsError> {
        let Found::Existing { id, .. } = self.resolve(path, ci)?.0 else {
            return Err(VfsError::NotFound);
        };
        let node = self.node_mut(id)?;
        let at = node.stream_index(stream).ok_or(VfsError::NotFound)?;
        node.streams.remove(at);
        Ok(())
    }

    pub(super) fn rename_stream(
        &mut self,
        handle: u64,
        new: &str,
        replace: bool,
    ) -> Result<(), VfsError> {
        validate_stream_name(new)?;
        let h = self
            .handles
            .get(&handle)
            .cloned()
            .ok_or(VfsError::InvalidHandle)?;
        let Some(current) = h.stream else {
            return Err(VfsError::InvalidParameter("not a stream handle"));
        };
        let node = self.node_mut(h.node)?;
        if fold(new) != fold(&current)
            && let Some(other) = node.stream_index(new)
        {
            if !replace {
                return Err(VfsError::Exists);
            }
            node.streams.remove(other);
        }
        let data = node
            .stream_index(&current)
            .map(|at| node.streams.remove(at).1)
            .unwrap_or_default();
        node.streams.push((new.to_owned(), data));
        for other in self.handles.values_mut() {
            if other.node == h.node && other.stream.as_deref() == Some(current.as_str()) {
                other.stream = Some(new.to_owned());
            }
        }
        Ok(())
    }
}
