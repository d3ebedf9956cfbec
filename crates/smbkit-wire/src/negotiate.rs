//! SMB2 NEGOTIATE request and response (MS-SMB2 2.2.3, 2.2.4) and the
//! negotiate contexts (2.2.3.1.x).

use crate::codec::{
    Guid, Pdu, Reader, U16List, WireBuf, Writer, add, align8, body_reader, buffer, fixed_end,
    to_u16, to_u32,
};
use crate::context::{read_contexts, write_contexts};
use crate::error::WireError;
use crate::header::Command;

/// Dialect revisions (MS-SMB2 2.2.3).
pub mod dialect {
    /// SMB 2.0.2.
    pub const SMB202: u16 = 0x0202;
    /// SMB 2.1.
    pub const SMB210: u16 = 0x0210;
    /// SMB 3.0.
    pub const SMB300: u16 = 0x0300;
    /// SMB 3.0.2.
    pub const SMB302: u16 = 0x0302;
    /// SMB 3.1.1.
    pub const SMB311: u16 = 0x0311;
    /// SMB2 wildcard revision, answered to an SMB1 negotiate offering "SMB 2.???".
    pub const WILDCARD: u16 = 0x02FF;
}

/// SecurityMode bits (MS-SMB2 2.2.3).
pub mod security_mode {
    /// SMB2_NEGOTIATE_SIGNING_ENABLED.
    pub const SIGNING_ENABLED: u16 = 0x0001;
    /// SMB2_NEGOTIATE_SIGNING_REQUIRED.
    pub const SIGNING_REQUIRED: u16 = 0x0002;
}

/// Global capability bits (MS-SMB2 2.2.3).
pub mod capabilities {
    /// SMB2_GLOBAL_CAP_DFS.
    pub const DFS: u32 = 0x0000_0001;
    /// SMB2_GLOBAL_CAP_LEASING.
    pub const LEASING: u32 = 0x0000_0002;
    /// SMB2_GLOBAL_CAP_LARGE_MTU.
    pub const LARGE_MTU: u32 = 0x0000_0004;
    /// SMB2_GLOBAL_CAP_MULTI_CHANNEL.
    pub const MULTI_CHANNEL: u32 = 0x0000_0008;
    /// SMB2_GLOBAL_CAP_PERSISTENT_HANDLES.
    pub const PERSISTENT_HANDLES: u32 = 0x0000_0010;
    /// SMB2_GLOBAL_CAP_DIRECTORY_LEASING.
    pub const DIRECTORY_LEASING: u32 = 0x0000_0020;
    /// SMB2_GLOBAL_CAP_ENCRYPTION.
    pub const ENCRYPTION: u32 = 0x0000_0040;
    /// SMB2_GLOBAL_CAP_NOTIFICATIONS.
    pub const NOTIFICATIONS: u32 = 0x0000_0080;
}

/// Negotiate context type ids (MS-SMB2 2.2.3.1).
pub mod context_type {
    /// SMB2_PREAUTH_INTEGRITY_CAPABILITIES.
    pub const PREAUTH_INTEGRITY: u16 = 0x0001;
    /// SMB2_ENCRYPTION_CAPABILITIES.
    pub const ENCRYPTION: u16 = 0x0002;
    /// SMB2_COMPRESSION_CAPABILITIES.
    pub const COMPRESSION: u16 = 0x0003;
    /// SMB2_NETNAME_NEGOTIATE_CONTEXT_ID.
    pub const NETNAME: u16 = 0x0005;
    /// SMB2_TRANSPORT_CAPABILITIES.
    pub const TRANSPORT: u16 = 0x0006;
    /// SMB2_RDMA_TRANSFORM_CAPABILITIES.
    pub const RDMA_TRANSFORM: u16 = 0x0007;
    /// SMB2_SIGNING_CAPABILITIES.
    pub const SIGNING: u16 = 0x0008;
}

