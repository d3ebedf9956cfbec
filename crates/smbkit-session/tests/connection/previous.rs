//! PreviousSessionId (MS-SMB2 3.3.5.5.3): a sign-in naming an old session
//! of the same user ends it, on this connection or another.

use super::*;
use smbkit_session::PreviousSession;
use smbkit_wire::{Command, NtStatus};

/// alice signs in again on `c` naming `previous`; returns the new id.
fn sign_in_again(c: &mut Client, user: &str, password: &str, previous: u64) -> u64 {
    c.previous_session_id = previous;
    let r = c.session_setup(user, password, true);
    c.previous_session_id = 0;
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    c.session_id
}

#[test]
fn a_sign_in_naming_a_session_of_the_same_user_ends_it() {
    // Same connection (smbtorture smb2.session.reconnect2).
    let mut c = signed_in(&[0x0311], &[], &[]);
    let old = c.session_id;
    let old_signer = c.signer.take();
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    assert!(c.conn.take_previous_sessions().is_empty());
    let new = sign_in_again(&mut c, "ALICE", "correct horse", old);
    let asked = c.conn.take_previous_sessions();
    assert_eq!(asked, vec![PreviousSession::new(old, "ALICE", new)]);
    // The session that asked is never ended by it.
    assert_eq!(
        c.conn
            .end_previous_session(&PreviousSession::new(new, "alice", new)),
        None
    );
    assert_eq!(c.conn.end_previous_session(&asked[0]), Some(vec![]));
    assert!(c.conn.take_previous_sessions().is_empty());
    assert_eq!(c.conn.session_count(), 1);
    // The old session is gone, the new one works.
    let new_signer = c.signer.take();
    c.session_id = old;
    c.signer = old_signer;
    let (_, r) = c.request(Command::CREATE, tid, &create_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::USER_SESSION_DELETED);
    c.session_id = new;
    c.signer = new_signer;
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::SUCCESS);
}

#[test]
fn another_connection_ends_it_and_other_users_sessions_stay() {
    // smbtorture smb2.session.reconnect1: the old session is on another
    // connection; the driver hands the request over.
    let mut first = signed_in(&[0x0302], &[], &[]);
    let old = first.session_id;
    let mut second = Client::new(connection(config()));
    second.negotiate(&[0x0311], &[], &[]);
    let new = sign_in_again(&mut second, "alice", "correct horse", old);
    let asked = second.conn.take_previous_sessions();
    assert_eq!(asked.len(), 1);
    // Not on the asking connection.
    assert_eq!(second.conn.end_previous_session(&asked[0]), None);
    // bob may not end alice's session.
    let bob = PreviousSession::new(old, "bob", new);
    assert_eq!(first.conn.end_previous_session(&bob), None);
    let (_, r) = first.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    // alice may.
    assert_eq!(first.conn.end_previous_session(&asked[0]), Some(vec![]));
    let (_, r) = first.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.status, NtStatus::USER_SESSION_DELETED);
}

#[test]
fn a_request_in_flight_on_the_ended_session_is_cancelled() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let old = c.session_id;
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    // A CREATE handed to dispatch and not answered yet.
    let mid = c.mid();
    let frame = c.finish(message(
        &header(Command::CREATE, mid, old, tid),
        &create_body(),
    ));
    let batch = c.conn.receive(frame, NOW).unwrap();
    assert!(batch.has_pending());
    let mut other = Client::new(connection(config()));
    other.negotiate(&[0x0311], &[], &[]);
    let new = sign_in_again(&mut other, "alice", "correct horse", old);
    let asked = PreviousSession::new(old, "alice", new);
    assert_eq!(c.conn.end_previous_session(&asked), Some(vec![mid]));
}

#[test]
fn no_previous_session_is_named_by_zero_itself_or_a_failed_sign_in() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let old = c.session_id;
    c.previous_session_id = old;
    let r = c.session_setup("alice", "wrong", true);
    assert_eq!(r.header.status, NtStatus::LOGON_FAILURE);
    c.previous_session_id = 0;
    assert!(c.conn.take_previous_sessions().is_empty());
    sign_in_again(&mut c, "bob", "hunter2", 0);
    assert!(c.conn.take_previous_sessions().is_empty());
}
