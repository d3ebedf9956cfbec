//! Byte-exact round trips of the published Windows READ and WRITE packets
//! (tests/data/windows-file-packets.toml, copied from the shared vectors; the
//! header of that file names the Microsoft blog posts they come from).

// Test helpers may fail loudly (clippy.toml allows it inside #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::roundtrip;
use serde::Deserialize;
use smbkit_wire::read::{DATA_OFFSET, ReadRequest, ReadResponse};
use smbkit_wire::write::{WriteRequest, WriteResponse};
use smbkit_wire::{Command, FileId, HeaderFlags, Pdu, Writer};

#[derive(Deserialize)]
struct Data {
    smb3_transform: Vec<Transform>,
}

#[derive(Deserialize)]
struct Transform {
    id: String,
    plaintext: String,
}

/// "Smb3 encryption testing", the payload every published WRITE/READ carries.
const PAYLOAD: &[u8] = b"Smb3 encryption testing";

#[test]
fn published_read_write_packets_roundtrip() {
    let data: Data =
        toml::from_str(include_str!("data/windows-file-packets.toml")).expect("vector file parses");
    assert_eq!(data.smb3_transform.len(), 12);
    let mut seen = [0usize; 4];
    for t in &data.smb3_transform {
        let msg = hex::decode(&t.plaintext).unwrap();
        let h = smbkit_wire::Header::decode(&msg).unwrap();
        let response = h.flags.contains(HeaderFlags::SERVER_TO_REDIR);
        match (h.command, response) {
            (Command::WRITE, false) => {
                let (_, w) = roundtrip::<WriteRequest>(&msg);
                assert_eq!(w.data, PAYLOAD, "{}", t.id);
                assert_eq!(w.offset, 0);
                assert_ne!(w.file_id, FileId::ANY);
                // DataOffset 0x70, the Windows layout.
                assert_eq!(&msg[66..68], &[0x70, 0x00]);
                seen[0] += 1;
            }
            (Command::WRITE, true) => {
                let (_, w) = roundtrip::<WriteResponse>(&msg);
                assert_eq!(w.count as usize, PAYLOAD.len(), "{}", t.id);
                seen[1] += 1;
            }
            (Command::READ, false) => {
                let (_, r) = roundtrip::<ReadRequest>(&msg);
                assert_eq!(r.length as usize, PAYLOAD.len(), "{}", t.id);
                assert!(r.read_channel_info.is_empty());
                // The one padding byte the odd StructureSize counts.
                assert_eq!(msg.len(), 64 + 49);
                seen[2] += 1;
            }
            (Command::READ, true) => {
                let (_, r) = roundtrip::<ReadResponse>(&msg);
                assert_eq!(r.data, PAYLOAD, "{}", t.id);
                assert_eq!(usize::from(msg[66]), DATA_OFFSET);
                seen[3] += 1;
            }
            other => panic!("{}: unexpected {other:?}", t.id),
        }
    }
    assert_eq!(seen, [3, 3, 3, 3]);
}

#[test]
fn read_response_fixed_part_then_data_matches_whole_encode() {
    // The zero-copy path (fixed part, then the caller appends the data) gives
    // the same bytes as encoding a ReadResponse with borrowed data.
    let whole = ReadResponse {
        data: PAYLOAD,
        data_remaining: 0,
        flags: 0,
    }
    .encode_body_to_vec()
    .unwrap();
    let mut v = vec![0u8; 64];
    let mut w = Writer::resume(&mut v, 0);
    ReadResponse::encode_fixed(&mut w, PAYLOAD.len(), 0, 0).unwrap();
    w.bytes(PAYLOAD);
    assert_eq!(&v[64..], whole.as_slice());
}
