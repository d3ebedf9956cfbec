//! Directory lease tests (MS-SMB2 3.3.4.7), with simulated time.

use std::time::{Duration, Instant};

use crate::lease::{LeaseError, LeaseId, LeaseKey, LeaseRequest, LeaseState};
use crate::oplock::OplockTable;
use crate::table::{FileKey, OpenId, Owner};

const DIR: FileKey = FileKey {
    volume: 2,
    file: 10,
};
const CHILD: FileKey = FileKey {
    volume: 2,
    file: 11,
};
const KD: LeaseKey = [0xD; 16];
const KC: LeaseKey = [0xC; 16];
const RWH: LeaseState = LeaseState(7);
const RH: LeaseState = LeaseState(3);
const R: LeaseState = LeaseState(1);

fn id(n: u64) -> OpenId {
    OpenId {
        persistent: n,
        volatile: n,
    }
}

fn owner() -> Owner {
    Owner {
        connection: 1,
        session: 1,
        tree: 1,
    }
}

fn lid(key: LeaseKey) -> LeaseId {
    LeaseId {
        client: [1; 16],
        key,
    }
}

fn dir_req(state: LeaseState, epoch: u16) -> LeaseRequest {
    LeaseRequest {
        id: lid(KD),
        state,
        v2: true,
        epoch,
        parent: None,
        directory: true,
    }
}

#[test]
fn directories_get_r_or_rh_never_w() {
    let t = OplockTable::new(Duration::from_secs(35));
    let g = t
        .grant_lease(DIR, id(1), owner(), &dir_req(RWH, 0x22), 0)
        .unwrap();
    assert_eq!((g.state, g.epoch), (RH, 0x23));
    t.release(id(1));
    let g = t
        .grant_lease(DIR, id(2), owner(), &dir_req(LeaseState(5), 0x11), 0)
        .unwrap();
    assert_eq!(g.state, R, "RW asked, R granted");
    assert_eq!(t.leased_dirs(2), vec![DIR]);
    assert!(t.leased_dirs(3).is_empty());
}

#[test]
fn a_change_breaks_the_directory_lease_except_for_its_parent_key() {
    let t = OplockTable::new(Duration::from_secs(35));
    let now = Instant::now();
    t.grant_lease(DIR, id(1), owner(), &dir_req(RH, 0x22), 0)
        .unwrap();
    // A child opened with the directory's key as its parent: no break.
    let child = LeaseRequest {
        id: lid(KC),
        state: RWH,
        v2: true,
        epoch: 0x33,
        parent: Some(KD),
        directory: false,
    };
    let g = t.grant_lease(CHILD, id(2), owner(), &child, 0).unwrap();
    assert_eq!((g.state, g.parent), (RWH, Some(KD)));
    assert_eq!(t.parent_key(id(2)), Some(KD));
    assert!(t.break_dir(DIR, t.parent_key(id(2)), now).is_empty());
    assert_eq!(t.lease_state(&lid(KD)), RH);
    // Any other change: RH breaks to none, acknowledged, epoch moved.
    let breaks = t.break_dir(DIR, None, now);
    assert_eq!(breaks.len(), 1);
    let b = breaks.first().unwrap();
    assert_eq!(
        (b.from, b.to, b.epoch, b.ack_required),
        (RH, LeaseState::NONE, 0x24, true)
    );
    // A second change while it breaks sends nothing more.
    assert!(t.break_dir(DIR, None, now).is_empty());
    assert_eq!(
        t.acknowledge_lease(&lid(KD), R, Instant::now())
            .map(|a| a.0),
        Err(LeaseError::NotAccepted)
    );
    assert_eq!(
        t.acknowledge_lease(&lid(KD), LeaseState::NONE, Instant::now())
            .map(|a| a.0),
        Ok(LeaseState::NONE)
    );
    // A new CREATE under the key takes RH again, with the next epoch.
    let g = t
        .grant_lease(DIR, id(3), owner(), &dir_req(RWH, 0x222), 1)
        .unwrap();
    assert_eq!((g.state, g.epoch, g.breaking), (RH, 0x25, false));
    // An R-only directory lease breaks without acknowledgment.
    t.release(id(1));
    t.release(id(3));
    t.grant_lease(DIR, id(4), owner(), &dir_req(R, 0), 0)
        .unwrap();
    let breaks = t.break_dir(DIR, None, now);
    assert_eq!(breaks.first().map(|b| b.ack_required), Some(false));
    assert_eq!(t.lease_state(&lid(KD)), LeaseState::NONE);
}

#[test]
fn an_unacknowledged_directory_break_times_out() {
    let t = OplockTable::new(Duration::from_secs(35));
    let now = Instant::now();
    t.grant_lease(DIR, id(1), owner(), &dir_req(RH, 0), 0)
        .unwrap();
    assert_eq!(t.break_dir(DIR, None, now).len(), 1);
    assert_eq!(t.expire(DIR, now + Duration::from_secs(36)), 1);
    assert_eq!(t.lease_state(&lid(KD)), LeaseState::NONE);
    assert_eq!(
        t.acknowledge_lease(&lid(KD), LeaseState::NONE, Instant::now())
            .map(|a| a.0),
        Err(LeaseError::NotBreaking)
    );
}

#[test]
fn writes_are_remembered_until_the_close() {
    let t = OplockTable::new(Duration::from_secs(35));
    t.note_written(id(7));
    assert!(t.take_written(id(7)));
    assert!(!t.take_written(id(7)));
    t.note_written(id(8));
    t.release(id(8));
    assert!(!t.take_written(id(8)), "forgotten with the open");
}

#[test]
fn a_deletion_told_at_close_is_remembered_once() {
    let t = OplockTable::new(Duration::from_secs(35));
    t.note_told(id(5));
    t.release(id(5));
    assert!(t.take_told(id(5)), "kept past the release, for the delete");
    assert!(!t.take_told(id(5)));
}
