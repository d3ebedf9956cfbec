//! Requests that go async: the interim STATUS_PENDING answer, the final
//! answer in the async header form, CANCEL by MessageId and by AsyncId,
//! several batches in flight, and notifications the server sends unasked.

use super::*;
use smbkit_session::{Batch, NOTIFICATION_MESSAGE_ID, Response};
use smbkit_wire::{Command, HeaderFlags, HeaderId, NtStatus};

/// A tree-bound request the session hands to dispatch (a CHANGE_NOTIFY-like
/// body; the session never parses it).
fn notify_body() -> Vec<u8> {
    let mut b = vec![32, 0];
    b.resize(32, 0);
    b
}

/// Sends one request and returns its still pending batch.
fn send(c: &mut Client, command: Command, tree: u32, credits: u16) -> (u64, Batch) {
    let mid = c.mid();
    let mut h = header(command, mid, c.session_id, tree);
    h.credits = credits;
    let body = if command == Command::TREE_DISCONNECT {
        vec![4, 0, 0, 0]
    } else {
        notify_body()
    };
    let frame = c.finish(message(&h, &body));
    let batch = c.conn.receive(frame, NOW).unwrap();
    (mid, batch)
}

fn strip(frame: Vec<u8>) -> Vec<u8> {
    let len = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
    assert_eq!(len, frame.len() - 4, "Direct-TCP length prefix");
    frame[4..].to_vec()
}

fn answer(batch: &mut Batch, status: NtStatus) {
    dispatch(batch, &|_| Some(Response::error(status)));
}

#[test]
fn interim_then_final_in_the_async_form() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    let (mid, mut batch) = send(&mut c, Command::CHANGE_NOTIFY, tid, 7);
    assert!(batch.has_pending());
    assert_eq!(c.conn.requests_in_flight(), 1);

    let interim = c.conn.interim(mid).unwrap().expect("an interim response");
    let (sealed, replies) = c.open(strip(interim));
    assert!(!sealed);
    let r = &replies[0];
    assert_eq!(r.header.status, NtStatus::PENDING);
    assert_eq!(r.header.command, Command::CHANGE_NOTIFY);
    assert_eq!(r.header.message_id, mid);
    assert!(r.header.flags.contains(HeaderFlags::ASYNC_COMMAND));
    assert!(r.header.flags.contains(HeaderFlags::SERVER_TO_REDIR));
    let async_id = r.header.async_id().expect("async header form");
    assert_ne!(async_id, 0, "AsyncId is nonzero");
    assert_eq!(r.header.credits, 7, "the interim grants the credits");
    assert_eq!(r.header.session_id, c.session_id);
    assert_eq!(&r.bytes[64..], &[9, 0, 0, 0, 0, 0, 0, 0, 0], "ERROR body");
    c.verify(r);
    // Going async twice sends nothing more.
    assert_eq!(c.conn.interim(mid).unwrap(), None);

    answer(&mut batch, NtStatus::CANCELLED);
    let out = c.conn.respond(batch).unwrap().unwrap();
    let (_, replies) = c.open(strip(out));
    let f = &replies[0];
    assert_eq!(f.header.status, NtStatus::CANCELLED);
    assert_eq!(f.header.message_id, mid);
    assert_eq!(f.header.id, HeaderId::Async { async_id });
    assert!(f.header.flags.contains(HeaderFlags::ASYNC_COMMAND));
    assert_eq!(f.header.credits, 0, "the interim already granted them");
    c.verify(f);
    assert_eq!(c.conn.requests_in_flight(), 0);
    // Answered: no interim any more.
    assert_eq!(c.conn.interim(mid).unwrap(), None);
}

#[test]
fn a_request_that_never_goes_async_is_answered_as_before() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    let (mid, mut batch) = send(&mut c, Command::QUERY_INFO, tid, 5);
    answer(&mut batch, NtStatus::ACCESS_DENIED);
    let frame = strip(c.conn.respond(batch).unwrap().unwrap());
    let (_, replies) = c.open(frame);
    let r = &replies[0];
    assert_eq!(r.header.message_id, mid);
    assert!(!r.header.flags.contains(HeaderFlags::ASYNC_COMMAND));
    assert_eq!(r.header.tree_id(), Some(tid));
    assert_eq!(r.header.credits, 5);
    c.verify(r);
}

