//! State-machine tests of the oplock table, with simulated time.

use super::*;

const FILE: FileKey = FileKey { volume: 0, file: 7 };

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

const OPEN: Contention = Contention::Open {
    stat: false,
    lease_stat: false,
    truncate: false,
    sharing_violation: false,
    delete: false,
    retry: false,
    lease: None,
};

fn table() -> OplockTable {
    OplockTable::new(Duration::from_secs(35))
}

#[test]
fn batch_alone_level_ii_with_others_none_for_directories() {
    let t = table();
    assert_eq!(
        t.grant(FILE, id(1), owner(1), OplockLevel::Batch, false, 0),
        OplockLevel::Batch
    );
    let other = FileKey { volume: 0, file: 8 };
    assert_eq!(
        t.grant(other, id(2), owner(1), OplockLevel::Exclusive, false, 1),
        OplockLevel::LevelII
    );
    assert_eq!(
        t.grant(other, id(3), owner(1), OplockLevel::Batch, true, 0),
        OplockLevel::None
    );
    // While a batch oplock is held, nobody else gets even level II.
    assert_eq!(
        t.grant(FILE, id(4), owner(2), OplockLevel::LevelII, false, 1),
        OplockLevel::None
    );
    assert_eq!(t.level(id(1)), OplockLevel::Batch);
    assert_eq!(t.level(id(4)), OplockLevel::None);
}

#[tokio::test]
async fn a_second_open_breaks_batch_to_level_ii_and_waits_for_the_ack() {
    let t = table();
    let now = Instant::now();
    t.grant(FILE, id(1), owner(1), OplockLevel::Batch, false, 0);
    let Outcome::Wait {
        breaks,
        deadline,
        mut wait,
        ..
    } = t.contend(FILE, OPEN, now)
    else {
        panic!("the batch oplock must break");
    };
    assert_eq!(
        breaks,
        vec![Break {
            open: id(1),
            owner: owner(1),
            to: OplockLevel::LevelII,
            ack_required: true
        }]
    );
    assert_eq!(deadline, now + Duration::from_secs(35));
    // A second contender waits for the same break without a second notification.
    match t.contend(FILE, OPEN, now) {
        Outcome::Wait { breaks, .. } => assert!(breaks.is_empty()),
        Outcome::Proceed { .. } => panic!("the break is still in progress"),
    }
    assert_eq!(
        t.acknowledge(id(1), OplockLevel::LevelII),
        Ok(OplockLevel::LevelII)
    );
    tokio::time::timeout(Duration::from_secs(1), wait.changed())
        .await
        .expect("the ack wakes the waiter");
    assert!(
        matches!(t.contend(FILE, OPEN, now), Outcome::Proceed { breaks, .. } if breaks.is_empty())
    );
    assert_eq!(t.level(id(1)), OplockLevel::LevelII);
    // A second acknowledgment has no break to acknowledge.
    assert_eq!(
        t.acknowledge(id(1), OplockLevel::None),
        Err(AckError::NotBreaking)
    );
}

#[test]
fn an_unacknowledged_break_completes_at_its_deadline() {
    let t = table();
    let now = Instant::now();
    t.grant(FILE, id(1), owner(1), OplockLevel::Exclusive, false, 0);
    assert!(matches!(t.contend(FILE, OPEN, now), Outcome::Wait { .. }));
    let almost = now + Duration::from_secs(34);
    assert_eq!(t.expire(FILE, almost), 0);
    assert!(matches!(
        t.contend(FILE, OPEN, almost),
        Outcome::Wait { .. }
    ));
    let later = now + Duration::from_secs(35);
    assert!(matches!(
        t.contend(FILE, OPEN, later),
        Outcome::Proceed { .. }
    ));
    assert_eq!(t.level(id(1)), OplockLevel::LevelII);
    assert_eq!(
        t.acknowledge(id(1), OplockLevel::LevelII),
        Err(AckError::NotBreaking),
        "a late ack finds no break"
    );
}

#[test]
fn acknowledging_above_the_break_level_leaves_the_break_level() {
    let t = table();
    let now = Instant::now();
    t.grant(FILE, id(1), owner(1), OplockLevel::Batch, false, 0);
    let truncate = Contention::Open {
        stat: false,
        lease_stat: false,
        truncate: true,
        sharing_violation: false,
        delete: false,
        retry: false,
        lease: None,
    };
    let Outcome::Wait { breaks, .. } = t.contend(FILE, truncate, now) else {
        panic!("must break");
    };
    assert_eq!(breaks.first().map(|b| b.to), Some(OplockLevel::None));
    assert_eq!(
        t.acknowledge(id(1), OplockLevel::LevelII),
        Ok(OplockLevel::None)
    );
    assert_eq!(t.level(id(1)), OplockLevel::None);
    assert!(matches!(
        t.contend(FILE, truncate, now),
        Outcome::Proceed { .. }
    ));
}

