//! Named pipes on `IPC$` (MS-SMB2 3.3.5.9 "named pipe", 3.3.5.12/13,
//! 3.3.5.15.x): each open of `srvsvc` or `wkssvc` owns one
//! [`smbkit_rpc::PipeEndpoint`] (one RPC association) and lives in the same
//! open table as file opens, so CLOSE, TREE_DISCONNECT, LOGOFF and a lost
//! connection clean it up the same way.
//!
//! * CREATE: the name with or without leading backslashes (and `PIPE\`),
//!   case-insensitive; any other name is OBJECT_NAME_NOT_FOUND. The answer
//!   has zero times and sizes, FILE_ATTRIBUTE_NORMAL, CreateAction OPENED
//!   and no create contexts.
//! * WRITE: the data goes to the RPC engine; Count is all of it.
//! * READ: one message (one RPC fragment) at most; cut by `Length` it is
//!   STATUS_BUFFER_OVERFLOW with the prefix, and the next READ returns the
//!   rest. With nothing queued the answer is STATUS_PIPE_EMPTY at once —
//!   what a non-blocking message-mode pipe gives (MS-FSCC 2.4.36
//!   FILE_PIPE_COMPLETE_OPERATION); a blocking pipe would need an async
//!   STATUS_PENDING, which dispatch cannot send yet. Every WRITE and
//!   TRANSCEIVE produces its answer synchronously, so real clients never
//!   read an empty pipe.
//! * FSCTL_PIPE_TRANSCEIVE: write the input, read at most
//!   MaxOutputResponse bytes; BUFFER_OVERFLOW (with the output) when the
//!   message was cut.
//! * FSCTL_PIPE_WAIT: SUCCESS for a pipe name we serve (instances are
//!   always free), OBJECT_NAME_NOT_FOUND otherwise.
//! * QUERY_INFO FileStandardInformation: AllocationSize 4096, EndOfFile 0,
//!   NumberOfLinks 1, DeletePending 1, Directory 0 — what Samba's smbd and
//!   ksmbd answer for a pipe. Other classes: NOT_SUPPORTED.
//! * SET_INFO FilePipeInformation (Windows sets message mode after the
//!   open): message-mode read with either completion mode is accepted,
//!   byte mode is INVALID_PARAMETER (the pipes are message pipes). Other
//!   classes: NOT_SUPPORTED.
//!
//! An [`smbkit_rpc::RpcError`] fails the WRITE/IOCTL with its
//! [`nt_status`](smbkit_rpc::RpcError::nt_status); the connection stays.

use std::sync::{Arc, Mutex};

use smbkit_rpc::{PipeEndpoint, PipeKind};
use smbkit_session::TreeInfo;
use smbkit_state::{FileKey, Owner, ShareMode};
use smbkit_vfs::{Handle, Vfs};
use smbkit_wire::codec::utf16le_to_string;
use smbkit_wire::create::{CreateRequest, CreateResponse, create_action, oplock_level};
use smbkit_wire::fscc::{FileStandardInformation, InfoClass, class};
use smbkit_wire::ioctl::{IoctlRequest, IoctlResponse};
use smbkit_wire::query_info::{QueryInfoRequest, info_type};
use smbkit_wire::read::ReadRequest;
use smbkit_wire::set_info::{SetInfoRequest, SetInfoResponse};
use smbkit_wire::write::WriteResponse;
use smbkit_wire::{FileId, NtStatus, Pdu};

use super::access::{can_read, can_write, grant, maximal, state_access};
use super::query_info::fitted;
use super::{Answer, encode_failed, malformed};
use crate::files::{FileServer, OpenData, OpenRef, PIPE_VOLUME};
use crate::{Call, Response};

/// FILE_ATTRIBUTE_NORMAL: the attributes of a pipe.
pub(crate) const PIPE_ATTRIBUTES: u32 = 0x0000_0080;
/// FilePipeInformation (MS-FSCC 2.4.36).
const FILE_PIPE_INFORMATION: u8 = 23;
/// FILE_PIPE_MESSAGE_MODE.
const FILE_PIPE_MESSAGE_MODE: u32 = 1;

pub(crate) fn create<V: Vfs>(
    server: &FileServer<V>,
    call: &Call,
    req: &CreateRequest<'_>,
    tree: &Arc<TreeInfo>,
) -> Answer {
    let name = req.name_string().map_err(|e| malformed(&e))?;
    let kind = PipeKind::from_name(&name).ok_or(NtStatus::OBJECT_NAME_NOT_FOUND)?;
    let granted = grant(req.desired_access, maximal(false)).ok_or(NtStatus::ACCESS_DENIED)?;
    let endpoint = PipeEndpoint::with_kind(kind, server.server_info());
    let owner = Owner {
        connection: call.connection,
        session: call.request.session.id,
        tree: tree.id,
    };
    // Every pipe open is its own "file": no share-mode conflicts between
    // instances.
    let key = FileKey {
        volume: PIPE_VOLUME,
        file: server.next_pipe(),
    };
    let data = OpenData {
        tree: Arc::downgrade(tree),
        share: usize::MAX,
        handle: Handle(0),
        is_dir: false,
        granted,
        options: req.create_options,
        enumeration: Mutex::new(None),
        pipe: Some(Mutex::new(endpoint)),
    };
    let all = ShareMode {
        read: true,
        write: true,
        delete: true,
    };
    // `PIPE\srvsvc`: the name the open table keeps for it.
    let address = String::from_utf8_lossy(kind.secondary_address());
    let pipe_name = address.trim_end_matches('\0').trim_start_matches('\\');
    let open = server
        .opens
        .insert(
            owner,
            key,
            pipe_name,
            state_access(granted),
            all,
            false,
            data,
        )
        .map_err(|_| NtStatus::INSUFFICIENT_RESOURCES)?;
    let file_id = FileId {
        persistent: open.id.persistent,
        volatile: open.id.volatile,
    };
    tracing::debug!(pipe = pipe_name, ?file_id, "pipe opened");
    let body = CreateResponse {
        oplock_level: oplock_level::NONE,
        flags: 0,
        create_action: create_action::OPENED,
        creation_time: 0,
        last_access_time: 0,
        last_write_time: 0,
        change_time: 0,
        allocation_size: 0,
        end_of_file: 0,
        file_attributes: PIPE_ATTRIBUTES,
        file_id,
        contexts: Vec::new(),
    }
    .encode_body_to_vec()
    .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(NtStatus::SUCCESS, body))
}

