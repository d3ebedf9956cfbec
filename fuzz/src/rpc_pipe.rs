//! `rpc_pipe`: a named-pipe endpoint (srvsvc or wkssvc) fed hostile
//! writes: bind, fragment reassembly, dispatch, fragmentation of answers.
//!
//! Input: one byte (bit 0: which pipe; bit 1: WRITE+READ or TRANSCEIVE),
//! then up to 16 chunks, each a u16 LE length and that many bytes, fed in
//! order. After each chunk everything queued is read back in pieces whose
//! size the input also chooses.

use std::sync::Arc;

use smbkit_rpc::PipeEndpoint;

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let name = if mode & 1 == 0 { "srvsvc" } else { "wkssvc" };
    let info = Arc::new(crate::rpc_pdu::server_info());
    let mut pipe = PipeEndpoint::open(name, info).expect("a known pipe");
    // Small reads make the answers come out in pieces.
    let max = if mode & 4 == 0 {
        4280
    } else {
        usize::from(mode >> 3).max(1) * 64
    };
    for chunk in crate::spnego::tokens(rest, 16) {
        if mode & 2 == 0 {
            if pipe.write(chunk).is_err() {
                continue;
            }
        } else {
            match pipe.transact(chunk, max) {
                Ok((answer, more)) => {
                    assert!(answer.len() <= max, "transceive answer over its limit");
                    if more {
                        assert!(pipe.pending() > 0 || pipe.queued() > 0);
                    }
                }
                Err(_) => continue,
            }
        }
        // Drain: every read makes progress and stays within its limit.
        while pipe.queued() > 0 {
            let before = pipe.queued();
            let got = pipe.read(max);
            assert!(got.len() <= max, "read over its limit");
            assert!(
                !got.is_empty() && pipe.queued() < before,
                "a read makes progress"
            );
        }
        assert_eq!(pipe.pending(), 0, "nothing pending once drained");
    }
    let _ = (
        pipe.is_bound(),
        pipe.buffered(),
        pipe.max_xmit_frag(),
        pipe.kind(),
    );
}
