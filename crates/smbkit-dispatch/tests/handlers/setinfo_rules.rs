//! SET_INFO details smbtorture's smb2.setinfo checks: position and mode
//! kept per open, the link count of a delete-pending file, a set change
//! time, and growing the allocation.

use super::*;
use smbkit_wire::create::disposition;
use smbkit_wire::fscc;

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

#[tokio::test]
async fn position_mode_links_change_time_allocation() {
    let e = env();
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    let id = f.file_id;
    let q = |class: u8| e.query_info(id, info_type::FILE, class, 4096, 0);

    // Position: kept and reported.
    let r = e
        .set_info(
            id,
            fscc::class::FILE_POSITION_INFORMATION,
            &123_456u64.to_le_bytes(),
        )
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let out = output(
        &q(fscc::class::FILE_POSITION_INFORMATION).await,
        Command::QUERY_INFO,
    );
    assert_eq!(u64_at(&out, 0), 123_456);

    // Mode: 2 (WRITE_THROUGH) kept, 1 is not a mode bit.
    let mode = fscc::class::FILE_MODE_INFORMATION;
    assert_eq!(
        e.set_info(id, mode, &2u32.to_le_bytes()).await.status,
        NtStatus::SUCCESS
    );
    assert_eq!(
        output(&q(mode).await, Command::QUERY_INFO),
        2u32.to_le_bytes()
    );
    assert_eq!(
        e.set_info(id, mode, &1u32.to_le_bytes()).await.status,
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(
        e.set_info(id, mode, &0u32.to_le_bytes()).await.status,
        NtStatus::SUCCESS
    );
    assert_eq!(
        output(&q(mode).await, Command::QUERY_INFO),
        0u32.to_le_bytes()
    );

    // A delete-pending file has no links left; clearing it restores one.
    let standard = fscc::class::FILE_STANDARD_INFORMATION;
    let disp = fscc::class::FILE_DISPOSITION_INFORMATION;
    assert_eq!(e.set_info(id, disp, &[1]).await.status, NtStatus::SUCCESS);
    let out = output(&q(standard).await, Command::QUERY_INFO);
    assert_eq!((&out[16..20], out[20]), (&[0u8, 0, 0, 0][..], 1));
    assert_eq!(e.set_info(id, disp, &[0]).await.status, NtStatus::SUCCESS);
    let out = output(&q(standard).await, Command::QUERY_INFO);
    assert_eq!((&out[16..20], out[20]), (&[1u8, 0, 0, 0][..], 0));

    // A set change time comes back, also after a change with ChangeTime 0.
    let basic = fscc::class::FILE_BASIC_INFORMATION;
    let mut b = vec![0u8; 40];
    b[24..32].copy_from_slice(&0x01DA_0000_0000_0001u64.to_le_bytes());
    assert_eq!(e.set_info(id, basic, &b).await.status, NtStatus::SUCCESS);
    let mut hidden = vec![0u8; 40];
    hidden[32..36].copy_from_slice(&2u32.to_le_bytes());
    assert_eq!(
        e.set_info(id, basic, &hidden).await.status,
        NtStatus::SUCCESS
    );
    let out = output(&q(basic).await, Command::QUERY_INFO);
    assert_eq!(u64_at(&out, 24), 0x01DA_0000_0000_0001);

    // Growing the allocation reserves space; the size stays.
    let alloc = fscc::class::FILE_ALLOCATION_INFORMATION;
    assert_eq!(
        e.set_info(id, alloc, &4096u64.to_le_bytes()).await.status,
        NtStatus::SUCCESS
    );
    let out = output(&q(standard).await, Command::QUERY_INFO);
    assert_eq!((u64_at(&out, 0), u64_at(&out, 8)), (4096, 0));
    e.close(id).await;
}

/// A FILE_FULL_EA_INFORMATION list.
fn ea_list(eas: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (name, value)) in eas.iter().enumerate() {
        let start = out.len();
        out.extend_from_slice(&[0, 0, 0, 0, 0, name.len() as u8]);
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        out.extend_from_slice(value);
        if i + 1 < eas.len() {
            while out.len() % 4 != 0 {
                out.push(0);
            }
            let next = (out.len() - start) as u32;
            out[start..start + 4].copy_from_slice(&next.to_le_bytes());
        }
    }
    out
}

#[tokio::test]
async fn extended_attributes_from_create_and_set_info() {
    let e = env();
    let name = string_to_utf16le("ea");
    let ext_a = ea_list(&[("EAONE", b"VALUE1"), ("SECONDEA", b"ValueTwo")]);
    let req = CreateRequest {
        impersonation_level: 2,
        desired_access: RW | 0x18, // + FILE_READ_EA | FILE_WRITE_EA
        share_access: 7,
        create_disposition: disposition::CREATE,
        name: &name,
        contexts: vec![smbkit_wire::create::context::CreateContext::new(
            b"ExtA", &ext_a,
        )],
        ..CreateRequest::default()
    };
    let r = e
        .send(Command::CREATE, message(Command::CREATE, &req))
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let id = CreateResponse::decode(&with_header_cmd(&r.body, Command::CREATE))
        .unwrap()
        .file_id;
    let full = fscc::class::FILE_FULL_EA_INFORMATION;
    let all = |len| e.query_info(id, info_type::FILE, full, len, 0);
    assert_eq!(output(&all(4096).await, Command::QUERY_INFO), ext_a);
    // Only the first fits: BUFFER_OVERFLOW with one entry.
    let r = all(24).await;
    assert_eq!(r.status, NtStatus::BUFFER_OVERFLOW);
    // Set one, remove one (empty value), lower-case names come back upper.
    let change = ea_list(&[("NewEA", b"testme"), ("eaone", b"")]);
    assert_eq!(
        e.set_info(id, full, &change).await.status,
        NtStatus::SUCCESS
    );
    assert_eq!(
        output(&all(4096).await, Command::QUERY_INFO),
        ea_list(&[("SECONDEA", b"ValueTwo"), ("NEWEA", b"testme")])
    );
    // A bad name is refused.
    assert_eq!(
        e.set_info(id, full, &ea_list(&[("a:b", b"x")]))
            .await
            .status,
        NtStatus(0x8000_0013)
    );
    e.close(id).await;
}
