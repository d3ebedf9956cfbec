//! The open table: ids, ownership, share modes through the table,
//! delete-pending and delete-on-close.

use smbkit_state::{Access, FileKey, OpenTable, Owner, ShareMode, StateError};

const OWNER: Owner = Owner {
    connection: 1,
    session: 10,
    tree: 100,
};
const FILE: FileKey = FileKey { volume: 0, file: 7 };

fn access(read: bool, write: bool, delete: bool) -> Access {
    Access {
        read,
        write,
        delete,
    }
}

fn share(read: bool, write: bool, delete: bool) -> ShareMode {
    ShareMode {
        read,
        write,
        delete,
    }
}

#[test]
fn ids_are_distinct_and_never_placeholders() {
    let t = OpenTable::new();
    let mut seen = std::collections::HashSet::new();
    for i in 0..500u64 {
        let o = t
            .insert(
                OWNER,
                FileKey { volume: 0, file: i },
                "x",
                Access::NONE,
                ShareMode::NONE,
                false,
                i,
            )
            .unwrap();
        assert_ne!(o.id.persistent, 0);
        assert_ne!(o.id.volatile, 0);
        assert_ne!(o.id.persistent, u64::MAX);
        assert_ne!(o.id.volatile, u64::MAX);
        assert!(seen.insert(o.id));
        assert_eq!(t.get(o.id).unwrap().data, i);
    }
    assert_eq!(t.len(), 500);
}

#[test]
fn sharing_violation_both_ways() {
    let t = OpenTable::new();
    // A reader that shares read and write but not delete.
    let a = t
        .insert(
            OWNER,
            FILE,
            "f",
            access(true, false, false),
            share(true, true, false),
            false,
            (),
        )
        .unwrap();
    // Delete access is not shared by the first open.
    assert_eq!(
        t.insert(
            OWNER,
            FILE,
            "f",
            access(false, false, true),
            ShareMode::ALL,
            false,
            ()
        )
        .unwrap_err(),
        StateError::SharingViolation
    );
    // A writer that does not share read, while a reader is open.
    assert_eq!(
        t.check(FILE, access(false, true, false), share(false, true, true)),
        Err(StateError::SharingViolation)
    );
    // A writer sharing everything is fine.
    let b = t
        .insert(
            OWNER,
            FILE,
            "f",
            access(false, true, false),
            ShareMode::ALL,
            false,
            (),
        )
        .unwrap();
    assert_eq!(t.opens_of(FILE), 2);
    // Attribute-only opens pass even with share none.
    t.insert(OWNER, FILE, "f", Access::NONE, ShareMode::NONE, false, ())
        .unwrap();
    // Another file is unaffected.
    t.check(
        FileKey { volume: 0, file: 8 },
        access(true, true, true),
        ShareMode::NONE,
    )
    .unwrap();
    // The same file id on another volume is another file.
    t.check(
        FileKey { volume: 1, file: 7 },
        access(true, true, true),
        ShareMode::NONE,
    )
    .unwrap();
    t.remove(a.id).unwrap();
    t.remove(b.id).unwrap();
    // Only the attribute-only open is left: an exclusive open works now.
    t.check(FILE, access(true, true, true), ShareMode::NONE)
        .unwrap();
}

#[test]
fn delete_on_close_applies_at_close_and_last_close_deletes() {
    let t = OpenTable::new();
    let a = t
        .insert(
            OWNER,
            FILE,
            "dir\\f",
            access(false, false, true),
            ShareMode::ALL,
            true,
            (),
        )
        .unwrap();
    let b = t
        .insert(
            OWNER,
            FILE,
            "dir\\f",
            access(true, false, false),
            ShareMode::ALL,
            false,
            (),
        )
        .unwrap();
    // Not pending until the delete-on-close open closes.
    assert!(!t.delete_pending(FILE));
    let closed = t.remove(a.id).unwrap();
    assert!(closed.delete.is_none());
    assert!(t.delete_pending(FILE));
    assert_eq!(
        t.check(FILE, Access::NONE, ShareMode::ALL),
        Err(StateError::DeletePending)
    );
    let closed = t.remove(b.id).unwrap();
    assert_eq!(closed.delete.as_deref(), Some("dir\\f"));
    // The file's state is gone with its last open.
    assert!(!t.delete_pending(FILE));
    assert!(t.remove(b.id).is_none());
}

