//! The bodies of smbkit's fuzz targets, as plain functions so that the
//! regression tests in `tests/` can replay committed inputs on stable Rust.
//!
//! Each module has one `run(data: &[u8])`: it feeds `data` to the parsers of
//! one area and panics (which libFuzzer reports as a crash) when a decoder
//! panics or when a round-trip property fails: for every codec that has an
//! encoder, decode → encode → decode must give the same value and encoding
//! that value again must give the same bytes.

pub mod compound;
pub mod krb5;
pub mod ntlm;
pub mod rpc_pdu;
pub mod rpc_pipe;
pub mod session;
pub mod spnego;
pub mod transform;
pub mod wire_pdu;
