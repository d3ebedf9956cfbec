//! Oplocks through CREATE, WRITE and OPLOCK_BREAK (MS-SMB2 3.3.5.9,
//! 3.3.4.6, 3.3.5.22.1): grants, the break notification on the holder's
//! connection, the conflicting CREATE going async until the
//! acknowledgment, the acknowledgment's errors.

use super::*;
use smbkit_dispatch::{DriverEvent, Interim, Notification};
use smbkit_wire::create::{disposition, oplock_level};
use smbkit_wire::oplock_break::{LeaseBreakAck, OplockBreak};
use tokio::sync::mpsc::UnboundedReceiver;

const ALL: u32 = share_access::READ | share_access::WRITE | share_access::DELETE;

fn create_request(name: &str, level: u8) -> Bytes {
    let name = string_to_utf16le(name);
    let req = CreateRequest {
        requested_oplock_level: level,
        impersonation_level: 2,
        desired_access: RW,
        share_access: ALL,
        create_disposition: disposition::OPEN_IF,
        name: &name,
        ..CreateRequest::default()
    };
    message(Command::CREATE, &req)
}

fn created(r: &Response) -> (u8, FileId) {
    assert_eq!(r.status, NtStatus::SUCCESS);
    let msg = with_header_cmd(&r.body, Command::CREATE);
    let c = CreateResponse::decode(&msg).unwrap();
    (c.oplock_level, c.file_id)
}

