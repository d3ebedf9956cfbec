//! Per-connection limits (`Config::limits`): each refusal is the documented
//! NTSTATUS, or a disconnect for an over-long compound chain.

use super::*;
use smbkit_session::Limits;
use smbkit_wire::{Command, NtStatus};

fn limited(limits: Limits) -> Client {
    let mut config = config();
    config.limits = limits;
    let mut c = Client::new(connection(config));
    let r = c.negotiate(&[0x0311], &[], &[]);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    c
}

#[test]
fn sessions_per_connection() {
    let mut c = limited(Limits {
        max_sessions: 2,
        ..Limits::default()
    });
    for _ in 0..2 {
        let r = c.session_setup("alice", "correct horse", true);
        assert_eq!(r.header.status, NtStatus::SUCCESS);
    }
    let r = c.session_setup("alice", "correct horse", true);
    assert_eq!(r.header.status, NtStatus::INSUFFICIENT_RESOURCES);
    assert_eq!(c.conn.session_count(), 2);
}

#[test]
fn trees_per_session() {
    let mut c = limited(Limits {
        max_trees: 1,
        ..Limits::default()
    });
    c.session_setup("alice", "correct horse", true);
    let (_, r) = c.tree_connect("Data");
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    let (_, r) = c.tree_connect("Data");
    assert_eq!(r.header.status, NtStatus::INSUFFICIENT_RESOURCES);
}

#[test]
fn compound_length() {
    let mut c = limited(Limits {
        max_compound: 2,
        ..Limits::default()
    });
    c.session_setup("alice", "correct horse", true);
    let chain = |n: usize, c: &mut Client| {
        let mut frame = Vec::new();
        for i in 0..n {
            let mid = c.mid();
            let mut m = message(&header(Command::ECHO, mid, c.session_id, 0), &echo_body());
            if i + 1 < n {
                while !m.len().is_multiple_of(8) {
                    m.push(0);
                }
                let len = m.len() as u32;
                m[20..24].copy_from_slice(&len.to_le_bytes());
            }
            frame.extend_from_slice(&c.finish(m));
        }
        frame
    };
    let two = chain(2, &mut c);
    let out = c.exchange(two).unwrap().unwrap();
    assert_eq!(c.open(out).1.len(), 2);
    let three = chain(3, &mut c);
    assert!(
        c.exchange(three).is_err(),
        "a chain of 3 with max 2 disconnects"
    );
}

#[test]
fn security_buffer_size() {
    let mut c = limited(Limits {
        max_security_buffer: 16,
        ..Limits::default()
    });
    // The SPNEGO NegTokenInit is longer than 16 bytes.
    let r = c.session_setup("alice", "correct horse", true);
    assert_eq!(r.header.status, NtStatus::INVALID_PARAMETER);
    assert!(!c.conn.authenticated());
}

#[test]
fn logon_failures_are_counted_and_authentication_is_visible() {
    let mut c = limited(Limits::default());
    assert!(!c.conn.authenticated());
    let r = c.session_setup("alice", "wrong", true);
    assert_eq!(r.header.status, NtStatus::LOGON_FAILURE);
    let r = c.session_setup("bob", "also wrong", true);
    assert_eq!(r.header.status, NtStatus::LOGON_FAILURE);
    assert_eq!(c.conn.take_logon_failures(), 2);
    assert_eq!(c.conn.take_logon_failures(), 0, "taking resets the count");
    assert!(!c.conn.authenticated());
    let r = c.session_setup("alice", "correct horse", true);
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    assert!(c.conn.authenticated());
    assert_eq!(c.conn.take_logon_failures(), 0);
}
