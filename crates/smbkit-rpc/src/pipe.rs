//! One open named pipe: the RPC association behind an SMB CREATE of
//! `srvsvc` or `wkssvc` on `IPC$`. Sans-IO: the SMB layer hands in what the
//! client wrote and takes out what the client reads.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;

use crate::error::{CallError, PduError, RpcError};
use crate::info::ServerInfo;
use crate::pdu::{
    Bind, BindAck, BindNak, Body, ContextResult, Fault, HEADER_LEN, Header, NCA_PROTO_ERROR,
    NCA_S_FAULT_REMOTE_NO_MEMORY, NCA_S_UNK_IF, NCA_UNSUPPORTED_AUTHN_LEVEL, NDR20,
    PFC_DID_NOT_EXECUTE, PFC_FIRST_FRAG, PFC_LAST_FRAG, PacketType, Pdu,
    REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED, REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED,
    REJECT_AUTHENTICATION_TYPE_NOT_RECOGNIZED, REJECT_PROTOCOL_VERSION_NOT_SUPPORTED,
    REJECT_REASON_NOT_SPECIFIED, RESULT_ACCEPTANCE, RESULT_NEGOTIATE_ACK,
    RESULT_PROVIDER_REJECTION, RPC_VERSION, Response, SyntaxId,
};
use crate::{srvsvc, wkssvc};

/// The largest fragment we send or accept (the value Windows and Samba
/// negotiate).
pub const MAX_FRAG: u16 = 4280;
/// The smallest fragment size every implementation must receive
/// (C706 12.6.3.6, `must_recv_frag_size`); smaller client values are
/// raised to it.
pub const MIN_FRAG: u16 = 1432;
/// The largest reassembled request stub accepted.
pub const MAX_REQUEST_STUB: usize = 64 * 1024;
/// Unread response bytes beyond which further writes are refused.
pub const MAX_QUEUED_OUTPUT: usize = 4 * 1024 * 1024;
/// Presentation contexts one association may have bound.
pub const MAX_CONTEXTS: usize = 16;
/// The association group id given to a client that asks for a new one.
pub const ASSOC_GROUP_ID: u32 = 0x0000_53f0;

/// Header plus the fixed part of a response body.
const RESPONSE_OVERHEAD: usize = HEADER_LEN + 8;
/// Provider rejection reason `local_limit_exceeded`.
const REASON_LOCAL_LIMIT_EXCEEDED: u16 = 3;

/// The pipes this crate serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PipeKind {
    /// `srvsvc`: share and server information.
    Srvsvc,
    /// `wkssvc`: workstation information.
    Wkssvc,
}

impl PipeKind {
    /// The pipe for a CREATE name: `srvsvc`, `\srvsvc`, `\PIPE\srvsvc`,
    /// compared case-insensitively.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim_start_matches('\\');
        let name = match name.get(..5) {
            Some(prefix) if prefix.eq_ignore_ascii_case("pipe\\") => name.get(5..).unwrap_or(""),
            _ => name,
        };
        if name.eq_ignore_ascii_case("srvsvc") {
            Some(Self::Srvsvc)
        } else if name.eq_ignore_ascii_case("wkssvc") {
            Some(Self::Wkssvc)
        } else {
            None
        }
    }

    /// The interface bound over this pipe.
    pub fn interface(self) -> SyntaxId {
        match self {
            Self::Srvsvc => srvsvc::SRVSVC,
            Self::Wkssvc => wkssvc::WKSSVC,
        }
    }

    /// The bind_ack secondary address, NUL included.
    pub fn secondary_address(self) -> &'static [u8] {
        match self {
            Self::Srvsvc => b"\\PIPE\\srvsvc\0",
            Self::Wkssvc => b"\\PIPE\\wkssvc\0",
        }
    }

    fn call(self, info: &ServerInfo, opnum: u16, stub: &[u8]) -> Result<Vec<u8>, CallError> {
        match self {
            Self::Srvsvc => srvsvc::call(info, opnum, stub),
            Self::Wkssvc => wkssvc::call(info, opnum, stub),
        }
    }
}

