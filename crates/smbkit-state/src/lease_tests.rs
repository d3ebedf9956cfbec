//! Lease state-machine tests, with simulated time.

use std::time::Duration;

use super::*;
use crate::oplock::{Contention, OplockLevel, OplockTable, Outcome};
use crate::table::FileKey;

const FILE: FileKey = FileKey { volume: 0, file: 3 };
const CLIENT: u64 = 1;
const K1: LeaseKey = [1; 16];
const K2: LeaseKey = [2; 16];
const RWH: LeaseState = LeaseState(7);
const RH: LeaseState = LeaseState(3);
const R: LeaseState = LeaseState(1);

fn id(n: u64) -> OpenId {
    OpenId {
        persistent: n,
        volatile: n,
    }
}

fn owner(connection: u64) -> Owner {
    Owner {
        connection,
        session: 1,
        tree: 1,
    }
}

fn open_by(lease: Option<LeaseId>) -> Contention {
    Contention::Open {
        stat: false,
        lease_stat: false,
        truncate: false,
        sharing_violation: false,
        delete: false,
        retry: false,
        lease,
    }
}

/// Lease `key` of the client numbered `client` (its ClientGuid is the
/// number repeated).
fn lid(client: u64, key: LeaseKey) -> LeaseId {
    LeaseId {
        client: [u8::try_from(client).unwrap(); 16],
        key,
    }
}

/// A file lease request of client `client` (the connection number doubles
/// as the client here).
fn req(client: u64, key: LeaseKey, state: LeaseState, v2: bool, epoch: u16) -> LeaseRequest {
    LeaseRequest {
        id: lid(client, key),
        state,
        v2,
        epoch,
        parent: None,
        directory: false,
    }
}

fn table() -> OplockTable {
    OplockTable::new(Duration::from_secs(35))
}

#[test]
fn grantable_states() {
    assert_eq!(LeaseState(7).grantable(), RWH);
    assert_eq!(LeaseState(5).grantable(), LeaseState(5));
    assert_eq!(LeaseState(2).grantable(), LeaseState::NONE, "H without R");
    assert_eq!(LeaseState(4).grantable(), LeaseState::NONE, "W without R");
    assert_eq!(LeaseState(0xF9).grantable(), R, "unknown bits dropped");
}

#[tokio::test]
async fn a_second_key_breaks_write_caching_and_waits_for_the_ack() {
    let t = table();
    let now = Instant::now();
    let g = t
        .grant_lease(FILE, id(1), owner(1), &req(1, K1, RWH, true, 4), 0)
        .unwrap();
    assert_eq!(
        g,
        LeaseGrant {
            state: RWH,
            epoch: 5,
            breaking: false,
            v2: true,
            parent: None,
        }
    );
    // The same key never breaks itself.
    assert!(matches!(
        t.contend(FILE, open_by(Some(lid(1, K1))), now),
        Outcome::Proceed { breaks, lease_breaks } if breaks.is_empty() && lease_breaks.is_empty()
    ));
    let Outcome::Wait {
        lease_breaks,
        mut wait,
        ..
    } = t.contend(FILE, open_by(Some(lid(2, K2))), now)
    else {
        panic!("RWH must break for another key");
    };
    assert_eq!(
        lease_breaks,
        vec![LeaseBreak {
            key: K1,
            open: id(1),
            owner: owner(1),
            from: RWH,
            to: RH,
            epoch: 6,
            ack_required: true,
            v2: true,
        }]
    );
    assert_eq!(
        t.acknowledge_lease(&lid(1, K1), RWH, Instant::now())
            .map(|a| a.0),
        Err(LeaseError::NotAccepted),
        "more than the break allows"
    );
    assert_eq!(
        t.acknowledge_lease(&lid(1, K1), RH, Instant::now())
            .map(|a| a.0),
        Ok(RH)
    );
    tokio::time::timeout(Duration::from_secs(1), wait.changed())
        .await
        .unwrap();
    assert_eq!(
        t.acknowledge_lease(&lid(1, K1), RH, Instant::now())
            .map(|a| a.0),
        Err(LeaseError::NotBreaking)
    );
    assert_eq!(
        t.acknowledge_lease(&lid(1, K2), R, Instant::now())
            .map(|a| a.0),
        Err(LeaseError::NotFound)
    );
    // The second key gets RH beside it, not W.
    let g2 = t
        .grant_lease(FILE, id(2), owner(2), &req(2, K2, RWH, false, 0), 1)
        .unwrap();
    assert_eq!(g2.state, RH);
    assert_eq!(g2.epoch, 0, "v1 leases have no epoch");
}

