//! `wire_pdu`: every SMB2 body decoder of smbkit-wire, and the FSCC, FSCTL,
//! create-context, negotiate-context and error-context bodies.
//!
//! Input: one selector byte, then the bytes. Selectors below 0x80 take the
//! bytes as a whole SMB2 message (64-byte header first) and run both the
//! request and the response decoder of the header's command (ignoring the
//! selector's value, so captured messages are seeds as they are). From
//! 0x80 on, the selector picks one self-contained body decoder.

use smbkit_wire::cancel::CancelRequest;
use smbkit_wire::change_notify::{ChangeNotifyRequest, ChangeNotifyResponse};
use smbkit_wire::close::{CloseRequest, CloseResponse};
use smbkit_wire::create::context::CreateContext;
use smbkit_wire::create::{CreateRequest, CreateResponse};
use smbkit_wire::echo::{EchoRequest, EchoResponse};
use smbkit_wire::error_response::{ErrorContext, ErrorResponse};
use smbkit_wire::flush::{FlushRequest, FlushResponse};
use smbkit_wire::fscc::dir::{DirClass, decode_entries};
use smbkit_wire::fscc::notify::FileNotifyInformation;
use smbkit_wire::fscc::*;
use smbkit_wire::fsctl::file::{
    AllocatedRange, CompressionState, ObjectIdBuffer, SetSparse, ZeroDataInformation,
};
use smbkit_wire::fsctl::server::{NetworkInterface, SnapshotArray};
use smbkit_wire::fsctl::{
    CopychunkCopy, CopychunkResponse, ResumeKeyResponse, ValidateNegotiateInfoRequest,
    ValidateNegotiateInfoResponse,
};
use smbkit_wire::header::HEADER_LEN;
use smbkit_wire::ioctl::{IoctlRequest, IoctlResponse};
use smbkit_wire::lock::{LockRequest, LockResponse};
use smbkit_wire::logoff::{LogoffRequest, LogoffResponse};
use smbkit_wire::negotiate::{NegotiateContext, NegotiateRequest, NegotiateResponse};
use smbkit_wire::oplock_break::{BreakMessage, LeaseBreakAck, LeaseBreakNotification, OplockBreak};
use smbkit_wire::query_directory::{QueryDirectoryRequest, QueryDirectoryResponse};
use smbkit_wire::query_info::{QueryInfoRequest, QueryInfoResponse};
use smbkit_wire::read::{ReadRequest, ReadResponse};
use smbkit_wire::session_setup::{SessionSetupRequest, SessionSetupResponse};
use smbkit_wire::set_info::{SetInfoRequest, SetInfoResponse};
use smbkit_wire::smb1::Smb1Negotiate;
use smbkit_wire::tree_connect::{TreeConnectRequest, TreeConnectResponse};
use smbkit_wire::tree_disconnect::{TreeDisconnectRequest, TreeDisconnectResponse};
use smbkit_wire::write::{WriteRequest, WriteResponse};
use smbkit_wire::{Command, Header, Pdu, Writer};

/// Decodes `msg` as `$ty`; when that works, re-encodes the value behind the
/// same header and demands the same value back, and the same bytes from a
/// second encoding.
macro_rules! pdu {
    ($ty:ident, $msg:expr) => {{
        let msg: &[u8] = $msg;
        if let Ok(first) = $ty::decode(msg) {
            let head = msg
                .get(..HEADER_LEN)
                .expect("a decoded message has a header");
            let mut again = head.to_vec();
            first
                .encode(&mut Writer::resume(&mut again, 0))
                .expect(concat!(stringify!($ty), ": a decoded value encodes"));
            let second = $ty::decode(&again)
                .expect(concat!(stringify!($ty), ": the re-encoded message decodes"));
            assert_eq!(first, second, concat!(stringify!($ty), ": decode∘encode"));
            let mut third = head.to_vec();
            second
                .encode(&mut Writer::resume(&mut third, 0))
                .expect(concat!(stringify!($ty), ": encodes twice"));
            assert_eq!(again, third, concat!(stringify!($ty), ": encode is stable"));
        }
    }};
}

