//! Round trips of the FSCC information classes (MS-FSCC 2.4, 2.5, 2.7.1).
//! Every buffer below was written by hand from the MS-FSCC layouts (field by
//! field, commented), not captured.

// Test helpers may fail loudly (clippy.toml allows it inside #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::hex_bytes;
use smbkit_wire::NtStatus;
use smbkit_wire::codec::string_to_utf16le;
use smbkit_wire::fscc::*;

/// Decodes `hex` as `T`, re-encodes, requires the same bytes, and checks the
/// class constants.
fn rt<'a, T: InfoClass<'a> + core::fmt::Debug>(bytes: &'a [u8], info_type: u8, class: u8) -> T {
    let v = T::decode(bytes).unwrap_or_else(|e| panic!("decodes: {e}"));
    assert_eq!(
        hex::encode(v.to_bytes().unwrap()),
        hex::encode(bytes),
        "{v:?}"
    );
    assert_eq!((T::INFO_TYPE, T::CLASS), (info_type, class));
    assert!(T::FIXED_LEN <= bytes.len());
    // One byte short of the fixed part fails (classes with a fixed part).
    if T::FIXED_LEN > 0 {
        assert!(T::decode(&bytes[..T::FIXED_LEN - 1]).is_err());
    }
    v
}

const T1: &str = "0100000000000000";
const T2: &str = "0200000000000000";
const T3: &str = "0300000000000000";
const T4: &str = "0400000000000000";

#[test]
fn single_record_file_classes() {
    let b = hex_bytes(&format!("{T1} {T2} {T3} {T4} 20000000 00000000"));
    let basic: FileBasicInformation = rt(&b, 1, 4);
    assert_eq!(
        (
            basic.creation_time,
            basic.change_time,
            basic.file_attributes
        ),
        (1, 4, 0x20)
    );

    let b = hex_bytes("0010000000000000 1700000000000000 01000000 01 00 0000");
    let std: FileStandardInformation = rt(&b, 1, 5);
    assert!(std.delete_pending && !std.directory);

    let b = hex_bytes("2a00000000000000");
    assert_eq!(rt::<FileInternalInformation>(&b, 1, 6).index_number, 42);
    let b = hex_bytes("00000000");
    assert_eq!(rt::<FileEaInformation>(&b, 1, 7).ea_size, 0);
    let b = hex_bytes("ff011f00");
    assert_eq!(
        rt::<FileAccessInformation>(&b, 1, 8).access_flags,
        0x001f_01ff
    );
    let b = hex_bytes("0000010000000000");
    assert_eq!(
        rt::<FilePositionInformation>(&b, 1, 14).current_byte_offset,
        0x10000
    );
    let b = hex_bytes("20000000");
    assert_eq!(rt::<FileModeInformation>(&b, 1, 16).mode, 0x20);
    let b = hex_bytes("00000000");
    assert_eq!(
        rt::<FileAlignmentInformation>(&b, 1, 17).alignment_requirement,
        0
    );

    let b = hex_bytes(&format!(
        "{T1} {T2} {T3} {T4} 0010000000000000 1700000000000000 80000000 00000000"
    ));
    let n: FileNetworkOpenInformation = rt(&b, 1, 34);
    assert_eq!(
        (n.allocation_size, n.end_of_file, n.file_attributes),
        (4096, 23, 0x80)
    );

    let b = hex_bytes("00040000 0c0000a0");
    let t: FileAttributeTagInformation = rt(&b, 1, 35);
    assert_eq!(t.reparse_tag, 0xa000_000c);

    let b = hex_bytes("efbeadde00000000 2a000000000000000000000000000000");
    let id: FileIdInformation = rt(&b, 1, 59);
    assert_eq!(
        (id.volume_serial_number, id.file_id[0]),
        (0xdead_beef, 0x2a)
    );

    let b = hex_bytes("0000100000000000");
    assert_eq!(
        rt::<FileEndOfFileInformation>(&b, 1, 20).end_of_file,
        0x10_0000
    );
    let b = hex_bytes("0000200000000000");
    assert_eq!(
        rt::<FileAllocationInformation>(&b, 1, 19).allocation_size,
        0x20_0000
    );
    let b = hex_bytes("01");
    assert!(rt::<FileDispositionInformation>(&b, 1, 13).delete_pending);
    let b = hex_bytes("03000000");
    assert_eq!(
        rt::<FileDispositionInformationEx>(&b, 1, 64).flags,
        disposition_ex::DELETE | disposition_ex::POSIX_SEMANTICS
    );
}

