//! LOCK (MS-SMB2 3.3.5.14): take or release byte-range locks of an open.
//!
//! * The first element decides the kind of request. An unlock request
//!   (first element SMB2_LOCKFLAG_UNLOCK) releases its ranges in order;
//!   an element with other flags is INVALID_PARAMETER and a range the open
//!   does not hold exactly is RANGE_NOT_LOCKED, and the ranges released
//!   before stay released (3.3.5.14.1).
//! * A lock request takes its ranges in order, all or nothing
//!   (3.3.5.14.2): an element whose flags are not exactly SHARED or
//!   EXCLUSIVE, each optionally with FAIL_IMMEDIATELY, is
//!   INVALID_PARAMETER; so is one without FAIL_IMMEDIATELY in a list of
//!   more than one; a range past 2^64 - 1 is INVALID_LOCK_RANGE; a conflict
//!   is LOCK_NOT_GRANTED (SMB2 has no FILE_LOCK_CONFLICT for locks, whatever
//!   the earlier failures were: smb2.lock.errorcode). Whichever comes first
//!   in the list decides the status, and nothing of the list stays locked.
//!   A file holds at most `MAX_LOCKS_PER_FILE` locks; beyond that the
//!   answer is INSUFFICIENT_RESOURCES.
//! * A single lock without FAIL_IMMEDIATELY that conflicts goes
//!   asynchronous (interim STATUS_PENDING) and waits for the range: OK when
//!   it gets it, RANGE_NOT_LOCKED when its own open is closed meanwhile,
//!   CANCELLED on CANCEL (RANGE_NOT_LOCKED when a TREE_DISCONNECT or LOGOFF
//!   took its tree away).
//! * LockSequenceNumber/Index (replay detection for resilient, durable and
//!   persistent opens) is ignored: no such opens exist yet.

use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::Poll;
use core::time::Duration;
use std::sync::Arc;

use smbkit_state::{Io, LockError, LockRange, LockSpec};
use smbkit_vfs::Vfs;
use smbkit_wire::lock::{LockElement, LockRequest, LockResponse, flags};
use smbkit_wire::{NtStatus, Pdu};

use super::{Answer, encode_failed, malformed};
use crate::files::{FileServer, OpenRef};
use crate::{Call, Response};

/// How long a blocking lock waits for a conflicting range to go before
/// LOCK_NOT_GRANTED when it cannot go asynchronous (a call outside a
/// connection driver, with a detached `Interim`).
pub(crate) const BLOCKING_FALLBACK: Duration = Duration::from_millis(50);

pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    let req = LockRequest::decode(&call.request.message).map_err(|e| malformed(&e))?;
    let open = server.open_for(call, req.file_id)?;
    if open.data.is_dir {
        // MS-FSA 2.1.5.7: no byte-range locks on a directory.
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let first = req.locks.first().ok_or(NtStatus::INVALID_PARAMETER)?;
    if first.flags & flags::UNLOCK != 0 {
        unlock(server, &open, &req.locks)?;
    } else {
        // A byte-range lock breaks level II oplocks (MS-FSA 2.1.5.7).
        super::oplock_break::contend(server, call, open.file, || {
            smbkit_state::Contention::Write { by: open.id }
        })
        .await?;
        lock(server, call, &open, &req.locks).await?;
    }
    let body = LockResponse
        .encode_body_to_vec()
        .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(NtStatus::SUCCESS, body))
}

/// Whether `open` may read or write `length` bytes at `offset` under the
/// byte-range locks of its file (MS-FSA 2.1.5.2, 2.1.5.3): else
/// FILE_LOCK_CONFLICT. READ and WRITE ask.
pub(crate) fn io_allowed<V>(
    server: &FileServer<V>,
    open: &OpenRef,
    offset: u64,
    length: u64,
    io: Io,
) -> Result<(), NtStatus> {
    server
        .locks
        .check_io(open.file, open.id, offset, length, io)
        .map_err(|_| NtStatus::FILE_LOCK_CONFLICT)
}

