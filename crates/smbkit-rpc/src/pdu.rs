//! Connection-oriented DCE/RPC PDUs (C706 chapter 12, MS-RPCE 2.2.2): the
//! 16-byte common header and the bodies a named-pipe server receives and
//! sends. Little-endian, ASCII, IEEE data representation only.

use bytes::Bytes;

use crate::cursor::{Cursor, Short, pad_vec};
use crate::error::PduError;

/// Length of the common header.
pub const HEADER_LEN: usize = 16;
/// `rpc_vers`: connection-oriented RPC is version 5.
pub const RPC_VERSION: u8 = 5;
/// `packed_drep` for little-endian integers, ASCII characters, IEEE floats.
pub const DREP_LE: [u8; 4] = [0x10, 0, 0, 0];

/// `pfc_flags`: first fragment of a call.
pub const PFC_FIRST_FRAG: u8 = 0x01;
/// `pfc_flags`: last fragment of a call.
pub const PFC_LAST_FRAG: u8 = 0x02;
/// `pfc_flags`: header signing supported (bind family) / pending cancel.
pub const PFC_SUPPORT_HEADER_SIGN: u8 = 0x04;
/// `pfc_flags`: concurrent multiplexing.
pub const PFC_CONC_MPX: u8 = 0x10;
/// `pfc_flags` on a fault: the call was not executed.
pub const PFC_DID_NOT_EXECUTE: u8 = 0x20;
/// `pfc_flags`: `maybe` semantics.
pub const PFC_MAYBE: u8 = 0x40;
/// `pfc_flags` on a request: a 16-byte object UUID follows the fixed body.
pub const PFC_OBJECT_UUID: u8 = 0x80;

/// Fault status: the opnum is out of range for the interface
/// (`nca_s_op_rng_error`, C706 appendix N).
pub const NCA_S_OP_RNG_ERROR: u32 = 0x1C01_0002;
/// Fault status: the presentation context is not bound (`nca_s_unk_if`).
pub const NCA_S_UNK_IF: u32 = 0x1C01_0003;
/// Fault status: protocol error (`nca_proto_error`).
pub const NCA_PROTO_ERROR: u32 = 0x1C01_000B;
/// Fault status: RPC-level authentication is not supported on this pipe
/// (`nca_unsupported_authn_level`).
pub const NCA_UNSUPPORTED_AUTHN_LEVEL: u32 = 0x1C00_001D;
/// Fault status: the server has no memory for the arguments
/// (`nca_s_fault_remote_no_memory`).
pub const NCA_S_FAULT_REMOTE_NO_MEMORY: u32 = 0x1C00_001B;
/// Fault status: the stub data could not be unmarshalled
/// (`nca_s_fault_ndr`, RPC_X_BAD_STUB_DATA, MS-RPCE 3.1.1.5.5).
pub const NCA_S_FAULT_NDR: u32 = 0x0000_06F7;

/// bind_nak `provider_reject_reason`: not specified.
pub const REJECT_REASON_NOT_SPECIFIED: u16 = 0;
/// bind_nak `provider_reject_reason`: local limit exceeded.
pub const REJECT_LOCAL_LIMIT_EXCEEDED: u16 = 2;
/// bind_nak `provider_reject_reason`: protocol version not supported /
/// protocol error in a bind (MS-RPCE 2.2.2.5).
pub const REJECT_PROTOCOL_VERSION_NOT_SUPPORTED: u16 = 4;
/// bind_nak `provider_reject_reason`: authentication type not recognized.
pub const REJECT_AUTHENTICATION_TYPE_NOT_RECOGNIZED: u16 = 8;

/// Presentation context result: accepted.
pub const RESULT_ACCEPTANCE: u16 = 0;
/// Presentation context result: rejected by the user.
pub const RESULT_USER_REJECTION: u16 = 1;
/// Presentation context result: rejected by the provider.
pub const RESULT_PROVIDER_REJECTION: u16 = 2;
/// Presentation context result: bind-time feature negotiation answered
/// (MS-RPCE 2.2.2.14).
pub const RESULT_NEGOTIATE_ACK: u16 = 3;
/// Rejection reason: the abstract syntax (interface) is not supported.
pub const REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED: u16 = 1;
/// Rejection reason: none of the proposed transfer syntaxes is supported.
pub const REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED: u16 = 2;

