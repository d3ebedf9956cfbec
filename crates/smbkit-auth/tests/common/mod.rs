//! Shared test helpers: the vector files and SMB2 packet picking.
// Test helpers outside #[test] fns: a failure here should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

use serde::Deserialize;
use smbkit_auth::spnego::{self, NegotiationToken};

#[derive(Deserialize)]
pub struct NtlmFile {
    pub ntlmv2: Vec<Ntlmv2>,
    pub ntlmv2_capture: Vec<Capture>,
    pub ntlmv2_derived: Vec<Derived>,
}

#[derive(Deserialize)]
pub struct Ntlmv2 {
    pub user: String,
    pub domain: String,
    pub password: String,
    pub workstation: String,
    pub server_challenge: String,
    pub client_challenge: String,
    pub time: String,
    pub random_session_key: String,
    pub target_info: String,
    pub ntowfv1: String,
    pub ntowfv2: String,
    pub temp: String,
    pub ntproofstr: String,
    pub lmv2_response: String,
    pub session_base_key: String,
    pub encrypted_random_session_key: String,
    pub client_signing_key: String,
    pub client_sealing_key: String,
    pub challenge_message: String,
    pub authenticate_message: String,
}

#[derive(Deserialize)]
pub struct Capture {
    pub user: String,
    pub user_upper: String,
    pub domain: String,
    pub workstation: String,
    pub password: String,
    pub server_challenge: String,
    pub client_challenge: String,
    pub negotiate_flags_challenge: String,
    pub negotiate_flags_authenticate: String,
    pub nt_hash: String,
    pub ntowfv2: String,
    pub ntproofstr: String,
    pub key_exchange_key: String,
    pub encrypted_random_session_key: String,
    pub exported_session_key: String,
    pub mic: String,
    pub server_signing_key: String,
    pub client_signing_key: String,
    pub server_sealing_key: String,
    pub client_sealing_key: String,
    pub session_setup_request_1: String,
    pub session_setup_response_1: String,
    pub session_setup_request_2: String,
}

#[derive(Deserialize)]
pub struct Derived {
    pub password: String,
    pub user: String,
    pub domain: String,
    pub sessions: Vec<String>,
}

#[derive(Deserialize)]
pub struct ChainFile {
    pub preauth_chain: Vec<Chain>,
}

#[derive(Deserialize)]
pub struct Chain {
    pub id: String,
    pub messages: Vec<String>,
}

#[derive(Deserialize)]
pub struct KeysFile {
    pub smb3_keys: Vec<Keys>,
}

#[derive(Deserialize)]
pub struct Keys {
    pub id: String,
    pub session_key: String,
}

#[derive(Deserialize)]
pub struct SigningFile {
    pub smb2_signing: Vec<Signed>,
}

#[derive(Deserialize)]
pub struct Signed {
    pub id: String,
    pub message: String,
}

pub fn ntlm() -> NtlmFile {
    toml::from_str(include_str!("../data/ntlmv2.toml")).unwrap()
}
pub fn chains() -> ChainFile {
    toml::from_str(include_str!("../data/preauth_chain.toml")).unwrap()
}
pub fn keys() -> KeysFile {
    toml::from_str(include_str!("../data/smb3_keys.toml")).unwrap()
}
pub fn signing() -> SigningFile {
    toml::from_str(include_str!("../data/smb2_signing.toml")).unwrap()
}

pub fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}
pub fn h16(s: &str) -> [u8; 16] {
    h(s).try_into().unwrap()
}
pub fn h8(s: &str) -> [u8; 8] {
    h(s).try_into().unwrap()
}

pub fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

const SMB2_HEADER: usize = 64;
const CMD_NEGOTIATE: u16 = 0x0000;
const CMD_SESSION_SETUP: u16 = 0x0001;
const FLAG_RESPONSE: u32 = 0x0000_0001;

/// The security buffer of an SMB2 NEGOTIATE response or a SESSION_SETUP
/// request or response (offsets counted from the start of the SMB2 header).
pub fn security_buffer(packet: &[u8]) -> Vec<u8> {
    assert_eq!(&packet[..4], b"\xfeSMB");
    let command = u16::from_le_bytes([packet[12], packet[13]]);
    let flags = u32::from_le_bytes(packet[16..20].try_into().unwrap());
    let response = flags & FLAG_RESPONSE != 0;
    let body = SMB2_HEADER;
    let at = match (command, response) {
        (CMD_NEGOTIATE, true) => body + 56,
        (CMD_SESSION_SETUP, false) => body + 12,
        (CMD_SESSION_SETUP, true) => body + 4,
        other => panic!("no security buffer in {other:?}"),
    };
    let off = usize::from(u16::from_le_bytes([packet[at], packet[at + 1]]));
    let len = usize::from(u16::from_le_bytes([packet[at + 2], packet[at + 3]]));
    packet[off..off + len].to_vec()
}

/// The NTLM message inside a SPNEGO token (mechToken or responseToken).
pub fn ntlm_in_spnego(token: &[u8]) -> Vec<u8> {
    let inner = match spnego::parse(token).unwrap() {
        NegotiationToken::Init(i) => i.mech_token.unwrap(),
        NegotiationToken::Resp(r) => r.response_token.unwrap(),
    };
    assert_eq!(&inner[..8], b"NTLMSSP\0");
    inner
}

/// One sign-in's packets: NEGOTIATE, CHALLENGE, AUTHENTICATE (NTLM), and the
/// SPNEGO tokens they came in.
pub struct Session {
    pub spnego: [Vec<u8>; 3],
    pub ntlm: [Vec<u8>; 3],
}

/// From a preauth chain: messages 2, 3, 4 are SESSION_SETUP request, response, request.
pub fn session_of_chain(chain: &Chain) -> Session {
    let spnego: [Vec<u8>; 3] = [2, 3, 4].map(|i| security_buffer(&h(&chain.messages[i])));
    let ntlm = [0, 1, 2].map(|i| ntlm_in_spnego(&spnego[i]));
    Session { spnego, ntlm }
}

/// The final SESSION_SETUP response's security buffer for a chain id.
pub fn final_token(chain_id: &str) -> Vec<u8> {
    let id = format!("{chain_id}-final-session-setup-response");
    let s = signing()
        .smb2_signing
        .into_iter()
        .find(|s| s.id == id)
        .unwrap();
    security_buffer(&h(&s.message))
}
