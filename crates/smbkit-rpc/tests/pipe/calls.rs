//! Bind, then the srvsvc and wkssvc calls at every level, decoded; resume
//! handles and the preferred length.

use super::*;
use smbkit_rpc::ndr::NdrReader;
use smbkit_rpc::srvsvc::{self, ServerGetInfoRequest, ShareEnumResponse, ShareGetInfoRequest};
use smbkit_rpc::werror::*;
use smbkit_rpc::wkssvc::WkstaGetInfoRequest;

#[test]
fn bind_then_share_enum_level1_decoded_by_hand() {
    let mut pipe = bound("srvsvc", 4280);
    let stub = call(&mut pipe, 2, 15, &enum_request(1, 0xFFFF_FFFF, Some(0)));

    // Decode with the bare NDR reader, field by field.
    let mut r = NdrReader::new(&stub);
    assert_eq!(r.u32().unwrap(), 1, "level");
    assert_eq!(r.union_discriminant().unwrap(), 1);
    assert!(r.unique_pointer().unwrap().is_some(), "container");
    assert_eq!(
        r.u32().unwrap(),
        2,
        "EntriesRead: IPC$ and public, not Private"
    );
    assert!(r.unique_pointer().unwrap().is_some(), "buffer");
    assert_eq!(r.conformant_count(12).unwrap(), 2);
    let mut fixed = Vec::new();
    for _ in 0..2 {
        let name = r.unique_pointer().unwrap();
        let kind = r.u32().unwrap();
        let remark = r.unique_pointer().unwrap();
        assert!(name.is_some() && remark.is_some());
        fixed.push(kind);
    }
    let mut names = Vec::new();
    for _ in 0..2 {
        names.push((r.string().unwrap(), r.string().unwrap()));
    }
    assert_eq!(fixed, vec![0x8000_0003, 0]);
    assert_eq!(
        names,
        vec![
            ("IPC$".to_owned(), "IPC Service".to_owned()),
            ("public".to_owned(), "Public files".to_owned())
        ]
    );
    assert_eq!(r.u32().unwrap(), 2, "TotalEntries");
    assert!(
        r.unique_pointer().unwrap().is_some(),
        "resume handle pointer"
    );
    assert_eq!(r.u32().unwrap(), 0, "resume handle");
    assert_eq!(r.u32().unwrap(), ERROR_SUCCESS);
    assert_eq!(r.remaining(), 0);
}

#[test]
fn share_enum_level0_and_other_levels() {
    let mut pipe = bound("srvsvc", 4280);
    let stub = call(&mut pipe, 2, 15, &enum_request(0, 0xFFFF_FFFF, None));
    let resp = ShareEnumResponse::decode(&stub).unwrap();
    assert_eq!(resp.level, 0);
    let names: Vec<_> = resp.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["IPC$", "public"]);
    assert_eq!(resp.resume_handle, None);
    assert_eq!(resp.status, ERROR_SUCCESS);

    for (i, level) in [2u32, 501, 502].into_iter().enumerate() {
        let stub = call(
            &mut pipe,
            3 + i as u32,
            15,
            &enum_request(level, 0xFFFF_FFFF, None),
        );
        let mut r = NdrReader::new(&stub);
        assert_eq!(r.u32().unwrap(), level);
        assert_eq!(r.u32().unwrap(), level);
        r.unique_pointer().unwrap().unwrap();
        assert_eq!(r.u32().unwrap(), 2);
        // WERROR is the last u32.
        assert_eq!(&stub[stub.len() - 4..], &[0, 0, 0, 0], "level {level}");
    }
    // Level 2 carries the path of "public".
    let stub = call(&mut pipe, 9, 15, &enum_request(2, 0xFFFF_FFFF, None));
    let text = String::from_utf16_lossy(
        &stub
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    );
    assert!(text.contains("/srv/public"));
}

#[test]
fn share_get_info_levels() {
    let mut pipe = bound("srvsvc", 4280);
    let get = |level, name: &str| {
        ShareGetInfoRequest {
            server_name: Some("\\\\SMBKIT".into()),
            net_name: name.into(),
            level,
        }
        .encode()
    };
    // Level 1, name matched case-insensitively, also for a hidden share.
    let stub = call(&mut pipe, 2, 16, &get(1, "PRIVATE"));
    let mut r = NdrReader::new(&stub);
    assert_eq!(r.u32().unwrap(), 1);
    r.unique_pointer().unwrap().unwrap();
    r.unique_pointer().unwrap().unwrap();
    assert_eq!(r.u32().unwrap(), STYPE_DISKTREE);
    r.unique_pointer().unwrap().unwrap();
    assert_eq!(r.string().unwrap(), "Private");
    assert_eq!(r.string().unwrap(), "hidden one");
    assert_eq!(r.u32().unwrap(), ERROR_SUCCESS);
    assert_eq!(r.remaining(), 0);

    // Level 1005: flags 0.
    assert_eq!(
        hex::encode(call(&mut pipe, 3, 16, &get(1005, "ipc$"))),
        "ed0300000000020000000000".to_owned() + "00000000"
    );
    // Levels 0, 2, 501, 502 succeed.
    for (i, level) in [0u32, 2, 501, 502].into_iter().enumerate() {
        let stub = call(&mut pipe, 4 + i as u32, 16, &get(level, "public"));
        assert_eq!(&stub[..4], &level.to_le_bytes());
        assert_eq!(&stub[stub.len() - 4..], &[0, 0, 0, 0]);
    }
    // Unknown share.
    assert_eq!(
        hex::encode(call(&mut pipe, 9, 16, &get(1, "nope"))),
        "0100000000000000".to_owned() + "06090000"
    );
}

