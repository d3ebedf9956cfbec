//! Unit tests of the byte-range lock rules (MS-FSA 2.1.5.7, and the cases
//! smbtorture's smb2.lock checks).

use super::*;

const FILE: FileKey = FileKey { volume: 0, file: 7 };
const OTHER_FILE: FileKey = FileKey { volume: 0, file: 8 };
const A: OpenId = OpenId {
    persistent: 1,
    volatile: 11,
};
const B: OpenId = OpenId {
    persistent: 2,
    volatile: 22,
};

fn range(offset: u64, length: u64) -> LockRange {
    LockRange::new(offset, length).unwrap()
}

fn spec(offset: u64, length: u64, exclusive: bool) -> LockSpec {
    LockSpec {
        range: range(offset, length),
        exclusive,
    }
}

#[test]
fn invalid_ranges() {
    assert_eq!(
        LockRange::new(u64::MAX, u64::MAX),
        Err(LockError::InvalidRange)
    );
    assert_eq!(LockRange::new(u64::MAX, 2), Err(LockError::InvalidRange));
    assert_eq!(LockRange::new(2, u64::MAX), Err(LockError::InvalidRange));
    assert!(LockRange::new(1, u64::MAX).is_ok());
    // The last byte at 2^64 - 1 is fine, and so is anything of length 0.
    assert!(LockRange::new(u64::MAX, 1).is_ok());
    assert!(LockRange::new(u64::MAX, 0).is_ok());
    assert!(LockRange::new(0, u64::MAX).is_ok());
}

#[test]
fn overlap_with_zero_length_ranges() {
    // smb2.lock.zerobytelength: a zero-byte lock at 10 against others.
    let zero = range(10, 0);
    for (offset, length, expected) in [
        (10, 0, false),
        (9, 1, false),
        (10, 1, false),
        (11, 1, false),
        (9, 2, true),
        (10, 2, false),
        (9, 3, true),
    ] {
        let other = range(offset, length);
        assert_eq!(zero.overlaps(other), expected, "{offset}/{length}");
        assert_eq!(other.overlaps(zero), expected, "{offset}/{length} reversed");
    }
    assert!(!range(0, 0).overlaps(range(0, 0)));
    // Ordinary ranges: touching is not overlapping.
    assert!(range(0, 4).overlaps(range(2, 4)));
    assert!(!range(0, 4).overlaps(range(4, 4)));
    // At the very end of the offset space.
    assert!(range(u64::MAX, 1).overlaps(range(u64::MAX - 1, 2)));
    assert!(!range(u64::MAX, 1).overlaps(range(u64::MAX - 1, 1)));
}

/// Every combination of (held kind, held owner, new kind) on overlapping
/// ranges.
#[test]
fn lock_conflict_matrix() {
    // (held exclusive, held by the same open, new exclusive) -> conflict
    let cases = [
        (false, false, false, false), // shared vs other's shared
        (false, false, true, true),   // exclusive vs other's shared
        (true, false, false, true),   // shared vs other's exclusive
        (true, false, true, true),    // exclusive vs other's exclusive
        (false, true, false, false),  // shared stacks on own shared
        (false, true, true, true),    // exclusive vs own shared
        (true, true, false, false),   // shared stacks on own exclusive
        (true, true, true, true),     // exclusive does not stack
    ];
    for (held_x, same, new_x, conflict) in cases {
        let t = LockTable::new();
        t.lock_one(FILE, A, spec(0, 10, held_x)).unwrap();
        let who = if same { A } else { B };
        let got = t.lock_one(FILE, who, spec(5, 10, new_x));
        assert_eq!(
            got.is_err(),
            conflict,
            "held exclusive {held_x}, same {same}, new exclusive {new_x}"
        );
        if conflict {
            assert_eq!(got, Err(LockError::Conflict));
            assert_eq!(t.count(FILE), 1);
        } else {
            assert_eq!(t.count(FILE), 2);
        }
        // Never across files, never without overlap.
        assert!(t.lock_one(OTHER_FILE, who, spec(5, 10, new_x)).is_ok());
        let fresh = LockTable::new();
        fresh.lock_one(FILE, A, spec(0, 10, held_x)).unwrap();
        assert!(fresh.lock_one(FILE, who, spec(10, 10, new_x)).is_ok());
    }
}

