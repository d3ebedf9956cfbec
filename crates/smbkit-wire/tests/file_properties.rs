//! Property tests for the file-service messages and the FSCC classes: no
//! decoder panics on arbitrary, framed or mutated bytes, and
//! decode(encode(v)) == v for generated values.

// Test helpers may fail loudly (clippy.toml allows it inside #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use smbkit_wire::change_notify::{ChangeNotifyRequest, ChangeNotifyResponse};
use smbkit_wire::close::{CloseRequest, CloseResponse};
use smbkit_wire::create::context::{
    DurableReconnect, DurableReconnectV2, DurableRequest, DurableRequestV2, DurableResponse,
    DurableResponseV2, Lease, LeaseV1, LeaseV2, MaximalAccessRequest, MaximalAccessResponse,
    QueryOnDiskIdResponse,
};
use smbkit_wire::create::{CreateContext, CreateRequest, CreateResponse};
use smbkit_wire::flush::{FlushRequest, FlushResponse};
use smbkit_wire::fscc::*;
use smbkit_wire::lock::{LockElement, LockRequest, LockResponse};
use smbkit_wire::oplock_break::{BreakMessage, LeaseBreakAck, LeaseBreakNotification, OplockBreak};
use smbkit_wire::query_directory::{QueryDirectoryRequest, QueryDirectoryResponse};
use smbkit_wire::query_info::{QueryInfoRequest, QueryInfoResponse};
use smbkit_wire::read::{ReadRequest, ReadResponse};
use smbkit_wire::set_info::{SetInfoRequest, SetInfoResponse};
use smbkit_wire::write::{WriteRequest, WriteResponse};
use smbkit_wire::{Command, FileId, Guid, Header, NtStatus, Pdu, Writer};

/// Runs every file-message decoder over `bytes`.
fn decode_messages(bytes: &[u8]) {
    let _ = CreateRequest::decode(bytes).map(|c| {
        c.contexts
            .iter()
            .filter(|x| x.parse_request().is_ok())
            .count()
    });
    let _ = CreateResponse::decode(bytes).map(|c| {
        c.contexts
            .iter()
            .filter(|x| x.parse_response().is_ok())
            .count()
    });
    let _ = CloseRequest::decode(bytes);
    let _ = CloseResponse::decode(bytes);
    let _ = FlushRequest::decode(bytes);
    let _ = FlushResponse::decode(bytes);
    let _ = ReadRequest::decode(bytes);
    let _ = ReadResponse::decode(bytes);
    let _ = WriteRequest::decode(bytes);
    let _ = WriteResponse::decode(bytes);
    let _ = LockRequest::decode(bytes);
    let _ = LockResponse::decode(bytes);
    let _ = BreakMessage::decode(bytes);
    let _ = QueryDirectoryRequest::decode(bytes).map(|q| q.pattern_string());
    let _ = QueryDirectoryResponse::decode(bytes);
    let _ = ChangeNotifyRequest::decode(bytes);
    let _ = ChangeNotifyResponse::decode(bytes);
    let _ = QueryInfoRequest::decode(bytes);
    let _ = QueryInfoResponse::decode(bytes);
    let _ = SetInfoRequest::decode(bytes);
    let _ = SetInfoResponse::decode(bytes);
}