/// Algorithm ids carried in negotiate contexts (MS-SMB2 2.2.3.1.x).
pub mod algorithm {
    /// Preauth integrity hash SHA-512.
    pub const HASH_SHA512: u16 = 0x0001;
    /// Cipher AES-128-CCM.
    pub const AES128_CCM: u16 = 0x0001;
    /// Cipher AES-128-GCM.
    pub const AES128_GCM: u16 = 0x0002;
    /// Cipher AES-256-CCM.
    pub const AES256_CCM: u16 = 0x0003;
    /// Cipher AES-256-GCM.
    pub const AES256_GCM: u16 = 0x0004;
    /// Signing HMAC-SHA256.
    pub const SIGNING_HMAC_SHA256: u16 = 0x0000;
    /// Signing AES-CMAC.
    pub const SIGNING_AES_CMAC: u16 = 0x0001;
    /// Signing AES-GMAC.
    pub const SIGNING_AES_GMAC: u16 = 0x0002;
    /// Compression: none.
    pub const COMPRESSION_NONE: u16 = 0x0000;
    /// Compression LZNT1.
    pub const COMPRESSION_LZNT1: u16 = 0x0001;
    /// Compression LZ77.
    pub const COMPRESSION_LZ77: u16 = 0x0002;
    /// Compression LZ77+Huffman.
    pub const COMPRESSION_LZ77_HUFFMAN: u16 = 0x0003;
    /// Compression Pattern_V1.
    pub const COMPRESSION_PATTERN_V1: u16 = 0x0004;
    /// Compression LZ4.
    pub const COMPRESSION_LZ4: u16 = 0x0005;
    /// Compression capability flag: chained compression supported.
    pub const COMPRESSION_FLAG_CHAINED: u32 = 0x0000_0001;
    /// Transport capability flag SMB2_ACCEPT_TRANSPORT_LEVEL_SECURITY.
    pub const TRANSPORT_ACCEPT_LEVEL_SECURITY: u32 = 0x0000_0001;
    /// RDMA transform none.
    pub const RDMA_TRANSFORM_NONE: u16 = 0x0000;
    /// RDMA transform encryption.
    pub const RDMA_TRANSFORM_ENCRYPTION: u16 = 0x0001;
    /// RDMA transform signing.
    pub const RDMA_TRANSFORM_SIGNING: u16 = 0x0002;
}

/// One negotiate context. Unknown types are kept raw so a consumer can skip
/// them (MS-SMB2 3.3.5.4: the server ignores unknown contexts).
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum NegotiateContext<'a> {
    /// SMB2_PREAUTH_INTEGRITY_CAPABILITIES (2.2.3.1.1).
    PreauthIntegrity {
        /// HashAlgorithms.
        hash_algorithms: U16List<'a>,
        /// Salt.
        salt: &'a [u8],
    },
    /// SMB2_ENCRYPTION_CAPABILITIES (2.2.3.1.2).
    Encryption {
        /// Ciphers, most preferred first.
        ciphers: U16List<'a>,
    },
    /// SMB2_COMPRESSION_CAPABILITIES (2.2.3.1.3).
    Compression {
        /// Flags (chained compression).
        flags: u32,
        /// CompressionAlgorithms.
        algorithms: U16List<'a>,
    },
    /// SMB2_NETNAME_NEGOTIATE_CONTEXT_ID (2.2.3.1.4): the server name the
    /// client connected to, UTF-16LE.
    NetName {
        /// NetName, raw UTF-16LE.
        name: &'a [u8],
    },
    /// SMB2_TRANSPORT_CAPABILITIES (2.2.3.1.5).
    Transport {
        /// Flags.
        flags: u32,
    },
    /// SMB2_RDMA_TRANSFORM_CAPABILITIES (2.2.3.1.6).
    RdmaTransform {
        /// RDMATransformIds.
        transforms: U16List<'a>,
    },
    /// SMB2_SIGNING_CAPABILITIES (2.2.3.1.7).
    Signing {
        /// SigningAlgorithms, most preferred first.
        algorithms: U16List<'a>,
    },
    /// A context type this crate does not interpret.
    Unknown {
        /// ContextType.
        context_type: u16,
        /// Data.
        data: &'a [u8],
    },
}

fn u16_array<'a>(
    r: &mut Reader<'a>,
    count: u16,
    field: &'static str,
) -> Result<U16List<'a>, WireError> {
    let bytes = r.bytes(usize::from(count).saturating_mul(2), field)?;
    U16List::from_wire(field, bytes)
}

fn expect_end(r: &Reader<'_>, field: &'static str) -> Result<(), WireError> {
    if r.remaining() == 0 {
        Ok(())
    } else {
        Err(WireError::invalid(
            field,
            "DataLength larger than the context's content",
        ))
    }
}

