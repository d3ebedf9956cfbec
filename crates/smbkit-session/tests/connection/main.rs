//! Whole client↔server exchanges through `Connection`, in process.
//!
//! The client is `tests/common` (shared with `tests/properties.rs`); each
//! module holds the tests of one area.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

use common::*;

const ALL: [u16; 5] = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];

mod asynchronous;
mod compound;
mod encryption;
mod limits;
mod negotiate;
mod previous;
mod session_setup;
mod sessions;
