//! `RqLs`: SMB2_CREATE_REQUEST_LEASE (MS-SMB2 2.2.13.2.8, 32 bytes) and
//! SMB2_CREATE_REQUEST_LEASE_V2 (2.2.13.2.10, 52 bytes); the responses
//! (2.2.14.2.10, 2.2.14.2.11) have the same layouts. The version is told by
//! the data length.

use super::{CreateContext, name};
use crate::codec::Reader;
use crate::error::WireError;

/// LeaseState bits (MS-SMB2 2.2.13.2.8).
pub mod lease_state {
    /// No caching.
    pub const NONE: u32 = 0x00;
    /// SMB2_LEASE_READ_CACHING.
    pub const READ_CACHING: u32 = 0x01;
    /// SMB2_LEASE_HANDLE_CACHING.
    pub const HANDLE_CACHING: u32 = 0x02;
    /// SMB2_LEASE_WRITE_CACHING.
    pub const WRITE_CACHING: u32 = 0x04;
}

/// LeaseFlags bits (MS-SMB2 2.2.13.2.8, 2.2.13.2.10).
pub mod lease_flags {
    /// SMB2_LEASE_FLAG_BREAK_IN_PROGRESS (responses).
    pub const BREAK_IN_PROGRESS: u32 = 0x02;
    /// SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET (v2).
    pub const PARENT_LEASE_KEY_SET: u32 = 0x04;
}

/// A v1 lease (SMB 2.1 and 3.x).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LeaseV1 {
    /// LeaseKey, chosen by the client.
    pub lease_key: [u8; 16],
    /// LeaseState ([`lease_state`]).
    pub lease_state: u32,
    /// LeaseFlags ([`lease_flags`]).
    pub lease_flags: u32,
    /// LeaseDuration (reserved, 0).
    pub lease_duration: u64,
}

/// A v2 lease (SMB 3.x): v1 plus the parent's key and an epoch.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LeaseV2 {
    /// LeaseKey, chosen by the client.
    pub lease_key: [u8; 16],
    /// LeaseState ([`lease_state`]).
    pub lease_state: u32,
    /// LeaseFlags ([`lease_flags`]).
    pub lease_flags: u32,
    /// LeaseDuration (reserved, 0).
    pub lease_duration: u64,
    /// ParentLeaseKey (valid with [`lease_flags::PARENT_LEASE_KEY_SET`]).
    pub parent_lease_key: [u8; 16],
    /// Epoch.
    pub epoch: u16,
}

/// A lease context of either version.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lease {
    /// 32-byte SMB2_CREATE_REQUEST_LEASE.
    V1(LeaseV1),
    /// 52-byte SMB2_CREATE_REQUEST_LEASE_V2.
    V2(LeaseV2),
}

impl Lease {
    /// Length of a v1 lease.
    pub const V1_LEN: usize = 32;
    /// Length of a v2 lease.
    pub const V2_LEN: usize = 52;

    /// Decodes the context data: 32 bytes are v1, 52 bytes v2.
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        if data.len() != Self::V1_LEN && data.len() != Self::V2_LEN {
            return Err(WireError::invalid(
                "RqLs",
                "lease data is neither 32 nor 52 bytes",
            ));
        }
        let mut r = Reader::new(data);
        let lease_key = r.array("RqLs.LeaseKey")?;
        let lease_state = r.u32("RqLs.LeaseState")?;
        let lease_flags = r.u32("RqLs.LeaseFlags")?;
        let lease_duration = r.u64("RqLs.LeaseDuration")?;
        if data.len() == Self::V1_LEN {
            return Ok(Lease::V1(LeaseV1 {
                lease_key,
                lease_state,
                lease_flags,
                lease_duration,
            }));
        }
        let parent_lease_key = r.array("RqLs.ParentLeaseKey")?;
        let epoch = r.u16("RqLs.Epoch")?;
        r.skip(2, "RqLs.Reserved")?;
        Ok(Lease::V2(LeaseV2 {
            lease_key,
            lease_state,
            lease_flags,
            lease_duration,
            parent_lease_key,
            epoch,
        }))
    }

    /// The lease key.
    pub fn lease_key(&self) -> [u8; 16] {
        match self {
            Lease::V1(l) => l.lease_key,
            Lease::V2(l) => l.lease_key,
        }
    }

    /// The lease state.
    pub fn lease_state(&self) -> u32 {
        match self {
            Lease::V1(l) => l.lease_state,
            Lease::V2(l) => l.lease_state,
        }
    }

    /// The context data.
    pub fn to_bytes(&self) -> Vec<u8> {
        let (key, state, flags, duration) = match self {
            Lease::V1(l) => (l.lease_key, l.lease_state, l.lease_flags, l.lease_duration),
            Lease::V2(l) => (l.lease_key, l.lease_state, l.lease_flags, l.lease_duration),
        };
        let mut v = Vec::with_capacity(Self::V2_LEN);
        v.extend_from_slice(&key);
        v.extend_from_slice(&state.to_le_bytes());
        v.extend_from_slice(&flags.to_le_bytes());
        v.extend_from_slice(&duration.to_le_bytes());
        if let Lease::V2(l) = self {
            v.extend_from_slice(&l.parent_lease_key);
            v.extend_from_slice(&l.epoch.to_le_bytes());
            v.extend_from_slice(&[0, 0]);
        }
        v
    }

    /// The whole context.
    pub fn to_context(&self) -> CreateContext<'static> {
        CreateContext::owned(name::LEASE, self.to_bytes())
    }
}
