//! FSCTL bodies about the server rather than a file: the snapshot list
//! (SRV_SNAPSHOT_ARRAY, MS-SMB2 2.2.32.2) and the network interfaces
//! (NETWORK_INTERFACE_INFO, MS-SMB2 2.2.32.5).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::codec::{Reader, WireBuf, Writer, string_to_utf16le, to_u32, utf16le_to_string};
use crate::error::WireError;

/// SRV_SNAPSHOT_ARRAY: the `@GMT-…` tokens of the snapshots of a share.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct SnapshotArray {
    /// NumberOfSnapShots: how many exist.
    pub total: u32,
    /// The tokens returned (all of them, or none when the client's buffer
    /// is too small).
    pub snapshots: Vec<String>,
}

impl SnapshotArray {
    /// Appends the body: the counts, SnapShotArraySize, then the tokens as
    /// a UTF-16 multi-string (each NUL-terminated, one more NUL at the end).
    pub fn encode<B: WireBuf + ?Sized>(&self, buf: &mut B) -> Result<(), WireError> {
        let mut array = Vec::new();
        for s in &self.snapshots {
            array.extend_from_slice(&string_to_utf16le(s));
            array.extend_from_slice(&[0, 0]);
        }
        array.extend_from_slice(&[0, 0]);
        let returned = to_u32("NumberOfSnapShotsReturned", self.snapshots.len())?;
        let size = to_u32("SnapShotArraySize", array.len())?;
        let mut w = Writer::new(buf);
        w.u32(self.total);
        w.u32(returned);
        w.u32(size);
        w.bytes(&array);
        Ok(())
    }

    /// Decodes a body.
    pub fn decode(output: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(output);
        let total = r.u32("NumberOfSnapShots")?;
        let returned = r.u32("NumberOfSnapShotsReturned")?;
        let size = r.u32("SnapShotArraySize")?;
        let array = r.bytes(
            usize::try_from(size).unwrap_or(usize::MAX),
            "SnapShotMultiSZ",
        )?;
        let units: Vec<u8> = array.to_vec();
        let mut snapshots = Vec::new();
        let mut start = 0usize;
        let mut i = 0usize;
        while let Some(pair) = units.get(i..i.saturating_add(2)) {
            if pair == [0, 0] {
                if i == start {
                    break;
                }
                let s = units.get(start..i).unwrap_or_default();
                snapshots.push(utf16le_to_string("SnapShotMultiSZ", s)?);
                start = i.saturating_add(2);
            }
            i = i.saturating_add(2);
        }
        if snapshots.len() != usize::try_from(returned).unwrap_or(usize::MAX) {
            return Err(WireError::invalid(
                "NumberOfSnapShotsReturned",
                "does not match the array",
            ));
        }
        Ok(SnapshotArray { total, snapshots })
    }
}

/// NETWORK_INTERFACE_INFO Capability: RSS_CAPABLE.
pub const RSS_CAPABLE: u32 = 0x0000_0001;
/// NETWORK_INTERFACE_INFO Capability: RDMA_CAPABLE.
pub const RDMA_CAPABLE: u32 = 0x0000_0002;

/// SockAddr_Storage family of an IPv4 address (AF_INET).
const FAMILY_INET: u16 = 0x0002;
/// SockAddr_Storage family of an IPv6 address (AF_INET6 as Windows
/// numbers it).
const FAMILY_INET6: u16 = 0x0017;
/// Length of SockAddr_Storage.
const SOCKADDR_LEN: usize = 128;

/// One NETWORK_INTERFACE_INFO entry (152 bytes on the wire).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct NetworkInterface {
    /// IfIndex.
    pub if_index: u32,
    /// Capability (`RSS_CAPABLE`, `RDMA_CAPABLE`).
    pub capability: u32,
    /// LinkSpeed in bits per second.
    pub link_speed: u64,
    /// The address (the port is not sent: SockAddr_Storage carries 0).
    pub address: IpAddr,
}