#[test]
fn name_classes_rename_and_all() {
    // "dir\a.txt"
    let name = "6400690072005c0061002e00740078007400";
    let b = hex_bytes(&format!("12000000 {name}"));
    assert_eq!(
        rt::<FileNameInformation>(&b, 1, 9).name_string().unwrap(),
        "dir\\a.txt"
    );
    assert_eq!(
        rt::<FileNormalizedNameInformation>(&b, 1, 48)
            .name_string()
            .unwrap(),
        "dir\\a.txt"
    );
    // "A~1.TXT" as an 8.3 name.
    let b = hex_bytes("0e000000 41007e0031002e00540058005400");
    assert_eq!(
        rt::<FileAlternateNameInformation>(&b, 1, 21)
            .name_string()
            .unwrap(),
        "A~1.TXT"
    );
    // A name longer than the buffer.
    assert!(FileNameInformation::decode(&hex_bytes("20000000 4100")).is_err());

    let b = hex_bytes(&format!(
        "00 00000000000000 # ReplaceIfExists 0, Reserved
         0000000000000000  # RootDirectory
         12000000 {name}   # FileNameLength 18, FileName"
    ));
    let r: FileRenameInformation = rt(&b, 1, 10);
    assert!(!r.replace_if_exists);
    assert_eq!(r.name_string().unwrap(), "dir\\a.txt");

    // FileAllInformation: the offsets smbclient reads (attributes at 0x20,
    // EndOfFile at 0x30, IndexNumber at 0x40) and the name at 100.
    let b = hex_bytes(&format!(
        "{T1} {T2} {T3} {T4} 20000000 00000000   # Basic
         0010000000000000 1700000000000000 01000000 00 00 0000 # Standard
         2a00000000000000                        # Internal
         00000000                                # Ea
         ff011f00                                # Access
         0000000000000000                        # Position
         00000000                                # Mode
         00000000                                # Alignment
         12000000 {name}                         # Name"
    ));
    let all: FileAllInformation = rt(&b, 1, 18);
    assert_eq!(b[0x20], 0x20);
    assert_eq!(b[0x30], 0x17);
    assert_eq!(b[0x40], 0x2a);
    assert_eq!(all.internal.index_number, 42);
    assert_eq!(all.standard.end_of_file, 23);
    assert_eq!(all.name.name_string().unwrap(), "dir\\a.txt");
}

#[test]
fn stream_information_chain() {
    // "::$DATA" (14 bytes) then ":x:$DATA" (16 bytes); entry 1 is 24 + 14 =
    // 38 bytes, padded to 40; nothing after entry 2.
    let expected = hex_bytes(
        "28000000 0e000000 1700000000000000 0010000000000000 # Next 40, NameLength 14, size 23, alloc 4096
         3a003a00240044004100540041 00 0000                  # ::$DATA, padding
         00000000 10000000 0300000000000000 0800000000000000 # last, NameLength 16, size 3, alloc 8
         3a0078003a0024004400410054004100                    # :x:$DATA",
    );
    let first_name = string_to_utf16le("::$DATA");
    let s: FileStreamInformation = rt(&expected, 1, 22);
    assert_eq!(s.entries.len(), 2);
    assert_eq!(s.entries[0].name, first_name.as_slice());
    assert_eq!((s.entries[1].size, s.entries[1].allocation_size), (3, 8));
    // An empty list is zero bytes.
    assert!(
        FileStreamInformation::decode(&[])
            .unwrap()
            .entries
            .is_empty()
    );
    // A NextEntryOffset pointing past the end, and one whose entry cannot
    // hold its own name.
    let mut bad = expected.clone();
    bad[0] = 0xf0;
    assert!(FileStreamInformation::decode(&bad).is_err());
    let mut bad = expected.clone();
    bad[0] = 24;
    assert!(FileStreamInformation::decode(&bad).is_err());
}