#[test]
fn interim_and_final_are_sealed_for_a_sealed_request() {
    let mut c = signed_in(&[0x0311], &[smbkit_seal::Cipher::Aes128Gcm.id()], &[]);
    c.seal = true;
    let (_, t) = c.tree_connect("Secret");
    let tid = t.header.tree_id().unwrap();
    let (mid, mut batch) = send(&mut c, Command::CHANGE_NOTIFY, tid, 1);
    let frame = strip(c.conn.interim(mid).unwrap().unwrap());
    let (sealed, replies) = c.open(frame);
    assert!(sealed, "interim sealed like the request");
    assert_eq!(replies[0].header.status, NtStatus::PENDING);
    assert!(!replies[0].header.flags.contains(HeaderFlags::SIGNED));
    answer(&mut batch, NtStatus::SUCCESS);
    let frame = strip(c.conn.respond(batch).unwrap().unwrap());
    let (sealed, replies) = c.open(frame);
    assert!(sealed, "final sealed");
    assert!(replies[0].header.flags.contains(HeaderFlags::ASYNC_COMMAND));
}

#[test]
fn cancel_by_message_id_and_by_async_id() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    let (first, _b1) = send(&mut c, Command::CHANGE_NOTIFY, tid, 1);
    let (second, _b2) = send(&mut c, Command::LOCK, tid, 1);

    // Sync CANCEL names the MessageId; it takes no id of its own.
    let cancel = c.finish(message(
        &header(Command::CANCEL, first, c.session_id, tid),
        &[4, 0, 0, 0],
    ));
    let batch = c.conn.receive(cancel, NOW).unwrap();
    assert!(batch.is_empty(), "CANCEL gets no answer");
    assert_eq!(batch.cancelled, vec![first]);
    assert!(batch.closing.is_empty(), "a CANCEL closes nothing");

    // Async CANCEL names the AsyncId the interim gave.
    let frame = strip(c.conn.interim(second).unwrap().unwrap());
    let (_, replies) = c.open(frame);
    let async_id = replies[0].header.async_id().unwrap();
    let mut h = header(Command::CANCEL, 0, c.session_id, 0);
    h.id = HeaderId::Async { async_id };
    h.flags = HeaderFlags::ASYNC_COMMAND;
    let batch = c
        .conn
        .receive(c.finish(message(&h, &[4, 0, 0, 0])), NOW)
        .unwrap();
    assert_eq!(batch.cancelled, vec![second]);

    // Unknown ids are ignored silently.
    let mut h = header(Command::CANCEL, 0, c.session_id, 0);
    h.id = HeaderId::Async {
        async_id: async_id + 100,
    };
    let batch = c
        .conn
        .receive(c.finish(message(&h, &[4, 0, 0, 0])), NOW)
        .unwrap();
    assert!(batch.cancelled.is_empty() && batch.is_empty());
    let cancel = c.finish(message(
        &header(Command::CANCEL, 9999, c.session_id, tid),
        &[4, 0, 0, 0],
    ));
    let batch = c.conn.receive(cancel, NOW).unwrap();
    assert!(batch.cancelled.is_empty() && batch.is_empty());
    assert_eq!(c.conn.requests_in_flight(), 2);

    // A CANCEL with a broken signature is ignored.
    let mut cancel = c.finish(message(
        &header(Command::CANCEL, first, c.session_id, tid),
        &[4, 0, 0, 0],
    ));
    cancel[50] ^= 1;
    let batch = c.conn.receive(cancel, NOW).unwrap();
    assert!(batch.cancelled.is_empty());
}

#[test]
fn batches_are_answered_in_any_order() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    let (first, mut b1) = send(&mut c, Command::READ, tid, 1);
    let (second, mut b2) = send(&mut c, Command::WRITE, tid, 1);
    assert_eq!(c.conn.requests_in_flight(), 2);
    answer(&mut b2, NtStatus::SUCCESS);
    let frame = strip(c.conn.respond(b2).unwrap().unwrap());
    let (_, r2) = c.open(frame);
    answer(&mut b1, NtStatus::END_OF_FILE);
    let frame = strip(c.conn.respond(b1).unwrap().unwrap());
    let (_, r1) = c.open(frame);
    assert_eq!(r2[0].header.message_id, second);
    assert_eq!(r1[0].header.message_id, first);
    assert_eq!(r1[0].header.status, NtStatus::END_OF_FILE);
    c.verify(&r1[0]);
    c.verify(&r2[0]);
    assert_eq!(c.conn.requests_in_flight(), 0);
}