impl NetworkInterface {
    /// Length of one entry.
    pub const LEN: usize = 152;

    /// Appends the entries, each Next pointing at the following one (0 on
    /// the last).
    pub fn encode_list<B: WireBuf + ?Sized>(list: &[NetworkInterface], buf: &mut B) {
        let mut w = Writer::new(buf);
        for (i, iface) in list.iter().enumerate() {
            let last = i.saturating_add(1) == list.len();
            // 152 always fits.
            w.u32(if last { 0 } else { 152 });
            w.u32(iface.if_index);
            w.u32(iface.capability);
            w.u32(0);
            w.u64(iface.link_speed);
            let mut storage = [0u8; SOCKADDR_LEN];
            write_sockaddr(&mut storage, iface.address);
            w.bytes(&storage);
        }
    }

    /// Decodes a list following the Next offsets.
    pub fn decode_list(output: &[u8]) -> Result<Vec<NetworkInterface>, WireError> {
        let mut list = Vec::new();
        let mut at = 0usize;
        loop {
            let entry = output
                .get(at..)
                .ok_or(WireError::invalid("Next", "points past the output"))?;
            let mut r = Reader::new(entry);
            let next = r.u32("Next")?;
            let if_index = r.u32("IfIndex")?;
            let capability = r.u32("Capability")?;
            r.skip(4, "Reserved")?;
            let link_speed = r.u64("LinkSpeed")?;
            let storage = r.bytes(SOCKADDR_LEN, "SockAddr_Storage")?;
            list.push(NetworkInterface {
                if_index,
                capability,
                link_speed,
                address: read_sockaddr(storage)?,
            });
            if next == 0 {
                return Ok(list);
            }
            if usize::try_from(next).unwrap_or(0) < Self::LEN {
                return Err(WireError::invalid("Next", "overlaps its entry"));
            }
            at = at
                .checked_add(usize::try_from(next).unwrap_or(usize::MAX))
                .ok_or(WireError::invalid("Next", "overflow"))?;
        }
    }
}

fn write_sockaddr(storage: &mut [u8; SOCKADDR_LEN], address: IpAddr) {
    let mut v = Vec::with_capacity(SOCKADDR_LEN);
    let mut w = Writer::new(&mut v);
    match address {
        IpAddr::V4(a) => {
            w.u16(FAMILY_INET);
            w.u16(0);
            w.bytes(&a.octets());
        }
        IpAddr::V6(a) => {
            w.u16(FAMILY_INET6);
            w.u16(0);
            w.u32(0);
            w.bytes(&a.octets());
            w.u32(0);
        }
    }
    for (o, b) in storage.iter_mut().zip(v) {
        *o = b;
    }
}

fn read_sockaddr(storage: &[u8]) -> Result<IpAddr, WireError> {
    let mut r = Reader::new(storage);
    let family = r.u16("Family")?;
    r.skip(2, "Port")?;
    match family {
        FAMILY_INET => Ok(IpAddr::V4(Ipv4Addr::from(r.array::<4>("IPv4Address")?))),
        FAMILY_INET6 => {
            r.skip(4, "FlowInfo")?;
            Ok(IpAddr::V6(Ipv6Addr::from(r.array::<16>("IPv6Address")?)))
        }
        _ => Err(WireError::invalid("Family", "neither IPv4 nor IPv6")),
    }
}

/// The interface entries for a list of listening addresses: one entry per
/// distinct specified address (unspecified addresses such as `0.0.0.0`
/// name no interface and are left out), numbered from 1.
#[must_use]
pub fn interfaces_for(addrs: &[SocketAddr], link_speed: u64) -> Vec<NetworkInterface> {
    let mut out: Vec<NetworkInterface> = Vec::new();
    for a in addrs {
        let ip = a.ip();
        if ip.is_unspecified() || out.iter().any(|i| i.address == ip) {
            continue;
        }
        let index = u32::try_from(out.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        out.push(NetworkInterface {
            if_index: index,
            capability: 0,
            link_speed,
            address: ip,
        });
    }
    out
}