#[test]
fn io_conflict_matrix() {
    // (lock exclusive, I/O by the lock's own open, io) -> conflict
    let cases = [
        (true, true, Io::Read, false),
        (true, true, Io::Write, false),
        (true, false, Io::Read, true),
        (true, false, Io::Write, true),
        (false, true, Io::Read, false),
        (false, true, Io::Write, true),
        (false, false, Io::Read, false),
        (false, false, Io::Write, true),
    ];
    for (exclusive, own, io, conflict) in cases {
        let t = LockTable::new();
        t.lock_one(FILE, A, spec(100, 100, exclusive)).unwrap();
        let who = if own { A } else { B };
        let got = t.check_io(FILE, who, 150, 100, io);
        assert_eq!(
            got,
            if conflict {
                Err(LockError::Conflict)
            } else {
                Ok(())
            },
            "exclusive {exclusive}, own {own}, {io:?}"
        );
        // Outside the range, or zero-length: never.
        assert_eq!(t.check_io(FILE, who, 200, 100, io), Ok(()));
        assert_eq!(t.check_io(FILE, who, 0, 100, io), Ok(()));
        assert_eq!(t.check_io(FILE, who, 150, 0, io), Ok(()));
    }
    // A range running past the end of the offset space is clipped.
    let t = LockTable::new();
    t.lock_one(FILE, A, spec(u64::MAX, 1, true)).unwrap();
    assert_eq!(
        t.check_io(FILE, B, u64::MAX - 1, u64::MAX, Io::Read),
        Err(LockError::Conflict)
    );
}

#[test]
fn unlock_needs_the_exact_range_and_the_owner() {
    let t = LockTable::new();
    t.lock_one(FILE, A, spec(110, 4, false)).unwrap();
    t.lock_one(FILE, A, spec(112, 4, false)).unwrap();
    assert_eq!(t.unlock(FILE, A, range(110, 6)), Err(LockError::NotLocked));
    assert_eq!(t.unlock(FILE, B, range(110, 4)), Err(LockError::NotLocked));
    assert_eq!(
        t.unlock(OTHER_FILE, A, range(110, 4)),
        Err(LockError::NotLocked)
    );
    assert_eq!(t.unlock(FILE, A, range(110, 4)), Ok(()));
    assert_eq!(t.unlock(FILE, A, range(110, 4)), Err(LockError::NotLocked));
    assert_eq!(t.unlock(FILE, A, range(112, 4)), Ok(()));
    assert_eq!(t.count(FILE), 0);
}

#[test]
fn stacked_locks_unlock_exclusive_first() {
    // smb2.lock.stacking / unlock: exclusive, then shared twice, on one
    // range by one open; each unlock releases one, the exclusive first.
    let t = LockTable::new();
    t.lock_one(FILE, A, spec(0, 10, true)).unwrap();
    t.lock_one(FILE, A, spec(0, 10, false)).unwrap();
    t.lock_one(FILE, A, spec(0, 10, false)).unwrap();
    assert_eq!(
        t.lock_one(FILE, B, spec(0, 10, false)),
        Err(LockError::Conflict)
    );
    t.unlock(FILE, A, range(0, 10)).unwrap();
    // The exclusive one is gone: another open may share now, not exclude.
    assert_eq!(
        t.lock_one(FILE, B, spec(0, 10, true)),
        Err(LockError::Conflict)
    );
    t.lock_one(FILE, B, spec(0, 10, false)).unwrap();
    t.unlock(FILE, A, range(0, 10)).unwrap();
    t.unlock(FILE, A, range(0, 10)).unwrap();
    assert_eq!(t.unlock(FILE, A, range(0, 10)), Err(LockError::NotLocked));
    assert_eq!(t.count(FILE), 1);
}

#[test]
fn lock_all_is_all_or_nothing() {
    let t = LockTable::new();
    t.lock_one(FILE, B, spec(10, 10, true)).unwrap();
    let got = t.lock_all(FILE, A, &[spec(0, 10, true), spec(10, 10, true)]);
    assert_eq!(got, Err((1, LockError::Conflict)));
    assert_eq!(t.count(FILE), 1);
    // The first range was rolled back: B can take it.
    t.lock_one(FILE, B, spec(0, 10, true)).unwrap();
    // Elements of one call conflict with each other too.
    let got = t.lock_all(FILE, A, &[spec(30, 10, true), spec(35, 1, true)]);
    assert_eq!(got, Err((1, LockError::Conflict)));
    assert_eq!(t.count(FILE), 2);
    assert_eq!(t.lock_all(FILE, A, &[]), Ok(()));
    // check_all finds the same first conflict and takes nothing.
    assert_eq!(
        t.check_all(FILE, A, &[spec(50, 1, true), spec(10, 1, false)]),
        Err((1, LockError::Conflict))
    );
    assert_eq!(t.check_all(FILE, A, &[spec(50, 1, true)]), Ok(()));
    assert_eq!(t.count(FILE), 2);
    assert_eq!(t.count(OTHER_FILE), 0);
}

