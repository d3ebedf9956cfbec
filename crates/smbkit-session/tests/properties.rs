//! `receive` and `respond` never panic, whatever the bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use proptest::prelude::*;
use smbkit_session::Response;
use smbkit_wire::negotiate::algorithm;
use smbkit_wire::{Command, NtStatus};

/// Feeds one frame and, if accepted, answers every pending item and builds
/// the response frame. Only panics matter here.
fn feed(c: &mut Client, frame: Vec<u8>) {
    if let Ok(mut batch) = c.conn.receive(frame, NOW) {
        dispatch(&mut batch, &|_| {
            Some(Response::error(NtStatus::ACCESS_DENIED))
        });
        let _ = c.conn.respond(batch);
    }
}

fn valid_frames(c: &mut Client) -> Vec<Vec<u8>> {
    let (_, t) = c.tree_connect("Data");
    let tid = t.header.tree_id().unwrap();
    let mut frames = Vec::new();
    for (cmd, tree, body) in [
        (Command::ECHO, 0, echo_body()),
        (Command::CREATE, tid, create_body()),
        (Command::TREE_DISCONNECT, tid, vec![4, 0, 0, 0]),
    ] {
        let mid = c.mid();
        frames.push(c.finish(message(&header(cmd, mid, c.session_id, tree), &body)));
    }
    c.seal = true;
    let mid = c.mid();
    frames.push(c.finish(message(
        &header(Command::ECHO, mid, c.session_id, 0),
        &echo_body(),
    )));
    c.seal = false;
    let mid = c.mid();
    let logoff = message(
        &header(Command::LOGOFF, mid, c.session_id, 0),
        &[4, 0, 0, 0],
    );
    frames.push(c.finish(logoff));
    frames
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(
        first in prop_oneof![Just(0xFEu8), Just(0xFD), Just(0xFF), Just(0xFC), any::<u8>()],
        rest in proptest::collection::vec(any::<u8>(), 0..600),
        negotiated in any::<bool>(),
    ) {
        let mut c = Client::new(connection(config()));
        if negotiated {
            c.negotiate(&[0x0302, 0x0311], &[algorithm::AES128_GCM], &[]);
        }
        let mut frame = vec![first, b'S', b'M', b'B'];
        frame.extend(rest);
        feed(&mut c, frame);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn mutated_valid_frames_never_panic(
        which in 0usize..5,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in proptest::option::of(any::<usize>()),
        dialect in prop_oneof![Just(0x0210u16), Just(0x0302), Just(0x0311)],
    ) {
        let mut c = signed_in(&[dialect], &[algorithm::AES128_GCM], &[]);
        let frames = valid_frames(&mut c);
        let mut frame = frames[which].clone();
        for (pos, x) in flips {
            let len = frame.len();
            frame[pos % len] ^= x | 1;
        }
        if let Some(cut) = cut {
            let len = frame.len();
            frame.truncate(cut % (len + 1));
        }
        feed(&mut c, frame);
        // The connection still answers a valid request afterwards, or was
        // told to disconnect; either way nothing panicked.
        let mid = c.mid();
        let ok = c.finish(message(&header(Command::ECHO, mid, c.session_id, 0), &echo_body()));
        feed(&mut c, ok);
    }
}

/// The mutation test starts from frames that are accepted as they are.
#[test]
fn the_unmutated_frames_are_valid() {
    for dialect in [0x0210u16, 0x0302, 0x0311] {
        let mut c = signed_in(&[dialect], &[algorithm::AES128_GCM], &[]);
        let frames = valid_frames(&mut c);
        let n = frames.len();
        for (i, frame) in frames.into_iter().enumerate() {
            assert!(i < n);
            let sealed = frame[0] == 0xFD;
            let out = c.exchange_with(frame, &|_| {
                Some(Response::new(NtStatus::SUCCESS, vec![89, 0]))
            });
            if sealed && dialect == 0x0210 {
                // No keys on 2.1: "sealed" fell back to a signed message.
                assert!(out.is_ok());
                continue;
            }
            let (_, replies) = c.open(out.unwrap().unwrap());
            assert_eq!(
                replies[0].header.status,
                NtStatus::SUCCESS,
                "dialect {dialect:#x} frame {i}"
            );
        }
    }
}
