//! `compound`: splitting a frame into its compound chain
//! ([`smbkit_wire::split_compound`]) and decoding each element.
//!
//! Input: a decrypted frame (no Direct-TCP prefix). Properties: when every
//! element splits, the elements cover the frame exactly, and re-linking them
//! with [`smbkit_wire::header::chain_next`] rebuilds the same frame.

use smbkit_wire::header::{HEADER_LEN, chain_next};
use smbkit_wire::split_compound;

/// Runs one input.
pub fn run(frame: &[u8]) {
    let mut elements = Vec::new();
    let mut complete = true;
    for element in split_compound(frame) {
        match element {
            Ok(msg) => elements.push(msg),
            Err(_) => {
                complete = false;
                break;
            }
        }
    }
    for msg in &elements {
        assert!(msg.len() >= HEADER_LEN, "an element holds a header");
        crate::wire_pdu::message(msg);
    }
    if !complete || elements.is_empty() {
        return;
    }
    let covered: usize = elements.iter().map(|m| m.len()).sum();
    assert_eq!(covered, frame.len(), "the elements cover the frame");

    // Re-link: every element but the last, with NextCommand cleared, then
    // chain_next; the last as it is.
    let mut rebuilt = Vec::new();
    let last = elements.len() - 1;
    for (i, msg) in elements.iter().enumerate() {
        let start = rebuilt.len();
        rebuilt.extend_from_slice(msg);
        if i < last {
            rebuilt[start + 20..start + 24].copy_from_slice(&[0; 4]);
            // The element's own length is 8-aligned, so no padding is added.
            let mut tail = rebuilt.split_off(start);
            chain_next(&mut tail, 0).expect("an element of 64 bytes or more links");
            rebuilt.extend_from_slice(&tail);
        }
    }
    assert_eq!(rebuilt, frame, "chain_next rebuilds the split frame");
}