/// A CREATE tied to a test driver: what goes async arrives on the receiver.
fn attached_create(
    e: &Env,
    name: &str,
    level: u8,
) -> (
    Call,
    UnboundedReceiver<DriverEvent>,
    smbkit_dispatch::CancelHandle,
) {
    let request = Request {
        header: Header {
            command: Command::CREATE,
            message_id: 91,
            ..Header::default()
        },
        message: create_request(name, level),
        related: false,
        session: Arc::clone(&e.session),
        tree: Some(Arc::clone(&e.tree)),
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (interim, handle) = Interim::attached(91, tx);
    (Call::new(request, e.conn).with_interim(interim), rx, handle)
}

fn break_of(n: &Notification) -> OplockBreak {
    assert_eq!(n.command, Command::OPLOCK_BREAK);
    assert_eq!(n.session_id, 0x11);
    OplockBreak::decode(&with_header_cmd(&n.body, Command::OPLOCK_BREAK)).unwrap()
}

async fn ack(e: &Env, file_id: FileId, level: u8) -> Response {
    let body = OplockBreak {
        oplock_level: level,
        file_id,
    };
    e.send(Command::OPLOCK_BREAK, message(Command::OPLOCK_BREAK, &body))
        .await
}

#[tokio::test]
async fn batch_breaks_to_level_ii_and_the_second_create_waits_for_the_ack() {
    let e = env();
    let mut notes = e.d.notifier().register(e.conn);
    let r = e
        .send(
            Command::CREATE,
            create_request("f.txt", oplock_level::BATCH),
        )
        .await;
    let (level, h1) = created(&r);
    assert_eq!(level, oplock_level::BATCH);
    assert!(notes.try_recv().is_err(), "nothing breaks for a lone open");

    let (call, mut went_async, _cancel) = attached_create(&e, "f.txt", oplock_level::BATCH);
    let pending = e.d.call_route(call);
    let (answer, acked) = tokio::join!(pending, async {
        let n = notes.recv().await.unwrap();
        let b = break_of(&n);
        assert_eq!(b.file_id, h1);
        assert_eq!(b.oplock_level, oplock_level::II);
        assert!(matches!(
            went_async.recv().await,
            Some(DriverEvent::Interim(91))
        ));
        ack(&e, h1, oplock_level::II).await
    });
    assert_eq!(acked.status, NtStatus::SUCCESS);
    let b = OplockBreak::decode(&with_header_cmd(&acked.body, Command::OPLOCK_BREAK)).unwrap();
    assert_eq!(b.oplock_level, oplock_level::II);
    let (level, h2) = created(&answer.unwrap());
    assert_eq!(level, oplock_level::II, "a second open gets level II");

    // A write breaks both level II oplocks to none, without waiting.
    assert_eq!(e.write(h2, 0, b"x").await.status, NtStatus::SUCCESS);
    let mut broken = [
        break_of(&notes.recv().await.unwrap()),
        break_of(&notes.recv().await.unwrap()),
    ];
    broken.sort_by_key(|b| b.file_id.persistent);
    assert!(broken.iter().all(|b| b.oplock_level == oplock_level::NONE));
    assert_eq!(broken[0].file_id, h1);
    assert_eq!(broken[1].file_id, h2);
    // Acknowledging a level II break (none is expected) is a protocol error.
    assert_eq!(
        ack(&e, h1, oplock_level::NONE).await.status,
        NtStatus(0xC000_00E3)
    );
}

#[tokio::test]
async fn closing_the_holder_lets_the_waiting_create_through() {
    let e = env();
    let mut notes = e.d.notifier().register(e.conn);
    let r = e
        .send(
            Command::CREATE,
            create_request("g.txt", oplock_level::EXCLUSIVE),
        )
        .await;
    let (level, h1) = created(&r);
    assert_eq!(level, oplock_level::EXCLUSIVE);
    let (call, _went_async, _cancel) = attached_create(&e, "g.txt", oplock_level::EXCLUSIVE);
    let (answer, closed) = tokio::join!(e.d.call_route(call), async {
        let _ = notes.recv().await.unwrap();
        e.close(h1).await
    });
    assert_eq!(closed.status, NtStatus::SUCCESS);
    let (level, _) = created(&answer.unwrap());
    assert_eq!(level, oplock_level::EXCLUSIVE, "alone again: exclusive");
}

#[tokio::test]
async fn acknowledgment_errors() {
    let e = env();
    let (level, h) = created(
        &e.send(
            Command::CREATE,
            create_request("h.txt", oplock_level::BATCH),
        )
        .await,
    );
    assert_eq!(level, oplock_level::BATCH);
    // No break in progress.
    assert_eq!(
        ack(&e, h, oplock_level::II).await.status,
        NtStatus(0xC000_00E3)
    );
    // An unknown open.
    let nobody = FileId {
        persistent: 0x1234,
        volatile: 0x5678,
    };
    assert_eq!(
        ack(&e, nobody, oplock_level::NONE).await.status,
        NtStatus::FILE_CLOSED
    );
    // A lease acknowledgment when no lease exists.
    let lease = LeaseBreakAck {
        lease_key: [7; 16],
        ..LeaseBreakAck::default()
    };
    assert_ne!(
        e.send(
            Command::OPLOCK_BREAK,
            message(Command::OPLOCK_BREAK, &lease)
        )
        .await
        .status,
        NtStatus::SUCCESS
    );
    // Directories get no oplock.
    let name = string_to_utf16le("d");
    let req = CreateRequest {
        requested_oplock_level: oplock_level::BATCH,
        impersonation_level: 2,
        desired_access: access::FILE_READ_ATTRIBUTES,
        share_access: ALL,
        create_disposition: disposition::OPEN_IF,
        create_options: smbkit_wire::create::options::DIRECTORY_FILE,
        name: &name,
        ..CreateRequest::default()
    };
    let r = e
        .send(Command::CREATE, message(Command::CREATE, &req))
        .await;
    assert_eq!(created(&r).0, oplock_level::NONE);
}

fn lease_create(name: &str, key: u8, state: u32) -> Bytes {
    use smbkit_wire::create::context::{Lease, LeaseV2};
    let name = string_to_utf16le(name);
    let lease = Lease::V2(LeaseV2 {
        lease_key: [key; 16],
        lease_state: state,
        epoch: 9,
        ..LeaseV2::default()
    });
    let req = CreateRequest {
        requested_oplock_level: oplock_level::LEASE,
        impersonation_level: 2,
        desired_access: RW,
        share_access: ALL,
        create_disposition: disposition::OPEN_IF,
        name: &name,
        contexts: vec![lease.to_context()],
        ..CreateRequest::default()
    };
    message(Command::CREATE, &req)
}

/// The granted lease of a CREATE response: (OplockLevel, state, epoch, flags).
fn leased(r: &Response) -> (u8, u32, u16, u32, FileId) {
    use smbkit_wire::create::context::{Lease, name};
    assert_eq!(r.status, NtStatus::SUCCESS);
    let msg = with_header_cmd(&r.body, Command::CREATE);
    let c = CreateResponse::decode(&msg).unwrap();
    let ctx = c.contexts.iter().find(|c| c.is(name::LEASE)).unwrap();
    let l = match Lease::decode(&ctx.data).unwrap() {
        Lease::V2(l) => Some(l),
        Lease::V1(_) => None,
    }
    .expect("a v2 request gets a v2 answer");
    (
        c.oplock_level,
        l.lease_state,
        l.epoch,
        l.lease_flags,
        c.file_id,
    )
}

#[tokio::test]
async fn leases_are_granted_shared_by_key_and_broken_for_another_key() {
    use smbkit_wire::oplock_break::LeaseBreakNotification;
    let e = env();
    let mut notes = e.d.notifier().register(e.conn);
    let r = e.send(Command::CREATE, lease_create("l.txt", 1, 7)).await;
    let (level, state, epoch, flags, _) = leased(&r);
    assert_eq!(
        (level, state, epoch, flags),
        (oplock_level::LEASE, 7, 10, 0)
    );
    // The same key again: no break, the lease is shared.
    let r = e.send(Command::CREATE, lease_create("l.txt", 1, 7)).await;
    assert_eq!(leased(&r).1, 7);
    assert!(notes.try_recv().is_err());

    // Another key: RWH breaks to RH, the CREATE waits for the ack.
    let request = Request {
        header: Header {
            command: Command::CREATE,
            message_id: 93,
            ..Header::default()
        },
        message: lease_create("l.txt", 2, 7),
        related: false,
        session: Arc::clone(&e.session),
        tree: Some(Arc::clone(&e.tree)),
    };
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let (interim, _cancel) = Interim::attached(93, tx);
    let call = Call::new(request, e.conn).with_interim(interim);
    let (answer, acked) = tokio::join!(e.d.call_route(call), async {
        let n = notes.recv().await.unwrap();
        let b = LeaseBreakNotification::decode(&with_header_cmd(&n.body, Command::OPLOCK_BREAK))
            .unwrap();
        assert_eq!((b.current_lease_state, b.new_lease_state), (7, 3));
        assert_eq!(b.flags, smbkit_wire::oplock_break::LEASE_BREAK_ACK_REQUIRED);
        assert_eq!(b.new_epoch, 11);
        // Acknowledging more than the break allows is refused.
        let too_much = LeaseBreakAck {
            lease_key: [1; 16],
            lease_state: 7,
            ..LeaseBreakAck::default()
        };
        let refused = e
            .send(
                Command::OPLOCK_BREAK,
                message(Command::OPLOCK_BREAK, &too_much),
            )
            .await;
        assert_eq!(refused.status, NtStatus::REQUEST_NOT_ACCEPTED);
        let ok = LeaseBreakAck {
            lease_key: [1; 16],
            lease_state: 3,
            ..LeaseBreakAck::default()
        };
        e.send(Command::OPLOCK_BREAK, message(Command::OPLOCK_BREAK, &ok))
            .await
    });
    assert_eq!(acked.status, NtStatus::SUCCESS);
    let (_, state, _, _, _) = leased(&answer.unwrap());
    assert_eq!(state, 3, "RH beside the other lease, no W");
    // No break is in progress any more.
    let again = LeaseBreakAck {
        lease_key: [1; 16],
        lease_state: 3,
        ..LeaseBreakAck::default()
    };
    assert_eq!(
        e.send(
            Command::OPLOCK_BREAK,
            message(Command::OPLOCK_BREAK, &again)
        )
        .await
        .status,
        NtStatus::UNSUCCESSFUL
    );
}

#[tokio::test]
async fn streams_take_oplocks_and_leases_of_their_own() {
    let e = env();
    let r = e
        .send(
            Command::CREATE,
            create_request("s.txt", oplock_level::BATCH),
        )
        .await;
    assert_eq!(created(&r).0, oplock_level::BATCH);
    // The stream is another file: a batch oplock beside the base file's.
    let r = e
        .send(
            Command::CREATE,
            create_request("s.txt:one", oplock_level::BATCH),
        )
        .await;
    assert_eq!(created(&r).0, oplock_level::BATCH);
    let r = e
        .send(Command::CREATE, lease_create("s.txt:two", 4, 7))
        .await;
    let (level, state, _, _, _) = leased(&r);
    assert_eq!((level, state), (oplock_level::LEASE, 7));
    // A key names one file: the stream's key may not lease the base file.
    let r = e.send(Command::CREATE, lease_create("s.txt", 4, 7)).await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
}
