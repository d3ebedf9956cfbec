//! Oplock breaks: the notifications the server sends (MS-SMB2 3.3.4.6),
//! how a conflicting request waits for them (3.3.5.9: CREATE goes async
//! until the holder acknowledges, closes, or the break times out), and the
//! OPLOCK_BREAK request, the client's acknowledgment (3.3.5.22.1).
//!
//! The state itself (who holds what, what breaks) is
//! [`smbkit_state::OplockTable`]; this module only speaks the wire.

use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::Poll;
use std::time::Instant;

use bytes::Bytes;
use smbkit_state::{
    AckError, Break, Contention, FileKey, LeaseBreak, LeaseError, LeaseId, LeaseState, OpenId,
    OplockLevel, Outcome, Owner,
};
use smbkit_vfs::Vfs;
use smbkit_wire::create::oplock_level;
use smbkit_wire::oplock_break::{
    BreakMessage, LEASE_BREAK_ACK_REQUIRED, LeaseBreakAck, LeaseBreakNotification, OplockBreak,
};
use smbkit_wire::{Command, FileId, NtStatus, Pdu};

use super::{Answer, encode_failed, malformed};
use crate::files::FileServer;
use crate::outbound::Notification;
use crate::{Call, Response};

/// The state's level for a wire OplockLevel (LEASE and unknown values are
/// none: leases are not oplocks).
pub(crate) fn from_wire(level: u8) -> OplockLevel {
    match level {
        oplock_level::II => OplockLevel::LevelII,
        oplock_level::EXCLUSIVE => OplockLevel::Exclusive,
        oplock_level::BATCH => OplockLevel::Batch,
        _ => OplockLevel::None,
    }
}

/// The wire OplockLevel of a state level.
pub(crate) fn to_wire(level: OplockLevel) -> u8 {
    match level {
        OplockLevel::None => oplock_level::NONE,
        OplockLevel::LevelII => oplock_level::II,
        OplockLevel::Exclusive => oplock_level::EXCLUSIVE,
        OplockLevel::Batch => oplock_level::BATCH,
    }
}

fn file_id(id: OpenId) -> FileId {
    FileId {
        persistent: id.persistent,
        volatile: id.volatile,
    }
}

/// Queues the break notifications (MS-SMB2 2.2.23.1) on the holders'
/// connections. A holder whose connection is gone or does not read is
/// left to the break timeout.
pub(crate) fn send_breaks<V: Vfs>(server: &FileServer<V>, breaks: &[Break]) {
    for b in breaks {
        let body = OplockBreak {
            oplock_level: to_wire(b.to),
            file_id: file_id(b.open),
        }
        .encode_body_to_vec();
        tracing::debug!(open = ?b.open, to = ?b.to, "oplock break");
        queue(server, b.open, b.owner, body, "oplock break");
    }
}

/// Queues one break notification (`body`, or its encoding failure) on the
/// connection of `owner`, sealed when the share of `open` demands
/// encryption (MS-SMB2 3.3.4.6, 3.3.4.7), as the session's own encryption
/// already is.
fn queue<V>(
    server: &FileServer<V>,
    open: OpenId,
    owner: Owner,
    body: Result<Vec<u8>, smbkit_wire::WireError>,
    what: &str,
) {
    let body = match body {
        Ok(body) => body,
        Err(e) => {
            tracing::warn!(error = %e, what, "encoding a break failed");
            return;
        }
    };
    let encrypt = server
        .opens
        .get(open)
        .and_then(|o| o.data.tree.upgrade())
        .is_some_and(|t| t.encrypt);
    let notification = Notification {
        session_id: owner.session,
        command: Command::OPLOCK_BREAK,
        body: Bytes::from(body),
        encrypt,
    };
    if let Err(e) = server.notifier.send(owner.connection, notification) {
        tracing::debug!(error = %e, what, "break not queued");
    }
}

/// What ended a wait for a break.
enum Woke {
    Cancelled,
    Completed,
    TimedOut,
}

/// STATUS_INVALID_OPLOCK_PROTOCOL (MS-ERREF 2.3.1).
const INVALID_OPLOCK_PROTOCOL: NtStatus = NtStatus(0xC000_00E3);

/// Queues the lease break notifications (MS-SMB2 2.2.23.2) on the
/// connection of an open of each lease (sealed when its session or its
/// share seals).
pub(crate) fn send_lease_breaks<V>(server: &FileServer<V>, breaks: &[LeaseBreak]) {
    for b in breaks {
        let body = LeaseBreakNotification {
            new_epoch: b.epoch,
            flags: if b.ack_required {
                LEASE_BREAK_ACK_REQUIRED
            } else {
                0
            },
            lease_key: b.key,
            current_lease_state: b.from.0,
            new_lease_state: b.to.0,
            ..LeaseBreakNotification::default()
        }
        .encode_body_to_vec();
        tracing::debug!(from = b.from.0, to = b.to.0, "lease break");
        queue(server, b.open, b.owner, body, "lease break");
    }
}

