//! LOCK (MS-SMB2 3.3.5.14) and the lock checks of READ and WRITE, after
//! the cases of smbtorture's smb2.lock (source4/torture/smb2/lock.c).

use super::*;
use smbkit_wire::create::{disposition, options};
use smbkit_wire::lock::{LockElement, LockRequest, flags};

const S: u32 = flags::SHARED_LOCK;
const X: u32 = flags::EXCLUSIVE_LOCK;
const U: u32 = flags::UNLOCK;
const F: u32 = flags::FAIL_IMMEDIATELY;

impl Env {
    async fn lock(&self, id: FileId, locks: &[(u64, u64, u32)]) -> NtStatus {
        let req = LockRequest {
            lock_sequence: 0,
            file_id: id,
            locks: locks
                .iter()
                .map(|&(offset, length, flags)| LockElement {
                    offset,
                    length,
                    flags,
                })
                .collect(),
        };
        self.send(Command::LOCK, message(Command::LOCK, &req))
            .await
            .status
    }
}

/// A file of 200 bytes and two opens of it.
async fn two_opens(e: &Env) -> (FileId, FileId) {
    let h = e
        .create(
            "lock.dat",
            RW,
            disposition::CREATE,
            options::NON_DIRECTORY_FILE,
        )
        .await
        .unwrap()
        .file_id;
    assert_eq!(e.write(h, 0, &[0u8; 200]).await.status, NtStatus::SUCCESS);
    let h2 = e
        .create("lock.dat", RW, disposition::OPEN, 0)
        .await
        .unwrap()
        .file_id;
    (h, h2)
}