#[test]
fn opens_under_one_key_share_and_upgrade_the_lease() {
    let t = table();
    let g = t
        .grant_lease(FILE, id(1), owner(1), &req(1, K1, R, true, 0), 0)
        .unwrap();
    assert_eq!((g.state, g.epoch), (R, 1));
    // A later CREATE with the same key upgrades; its first open does not
    // count against write caching.
    let g = t
        .grant_lease(FILE, id(2), owner(1), &req(1, K1, RWH, true, 0), 1)
        .unwrap();
    assert_eq!((g.state, g.epoch), (RWH, 2));
    // Never downgraded by a smaller request.
    let g = t
        .grant_lease(FILE, id(3), owner(1), &req(1, K1, R, true, 0), 2)
        .unwrap();
    assert_eq!(g.state, RWH);
    // The key belongs to this file now.
    let other = FileKey { volume: 0, file: 4 };
    assert_eq!(
        t.grant_lease(other, id(4), owner(1), &req(1, K1, R, true, 0), 0),
        Err(LeaseError::OtherFile)
    );
    assert_eq!(t.lease_file(&lid(CLIENT, K1)), Some(FILE));
    // The lease goes with its last open.
    t.release(id(1));
    t.release(id(2));
    assert_eq!(t.lease_state(&lid(CLIENT, K1)), RWH);
    t.release(id(3));
    assert_eq!(t.lease_state(&lid(CLIENT, K1)), LeaseState::NONE);
    assert_eq!(t.lease_file(&lid(CLIENT, K1)), None);
}

#[test]
fn read_leases_break_to_none_on_write_without_ack() {
    let t = table();
    let now = Instant::now();
    t.grant_lease(FILE, id(1), owner(1), &req(1, K1, R, false, 0), 1)
        .unwrap();
    t.grant_lease(FILE, id(2), owner(2), &req(2, K2, R, false, 0), 1)
        .unwrap();
    let Outcome::Proceed { lease_breaks, .. } =
        t.contend(FILE, Contention::Write { by: id(2) }, now)
    else {
        panic!("an R break needs no ack");
    };
    assert_eq!(lease_breaks.len(), 1, "the writer's own lease stays");
    assert_eq!(
        lease_breaks.first().map(|b| (b.key, b.to, b.ack_required)),
        Some((K1, LeaseState::NONE, false))
    );
    assert_eq!(t.lease_state(&lid(CLIENT, K1)), LeaseState::NONE);
    assert_eq!(t.lease_state(&lid(2, K2)), R);
}