/// The same for a single-record FSCC information class.
macro_rules! class {
    ($ty:ident, $buf:expr) => {{
        let buf: &[u8] = $buf;
        if let Ok(first) = $ty::decode(buf) {
            let bytes = first
                .to_bytes()
                .expect(concat!(stringify!($ty), ": a decoded value encodes"));
            assert!(
                bytes.len() >= $ty::FIXED_LEN,
                concat!(stringify!($ty), ": fixed part")
            );
            let second = $ty::decode(&bytes)
                .expect(concat!(stringify!($ty), ": the re-encoded value decodes"));
            assert_eq!(first, second, concat!(stringify!($ty), ": decode∘encode"));
            assert_eq!(bytes, second.to_bytes().expect("encodes twice"));
        }
    }};
}

/// The same for an FSCTL body whose encoder appends to a buffer (`?` after
/// the call for the encoders that can fail).
macro_rules! fsctl {
    ($ty:ident, $buf:expr $(, $fallible:tt)?) => {{
        if let Ok(first) = $ty::decode($buf) {
            let mut bytes = Vec::new();
            #[allow(unused_must_use)]
            {
                first.encode(&mut bytes) $(.expect($fallible))?;
            }
            let second = $ty::decode(&bytes)
                .expect(concat!(stringify!($ty), ": the re-encoded body decodes"));
            assert_eq!(first, second, concat!(stringify!($ty), ": decode∘encode"));
        }
    }};
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector < 0x80 {
        message(rest);
    } else {
        body(selector, rest);
    }
}

/// A whole SMB2 message: the header, then both decoders of its command.
pub fn message(msg: &[u8]) {
    let Ok(header) = Header::decode(msg) else {
        return;
    };
    let mut encoded = Vec::new();
    header.encode(&mut Writer::new(&mut encoded));
    assert_eq!(
        Header::decode(&encoded).ok(),
        Some(header),
        "Header: decode∘encode"
    );
    // The error response shape is valid for every command.
    pdu!(ErrorResponse, msg);
    match header.command {
        Command::NEGOTIATE => {
            pdu!(NegotiateRequest, msg);
            pdu!(NegotiateResponse, msg);
        }
        Command::SESSION_SETUP => {
            pdu!(SessionSetupRequest, msg);
            pdu!(SessionSetupResponse, msg);
        }
        Command::LOGOFF => {
            pdu!(LogoffRequest, msg);
            pdu!(LogoffResponse, msg);
        }
        Command::TREE_CONNECT => {
            pdu!(TreeConnectRequest, msg);
            pdu!(TreeConnectResponse, msg);
        }
        Command::TREE_DISCONNECT => {
            pdu!(TreeDisconnectRequest, msg);
            pdu!(TreeDisconnectResponse, msg);
        }
        Command::CREATE => {
            pdu!(CreateRequest, msg);
            pdu!(CreateResponse, msg);
            if let Ok(req) = CreateRequest::decode(msg) {
                for context in &req.contexts {
                    let _ = context.parse_request();
                }
            }
            if let Ok(resp) = CreateResponse::decode(msg) {
                for context in &resp.contexts {
                    let _ = context.parse_response();
                }
            }
        }
        Command::CLOSE => {
            pdu!(CloseRequest, msg);
            pdu!(CloseResponse, msg);
        }
        Command::FLUSH => {
            pdu!(FlushRequest, msg);
            pdu!(FlushResponse, msg);
        }
        Command::READ => {
            pdu!(ReadRequest, msg);
            pdu!(ReadResponse, msg);
        }
        Command::WRITE => {
            pdu!(WriteRequest, msg);
            pdu!(WriteResponse, msg);
        }
        Command::LOCK => {
            pdu!(LockRequest, msg);
            pdu!(LockResponse, msg);
        }
        Command::IOCTL => {
            pdu!(IoctlRequest, msg);
            pdu!(IoctlResponse, msg);
            if let Ok(req) = IoctlRequest::decode(msg) {
                fsctl_request(req.input);
            }
            if let Ok(resp) = IoctlResponse::decode(msg) {
                fsctl_response(resp.output);
            }
        }
        Command::CANCEL => pdu!(CancelRequest, msg),
        Command::ECHO => {
            pdu!(EchoRequest, msg);
            pdu!(EchoResponse, msg);
        }
        Command::QUERY_DIRECTORY => {
            pdu!(QueryDirectoryRequest, msg);
            pdu!(QueryDirectoryResponse, msg);
        }
        Command::CHANGE_NOTIFY => {
            pdu!(ChangeNotifyRequest, msg);
            pdu!(ChangeNotifyResponse, msg);
            if let Ok(resp) = ChangeNotifyResponse::decode(msg) {
                notify(resp.output);
            }
        }
        Command::QUERY_INFO => {
            pdu!(QueryInfoRequest, msg);
            pdu!(QueryInfoResponse, msg);
        }
        Command::SET_INFO => {
            pdu!(SetInfoRequest, msg);
            pdu!(SetInfoResponse, msg);
            if let Ok(req) = SetInfoRequest::decode(msg) {
                for class in 0..=u8::MAX {
                    file_class(class, req.buffer);
                }
            }
        }
        Command::OPLOCK_BREAK => {
            pdu!(OplockBreak, msg);
            pdu!(LeaseBreakNotification, msg);
            pdu!(LeaseBreakAck, msg);
            pdu!(BreakMessage, msg);
        }
        _ => {}
    }
}