/// The PDU types of connection-oriented RPC (C706 12.6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[repr(u8)]
pub enum PacketType {
    /// `request` (0).
    Request = 0,
    /// `response` (2).
    Response = 2,
    /// `fault` (3).
    Fault = 3,
    /// `bind` (11).
    Bind = 11,
    /// `bind_ack` (12).
    BindAck = 12,
    /// `bind_nak` (13).
    BindNak = 13,
    /// `alter_context` (14).
    AlterContext = 14,
    /// `alter_context_resp` (15).
    AlterContextResp = 15,
    /// `auth3` (16).
    Auth3 = 16,
    /// `shutdown` (17).
    Shutdown = 17,
    /// `co_cancel` (18).
    CoCancel = 18,
    /// `orphaned` (19).
    Orphaned = 19,
}

impl PacketType {
    /// The type of a `PTYPE` byte, if it is a connection-oriented type.
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::Request,
            2 => Self::Response,
            3 => Self::Fault,
            11 => Self::Bind,
            12 => Self::BindAck,
            13 => Self::BindNak,
            14 => Self::AlterContext,
            15 => Self::AlterContextResp,
            16 => Self::Auth3,
            17 => Self::Shutdown,
            18 => Self::CoCancel,
            19 => Self::Orphaned,
            _ => return None,
        })
    }
}

/// The 16-byte common header of every connection-oriented PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// `rpc_vers` (5).
    pub rpc_vers: u8,
    /// `rpc_vers_minor` (0 or 1).
    pub rpc_vers_minor: u8,
    /// `PTYPE`, see [`PacketType`].
    pub ptype: u8,
    /// `pfc_flags` (`PFC_*`).
    pub flags: u8,
    /// `packed_drep`.
    pub drep: [u8; 4],
    /// Length of the whole fragment, header included.
    pub frag_length: u16,
    /// Length of the authentication verifier (0 on our pipes).
    pub auth_length: u16,
    /// Call identifier, echoed in the answer.
    pub call_id: u32,
}

impl Header {
    /// A version 5.0 little-endian header; `frag_length` is filled in by
    /// [`Pdu::encode`].
    pub fn new(ptype: PacketType, flags: u8, call_id: u32) -> Self {
        Self {
            rpc_vers: RPC_VERSION,
            rpc_vers_minor: 0,
            ptype: ptype as u8,
            flags,
            drep: DREP_LE,
            frag_length: 0,
            auth_length: 0,
            call_id,
        }
    }

    /// Reads the header from the first 16 bytes of `buf`. No field is
    /// validated beyond its size.
    pub fn decode(buf: &[u8]) -> Result<Self, PduError> {
        let mut c = Cursor::new(buf);
        let h = (|| -> Result<Self, Short> {
            Ok(Self {
                rpc_vers: c.u8()?,
                rpc_vers_minor: c.u8()?,
                ptype: c.u8()?,
                flags: c.u8()?,
                drep: c.array()?,
                frag_length: c.u16()?,
                auth_length: c.u16()?,
                call_id: c.u32()?,
            })
        })();
        h.map_err(|Short| PduError::Truncated)
    }

    /// Appends the 16 header bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.rpc_vers, self.rpc_vers_minor, self.ptype, self.flags]);
        out.extend_from_slice(&self.drep);
        out.extend_from_slice(&self.frag_length.to_le_bytes());
        out.extend_from_slice(&self.auth_length.to_le_bytes());
        out.extend_from_slice(&self.call_id.to_le_bytes());
    }

    /// The packet type, if known.
    pub fn packet_type(&self) -> Option<PacketType> {
        PacketType::from_u8(self.ptype)
    }

    /// True when `packed_drep` says little-endian integers, ASCII
    /// characters and IEEE floats — the only representation we speak.
    pub fn is_little_endian_ascii_ieee(&self) -> bool {
        let [ints_chars, floats, _, _] = self.drep;
        ints_chars == 0x10 && floats == 0
    }
}

/// A UUID in its NDR wire form (the first three fields little-endian).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// Builds the wire form from the textual fields
    /// `d1-d2-d3-d4[0..2]-d4[2..8]`.
    pub const fn from_fields(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> Self {
        let a = d1.to_le_bytes();
        let b = d2.to_le_bytes();
        let c = d3.to_le_bytes();
        Self([
            a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d4[0], d4[1], d4[2], d4[3], d4[4],
            d4[5], d4[6], d4[7],
        ])
    }
}

