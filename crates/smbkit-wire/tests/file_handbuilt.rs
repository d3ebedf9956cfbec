//! Round trips of the file-service messages (MS-SMB2 2.2.13–2.2.40) for which
//! no published capture is at hand. Every packet below was written by hand,
//! field by field, from the MS-SMB2 section 2.2 layouts (commented), not
//! captured. Negative cases follow each group.

// Test helpers may fail loudly (clippy.toml allows it inside #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{hex_bytes, req_hdr, roundtrip, rsp_hdr};
use smbkit_wire::change_notify::{ChangeNotifyRequest, ChangeNotifyResponse, WATCH_TREE};
use smbkit_wire::close::{CloseRequest, CloseResponse, FLAG_POSTQUERY_ATTRIB};
use smbkit_wire::create::context::{
    DurableRequestV2, Lease, LeaseV2, MaximalAccessResponse, QueryOnDiskIdResponse, name,
};
use smbkit_wire::create::{
    CreateContext, CreateRequest, CreateResponse, RequestContext, ResponseContext, access,
    disposition, oplock_level, options, share_access,
};
use smbkit_wire::flush::{FlushRequest, FlushResponse, MACOS_FULL_SYNC};
use smbkit_wire::fscc::{
    self, DirClass, FileNotifyInformation, FileRenameInformation, FileStandardInformation,
    InfoClass,
};
use smbkit_wire::lock::{LockRequest, LockResponse, flags as lock_flags};
use smbkit_wire::oplock_break::{BreakMessage, LeaseBreakAck, LeaseBreakNotification, OplockBreak};
use smbkit_wire::query_directory::{QueryDirectoryRequest, QueryDirectoryResponse, flags};
use smbkit_wire::query_info::{QueryInfoRequest, QueryInfoResponse, info_type};
use smbkit_wire::read::{ReadRequest, ReadResponse};
use smbkit_wire::set_info::{SetInfoRequest, SetInfoResponse};
use smbkit_wire::write::{WriteRequest, WriteResponse};
use smbkit_wire::{FileId, NtStatus, Pdu, WireError};

const FILE_ID: &str = "0100000000000000 0200000000000000";
const FID: FileId = FileId {
    persistent: 1,
    volatile: 2,
};

fn req(command: u8, body: &str) -> Vec<u8> {
    hex_bytes(&(req_hdr(command) + body))
}

fn rsp(command: u8, body: &str) -> Vec<u8> {
    hex_bytes(&(rsp_hdr(command) + body))
}

/// "a.txt" in UTF-16LE.
const A_TXT: &str = "61002e00740078007400";

