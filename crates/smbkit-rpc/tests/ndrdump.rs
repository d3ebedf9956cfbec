//! Interop check against an NDR engine nobody here wrote: Samba's
//! `ndrdump` (package samba-common-bin / samba-testsuite), which parses a
//! stub or PDU with Samba's IDL-generated code and, with `--validate`,
//! pushes it back and requires the same bytes.
//!
//! Every srvsvc/wkssvc request and answer this crate produces, and every
//! PDU type the pipe sends, must pass. Where `ndrdump` is not installed the
//! test says so and checks nothing else; `cargo xtask test` machines have
//! it (Samba 4.17.12 when this was written; all cases passed).

// Test helpers outside `#[test]` fns may unwrap too: a failing test should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use smbkit_rpc::pdu::*;
use smbkit_rpc::srvsvc::*;
use smbkit_rpc::wkssvc::*;
use smbkit_rpc::*;

fn ndrdump_available() -> bool {
    Command::new("ndrdump")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Self {
        let p =
            std::env::temp_dir().join(format!("smbkit-rpc-ndrdump-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `ndrdump --validate PIPE FUNCTION KIND FILE [-c CONTEXT]`, returns
/// the dump, panics unless Samba re-encoded the same bytes.
fn validate(pipe: &str, function: &str, kind: &str, file: &Path, context: Option<&Path>) -> String {
    let mut cmd = Command::new("ndrdump");
    cmd.args(["--validate", pipe, function, kind]).arg(file);
    if let Some(c) = context {
        cmd.arg("-c").arg(c);
    }
    let out = cmd.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("dump OK"),
        "ndrdump {pipe} {function} {kind} {}:\n{text}",
        file.display()
    );
    text
}

fn info() -> ServerInfo {
    ServerInfo::new("SMBKIT")
        .with_comment("smbkit test server")
        .with_share(ShareEntry::disk("public", "Public files").with_path("C:\\srv\\public"))
        .with_share(ShareEntry::disk("data", ""))
}

#[test]
fn stubs_parse_and_revalidate_in_samba() {
    if !ndrdump_available() {
        eprintln!("ndrdump not installed: Samba cross-check skipped");
        return;
    }
    let dir = Dir::new("stubs");
    let info = info();
    let server = Some("\\\\127.0.0.1".to_owned());
    // Not 503: MS-SRVS 2.2.3.5 gives SHARE_ENUM_UNION a pointer arm for
    // 503 (we answer it with a NULL container), Samba's srvsvc.idl has no
    // such case, so the two layouts differ for that unsupported level.
    for level in [0u32, 1, 2, 501, 502, 3] {
        let req = ShareEnumRequest {
            server_name: server.clone(),
            level,
            preferred_max_len: u32::MAX,
            resume_handle: Some(0),
        };
        let input = dir.file(&format!("enum_in_{level}"), &req.encode());
        validate("srvsvc", "srvsvc_NetShareEnumAll", "in", &input, None);
        let output = dir.file(&format!("enum_out_{level}"), &share_enum(&info, &req));
        let text = validate(
            "srvsvc",
            "srvsvc_NetShareEnumAll",
            "out",
            &output,
            Some(&input),
        );
        if level == 1 {
            for needle in [
                "'IPC$'",
                "STYPE_IPC_HIDDEN (0x80000003)",
                "'public'",
                "'Public files'",
                "'data'",
                "WERR_OK",
            ] {
                assert!(text.contains(needle), "{needle} missing in\n{text}");
            }
        }
        if level == 3 {
            assert!(text.contains("WERR_INVALID_LEVEL"), "{text}");
        }
    }
    for level in [0u32, 1, 2, 501, 502, 1005, 7, 1004] {
        for name in ["public", "nope"] {
            let req = ShareGetInfoRequest {
                server_name: server.clone(),
                net_name: name.into(),
                level,
            };
            let input = dir.file(&format!("get_in_{level}_{name}"), &req.encode());
            validate("srvsvc", "srvsvc_NetShareGetInfo", "in", &input, None);
            let output = dir.file(
                &format!("get_out_{level}_{name}"),
                &share_get_info(&info, &req),
            );
            validate(
                "srvsvc",
                "srvsvc_NetShareGetInfo",
                "out",
                &output,
                Some(&input),
            );
        }
    }
    for level in [100u32, 101, 102, 103, 1005] {
        let req = ServerGetInfoRequest {
            server_name: server.clone(),
            level,
        };
        let input = dir.file(&format!("srv_in_{level}"), &req.encode());
        validate("srvsvc", "srvsvc_NetSrvGetInfo", "in", &input, None);
        let output = dir.file(&format!("srv_out_{level}"), &server_get_info(&info, &req));
        let text = validate(
            "srvsvc",
            "srvsvc_NetSrvGetInfo",
            "out",
            &output,
            Some(&input),
        );
        if level == 101 {
            assert!(
                text.contains("'SMBKIT'") && text.contains("'smbkit test server'"),
                "{text}"
            );
        }
    }
    for level in [100u32, 101, 102, 502] {
        let req = WkstaGetInfoRequest {
            server_name: server.clone(),
            level,
        };
        let input = dir.file(&format!("wks_in_{level}"), &req.encode());
        validate("wkssvc", "wkssvc_NetWkstaGetInfo", "in", &input, None);
        let output = dir.file(&format!("wks_out_{level}"), &wksta_get_info(&info, &req));
        let text = validate(
            "wkssvc",
            "wkssvc_NetWkstaGetInfo",
            "out",
            &output,
            Some(&input),
        );
        if level == 100 {
            assert!(text.contains("'WORKGROUP'"), "{text}");
        }
    }
}

#[test]
fn pdus_parse_and_revalidate_in_samba() {
    if !ndrdump_available() {
        eprintln!("ndrdump not installed: Samba cross-check skipped");
        return;
    }
    let dir = Dir::new("pdus");
    let check = |name: &str, bytes: &[u8], needle: &str| {
        let f = dir.file(name, bytes);
        let text = validate("dcerpc", "ncacn_packet", "struct", &f, None);
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    };
    let btfn = SyntaxId {
        uuid: Uuid::from_fields(0x6cb7_1c2c, 0x9812, 0x4540, [3, 0, 0, 0, 0, 0, 0, 0]),
        major: 1,
        minor: 0,
    };
    let ctx = |id, ts| PresentationContext {
        context_id: id,
        abstract_syntax: SRVSVC,
        transfer_syntaxes: vec![ts],
    };
    let bind = Pdu {
        header: Header::new(PacketType::Bind, 3, 1),
        body: Body::Bind(Bind {
            max_xmit_frag: 4280,
            max_recv_frag: 1432,
            assoc_group_id: 0,
            contexts: vec![ctx(0, NDR20), ctx(1, NDR64), ctx(2, btfn)],
        }),
    }
    .encode()
    .unwrap();
    check("bind", &bind, "DCERPC_PKT_BIND");

    let mut info = info();
    for i in 0..60 {
        info.shares.push(ShareEntry::disk(
            format!("share{i}"),
            "a comment long enough to need fragments",
        ));
    }
    let mut pipe = PipeEndpoint::open("srvsvc", Arc::new(info)).unwrap();
    pipe.write(&bind).unwrap();
    check("bind_ack", &pipe.read(9999), "'\\PIPE\\srvsvc'");
    let mut alter = bind.clone();
    alter[2] = PacketType::AlterContext as u8;
    pipe.write(&alter).unwrap();
    check("alter_resp", &pipe.read(9999), "DCERPC_PKT_ALTER_RESP");

    let stub = ShareEnumRequest {
        server_name: None,
        level: 1,
        preferred_max_len: u32::MAX,
        resume_handle: None,
    }
    .encode();
    let request = Pdu {
        header: Header::new(PacketType::Request, 3, 2),
        body: Body::Request(Request {
            alloc_hint: 0,
            context_id: 0,
            opnum: 15,
            object: None,
            stub: stub.into(),
        }),
    }
    .encode()
    .unwrap();
    check("request", &request, "DCERPC_PKT_REQUEST");
    pipe.write(&request).unwrap();
    let mut n = 0;
    while pipe.queued() > 0 {
        check(
            &format!("response{n}"),
            &pipe.read(9999),
            "DCERPC_PKT_RESPONSE",
        );
        n += 1;
    }
    assert!(n > 2, "expected several fragments, got {n}");

    let mut unknown = request.clone();
    unknown[22] = 99; // opnum
    pipe.write(&unknown).unwrap();
    check("fault", &pipe.read(9999), "DCERPC_NCA_S_OP_RNG_ERROR");
    pipe.write(&bind).unwrap();
    check("bind_nak", &pipe.read(9999), "DCERPC_PKT_BIND_NAK");
}
