//! A pipelined load generator: sequential READ or WRITE of one file with
//! many multi-credit requests in flight, over one [`Client`] connection.
//!
//! smbclient, the usual yardstick, waits for each response before sending
//! the next request when it writes, so on a 2-core machine it measures its
//! own latency as much as the server. This keeps `depth` requests of `io`
//! bytes in flight within the credits the server grants, the way the
//! Windows and Linux kernel clients do, so the server is the bottleneck.

use std::collections::HashMap;
use std::io;
use std::time::{Duration, Instant};

use smbkit_wire::read::{ReadRequest, ReadResponse};
use smbkit_wire::write::{WriteRequest, WriteResponse};
use smbkit_wire::{Command, FileId, NtStatus, Pdu};

use crate::client::{Client, header, message};

/// One credit covers this many bytes of a READ or WRITE (MS-SMB2 3.1.5.2).
const CREDIT_BYTES: u64 = 65536;

/// Which way the data moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// READ requests: the server sends the data.
    Read,
    /// WRITE requests: the client sends the data.
    Write,
}

/// What one run moved and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct Transfer {
    /// Payload bytes moved.
    pub bytes: u64,
    /// Wall time from the first request to the last response.
    pub elapsed: Duration,
    /// The most requests that were in flight at once.
    pub max_in_flight: usize,
}

impl Transfer {
    /// Payload throughput in MB/s (10^6 bytes per second).
    #[must_use]
    pub fn mb_per_s(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            // Payload sizes stay far below 2^52, so the conversion is exact.
            #[allow(clippy::cast_precision_loss)]
            let bytes = self.bytes as f64;
            bytes / secs / 1e6
        } else {
            0.0
        }
    }
}

fn fail(what: impl Into<String>) -> io::Error {
    io::Error::other(what.into())
}

/// Moves `total` bytes of `file` (from offset 0) in `io`-byte requests, at
/// most `depth` in flight, limited by the credits granted.
///
/// # Errors
/// When a request fails, a response is malformed or the connection drops.
pub async fn sequential(
    client: &mut Client,
    tree: u32,
    file: FileId,
    direction: Direction,
    total: u64,
    io: u32,
    depth: usize,
) -> io::Result<Transfer> {
    let io = io.max(1);
    let charge = u64::from(io).div_ceil(CREDIT_BYTES).max(1);
    let charge16 = u16::try_from(charge).map_err(|_| fail("io size too large"))?;
    let payload = vec![0x5au8; usize::try_from(io).map_err(|_| fail("io size"))?];
    let mut next_offset = 0u64;
    let mut in_flight: HashMap<u64, u32> = HashMap::new();
    let mut moved = 0u64;
    let mut max_in_flight = 0usize;
    let start = Instant::now();
    while moved < total {
        while in_flight.len() < depth && next_offset < total && client.credits >= charge {
            let len = u32::try_from((total - next_offset).min(u64::from(io)))
                .map_err(|_| fail("length"))?;
            let mid = client.mid();
            // A multi-credit request uses `charge` consecutive MessageIds.
            client.set_next_mid(mid.saturating_add(charge));
            client.credits -= charge;
            let mut h = header(command(direction), mid, client.session_id, tree);
            h.credit_charge = charge16;
            h.credits = 512;
            let body = match direction {
                Direction::Read => ReadRequest {
                    padding: 0x50,
                    flags: 0,
                    length: len,
                    offset: next_offset,
                    file_id: file,
                    minimum_count: 0,
                    channel: 0,
                    remaining_bytes: 0,
                    read_channel_info: &[],
                }
                .encode_body_to_vec(),
                Direction::Write => WriteRequest {
                    offset: next_offset,
                    file_id: file,
                    channel: 0,
                    remaining_bytes: 0,
                    flags: 0,
                    data: payload.get(..len as usize).unwrap_or(&payload),
                    write_channel_info: &[],
                }
                .encode_body_to_vec(),
            }
            .map_err(|e| fail(format!("encode: {e}")))?;
            client.send_message(message(&h, &body)).await?;
            in_flight.insert(mid, len);
            next_offset += u64::from(len);
            max_in_flight = max_in_flight.max(in_flight.len());
        }
        if in_flight.is_empty() {
            return Err(fail(format!(
                "stalled: no credits to send with ({} held, {charge} needed)",
                client.credits
            )));
        }
        for reply in client.recv().await? {
            if reply.status() == NtStatus::PENDING {
                continue;
            }
            let mid = reply.header.message_id;
            let Some(len) = in_flight.remove(&mid) else {
                return Err(fail(format!("reply for unknown MessageId {mid}")));
            };
            if reply.status() != NtStatus::SUCCESS {
                return Err(fail(format!(
                    "{direction:?} at MessageId {mid}: {}",
                    reply.status()
                )));
            }
            let got = match direction {
                Direction::Read => ReadResponse::decode(&reply.bytes)
                    .map(|r| r.data.len())
                    .map_err(|e| fail(format!("read response: {e}")))?,
                Direction::Write => WriteResponse::decode(&reply.bytes)
                    .map(|r| r.count as usize)
                    .map_err(|e| fail(format!("write response: {e}")))?,
            };
            if got != len as usize {
                return Err(fail(format!("short {direction:?}: {got} of {len}")));
            }
            moved += u64::from(len);
        }
    }
    Ok(Transfer {
        bytes: moved,
        elapsed: start.elapsed(),
        max_in_flight,
    })
}

fn command(direction: Direction) -> Command {
    match direction {
        Direction::Read => Command::READ,
        Direction::Write => Command::WRITE,
    }
}