#[test]
fn create_request_with_context_chain() {
    let msg = req(
        5,
        &format!(
            "3900             # StructureSize 57
             00 ff            # SecurityFlags, RequestedOplockLevel = LEASE
             02000000         # ImpersonationLevel = Impersonation
             0000000000000000 # SmbCreateFlags
             0000000000000000 # Reserved
             89001200         # DesiredAccess = READ_DATA|READ_EA|READ_ATTRIBUTES|READ_CONTROL|SYNCHRONIZE
             00000000         # FileAttributes
             07000000         # ShareAccess = READ|WRITE|DELETE
             01000000         # CreateDisposition = OPEN
             40000000         # CreateOptions = NON_DIRECTORY_FILE
             7800 0a00        # NameOffset 0x78, NameLength 10
             88000000 b4000000 # CreateContextsOffset 0x88, Length 180
             {A_TXT} 000000000000   # name, padding to 0x88
             # MxAc, no data: Next 24
             18000000 1000 0400 0000 0000 00000000 4d784163 00000000
             # QFid, no data: Next 24
             18000000 1000 0400 0000 0000 00000000 51466964 00000000
             # DH2Q, 32 bytes at 0x18: Next 56
             38000000 1000 0400 0000 1800 20000000 44483251 00000000
             60ea0000 02000000 0000000000000000 0102030405060708090a0b0c0d0e0f10
             # RqLs v2, 52 bytes at 0x18: last
             00000000 1000 0400 0000 1800 34000000 52714c73 00000000
             00112233445566778899aabbccddeeff 07000000 04000000 0000000000000000
             ffeeddccbbaa99887766554433221100 0300 0000"
        ),
    );
    let (_, c) = roundtrip::<CreateRequest>(&msg);
    assert_eq!(c.name_string().unwrap(), "a.txt");
    assert_eq!(c.requested_oplock_level, oplock_level::LEASE);
    assert_eq!(c.create_disposition, disposition::OPEN);
    assert_eq!(c.create_options, options::NON_DIRECTORY_FILE);
    assert_eq!(
        c.share_access,
        share_access::READ | share_access::WRITE | share_access::DELETE
    );
    assert_eq!(c.desired_access & access::SYNCHRONIZE, access::SYNCHRONIZE);
    assert_eq!(c.contexts.len(), 4);
    let parsed: Vec<_> = c
        .contexts
        .iter()
        .map(|x| x.parse_request().unwrap())
        .collect();
    assert!(matches!(parsed[0], RequestContext::MaximalAccess(m) if m.timestamp.is_none()));
    assert_eq!(parsed[1], RequestContext::QueryOnDiskId);
    let RequestContext::DurableV2(d) = parsed[2] else {
        panic!("{:?}", parsed[2])
    };
    assert_eq!(d.timeout, 60_000);
    assert_eq!(d.flags, 2);
    assert_eq!(d.create_guid.0[0], 1);
    let RequestContext::Lease(Lease::V2(l)) = parsed[3] else {
        panic!("{:?}", parsed[3])
    };
    assert_eq!(l.lease_state, 7);
    assert_eq!(l.epoch, 3);
    assert_eq!(l.parent_lease_key[0], 0xff);
    assert!(c.context(name::LEASE).is_some());

    // The same request built from typed contexts encodes to the same bytes.
    let built = CreateRequest {
        contexts: vec![
            CreateContext::owned(name::QUERY_MAXIMAL_ACCESS, Vec::new()),
            smbkit_wire::create::context::qfid::request_context(),
            DurableRequestV2 {
                timeout: 60_000,
                flags: 2,
                create_guid: d.create_guid,
            }
            .to_context(),
            Lease::V2(LeaseV2 { ..l }).to_context(),
        ],
        ..c.clone()
    };
    assert_eq!(built.encode_body_to_vec().unwrap(), &msg[64..]);
}

#[test]
fn create_request_empty_name_no_contexts() {
    // Opening the share root: NameOffset 0x78, NameLength 0, one zero byte.
    let msg = req(
        5,
        "3900 00 00 02000000 0000000000000000 0000000000000000
         80000000 10000000 07000000 01000000 01000000
         7800 0000 00000000 00000000 00",
    );
    let (_, c) = roundtrip::<CreateRequest>(&msg);
    assert!(c.name.is_empty());
    assert!(c.contexts.is_empty());
}

/// A CREATE request with an empty name and `chain` (hex) as its contexts at
/// 0x78, CreateContextsLength = the chain's length.
fn create_with_chain(ctx_offset: u32, chain: &str) -> Vec<u8> {
    let chain = hex_bytes(chain);
    req(
        5,
        &format!(
            "3900 00 00 02000000 0000000000000000 0000000000000000
             80000000 10000000 07000000 01000000 01000000
             7800 0000 {:08x} {:08x} {}",
            ctx_offset.swap_bytes(),
            (chain.len() as u32).swap_bytes(),
            hex::encode(&chain)
        ),
    )
}

