//! Compounded requests (related and unrelated, error cascade), credits and
//! message ids.

use super::*;
use smbkit_session::{Item, Response};
use smbkit_wire::{Command, HeaderFlags, NtStatus};

/// Builds a compound of (command, related, body) with the client's ids.
fn compound(c: &mut Client, parts: &[(Command, bool, &[u8])], tid: u32) -> (Vec<u8>, Vec<u64>) {
    let mut frame = Vec::new();
    let mut mids = Vec::new();
    let n = parts.len();
    for (i, (cmd, related, body)) in parts.iter().enumerate() {
        let mid = c.mid();
        mids.push(mid);
        let mut h = header(*cmd, mid, c.session_id, tid);
        if *related {
            h.flags = h.flags.with(HeaderFlags::RELATED_OPERATIONS);
            h.session_id = u64::MAX;
            h.id = smbkit_wire::HeaderId::Sync {
                process_id: 0xFEFF,
                tree_id: u32::MAX,
            };
        }
        let mut m = message(&h, body);
        if i + 1 < n {
            while !m.len().is_multiple_of(8) {
                m.push(0);
            }
            let len = m.len() as u32;
            m[20..24].copy_from_slice(&len.to_le_bytes());
        }
        let m = c.finish(m);
        frame.extend_from_slice(&m);
    }
    (frame, mids)
}

#[test]
fn compounds_related_and_cascade() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let (_, r) = c.tree_connect("Data");
    let tid = r.header.tree_id().unwrap();
    // ECHO + related ECHO: both answered, chained, each signed.
    let echo = echo_body();
    let (frame, mids) = compound(
        &mut c,
        &[(Command::ECHO, false, &echo), (Command::ECHO, true, &echo)],
        0,
    );
    let out = c.exchange(frame).unwrap().unwrap();
    let (_, replies) = c.open(out);
    assert_eq!(replies.len(), 2);
    for (r, mid) in replies.iter().zip(&mids) {
        assert_eq!(r.header.message_id, *mid);
        assert_eq!(r.header.status, NtStatus::SUCCESS);
        c.verify(r);
    }
    assert_eq!(replies[0].header.next_command as usize % 8, 0);
    assert!(
        replies[1]
            .header
            .flags
            .contains(HeaderFlags::RELATED_OPERATIONS)
    );

    // CREATE (dispatch fails it) + related CREATE: the second gets the same status.
    let body = create_body();
    let (frame, _) = compound(
        &mut c,
        &[
            (Command::CREATE, false, &body),
            (Command::CREATE, true, &body),
        ],
        tid,
    );
    let mut batch = c.conn.receive(frame, NOW).unwrap();
    assert_eq!(batch.items.len(), 2);
    for item in &mut batch.items {
        let Item::Pending { request, response } = item else {
            panic!("pending")
        };
        assert_eq!(request.session.id, c.session_id, "inherited SessionId");
        assert_eq!(request.tree.as_ref().unwrap().id, tid, "inherited TreeId");
        *response = Some(if request.related {
            Response::new(NtStatus::SUCCESS, vec![89, 0])
        } else {
            Response::error(NtStatus::OBJECT_NAME_NOT_FOUND)
        });
    }
    let out = c.conn.respond(batch).unwrap().unwrap();
    let (_, replies) = c.open(out[4..].to_vec());
    assert_eq!(replies[0].header.status, NtStatus::OBJECT_NAME_NOT_FOUND);
    assert_eq!(replies[1].header.status, NtStatus::OBJECT_NAME_NOT_FOUND);
    c.verify(&replies[1]);

    // Only a failed CREATE cascades: CREATE ok + related QUERY_DIRECTORY that
    // finds nothing + related CLOSE: the CLOSE keeps its own success.
    let (frame, _) = compound(
        &mut c,
        &[
            (Command::CREATE, false, &body),
            (Command::QUERY_DIRECTORY, true, &[33, 0]),
            (Command::CLOSE, true, &[24, 0]),
        ],
        tid,
    );
    let mut batch = c.conn.receive(frame, NOW).unwrap();
    for item in &mut batch.items {
        let Item::Pending { request, response } = item else {
            panic!("pending")
        };
        *response = Some(match request.header.command {
            Command::CREATE => Response::new(NtStatus::SUCCESS, vec![89, 0]),
            Command::QUERY_DIRECTORY => Response::error(NtStatus::NO_SUCH_FILE),
            _ => Response::new(NtStatus::SUCCESS, vec![60, 0]),
        });
    }
    let out = c.conn.respond(batch).unwrap().unwrap();
    let (_, replies) = c.open(out[4..].to_vec());
    let statuses: Vec<NtStatus> = replies.iter().map(|r| r.header.status).collect();
    assert_eq!(
        statuses,
        [NtStatus::SUCCESS, NtStatus::NO_SUCH_FILE, NtStatus::SUCCESS]
    );

    // A session-layer failure (unknown tree) cascades without reaching dispatch.
    let (frame, _) = compound(
        &mut c,
        &[
            (Command::CREATE, false, &body),
            (Command::CREATE, true, &body),
        ],
        999,
    );
    let batch = c.conn.receive(frame, NOW).unwrap();
    assert!(
        batch
            .items
            .iter()
            .all(|i| matches!(i, Item::Done(r) if r.status == NtStatus::NETWORK_NAME_DELETED))
    );
    // First request related: INVALID_PARAMETER.
    let (frame, _) = compound(&mut c, &[(Command::ECHO, true, &echo)], 0);
    let out = c.exchange(frame).unwrap().unwrap();
    assert_eq!(c.open(out).1[0].header.status, NtStatus::INVALID_PARAMETER);
    // Pending left unanswered: NOT_SUPPORTED, never success.
    let (_, r) = c
        .request(Command::QUERY_INFO, tid, &[41, 0, 0, 0, 0, 0, 0, 0])
        .unwrap();
    assert_eq!(r.header.status, NtStatus::NOT_SUPPORTED);
}

