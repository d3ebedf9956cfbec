//! IOCTL answers: DFS referrals, network interfaces, unknown FSCTLs.

use super::*;
use smbkit_wire::create::disposition;

#[tokio::test]
async fn ioctl_answers() {
    use smbkit_wire::ioctl::{FLAG_IS_FSCTL, IoctlRequest};
    let e = env();
    let io = |code: u32, fid: FileId| IoctlRequest {
        ctl_code: code,
        file_id: fid,
        max_output_response: 1024,
        flags: FLAG_IS_FSCTL,
        ..IoctlRequest::default()
    };
    let r = e
        .send(
            Command::IOCTL,
            message(
                Command::IOCTL,
                &io(smbkit_wire::fsctl::DFS_GET_REFERRALS, FileId::ANY),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::FS_DRIVER_REQUIRED);
    // Server-wide FSCTLs take no handle: any other FileId is refused.
    let some = FileId {
        persistent: 1,
        volatile: 2,
    };
    for code in [
        smbkit_wire::fsctl::DFS_GET_REFERRALS,
        smbkit_wire::fsctl::DFS_GET_REFERRALS_EX,
        smbkit_wire::fsctl::PIPE_WAIT,
    ] {
        let r = e
            .send(Command::IOCTL, message(Command::IOCTL, &io(code, some)))
            .await;
        assert_eq!(r.status, NtStatus::INVALID_PARAMETER, "{code:#x}");
    }
    let r = e
        .send(
            Command::IOCTL,
            message(
                Command::IOCTL,
                &io(
                    smbkit_wire::fsctl::QUERY_NETWORK_INTERFACE_INFO,
                    FileId::ANY,
                ),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::NOT_SUPPORTED);
    let r = e
        .send(
            Command::IOCTL,
            message(
                Command::IOCTL,
                &io(
                    0x0009_00A8,
                    FileId {
                        persistent: 1,
                        volatile: 2,
                    },
                ),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::FILE_CLOSED);
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    let r = e
        .send(
            Command::IOCTL,
            message(Command::IOCTL, &io(0x0009_00A8, f.file_id)),
        )
        .await;
    assert_eq!(r.status, NtStatus::NOT_A_REPARSE_POINT);
    // An FSCTL nobody implements here (FSCTL_LOCK_VOLUME).
    let r = e
        .send(
            Command::IOCTL,
            message(Command::IOCTL, &io(0x0009_0018, f.file_id)),
        )
        .await;
    assert_eq!(r.status, NtStatus::INVALID_DEVICE_REQUEST);
}

#[tokio::test]
async fn compression_is_none_and_cannot_be_set() {
    use smbkit_wire::fsctl::{self, file::CompressionState};
    let e = env();
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    let r = e.ioctl(fsctl::GET_COMPRESSION, f.file_id, &[], 2).await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(super::copychunk::ioctl_output(&r), vec![0, 0]);
    let r = e.ioctl(fsctl::GET_COMPRESSION, f.file_id, &[], 1).await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    let set = |format: u16| CompressionState { format }.to_bytes();
    let r = e.ioctl(fsctl::SET_COMPRESSION, f.file_id, &set(0), 0).await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    for format in [1, 2] {
        let r = e
            .ioctl(fsctl::SET_COMPRESSION, f.file_id, &set(format), 0)
            .await;
        assert_eq!(r.status, NtStatus::NOT_SUPPORTED);
    }
    let r = e
        .ioctl(fsctl::SET_COMPRESSION, f.file_id, &set(0x42), 0)
        .await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    let r = e.ioctl(fsctl::SET_COMPRESSION, f.file_id, &[0], 0).await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    // Without FILE_WRITE_DATA, even NONE is refused.
    let g = e
        .create(
            "f",
            access::FILE_READ_DATA | access::FILE_WRITE_ATTRIBUTES,
            disposition::OPEN,
            0,
        )
        .await
        .unwrap();
    let r = e.ioctl(fsctl::SET_COMPRESSION, g.file_id, &set(0), 0).await;
    assert_eq!(r.status, NtStatus::ACCESS_DENIED);
    e.close(f.file_id).await;
    let r = e.ioctl(fsctl::GET_COMPRESSION, f.file_id, &[], 2).await;
    assert_eq!(r.status, NtStatus::FILE_CLOSED);
}

#[tokio::test]
async fn snapshots_are_an_empty_list() {
    use smbkit_wire::fsctl::{self, server::SnapshotArray};
    let e = env();
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    let r = e
        .ioctl(fsctl::SRV_ENUMERATE_SNAPSHOTS, f.file_id, &[], 16)
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let out = super::copychunk::ioctl_output(&r);
    assert_eq!(
        SnapshotArray::decode(&out).unwrap(),
        SnapshotArray::default()
    );
    let r = e
        .ioctl(fsctl::SRV_ENUMERATE_SNAPSHOTS, f.file_id, &[], 15)
        .await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
}

#[tokio::test]
async fn network_interfaces_are_the_listening_addresses() {
    use smbkit_wire::fsctl::{self, server::NetworkInterface};
    let fs = Arc::new(MemFs::new(MemFsOptions::default()));
    let addrs: Vec<std::net::SocketAddr> = vec![
        "127.0.0.1:445".parse().unwrap(),
        "0.0.0.0:445".parse().unwrap(),
    ];
    let files = FileServer::new(Limits::default())
        .share("public", fs, false)
        .network_interfaces(&addrs);
    let mut e = env();
    e.d = Dispatcher::with_files(files).build();
    e.conn = e.d.connection_id();
    let r = e
        .ioctl(
            fsctl::QUERY_NETWORK_INTERFACE_INFO,
            FileId::ANY,
            &[],
            0x10000,
        )
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let list = NetworkInterface::decode_list(&super::copychunk::ioctl_output(&r)).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].address, std::net::IpAddr::from([127, 0, 0, 1]));
    let r = e
        .ioctl(fsctl::QUERY_NETWORK_INTERFACE_INFO, FileId::ANY, &[], 1)
        .await;
    assert_eq!(r.status, NtStatus::BUFFER_TOO_SMALL);
    let some = FileId {
        persistent: 1,
        volatile: 1,
    };
    let r = e
        .ioctl(fsctl::QUERY_NETWORK_INTERFACE_INFO, some, &[], 0x10000)
        .await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
}

#[tokio::test]
async fn object_id_is_stable_and_file_fsctls_need_a_handle() {
    use smbkit_wire::fsctl::{self, file::ObjectIdBuffer};
    let e = env();
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    let g = e.create("g", RW, disposition::CREATE, 0).await.unwrap();
    let id = |r: &Response| {
        assert_eq!(r.status, NtStatus::SUCCESS);
        ObjectIdBuffer::decode(&super::copychunk::ioctl_output(r)).unwrap()
    };
    let a = id(&e
        .ioctl(fsctl::CREATE_OR_GET_OBJECT_ID, f.file_id, &[], 64)
        .await);
    let a2 = id(&e
        .ioctl(fsctl::CREATE_OR_GET_OBJECT_ID, f.file_id, &[], 64)
        .await);
    let b = id(&e
        .ioctl(fsctl::CREATE_OR_GET_OBJECT_ID, g.file_id, &[], 64)
        .await);
    assert_eq!(a, a2);
    assert_ne!(a.object_id, b.object_id);
    assert_eq!(a.object_id, a.birth_object_id);
    let r = e
        .ioctl(fsctl::CREATE_OR_GET_OBJECT_ID, f.file_id, &[], 63)
        .await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    // No handle (all-ones, as in an unrelated compound): FILE_CLOSED.
    for code in [
        fsctl::CREATE_OR_GET_OBJECT_ID,
        fsctl::GET_REPARSE_POINT,
        fsctl::GET_COMPRESSION,
        fsctl::SRV_REQUEST_RESUME_KEY,
    ] {
        let r = e.ioctl(code, FileId::ANY, &[], 64).await;
        assert_eq!(r.status, NtStatus::FILE_CLOSED, "{code:#x}");
    }
}

#[tokio::test]
async fn allocated_ranges_are_the_data_below_eof() {
    use smbkit_wire::fsctl::{self, file::AllocatedRange};
    let e = env();
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    assert_eq!(
        e.write(f.file_id, 0, &[7u8; 5000]).await.status,
        NtStatus::SUCCESS
    );
    let query = |offset: u64, length: u64| {
        let mut v = Vec::new();
        AllocatedRange {
            file_offset: offset,
            length,
        }
        .encode(&mut v);
        v
    };
    let ranges = |r: &Response| {
        assert_eq!(r.status, NtStatus::SUCCESS);
        AllocatedRange::decode_list(&super::copychunk::ioctl_output(r)).unwrap()
    };
    let r = e
        .ioctl(
            fsctl::QUERY_ALLOCATED_RANGES,
            f.file_id,
            &query(0, 1 << 20),
            1024,
        )
        .await;
    assert_eq!(
        ranges(&r),
        vec![AllocatedRange {
            file_offset: 0,
            length: 5000
        }]
    );
    let r = e
        .ioctl(
            fsctl::QUERY_ALLOCATED_RANGES,
            f.file_id,
            &query(4096, 100),
            1024,
        )
        .await;
    assert_eq!(
        ranges(&r),
        vec![AllocatedRange {
            file_offset: 4096,
            length: 100
        }]
    );
    let r = e
        .ioctl(
            fsctl::QUERY_ALLOCATED_RANGES,
            f.file_id,
            &query(6000, 100),
            1024,
        )
        .await;
    assert!(ranges(&r).is_empty());
    // Malformed: short input, negative offset, sum past 2^63.
    for input in [
        query(0, 10)[..15].to_vec(),
        query(u64::MAX, 10),
        query(i64::MAX as u64, 1),
    ] {
        let r = e
            .ioctl(fsctl::QUERY_ALLOCATED_RANGES, f.file_id, &input, 1024)
            .await;
        assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    }
    let r = e
        .ioctl(fsctl::QUERY_ALLOCATED_RANGES, f.file_id, &query(0, 10), 15)
        .await;
    assert_eq!(r.status, NtStatus::BUFFER_TOO_SMALL);
}

#[tokio::test]
async fn zero_data_zeroes_below_eof_only() {
    use smbkit_wire::fsctl::{self, file::ZeroDataInformation};
    let e = env();
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    assert_eq!(
        e.write(f.file_id, 0, &[7u8; 5000]).await.status,
        NtStatus::SUCCESS
    );
    let zero = |file_offset: u64, beyond_final_zero: u64| {
        let mut v = Vec::new();
        ZeroDataInformation {
            file_offset,
            beyond_final_zero,
        }
        .encode(&mut v);
        v
    };
    let r = e
        .ioctl(fsctl::SET_ZERO_DATA, f.file_id, &zero(100, 10_000), 0)
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let r = e.read(f.file_id, 0, 10_000, 0).await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let msg = with_header_cmd(&r.body, Command::READ);
    let data = smbkit_wire::read::ReadResponse::decode(&msg)
        .unwrap()
        .data
        .to_vec();
    assert_eq!(data.len(), 5000, "the end of file did not move");
    assert!(data[..100].iter().all(|b| *b == 7));
    assert!(data[100..].iter().all(|b| *b == 0));
    let r = e
        .ioctl(fsctl::SET_ZERO_DATA, f.file_id, &zero(10, 5), 0)
        .await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    let r = e.ioctl(fsctl::SET_ZERO_DATA, f.file_id, &[0; 15], 0).await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    let ro = e
        .create("f", access::FILE_READ_DATA, disposition::OPEN, 0)
        .await
        .unwrap();
    let r = e
        .ioctl(fsctl::SET_ZERO_DATA, ro.file_id, &zero(0, 10), 0)
        .await;
    assert_eq!(r.status, NtStatus::ACCESS_DENIED);
}

#[tokio::test]
async fn set_sparse_rules() {
    use smbkit_wire::fsctl::{self, file::AllocatedRange};
    let e = env();
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    let sparse = |e: &Env, r: Response| async move {
        let _ = e;
        assert_eq!(r.status, NtStatus::SUCCESS);
    };
    // No buffer sets; a zero byte clears; longer buffers are fine.
    sparse(&e, e.ioctl(fsctl::SET_SPARSE, f.file_id, &[], 0).await).await;
    let attrs = |r: &Response| {
        let out = output(r, Command::QUERY_INFO);
        u32::from_le_bytes(out[32..36].try_into().unwrap())
    };
    let basic = e
        .query_info(
            f.file_id,
            smbkit_wire::query_info::info_type::FILE,
            4,
            40,
            0,
        )
        .await;
    assert_ne!(attrs(&basic) & 0x200, 0, "SPARSE_FILE after set");
    // A sparse file answers its data ranges (MemFs: all data below EOF).
    assert_eq!(
        e.write(f.file_id, 0, &[1u8; 100]).await.status,
        NtStatus::SUCCESS
    );
    let mut q = Vec::new();
    AllocatedRange {
        file_offset: 0,
        length: 1000,
    }
    .encode(&mut q);
    let r = e
        .ioctl(fsctl::QUERY_ALLOCATED_RANGES, f.file_id, &q, 16)
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(
        AllocatedRange::decode_list(&super::copychunk::ioctl_output(&r)).unwrap(),
        vec![AllocatedRange {
            file_offset: 0,
            length: 100
        }]
    );
    sparse(&e, e.ioctl(fsctl::SET_SPARSE, f.file_id, &[0; 8], 0).await).await;
    let basic = e
        .query_info(
            f.file_id,
            smbkit_wire::query_info::info_type::FILE,
            4,
            40,
            0,
        )
        .await;
    assert_eq!(attrs(&basic) & 0x200, 0, "SPARSE_FILE after clear");
    // Directories refuse; WRITE_EA alone is not enough.
    let d = e
        .create(
            "d",
            RW,
            disposition::CREATE,
            smbkit_wire::create::options::DIRECTORY_FILE,
        )
        .await
        .unwrap();
    let r = e.ioctl(fsctl::SET_SPARSE, d.file_id, &[], 0).await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    let g = e
        .create("f", access::FILE_WRITE_EA, disposition::OPEN, 0)
        .await
        .unwrap();
    let r = e.ioctl(fsctl::SET_SPARSE, g.file_id, &[], 0).await;
    assert_eq!(r.status, NtStatus::ACCESS_DENIED);
    let h = e
        .create("f", access::FILE_WRITE_ATTRIBUTES, disposition::OPEN, 0)
        .await
        .unwrap();
    sparse(&e, e.ioctl(fsctl::SET_SPARSE, h.file_id, &[1], 0).await).await;
    // An empty query with no room for an entry is fine.
    let mut q = Vec::new();
    AllocatedRange {
        file_offset: 5000,
        length: 10,
    }
    .encode(&mut q);
    let r = e
        .ioctl(fsctl::QUERY_ALLOCATED_RANGES, f.file_id, &q, 0)
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
}
