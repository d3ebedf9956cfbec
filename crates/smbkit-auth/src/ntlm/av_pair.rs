//! AV pair lists (MS-NLMP 2.2.2.1): the CHALLENGE's TargetInfo and the list
//! inside an NTLMv2 response.

use crate::error::DecodeError;
use crate::utf16;

use super::message::u16_at;

/// MsvAvEOL: ends the list.
pub const MSV_AV_EOL: u16 = 0x0000;
/// MsvAvNbComputerName.
pub const MSV_AV_NB_COMPUTER_NAME: u16 = 0x0001;
/// MsvAvNbDomainName.
pub const MSV_AV_NB_DOMAIN_NAME: u16 = 0x0002;
/// MsvAvDnsComputerName.
pub const MSV_AV_DNS_COMPUTER_NAME: u16 = 0x0003;
/// MsvAvDnsDomainName.
pub const MSV_AV_DNS_DOMAIN_NAME: u16 = 0x0004;
/// MsvAvDnsTreeName.
pub const MSV_AV_DNS_TREE_NAME: u16 = 0x0005;
/// MsvAvFlags (u32).
pub const MSV_AV_FLAGS: u16 = 0x0006;
/// MsvAvTimestamp (FILETIME).
pub const MSV_AV_TIMESTAMP: u16 = 0x0007;
/// MsvAvSingleHost.
pub const MSV_AV_SINGLE_HOST: u16 = 0x0008;
/// MsvAvTargetName.
pub const MSV_AV_TARGET_NAME: u16 = 0x0009;
/// MsvAvChannelBindings.
pub const MSV_AV_CHANNEL_BINDINGS: u16 = 0x000A;

/// MsvAvFlags bit: the AUTHENTICATE message carries a MIC.
pub const MSV_AV_FLAG_MIC_PRESENT: u32 = 0x0000_0002;

/// Upper bound on the number of pairs we read (a real list has about ten).
pub const MAX_PAIRS: usize = 64;

/// One AV pair, borrowing its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvPair<'a> {
    /// AvId.
    pub id: u16,
    /// The value bytes.
    pub value: &'a [u8],
}

/// Parses a list up to and including MsvAvEOL (which is not returned). Bytes
/// after MsvAvEOL are ignored (NTLMv2 responses are zero-padded). A list
/// without MsvAvEOL, a truncated pair, or more than [`MAX_PAIRS`] is an error.
pub fn parse(mut bytes: &[u8]) -> Result<Vec<AvPair<'_>>, DecodeError> {
    let mut pairs = Vec::new();
    loop {
        let id = u16_at(bytes, 0).map_err(|_| DecodeError::AvPairs)?;
        let len = usize::from(u16_at(bytes, 2).map_err(|_| DecodeError::AvPairs)?);
        let rest = bytes.get(4..).ok_or(DecodeError::AvPairs)?;
        let (value, after) = rest.split_at_checked(len).ok_or(DecodeError::AvPairs)?;
        if id == MSV_AV_EOL {
            return Ok(pairs);
        }
        if pairs.len() >= MAX_PAIRS {
            return Err(DecodeError::AvPairs);
        }
        pairs.push(AvPair { id, value });
        bytes = after;
    }
}

/// Encodes pairs and appends MsvAvEOL. `None` when a value exceeds 65535 bytes.
#[must_use]
pub fn encode(pairs: &[AvPair<'_>]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for p in pairs {
        let len = u16::try_from(p.value.len()).ok()?;
        out.extend_from_slice(&p.id.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(p.value);
    }
    out.extend_from_slice(&[0, 0, 0, 0]);
    Some(out)
}

/// The first value with `id`.
#[must_use]
pub fn find<'a>(pairs: &[AvPair<'a>], id: u16) -> Option<&'a [u8]> {
    pairs.iter().find(|p| p.id == id).map(|p| p.value)
}

/// MsvAvFlags, when present and 4 bytes long.
#[must_use]
pub fn msv_av_flags(pairs: &[AvPair<'_>]) -> Option<u32> {
    find(pairs, MSV_AV_FLAGS)
        .and_then(|v| <[u8; 4]>::try_from(v).ok())
        .map(u32::from_le_bytes)
}

/// The server's TargetInfo, in the order Windows sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetInfo {
    /// MsvAvNbDomainName.
    pub nb_domain_name: String,
    /// MsvAvNbComputerName.
    pub nb_computer_name: String,
    /// MsvAvDnsDomainName.
    pub dns_domain_name: String,
    /// MsvAvDnsComputerName.
    pub dns_computer_name: String,
    /// MsvAvTimestamp (Windows FILETIME), when sent.
    pub timestamp: Option<u64>,
}

impl TargetInfo {
    /// Encodes NbDomainName, NbComputerName, DnsDomainName, DnsComputerName,
    /// Timestamp, EOL. `None` when a name does not fit.
    #[must_use]
    pub fn encode(&self) -> Option<Vec<u8>> {
        let nb_domain = utf16::encode(&self.nb_domain_name);
        let nb_computer = utf16::encode(&self.nb_computer_name);
        let dns_domain = utf16::encode(&self.dns_domain_name);
        let dns_computer = utf16::encode(&self.dns_computer_name);
        let ts = self.timestamp.map(u64::to_le_bytes);
        let mut pairs = vec![
            AvPair {
                id: MSV_AV_NB_DOMAIN_NAME,
                value: &nb_domain,
            },
            AvPair {
                id: MSV_AV_NB_COMPUTER_NAME,
                value: &nb_computer,
            },
            AvPair {
                id: MSV_AV_DNS_DOMAIN_NAME,
                value: &dns_domain,
            },
            AvPair {
                id: MSV_AV_DNS_COMPUTER_NAME,
                value: &dns_computer,
            },
        ];
        if let Some(ts) = ts.as_ref() {
            pairs.push(AvPair {
                id: MSV_AV_TIMESTAMP,
                value: ts,
            });
        }
        encode(&pairs)
    }

    /// Reads the names and timestamp from an encoded list (missing names are empty).
    pub fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        let pairs = parse(bytes)?;
        let name = |id, what| -> Result<String, DecodeError> {
            find(&pairs, id).map_or(Ok(String::new()), |v| utf16::decode(v, what))
        };
        Ok(Self {
            nb_domain_name: name(MSV_AV_NB_DOMAIN_NAME, "MsvAvNbDomainName")?,
            nb_computer_name: name(MSV_AV_NB_COMPUTER_NAME, "MsvAvNbComputerName")?,
            dns_domain_name: name(MSV_AV_DNS_DOMAIN_NAME, "MsvAvDnsDomainName")?,
            dns_computer_name: name(MSV_AV_DNS_COMPUTER_NAME, "MsvAvDnsComputerName")?,
            timestamp: find(&pairs, MSV_AV_TIMESTAMP)
                .and_then(|v| <[u8; 8]>::try_from(v).ok())
                .map(u64::from_le_bytes),
        })
    }
}