#[test]
fn credits_and_message_ids() {
    let mut c = Client::new(connection(config()));
    let r = c.negotiate(&[0x0311], &[], &[]);
    assert!(r.header.credits >= 1);
    let r = c.session_setup("alice", "correct horse", true);
    assert!(r.header.credits >= 1);
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.credits, 64, "CreditRequest honoured");
    assert!(
        c.conn.credits_outstanding() <= u64::from(smbkit_session::credits::DEFAULT_MAX_CREDITS)
    );
    // Replay of a used MessageId: disconnect.
    let mid = c.next_mid - 1;
    let msg = c.finish(message(
        &header(Command::ECHO, mid, c.session_id, 0),
        &echo_body(),
    ));
    assert!(c.exchange(msg).is_err());
    // Beyond the window: disconnect.
    let mut c = signed_in(&[0x0311], &[], &[]);
    let msg = c.finish(message(
        &header(Command::ECHO, 100_000, c.session_id, 0),
        &echo_body(),
    ));
    assert!(c.exchange(msg).is_err());
    // CANCEL consumes no id and gets no answer.
    let mut c = signed_in(&[0x0311], &[], &[]);
    let mid = c.next_mid;
    let msg = c.finish(message(
        &header(Command::CANCEL, mid, c.session_id, 0),
        &echo_body(),
    ));
    assert_eq!(c.exchange(msg).unwrap(), None);
    let (_, r) = c.request(Command::ECHO, 0, &echo_body()).unwrap();
    assert_eq!(r.header.message_id, mid);
    // Multi-credit: a 1 MiB READ needs CreditCharge 16.
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    let mut read = vec![49, 0, 0, 0];
    read.extend_from_slice(&(1u32 << 20).to_le_bytes());
    read.resize(49, 0);
    let (_, r) = c.request(Command::READ, tid, &read).unwrap();
    assert_eq!(r.header.status, NtStatus::INVALID_PARAMETER);
}

#[test]
fn the_credit_maximum_is_configurable() {
    // The default grants a client asking for 65535 the 8192 Windows and
    // Samba grant (smbtorture smb2.credits.*).
    let mut c = signed_in(&[0x0311], &[], &[]);
    let held = c.conn.credits_outstanding();
    let mut h = header(Command::ECHO, c.mid(), c.session_id, 0);
    h.credits = u16::MAX;
    let out = c
        .exchange(c.finish(message(&h, &echo_body())))
        .unwrap()
        .unwrap();
    let granted = u64::from(c.open(out).1[0].header.credits);
    assert_eq!(held - 1 + granted, 8192, "8192 held in all");
    assert_eq!(c.conn.credits_outstanding(), 8192);
    // A smaller configured maximum is honoured.
    let mut cfg = config();
    cfg.max_credits = 100;
    let mut c = Client::new(connection(cfg));
    c.negotiate(&[0x0311], &[], &[]);
    c.session_setup("alice", "correct horse", true);
    let mut h = header(Command::ECHO, c.mid(), c.session_id, 0);
    h.credits = u16::MAX;
    c.exchange(c.finish(message(&h, &echo_body())))
        .unwrap()
        .unwrap();
    assert_eq!(c.conn.credits_outstanding(), 100);
}