/// Runs every FSCC decoder over `bytes`.
fn decode_classes(b: &[u8]) {
    let _ = FileBasicInformation::decode(b);
    let _ = FileStandardInformation::decode(b);
    let _ = FileInternalInformation::decode(b);
    let _ = FileEaInformation::decode(b);
    let _ = FileAccessInformation::decode(b);
    let _ = FilePositionInformation::decode(b);
    let _ = FileModeInformation::decode(b);
    let _ = FileAlignmentInformation::decode(b);
    let _ = FileAllInformation::decode(b);
    let _ = FileNetworkOpenInformation::decode(b);
    let _ = FileAttributeTagInformation::decode(b);
    let _ = FileStreamInformation::decode(b);
    let _ = FileNameInformation::decode(b).map(|n| n.name_string());
    let _ = FileNormalizedNameInformation::decode(b);
    let _ = FileAlternateNameInformation::decode(b);
    let _ = FileIdInformation::decode(b);
    let _ = FileEndOfFileInformation::decode(b);
    let _ = FileAllocationInformation::decode(b);
    let _ = FileDispositionInformation::decode(b);
    let _ = FileDispositionInformationEx::decode(b);
    let _ = FileRenameInformation::decode(b);
    let _ = FileFsVolumeInformation::decode(b);
    let _ = FileFsSizeInformation::decode(b);
    let _ = FileFsFullSizeInformation::decode(b);
    let _ = FileFsDeviceInformation::decode(b);
    let _ = FileFsAttributeInformation::decode(b);
    let _ = FileFsSectorSizeInformation::decode(b);
    let _ = FileFsObjectIdInformation::decode(b);
    let _ = FileNotifyInformation::decode_all(b);
    for class in DirClass::ALL {
        let _ = decode_entries(class, b);
    }
    let _ = Lease::decode(b);
    let _ = MaximalAccessRequest::decode(b);
    let _ = MaximalAccessResponse::decode(b);
    let _ = QueryOnDiskIdResponse::decode(b);
    let _ = DurableRequestV2::decode(b);
    let _ = DurableReconnectV2::decode(b);
    let _ = DurableReconnect::decode(b);
}

fn framed(command: u16, structure_size: u16, tail: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let mut w = Writer::new(&mut v);
    Header {
        command: Command(command),
        ..Header::default()
    }
    .encode(&mut w);
    w.u16(structure_size);
    w.bytes(tail);
    v
}

fn leak(v: Vec<u8>) -> &'static [u8] {
    Box::leak(v.into_boxed_slice())
}

fn blob(max: usize) -> impl Strategy<Value = &'static [u8]> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(leak)
}

fn nonempty(max: usize) -> impl Strategy<Value = &'static [u8]> {
    prop::collection::vec(any::<u8>(), 1..max).prop_map(leak)
}

fn file_id() -> impl Strategy<Value = FileId> {
    any::<(u64, u64)>().prop_map(|(persistent, volatile)| FileId {
        persistent,
        volatile,
    })
}

fn context() -> impl Strategy<Value = CreateContext<'static>> {
    prop_oneof![
        (nonempty(20), blob(60)).prop_map(|(n, d)| CreateContext::new(n, d)),
        any::<Option<u64>>().prop_map(|timestamp| MaximalAccessRequest { timestamp }.to_context()),
        any::<(u32, u32)>().prop_map(|(s, a)| MaximalAccessResponse {
            query_status: NtStatus(s),
            maximal_access: a
        }
        .to_context()),
        any::<(u64, u64)>().prop_map(|(d, v)| QueryOnDiskIdResponse {
            disk_file_id: d,
            volume_id: v
        }
        .to_context()),
        Just(DurableRequest.to_context()),
        Just(DurableResponse.to_context()),
        file_id().prop_map(|file_id| DurableReconnect { file_id }.to_context()),
        (any::<(u32, u32)>(), any::<[u8; 16]>()).prop_map(|((timeout, flags), g)| {
            DurableRequestV2 {
                timeout,
                flags,
                create_guid: Guid(g),
            }
            .to_context()
        }),
        any::<(u32, u32)>()
            .prop_map(|(timeout, flags)| DurableResponseV2 { timeout, flags }.to_context()),
        (file_id(), any::<[u8; 16]>(), any::<u32>()).prop_map(|(file_id, g, flags)| {
            DurableReconnectV2 {
                file_id,
                create_guid: Guid(g),
                flags,
            }
            .to_context()
        }),
        (
            any::<([u8; 16], u32, u32, u64)>(),
            any::<Option<([u8; 16], u16)>>()
        )
            .prop_map(
                |((lease_key, lease_state, lease_flags, lease_duration), v2)| match v2 {
                    None => Lease::V1(LeaseV1 {
                        lease_key,
                        lease_state,
                        lease_flags,
                        lease_duration
                    }),
                    Some((parent_lease_key, epoch)) => Lease::V2(LeaseV2 {
                        lease_key,
                        lease_state,
                        lease_flags,
                        lease_duration,
                        parent_lease_key,
                        epoch,
                    }),
                }
                .to_context()
            ),
    ]
}