#[test]
fn server_get_info_and_wksta_get_info() {
    let mut pipe = bound("srvsvc", 4280);
    let stub = call(
        &mut pipe,
        2,
        21,
        &ServerGetInfoRequest {
            server_name: None,
            level: 101,
        }
        .encode(),
    );
    let mut r = NdrReader::new(&stub);
    assert_eq!(r.u32().unwrap(), 101);
    r.unique_pointer().unwrap().unwrap();
    assert_eq!(r.u32().unwrap(), PLATFORM_ID_NT);
    r.unique_pointer().unwrap().unwrap();
    assert_eq!((r.u32().unwrap(), r.u32().unwrap()), (10, 0));
    assert_eq!(r.u32().unwrap(), 0x9003);
    r.unique_pointer().unwrap().unwrap();
    assert_eq!(r.string().unwrap(), "SMBKIT");
    assert_eq!(r.string().unwrap(), "smbkit test server");
    assert_eq!(r.u32().unwrap(), ERROR_SUCCESS);
    assert_eq!(r.remaining(), 0);
    for level in [100u32, 102] {
        let stub = call(
            &mut pipe,
            3,
            21,
            &ServerGetInfoRequest {
                server_name: None,
                level,
            }
            .encode(),
        );
        assert_eq!(&stub[..4], &level.to_le_bytes());
        assert_eq!(&stub[stub.len() - 4..], &[0, 0, 0, 0]);
    }

    let mut wks = bound("\\PIPE\\WKSSVC", 4280);
    assert_eq!(wks.kind(), PipeKind::Wkssvc);
    let stub = call(
        &mut wks,
        2,
        0,
        &WkstaGetInfoRequest {
            server_name: Some("\\\\x".into()),
            level: 100,
        }
        .encode(),
    );
    let mut r = NdrReader::new(&stub);
    assert_eq!(r.u32().unwrap(), 100);
    r.unique_pointer().unwrap().unwrap();
    assert_eq!(r.u32().unwrap(), 500);
    r.unique_pointer().unwrap().unwrap();
    r.unique_pointer().unwrap().unwrap();
    assert_eq!((r.u32().unwrap(), r.u32().unwrap()), (10, 0));
    assert_eq!(r.string().unwrap(), "SMBKIT");
    assert_eq!(r.string().unwrap(), "TESTGROUP");
    assert_eq!(r.u32().unwrap(), ERROR_SUCCESS);
    assert_eq!(r.remaining(), 0);
    // srvsvc opnums are unknown on wkssvc.
    wks.write(&request_pdu(3, 0, 15, &[], 3)).unwrap();
    assert_eq!(fault_of(&wks.read(4280)).1.status, NCA_S_OP_RNG_ERROR);
}

#[test]
fn resume_handle_and_preferred_length() {
    let info = many_shares(30);
    let mut pipe = PipeEndpoint::open("srvsvc", info.clone()).unwrap();
    pipe.write(&bind_pdu(1, srvsvc::SRVSVC, 4280, &[0]))
        .unwrap();
    pipe.read(4280);
    let mut resume = 0;
    let mut names = Vec::new();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let stub = call(
            &mut pipe,
            10 + rounds,
            15,
            &enum_request(1, 400, Some(resume)),
        );
        let resp = ShareEnumResponse::decode(&stub).unwrap();
        assert_eq!(resp.total_entries as usize, 31 - names.len());
        assert!(!resp.entries.is_empty());
        names.extend(resp.entries.into_iter().map(|e| e.name));
        match resp.status {
            ERROR_MORE_DATA => {
                resume = resp.resume_handle.unwrap();
                assert_ne!(resume, 0);
            }
            ERROR_SUCCESS => {
                assert_eq!(resp.resume_handle, Some(0));
                break;
            }
            other => panic!("status {other}"),
        }
    }
    assert!(rounds > 3);
    let all: Vec<_> = info.shares.iter().map(|s| s.name.clone()).collect();
    assert_eq!(names, all);
    // A resume handle past the end.
    let stub = call(&mut pipe, 99, 15, &enum_request(1, 0xFFFF_FFFF, Some(1000)));
    let resp = ShareEnumResponse::decode(&stub).unwrap();
    assert_eq!(
        (resp.entries.len(), resp.total_entries, resp.status),
        (0, 0, 0)
    );
}
