//! The in-memory tree's lookups and bookkeeping: resolving paths,
//! handles, ids, capacity.

use super::*;

impl State {
    pub(super) fn node(&self, id: u64) -> Result<&Node, VfsError> {
        self.nodes
            .get(&id)
            .ok_or(VfsError::Internal("dangling node id"))
    }

    pub(super) fn node_mut(&mut self, id: u64) -> Result<&mut Node, VfsError> {
        self.nodes
            .get_mut(&id)
            .ok_or(VfsError::Internal("dangling node id"))
    }

    pub(super) fn handle(&self, h: Handle) -> Result<MemHandle, VfsError> {
        self.handles
            .get(&h.0)
            .cloned()
            .ok_or(VfsError::InvalidHandle)
    }

    /// The handle, if it is a file opened for writing (the check WRITE and
    /// SET_LEN share): a directory is IsADirectory, a read-only open
    /// AccessDenied.
    pub(super) fn writable_file(&self, h: Handle) -> Result<MemHandle, VfsError> {
        let handle = self.handle(h)?;
        if handle.stream.is_none() && self.node(handle.node)?.is_dir() {
            return Err(VfsError::IsADirectory);
        }
        if !handle.write {
            return Err(VfsError::AccessDenied);
        }
        Ok(handle)
    }

    /// Finds `name` in directory `dir`: the exact name, else (when
    /// `ci`) the smallest name equal ignoring case.
    pub(super) fn lookup(
        &self,
        dir: u64,
        name: &str,
        ci: bool,
    ) -> Result<Option<(String, u64)>, VfsError> {
        let Kind::Dir(children) = &self.node(dir)?.kind else {
            return Err(VfsError::PathNotFound);
        };
        if let Some(id) = children.get(name) {
            return Ok(Some((name.to_owned(), *id)));
        }
        if ci {
            let folded = fold(name);
            if let Some((n, id)) = children.iter().find(|(n, _)| fold(n) == folded) {
                return Ok(Some((n.clone(), *id)));
            }
        }
        Ok(None)
    }

    pub(super) fn resolve(&self, path: &SmbPath, ci: bool) -> Result<(Found, Vec<u64>), VfsError> {
        let mut cur = ROOT;
        let mut parent = None;
        let mut names = Vec::new();
        let mut chain = vec![ROOT];
        let count = path.components().len();
        for (i, comp) in path.components().enumerate() {
            let last = i.saturating_add(1) == count;
            if !self.node(cur)?.is_dir() {
                return Err(VfsError::PathNotFound);
            }
            match self.lookup(cur, comp, ci)? {
                Some((name, id)) => {
                    names.push(name);
                    parent = Some(cur);
                    cur = id;
                    chain.push(id);
                }
                None if last => {
                    names.push(comp.to_owned());
                    return Ok((Found::Missing { parent: cur, names }, chain));
                }
                None => return Err(VfsError::PathNotFound),
            }
        }
        Ok((
            Found::Existing {
                id: cur,
                parent,
                names,
            },
            chain,
        ))
    }

    /// The node at `names` (exact, as stored).
    pub(super) fn at(&self, names: &[String]) -> Option<u64> {
        let mut cur = ROOT;
        for n in names {
            match &self.nodes.get(&cur)?.kind {
                Kind::Dir(children) => cur = *children.get(n)?,
                Kind::File(_) => return None,
            }
        }
        Some(cur)
    }

    pub(super) fn used(&self) -> u64 {
        self.nodes
            .values()
            .fold(0u64, |acc, n| acc.saturating_add(n.len()))
    }

    pub(super) fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    pub(super) fn new_handle(&mut self, h: MemHandle) -> Result<Handle, VfsError> {
        let id = self.next_handle;
        self.next_handle = self.next_handle.saturating_add(1);
        let node = self.node_mut(h.node)?;
        node.opens = node.opens.saturating_add(1);
        self.handles.insert(id, h);
        Ok(Handle(id))
    }

    pub(super) fn children_mut(
        &mut self,
        dir: u64,
    ) -> Result<&mut BTreeMap<String, u64>, VfsError> {
        match &mut self.node_mut(dir)?.kind {
            Kind::Dir(c) => Ok(c),
            Kind::File(_) => Err(VfsError::NotADirectory),
        }
    }

    /// Drops a node that has neither a name nor an open handle.
    pub(super) fn maybe_free(&mut self, id: u64) {
        if self
            .nodes
            .get(&id)
            .is_some_and(|n| !n.linked && n.opens == 0)
        {
            self.nodes.remove(&id);
        }
    }

    pub(super) fn check_capacity(&self, old: u64, new: u64, capacity: u64) -> Result<(), VfsError> {
        if new > old && self.used().saturating_sub(old).saturating_add(new) > capacity {
            return Err(VfsError::DiskFull);
        }
        Ok(())
    }
}