/// Encodes `body` after a header for `command`, decodes it and compares.
fn check<'a, P>(command: Command, body: &P, buf: &'a mut Vec<u8>) -> Result<(), TestCaseError>
where
    P: Pdu<'a> + PartialEq + core::fmt::Debug,
{
    let mut w = Writer::new(&mut *buf);
    Header {
        command,
        ..Header::default()
    }
    .encode(&mut w);
    body.encode(&mut w)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let buf: &'a Vec<u8> = buf;
    let back = P::decode(buf).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, body);
    Ok(())
}

fn check_class<'a, T>(v: &T, buf: &'a mut Vec<u8>) -> Result<(), TestCaseError>
where
    T: InfoClass<'a> + PartialEq + core::fmt::Debug,
{
    *buf = v
        .to_bytes()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let buf: &'a Vec<u8> = buf;
    prop_assert!(buf.len() >= T::FIXED_LEN);
    let back = T::decode(buf).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, v);
    Ok(())
}

fn dir_entry(class: DirClass) -> impl Strategy<Value = DirEntry<'static>> {
    (
        any::<(u32, u64, u64, u64, u64, u64, u64, u32)>(),
        any::<(u32, u64, u32, [u8; 16])>(),
        blob(24),
        blob(60),
    )
        .prop_map(
            move |((fi, c, a, w, ch, eof, al, attr), (ea, id, tag, id128), short, name)| {
                let mut e = DirEntry {
                    file_index: fi,
                    file_name: name,
                    ..DirEntry::default()
                };
                if class != DirClass::Names {
                    e.creation_time = c;
                    e.last_access_time = a;
                    e.last_write_time = w;
                    e.change_time = ch;
                    e.end_of_file = eof;
                    e.allocation_size = al;
                    e.file_attributes = attr;
                }
                if !matches!(class, DirClass::Directory | DirClass::Names) {
                    e.ea_size = ea;
                }
                if matches!(class, DirClass::BothDirectory | DirClass::IdBothDirectory) {
                    e.short_name = short;
                }
                if matches!(class, DirClass::IdBothDirectory | DirClass::IdFullDirectory) {
                    e.file_id = id;
                }
                if class == DirClass::IdExtdDirectory {
                    e.reparse_point_tag = tag;
                    e.file_id_128 = id128;
                }
                e
            },
        )
}