#[test]
fn create_context_chain_negative_cases() {
    let ok = create_with_chain(0x78, "00000000 1000 0400 0000 0000 00000000 4d784163");
    assert_eq!(CreateRequest::decode(&ok).unwrap().contexts.len(), 1);
    let invalid = |chain: &str| CreateRequest::decode(&create_with_chain(0x78, chain)).unwrap_err();

    // Next = 8 would loop back into the entry's own header.
    let e = invalid(
        "08000000 1000 0400 0000 0000 00000000 4d784163
         00000000 1000 0400 0000 0000 00000000 51466964",
    );
    assert!(
        matches!(
            e,
            WireError::Invalid {
                field: "CreateContext.Next",
                ..
            }
        ),
        "{e:?}"
    );
    // Next = 20 steps past the header and name but is not 8-aligned.
    let e = invalid(
        "14000000 1000 0400 0000 0000 00000000 4d784163
         00000000 1000 0400 0000 0000 00000000 51466964",
    );
    assert!(
        matches!(
            e,
            WireError::Misaligned {
                field: "CreateContext.Next",
                ..
            }
        ),
        "{e:?}"
    );
    // Next = 16 lands inside this entry's name: overlap.
    let e = invalid(
        "10000000 1000 0400 0000 0000 00000000 4d784163
         00000000 1000 0400 0000 0000 00000000 51466964",
    );
    assert!(
        matches!(
            e,
            WireError::Invalid {
                field: "CreateContext.Next",
                ..
            }
        ),
        "{e:?}"
    );
    // Next points past the end of CreateContexts.
    let e = invalid("00100000 1000 0400 0000 0000 00000000 4d784163");
    assert!(matches!(e, WireError::BufferOutOfRange { .. }), "{e:?}");
    // Next points exactly at the end: a chain promising an entry that is not there.
    let e = invalid("18000000 1000 0400 0000 0000 00000000 4d784163 00000000");
    assert!(
        matches!(
            e,
            WireError::Invalid {
                field: "CreateContext.Next",
                ..
            }
        ),
        "{e:?}"
    );
    // NameOffset inside the 16-byte header.
    let e = invalid("00000000 0800 0400 0000 0000 00000000 4d784163");
    assert!(
        matches!(
            e,
            WireError::Invalid {
                field: "CreateContext.NameOffset",
                ..
            }
        ),
        "{e:?}"
    );
    // Name longer than the entry.
    let e = invalid("00000000 1000 0800 0000 0000 00000000 4d784163");
    assert!(
        matches!(
            e,
            WireError::Invalid {
                field: "CreateContext.NameLength",
                ..
            }
        ),
        "{e:?}"
    );
    // Empty name.
    let e = invalid("00000000 1000 0000 0000 0000 00000000 4d784163");
    assert!(
        matches!(
            e,
            WireError::Invalid {
                field: "CreateContext.NameLength",
                ..
            }
        ),
        "{e:?}"
    );
    // Data at 0x10 overlaps the name.
    let e = invalid("00000000 1000 0400 0000 1000 04000000 4d784163 00000000");
    assert!(
        matches!(
            e,
            WireError::Invalid {
                field: "CreateContext.DataOffset",
                ..
            }
        ),
        "{e:?}"
    );
    // Data offset not 8-aligned.
    let e = invalid("00000000 1000 0400 0000 1400 04000000 4d784163 00000000");
    assert!(matches!(e, WireError::Misaligned { .. }), "{e:?}");
    // Data running past the entry.
    let e = invalid("00000000 1000 0400 0000 1800 10000000 4d784163 00000000 0000000000000000");
    assert!(
        matches!(
            e,
            WireError::Invalid {
                field: "CreateContext.DataLength",
                ..
            }
        ),
        "{e:?}"
    );
    // Header cut short.
    let e = invalid("00000000 1000 0400");
    assert!(matches!(e, WireError::Truncated { .. }), "{e:?}");
    // CreateContextsOffset not 8-aligned, and inside the fixed part.
    let e = CreateRequest::decode(&create_with_chain(0x7c, "00000000")).unwrap_err();
    assert!(matches!(e, WireError::Misaligned { .. }), "{e:?}");
    let e = CreateRequest::decode(&create_with_chain(0x40, "00000000")).unwrap_err();
    assert!(matches!(e, WireError::BufferInFixedPart { .. }), "{e:?}");
    // Typed payloads of the wrong size.
    let bad = CreateContext::new(name::QUERY_MAXIMAL_ACCESS, &[0; 4]);
    assert!(bad.parse_request().is_err());
    let bad = CreateContext::new(name::LEASE, &[0; 40]);
    assert!(bad.parse_request().is_err());
    // Unknown contexts stay raw.
    let raw = CreateContext::new(b"ZZZZ", &[1, 2, 3]);
    assert_eq!(raw.parse_request().unwrap(), RequestContext::Other(&raw));
}