#[tokio::test]
async fn valid_request_rules() {
    let e = env();
    let (h, _) = two_opens(&e).await;
    // No flags at all.
    assert_eq!(e.lock(h, &[(0, 0, 0)]).await, NtStatus::INVALID_PARAMETER);
    // An unknown handle.
    let bad = FileId {
        persistent: h.persistent + 1,
        ..h
    };
    assert_eq!(e.lock(bad, &[(0, 0, 0)]).await, NtStatus::FILE_CLOSED);
    // Beyond the 64-bit offset space.
    assert_eq!(
        e.lock(h, &[(u64::MAX, u64::MAX, X | F)]).await,
        NtStatus::INVALID_LOCK_RANGE
    );
    assert_eq!(
        e.lock(h, &[(u64::MAX, 2, X | F)]).await,
        NtStatus::INVALID_LOCK_RANGE
    );
    // Stacking: exclusive, then shared twice (blocking flags allowed alone),
    // three unlocks, the fourth fails.
    let r = (0xFFFF_FFFF, 0xFFFF_FFFF);
    assert_eq!(e.lock(h, &[(r.0, r.1, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h, &[(r.0, r.1, S)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h, &[(r.0, r.1, S)]).await, NtStatus::SUCCESS);
    for _ in 0..3 {
        assert_eq!(e.lock(h, &[(r.0, r.1, U)]).await, NtStatus::SUCCESS);
    }
    assert_eq!(
        e.lock(h, &[(r.0, r.1, U)]).await,
        NtStatus::RANGE_NOT_LOCKED
    );
    // Flag permutations.
    assert_eq!(
        e.lock(h, &[(1, 1, !0x17)]).await,
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(e.lock(h, &[(1, 1, U)]).await, NtStatus::RANGE_NOT_LOCKED);
    for bad in [U | X, U | S, U | F, X | S, X | S | F, F] {
        assert_eq!(
            e.lock(h, &[(1, 1, bad)]).await,
            NtStatus::INVALID_PARAMETER,
            "{bad:#x}"
        );
    }
    // Two elements.
    let two = |a, b| [(9999, 1, a), (9999, 1, b)];
    assert_eq!(e.lock(h, &two(0, U)).await, NtStatus::INVALID_PARAMETER);
    assert_eq!(e.lock(h, &two(S | F, S)).await, NtStatus::INVALID_PARAMETER);
    assert_eq!(e.lock(h, &two(0, 0)).await, NtStatus::INVALID_PARAMETER);
    assert_eq!(e.lock(h, &two(U, 0)).await, NtStatus::RANGE_NOT_LOCKED);
    assert_eq!(e.lock(h, &[(9999, 1, S)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h, &[(9999, 1, S)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h, &two(U, U)).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h, &[(9999, 1, U)]).await, NtStatus::RANGE_NOT_LOCKED);
}

#[tokio::test]
async fn conflicts_between_opens_are_lock_not_granted() {
    let e = env();
    let (h, h2) = two_opens(&e).await;
    assert_eq!(e.lock(h, &[(100, 10, X | F)]).await, NtStatus::SUCCESS);
    // Every conflict, first or not, own handle or not: LOCK_NOT_GRANTED.
    for _ in 0..3 {
        for id in [h, h2] {
            assert_eq!(
                e.lock(id, &[(100, 10, X | F)]).await,
                NtStatus::LOCK_NOT_GRANTED
            );
            assert_eq!(
                e.lock(id, &[(102, 0, X | F)]).await,
                NtStatus::LOCK_NOT_GRANTED
            );
            assert_eq!(
                e.lock(id, &[(102, 5, X | F)]).await,
                NtStatus::LOCK_NOT_GRANTED
            );
        }
    }
    assert_eq!(
        e.lock(h2, &[(100, 10, S | F)]).await,
        NtStatus::LOCK_NOT_GRANTED
    );
    // Zero-length and end-of-space locks never meet a zero-length lock.
    assert_eq!(e.lock(h, &[(u64::MAX, 0, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h2, &[(u64::MAX, 0, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h, &[(u64::MAX, 1, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(
        e.lock(h2, &[(u64::MAX, 1, X | F)]).await,
        NtStatus::LOCK_NOT_GRANTED
    );
    // The wrong handle cannot unlock.
    assert_eq!(
        e.lock(h2, &[(100, 10, U)]).await,
        NtStatus::RANGE_NOT_LOCKED
    );
    assert_eq!(e.lock(h, &[(100, 10, U)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h2, &[(100, 10, X | F)]).await, NtStatus::SUCCESS);
}

#[tokio::test]
async fn blocking_lock_falls_back_to_lock_not_granted() {
    let e = env();
    let (h, h2) = two_opens(&e).await;
    assert_eq!(e.lock(h, &[(100, 50, X)]).await, NtStatus::SUCCESS);
    let started = std::time::Instant::now();
    assert_eq!(
        e.lock(h2, &[(100, 50, X)]).await,
        NtStatus::LOCK_NOT_GRANTED
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(40));
}

#[tokio::test]
async fn lists_roll_back_and_unlocks_do_not() {
    let e = env();
    let (h, h2) = two_opens(&e).await;
    let a = (0, 10);
    let b = (10, 10);
    // Unlock [a, b] with only b held: a fails first, b stays locked.
    assert_eq!(e.lock(h, &[(b.0, b.1, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(
        e.lock(h, &[(a.0, a.1, U), (b.0, b.1, U)]).await,
        NtStatus::RANGE_NOT_LOCKED
    );
    assert_eq!(
        e.lock(h2, &[(b.0, b.1, X | F)]).await,
        NtStatus::LOCK_NOT_GRANTED
    );
    assert_eq!(e.lock(h, &[(b.0, b.1, U)]).await, NtStatus::SUCCESS);
    // Unlock [a, b] with only a held: a is released, then b fails.
    assert_eq!(e.lock(h, &[(a.0, a.1, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(
        e.lock(h, &[(a.0, a.1, U), (b.0, b.1, U)]).await,
        NtStatus::RANGE_NOT_LOCKED
    );
    assert_eq!(e.lock(h2, &[(a.0, a.1, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h2, &[(a.0, a.1, U)]).await, NtStatus::SUCCESS);
    // Lock [a, b] with b held by another open: neither is taken.
    assert_eq!(e.lock(h2, &[(b.0, b.1, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(
        e.lock(h, &[(a.0, a.1, X | F), (b.0, b.1, X | F)]).await,
        NtStatus::LOCK_NOT_GRANTED
    );
    assert_eq!(e.lock(h2, &[(a.0, a.1, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(
        e.lock(h2, &[(a.0, a.1, U), (b.0, b.1, U)]).await,
        NtStatus::SUCCESS
    );
    // [unlock a, lock b]: the unlock happens, the lock is INVALID_PARAMETER.
    assert_eq!(e.lock(h, &[(a.0, a.1, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(
        e.lock(h, &[(a.0, a.1, U), (b.0, b.1, X | F)]).await,
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(
        e.lock(h, &[(a.0, a.1, X | F), (b.0, b.1, X | F)]).await,
        NtStatus::SUCCESS
    );
    assert_eq!(
        e.lock(h, &[(a.0, a.1, U), (b.0, b.1, U)]).await,
        NtStatus::SUCCESS
    );
    // [lock a, unlock b]: INVALID_PARAMETER, and a is not kept.
    assert_eq!(e.lock(h, &[(b.0, b.1, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(
        e.lock(h, &[(a.0, a.1, X | F), (b.0, b.1, U)]).await,
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(e.lock(h2, &[(a.0, a.1, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(
        e.lock(h2, &[(b.0, b.1, X | F)]).await,
        NtStatus::LOCK_NOT_GRANTED
    );
    // [lock a (conflicts), invalid element]: the conflict comes first.
    assert_eq!(
        e.lock(h, &[(a.0, a.1, X | F), (b.0, b.1, 0)]).await,
        NtStatus::LOCK_NOT_GRANTED
    );
}

#[tokio::test]
async fn read_and_write_meet_the_locks() {
    // smb2.lock.rw-shared and rw-exclusive: locks on [0,100) and [100,200)
    // by h; then I/O on [100,200) by h and by h2.
    for (lock, w1, r1, w2, r2) in [
        (
            S,
            NtStatus::FILE_LOCK_CONFLICT,
            NtStatus::SUCCESS,
            NtStatus::FILE_LOCK_CONFLICT,
            NtStatus::SUCCESS,
        ),
        (
            X,
            NtStatus::SUCCESS,
            NtStatus::SUCCESS,
            NtStatus::FILE_LOCK_CONFLICT,
            NtStatus::FILE_LOCK_CONFLICT,
        ),
    ] {
        let e = env();
        let (h, h2) = two_opens(&e).await;
        assert_eq!(e.lock(h, &[(0, 100, lock)]).await, NtStatus::SUCCESS);
        assert_eq!(e.lock(h, &[(100, 100, lock)]).await, NtStatus::SUCCESS);
        assert_eq!(e.write(h, 100, &[1u8; 100]).await.status, w1);
        assert_eq!(e.read(h, 100, 100, 0).await.status, r1);
        assert_eq!(e.write(h2, 100, &[1u8; 100]).await.status, w2);
        assert_eq!(e.read(h2, 100, 100, 0).await.status, r2);
        // Zero-length reads and writes never conflict.
        assert_eq!(e.read(h2, 5, 0, 0).await.status, NtStatus::SUCCESS);
        assert_eq!(e.write(h2, 5, &[]).await.status, NtStatus::SUCCESS);
        assert_eq!(e.lock(h, &[(100, 100, U)]).await, NtStatus::SUCCESS);
        assert_eq!(
            e.write(h2, 100, &[1u8; 100]).await.status,
            NtStatus::SUCCESS
        );
        assert_eq!(e.read(h2, 100, 100, 0).await.status, NtStatus::SUCCESS);
    }
}

#[tokio::test]
async fn close_releases_the_locks_of_the_open() {
    let e = env();
    let (h, h2) = two_opens(&e).await;
    assert_eq!(e.lock(h, &[(0, 8, S | F)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h2, &[(0, 1, S | F)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h, &[(50, 8, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(e.close(h).await.status, NtStatus::SUCCESS);
    let h3 = e
        .create("lock.dat", RW, disposition::OPEN, 0)
        .await
        .unwrap()
        .file_id;
    assert_eq!(e.lock(h3, &[(7, 1, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h3, &[(50, 8, X | F)]).await, NtStatus::SUCCESS);
    assert_eq!(
        e.write(h2, 50, b"x").await.status,
        NtStatus::FILE_LOCK_CONFLICT
    );
    // A closed handle's LOCK is FILE_CLOSED.
    assert_eq!(e.lock(h, &[(0, 8, U)]).await, NtStatus::FILE_CLOSED);
}

#[tokio::test]
async fn directories_take_no_locks() {
    let e = env();
    let d = e
        .create("dir", RW, disposition::CREATE, options::DIRECTORY_FILE)
        .await
        .unwrap()
        .file_id;
    assert_eq!(
        e.lock(d, &[(0, 1, X | F)]).await,
        NtStatus::INVALID_PARAMETER
    );
}

#[tokio::test]
async fn blocking_lock_is_granted_when_the_range_goes() {
    let e = env();
    let (h, h2) = two_opens(&e).await;
    assert_eq!(e.lock(h, &[(100, 50, X)]).await, NtStatus::SUCCESS);
    let (waited, unlocked) = tokio::join!(e.lock(h2, &[(100, 50, X)]), async {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        e.lock(h, &[(100, 50, U)]).await
    });
    assert_eq!(unlocked, NtStatus::SUCCESS);
    assert_eq!(waited, NtStatus::SUCCESS);
    assert_eq!(
        e.lock(h, &[(100, 50, X | F)]).await,
        NtStatus::LOCK_NOT_GRANTED
    );
}

#[tokio::test]
async fn blocking_lock_of_a_closed_open_is_range_not_locked() {
    // smb2.lock.cancel, "cancel by close": the waiting open is closed.
    let e = env();
    let (h, h2) = two_opens(&e).await;
    assert_eq!(e.lock(h, &[(100, 10, X)]).await, NtStatus::SUCCESS);
    let (waited, closed) = tokio::join!(e.lock(h2, &[(100, 10, X)]), async {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        e.close(h2).await.status
    });
    assert_eq!(closed, NtStatus::SUCCESS);
    assert_eq!(waited, NtStatus::RANGE_NOT_LOCKED);
    // Nothing of h2 is left behind.
    assert_eq!(e.lock(h, &[(100, 10, U)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h, &[(100, 10, X | F)]).await, NtStatus::SUCCESS);
}

/// A LOCK call tied to a (test) connection driver: the MessageIds that go
/// async arrive on the receiver, the handle cancels.
fn attached_lock(
    e: &Env,
    id: FileId,
    locks: &[(u64, u64, u32)],
) -> (
    Call,
    tokio::sync::mpsc::UnboundedReceiver<smbkit_dispatch::DriverEvent>,
    smbkit_dispatch::CancelHandle,
) {
    let req = LockRequest {
        lock_sequence: 0,
        file_id: id,
        locks: locks
            .iter()
            .map(|&(offset, length, flags)| LockElement {
                offset,
                length,
                flags,
            })
            .collect(),
    };
    let request = Request {
        header: Header {
            command: Command::LOCK,
            message_id: 77,
            ..Header::default()
        },
        message: message(Command::LOCK, &req),
        related: false,
        session: Arc::clone(&e.session),
        tree: Some(Arc::clone(&e.tree)),
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (interim, handle) = smbkit_dispatch::Interim::attached(77, tx);
    (Call::new(request, e.conn).with_interim(interim), rx, handle)
}

#[tokio::test]
async fn blocking_lock_goes_async_and_is_granted_on_unlock() {
    // smb2.lock.async.
    let e = env();
    let (h, h2) = two_opens(&e).await;
    assert_eq!(e.lock(h, &[(100, 50, X)]).await, NtStatus::SUCCESS);
    let (call, mut went_async, _cancel) = attached_lock(&e, h2, &[(100, 50, X)]);
    let pending = e.d.call_route(call);
    let (answer, unlocked) = tokio::join!(pending, async {
        // The interim response is asked for before anything else happens.
        assert!(matches!(
            went_async.recv().await,
            Some(smbkit_dispatch::DriverEvent::Interim(77))
        ));
        // Far longer than the detached fallback: it really waits.
        tokio::time::sleep(std::time::Duration::from_millis(120)).await;
        e.lock(h, &[(100, 50, U)]).await
    });
    assert_eq!(unlocked, NtStatus::SUCCESS);
    assert_eq!(answer.unwrap().status, NtStatus::SUCCESS);
    assert_eq!(
        e.lock(h, &[(100, 50, X | F)]).await,
        NtStatus::LOCK_NOT_GRANTED
    );
}

#[tokio::test]
async fn cancelled_blocking_lock_is_cancelled_and_takes_nothing() {
    // smb2.lock.cancel: CANCEL, and an unlock of the pending range first.
    let e = env();
    let (h, h2) = two_opens(&e).await;
    assert_eq!(e.lock(h, &[(100, 10, X)]).await, NtStatus::SUCCESS);
    let (call, mut went_async, cancel) = attached_lock(&e, h2, &[(100, 10, X)]);
    let pending = e.d.call_route(call);
    let (answer, ()) = tokio::join!(pending, async {
        assert!(matches!(
            went_async.recv().await,
            Some(smbkit_dispatch::DriverEvent::Interim(77))
        ));
        assert_eq!(
            e.lock(h2, &[(100, 10, U)]).await,
            NtStatus::RANGE_NOT_LOCKED
        );
        cancel.cancel();
    });
    assert_eq!(answer.unwrap().status, NtStatus::CANCELLED);
    // h2 holds nothing; once h unlocks, h2 gets the range at once.
    assert_eq!(e.lock(h, &[(100, 10, U)]).await, NtStatus::SUCCESS);
    assert_eq!(e.lock(h2, &[(100, 10, X | F)]).await, NtStatus::SUCCESS);
}
