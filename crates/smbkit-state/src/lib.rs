#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod lease;
mod lease_table;
mod locks;
mod notify;
mod oplock;
mod share;
mod table;

pub use lease::{
    ClientGuid, LeaseBreak, LeaseError, LeaseGrant, LeaseId, LeaseKey, LeaseRequest, LeaseState,
};
pub use locks::{Io, LockError, LockRange, LockSpec, LockTable, MAX_LOCKS_PER_FILE, Waiter};
pub use notify::{Change, MAX_PENDING_CHANGES, NotifyTable, Pending, Watch, WatchSpec};
pub use oplock::{
    AckError, Break, BreakWait, Contention, DEFAULT_BREAK_TIMEOUT, OplockLevel, OplockTable,
    Outcome,
};
pub use share::{Access, ShareMode, conflicts};
pub use table::{
    Closed, DEFAULT_MAX_OPENS_PER_CONNECTION, FileKey, Open, OpenId, OpenTable, Owner, StateError,
};