impl<'a> NegotiateContext<'a> {
    /// Parses a context from its type and Data bytes. A known type whose data
    /// does not match its layout exactly is an error.
    pub fn parse(context_type: u16, data: &'a [u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(data);
        let ctx = match context_type {
            context_type::PREAUTH_INTEGRITY => {
                let count = r.u16("HashAlgorithmCount")?;
                let salt_len = r.u16("SaltLength")?;
                let hash_algorithms = u16_array(&mut r, count, "HashAlgorithms")?;
                let salt = r.bytes(usize::from(salt_len), "Salt")?;
                expect_end(&r, "SMB2_PREAUTH_INTEGRITY_CAPABILITIES")?;
                NegotiateContext::PreauthIntegrity {
                    hash_algorithms,
                    salt,
                }
            }
            context_type::ENCRYPTION => {
                let count = r.u16("CipherCount")?;
                let ciphers = u16_array(&mut r, count, "Ciphers")?;
                expect_end(&r, "SMB2_ENCRYPTION_CAPABILITIES")?;
                NegotiateContext::Encryption { ciphers }
            }
            context_type::COMPRESSION => {
                let count = r.u16("CompressionAlgorithmCount")?;
                r.skip(2, "Compression.Padding")?;
                let flags = r.u32("Compression.Flags")?;
                let algorithms = u16_array(&mut r, count, "CompressionAlgorithms")?;
                expect_end(&r, "SMB2_COMPRESSION_CAPABILITIES")?;
                NegotiateContext::Compression { flags, algorithms }
            }
            context_type::NETNAME => NegotiateContext::NetName { name: data },
            context_type::TRANSPORT => {
                let flags = r.u32("Transport.Flags")?;
                expect_end(&r, "SMB2_TRANSPORT_CAPABILITIES")?;
                NegotiateContext::Transport { flags }
            }
            context_type::RDMA_TRANSFORM => {
                let count = r.u16("TransformCount")?;
                r.skip(6, "RdmaTransform.Reserved")?;
                let transforms = u16_array(&mut r, count, "RDMATransformIds")?;
                expect_end(&r, "SMB2_RDMA_TRANSFORM_CAPABILITIES")?;
                NegotiateContext::RdmaTransform { transforms }
            }
            context_type::SIGNING => {
                let count = r.u16("SigningAlgorithmCount")?;
                let algorithms = u16_array(&mut r, count, "SigningAlgorithms")?;
                expect_end(&r, "SMB2_SIGNING_CAPABILITIES")?;
                NegotiateContext::Signing { algorithms }
            }
            other => NegotiateContext::Unknown {
                context_type: other,
                data,
            },
        };
        Ok(ctx)
    }

    /// The ContextType of this context.
    pub fn context_type(&self) -> u16 {
        match self {
            NegotiateContext::PreauthIntegrity { .. } => context_type::PREAUTH_INTEGRITY,
            NegotiateContext::Encryption { .. } => context_type::ENCRYPTION,
            NegotiateContext::Compression { .. } => context_type::COMPRESSION,
            NegotiateContext::NetName { .. } => context_type::NETNAME,
            NegotiateContext::Transport { .. } => context_type::TRANSPORT,
            NegotiateContext::RdmaTransform { .. } => context_type::RDMA_TRANSFORM,
            NegotiateContext::Signing { .. } => context_type::SIGNING,
            NegotiateContext::Unknown { context_type, .. } => *context_type,
        }
    }

    /// The Data bytes of this context.
    pub fn data(&self) -> Result<Vec<u8>, WireError> {
        let mut v = Vec::new();
        let mut w = Writer::new(&mut v);
        let count = |field, l: &U16List<'_>| to_u16(field, l.len());
        match self {
            NegotiateContext::PreauthIntegrity {
                hash_algorithms,
                salt,
            } => {
                w.u16(count("HashAlgorithmCount", hash_algorithms)?);
                w.u16(to_u16("SaltLength", salt.len())?);
                w.bytes(hash_algorithms.as_bytes());
                w.bytes(salt);
            }
            NegotiateContext::Encryption { ciphers } => {
                w.u16(count("CipherCount", ciphers)?);
                w.bytes(ciphers.as_bytes());
            }
            NegotiateContext::Compression { flags, algorithms } => {
                w.u16(count("CompressionAlgorithmCount", algorithms)?);
                w.u16(0);
                w.u32(*flags);
                w.bytes(algorithms.as_bytes());
            }
            NegotiateContext::NetName { name } => w.bytes(name),
            NegotiateContext::Transport { flags } => w.u32(*flags),
            NegotiateContext::RdmaTransform { transforms } => {
                w.u16(count("TransformCount", transforms)?);
                w.zeros(6);
                w.bytes(transforms.as_bytes());
            }
            NegotiateContext::Signing { algorithms } => {
                w.u16(count("SigningAlgorithmCount", algorithms)?);
                w.bytes(algorithms.as_bytes());
            }
            NegotiateContext::Unknown { data, .. } => w.bytes(data),
        }
        Ok(v)
    }
}