#[test]
fn a_misplaced_related_flag_is_refused_with_a_signed_answer() {
    // smbtorture smb2.compound.invalid1 under required signing: the first
    // request of a chain has RELATED_OPERATIONS and its real SessionId; the
    // INVALID_PARAMETER answer must be signed for the client to accept it.
    let mut c = signed_in(&[0x0311], &[], &[]);
    let mut h = header(Command::ECHO, c.mid(), c.session_id, 0);
    h.flags = h.flags.with(HeaderFlags::RELATED_OPERATIONS);
    let frame = c.finish(message(&h, &echo_body()));
    let out = c.exchange(frame).unwrap().unwrap();
    let (_, replies) = c.open(out);
    assert_eq!(replies[0].header.status, NtStatus::INVALID_PARAMETER);
    c.verify(&replies[0]);
    // A forged signature gets no signed answer.
    let mut h = header(Command::ECHO, c.mid(), c.session_id, 0);
    h.flags = h.flags.with(HeaderFlags::RELATED_OPERATIONS);
    let mut frame = c.finish(message(&h, &echo_body()));
    frame[60] ^= 1;
    let out = c.exchange(frame).unwrap().unwrap();
    let (_, replies) = c.open(out);
    assert_eq!(replies[0].header.status, NtStatus::INVALID_PARAMETER);
    assert!(!replies[0].header.flags.contains(HeaderFlags::SIGNED));
}

/// smbtorture smb2.compound.invalid2: a related request inherits the ids of
/// the last request whose session was found; after an unrelated request for
/// an unknown session there is nothing to inherit, so the related one that
/// follows is INVALID_PARAMETER, not the cascaded USER_SESSION_DELETED.
#[test]
fn related_after_an_unknown_session_is_invalid_parameter() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let echo = echo_body();
    let mut frame = Vec::new();
    let parts = [
        (c.session_id, false), // a real session: ok
        (u64::MAX, true),      // related: inherits the real ids, ok
        (u64::MAX, false),     // unknown session
        (u64::MAX, true),      // related, nothing to inherit
    ];
    for (i, (sid, related)) in parts.iter().enumerate() {
        let mid = c.mid();
        let mut h = header(Command::ECHO, mid, *sid, 0);
        if *related {
            h.flags = h.flags.with(HeaderFlags::RELATED_OPERATIONS);
        }
        let mut m = message(&h, &echo);
        if i + 1 < parts.len() {
            while !m.len().is_multiple_of(8) {
                m.push(0);
            }
            let len = m.len() as u32;
            m[20..24].copy_from_slice(&len.to_le_bytes());
        }
        if *sid == c.session_id || *related && i == 1 {
            m = c.finish(m);
        }
        frame.extend_from_slice(&m);
    }
    let out = c.exchange(frame).unwrap().unwrap();
    let statuses: Vec<NtStatus> = c.open(out).1.iter().map(|r| r.header.status).collect();
    assert_eq!(
        statuses,
        [
            NtStatus::SUCCESS,
            NtStatus::SUCCESS,
            NtStatus::USER_SESSION_DELETED,
            NtStatus::INVALID_PARAMETER
        ]
    );
}

/// Every response of a compound is 8-byte aligned, the last one too
/// (smbtorture smb2.compound.compound-padding); a lone response is not
/// padded.
#[test]
fn the_last_response_of_a_compound_is_padded() {
    let mut c = signed_in(&[0x0311], &[], &[]);
    let echo = echo_body();
    let (frame, _) = compound(
        &mut c,
        &[(Command::ECHO, false, &echo), (Command::ECHO, true, &echo)],
        0,
    );
    let out = c.exchange(frame).unwrap().unwrap();
    let (_, replies) = c.open(out);
    assert_eq!(replies.len(), 2);
    for r in &replies {
        assert_eq!(
            r.bytes.len(),
            72,
            "64-byte header + 4-byte ECHO, padded to 8"
        );
        c.verify(r);
    }
    let (_, lone) = c.request(Command::ECHO, 0, &echo).unwrap();
    assert_eq!(lone.bytes.len(), 68);
}