#[test]
fn create_response_with_contexts() {
    let msg = rsp(
        5,
        &format!(
            "5900 00 00       # StructureSize 89, OplockLevel NONE, Flags
             01000000         # CreateAction = OPENED
             0080f3c5a6b0d801 0080f3c5a6b0d801 0080f3c5a6b0d801 0080f3c5a6b0d801 # times
             0010000000000000 # AllocationSize 4096
             1700000000000000 # EndofFile 23
             80000000 00000000 # FileAttributes NORMAL, Reserved2
             {FILE_ID}
             98000000 58000000 # CreateContextsOffset 0x98, Length 88
             # MxAc response: Next 32, data 8 bytes at 0x18
             20000000 1000 0400 0000 1800 08000000 4d784163 00000000
             00000000 ff011f00
             # QFid response: last, data 32 bytes at 0x18
             00000000 1000 0400 0000 1800 20000000 51466964 00000000
             2a00000000000000 0700000000000000 00000000000000000000000000000000"
        ),
    );
    let (_, c) = roundtrip::<CreateResponse>(&msg);
    assert_eq!(c.file_id, FID);
    assert_eq!(c.end_of_file, 23);
    assert_eq!(
        c.contexts[0].parse_response().unwrap(),
        ResponseContext::MaximalAccess(MaximalAccessResponse {
            query_status: NtStatus::SUCCESS,
            maximal_access: access::FILE_ALL_ACCESS,
        })
    );
    assert_eq!(
        c.contexts[1].parse_response().unwrap(),
        ResponseContext::QueryOnDiskId(QueryOnDiskIdResponse {
            disk_file_id: 42,
            volume_id: 7,
        })
    );
    // Built from typed contexts: same bytes.
    let built = CreateResponse {
        contexts: vec![
            MaximalAccessResponse {
                query_status: NtStatus::SUCCESS,
                maximal_access: access::FILE_ALL_ACCESS,
            }
            .to_context(),
            QueryOnDiskIdResponse {
                disk_file_id: 42,
                volume_id: 7,
            }
            .to_context(),
        ],
        ..c.clone()
    };
    assert_eq!(built.encode_body_to_vec().unwrap(), &msg[64..]);

    // Without contexts: offset and length 0, 88 bytes of body.
    let plain = CreateResponse {
        contexts: Vec::new(),
        ..c
    }
    .encode_body_to_vec()
    .unwrap();
    assert_eq!(plain.len(), 88);
    assert_eq!(&plain[80..88], &[0; 8]);

    // Bad StructureSize.
    let mut bad = msg.clone();
    bad[64] = 88;
    assert!(matches!(
        CreateResponse::decode(&bad),
        Err(WireError::BadStructureSize { expected: 89, .. })
    ));
}

#[test]
fn close_and_flush() {
    let (_, c) = roundtrip::<CloseRequest>(&req(6, &format!("1800 0100 00000000 {FILE_ID}")));
    assert_eq!(c.flags, FLAG_POSTQUERY_ATTRIB);
    assert_eq!(c.file_id, FID);
    let (_, c) = roundtrip::<CloseResponse>(&rsp(
        6,
        "3c00 0100 00000000
         0100000000000000 0200000000000000 0300000000000000 0400000000000000
         0010000000000000 0500000000000000 20000000",
    ));
    assert_eq!(
        (c.change_time, c.end_of_file, c.file_attributes),
        (4, 5, 0x20)
    );
    let (_, f) = roundtrip::<FlushRequest>(&req(7, &format!("1800 ffff 00000000 {FILE_ID}")));
    assert_eq!(f.reserved1, MACOS_FULL_SYNC);
    roundtrip::<FlushResponse>(&rsp(7, "0400 0000"));

    // A CLOSE cut inside its FileId, and with the wrong StructureSize.
    let short = req(6, "1800 0100 00000000 0100000000000000");
    assert!(matches!(
        CloseRequest::decode(&short),
        Err(WireError::Truncated { .. })
    ));
    let bad = req(6, &format!("1900 0100 00000000 {FILE_ID}"));
    assert!(matches!(
        CloseRequest::decode(&bad),
        Err(WireError::BadStructureSize { .. })
    ));
    // A FLUSH body decoded as CLOSE.
    let flush = req(7, &format!("1800 0000 00000000 {FILE_ID}"));
    assert!(matches!(
        CloseRequest::decode(&flush),
        Err(WireError::WrongCommand { .. })
    ));
}

