//! NTLMSSP (MS-NLMP), server side, NTLMv2 only.
//!
//! - [`message`]: the NEGOTIATE, CHALLENGE and AUTHENTICATE codecs,
//! - [`av_pair`]: the AV pair lists (TargetInfo),
//! - [`crypto`]: NTOWFv2, NTProofStr, key exchange, MIC, signing and sealing keys,
//!   message signatures,
//! - [`NtlmAcceptor`] and [`verify_authenticate`]: the server-side exchange.

mod acceptor;
pub mod av_pair;
pub mod crypto;
mod flags;
pub mod message;

pub use acceptor::{AuthMechanism, Authenticated, NtlmAcceptor, NtlmConfig, verify_authenticate};
pub use flags::NegotiateFlags;
pub use message::{AuthenticateMessage, ChallengeMessage, NegotiateMessage, Version};

/// The 8-byte signature every NTLM message starts with.
pub const NTLMSSP_SIGNATURE: [u8; 8] = *b"NTLMSSP\0";