#[test]
fn stat_opens_break_nothing_and_exclusive_survives_a_sharing_violation() {
    let t = table();
    let now = Instant::now();
    t.grant(FILE, id(1), owner(1), OplockLevel::Exclusive, false, 0);
    let stat = Contention::Open {
        stat: true,
        lease_stat: true,
        truncate: false,
        sharing_violation: false,
        delete: false,
        retry: false,
        lease: None,
    };
    assert!(
        matches!(t.contend(FILE, stat, now), Outcome::Proceed { breaks, .. } if breaks.is_empty())
    );
    // A stat open that overwrites does break (smb2.oplock.batch13).
    let other = FileKey {
        volume: 0,
        file: 10,
    };
    t.grant(other, id(3), owner(1), OplockLevel::Batch, false, 0);
    let stat_truncate = Contention::Open {
        stat: true,
        lease_stat: true,
        truncate: true,
        sharing_violation: false,
        delete: false,
        retry: false,
        lease: None,
    };
    assert!(matches!(
        t.contend(other, stat_truncate, now),
        Outcome::Wait { .. }
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
    assert!(
        matches!(t.contend(FILE, violating, now), Outcome::Proceed { breaks, .. } if breaks.is_empty())
    );
    assert_eq!(t.level(id(1)), OplockLevel::Exclusive);
    // A batch oplock breaks even then: its holder may close.
    let other = FileKey { volume: 0, file: 9 };
    t.grant(other, id(2), owner(1), OplockLevel::Batch, false, 0);
    assert!(matches!(
        t.contend(other, violating, now),
        Outcome::Wait { .. }
    ));
}

#[test]
fn writes_break_level_ii_to_none_without_waiting() {
    let t = table();
    let now = Instant::now();
    t.grant(FILE, id(1), owner(1), OplockLevel::LevelII, false, 1);
    t.grant(FILE, id(2), owner(2), OplockLevel::LevelII, false, 1);
    let Outcome::Proceed { breaks, .. } = t.contend(FILE, Contention::Write { by: id(2) }, now)
    else {
        panic!("level II breaks need no ack");
    };
    let none = |n| Break {
        open: id(n),
        owner: owner(n),
        to: OplockLevel::None,
        ack_required: false,
    };
    assert_eq!(
        breaks,
        vec![none(1), none(2)],
        "the writer's own breaks too"
    );
    assert_eq!(t.level(id(1)), OplockLevel::None);
    assert_eq!(t.level(id(2)), OplockLevel::None);
    // A truncating open breaks level II the same way; a plain open does not.
    t.grant(FILE, id(3), owner(1), OplockLevel::LevelII, false, 1);
    assert!(
        matches!(t.contend(FILE, OPEN, now), Outcome::Proceed { breaks, .. } if breaks.is_empty())
    );
    assert_eq!(t.level(id(3)), OplockLevel::LevelII);
}

#[tokio::test]
async fn closing_the_holder_completes_its_break() {
    let t = table();
    let now = Instant::now();
    t.grant(FILE, id(1), owner(1), OplockLevel::Batch, false, 0);
    let Outcome::Wait { mut wait, .. } = t.contend(FILE, OPEN, now) else {
        panic!("must break");
    };
    t.release(id(1));
    tokio::time::timeout(Duration::from_secs(1), wait.changed())
        .await
        .expect("the close wakes the waiter");
    assert!(matches!(
        t.contend(FILE, OPEN, now),
        Outcome::Proceed { .. }
    ));
    assert_eq!(t.level(id(1)), OplockLevel::None);
    // Once free, a lone open gets batch again.
    assert_eq!(
        t.grant(FILE, id(5), owner(1), OplockLevel::Batch, false, 0),
        OplockLevel::Batch
    );
}

#[test]
fn renames_break_batch_of_other_opens_only() {
    let t = table();
    let now = Instant::now();
    t.grant(FILE, id(1), owner(1), OplockLevel::Batch, false, 0);
    assert!(matches!(
        t.contend(FILE, Contention::Namespace { by: id(1) }, now),
        Outcome::Proceed { breaks, .. } if breaks.is_empty()
    ));
    assert!(matches!(
        t.contend(FILE, Contention::Namespace { by: id(9) }, now),
        Outcome::Wait { breaks, .. } if breaks.len() == 1
    ));
}

#[test]
fn a_writer_keeps_its_own_batch_oplock() {
    let t = table();
    t.grant(FILE, id(1), owner(1), OplockLevel::Batch, false, 0);
    assert!(matches!(
        t.contend(FILE, Contention::Write { by: id(1) }, Instant::now()),
        Outcome::Proceed { breaks, .. } if breaks.is_empty()
    ));
    assert_eq!(t.level(id(1)), OplockLevel::Batch);
    assert!(!t.breaking(id(1)));
}
