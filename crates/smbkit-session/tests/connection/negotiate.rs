//! NEGOTIATE: every dialect, limits, a second NEGOTIATE, the SMB1 upgrade,
//! FSCTL_VALIDATE_NEGOTIATE_INFO.

use super::*;
use smbkit_session::Dialect;
use smbkit_sign::SigningAlgorithm;
use smbkit_wire::fsctl::{
    VALIDATE_NEGOTIATE_INFO, ValidateNegotiateInfoRequest, ValidateNegotiateInfoResponse,
};
use smbkit_wire::ioctl::{FLAG_IS_FSCTL, IoctlRequest, IoctlResponse};
use smbkit_wire::negotiate::{NegotiateResponse, algorithm, capabilities, dialect, security_mode};
use smbkit_wire::smb1::{Smb1Header, Smb1Negotiate};
use smbkit_wire::{Command, FileId, Guid, NtStatus, Pdu, U16List};

#[test]
fn negotiates_each_dialect() {
    for d in ALL {
        let mut c = Client::new(connection(config()));
        let r = c.negotiate(&[d], &[algorithm::AES128_GCM], &[]);
        assert_eq!(r.header.status, NtStatus::SUCCESS, "{d:#x}");
        let resp = NegotiateResponse::decode(&r.bytes).unwrap();
        assert_eq!(resp.dialect_revision, d);
        assert_eq!(resp.server_guid, Guid(GUID));
        assert_eq!(resp.system_time, NOW);
        assert_eq!(
            resp.security_mode,
            security_mode::SIGNING_ENABLED | security_mode::SIGNING_REQUIRED
        );
        assert_eq!(resp.capabilities & capabilities::DFS, 0);
        let leasing = resp.capabilities & capabilities::LEASING != 0;
        assert_eq!(leasing, d >= 0x0210, "leases from 2.1 on");
        let dir_leasing = resp.capabilities & capabilities::DIRECTORY_LEASING != 0;
        assert_eq!(dir_leasing, d >= 0x0300, "directory leases are SMB 3 only");
        assert_eq!(resp.capabilities & capabilities::MULTI_CHANNEL, 0);
        let large = resp.capabilities & capabilities::LARGE_MTU != 0;
        assert_eq!(large, d >= 0x0210);
        let enc = resp.capabilities & capabilities::ENCRYPTION != 0;
        assert_eq!(enc, d == 0x0300 || d == 0x0302, "{d:#x}");
        if d == 0x0202 {
            assert_eq!(resp.max_read_size, 65536);
        } else {
            assert_eq!(resp.max_read_size, 8 << 20);
        }
        assert!(resp.security_buffer.starts_with(&[0x60]));
        assert_eq!(resp.contexts.is_empty(), d != 0x0311);
        assert!(r.header.credits >= 1);
        // Highest common wins.
        let mut c = Client::new(connection(config()));
        let r = c.negotiate(&ALL, &[], &[]);
        assert_eq!(
            NegotiateResponse::decode(&r.bytes)
                .unwrap()
                .dialect_revision,
            0x0311
        );
    }
}

#[test]
fn dialect_limits_and_no_common_dialect() {
    let mut cfg = config();
    cfg.min_dialect = Dialect::Smb300;
    cfg.max_dialect = Dialect::Smb302;
    let mut c = Client::new(connection(cfg.clone()));
    let r = c.negotiate(&ALL, &[], &[]);
    assert_eq!(
        NegotiateResponse::decode(&r.bytes)
            .unwrap()
            .dialect_revision,
        0x0302
    );
    let mut c = Client::new(connection(cfg));
    let r = c.negotiate(&[0x0202, 0x0210], &[], &[]);
    assert_eq!(r.header.status, NtStatus::NOT_SUPPORTED);
    // Unknown dialects only.
    let mut c = Client::new(connection(config()));
    assert_eq!(
        c.negotiate(&[0x0201, 0x0400], &[], &[]).header.status,
        NtStatus::NOT_SUPPORTED
    );
    // 3.1.1 without a preauth context.
    let mut c = Client::new(connection(config()));
    let mut req = c.negotiate_request(&[0x0311], &[], &[]);
    // Rebuild without contexts: count 0 at body offset 32.
    req[64 + 32] = 0;
    req[64 + 33] = 0;
    let out = c.exchange(req).unwrap().unwrap();
    let (_, r) = c.open(out);
    assert_eq!(r[0].header.status, NtStatus::INVALID_PARAMETER);
}

#[test]
fn second_negotiate_disconnects() {
    let mut c = Client::new(connection(config()));
    c.negotiate(&ALL, &[], &[]);
    let req = c.negotiate_request(&ALL, &[], &[]);
    assert!(c.exchange(req).is_err());
}