impl core::fmt::Display for Uuid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let b = &self.0;
        let order: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
        for (n, i) in order.iter().enumerate() {
            if matches!(n, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{:02x}", b.get(*i).copied().unwrap_or_default())?;
        }
        Ok(())
    }
}

impl core::fmt::Debug for Uuid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Uuid({self})")
    }
}

/// An interface or transfer syntax: UUID and version (`major`, `minor` as
/// two u16, which is the same wire form as a single u32 version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SyntaxId {
    /// The UUID.
    pub uuid: Uuid,
    /// Major version (the low 16 bits of a u32 version).
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

/// NDR 2.0 transfer syntax `8a885d04-1ceb-11c9-9fe8-08002b104860` v2.
pub const NDR20: SyntaxId = SyntaxId {
    uuid: Uuid::from_fields(
        0x8a88_5d04,
        0x1ceb,
        0x11c9,
        [0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60],
    ),
    major: 2,
    minor: 0,
};

/// NDR64 transfer syntax `71710533-beba-4937-8319-b5dbef9ccc36` v1 (not
/// supported; answered with a provider rejection).
pub const NDR64: SyntaxId = SyntaxId {
    uuid: Uuid::from_fields(
        0x7171_0533,
        0xbeba,
        0x4937,
        [0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36],
    ),
    major: 1,
    minor: 0,
};

impl SyntaxId {
    /// True for the bind-time feature negotiation pseudo transfer syntax
    /// `6cb71c2c-9812-4540-xxxx-xxxxxxxxxxxx` (MS-RPCE 3.3.1.5.3): the last
    /// eight bytes carry the client's feature bits.
    pub fn is_bind_time_feature_negotiation(&self) -> bool {
        self.uuid.0.get(..8) == Some(&[0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45][..])
    }

    fn decode(c: &mut Cursor<'_>) -> Result<Self, Short> {
        Ok(Self {
            uuid: Uuid(c.array()?),
            major: c.u16()?,
            minor: c.u16()?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.uuid.0);
        out.extend_from_slice(&self.major.to_le_bytes());
        out.extend_from_slice(&self.minor.to_le_bytes());
    }
}

/// One `p_cont_elem_t` of a bind or alter_context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentationContext {
    /// `p_cont_id` (16 bits).
    pub context_id: u16,
    /// The interface.
    pub abstract_syntax: SyntaxId,
    /// The transfer syntaxes offered, in order of preference.
    pub transfer_syntaxes: Vec<SyntaxId>,
}

/// The body of `bind` and `alter_context`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Largest fragment the client sends.
    pub max_xmit_frag: u16,
    /// Largest fragment the client receives.
    pub max_recv_frag: u16,
    /// Association group (0: a new one).
    pub assoc_group_id: u32,
    /// Presentation contexts proposed.
    pub contexts: Vec<PresentationContext>,
}

/// One `p_result_t` of a bind_ack or alter_context_resp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextResult {
    /// `RESULT_*`.
    pub result: u16,
    /// `REASON_*`, or the feature bits for [`RESULT_NEGOTIATE_ACK`].
    pub reason: u16,
    /// The accepted transfer syntax (all zeros when not accepted).
    pub transfer_syntax: SyntaxId,
}

/// The body of `bind_ack` and `alter_context_resp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindAck {
    /// Largest fragment the server sends.
    pub max_xmit_frag: u16,
    /// Largest fragment the server receives.
    pub max_recv_frag: u16,
    /// The association group.
    pub assoc_group_id: u32,
    /// `sec_addr` port_spec bytes, terminating NUL included (`\PIPE\srvsvc\0`);
    /// empty in an alter_context_resp.
    pub secondary_address: Vec<u8>,
    /// One result per presentation context, in order.
    pub results: Vec<ContextResult>,
}

/// The body of `bind_nak`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindNak {
    /// `provider_reject_reason` (`REJECT_*`).
    pub reason: u16,
    /// Protocol versions supported (major, minor).
    pub versions: Vec<(u8, u8)>,
}

/// The body of `request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Hint of the total stub length of the call (untrusted).
    pub alloc_hint: u32,
    /// `p_cont_id`.
    pub context_id: u16,
    /// Operation number.
    pub opnum: u16,
    /// Object UUID, present when `PFC_OBJECT_UUID` is set.
    pub object: Option<Uuid>,
    /// NDR stub data of this fragment.
    pub stub: Bytes,
}