/// Contends for `file` with `what` until no break is outstanding: sends the
/// breaks, goes async while a holder must acknowledge, and waits for the
/// acknowledgment, the holder's close, or the break timeout.
///
/// `recheck` is asked again after every wait (for a new open: whether the
/// share-mode check fails now, which decides what breaks).
///
/// # Errors
/// STATUS_CANCELLED when the request is cancelled while it waits.
pub(crate) async fn contend<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    file: FileKey,
    mut what: impl FnMut() -> Contention,
) -> Result<(), NtStatus> {
    let mut retry = false;
    loop {
        let mut contention = what();
        if let Contention::Open { retry: r, .. } = &mut contention {
            *r = retry;
        }
        retry = true;
        match server.oplocks.contend(file, contention, Instant::now()) {
            Outcome::Proceed {
                breaks,
                lease_breaks,
            } => {
                send_breaks(server, &breaks);
                send_lease_breaks(server, &lease_breaks);
                return Ok(());
            }
            Outcome::Wait {
                breaks,
                lease_breaks,
                deadline,
                mut wait,
            } => {
                send_breaks(server, &breaks);
                send_lease_breaks(server, &lease_breaks);
                call.interim.go_async();
                let mut changed = pin!(wait.changed());
                let mut sleep = pin!(tokio::time::sleep_until(deadline.into()));
                let mut cancelled = pin!(call.interim.cancelled());
                let woke = poll_fn(|cx| {
                    if cancelled.as_mut().poll(cx).is_ready() {
                        Poll::Ready(Woke::Cancelled)
                    } else if changed.as_mut().poll(cx).is_ready() {
                        Poll::Ready(Woke::Completed)
                    } else if sleep.as_mut().poll(cx).is_ready() {
                        Poll::Ready(Woke::TimedOut)
                    } else {
                        Poll::Pending
                    }
                })
                .await;
                match woke {
                    Woke::Cancelled => return Err(NtStatus::CANCELLED),
                    Woke::Completed => {}
                    Woke::TimedOut => {
                        server.oplocks.expire(file, Instant::now());
                    }
                }
            }
        }
    }
}

/// OPLOCK_BREAK from the client: an oplock break acknowledgment (2.2.24.1)
/// or a lease break acknowledgment (2.2.24.2).
pub(crate) async fn handle<V: Vfs>(server: &FileServer<V>, call: &Call) -> Answer {
    match BreakMessage::decode(&call.request.message).map_err(|e| malformed(&e))? {
        BreakMessage::Oplock(ack) => acknowledge_oplock(server, call, ack),
        BreakMessage::LeaseAck(ack) => acknowledge_lease(server, call, ack),
        BreakMessage::LeaseNotification(_) => Err(NtStatus::INVALID_PARAMETER),
    }
}

/// MS-SMB2 3.3.5.22.1.
fn acknowledge_oplock<V: Vfs>(server: &FileServer<V>, call: &Call, ack: OplockBreak) -> Answer {
    let open = server.lookup(call, ack.file_id)?;
    let id = open.id;
    if !server.oplocks.breaking(id) {
        // Samba and Windows answer this (MS-SMB2 names
        // INVALID_DEVICE_STATE); smb2.oplock.levelii500 checks it.
        return Err(INVALID_OPLOCK_PROTOCOL);
    }
    // Only none and level II are levels a break goes to.
    if ack.oplock_level != oplock_level::NONE && ack.oplock_level != oplock_level::II {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let level = server
        .oplocks
        .acknowledge(id, from_wire(ack.oplock_level))
        .map_err(|e| match e {
            AckError::NotBreaking => INVALID_OPLOCK_PROTOCOL,
            _ => NtStatus::INTERNAL_ERROR,
        })?;
    let body = OplockBreak {
        oplock_level: to_wire(level),
        file_id: ack.file_id,
    }
    .encode_body_to_vec()
    .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(NtStatus::SUCCESS, body))
}

/// MS-SMB2 3.3.5.22.2: the lease break acknowledgment. When a contention
/// since the break asked for less, the next break goes out at once.
fn acknowledge_lease<V: Vfs>(server: &FileServer<V>, call: &Call, ack: LeaseBreakAck) -> Answer {
    let (state, next) = server
        .oplocks
        .acknowledge_lease(
            &LeaseId {
                client: call.request.session.client_guid,
                key: ack.lease_key,
            },
            LeaseState(ack.lease_state),
            Instant::now(),
        )
        .map_err(|e| match e {
            LeaseError::NotFound => NtStatus::OBJECT_NAME_NOT_FOUND,
            LeaseError::NotBreaking => NtStatus::UNSUCCESSFUL,
            LeaseError::NotAccepted => NtStatus::REQUEST_NOT_ACCEPTED,
            _ => NtStatus::INVALID_PARAMETER,
        })?;
    send_lease_breaks(server, next.as_slice());
    let body = LeaseBreakAck {
        flags: 0,
        lease_key: ack.lease_key,
        lease_state: state.0,
        lease_duration: 0,
    }
    .encode_body_to_vec()
    .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(NtStatus::SUCCESS, body))
}