#[test]
fn smb1_upgrade() {
    for (offer, answer) in [
        (
            &[&b"NT LM 0.12"[..], b"SMB 2.002", b"SMB 2.???"][..],
            dialect::WILDCARD,
        ),
        (&[&b"NT LM 0.12"[..], b"SMB 2.002"][..], dialect::SMB202),
    ] {
        let mut c = Client::new(connection(config()));
        let mut smb1 = Vec::new();
        Smb1Negotiate::encode_with(&Smb1Header::default(), offer, &mut smb1).unwrap();
        let out = c.exchange(smb1).unwrap().unwrap();
        let resp = NegotiateResponse::decode(&out).unwrap();
        assert_eq!(resp.dialect_revision, answer);
        c.next_mid = 1;
        if answer == dialect::WILDCARD {
            let r = c.negotiate(&[0x0210, 0x0302], &[], &[]);
            assert_eq!(r.header.message_id, 1);
            assert_eq!(
                NegotiateResponse::decode(&r.bytes)
                    .unwrap()
                    .dialect_revision,
                0x0302
            );
        } else {
            c.dialect = 0x0202;
            c.signing = SigningAlgorithm::HmacSha256;
            let r = c.session_setup("alice", "correct horse", true);
            assert_eq!(r.header.status, NtStatus::SUCCESS);
        }
    }
    // SMB1 without SMB2 dialects, or another SMB1 command: dropped.
    let mut c = Client::new(connection(config()));
    let mut smb1 = Vec::new();
    Smb1Negotiate::encode_with(&Smb1Header::default(), &[b"NT LM 0.12"], &mut smb1).unwrap();
    assert!(c.exchange(smb1.clone()).is_err());
    smb1[4] = 0x73;
    let mut c = Client::new(connection(config()));
    assert!(c.exchange(smb1).is_err());
    assert!(c.exchange(Vec::new()).is_err());
    assert!(c.exchange(vec![0x42; 80]).is_err());
}

fn validate_body(c: &Client, dialects: &[u16], guid: [u8; 16]) -> Vec<u8> {
    let mut input = Vec::new();
    ValidateNegotiateInfoRequest {
        capabilities: c.capabilities,
        guid: Guid(guid),
        security_mode: c.security_mode,
        dialects: U16List::from_values(dialects),
    }
    .encode(&mut input)
    .unwrap();
    IoctlRequest {
        ctl_code: VALIDATE_NEGOTIATE_INFO,
        file_id: FileId::ANY,
        input: &input,
        max_input_response: 0,
        output: &[],
        max_output_response: 24,
        flags: FLAG_IS_FSCTL,
    }
    .encode_body_to_vec()
    .unwrap()
}

#[test]
fn validate_negotiate() {
    let offered = [0x0210, 0x0300, 0x0302];
    let mut c = signed_in(&offered, &[], &[]);
    let (_, r) = c.tree_connect("IPC$");
    let tid = r.header.tree_id().unwrap();
    let body = validate_body(&c, &offered, CLIENT_GUID);
    let (_, r) = c.request(Command::IOCTL, tid, &body).unwrap();
    assert_eq!(r.header.status, NtStatus::SUCCESS);
    c.verify(&r);
    let resp = IoctlResponse::decode(&r.bytes).unwrap();
    let info = ValidateNegotiateInfoResponse::decode(resp.output).unwrap();
    assert_eq!(info.dialect, 0x0302);
    assert_eq!(info.guid, Guid(GUID));
    assert_eq!(info.capabilities, c.server_caps);
    assert_eq!(
        info.security_mode,
        security_mode::SIGNING_ENABLED | security_mode::SIGNING_REQUIRED
    );
    // A mismatch (a downgraded dialect list, another GUID) drops the connection.
    let body = validate_body(&c, &[0x0210, 0x0300], CLIENT_GUID);
    assert!(c.request(Command::IOCTL, tid, &body).is_err());
    let mut c = signed_in(&offered, &[], &[]);
    let (_, r) = c.tree_connect("IPC$");
    let body = validate_body(&c, &offered, [9; 16]);
    assert!(
        c.request(Command::IOCTL, r.header.tree_id().unwrap(), &body)
            .is_err()
    );
    // 3.1.1: MS-SMB2 3.3.5.15.12 terminates the connection.
    let mut c = signed_in(&[0x0311], &[], &[]);
    let (_, r) = c.tree_connect("IPC$");
    let body = validate_body(&c, &[0x0311], CLIENT_GUID);
    assert!(
        c.request(Command::IOCTL, r.header.tree_id().unwrap(), &body)
            .is_err()
    );
}