fn parse_contexts<'a>(
    msg: &'a [u8],
    offset: u32,
    count: u16,
    min_offset: usize,
) -> Result<Vec<NegotiateContext<'a>>, WireError> {
    read_contexts(msg, "NegotiateContextList", offset, count, min_offset)?
        .into_iter()
        .map(|(t, d)| NegotiateContext::parse(t, d))
        .collect()
}

fn encode_contexts<B: WireBuf + ?Sized>(
    w: &mut Writer<'_, B>,
    contexts: &[NegotiateContext<'_>],
) -> Result<(), WireError> {
    let raw = contexts
        .iter()
        .map(|c| c.data().map(|d| (c.context_type(), d)))
        .collect::<Result<Vec<_>, _>>()?;
    write_contexts(w, &raw)
}

/// SMB2 NEGOTIATE request (MS-SMB2 2.2.3).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct NegotiateRequest<'a> {
    /// SecurityMode ([`security_mode`] bits).
    pub security_mode: u16,
    /// Capabilities ([`capabilities`] bits).
    pub capabilities: u32,
    /// ClientGuid.
    pub client_guid: Guid,
    /// Dialects offered.
    pub dialects: U16List<'a>,
    /// ClientStartTime: the eight bytes after ClientGuid when 3.1.1 is not
    /// offered (MUST be 0, kept raw). Ignored when 3.1.1 is offered.
    pub client_start_time: u64,
    /// Negotiate contexts; present only when 3.1.1 is offered.
    pub contexts: Vec<NegotiateContext<'a>>,
}

impl NegotiateRequest<'_> {
    /// Whether dialect 3.1.1 is offered (then contexts are present).
    pub fn offers_smb311(&self) -> bool {
        self.dialects.contains(dialect::SMB311)
    }
}

impl<'a> Pdu<'a> for NegotiateRequest<'a> {
    const STRUCTURE_SIZE: u16 = 36;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "NEGOTIATE request",
            Some(Command::NEGOTIATE),
            Self::STRUCTURE_SIZE,
        )?;
        let dialect_count = r.u16("DialectCount")?;
        let security_mode = r.u16("SecurityMode")?;
        r.skip(2, "Reserved")?;
        let capabilities = r.u32("Capabilities")?;
        let client_guid = Guid(r.array("ClientGuid")?);
        let tail: [u8; 8] = r.array("NegotiateContextOffset/ClientStartTime")?;
        let dialects = u16_array(&mut r, dialect_count, "Dialects")?;
        let mut req = NegotiateRequest {
            security_mode,
            capabilities,
            client_guid,
            dialects,
            client_start_time: 0,
            contexts: Vec::new(),
        };
        if req.offers_smb311() {
            let mut t = Reader::new(&tail);
            let offset = t.u32("NegotiateContextOffset")?;
            let count = t.u16("NegotiateContextCount")?;
            req.contexts = parse_contexts(msg, offset, count, r.position())?;
        } else {
            req.client_start_time = u64::from_le_bytes(tail);
        }
        Ok(req)
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let smb311 = self.offers_smb311();
        if !smb311 && !self.contexts.is_empty() {
            return Err(WireError::invalid(
                "NegotiateContextList",
                "contexts need dialect 3.1.1 in the list",
            ));
        }
        let dialect_count = to_u16("DialectCount", self.dialects.len())?;
        let dialects_end = add(
            "Dialects",
            add("Dialects", w.offset(), 36)?,
            self.dialects.as_bytes().len(),
        )?;
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(dialect_count);
        w.u16(self.security_mode);
        w.u16(0);
        w.u32(self.capabilities);
        w.bytes(&self.client_guid.0);
        if smb311 {
            let offset = if self.contexts.is_empty() {
                0
            } else {
                align8(dialects_end)
                    .ok_or(WireError::invalid("NegotiateContextOffset", "overflow"))?
            };
            w.u32(to_u32("NegotiateContextOffset", offset)?);
            w.u16(to_u16("NegotiateContextCount", self.contexts.len())?);
            w.u16(0);
        } else {
            w.u64(self.client_start_time);
        }
        w.bytes(self.dialects.as_bytes());
        if !self.contexts.is_empty() {
            w.pad_to(8);
            encode_contexts(w, &self.contexts)?;
        }
        Ok(())
    }
}