#[test]
fn handle_caching_breaks_on_sharing_violation_and_times_out() {
    let t = table();
    let now = Instant::now();
    t.grant_lease(FILE, id(1), owner(1), &req(1, K1, RH, true, 0), 0)
        .unwrap();
    // A plain open that shares: RH stays.
    assert!(matches!(
        t.contend(FILE, open_by(None), now),
        Outcome::Proceed { .. }
    ));
    let violating = Contention::Open {
        stat: false,
        lease_stat: false,
        truncate: false,
        sharing_violation: true,
        delete: false,
        retry: false,
        lease: None,
    };
    let Outcome::Wait { lease_breaks, .. } = t.contend(FILE, violating, now) else {
        panic!("H must break");
    };
    assert_eq!(lease_breaks.first().map(|b| b.to), Some(R));
    // No oplock beside a breaking lease.
    assert_eq!(
        t.grant(FILE, id(9), owner(3), OplockLevel::Batch, false, 1),
        OplockLevel::None
    );
    let later = now + Duration::from_secs(35);
    assert!(matches!(
        t.contend(FILE, violating, later),
        Outcome::Proceed { .. }
    ));
    assert_eq!(
        t.lease_state(&lid(CLIENT, K1)),
        LeaseState::NONE,
        "an unacknowledged break leaves nothing"
    );
}

#[test]
fn upgrade_to_write_caching_under_the_same_key() {
    let t = table();
    let g = t
        .grant_lease(FILE, id(1), owner(1), &req(1, K1, R, false, 0), 0)
        .unwrap();
    assert_eq!(g.state, R);
    let g = t
        .grant_lease(
            FILE,
            id(2),
            owner(1),
            &req(1, K1, LeaseState(5), false, 0),
            1,
        )
        .unwrap();
    assert_eq!(g.state, LeaseState(5));
    // A lease granted nothing still owns its opens: a later upgrade under
    // the key may take W.
    let other = FileKey { volume: 0, file: 5 };
    let g = t
        .grant_lease(
            other,
            id(3),
            owner(1),
            &req(1, K2, LeaseState::NONE, false, 0),
            0,
        )
        .unwrap();
    assert_eq!(g.state, LeaseState::NONE);
    let g = t
        .grant_lease(other, id(4), owner(1), &req(1, K2, RWH, false, 0), 1)
        .unwrap();
    assert_eq!(g.state, RWH);
}

#[test]
fn leases_are_per_client_not_per_key() {
    let t = table();
    let now = Instant::now();
    // Client 1 on two connections (owners 1 and 3): one lease.
    let a = LeaseRequest {
        id: lid(1, K1),
        ..req(1, K1, RWH, false, 0)
    };
    assert_eq!(
        t.grant_lease(FILE, id(1), owner(1), &a, 0).unwrap().state,
        RWH
    );
    let g = t.grant_lease(FILE, id(2), owner(3), &a, 1).unwrap();
    assert_eq!(
        g.state, RWH,
        "the same client shares its lease over connections"
    );
    // Client 2 with the same key is another lease: it contends.
    let Outcome::Wait { lease_breaks, .. } = t.contend(FILE, open_by(Some(lid(2, K1))), now) else {
        panic!("another client's key must break RWH");
    };
    assert_eq!(lease_breaks.len(), 1);
    assert_eq!(
        t.acknowledge_lease(&lid(1, K1), RH, Instant::now())
            .map(|a| a.0),
        Ok(RH)
    );
    let b = t
        .grant_lease(FILE, id(4), owner(2), &req(2, K1, RWH, false, 0), 2)
        .unwrap();
    assert_eq!(b.state, RH, "no W beside client 1's lease");
    assert_eq!(t.lease_state(&lid(1, K1)), RH);
    // Each client's key names its own file: client 2 may not use K1 for
    // another file, client 3 may.
    let other = FileKey { volume: 0, file: 9 };
    assert_eq!(
        t.grant_lease(other, id(5), owner(2), &req(2, K1, R, false, 0), 0),
        Err(LeaseError::OtherFile)
    );
    assert!(
        t.grant_lease(other, id(6), owner(4), &req(4, K1, R, false, 0), 0)
            .is_ok()
    );
    assert_eq!(t.lease_file(&lid(4, K1)), Some(other));
    assert_eq!(
        t.acknowledge_lease(&lid(5, K1), R, Instant::now())
            .map(|a| a.0),
        Err(LeaseError::NotFound)
    );
}