/// Releases each element's range in order (3.3.5.14.1).
fn unlock<V>(
    server: &FileServer<V>,
    open: &OpenRef,
    elements: &[LockElement],
) -> Result<(), NtStatus> {
    for element in elements {
        if element.flags != flags::UNLOCK {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        // A range that cannot be locked cannot be held either.
        let range = LockRange::new(element.offset, element.length)
            .map_err(|_| NtStatus::RANGE_NOT_LOCKED)?;
        server
            .locks
            .unlock(open.file, open.id, range)
            .map_err(|_| NtStatus::RANGE_NOT_LOCKED)?;
    }
    Ok(())
}

/// What one element of a lock request asks for, or the status that fails
/// the request at this element.
fn spec(element: &LockElement, count: usize) -> Result<LockSpec, NtStatus> {
    let fail_immediately = element.flags & flags::FAIL_IMMEDIATELY != 0;
    let exclusive = match element.flags & !flags::FAIL_IMMEDIATELY {
        flags::SHARED_LOCK => false,
        flags::EXCLUSIVE_LOCK => true,
        _ => return Err(NtStatus::INVALID_PARAMETER),
    };
    if count > 1 && !fail_immediately {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let range =
        LockRange::new(element.offset, element.length).map_err(|_| NtStatus::INVALID_LOCK_RANGE)?;
    Ok(LockSpec { range, exclusive })
}

/// Takes the elements' ranges, all or nothing (3.3.5.14.2).
async fn lock<V>(
    server: &FileServer<V>,
    call: &Call,
    open: &OpenRef,
    elements: &[LockElement],
) -> Result<(), NtStatus> {
    let mut specs = Vec::with_capacity(elements.len());
    let mut invalid = None;
    for element in elements {
        match spec(element, elements.len()) {
            Ok(s) => specs.push(s),
            Err(status) => {
                invalid = Some(status);
                break;
            }
        }
    }
    if let Some(status) = invalid {
        // The elements before the invalid one are tried first: a conflict
        // among them is what the client hears.
        return match server.locks.check_all(open.file, open.id, &specs) {
            Ok(()) => Err(status),
            Err(_) => Err(NtStatus::LOCK_NOT_GRANTED),
        };
    }
    match server.locks.lock_all(open.file, open.id, &specs) {
        Ok(()) => held_by_live_open(server, open),
        Err((_, LockError::TooMany)) => Err(NtStatus::INSUFFICIENT_RESOURCES),
        Err(_) => match (specs.as_slice(), elements) {
            ([single], [element]) if element.flags & flags::FAIL_IMMEDIATELY == 0 => {
                wait_for(server, call, open, *single).await
            }
            _ => Err(NtStatus::LOCK_NOT_GRANTED),
        },
    }
}

/// After locking: if the open was closed meanwhile (its locks already
/// released), release what was just taken for it.
fn held_by_live_open<V>(server: &FileServer<V>, open: &OpenRef) -> Result<(), NtStatus> {
    if server.opens.get(open.id).is_some() {
        return Ok(());
    }
    server.locks.release(open.file, open.id);
    Err(NtStatus::FILE_CLOSED)
}

/// A blocking lock: goes asynchronous (the interim STATUS_PENDING goes out)
/// and waits until the range can be locked (OK), its own open is closed
/// (RANGE_NOT_LOCKED), or the request is cancelled (see
/// [`cancelled_status`]). Outside a connection driver (a detached
/// [`Interim`](crate::Interim)) it waits [`BLOCKING_FALLBACK`] at most,
/// then answers LOCK_NOT_GRANTED.
async fn wait_for<V>(
    server: &FileServer<V>,
    call: &Call,
    open: &OpenRef,
    spec: LockSpec,
) -> Result<(), NtStatus> {
    let interim = &call.interim;
    interim.go_async();
    let asynchronous = interim.went_async();
    let tree_refs = tree_refs(call);
    let now = tokio::time::Instant::now();
    let deadline = now.checked_add(BLOCKING_FALLBACK).unwrap_or(now);
    loop {
        let waiter = server.locks.waiter(open.file);
        if server.opens.get(open.id).is_none() {
            return Err(NtStatus::RANGE_NOT_LOCKED);
        }
        match server.locks.lock_one(open.file, open.id, spec) {
            Ok(()) => return held_by_live_open(server, open),
            Err(LockError::Conflict) => {}
            Err(LockError::TooMany) => return Err(NtStatus::INSUFFICIENT_RESOURCES),
            Err(_) => return Err(NtStatus::LOCK_NOT_GRANTED),
        }
        if !asynchronous {
            if tokio::time::timeout_at(deadline, waiter.changed())
                .await
                .is_err()
            {
                return Err(NtStatus::LOCK_NOT_GRANTED);
            }
            continue;
        }
        if let Woke::Cancelled = first(waiter.changed(), interim.cancelled()).await {
            return Err(cancelled_status(server, call, open, tree_refs));
        }
    }
}

/// How many references the request's tree connect had when the lock went
/// waiting: the session layer's tree table holds one of them.
fn tree_refs(call: &Call) -> usize {
    call.request.tree.as_ref().map_or(0, Arc::strong_count)
}

/// The answer of a waiting lock whose request was cancelled.
///
/// An explicit CANCEL is STATUS_CANCELLED. A TREE_DISCONNECT or LOGOFF
/// cancels it too, but there Windows closes the tree's opens and the
/// waiting lock ends as its open closes: RANGE_NOT_LOCKED (smb2.lock's
/// cancel-tdis and cancel-logoff accept that or OK). The cancellation does
/// not say why, so the tree connect tells: when it has lost the session
/// layer's reference since the lock started waiting, the tree is gone.
fn cancelled_status<V>(
    server: &FileServer<V>,
    call: &Call,
    open: &OpenRef,
    refs_before: usize,
) -> NtStatus {
    if server.opens.get(open.id).is_none() || tree_refs(call) < refs_before {
        NtStatus::RANGE_NOT_LOCKED
    } else {
        NtStatus::CANCELLED
    }
}

/// Which of two events came first.
enum Woke {
    /// The locks changed.
    Changed,
    /// The request was cancelled.
    Cancelled,
}

/// Waits for `changed` or `cancelled`, whichever completes first (the
/// cancellation wins a tie).
async fn first(changed: impl Future<Output = ()>, cancelled: impl Future<Output = ()>) -> Woke {
    let mut changed = pin!(changed);
    let mut cancelled = pin!(cancelled);
    poll_fn(|cx| {
        if cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Woke::Cancelled);
        }
        if changed.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Woke::Changed);
        }
        Poll::Pending
    })
    .await
}