#[test]
fn disposition_can_be_cleared() {
    let t = OpenTable::new();
    let a = t
        .insert(
            OWNER,
            FILE,
            "f",
            access(false, false, true),
            ShareMode::ALL,
            false,
            (),
        )
        .unwrap();
    assert!(t.set_delete_pending(FILE, true));
    assert!(t.delete_pending(FILE));
    assert!(t.set_delete_pending(FILE, false));
    assert!(t.remove(a.id).unwrap().delete.is_none());
    assert!(!t.set_delete_pending(FILE, true));
}

#[test]
fn rename_changes_the_name_to_delete() {
    let t = OpenTable::new();
    let a = t
        .insert(OWNER, FILE, "old", Access::NONE, ShareMode::ALL, true, ())
        .unwrap();
    t.rename(FILE, "new");
    assert_eq!(t.name(FILE).as_deref(), Some("new"));
    assert!(t.any_open_name(0, FileKey { volume: 0, file: 1 }, |n| n == "new"));
    assert!(!t.any_open_name(0, FILE, |n| n == "new"));
    assert_eq!(t.remove(a.id).unwrap().delete.as_deref(), Some("new"));
}

#[test]
fn close_by_owner() {
    let t = OpenTable::new();
    let owners = [
        OWNER,
        Owner { tree: 101, ..OWNER },
        Owner {
            session: 11,
            ..OWNER
        },
        Owner {
            connection: 2,
            ..OWNER
        },
    ];
    for (i, o) in owners.iter().enumerate() {
        for j in 0..3u64 {
            t.insert(
                *o,
                FileKey {
                    volume: 0,
                    file: (i as u64) * 10 + j,
                },
                "x",
                Access::NONE,
                ShareMode::ALL,
                false,
                (),
            )
            .unwrap();
        }
    }
    assert_eq!(t.close_tree(1, 10, 100).len(), 3);
    assert_eq!(t.len(), 9);
    // The session close takes tree 101 (tree 100 is gone already).
    assert_eq!(t.close_session(1, 10).len(), 3);
    assert_eq!(t.close_connection(1).len(), 3);
    assert_eq!(t.len(), 3);
    assert!(t.get_all_owned_by(2));
    assert_eq!(t.close_connection(2).len(), 3);
    assert!(t.is_empty());
}

trait OwnedBy {
    fn get_all_owned_by(&self, connection: u64) -> bool;
}

impl OwnedBy for OpenTable<()> {
    fn get_all_owned_by(&self, connection: u64) -> bool {
        let mut all = true;
        self.remove_where(|o| {
            all &= o.owner.connection == connection;
            false
        });
        all
    }
}

#[test]
fn position_and_mode_are_per_open() {
    let t = OpenTable::new();
    let rw = access(true, true, false);
    let a = t
        .insert(OWNER, FILE, "f", rw, ShareMode::ALL, false, ())
        .unwrap();
    let b = t
        .insert(OWNER, FILE, "f", rw, ShareMode::ALL, false, ())
        .unwrap();
    assert_eq!((a.position(), a.mode()), (0, None));
    a.set_position(123_456);
    a.set_mode(2);
    assert_eq!((a.position(), a.mode()), (123_456, Some(2)));
    assert_eq!((b.position(), b.mode()), (0, None));
    a.set_mode(0);
    assert_eq!(a.mode(), Some(0));
}

#[test]
fn opens_per_connection_are_capped() {
    let t = OpenTable::new();
    t.set_max_per_connection(2);
    let open = |owner: Owner, file: u64| {
        t.insert(
            owner,
            FileKey { volume: 0, file },
            "f",
            Access::NONE,
            share(true, true, true),
            false,
            (),
        )
    };
    let a = open(OWNER, 1).unwrap();
    let _b = open(OWNER, 2).unwrap();
    assert_eq!(open(OWNER, 3).unwrap_err(), StateError::TooManyOpens);
    assert_eq!(t.opens_of_connection(OWNER.connection), 2);
    // Another connection has its own allowance.
    let other = Owner {
        connection: 2,
        ..OWNER
    };
    open(other, 3).unwrap();
    // A close frees a slot.
    t.remove(a.id).unwrap();
    open(OWNER, 3).unwrap();
    // Closing a connection's opens resets its count.
    assert_eq!(t.close_connection(OWNER.connection).len(), 2);
    assert_eq!(t.opens_of_connection(OWNER.connection), 0);
}