/// The body of `response`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Total stub length of the response (all fragments).
    pub alloc_hint: u32,
    /// `p_cont_id` of the request.
    pub context_id: u16,
    /// Cancels received.
    pub cancel_count: u8,
    /// NDR stub data of this fragment.
    pub stub: Bytes,
}

/// The body of `fault`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// Always 0 here (no stub follows).
    pub alloc_hint: u32,
    /// `p_cont_id` of the request.
    pub context_id: u16,
    /// Cancels received.
    pub cancel_count: u8,
    /// `NCA_*` status.
    pub status: u32,
}

/// A PDU body by type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Body {
    /// `bind`.
    Bind(Bind),
    /// `bind_ack`.
    BindAck(BindAck),
    /// `bind_nak`.
    BindNak(BindNak),
    /// `alter_context`.
    AlterContext(Bind),
    /// `alter_context_resp`.
    AlterContextResp(BindAck),
    /// `request`.
    Request(Request),
    /// `response`.
    Response(Response),
    /// `fault`.
    Fault(Fault),
    /// Any other known type, body kept as bytes.
    Other(Bytes),
}

/// One fragment: header and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    /// The common header. `frag_length` is recomputed by [`Pdu::encode`].
    pub header: Header,
    /// The body.
    pub body: Body,
}

fn short(_: Short) -> PduError {
    PduError::Truncated
}

impl Pdu {
    /// Decodes one fragment from the start of `buf` (`frag_length` bytes;
    /// anything after them is ignored). An authentication trailer, if
    /// `auth_length` is non-zero, is excluded from the body.
    pub fn decode(buf: &[u8]) -> Result<Self, PduError> {
        let header = Header::decode(buf)?;
        let frag_len = usize::from(header.frag_length);
        if frag_len < HEADER_LEN {
            return Err(PduError::FragLength(header.frag_length));
        }
        let frag = buf.get(..frag_len).ok_or(PduError::Truncated)?;
        let trailer = if header.auth_length == 0 {
            0
        } else {
            usize::from(header.auth_length)
                .checked_add(8)
                .ok_or(PduError::Malformed("auth_length"))?
        };
        let body_end = frag_len
            .checked_sub(trailer)
            .filter(|end| *end >= HEADER_LEN)
            .ok_or(PduError::Malformed("auth_length"))?;
        let body = frag.get(HEADER_LEN..body_end).ok_or(PduError::Truncated)?;
        let ptype = header
            .packet_type()
            .ok_or(PduError::UnknownType(header.ptype))?;
        let mut c = Cursor::new(body);
        let body = match ptype {
            PacketType::Bind => Body::Bind(decode_bind(&mut c)?),
            PacketType::AlterContext => Body::AlterContext(decode_bind(&mut c)?),
            PacketType::BindAck => Body::BindAck(decode_bind_ack(&mut c)?),
            PacketType::AlterContextResp => Body::AlterContextResp(decode_bind_ack(&mut c)?),
            PacketType::BindNak => {
                let reason = c.u16().map_err(short)?;
                let n = c.u8().map_err(short)?;
                let mut versions = Vec::new();
                for _ in 0..n {
                    versions.push((c.u8().map_err(short)?, c.u8().map_err(short)?));
                }
                Body::BindNak(BindNak { reason, versions })
            }
            PacketType::Request => {
                let alloc_hint = c.u32().map_err(short)?;
                let context_id = c.u16().map_err(short)?;
                let opnum = c.u16().map_err(short)?;
                let object = if header.flags & PFC_OBJECT_UUID != 0 {
                    Some(Uuid(c.array().map_err(short)?))
                } else {
                    None
                };
                Body::Request(Request {
                    alloc_hint,
                    context_id,
                    opnum,
                    object,
                    stub: Bytes::copy_from_slice(c.rest()),
                })
            }
            PacketType::Response => {
                let alloc_hint = c.u32().map_err(short)?;
                let context_id = c.u16().map_err(short)?;
                let cancel_count = c.u8().map_err(short)?;
                let _reserved = c.u8().map_err(short)?;
                Body::Response(Response {
                    alloc_hint,
                    context_id,
                    cancel_count,
                    stub: Bytes::copy_from_slice(c.rest()),
                })
            }
            PacketType::Fault => {
                let alloc_hint = c.u32().map_err(short)?;
                let context_id = c.u16().map_err(short)?;
                let cancel_count = c.u8().map_err(short)?;
                let _reserved = c.u8().map_err(short)?;
                let status = c.u32().map_err(short)?;
                Body::Fault(Fault {
                    alloc_hint,
                    context_id,
                    cancel_count,
                    status,
                })
            }
            PacketType::Auth3
            | PacketType::Shutdown
            | PacketType::CoCancel
            | PacketType::Orphaned => Body::Other(Bytes::copy_from_slice(body)),
        };
        Ok(Self { header, body })
    }