/// One self-contained body, picked by `selector` (0x80 and up).
fn body(selector: u8, buf: &[u8]) {
    match selector {
        0x80 => fsctl_request(buf),
        0x81 => fsctl_response(buf),
        0x82 => notify(buf),
        0x83 => {
            // Negotiate context: type u16, then its data.
            if let Some((ty, data)) = buf.split_at_checked(2) {
                let ty = u16::from_le_bytes([ty[0], ty[1]]);
                if let Ok(first) = NegotiateContext::parse(ty, data) {
                    let bytes = first.data().expect("a parsed negotiate context encodes");
                    let second = NegotiateContext::parse(first.context_type(), &bytes)
                        .expect("a re-encoded negotiate context parses");
                    assert_eq!(first, second, "NegotiateContext: parse∘data");
                }
            }
        }
        0x84 => {
            // Error contexts: count u8, then ErrorData.
            if let Some((&count, data)) = buf.split_first()
                && let Ok(first) = ErrorContext::parse_list(data, count)
            {
                let bytes = ErrorContext::encode_list(&first).expect("error contexts encode");
                let count = u8::try_from(first.len()).expect("at most 255 contexts");
                let second =
                    ErrorContext::parse_list(&bytes, count).expect("re-encoded contexts parse");
                assert_eq!(first, second, "ErrorContext: parse∘encode");
            }
        }
        0x85 => {
            // A create context: 4-byte name, then data.
            if let Some((name, data)) = buf.split_at_checked(4) {
                let context = CreateContext::new(name, data);
                let _ = context.parse_request();
                let _ = context.parse_response();
            }
        }
        0x86 => {
            if let Ok(first) = Smb1Negotiate::decode(buf) {
                let _ = first.smb2_answer();
                let _ = first.dialects().count();
                let mut bytes = Vec::new();
                if first.encode(&mut bytes).is_ok() {
                    let second = Smb1Negotiate::decode(&bytes).expect("re-encoded SMB1 decodes");
                    assert_eq!(
                        first.dialects().collect::<Vec<_>>(),
                        second.dialects().collect::<Vec<_>>(),
                        "Smb1Negotiate: dialects survive encode"
                    );
                }
            }
        }
        0x87 => {
            // Directory entries: class number, then the entries.
            if let Some((&class, entries)) = buf.split_first() {
                directory(class, entries);
            }
        }
        0x89 => {
            // The other FSCTL bodies: which one, then the bytes.
            if let Some((&which, rest)) = buf.split_first() {
                fsctl_body(which, rest);
            }
        }
        0x88 => {
            // FS and file information classes: class number, then the record.
            if let Some((&class, record)) = buf.split_first() {
                file_class(class, record);
                fs_class(class, record);
            }
        }
        _ => {}
    }
}

fn fsctl_request(input: &[u8]) {
    if let Ok(first) = ValidateNegotiateInfoRequest::decode(input) {
        let mut bytes = Vec::new();
        first
            .encode(&mut bytes)
            .expect("VALIDATE_NEGOTIATE_INFO request encodes");
        let second = ValidateNegotiateInfoRequest::decode(&bytes).expect("re-encoded decodes");
        assert_eq!(first, second, "ValidateNegotiateInfoRequest: decode∘encode");
    }
    // The other FSCTL inputs a server decodes.
    if let Ok(first) = CopychunkCopy::decode(input) {
        let mut bytes = Vec::new();
        first
            .encode(&mut bytes)
            .expect("SRV_COPYCHUNK_COPY encodes");
        assert_eq!(bytes.len(), first.encoded_len());
        let second = CopychunkCopy::decode(&bytes).expect("re-encoded copychunk decodes");
        assert_eq!(first, second, "CopychunkCopy: decode∘encode");
    }
    let _ = CopychunkCopy::peek_source_key(input);
    let _ = CopychunkCopy::peek_chunk_count(input);
    if let Ok(first) = ZeroDataInformation::decode(input) {
        let mut bytes = Vec::new();
        first.encode(&mut bytes);
        let second = ZeroDataInformation::decode(&bytes).expect("re-encoded zero data decodes");
        assert_eq!(first, second, "ZeroDataInformation: decode∘encode");
    }
    if let Ok(first) = AllocatedRange::decode(input) {
        let mut bytes = Vec::new();
        first.encode(&mut bytes);
        let second = AllocatedRange::decode(&bytes).expect("re-encoded range decodes");
        assert_eq!(first, second, "AllocatedRange: decode∘encode");
    }
    if let Ok(first) = CompressionState::decode(input) {
        let second = CompressionState::decode(&first.to_bytes()).expect("re-encoded state decodes");
        assert_eq!(first, second, "CompressionState: decode∘encode");
    }
    let _ = SetSparse::decode(input);
}