#[derive(Debug)]
struct Reassembly {
    call_id: u32,
    context_id: u16,
    opnum: u16,
    stub: Vec<u8>,
}

/// One open pipe and its RPC association.
///
/// Each PDU fragment the server sends is one pipe message. [`read`] returns
/// at most one message; when `max` cuts a message, [`pending`] tells how
/// much of it is left (the SMB layer answers that READ with
/// `STATUS_BUFFER_OVERFLOW`). Further fragments of a long response are
/// separate messages; the client reads them because the fragment it has
/// lacks `PFC_LAST_FRAG`.
///
/// [`read`]: PipeEndpoint::read
/// [`pending`]: PipeEndpoint::pending
#[derive(Debug)]
pub struct PipeEndpoint {
    kind: PipeKind,
    info: Arc<ServerInfo>,
    /// An incomplete fragment (at most 65535 bytes).
    input: Vec<u8>,
    output: VecDeque<Bytes>,
    output_len: usize,
    /// The front message has been partly read.
    partial: bool,
    bound: bool,
    max_xmit: u16,
    max_recv: u16,
    assoc_group_id: u32,
    contexts: Vec<u16>,
    reassembly: Option<Reassembly>,
    /// A call whose remaining fragments are dropped (it was already
    /// answered with a fault).
    discard_call: Option<u32>,
}

impl PipeEndpoint {
    /// Opens the pipe called `name` (see [`PipeKind::from_name`]); `None` for
    /// a pipe this crate does not serve (answer
    /// `STATUS_OBJECT_NAME_NOT_FOUND`).
    pub fn open(name: &str, info: Arc<ServerInfo>) -> Option<Self> {
        Some(Self::with_kind(PipeKind::from_name(name)?, info))
    }

    /// Opens a pipe of a known kind.
    pub fn with_kind(kind: PipeKind, info: Arc<ServerInfo>) -> Self {
        Self {
            kind,
            info,
            input: Vec::new(),
            output: VecDeque::new(),
            output_len: 0,
            partial: false,
            bound: false,
            max_xmit: MAX_FRAG,
            max_recv: MAX_FRAG,
            assoc_group_id: 0,
            contexts: Vec::new(),
            reassembly: None,
            discard_call: None,
        }
    }

    /// Which pipe this is.
    pub fn kind(&self) -> PipeKind {
        self.kind
    }

    /// True once a bind was acknowledged.
    pub fn is_bound(&self) -> bool {
        self.bound
    }

    /// The fragment size responses are cut to (after bind).
    pub fn max_xmit_frag(&self) -> u16 {
        self.max_xmit
    }

    /// Unread bytes of the message the last [`PipeEndpoint::read`] cut
    /// short; 0 when the last read ended on a message boundary.
    pub fn pending(&self) -> usize {
        if self.partial {
            self.output.front().map_or(0, Bytes::len)
        } else {
            0
        }
    }

    /// Bytes of an incomplete fragment waiting for the rest of it (always
    /// less than 65536).
    pub fn buffered(&self) -> usize {
        self.input.len()
    }

    /// All unread response bytes, every message.
    pub fn queued(&self) -> usize {
        self.output_len
    }

