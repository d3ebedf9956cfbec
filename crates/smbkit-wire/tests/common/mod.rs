//! Helpers shared by the integration tests.
#![allow(dead_code)]

use smbkit_wire::{Header, Pdu, Writer};

/// Decodes header and body of `msg`, re-encodes both and requires the exact
/// same bytes back.
pub fn roundtrip<'a, P: Pdu<'a> + core::fmt::Debug>(msg: &'a [u8]) -> (Header, P) {
    let header = Header::decode(msg).expect("header decodes");
    let body = P::decode(msg).unwrap_or_else(|e| panic!("body decodes: {e}"));
    let mut out = Vec::new();
    let mut w = Writer::new(&mut out);
    header.encode(&mut w);
    body.encode(&mut w).expect("body encodes");
    assert_eq!(hex::encode(&out), hex::encode(msg), "re-encoded {body:?}");
    (header, body)
}

/// Parses hex written with spaces, newlines and `#` comments.
pub fn hex_bytes(s: &str) -> Vec<u8> {
    let clean: String = s
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    hex::decode(clean).expect("valid hex")
}

/// A sync request header for `command` (hex), MessageId 5, TreeId 1,
/// SessionId 0x11, no NextCommand.
pub fn req_hdr(command: u8) -> String {
    format!(
        "fe534d42 4000 0100 00000000 {command:02x}00 1f00 00000000 00000000
         0500000000000000 feff0000 01000000 1100000000000000
         00000000000000000000000000000000"
    )
}

/// The matching response header (SERVER_TO_REDIR, status SUCCESS).
pub fn rsp_hdr(command: u8) -> String {
    format!(
        "fe534d42 4000 0100 00000000 {command:02x}00 0100 01000000 00000000
         0500000000000000 feff0000 01000000 1100000000000000
         00000000000000000000000000000000"
    )
}