fn fsctl_response(output: &[u8]) {
    if let Ok(first) = ValidateNegotiateInfoResponse::decode(output) {
        let second = ValidateNegotiateInfoResponse::decode(&first.to_bytes())
            .expect("re-encoded response decodes");
        assert_eq!(
            first, second,
            "ValidateNegotiateInfoResponse: decode∘encode"
        );
    }
    // The other FSCTL outputs a client decodes.
    if let Ok(first) = ResumeKeyResponse::decode(output) {
        let mut bytes = Vec::new();
        first.encode(&mut bytes);
        let second = ResumeKeyResponse::decode(&bytes).expect("re-encoded resume key decodes");
        assert_eq!(first, second, "ResumeKeyResponse: decode∘encode");
    }
    if let Ok(first) = CopychunkResponse::decode(output) {
        let second =
            CopychunkResponse::decode(&first.to_vec()).expect("re-encoded copychunk decodes");
        assert_eq!(first, second, "CopychunkResponse: decode∘encode");
    }
    if let Ok(first) = AllocatedRange::decode_list(output) {
        let mut bytes = Vec::new();
        for r in &first {
            r.encode(&mut bytes);
        }
        assert_eq!(bytes, output, "AllocatedRange list: encode∘decode");
    }
    if let Ok(first) = ObjectIdBuffer::decode(output) {
        let mut bytes = Vec::new();
        first.encode(&mut bytes);
        let second = ObjectIdBuffer::decode(&bytes).expect("re-encoded object id decodes");
        assert_eq!(first, second, "ObjectIdBuffer: decode∘encode");
    }
    if let Ok(first) = SnapshotArray::decode(output) {
        let mut bytes = Vec::new();
        first.encode(&mut bytes).expect("snapshot array encodes");
        let second = SnapshotArray::decode(&bytes).expect("re-encoded snapshots decode");
        assert_eq!(first, second, "SnapshotArray: decode∘encode");
    }
    if let Ok(first) = NetworkInterface::decode_list(output) {
        let mut bytes = Vec::new();
        NetworkInterface::encode_list(&first, &mut bytes);
        let second = NetworkInterface::decode_list(&bytes).expect("re-encoded interfaces decode");
        assert_eq!(first, second, "NetworkInterface list: decode∘encode");
    }
}

fn fsctl_body(which: u8, buf: &[u8]) {
    match which % 10 {
        0 => {
            if let Ok(first) = CompressionState::decode(buf) {
                let second = CompressionState::decode(&first.to_bytes()).expect("re-decodes");
                assert_eq!(first, second, "CompressionState: decode∘encode");
            }
        }
        1 => {
            let _ = SetSparse::decode(buf);
        }
        2 => fsctl!(ZeroDataInformation, buf),
        3 => fsctl!(AllocatedRange, buf),
        4 => {
            if let Ok(first) = AllocatedRange::decode_list(buf) {
                let mut bytes = Vec::new();
                for range in &first {
                    range.encode(&mut bytes);
                }
                let second = AllocatedRange::decode_list(&bytes).expect("re-decodes");
                assert_eq!(first, second, "AllocatedRange list: decode∘encode");
            }
        }
        5 => fsctl!(ObjectIdBuffer, buf),
        6 => fsctl!(SnapshotArray, buf, "SnapshotArray encodes"),
        7 => {
            if let Ok(first) = NetworkInterface::decode_list(buf) {
                let mut bytes = Vec::new();
                NetworkInterface::encode_list(&first, &mut bytes);
                let second = NetworkInterface::decode_list(&bytes).expect("re-decodes");
                assert_eq!(first, second, "NetworkInterface list: decode∘encode");
            }
        }
        8 => {
            fsctl!(ResumeKeyResponse, buf);
            fsctl!(CopychunkResponse, buf);
        }
        _ => fsctl!(CopychunkCopy, buf, "CopychunkCopy encodes"),
    }
}

