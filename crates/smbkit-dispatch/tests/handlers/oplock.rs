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