#[test]
fn read_and_write_with_channel_info() {
    // READ with a 16-byte RDMA descriptor at 0x70.
    let msg_1 = req(
        8,
        &format!(
            "3100 50 01 00000100 0010000000000000 {FILE_ID}
             00000000 01000000 00000000 7000 1000
             000102030405060708090a0b0c0d0e0f"
        ),
    );
    let (_, r) = roundtrip::<ReadRequest>(&msg_1);
    assert_eq!((r.length, r.offset, r.channel), (0x10000, 0x1000, 1));
    assert_eq!(r.read_channel_info.len(), 16);
    // WRITE over RDMA: no inline data, the descriptor at 0x70.
    let msg_2 = req(
        9,
        &format!(
            "3100 7000 00000000 0020000000000000 {FILE_ID}
             01000000 00000100 7000 1000 01000000
             000102030405060708090a0b0c0d0e0f"
        ),
    );
    let (_, w) = roundtrip::<WriteRequest>(&msg_2);
    assert!(w.data.is_empty());
    assert_eq!(w.remaining_bytes, 0x10000);
    assert_eq!(w.write_channel_info.len(), 16);
    // A zero-length write: data offset 0x70, the single padding byte.
    let msg_3 = req(
        9,
        &format!(
            "3100 7000 00000000 0000000000000000 {FILE_ID} 00000000 00000000 7000 0000 00000000 00"
        ),
    );
    let (_, w) = roundtrip::<WriteRequest>(&msg_3);
    assert!(w.data.is_empty());
    let (_, w) = roundtrip::<WriteResponse>(&rsp(9, "1100 0000 00000000 00000000 0000 0000"));
    assert_eq!(w.count, 0);

    // Out-of-range buffers.
    let e = WriteRequest::decode(&req(
        9,
        &format!(
            "3100 7000 ff000000 0000000000000000 {FILE_ID} 00000000 00000000 0000 0000 00000000 00"
        ),
    ))
    .unwrap_err();
    assert!(
        matches!(e, WireError::BufferOutOfRange { field: "Data", .. }),
        "{e:?}"
    );
    let e = ReadResponse::decode(&rsp(8, "1100 40 00 04000000 00000000 00000000 61626364"))
        .unwrap_err();
    assert!(
        matches!(e, WireError::BufferInFixedPart { field: "Data", .. }),
        "{e:?}"
    );
    let e = ReadRequest::decode(&req(
        8,
        &format!(
            "3100 00 00 00100000 0000000000000000 {FILE_ID} 00000000 00000000 00000000 7000 4000 00"
        ),
    ))
    .unwrap_err();
    assert!(matches!(e, WireError::BufferOutOfRange { .. }), "{e:?}");
}