fn notify(buf: &[u8]) {
    if let Ok(first) = FileNotifyInformation::decode_all(buf) {
        let bytes = FileNotifyInformation::encode_all(&first, usize::MAX)
            .expect("decoded notify records encode")
            .expect("no limit, so everything fits");
        let second = FileNotifyInformation::decode_all(&bytes).expect("re-encoded records decode");
        assert_eq!(first, second, "FileNotifyInformation: decode∘encode");
    }
}

fn directory(class: u8, entries: &[u8]) {
    let Some(class) = DirClass::from_class(class) else {
        return;
    };
    let Ok(first) = decode_entries(class, entries) else {
        return;
    };
    for entry in &first {
        let bytes = entry
            .encode(class)
            .expect("a decoded directory entry encodes");
        let again = decode_entries(class, &bytes).expect("a re-encoded entry decodes");
        assert_eq!(
            again.as_slice(),
            std::slice::from_ref(entry),
            "DirEntry: decode∘encode"
        );
    }
}

fn file_class(class_number: u8, buf: &[u8]) {
    use smbkit_wire::fscc::class as c;
    match class_number {
        c::FILE_BASIC_INFORMATION => class!(FileBasicInformation, buf),
        c::FILE_STANDARD_INFORMATION => class!(FileStandardInformation, buf),
        c::FILE_INTERNAL_INFORMATION => class!(FileInternalInformation, buf),
        c::FILE_EA_INFORMATION => class!(FileEaInformation, buf),
        c::FILE_ACCESS_INFORMATION => class!(FileAccessInformation, buf),
        c::FILE_NAME_INFORMATION => class!(FileNameInformation, buf),
        c::FILE_RENAME_INFORMATION => class!(FileRenameInformation, buf),
        c::FILE_DISPOSITION_INFORMATION => class!(FileDispositionInformation, buf),
        c::FILE_POSITION_INFORMATION => class!(FilePositionInformation, buf),
        c::FILE_MODE_INFORMATION => class!(FileModeInformation, buf),
        c::FILE_ALIGNMENT_INFORMATION => class!(FileAlignmentInformation, buf),
        c::FILE_ALL_INFORMATION => class!(FileAllInformation, buf),
        c::FILE_ALLOCATION_INFORMATION => class!(FileAllocationInformation, buf),
        c::FILE_END_OF_FILE_INFORMATION => class!(FileEndOfFileInformation, buf),
        c::FILE_ALTERNATE_NAME_INFORMATION => class!(FileAlternateNameInformation, buf),
        c::FILE_STREAM_INFORMATION => class!(FileStreamInformation, buf),
        c::FILE_NETWORK_OPEN_INFORMATION => class!(FileNetworkOpenInformation, buf),
        c::FILE_ATTRIBUTE_TAG_INFORMATION => class!(FileAttributeTagInformation, buf),
        c::FILE_NORMALIZED_NAME_INFORMATION => class!(FileNormalizedNameInformation, buf),
        c::FILE_ID_INFORMATION => class!(FileIdInformation, buf),
        c::FILE_DISPOSITION_INFORMATION_EX => class!(FileDispositionInformationEx, buf),
        _ => {}
    }
}

fn fs_class(class_number: u8, buf: &[u8]) {
    use smbkit_wire::fscc::fs_class as c;
    match class_number {
        c::FILE_FS_VOLUME_INFORMATION => class!(FileFsVolumeInformation, buf),
        c::FILE_FS_SIZE_INFORMATION => class!(FileFsSizeInformation, buf),
        c::FILE_FS_DEVICE_INFORMATION => class!(FileFsDeviceInformation, buf),
        c::FILE_FS_ATTRIBUTE_INFORMATION => class!(FileFsAttributeInformation, buf),
        c::FILE_FS_FULL_SIZE_INFORMATION => class!(FileFsFullSizeInformation, buf),
        c::FILE_FS_OBJECT_ID_INFORMATION => class!(FileFsObjectIdInformation, buf),
        c::FILE_FS_SECTOR_SIZE_INFORMATION => class!(FileFsSectorSizeInformation, buf),
        _ => {}
    }
}