/// SUCCESS, or BUFFER_OVERFLOW when the message was cut.
fn read_status(more: bool) -> NtStatus {
    if more {
        NtStatus::BUFFER_OVERFLOW
    } else {
        NtStatus::SUCCESS
    }
}

pub(crate) fn read(open: &OpenRef, req: &ReadRequest) -> Answer {
    if !can_read(open.data.granted) {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let length = usize::try_from(req.length).map_err(|_| NtStatus::INVALID_PARAMETER)?;
    let mut pipe = open.data.pipe().ok_or(NtStatus::INVALID_DEVICE_REQUEST)?;
    if pipe.queued() == 0 {
        return Err(NtStatus::PIPE_EMPTY);
    }
    let data = pipe.read(length);
    let status = read_status(pipe.pending() > 0);
    drop(pipe);
    Ok(Response::new(status, super::read::body(&data)?))
}

pub(crate) fn write(open: &OpenRef, data: &[u8]) -> Answer {
    if !can_write(open.data.granted) {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let mut pipe = open.data.pipe().ok_or(NtStatus::INVALID_DEVICE_REQUEST)?;
    pipe.write(data).map_err(|e| {
        tracing::debug!(error = %e, "pipe write refused");
        NtStatus(e.nt_status())
    })?;
    drop(pipe);
    let body = WriteResponse {
        count: u32::try_from(data.len()).map_err(|_| NtStatus::INVALID_PARAMETER)?,
        remaining: 0,
    }
    .encode_body_to_vec()
    .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(NtStatus::SUCCESS, body))
}

pub(crate) fn transceive(open: &OpenRef, req: &IoctlRequest<'_>) -> Answer {
    if !can_read(open.data.granted) || !can_write(open.data.granted) {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let max = usize::try_from(req.max_output_response).map_err(|_| NtStatus::INVALID_PARAMETER)?;
    let mut pipe = open.data.pipe().ok_or(NtStatus::INVALID_DEVICE_REQUEST)?;
    let (output, more) = pipe.transact(req.input, max).map_err(|e| {
        tracing::debug!(error = %e, "pipe transceive refused");
        NtStatus(e.nt_status())
    })?;
    drop(pipe);
    let body = IoctlResponse::answering(req, &output)
        .encode_body_to_vec()
        .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(read_status(more), body))
}

/// FSCTL_PIPE_WAIT (MS-FSCC 2.3.49): Timeout (8), NameLength (4),
/// TimeoutSpecified (1), Padding (1), Name.
pub(crate) fn wait(input: &[u8]) -> Answer {
    let name_length = input
        .get(8..12)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .ok_or(NtStatus::INVALID_PARAMETER)?;
    let end = usize::try_from(name_length)
        .ok()
        .and_then(|n| n.checked_add(14))
        .ok_or(NtStatus::INVALID_PARAMETER)?;
    let name = input.get(14..end).ok_or(NtStatus::INVALID_PARAMETER)?;
    let name = utf16le_to_string("Name", name).map_err(|e| malformed(&e))?;
    if PipeKind::from_name(&name).is_none() {
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    Ok(Response::new(NtStatus::SUCCESS, ioctl_empty_body()?))
}

/// An IOCTL response with no buffers, FileId all ones (PIPE_WAIT names no
/// open).
fn ioctl_empty_body() -> Result<Vec<u8>, NtStatus> {
    IoctlResponse {
        ctl_code: smbkit_wire::fsctl::PIPE_WAIT,
        file_id: FileId::ANY,
        input: &[],
        output: &[],
        flags: 0,
    }
    .encode_body_to_vec()
    .map_err(|e| encode_failed(&e))
}

pub(crate) fn query_info(req: &QueryInfoRequest<'_>) -> Answer {
    if req.info_type != info_type::FILE || req.file_info_class != class::FILE_STANDARD_INFORMATION {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    let standard = FileStandardInformation {
        allocation_size: 4096,
        end_of_file: 0,
        number_of_links: 1,
        delete_pending: true,
        directory: false,
    };
    fitted(
        standard.to_bytes(),
        FileStandardInformation::FIXED_LEN,
        req.output_buffer_length,
    )
}

pub(crate) fn set_info(req: &SetInfoRequest<'_>) -> Answer {
    if req.info_type != info_type::FILE || req.file_info_class != FILE_PIPE_INFORMATION {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    let read_mode = req
        .buffer
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .ok_or(NtStatus::INFO_LENGTH_MISMATCH)?;
    if req.buffer.len() < 8 {
        return Err(NtStatus::INFO_LENGTH_MISMATCH);
    }
    if read_mode != FILE_PIPE_MESSAGE_MODE {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let body = SetInfoResponse
        .encode_body_to_vec()
        .map_err(|e| encode_failed(&e))?;
    Ok(Response::new(NtStatus::SUCCESS, body))
}