#[test]
fn logoff_and_tree_disconnect_cancel_their_requests() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let (_, t1) = c.tree_connect("Data");
    let (_, t2) = c.tree_connect("Data");
    let (t1, t2) = (t1.header.tree_id().unwrap(), t2.header.tree_id().unwrap());
    let (on1, _b1) = send(&mut c, Command::CHANGE_NOTIFY, t1, 1);
    let (on2, _b2) = send(&mut c, Command::CHANGE_NOTIFY, t2, 1);
    let (_, batch) = send(&mut c, Command::TREE_DISCONNECT, t1, 1);
    assert_eq!(batch.cancelled, vec![on1]);
    assert_eq!(batch.closing, vec![on1], "its tree went");
    let mid = c.mid();
    let frame = c.finish(message(
        &header(Command::LOGOFF, mid, c.session_id, 0),
        &[4, 0, 0, 0],
    ));
    let batch = c.conn.receive(frame, NOW).unwrap();
    assert_eq!(
        batch.cancelled,
        vec![on1, on2],
        "everything of the session still in flight (on1 was never answered)"
    );
    assert_eq!(batch.closing, vec![on1, on2], "their session went");
}

#[test]
fn notifications_have_the_unsolicited_form() {
    let c = signed_in(&[0x0311], &[smbkit_seal::Cipher::Aes128Gcm.id()], &[]);
    let body = [
        24u8, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
    ];
    let mut b = body.to_vec();
    b.resize(24, 0);
    let frame = c
        .conn
        .notification(c.session_id, Command::OPLOCK_BREAK, &b, false)
        .unwrap();
    let (sealed, replies) = c.open(strip(frame));
    assert!(!sealed);
    let r = &replies[0];
    assert_eq!(r.header.message_id, NOTIFICATION_MESSAGE_ID);
    assert_eq!(r.header.command, Command::OPLOCK_BREAK);
    assert_eq!(r.header.session_id, 0);
    assert_eq!(r.header.tree_id(), Some(0));
    assert_eq!(r.header.credits, 0);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    assert!(r.header.flags.contains(HeaderFlags::SERVER_TO_REDIR));
    assert!(
        !r.header.flags.contains(HeaderFlags::SIGNED),
        "never signed"
    );
    assert_eq!(r.header.signature, [0; 16]);
    assert_eq!(&r.bytes[64..], &b[..]);
    // For a tree that encrypts: sealed with the session's key.
    let frame = c
        .conn
        .notification(c.session_id, Command::OPLOCK_BREAK, &b, true)
        .unwrap();
    let (sealed, replies) = c.open(strip(frame));
    assert!(sealed);
    assert_eq!(replies[0].header.message_id, NOTIFICATION_MESSAGE_ID);
    // Sealing for a session that has no key is refused.
    assert!(
        c.conn
            .notification(0x1234, Command::OPLOCK_BREAK, &b, true)
            .is_err()
    );
}

#[test]
fn a_chain_answered_in_two_parts_around_an_interim() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    let first = c.mid();
    let second = c.mid();
    let (frame, _) = {
        let mut chain = message(
            &header(Command::QUERY_INFO, first, c.session_id, tid),
            &notify_body(),
        );
        while !chain.len().is_multiple_of(8) {
            chain.push(0);
        }
        let next = chain.len() as u32;
        chain[20..24].copy_from_slice(&next.to_le_bytes());
        let mut m2 = message(
            &header(Command::CHANGE_NOTIFY, second, c.session_id, tid),
            &notify_body(),
        );
        let signer = c.signer.as_ref().unwrap();
        chain[16] |= HeaderFlags::SIGNED.0 as u8;
        signer.sign(&mut chain).unwrap();
        m2[16] |= HeaderFlags::SIGNED.0 as u8;
        signer.sign(&mut m2).unwrap();
        chain.extend_from_slice(&m2);
        (chain, ())
    };
    let mut batch = c.conn.receive(frame, NOW).unwrap();
    assert_eq!(batch.items.len(), 2);
    answer(&mut batch, NtStatus::NO_MORE_FILES);
    let front = batch.take_front(1);
    assert_eq!((front.items.len(), batch.items.len()), (1, 1));
    let out = strip(c.conn.respond(front).unwrap().unwrap());
    let (_, replies) = c.open(out);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].header.message_id, first);
    assert_eq!(replies[0].header.next_command, 0);
    c.verify(&replies[0]);
    let out = strip(c.conn.interim(second).unwrap().unwrap());
    let (_, replies) = c.open(out);
    assert_eq!(replies[0].header.status, NtStatus::PENDING);
    let out = strip(c.conn.respond(batch).unwrap().unwrap());
    let (_, replies) = c.open(out);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].header.message_id, second);
    assert!(replies[0].header.flags.contains(HeaderFlags::ASYNC_COMMAND));
    assert_eq!(replies[0].header.credits, 0);
    c.verify(&replies[0]);
    assert_eq!(c.conn.requests_in_flight(), 0);
}