#[test]
fn file_system_classes() {
    // Label "share" (10 bytes).
    let b = hex_bytes("0080f3c5a6b0d801 78563412 0a000000 00 00 73006800610072006500");
    let v: FileFsVolumeInformation = rt(&b, 2, 1);
    assert_eq!(
        (v.volume_serial_number, v.label_string().unwrap()),
        (0x1234_5678, "share".into())
    );

    let b = hex_bytes("0000100000000000 0000080000000000 08000000 00020000");
    let s: FileFsSizeInformation = rt(&b, 2, 3);
    assert_eq!(b.len(), 24);
    assert_eq!(s.bytes_per_sector, 512);

    let b = hex_bytes("0000100000000000 0000080000000000 0000070000000000 08000000 00020000");
    let f: FileFsFullSizeInformation = rt(&b, 2, 7);
    assert_eq!(f.actual_available_allocation_units, 0x7_0000);

    let b = hex_bytes("07000000 20000000");
    let d: FileFsDeviceInformation = rt(&b, 2, 4);
    assert_eq!(d.device_type, FILE_DEVICE_DISK);
    assert_eq!(d.characteristics, device_characteristics::DEVICE_IS_MOUNTED);

    // "NTFS"
    let b = hex_bytes("07000000 ff000000 08000000 4e00540046005300");
    let a: FileFsAttributeInformation = rt(&b, 2, 5);
    assert_eq!(
        a.file_system_attributes,
        fs_attributes::CASE_SENSITIVE_SEARCH
            | fs_attributes::CASE_PRESERVED_NAMES
            | fs_attributes::UNICODE_ON_DISK
    );
    assert_eq!(a.maximum_component_name_length, 255);

    let b = hex_bytes("00100000 00100000 00100000 00100000 03000000 00000000 00000000");
    let ss: FileFsSectorSizeInformation = rt(&b, 2, 11);
    assert_eq!(
        ss.flags,
        sector_size_flags::ALIGNED_DEVICE | sector_size_flags::PARTITION_ALIGNED_ON_DEVICE
    );

    let mut b = vec![0u8; 64];
    b[..16].copy_from_slice(&[0x11; 16]);
    let o: FileFsObjectIdInformation = rt(&b, 2, 8);
    assert_eq!(o.object_id, [0x11; 16]);
}

#[test]
fn fit_output_rules() {
    let name = string_to_utf16le("a-long-file-name");
    let bytes = FileNameInformation { file_name: &name }.to_bytes().unwrap();
    // Too small for the fixed part.
    assert_eq!(
        fit_output(bytes.clone(), FileNameInformation::FIXED_LEN, 3),
        Err(NtStatus::INFO_LENGTH_MISMATCH)
    );
    // Fixed part fits, name cut: BUFFER_OVERFLOW, FileNameLength still full.
    let (cut, status) = fit_output(bytes.clone(), FileNameInformation::FIXED_LEN, 8).unwrap();
    assert_eq!(status, NtStatus::BUFFER_OVERFLOW);
    assert_eq!(cut.len(), 8);
    assert_eq!(&cut[..4], &(name.len() as u32).to_le_bytes());
    // Everything fits.
    let (all, status) = fit_output(bytes.clone(), 4, 1000).unwrap();
    assert_eq!((all, status), (bytes, NtStatus::SUCCESS));
}