#[test]
fn lock_request_elements() {
    let msg = req(
        10,
        &format!(
            "3000 0200 21000000 {FILE_ID}  # LockCount 2, sequence number 1 / index 2
             0000000000000000 6400000000000000 12000000 00000000 # [0, 100) EXCLUSIVE|FAIL_IMMEDIATELY
             c800000000000000 0100000000000000 04000000 00000000 # [200, 201) UNLOCK"
        ),
    );
    let (_, l) = roundtrip::<LockRequest>(&msg);
    assert_eq!((l.sequence_number(), l.sequence_index()), (1, 2));
    assert_eq!(l.locks.len(), 2);
    assert_eq!(
        l.locks[0].flags,
        lock_flags::EXCLUSIVE_LOCK | lock_flags::FAIL_IMMEDIATELY
    );
    assert_eq!(
        (l.locks[1].offset, l.locks[1].flags),
        (200, lock_flags::UNLOCK)
    );
    roundtrip::<LockResponse>(&rsp(10, "0400 0000"));

    // LockCount 0, and LockCount 3 with two elements present.
    let zero = req(
        10,
        &format!(
            "3000 0000 00000000 {FILE_ID} 0000000000000000 0000000000000000 00000000 00000000"
        ),
    );
    assert!(matches!(
        LockRequest::decode(&zero),
        Err(WireError::Invalid {
            field: "LockCount",
            ..
        })
    ));
    let mut three = msg.clone();
    three[66] = 3;
    assert!(matches!(
        LockRequest::decode(&three),
        Err(WireError::Truncated { .. })
    ));
    assert!(LockRequest::default().encode_body_to_vec().is_err());
}

#[test]
fn oplock_and_lease_breaks() {
    let (_, o) = roundtrip::<OplockBreak>(&rsp(0x12, &format!("1800 01 00 00000000 {FILE_ID}")));
    assert_eq!(o.oplock_level, oplock_level::II);
    let key = "00112233445566778899aabbccddeeff";
    let n = rsp(
        0x12,
        &format!("2c00 0300 01000000 {key} 07000000 01000000 00000000 00000000 00000000"),
    );
    let (_, l) = roundtrip::<LeaseBreakNotification>(&n);
    assert_eq!(
        (l.new_epoch, l.current_lease_state, l.new_lease_state),
        (3, 7, 1)
    );
    let a = req(
        0x12,
        &format!("2400 0000 00000000 {key} 01000000 0000000000000000"),
    );
    let (_, ack) = roundtrip::<LeaseBreakAck>(&a);
    assert_eq!(ack.lease_state, 1);
    // Dispatch by StructureSize.
    assert!(matches!(
        BreakMessage::decode(&n).unwrap(),
        BreakMessage::LeaseNotification(_)
    ));
    assert!(matches!(
        BreakMessage::decode(&a).unwrap(),
        BreakMessage::LeaseAck(_)
    ));
    let bad = req(
        0x12,
        &format!("2000 0000 00000000 {key} 01000000 0000000000000000"),
    );
    assert!(matches!(
        BreakMessage::decode(&bad),
        Err(WireError::BadStructureSize { .. })
    ));
}

