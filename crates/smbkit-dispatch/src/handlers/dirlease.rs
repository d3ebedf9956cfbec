//! Directory leases (MS-SMB2 3.3.4.7): when the contents of a directory
//! change, the leases on it break to none, so that a client caching its
//! listing and its handle learns of the change.
//!
//! Every change reaches [`dir_changed`]: SMB's own (a child created,
//! deleted, renamed in or out, its attributes, times or size set, a child
//! that was written closed) through the change-notify hooks, and changes
//! made outside SMB by the same hooks. The open that made an SMB change
//! may name the directory's lease as its ParentLeaseKey: that lease does
//! not break (the client knows what it did).

use std::time::Instant;

use smbkit_state::{FileKey, LeaseKey};
use smbkit_vfs::{SmbPath, Vfs};

use crate::files::{FileServer, OpenRef};

/// The contents of the directory holding `path` (on share number
/// `share`) changed: its directory leases break to none, except the one
/// whose key is `except` (the ParentLeaseKey of the open that made the
/// change, when SMB made it). The change does not wait for the
/// acknowledgments.
pub(crate) fn dir_changed<V>(
    server: &FileServer<V>,
    share: usize,
    path: &SmbPath,
    except: Option<LeaseKey>,
) {
    let Some(parent) = path.parent() else {
        return;
    };
    let volume = share as u64;
    let leased = server.oplocks.leased_dirs(volume);
    if leased.is_empty() {
        return;
    }
    let wanted = parent.to_string().to_lowercase();
    let now = Instant::now();
    for dir in leased {
        if !is_named(server, dir, &wanted) {
            continue;
        }
        let breaks = server.oplocks.break_dir(dir, except, now);
        if !breaks.is_empty() {
            tracing::debug!(%parent, count = breaks.len(), "directory lease break");
            super::oplock_break::send_lease_breaks(server, &breaks);
        }
    }
}

/// Whether the open file `dir` is now called `name` (lower case).
fn is_named<V>(server: &FileServer<V>, dir: FileKey, name: &str) -> bool {
    server
        .opens
        .name(dir)
        .is_some_and(|n| n.to_lowercase() == name)
}

/// [`dir_changed`] for a change made through `open` at `path`: the lease
/// named by the open's ParentLeaseKey stays.
pub(crate) fn changed_by<V>(server: &FileServer<V>, open: &OpenRef, path: &SmbPath) {
    if server.oplocks.take_told(open.id) {
        // The deletion was announced at the close (see [`closing`]).
        return;
    }
    let except = server.oplocks.parent_key(open.id);
    dir_changed(server, open.data.share, path, except);
}

/// A WRITE through `open`: its directory learns of it when the open closes
/// (the last write time is set then), see [`closing`].
pub(crate) fn written<V>(server: &FileServer<V>, open: &OpenRef) {
    server.oplocks.note_written(open.id);
}

/// `open` is about to close: if it wrote, or if its close deletes the file
/// (the last open of a file to be deleted), its directory's contents
/// change. Told now, while the open's ParentLeaseKey is known (the
/// deletion itself comes after the open's lease is gone).
pub(crate) fn closing<V: Vfs>(server: &FileServer<V>, open: &OpenRef) {
    let deletes = server.opens.opens_of(open.file) == 1
        && (open.delete_on_close() || server.opens.delete_pending(open.file));
    if server.oplocks.take_written(open.id) || deletes {
        let path = server.path_of(open);
        changed_by(server, open, &path);
        if deletes {
            server.oplocks.note_told(open.id);
        }
    }
}