/// The smallest OutputBufferLength per class: the table smbtorture
/// smb2.getinfo.qfile_buffercheck / qfs_buffercheck checks against Windows
/// (source4/torture/smb2/getinfo.c, samba-4.17.12), and MS-FSA 2.1.5.12/13.
#[test]
fn min_output_len_per_class() {
    let table: [(&str, usize, usize); 19] = [
        ("basic", FileBasicInformation::MIN_OUTPUT_LEN, 40),
        ("standard", FileStandardInformation::MIN_OUTPUT_LEN, 24),
        ("internal", FileInternalInformation::MIN_OUTPUT_LEN, 8),
        ("ea", FileEaInformation::MIN_OUTPUT_LEN, 4),
        ("access", FileAccessInformation::MIN_OUTPUT_LEN, 4),
        ("mode", FileModeInformation::MIN_OUTPUT_LEN, 4),
        ("alignment", FileAlignmentInformation::MIN_OUTPUT_LEN, 4),
        ("all", FileAllInformation::MIN_OUTPUT_LEN, 104),
        ("name", FileNameInformation::MIN_OUTPUT_LEN, 8),
        ("alternate", FileAlternateNameInformation::MIN_OUTPUT_LEN, 8),
        ("stream", FileStreamInformation::MIN_OUTPUT_LEN, 32),
        (
            "compression",
            FileCompressionInformation::MIN_OUTPUT_LEN,
            16,
        ),
        (
            "network open",
            FileNetworkOpenInformation::MIN_OUTPUT_LEN,
            56,
        ),
        (
            "attribute tag",
            FileAttributeTagInformation::MIN_OUTPUT_LEN,
            8,
        ),
        ("fs volume", FileFsVolumeInformation::MIN_OUTPUT_LEN, 24),
        ("fs size", FileFsSizeInformation::MIN_OUTPUT_LEN, 24),
        ("fs device", FileFsDeviceInformation::MIN_OUTPUT_LEN, 8),
        (
            "fs attribute",
            FileFsAttributeInformation::MIN_OUTPUT_LEN,
            16,
        ),
        ("fs control", FileFsControlInformation::MIN_OUTPUT_LEN, 48),
    ];
    for (name, got, want) in table {
        assert_eq!(got, want, "{name}");
    }
    assert_eq!(FileFsFullSizeInformation::MIN_OUTPUT_LEN, 32);
    assert_eq!(FileFsSectorSizeInformation::MIN_OUTPUT_LEN, 28);
}

#[test]
fn compression_and_fs_control_round_trip() {
    // CompressedFileSize 7, CompressionFormat 0, shifts 0, Reserved 3.
    let b = hex_bytes("0700000000000000 0000 00 00 00 000000");
    let c: FileCompressionInformation = rt(&b, 1, 28);
    assert_eq!(
        (c.compressed_file_size, c.compression_format),
        (7, COMPRESSION_FORMAT_NONE)
    );
    // Three indexing fields 0, quota threshold and limit "none", flags 0,
    // 4 bytes of padding.
    let b = hex_bytes(&format!(
        "{z} {z} {z} {m} {m} 00000000 00000000",
        z = "0000000000000000",
        m = "ffffffffffffffff"
    ));
    let q: FileFsControlInformation = rt(&b, 2, 6);
    assert_eq!(q.default_quota_limit, u64::MAX);
    assert_eq!(q.file_system_control_flags, 0);
}

/// One entry of each class for "a.txt", hand-built from MS-FSCC 2.4.x.
fn entry_hex(class: DirClass) -> String {
    let common = format!("{T1} {T2} {T3} {T4} 1700000000000000 0010000000000000 20000000 0a000000");
    let name = "61002e00740078007400";
    // "A~1.TXT" padded to 24 bytes.
    let short = "0e 00 41007e0031002e00540058005400 00000000000000000000";
    match class {
        DirClass::Directory => format!("00000000 07000000 {common} {name}"),
        DirClass::FullDirectory => format!("00000000 07000000 {common} 00000000 {name}"),
        DirClass::BothDirectory => format!("00000000 07000000 {common} 00000000 {short} {name}"),
        DirClass::Names => format!("00000000 07000000 0a000000 {name}"),
        DirClass::IdBothDirectory => {
            format!("00000000 07000000 {common} 00000000 {short} 0000 2a00000000000000 {name}")
        }
        DirClass::IdFullDirectory => {
            format!("00000000 07000000 {common} 00000000 00000000 2a00000000000000 {name}")
        }
        DirClass::IdExtdDirectory => format!(
            "00000000 07000000 {common} 00000000 00000000 2a000000000000000000000000000000 {name}"
        ),
    }
}