/// SMB2 NEGOTIATE response (MS-SMB2 2.2.4).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct NegotiateResponse<'a> {
    /// SecurityMode ([`security_mode`] bits).
    pub security_mode: u16,
    /// DialectRevision chosen ([`dialect`]).
    pub dialect_revision: u16,
    /// ServerGuid.
    pub server_guid: Guid,
    /// Capabilities ([`capabilities`] bits).
    pub capabilities: u32,
    /// MaxTransactSize.
    pub max_transact_size: u32,
    /// MaxReadSize.
    pub max_read_size: u32,
    /// MaxWriteSize.
    pub max_write_size: u32,
    /// SystemTime (FILETIME).
    pub system_time: u64,
    /// ServerStartTime (FILETIME).
    pub server_start_time: u64,
    /// The security buffer (SPNEGO token), borrowed.
    pub security_buffer: &'a [u8],
    /// Negotiate contexts; only with dialect 3.1.1.
    pub contexts: Vec<NegotiateContext<'a>>,
}

impl<'a> Pdu<'a> for NegotiateResponse<'a> {
    const STRUCTURE_SIZE: u16 = 65;

    fn decode(msg: &'a [u8]) -> Result<Self, WireError> {
        let mut r = body_reader(
            msg,
            "NEGOTIATE response",
            Some(Command::NEGOTIATE),
            Self::STRUCTURE_SIZE,
        )?;
        let security_mode = r.u16("SecurityMode")?;
        let dialect_revision = r.u16("DialectRevision")?;
        let context_count = r.u16("NegotiateContextCount")?;
        let server_guid = Guid(r.array("ServerGuid")?);
        let capabilities = r.u32("Capabilities")?;
        let max_transact_size = r.u32("MaxTransactSize")?;
        let max_read_size = r.u32("MaxReadSize")?;
        let max_write_size = r.u32("MaxWriteSize")?;
        let system_time = r.u64("SystemTime")?;
        let server_start_time = r.u64("ServerStartTime")?;
        let sec_offset = r.u16("SecurityBufferOffset")?;
        let sec_len = r.u16("SecurityBufferLength")?;
        let context_offset = r.u32("NegotiateContextOffset")?;
        let fixed = fixed_end(Self::STRUCTURE_SIZE);
        let security_buffer = buffer(
            msg,
            "SecurityBuffer",
            sec_offset.into(),
            sec_len.into(),
            fixed,
        )?;
        let contexts = if dialect_revision == dialect::SMB311 {
            parse_contexts(msg, context_offset, context_count, fixed)?
        } else {
            Vec::new()
        };
        Ok(NegotiateResponse {
            security_mode,
            dialect_revision,
            server_guid,
            capabilities,
            max_transact_size,
            max_read_size,
            max_write_size,
            system_time,
            server_start_time,
            security_buffer,
            contexts,
        })
    }

    fn encode<B: WireBuf + ?Sized>(&self, w: &mut Writer<'_, B>) -> Result<(), WireError> {
        let smb311 = self.dialect_revision == dialect::SMB311;
        if !smb311 && !self.contexts.is_empty() {
            return Err(WireError::invalid(
                "NegotiateContextList",
                "contexts need DialectRevision 3.1.1",
            ));
        }
        let sec_offset = add("SecurityBufferOffset", w.offset(), 64)?;
        let sec_end = add("SecurityBuffer", sec_offset, self.security_buffer.len())?;
        let context_offset = if self.contexts.is_empty() {
            0
        } else {
            align8(sec_end).ok_or(WireError::invalid("NegotiateContextOffset", "overflow"))?
        };
        w.u16(Self::STRUCTURE_SIZE);
        w.u16(self.security_mode);
        w.u16(self.dialect_revision);
        w.u16(to_u16("NegotiateContextCount", self.contexts.len())?);
        w.bytes(&self.server_guid.0);
        w.u32(self.capabilities);
        w.u32(self.max_transact_size);
        w.u32(self.max_read_size);
        w.u32(self.max_write_size);
        w.u64(self.system_time);
        w.u64(self.server_start_time);
        w.u16(to_u16("SecurityBufferOffset", sec_offset)?);
        w.u16(to_u16("SecurityBufferLength", self.security_buffer.len())?);
        w.u32(to_u32("NegotiateContextOffset", context_offset)?);
        w.bytes(self.security_buffer);
        if !self.contexts.is_empty() {
            w.pad_to(8);
            encode_contexts(w, &self.contexts)?;
        }
        Ok(())
    }
}