    /// Encodes the fragment, writing the real `frag_length` into the
    /// header. For a request, `PFC_OBJECT_UUID` follows `object`. No
    /// authentication trailer is kept by [`Pdu::decode`], so `auth_length`
    /// is written as 0.
    pub fn encode(&self) -> Result<Vec<u8>, PduError> {
        let mut header = self.header;
        header.auth_length = 0;
        let mut out = Vec::with_capacity(64);
        out.resize(HEADER_LEN, 0);
        match &self.body {
            Body::Bind(b) | Body::AlterContext(b) => encode_bind(b, &mut out)?,
            Body::BindAck(a) | Body::AlterContextResp(a) => encode_bind_ack(a, &mut out)?,
            Body::BindNak(n) => {
                out.extend_from_slice(&n.reason.to_le_bytes());
                out.push(
                    u8::try_from(n.versions.len()).map_err(|_| PduError::Malformed("versions"))?,
                );
                for (major, minor) in &n.versions {
                    out.extend_from_slice(&[*major, *minor]);
                }
                pad_vec(&mut out, 4);
            }
            Body::Request(r) => {
                out.extend_from_slice(&r.alloc_hint.to_le_bytes());
                out.extend_from_slice(&r.context_id.to_le_bytes());
                out.extend_from_slice(&r.opnum.to_le_bytes());
                if let Some(object) = &r.object {
                    header.flags |= PFC_OBJECT_UUID;
                    out.extend_from_slice(&object.0);
                } else {
                    header.flags &= !PFC_OBJECT_UUID;
                }
                out.extend_from_slice(&r.stub);
            }
            Body::Response(r) => {
                out.extend_from_slice(&r.alloc_hint.to_le_bytes());
                out.extend_from_slice(&r.context_id.to_le_bytes());
                out.extend_from_slice(&[r.cancel_count, 0]);
                out.extend_from_slice(&r.stub);
            }
            Body::Fault(f) => {
                out.extend_from_slice(&f.alloc_hint.to_le_bytes());
                out.extend_from_slice(&f.context_id.to_le_bytes());
                out.extend_from_slice(&[f.cancel_count, 0]);
                out.extend_from_slice(&f.status.to_le_bytes());
                out.extend_from_slice(&[0; 4]);
            }
            Body::Other(b) => out.extend_from_slice(b),
        }
        header.frag_length = u16::try_from(out.len()).map_err(|_| PduError::TooLong(out.len()))?;
        let mut head = Vec::with_capacity(HEADER_LEN);
        header.encode(&mut head);
        if let Some(dst) = out.get_mut(..HEADER_LEN) {
            dst.copy_from_slice(&head);
        }
        Ok(out)
    }
}

fn decode_bind(c: &mut Cursor<'_>) -> Result<Bind, PduError> {
    let max_xmit_frag = c.u16().map_err(short)?;
    let max_recv_frag = c.u16().map_err(short)?;
    let assoc_group_id = c.u32().map_err(short)?;
    let n = c.u8().map_err(short)?;
    c.take(3).map_err(short)?;
    let mut contexts = Vec::new();
    for _ in 0..n {
        let context_id = c.u16().map_err(short)?;
        let n_transfer = c.u8().map_err(short)?;
        let _reserved = c.u8().map_err(short)?;
        let abstract_syntax = SyntaxId::decode(c).map_err(short)?;
        let mut transfer_syntaxes = Vec::new();
        for _ in 0..n_transfer {
            transfer_syntaxes.push(SyntaxId::decode(c).map_err(short)?);
        }
        contexts.push(PresentationContext {
            context_id,
            abstract_syntax,
            transfer_syntaxes,
        });
    }
    Ok(Bind {
        max_xmit_frag,
        max_recv_frag,
        assoc_group_id,
        contexts,
    })
}