#[test]
fn directory_entries_every_class() {
    let short = string_to_utf16le("A~1.TXT");
    for class in DirClass::ALL {
        let b = hex_bytes(&entry_hex(class));
        assert_eq!(b.len(), class.fixed_len() + 10, "{class:?}");
        assert_eq!(DirClass::from_class(class.class()), Some(class));
        let e = decode_entries(class, &b).unwrap();
        assert_eq!(e.len(), 1);
        let e = e[0];
        assert_eq!(e.name_string().unwrap(), "a.txt");
        assert_eq!(e.file_index, 7);
        assert_eq!(
            hex::encode(e.encode(class).unwrap()),
            hex::encode(&b),
            "{class:?}"
        );
        match class {
            DirClass::Names => assert_eq!(e.end_of_file, 0),
            _ => assert_eq!(
                (e.end_of_file, e.allocation_size, e.file_attributes),
                (23, 4096, 0x20)
            ),
        }
        match class {
            DirClass::BothDirectory | DirClass::IdBothDirectory => {
                assert_eq!(e.short_name, short.as_slice())
            }
            _ => assert!(e.short_name.is_empty()),
        }
        match class {
            DirClass::IdBothDirectory | DirClass::IdFullDirectory => assert_eq!(e.file_id, 42),
            DirClass::IdExtdDirectory => assert_eq!(e.file_id_128[0], 42),
            _ => assert_eq!(e.file_id, 0),
        }
    }
    assert_eq!(DirClass::from_class(99), None);
    // ShortNameLength beyond 24 bytes.
    let mut bad = hex_bytes(&entry_hex(DirClass::IdBothDirectory));
    bad[68] = 26;
    assert!(decode_entries(DirClass::IdBothDirectory, &bad).is_err());
    // FileNameLength beyond the entry.
    let mut bad = hex_bytes(&entry_hex(DirClass::Names));
    bad[8] = 0x40;
    assert!(decode_entries(DirClass::Names, &bad).is_err());
}

#[test]
fn directory_builder_packs_and_stops() {
    let names: Vec<Vec<u8>> = [".", "..", "a.txt", "bb"]
        .iter()
        .map(|n| string_to_utf16le(n))
        .collect();
    let entry = |n: &'static [u8]| DirEntry {
        file_id: 1,
        file_name: n,
        ..DirEntry::default()
    };
    let names: Vec<&'static [u8]> = names
        .into_iter()
        .map(|n| &*Box::leak(n.into_boxed_slice()))
        .collect();
    // IdBoth entries: 104 + name. "." is 106 bytes (padded to 112), ".." 108
    // (padded to 112), "a.txt" 114. A 340-byte buffer holds three:
    // 112 + 112 + 114 = 338.
    let mut b = DirectoryBuilder::new(DirClass::IdBothDirectory, 340);
    for n in &names[..3] {
        assert_eq!(b.push(&entry(n)).unwrap(), Pushed::Added);
    }
    assert_eq!(b.len(), 338);
    assert_eq!(b.push(&entry(names[3])).unwrap(), Pushed::DoesNotFit);
    assert_eq!(b.count(), 3);
    let buf = b.finish();
    assert_eq!(buf.len(), 338);
    // NextEntryOffset chain: 112, 112, 0; no padding after the last entry.
    assert_eq!(&buf[0..4], &112u32.to_le_bytes());
    assert_eq!(&buf[112..116], &112u32.to_le_bytes());
    assert_eq!(&buf[224..228], &0u32.to_le_bytes());
    let back = decode_entries(DirClass::IdBothDirectory, &buf).unwrap();
    let got: Vec<String> = back.iter().map(|e| e.name_string().unwrap()).collect();
    assert_eq!(got, [".", "..", "a.txt"]);
    // Nothing fits: the builder stays empty and says so.
    let mut tiny = DirectoryBuilder::new(DirClass::IdBothDirectory, 100);
    assert_eq!(tiny.push(&entry(names[0])).unwrap(), Pushed::DoesNotFit);
    assert!(tiny.is_empty());
    // A short name over 24 bytes cannot be encoded.
    let long = string_to_utf16le("ABCDEFGHIJKLM");
    let e = DirEntry {
        short_name: &long,
        ..DirEntry::default()
    };
    assert!(e.encode(DirClass::BothDirectory).is_err());
}

#[test]
fn notify_records() {
    let recs = [
        FileNotifyInformation {
            action: notify_action::ADDED,
            file_name: b"a\0",
        },
        FileNotifyInformation {
            action: notify_action::REMOVED,
            file_name: b"bc\0\0",
        },
    ];
    let buf = FileNotifyInformation::encode_all(&recs, 1000)
        .unwrap()
        .unwrap();
    // Record 1: 12 + 2 = 14 bytes, padded to 16 (4-aligned).
    assert_eq!(
        hex::encode(&buf),
        "10000000 01000000 02000000 6100 0000 00000000 02000000 04000000 62630000".replace(' ', "")
    );
    assert_eq!(FileNotifyInformation::decode_all(&buf).unwrap(), recs);
    assert_eq!(FileNotifyInformation::encode_all(&recs, 20).unwrap(), None);
}