#[test]
fn release_drops_every_lock_of_the_open() {
    let t = LockTable::new();
    t.lock_one(FILE, A, spec(0, 8, false)).unwrap();
    t.lock_one(FILE, B, spec(0, 1, false)).unwrap();
    t.lock_one(FILE, A, spec(100, 8, true)).unwrap();
    assert_eq!(t.release(FILE, A), 2);
    assert_eq!(t.release(FILE, A), 0);
    assert_eq!(t.count(FILE), 1);
    // smb2.lock.overlap's last case: a new open may lock byte 7 now.
    t.lock_one(FILE, A, spec(7, 1, true)).unwrap();
    assert_eq!(t.release(FILE, B), 1);
}

#[test]
fn range_test_offsets() {
    // smb2.lock.range: one-byte locks spread over the whole offset space,
    // each open at offset - 1 and offset - 2; all conflict with a retry.
    let t = LockTable::new();
    let step = u64::MAX / 100;
    let offsets: Vec<u64> = (1..=100u64).map(|i| i * step).collect();
    for o in &offsets {
        t.lock_one(FILE, A, spec(o - 1, 1, true)).unwrap();
        t.lock_one(FILE, B, spec(o - 2, 1, true)).unwrap();
    }
    for o in &offsets {
        for who in [A, B] {
            for at in [o - 1, o - 2] {
                assert_eq!(
                    t.lock_one(FILE, who, spec(at, 1, true)),
                    Err(LockError::Conflict)
                );
            }
        }
    }
    for o in &offsets {
        t.unlock(FILE, A, range(o - 1, 1)).unwrap();
        t.unlock(FILE, B, range(o - 2, 1)).unwrap();
    }
    assert_eq!(t.count(FILE), 0);
}

#[tokio::test]
async fn waiter_wakes_on_unlock_and_release() {
    let t = Arc::new(LockTable::new());
    t.lock_one(FILE, A, spec(0, 10, true)).unwrap();
    let waiter = t.waiter(FILE);
    assert_eq!(
        t.lock_one(FILE, B, spec(0, 10, true)),
        Err(LockError::Conflict)
    );
    // The change happens before the wait starts: it is not lost.
    t.unlock(FILE, A, range(0, 10)).unwrap();
    waiter.changed().await;
    t.lock_one(FILE, B, spec(0, 10, true)).unwrap();

    let waiter = t.waiter(FILE);
    let t2 = Arc::clone(&t);
    let task = tokio::spawn(async move {
        waiter.changed().await;
        t2.lock_one(FILE, A, spec(0, 10, true))
    });
    tokio::task::yield_now().await;
    t.release(FILE, B);
    assert_eq!(task.await.unwrap(), Ok(()));
}

#[test]
fn a_file_holds_at_most_max_locks() {
    let t = LockTable::new();
    for i in 0..MAX_LOCKS_PER_FILE as u64 {
        t.lock_one(FILE, A, spec(i * 2, 1, false)).unwrap();
    }
    let last = MAX_LOCKS_PER_FILE as u64 * 2;
    assert_eq!(
        t.lock_one(FILE, B, spec(last, 1, false)),
        Err(LockError::TooMany)
    );
    // A list is refused at the element that does not fit, and rolled back.
    t.unlock(FILE, A, range(0, 1)).unwrap();
    assert_eq!(
        t.lock_all(FILE, B, &[spec(last, 1, true), spec(last + 2, 1, true)]),
        Err((1, LockError::TooMany))
    );
    assert_eq!(t.count(FILE), MAX_LOCKS_PER_FILE - 1);
    // Other files are not affected.
    t.lock_one(OTHER_FILE, B, spec(0, 1, true)).unwrap();
}

#[tokio::test]
async fn waiters_wake_for_their_own_file_only() {
    let t = LockTable::new();
    t.lock_one(FILE, A, spec(0, 10, true)).unwrap();
    t.lock_one(OTHER_FILE, A, spec(0, 10, true)).unwrap();
    let waiter = t.waiter(FILE);
    t.unlock(OTHER_FILE, A, range(0, 10)).unwrap();
    let woke = tokio::time::timeout(std::time::Duration::from_millis(20), waiter.changed()).await;
    assert!(woke.is_err(), "an unlock on another file woke the waiter");
    // Two waiters of one file share its notification; both wake.
    let (w1, w2) = (t.waiter(FILE), t.waiter(FILE));
    t.release(FILE, A);
    w1.changed().await;
    w2.changed().await;
    // A waiter taken when nobody else waits gets a fresh notification.
    let w3 = t.waiter(FILE);
    t.lock_one(FILE, B, spec(0, 1, true)).unwrap();
    t.unlock(FILE, B, range(0, 1)).unwrap();
    w3.changed().await;
}