    /// Feeds bytes the client wrote to the pipe (SMB WRITE). Complete
    /// fragments are processed at once and their answers queued; an
    /// incomplete fragment waits for the next write. On error the
    /// unprocessed rest of the data is dropped; answers to the fragments
    /// before it stay queued.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), RpcError> {
        let buffered;
        let data: &[u8] = if self.input.is_empty() {
            bytes
        } else {
            let mut v = std::mem::take(&mut self.input);
            v.extend_from_slice(bytes);
            buffered = v;
            &buffered
        };
        let mut rest = data;
        while rest.len() >= HEADER_LEN {
            let header = Header::decode(rest)?;
            let frag_len = usize::from(header.frag_length);
            if frag_len < HEADER_LEN {
                return Err(PduError::FragLength(header.frag_length).into());
            }
            let Some((frag, tail)) = rest.split_at_checked(frag_len) else {
                break;
            };
            self.process(&header, frag)?;
            rest = tail;
        }
        self.input = rest.to_vec();
        Ok(())
    }

    /// What the client reads next (SMB READ): at most `max` bytes of one
    /// message. Empty when nothing is queued.
    pub fn read(&mut self, max: usize) -> Bytes {
        let Some(front) = self.output.front_mut() else {
            self.partial = false;
            return Bytes::new();
        };
        let out = if front.len() <= max {
            self.partial = false;
            self.output.pop_front().unwrap_or_default()
        } else {
            self.partial = true;
            front.split_to(max)
        };
        self.output_len = self.output_len.saturating_sub(out.len());
        out
    }

    /// FSCTL_PIPE_TRANSCEIVE: writes `input` and reads at most `max_output`
    /// bytes of the answer. `more` is true when the message was cut (the
    /// SMB layer answers `STATUS_BUFFER_OVERFLOW` and the client reads the
    /// rest). Refused with [`RpcError::PipeBusy`] while earlier output is
    /// unread.
    pub fn transact(&mut self, input: &[u8], max_output: usize) -> Result<(Bytes, bool), RpcError> {
        if self.queued() > 0 {
            return Err(RpcError::PipeBusy);
        }
        self.write(input)?;
        let out = self.read(max_output);
        Ok((out, self.pending() > 0))
    }

    fn queue(&mut self, pdu: &Pdu) -> Result<(), RpcError> {
        let bytes = pdu.encode()?;
        self.output_len = self.output_len.saturating_add(bytes.len());
        self.output.push_back(Bytes::from(bytes));
        Ok(())
    }

    fn queue_fault(
        &mut self,
        call_id: u32,
        context_id: u16,
        status: u32,
        flags: u8,
    ) -> Result<(), RpcError> {
        let pdu = Pdu {
            header: Header::new(
                PacketType::Fault,
                PFC_FIRST_FRAG | PFC_LAST_FRAG | flags,
                call_id,
            ),
            body: Body::Fault(Fault {
                alloc_hint: 0,
                context_id,
                cancel_count: 0,
                status,
            }),
        };
        self.queue(&pdu)
    }

    fn queue_nak(&mut self, call_id: u32, reason: u16) -> Result<(), RpcError> {
        let pdu = Pdu {
            header: Header::new(PacketType::BindNak, PFC_FIRST_FRAG | PFC_LAST_FRAG, call_id),
            body: Body::BindNak(BindNak {
                reason,
                versions: vec![(RPC_VERSION, 0)],
            }),
        };
        self.queue(&pdu)
    }

    fn process(&mut self, header: &Header, frag: &[u8]) -> Result<(), RpcError> {
        if self.queued() > MAX_QUEUED_OUTPUT {
            return Err(RpcError::OutputFull);
        }
        match PacketType::from_u8(header.ptype) {
            Some(PacketType::Bind) => self.on_bind(header, frag, false),
            Some(PacketType::AlterContext) => self.on_bind(header, frag, true),
            Some(PacketType::Request) => self.on_request(header, frag),
            Some(PacketType::Orphaned) => {
                if self
                    .reassembly
                    .as_ref()
                    .is_some_and(|r| r.call_id == header.call_id)
                {
                    self.reassembly = None;
                }
                Ok(())
            }
            // No cancel support: calls complete before the next PDU is read.
            Some(PacketType::CoCancel) => Ok(()),
            Some(_) => Err(RpcError::UnexpectedPdu(header.ptype)),
            None => Err(PduError::UnknownType(header.ptype).into()),
        }
    }

    /// Why this PDU cannot be used, if the header is not plain
    /// 5.0/5.1 little-endian without authentication.
    fn header_problem(header: &Header) -> Option<(u16, u32)> {
        if header.rpc_vers != RPC_VERSION || header.rpc_vers_minor > 1 {
            return Some((REJECT_PROTOCOL_VERSION_NOT_SUPPORTED, NCA_PROTO_ERROR));
        }
        if !header.is_little_endian_ascii_ieee() {
            return Some((REJECT_PROTOCOL_VERSION_NOT_SUPPORTED, NCA_PROTO_ERROR));
        }
        if header.auth_length != 0 {
            return Some((
                REJECT_AUTHENTICATION_TYPE_NOT_RECOGNIZED,
                NCA_UNSUPPORTED_AUTHN_LEVEL,
            ));
        }
        None
    }

    fn on_bind(&mut self, header: &Header, frag: &[u8], alter: bool) -> Result<(), RpcError> {
        if alter && !self.bound {
            return Err(RpcError::NotBound);
        }
        let call_id = header.call_id;
        let refuse = |this: &mut Self, reason: u16, status: u32| {
            if alter {
                this.queue_fault(call_id, 0, status, PFC_DID_NOT_EXECUTE)
            } else {
                this.queue_nak(call_id, reason)
            }
        };
        if let Some((reason, status)) = Self::header_problem(header) {
            return refuse(self, reason, status);
        }
        if !alter && self.bound {
            // A second bind on an association is a protocol error.
            return self.queue_nak(call_id, REJECT_REASON_NOT_SPECIFIED);
        }
        let bind: Bind = match Pdu::decode(frag).map(|p| p.body) {
            Ok(Body::Bind(b) | Body::AlterContext(b)) => b,
            _ => return refuse(self, REJECT_PROTOCOL_VERSION_NOT_SUPPORTED, NCA_PROTO_ERROR),
        };
        if !alter {
            self.max_xmit = bind.max_recv_frag.clamp(MIN_FRAG, MAX_FRAG);
            self.max_recv = bind.max_xmit_frag.clamp(MIN_FRAG, MAX_FRAG);
            self.assoc_group_id = if bind.assoc_group_id == 0 {
                ASSOC_GROUP_ID
            } else {
                bind.assoc_group_id
            };
        }
        let interface = self.kind.interface();
        let mut results = Vec::with_capacity(bind.contexts.len());
        for ctx in &bind.contexts {
            let known = ctx.abstract_syntax == interface;
            let ndr = ctx.transfer_syntaxes.contains(&NDR20);
            let btfn = ctx
                .transfer_syntaxes
                .iter()
                .any(SyntaxId::is_bind_time_feature_negotiation);
            let rejected = |reason| ContextResult {
                result: RESULT_PROVIDER_REJECTION,
                reason,
                transfer_syntax: SyntaxId::default(),
            };
            let result = if known && ndr {
                let have = self.contexts.contains(&ctx.context_id);
                if have || self.contexts.len() < MAX_CONTEXTS {
                    if !have {
                        self.contexts.push(ctx.context_id);
                    }
                    ContextResult {
                        result: RESULT_ACCEPTANCE,
                        reason: 0,
                        transfer_syntax: NDR20,
                    }
                } else {
                    rejected(REASON_LOCAL_LIMIT_EXCEEDED)
                }
            } else if btfn {
                // No optional features (security context multiplexing,
                // keep connection on orphan) are offered back.
                ContextResult {
                    result: RESULT_NEGOTIATE_ACK,
                    reason: 0,
                    transfer_syntax: SyntaxId::default(),
                }
            } else if !known {
                rejected(REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED)
            } else {
                rejected(REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED)
            };
            results.push(result);
        }
        self.bound = true;
        let ack = BindAck {
            max_xmit_frag: self.max_xmit,
            max_recv_frag: self.max_recv,
            assoc_group_id: self.assoc_group_id,
            secondary_address: if alter {
                Vec::new()
            } else {
                self.kind.secondary_address().to_vec()
            },
            results,
        };
        let (ptype, body) = if alter {
            (PacketType::AlterContextResp, Body::AlterContextResp(ack))
        } else {
            (PacketType::BindAck, Body::BindAck(ack))
        };
        self.queue(&Pdu {
            header: Header::new(ptype, PFC_FIRST_FRAG | PFC_LAST_FRAG, call_id),
            body,
        })
    }

    fn on_request(&mut self, header: &Header, frag: &[u8]) -> Result<(), RpcError> {
        if !self.bound {
            return Err(RpcError::NotBound);
        }
        let call_id = header.call_id;
        if let Some((_, status)) = Self::header_problem(header) {
            self.reassembly = None;
            self.discard_call = Some(call_id);
            return self.queue_fault(call_id, 0, status, PFC_DID_NOT_EXECUTE);
        }
        let request = match Pdu::decode(frag).map(|p| p.body) {
            Ok(Body::Request(r)) => r,
            _ => return self.queue_fault(call_id, 0, NCA_PROTO_ERROR, PFC_DID_NOT_EXECUTE),
        };
        let first = header.flags & PFC_FIRST_FRAG != 0;
        let last = header.flags & PFC_LAST_FRAG != 0;
        if first {
            self.discard_call = None;
            self.reassembly = Some(Reassembly {
                call_id,
                context_id: request.context_id,
                opnum: request.opnum,
                stub: Vec::new(),
            });
        } else if self.discard_call == Some(call_id) {
            if last {
                self.discard_call = None;
            }
            return Ok(());
        } else if self
            .reassembly
            .as_ref()
            .is_none_or(|r| r.call_id != call_id)
        {
            return self.queue_fault(
                call_id,
                request.context_id,
                NCA_PROTO_ERROR,
                PFC_DID_NOT_EXECUTE,
            );
        }
        let Some(call) = self.reassembly.as_mut() else {
            return Ok(());
        };
        let context_id = call.context_id;
        if call.stub.len().saturating_add(request.stub.len()) > MAX_REQUEST_STUB {
            self.reassembly = None;
            if !last {
                self.discard_call = Some(call_id);
            }
            return self.queue_fault(
                call_id,
                context_id,
                NCA_S_FAULT_REMOTE_NO_MEMORY,
                PFC_DID_NOT_EXECUTE,
            );
        }
        call.stub.extend_from_slice(&request.stub);
        if !last {
            return Ok(());
        }
        let Some(call) = self.reassembly.take() else {
            return Ok(());
        };
        if !self.contexts.contains(&call.context_id) {
            return self.queue_fault(call_id, call.context_id, NCA_S_UNK_IF, PFC_DID_NOT_EXECUTE);
        }
        match self.kind.call(&self.info, call.opnum, &call.stub) {
            Ok(stub) => self.queue_response(call_id, call.context_id, stub),
            Err(e) => self.queue_fault(
                call_id,
                call.context_id,
                e.fault_status(),
                PFC_DID_NOT_EXECUTE,
            ),
        }
    }

    fn queue_response(
        &mut self,
        call_id: u32,
        context_id: u16,
        stub: Vec<u8>,
    ) -> Result<(), RpcError> {
        // Fragments carry a multiple of 8 stub bytes (all but the last).
        let room = usize::from(self.max_xmit).saturating_sub(RESPONSE_OVERHEAD) & !7;
        let stub = Bytes::from(stub);
        let mut offset = 0usize;
        loop {
            let remaining = stub.len().saturating_sub(offset);
            let take = remaining.min(room);
            let end = offset.saturating_add(take);
            let mut flags = 0;
            if offset == 0 {
                flags |= PFC_FIRST_FRAG;
            }
            if end >= stub.len() {
                flags |= PFC_LAST_FRAG;
            }
            let pdu = Pdu {
                header: Header::new(PacketType::Response, flags, call_id),
                body: Body::Response(Response {
                    alloc_hint: u32::try_from(remaining).unwrap_or(u32::MAX),
                    context_id,
                    cancel_count: 0,
                    stub: stub.slice(offset..end),
                }),
            };
            self.queue(&pdu)?;
            if end >= stub.len() || take == 0 {
                return Ok(());
            }
            offset = end;
        }
    }
}