#[test]
fn a_lease_keeps_its_first_version() {
    let t = table();
    let g = t
        .grant_lease(FILE, id(1), owner(1), &req(1, K1, R, true, 0x4711), 0)
        .unwrap();
    assert_eq!((g.state, g.epoch, g.v2), (R, 0x4712, true));
    // A v1 request under the key is answered as the v2 lease it is.
    let g = t
        .grant_lease(FILE, id(2), owner(1), &req(1, K1, RH, false, 0), 1)
        .unwrap();
    assert_eq!((g.state, g.epoch, g.v2), (RH, 0x4713, true));
    // And the other way round: a v1 lease stays v1 without an epoch.
    let other = FileKey { volume: 0, file: 8 };
    t.grant_lease(other, id(3), owner(1), &req(1, K2, R, false, 0), 0)
        .unwrap();
    let g = t
        .grant_lease(
            other,
            id(4),
            owner(1),
            &req(1, K2, LeaseState(5), true, 9),
            1,
        )
        .unwrap();
    assert_eq!((g.state, g.epoch, g.v2), (LeaseState(5), 0, false));
}

#[test]
fn a_sharing_violation_breaks_handle_caching_and_keeps_write() {
    // smb2.lease.break_twice: RWH breaks to RW for the violating open,
    // then RW to R for the next open that shares.
    let t = table();
    let now = Instant::now();
    t.grant_lease(FILE, id(1), owner(1), &req(1, K1, RWH, true, 0x11), 0)
        .unwrap();
    let violating = Contention::Open {
        stat: false,
        lease_stat: false,
        truncate: false,
        sharing_violation: true,
        delete: false,
        retry: false,
        lease: Some(lid(1, K2)),
    };
    let Outcome::Wait { lease_breaks, .. } = t.contend(FILE, violating, now) else {
        panic!("H must break");
    };
    let b = lease_breaks.first().unwrap();
    assert_eq!((b.from, b.to, b.epoch), (RWH, LeaseState(5), 0x13));
    assert_eq!(
        t.acknowledge_lease(&lid(1, K1), LeaseState(5), Instant::now())
            .map(|a| a.0),
        Ok(LeaseState(5))
    );
    // Still violating: nothing left to break.
    assert!(matches!(
        t.contend(FILE, violating, now),
        Outcome::Proceed { lease_breaks, .. } if lease_breaks.is_empty()
    ));
    let Outcome::Wait { lease_breaks, .. } = t.contend(FILE, open_by(Some(lid(1, K2))), now) else {
        panic!("W must break");
    };
    let b = lease_breaks.first().unwrap();
    assert_eq!((b.from, b.to, b.epoch), (LeaseState(5), R, 0x14));
}

#[test]
fn oplocks_beside_leases() {
    // smb2.lease.oplock: no oplock beside handle caching, level II beside
    // R; no H for a lease beside any oplock.
    let t = table();
    t.grant_lease(FILE, id(1), owner(1), &req(1, K1, RH, false, 0), 0)
        .unwrap();
    assert_eq!(
        t.grant(FILE, id(2), owner(1), OplockLevel::LevelII, false, 1),
        OplockLevel::None
    );
    let other = FileKey { volume: 0, file: 6 };
    t.grant_lease(other, id(3), owner(1), &req(1, K2, R, false, 0), 0)
        .unwrap();
    assert_eq!(
        t.grant(other, id(4), owner(1), OplockLevel::Batch, false, 1),
        OplockLevel::LevelII
    );
    let third = FileKey { volume: 0, file: 7 };
    t.grant(third, id(5), owner(1), OplockLevel::LevelII, false, 0);
    let g = t
        .grant_lease(third, id(6), owner(1), &req(1, [3; 16], RWH, false, 0), 1)
        .unwrap();
    assert_eq!(g.state, R);
}