const FILE_COMMANDS: [(u16, u16); 16] = [
    (5, 57),
    (5, 89),
    (6, 24),
    (6, 60),
    (7, 24),
    (8, 49),
    (8, 17),
    (9, 49),
    (9, 17),
    (10, 48),
    (0x12, 24),
    (0x12, 44),
    (0x12, 36),
    (0xe, 33),
    (0x10, 41),
    (0x11, 33),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn message_decoders_never_panic_on_framed_bodies(
        pick in 0usize..FILE_COMMANDS.len(),
        wrong_size in any::<Option<u16>>(),
        tail in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let (command, size) = FILE_COMMANDS[pick];
        decode_messages(&framed(command, wrong_size.unwrap_or(size), &tail));
    }

    #[test]
    fn class_decoders_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        decode_classes(&bytes);
        decode_messages(&bytes);
    }

    #[test]
    fn create_decoders_never_panic_on_mutated_chains(
        contexts in prop::collection::vec(context(), 1..4),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let req = CreateRequest { name: b"a\0", contexts, ..CreateRequest::default() };
        let mut v = Vec::new();
        let mut w = Writer::new(&mut v);
        Header { command: Command::CREATE, ..Header::default() }.encode(&mut w);
        req.encode(&mut w).unwrap();
        // Mutate only the body so the header keeps routing to CREATE.
        for (at, value) in edits {
            let i = 64 + at.index(v.len() - 64);
            v[i] = value;
        }
        decode_messages(&v);
    }

    #[test]
    fn create_roundtrip(
        fields in any::<(u8, u8, u32, u64, u32, u32, u32, u32, u32)>(),
        name in blob(80),
        contexts in prop::collection::vec(context(), 0..5),
        rsp in any::<(u8, u8, u32, u64, u64, u64, u64, u64, u64, u32)>(),
        fid in file_id(),
        rsp_contexts in prop::collection::vec(context(), 0..4),
    ) {
        let (security_flags, requested_oplock_level, impersonation_level, smb_create_flags,
             desired_access, file_attributes, share_access, create_disposition, create_options) = fields;
        let req = CreateRequest {
            security_flags, requested_oplock_level, impersonation_level, smb_create_flags,
            desired_access, file_attributes, share_access, create_disposition, create_options,
            name, contexts,
        };
        check(Command::CREATE, &req, &mut Vec::new())?;
        for c in &req.contexts {
            let _ = c.parse_request();
        }
        let (oplock_level, flags, create_action, creation_time, last_access_time,
             last_write_time, change_time, allocation_size, end_of_file, file_attributes) = rsp;
        let rsp = CreateResponse {
            oplock_level, flags, create_action, creation_time, last_access_time, last_write_time,
            change_time, allocation_size, end_of_file, file_attributes, file_id: fid,
            contexts: rsp_contexts,
        };
        check(Command::CREATE, &rsp, &mut Vec::new())?;
    }

    #[test]
    fn small_messages_roundtrip(
        fid in file_id(),
        a in any::<(u16, u64, u64, u64, u64, u64, u64, u32)>(),
        b in any::<(u8, u8, u32, u32, u32, u16)>(),
        key in any::<[u8; 16]>(),
        locks in prop::collection::vec(any::<(u64, u64, u32)>(), 1..20),
    ) {
        let (flags, t1, t2, t3, t4, al, eof, attr) = a;
        check(Command::CLOSE, &CloseRequest { flags, file_id: fid }, &mut Vec::new())?;
        check(Command::CLOSE, &CloseResponse {
            flags, creation_time: t1, last_access_time: t2, last_write_time: t3,
            change_time: t4, allocation_size: al, end_of_file: eof, file_attributes: attr,
        }, &mut Vec::new())?;
        check(Command::FLUSH, &FlushRequest { reserved1: flags, file_id: fid }, &mut Vec::new())?;
        check(Command::FLUSH, &FlushResponse, &mut Vec::new())?;
        let (level, _, x, y, z, epoch) = b;
        check(Command::OPLOCK_BREAK, &OplockBreak { oplock_level: level, file_id: fid }, &mut Vec::new())?;
        check(Command::OPLOCK_BREAK, &LeaseBreakNotification {
            new_epoch: epoch, flags: x, lease_key: key, current_lease_state: y,
            new_lease_state: z, break_reason: x, access_mask_hint: y, share_mask_hint: z,
        }, &mut Vec::new())?;
        check(Command::OPLOCK_BREAK, &LeaseBreakAck {
            flags: x, lease_key: key, lease_state: y, lease_duration: t1,
        }, &mut Vec::new())?;
        let locks: Vec<LockElement> = locks.into_iter()
            .map(|(offset, length, flags)| LockElement { offset, length, flags }).collect();
        check(Command::LOCK, &LockRequest { lock_sequence: x, file_id: fid, locks }, &mut Vec::new())?;
        check(Command::LOCK, &LockResponse, &mut Vec::new())?;
        check(Command::CHANGE_NOTIFY, &ChangeNotifyRequest {
            flags, output_buffer_length: x, file_id: fid, completion_filter: y,
        }, &mut Vec::new())?;
        check(Command::SET_INFO, &SetInfoResponse, &mut Vec::new())?;
    }

    #[test]
    fn buffer_messages_roundtrip(
        fid in file_id(),
        n in any::<(u8, u8, u32, u64, u32, u32, u32, u32)>(),
        data in blob(300),
        info in blob(40),
        out in blob(300),
    ) {
        let (p, f, len, off, min, ch, rem, extra) = n;
        check(Command::READ, &ReadRequest {
            padding: p, flags: f, length: len, offset: off, file_id: fid, minimum_count: min,
            channel: ch, remaining_bytes: rem, read_channel_info: info,
        }, &mut Vec::new())?;
        check(Command::READ, &ReadResponse { data, data_remaining: rem, flags: extra }, &mut Vec::new())?;
        check(Command::WRITE, &WriteRequest {
            offset: off, file_id: fid, channel: ch, remaining_bytes: rem, flags: extra,
            data, write_channel_info: info,
        }, &mut Vec::new())?;
        check(Command::WRITE, &WriteResponse { count: len, remaining: rem }, &mut Vec::new())?;
        check(Command::QUERY_DIRECTORY, &QueryDirectoryRequest {
            file_information_class: p, flags: f, file_index: len, file_id: fid,
            pattern: info, output_buffer_length: min,
        }, &mut Vec::new())?;
        check(Command::QUERY_DIRECTORY, &QueryDirectoryResponse { output: out }, &mut Vec::new())?;
        check(Command::CHANGE_NOTIFY, &ChangeNotifyResponse { output: out }, &mut Vec::new())?;
        check(Command::QUERY_INFO, &QueryInfoRequest {
            info_type: p, file_info_class: f, output_buffer_length: len,
            additional_information: min, flags: ch, file_id: fid, input: info,
        }, &mut Vec::new())?;
        check(Command::QUERY_INFO, &QueryInfoResponse { output: out }, &mut Vec::new())?;
        check(Command::SET_INFO, &SetInfoRequest {
            info_type: p, file_info_class: f, additional_information: min, file_id: fid, buffer: data,
        }, &mut Vec::new())?;
    }

    #[test]
    fn fscc_classes_roundtrip(
        t in any::<(u64, u64, u64, u64, u64, u64, u32, u32)>(),
        flags in any::<(bool, bool, u32)>(),
        name in blob(80),
        id in any::<[u8; 16]>(),
        streams in prop::collection::vec((blob(40), any::<(u64, u64)>()), 0..5),
    ) {
        let (c, a, w, ch, al, eof, attr, n) = t;
        let (b1, b2, x) = flags;
        let basic = FileBasicInformation { creation_time: c, last_access_time: a, last_write_time: w, change_time: ch, file_attributes: attr };
        let standard = FileStandardInformation { allocation_size: al, end_of_file: eof, number_of_links: n, delete_pending: b1, directory: b2 };
        check_class(&basic, &mut Vec::new())?;
        check_class(&standard, &mut Vec::new())?;
        check_class(&FileNetworkOpenInformation { creation_time: c, last_access_time: a, last_write_time: w, change_time: ch, allocation_size: al, end_of_file: eof, file_attributes: attr }, &mut Vec::new())?;
        check_class(&FileAttributeTagInformation { file_attributes: attr, reparse_tag: n }, &mut Vec::new())?;
        check_class(&FileIdInformation { volume_serial_number: c, file_id: id }, &mut Vec::new())?;
        check_class(&FileEndOfFileInformation { end_of_file: eof }, &mut Vec::new())?;
        check_class(&FileAllocationInformation { allocation_size: al }, &mut Vec::new())?;
        check_class(&FileDispositionInformation { delete_pending: b1 }, &mut Vec::new())?;
        check_class(&FileDispositionInformationEx { flags: x }, &mut Vec::new())?;
        check_class(&FileNameInformation { file_name: name }, &mut Vec::new())?;
        check_class(&FileNormalizedNameInformation { file_name: name }, &mut Vec::new())?;
        check_class(&FileAlternateNameInformation { file_name: name }, &mut Vec::new())?;
        check_class(&FileRenameInformation { replace_if_exists: b1, root_directory: a, file_name: name }, &mut Vec::new())?;
        check_class(&FileAllInformation {
            basic, standard,
            internal: FileInternalInformation { index_number: w },
            ea: FileEaInformation { ea_size: n },
            access: FileAccessInformation { access_flags: x },
            position: FilePositionInformation { current_byte_offset: ch },
            mode: FileModeInformation { mode: attr },
            alignment: FileAlignmentInformation { alignment_requirement: n },
            name: FileNameInformation { file_name: name },
        }, &mut Vec::new())?;
        let entries = streams.into_iter().map(|(name, (size, allocation_size))| StreamEntry { name, size, allocation_size }).collect();
        check_class(&FileStreamInformation { entries }, &mut Vec::new())?;
        check_class(&FileFsVolumeInformation { volume_creation_time: c, volume_serial_number: n, supports_objects: b2, volume_label: name }, &mut Vec::new())?;
        check_class(&FileFsSizeInformation { total_allocation_units: c, available_allocation_units: a, sectors_per_allocation_unit: n, bytes_per_sector: x }, &mut Vec::new())?;
        check_class(&FileFsFullSizeInformation { total_allocation_units: c, caller_available_allocation_units: a, actual_available_allocation_units: w, sectors_per_allocation_unit: n, bytes_per_sector: x }, &mut Vec::new())?;
        check_class(&FileFsDeviceInformation { device_type: n, characteristics: x }, &mut Vec::new())?;
        check_class(&FileFsAttributeInformation { file_system_attributes: attr, maximum_component_name_length: n, file_system_name: name }, &mut Vec::new())?;
        check_class(&FileFsSectorSizeInformation { logical_bytes_per_sector: n, physical_bytes_per_sector_for_atomicity: x, physical_bytes_per_sector_for_performance: attr, effective_physical_bytes_per_sector_for_atomicity: n, flags: x, byte_offset_for_sector_alignment: attr, byte_offset_for_partition_alignment: n }, &mut Vec::new())?;
        let mut ext = [0u8; 48];
        ext[..16].copy_from_slice(&id);
        check_class(&FileFsObjectIdInformation { object_id: id, extended_info: ext }, &mut Vec::new())?;
    }

    #[test]
    fn directory_builder_roundtrip(
        class in prop::sample::select(DirClass::ALL.to_vec()),
        entries in prop::collection::vec(dir_entry(DirClass::IdBothDirectory), 0..12),
        limit in 0u32..2000,
    ) {
        // Keep only the fields this class carries.
        let entries: Vec<DirEntry<'static>> = entries.iter().map(|e| {
            let bytes = leak(e.encode(class).unwrap());
            decode_entries(class, bytes).unwrap()[0]
        }).collect();
        let mut b = DirectoryBuilder::new(class, limit);
        let mut added = 0;
        for e in &entries {
            match b.push(e).unwrap() {
                Pushed::Added => added += 1,
                Pushed::DoesNotFit => break,
            }
        }
        let buf = b.finish();
        prop_assert!(buf.len() <= limit as usize);
        let back = decode_entries(class, &buf).unwrap();
        prop_assert_eq!(back.as_slice(), &entries[..added]);
    }

    #[test]
    fn dir_entry_roundtrip_per_class(
        (class, e) in prop::sample::select(DirClass::ALL.to_vec())
            .prop_flat_map(|c| (Just(c), dir_entry(c))),
    ) {
        let bytes = e.encode(class).unwrap();
        prop_assert_eq!(bytes.len(), class.fixed_len() + e.file_name.len());
        prop_assert_eq!(decode_entries(class, &bytes).unwrap(), vec![e]);
    }

    #[test]
    fn decoders_never_panic_on_mutated_windows_read_write(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let seeds: Vec<Vec<u8>> = include_str!("data/windows-file-packets.toml")
            .lines()
            .filter_map(|l| l.strip_prefix("plaintext = \"")?.strip_suffix('"').map(|h| hex::decode(h).unwrap()))
            .collect();
        prop_assert_eq!(seeds.len(), 12);
        let mut msg = pick.get(&seeds).clone();
        for (at, value) in edits {
            let i = at.index(msg.len());
            msg[i] = value;
        }
        decode_messages(&msg);
        let len = cut.index(msg.len() + 1);
        decode_messages(&msg[..len]);
    }
}
