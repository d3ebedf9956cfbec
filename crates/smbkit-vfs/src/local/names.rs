//! Path resolution beneath the share root, and the case-insensitive name
//! cache.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cap_std::fs::{Metadata, MetadataExt};

use super::{Inner, lock};
use crate::mem::fold;
use crate::{SmbPath, VfsError};

/// Cached directories before the name cache is dropped and restarted.
const CACHE_DIRS: usize = 1024;

/// The case-folded names of one directory, valid while its mtime is
/// unchanged.
#[derive(Debug)]
pub(super) struct DirNames {
    mtime: (i64, i64),
    /// folded name → the smallest on-disk name with that folding.
    names: HashMap<String, String>,
}

pub(super) enum Found {
    Existing(PathBuf),
    Missing { parent: PathBuf, name: String },
}

fn mtime_of(m: &Metadata) -> (i64, i64) {
    (m.mtime(), m.mtime_nsec())
}

impl Inner {
    /// Resolves a client path to on-disk names, exactly or (when enabled)
    /// ignoring case per component.
    pub(super) fn resolve(&self, path: &SmbPath) -> Result<Found, VfsError> {
        let mut rel = PathBuf::new();
        let count = path.components().len();
        for (i, comp) in path.components().enumerate() {
            let last = i.saturating_add(1) == count;
            let candidate = rel.join(comp);
            match self
                .root
                .symlink_metadata(&candidate)
                .map_err(VfsError::from)
            {
                Ok(_) => {
                    rel = candidate;
                    continue;
                }
                Err(VfsError::NotFound) => {}
                Err(VfsError::NotADirectory) => return Err(VfsError::PathNotFound),
                Err(e) => return Err(e),
            }
            if self.opts.case_insensitive
                && let Some(actual) = self.ci_lookup(&rel, comp)?
            {
                rel.push(actual);
                continue;
            }
            if last {
                return Ok(Found::Missing {
                    parent: rel,
                    name: comp.to_owned(),
                });
            }
            return Err(VfsError::PathNotFound);
        }
        Ok(Found::Existing(rel))
    }

    /// Looks `name` up ignoring case in directory `dir` through the cache.
    fn ci_lookup(&self, dir: &Path, name: &str) -> Result<Option<String>, VfsError> {
        let meta = self.lmeta(dir).map_err(|e| match VfsError::from(e) {
            VfsError::NotFound | VfsError::NotADirectory => VfsError::PathNotFound,
            other => other,
        })?;
        let key = (meta.dev(), meta.ino());
        let folded = fold(name);
        {
            let cache = lock(&self.cache);
            if let Some(entry) = cache.get(&key).filter(|e| e.mtime == mtime_of(&meta)) {
                return Ok(entry.names.get(&folded).cloned());
            }
        }
        let read = if dir.as_os_str().is_empty() {
            self.root.entries()
        } else {
            self.root.read_dir(dir)
        };
        let read = read.map_err(|e| match VfsError::from(e) {
            VfsError::NotFound | VfsError::NotADirectory => VfsError::PathNotFound,
            other => other,
        })?;
        let mut names: HashMap<String, String> = HashMap::new();
        for entry in read {
            let Ok(n) = entry?.file_name().into_string() else {
                continue; // not UTF-8: no client can name it
            };
            insert_smallest(&mut names, n);
        }
        let hit = names.get(&folded).cloned();
        let mut cache = lock(&self.cache);
        if cache.len() >= CACHE_DIRS {
            cache.clear();
        }
        cache.insert(
            key,
            DirNames {
                mtime: mtime_of(&meta),
                names,
            },
        );
        Ok(hit)
    }

    /// After creating `name` in `dir`: add it to that directory's cache
    /// entry (if any) and take the new mtime, so bulk creation does not
    /// rebuild the cache each time.
    pub(super) fn cache_created(&self, dir: &Path, name: &str) {
        let Ok(meta) = self.lmeta(dir) else { return };
        let mut cache = lock(&self.cache);
        if let Some(entry) = cache.get_mut(&(meta.dev(), meta.ino())) {
            insert_smallest(&mut entry.names, name.to_owned());
            entry.mtime = mtime_of(&meta);
        }
    }

    pub(super) fn cache_clear(&self) {
        lock(&self.cache).clear();
    }
}

fn insert_smallest(names: &mut HashMap<String, String>, n: String) {
    let f = fold(&n);
    match names.get_mut(&f) {
        Some(existing) if *existing <= n => {}
        Some(existing) => *existing = n,
        None => {
            names.insert(f, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_name_wins() {
        let mut m = HashMap::new();
        insert_smallest(&mut m, "b".into());
        insert_smallest(&mut m, "Readme".into());
        insert_smallest(&mut m, "README".into());
        insert_smallest(&mut m, "readme".into());
        assert_eq!(m["readme"], "README");
        assert_eq!(m["b"], "b");
    }
}