fn encode_bind(b: &Bind, out: &mut Vec<u8>) -> Result<(), PduError> {
    out.extend_from_slice(&b.max_xmit_frag.to_le_bytes());
    out.extend_from_slice(&b.max_recv_frag.to_le_bytes());
    out.extend_from_slice(&b.assoc_group_id.to_le_bytes());
    out.push(u8::try_from(b.contexts.len()).map_err(|_| PduError::Malformed("contexts"))?);
    out.extend_from_slice(&[0; 3]);
    for ctx in &b.contexts {
        out.extend_from_slice(&ctx.context_id.to_le_bytes());
        out.push(
            u8::try_from(ctx.transfer_syntaxes.len())
                .map_err(|_| PduError::Malformed("transfer syntaxes"))?,
        );
        out.push(0);
        ctx.abstract_syntax.encode(out);
        for ts in &ctx.transfer_syntaxes {
            ts.encode(out);
        }
    }
    Ok(())
}

fn decode_bind_ack(c: &mut Cursor<'_>) -> Result<BindAck, PduError> {
    let max_xmit_frag = c.u16().map_err(short)?;
    let max_recv_frag = c.u16().map_err(short)?;
    let assoc_group_id = c.u32().map_err(short)?;
    let sec_len = c.u16().map_err(short)?;
    let secondary_address = c.take(usize::from(sec_len)).map_err(short)?.to_vec();
    // The cursor starts right after the 16-byte header, so aligning it
    // aligns relative to the PDU.
    c.align(4).map_err(short)?;
    let n = c.u8().map_err(short)?;
    c.take(3).map_err(short)?;
    let mut results = Vec::new();
    for _ in 0..n {
        results.push(ContextResult {
            result: c.u16().map_err(short)?,
            reason: c.u16().map_err(short)?,
            transfer_syntax: SyntaxId::decode(c).map_err(short)?,
        });
    }
    Ok(BindAck {
        max_xmit_frag,
        max_recv_frag,
        assoc_group_id,
        secondary_address,
        results,
    })
}

fn encode_bind_ack(a: &BindAck, out: &mut Vec<u8>) -> Result<(), PduError> {
    out.extend_from_slice(&a.max_xmit_frag.to_le_bytes());
    out.extend_from_slice(&a.max_recv_frag.to_le_bytes());
    out.extend_from_slice(&a.assoc_group_id.to_le_bytes());
    let sec_len = u16::try_from(a.secondary_address.len())
        .map_err(|_| PduError::Malformed("secondary address"))?;
    out.extend_from_slice(&sec_len.to_le_bytes());
    out.extend_from_slice(&a.secondary_address);
    pad_vec(out, 4);
    out.push(u8::try_from(a.results.len()).map_err(|_| PduError::Malformed("results"))?);
    out.extend_from_slice(&[0; 3]);
    for r in &a.results {
        out.extend_from_slice(&r.result.to_le_bytes());
        out.extend_from_slice(&r.reason.to_le_bytes());
        r.transfer_syntax.encode(out);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_text_form() {
        assert_eq!(
            NDR20.uuid.to_string(),
            "8a885d04-1ceb-11c9-9fe8-08002b104860"
        );
        assert_eq!(
            NDR64.uuid.to_string(),
            "71710533-beba-4937-8319-b5dbef9ccc36"
        );
        assert_eq!(
            NDR20.uuid.0,
            [
                0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10,
                0x48, 0x60
            ]
        );
    }

    #[test]
    fn btfn_prefix() {
        let btfn = SyntaxId {
            uuid: Uuid::from_fields(0x6cb7_1c2c, 0x9812, 0x4540, [3, 0, 0, 0, 0, 0, 0, 0]),
            major: 1,
            minor: 0,
        };
        assert!(btfn.is_bind_time_feature_negotiation());
        assert!(!NDR20.is_bind_time_feature_negotiation());
    }

    #[test]
    fn short_frag_length_is_refused() {
        let mut b = Vec::new();
        let mut h = Header::new(PacketType::Bind, 3, 1);
        h.frag_length = 15;
        h.encode(&mut b);
        assert_eq!(Pdu::decode(&b), Err(PduError::FragLength(15)));
        assert_eq!(Header::decode(&b[..15]), Err(PduError::Truncated));
    }
}