#[test]
fn a_delete_on_close_open_breaks_handle_caching() {
    // smb2.lease.unlink: another client's unlink breaks RH to R.
    let t = table();
    let now = Instant::now();
    t.grant_lease(FILE, id(1), owner(1), &req(1, K1, RH, false, 0), 0)
        .unwrap();
    let unlink = Contention::Open {
        stat: false,
        lease_stat: false,
        truncate: false,
        sharing_violation: false,
        delete: true,
        retry: false,
        lease: None,
    };
    let Outcome::Wait { lease_breaks, .. } = t.contend(FILE, unlink, now) else {
        panic!("H must break for a delete");
    };
    let b = lease_breaks.first().unwrap();
    assert_eq!((b.from, b.to, b.ack_required), (RH, R, true));
}

fn overwrite(retry: bool) -> Contention {
    Contention::Open {
        stat: false,
        lease_stat: false,
        truncate: true,
        sharing_violation: false,
        delete: false,
        retry,
        lease: None,
    }
}

#[test]
fn an_overwrite_breaks_handle_caching_without_waiting() {
    // smb2.lease.breaking4: RH breaks to none for an overwrite, which
    // goes on at once; another overwrite during the break sends nothing.
    let t = table();
    let now = Instant::now();
    t.grant_lease(FILE, id(1), owner(1), &req(1, K1, RH, false, 0), 0)
        .unwrap();
    let Outcome::Proceed { lease_breaks, .. } = t.contend(FILE, overwrite(false), now) else {
        panic!("an overwrite does not wait for H");
    };
    let b = lease_breaks.first().unwrap();
    assert_eq!((b.from, b.to, b.ack_required), (RH, LeaseState::NONE, true));
    assert!(matches!(
        t.contend(FILE, overwrite(false), now),
        Outcome::Proceed { lease_breaks, .. } if lease_breaks.is_empty()
    ));
    assert_eq!(t.lease_state(&lid(1, K1)), RH, "until acknowledged");
}

#[test]
fn a_break_goes_on_in_steps_after_the_acknowledgment() {
    // smb2.lease.breaking3: RWH breaks to RH for an open; an overwrite
    // meanwhile waits; the RH acknowledgment starts RH -> R at once, the
    // R acknowledgment R -> none without acknowledgment.
    let t = table();
    let now = Instant::now();
    t.grant_lease(FILE, id(1), owner(1), &req(1, K1, RWH, true, 0), 0)
        .unwrap();
    let Outcome::Wait { lease_breaks, .. } = t.contend(FILE, open_by(None), now) else {
        panic!("W must break and be waited for");
    };
    assert_eq!(lease_breaks.first().map(|b| (b.to, b.epoch)), Some((RH, 2)));
    let Outcome::Wait { lease_breaks, .. } = t.contend(FILE, overwrite(false), now) else {
        panic!("the overwrite waits for W");
    };
    assert!(
        lease_breaks.is_empty(),
        "nothing more is sent while breaking"
    );
    let (state, next) = t.acknowledge_lease(&lid(1, K1), RH, now).unwrap();
    assert_eq!(state, RH);
    let next = next.unwrap();
    assert_eq!(
        (next.from, next.to, next.ack_required, next.epoch),
        (RH, R, true, 2)
    );
    // The first open retries: it waits for the break in progress.
    let retry = Contention::Open {
        stat: false,
        lease_stat: false,
        truncate: false,
        sharing_violation: false,
        delete: false,
        retry: true,
        lease: None,
    };
    assert!(matches!(t.contend(FILE, retry, now), Outcome::Wait { .. }));
    let (_, next) = t.acknowledge_lease(&lid(1, K1), R, now).unwrap();
    let next = next.unwrap();
    assert_eq!(
        (next.from, next.to, next.ack_required),
        (R, LeaseState::NONE, false)
    );
    assert_eq!(t.lease_state(&lid(1, K1)), LeaseState::NONE);
    assert!(matches!(
        t.contend(FILE, overwrite(true), now),
        Outcome::Proceed { .. }
    ));
}