#[test]
fn query_directory_messages() {
    let msg_4 = req(
        0xe,
        &format!("2100 25 03 00000000 {FILE_ID} 6000 0200 00000100 2a00"),
    );
    let (_, q) = roundtrip::<QueryDirectoryRequest>(&msg_4);
    assert_eq!(
        DirClass::from_class(q.file_information_class),
        Some(DirClass::IdBothDirectory)
    );
    assert_eq!(q.flags, flags::RESTART_SCANS | flags::RETURN_SINGLE_ENTRY);
    assert_eq!(q.pattern_string().unwrap(), "*");
    assert_eq!(q.output_buffer_length, 0x10000);
    // One FileNamesInformation entry ".".
    let msg_5 = rsp(0xe, "0900 4800 0e000000 00000000 00000000 02000000 2e00");
    let (_, r) = roundtrip::<QueryDirectoryResponse>(&msg_5);
    let entries = fscc::decode_entries(DirClass::Names, r.output).unwrap();
    assert_eq!(entries[0].name_string().unwrap(), ".");
    // Pattern beyond the message.
    let e = QueryDirectoryRequest::decode(&req(
        0xe,
        &format!("2100 25 00 00000000 {FILE_ID} 6000 4000 00000100 2a00"),
    ))
    .unwrap_err();
    assert!(
        matches!(
            e,
            WireError::BufferOutOfRange {
                field: "FileName",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn change_notify_messages() {
    let (_, n) = roundtrip::<ChangeNotifyRequest>(&req(
        0xf,
        &format!("2000 0100 00080000 {FILE_ID} 17000000 00000000"),
    ));
    assert_eq!(n.flags, WATCH_TREE);
    assert_eq!(n.completion_filter, 0x17);
    let msg_6 = rsp(
        0xf,
        &format!("0900 4800 16000000 00000000 01000000 0a000000 {A_TXT}"),
    );
    let (_, r) = roundtrip::<ChangeNotifyResponse>(&msg_6);
    let recs = FileNotifyInformation::decode_all(r.output).unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].name_string().unwrap(), "a.txt");
    // An output buffer claiming more than the message holds.
    let e = ChangeNotifyResponse::decode(&rsp(0xf, "0900 4800 ff000000 00")).unwrap_err();
    assert!(matches!(e, WireError::BufferOutOfRange { .. }), "{e:?}");
}

#[test]
fn query_and_set_info_messages() {
    // QUERY_INFO FileAllInformation: empty input at 0x68 and the padding byte.
    let msg_7 = req(
        0x10,
        &format!("2900 01 12 00100000 6800 0000 00000000 00000000 00000000 {FILE_ID} 00"),
    );
    let (_, q) = roundtrip::<QueryInfoRequest>(&msg_7);
    assert_eq!(
        (q.info_type, q.file_info_class),
        (info_type::FILE, fscc::class::FILE_ALL_INFORMATION)
    );
    // A security query (OWNER|GROUP|DACL).
    let msg_8 = req(
        0x10,
        &format!("2900 03 00 00100000 6800 0000 00000000 07000000 00000000 {FILE_ID} 00"),
    );
    let (_, q) = roundtrip::<QueryInfoRequest>(&msg_8);
    assert_eq!(q.additional_information, 7);
    // The response carries a FileStandardInformation.
    let msg_9 = rsp(
        0x10,
        "0900 4800 18000000 0010000000000000 1700000000000000 01000000 00 00 0000",
    );
    let (_, r) = roundtrip::<QueryInfoResponse>(&msg_9);
    let s = FileStandardInformation::decode(r.output).unwrap();
    assert_eq!(
        (s.allocation_size, s.end_of_file, s.number_of_links),
        (4096, 23, 1)
    );
    // Input buffer out of range.
    let e = QueryInfoRequest::decode(&req(
        0x10,
        &format!("2900 01 0f 00100000 6800 0000 20000000 00000000 00000000 {FILE_ID} 00"),
    ))
    .unwrap_err();
    assert!(
        matches!(
            e,
            WireError::BufferOutOfRange {
                field: "InputBuffer",
                ..
            }
        ),
        "{e:?}"
    );

    // SET_INFO FileRenameInformation to "b.txt".
    let msg_10 = req(
        0x11,
        &format!(
            "2100 01 0a 1e000000 6000 0000 00000000 {FILE_ID}
             01 00000000000000 0000000000000000 0a000000 62002e00740078007400"
        ),
    );
    let (_, s) = roundtrip::<SetInfoRequest>(&msg_10);
    assert_eq!(s.file_info_class, fscc::class::FILE_RENAME_INFORMATION);
    let rename = FileRenameInformation::decode(s.buffer).unwrap();
    assert!(rename.replace_if_exists);
    assert_eq!(rename.name_string().unwrap(), "b.txt");
    roundtrip::<SetInfoResponse>(&rsp(0x11, "0200"));
    // SET_INFO buffer inside the fixed part.
    let e = SetInfoRequest::decode(&req(
        0x11,
        &format!("2100 01 0d 01000000 5000 0000 00000000 {FILE_ID} 01"),
    ))
    .unwrap_err();
    assert!(matches!(e, WireError::BufferInFixedPart { .. }), "{e:?}");
    let e = SetInfoResponse::decode(&rsp(0x11, "0400")).unwrap_err();
    assert!(matches!(e, WireError::BadStructureSize { .. }), "{e:?}");
}
