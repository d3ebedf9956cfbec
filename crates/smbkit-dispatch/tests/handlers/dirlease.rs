//! Directory leases through CREATE (MS-SMB2 3.3.5.9.11, 3.3.4.7): a v2
//! lease on a directory is R or RH, and it breaks to none when a child is
//! created, unless the CREATE names it as its ParentLeaseKey.

use super::*;
use smbkit_wire::create::context::rqls::lease_flags;
use smbkit_wire::create::context::{Lease, LeaseV1, LeaseV2, name};
use smbkit_wire::create::{disposition, oplock_level, options};
use smbkit_wire::fscc::{self, FileBasicInformation, FileRenameInformation, InfoClass};
use smbkit_wire::oplock_break::{LEASE_BREAK_ACK_REQUIRED, LeaseBreakAck, LeaseBreakNotification};

const ALL: u32 = share_access::READ | share_access::WRITE | share_access::DELETE;
const DIR_KEY: [u8; 16] = [0xD1; 16];

fn create_with(name: &str, dir: bool, lease: Lease) -> Bytes {
    create_access(
        name,
        dir,
        access::FILE_READ_DATA | access::FILE_READ_ATTRIBUTES,
        lease,
    )
}

fn create_access(name: &str, dir: bool, desired: u32, lease: Lease) -> Bytes {
    let name = string_to_utf16le(name);
    let req = CreateRequest {
        requested_oplock_level: oplock_level::LEASE,
        impersonation_level: 2,
        desired_access: desired,
        share_access: ALL,
        create_disposition: disposition::OPEN_IF,
        create_options: if dir {
            options::DIRECTORY_FILE
        } else {
            options::NON_DIRECTORY_FILE
        },
        name: &name,
        contexts: vec![lease.to_context()],
        ..CreateRequest::default()
    };
    message(Command::CREATE, &req)
}

fn v2(key: [u8; 16], state: u32, parent: Option<[u8; 16]>) -> Lease {
    Lease::V2(LeaseV2 {
        lease_key: key,
        lease_state: state,
        lease_flags: parent.map_or(0, |_| lease_flags::PARENT_LEASE_KEY_SET),
        parent_lease_key: parent.unwrap_or_default(),
        epoch: 0x22,
        ..LeaseV2::default()
    })
}

/// The OplockLevel and the lease context (if any) of a CREATE response.
fn answer(r: &Response) -> (u8, Option<Lease>) {
    assert_eq!(r.status, NtStatus::SUCCESS);
    let msg = with_header_cmd(&r.body, Command::CREATE);
    let c = CreateResponse::decode(&msg).unwrap();
    let lease = c
        .contexts
        .iter()
        .find(|c| c.is(name::LEASE))
        .map(|c| Lease::decode(&c.data).unwrap());
    (c.oplock_level, lease)
}

#[tokio::test]
async fn a_directory_lease_breaks_when_a_child_is_created_by_another_key() {
    let e = env();
    let mut notes = e.d.notifier().register(e.conn);
    let r = e
        .send(
            Command::CREATE,
            create_with("d", true, v2(DIR_KEY, 7, None)),
        )
        .await;
    let (level, lease) = answer(&r);
    assert_eq!(level, oplock_level::LEASE);
    let Some(Lease::V2(l)) = lease else {
        panic!("a v2 answer expected");
    };
    assert_eq!((l.lease_state, l.epoch), (3, 0x23), "RH, never W");

    // A child whose CREATE names the directory's key: no break.
    let child = v2([0xC1; 16], 7, Some(DIR_KEY));
    let r = e
        .send(Command::CREATE, create_with("d\\a.txt", false, child))
        .await;
    let Some(Lease::V2(l)) = answer(&r).1 else {
        panic!("a v2 answer expected");
    };
    assert_eq!(l.lease_flags, lease_flags::PARENT_LEASE_KEY_SET);
    assert_eq!(l.parent_lease_key, DIR_KEY);
    assert!(notes.try_recv().is_err(), "the parent key's own change");

    // A child created under another key: RH breaks to none.
    let r = e
        .send(
            Command::CREATE,
            create_with("d\\b.txt", false, v2([0xC2; 16], 7, None)),
        )
        .await;
    assert_eq!(answer(&r).0, oplock_level::LEASE);
    let n = notes.try_recv().expect("a directory lease break");
    let b =
        LeaseBreakNotification::decode(&with_header_cmd(&n.body, Command::OPLOCK_BREAK)).unwrap();
    assert_eq!(b.lease_key, DIR_KEY);
    assert_eq!((b.current_lease_state, b.new_lease_state), (3, 0));
    assert_eq!((b.flags, b.new_epoch), (LEASE_BREAK_ACK_REQUIRED, 0x24));
    // Opening an existing child (under its own key) breaks nothing more.
    let r = e
        .send(
            Command::CREATE,
            create_with("d\\b.txt", false, v2([0xC2; 16], 7, None)),
        )
        .await;
    assert_eq!(answer(&r).0, oplock_level::LEASE);
    assert!(notes.try_recv().is_err());
    let ack = LeaseBreakAck {
        lease_key: DIR_KEY,
        lease_state: 0,
        ..LeaseBreakAck::default()
    };
    let r = e
        .send(Command::OPLOCK_BREAK, message(Command::OPLOCK_BREAK, &ack))
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
}

#[tokio::test]
async fn a_v1_context_on_a_directory_gets_no_lease() {
    let e = env();
    let v1 = Lease::V1(LeaseV1 {
        lease_key: DIR_KEY,
        lease_state: 3,
        ..LeaseV1::default()
    });
    let r = e.send(Command::CREATE, create_with("d1", true, v1)).await;
    assert_eq!(answer(&r), (oplock_level::NONE, None));
}

fn create_doomed(name: &str, lease: Lease) -> Bytes {
    let name = string_to_utf16le(name);
    let req = CreateRequest {
        requested_oplock_level: oplock_level::LEASE,
        impersonation_level: 2,
        desired_access: access::DELETE | access::FILE_READ_ATTRIBUTES,
        share_access: ALL,
        create_disposition: disposition::OPEN_IF,
        create_options: options::NON_DIRECTORY_FILE | options::DELETE_ON_CLOSE,
        name: &name,
        contexts: vec![lease.to_context()],
        ..CreateRequest::default()
    };
    message(Command::CREATE, &req)
}

fn file_id(r: &Response) -> FileId {
    let msg = with_header_cmd(&r.body, Command::CREATE);
    CreateResponse::decode(&msg).unwrap().file_id
}

#[tokio::test]
async fn a_delete_on_close_breaks_the_directory_lease_unless_it_is_the_parent() {
    let e = env();
    let mut notes = e.d.notifier().register(e.conn);
    let r = e
        .send(
            Command::CREATE,
            create_with("d2", true, v2(DIR_KEY, 3, None)),
        )
        .await;
    assert_eq!(answer(&r).0, oplock_level::LEASE);
    // Created and deleted under the directory's key: no break.
    let r = e
        .send(
            Command::CREATE,
            create_doomed("d2\\x.txt", v2([0xC4; 16], 1, Some(DIR_KEY))),
        )
        .await;
    assert_eq!(answer(&r).0, oplock_level::LEASE);
    assert_eq!(e.close(file_id(&r)).await.status, NtStatus::SUCCESS);
    assert!(notes.try_recv().is_err(), "its own key's create and delete");
    // Created with the key, deleted by an open without one: a break.
    let r = e
        .send(
            Command::CREATE,
            create_with("d2\\y.txt", false, v2([0xC5; 16], 1, Some(DIR_KEY))),
        )
        .await;
    let first = file_id(&r);
    let r = e
        .send(
            Command::CREATE,
            create_doomed("d2\\y.txt", v2([0xC6; 16], 1, None)),
        )
        .await;
    assert_eq!(answer(&r).0, oplock_level::LEASE);
    assert_eq!(e.close(first).await.status, NtStatus::SUCCESS);
    assert!(notes.try_recv().is_err(), "nothing while an open remains");
    assert_eq!(e.close(file_id(&r)).await.status, NtStatus::SUCCESS);
    let n = notes
        .try_recv()
        .expect("the deletion breaks the directory lease");
    let b =
        LeaseBreakNotification::decode(&with_header_cmd(&n.body, Command::OPLOCK_BREAK)).unwrap();
    assert_eq!(
        (b.lease_key, b.current_lease_state, b.new_lease_state),
        (DIR_KEY, 3, 0)
    );
    assert!(notes.try_recv().is_err(), "told once");
}

#[tokio::test]
async fn a_lease_break_on_a_sealed_share_is_sealed() {
    let plain = env();
    let e = Env {
        tree: Arc::new(TreeInfo {
            encrypt: true,
            ..(*plain.tree).clone()
        }),
        ..plain
    };
    let mut notes = e.d.notifier().register(e.conn);
    let r = e
        .send(
            Command::CREATE,
            create_with("d3", true, v2(DIR_KEY, 3, None)),
        )
        .await;
    assert_eq!(answer(&r).0, oplock_level::LEASE);
    let r = e
        .send(
            Command::CREATE,
            create_with("d3\\z.txt", false, v2([0xC7; 16], 1, None)),
        )
        .await;
    assert_eq!(answer(&r).0, oplock_level::LEASE);
    let n = notes.try_recv().expect("a directory lease break");
    assert!(n.encrypt, "the share demands encryption");
}

fn rename_to(target: &str) -> Vec<u8> {
    let n = string_to_utf16le(target);
    FileRenameInformation {
        replace_if_exists: false,
        root_directory: 0,
        file_name: &n,
    }
    .to_bytes()
    .unwrap()
}

/// The directory lease break waiting on `notes`: (from, to).
fn dir_break(notes: &mut tokio::sync::mpsc::Receiver<smbkit_dispatch::Notification>) -> (u32, u32) {
    let n = notes.try_recv().expect("a directory lease break");
    let b =
        LeaseBreakNotification::decode(&with_header_cmd(&n.body, Command::OPLOCK_BREAK)).unwrap();
    assert_eq!(b.lease_key, DIR_KEY);
    (b.current_lease_state, b.new_lease_state)
}

#[tokio::test]
async fn set_info_and_renames_break_the_directory_lease_unless_by_its_key() {
    let e = env();
    let mut notes = e.d.notifier().register(e.conn);
    let all = access::FILE_READ_DATA
        | access::FILE_READ_ATTRIBUTES
        | access::FILE_WRITE_ATTRIBUTES
        | access::DELETE;
    let r = e
        .send(
            Command::CREATE,
            create_with("d4", true, v2(DIR_KEY, 3, None)),
        )
        .await;
    assert_eq!(answer(&r).0, oplock_level::LEASE);
    // Attributes set through an open naming the directory's key: no break.
    let r = e
        .send(
            Command::CREATE,
            create_access("d4\\f", false, all, v2([0xC8; 16], 1, Some(DIR_KEY))),
        )
        .await;
    let f = file_id(&r);
    let basic = FileBasicInformation {
        file_attributes: 0x2,
        ..Default::default()
    }
    .to_bytes()
    .unwrap();
    let s = e
        .set_info(f, fscc::class::FILE_BASIC_INFORMATION, &basic)
        .await;
    assert_eq!(s.status, NtStatus::SUCCESS);
    assert!(notes.try_recv().is_err(), "the key's own change");
    // A file renamed into the directory by another open: a break.
    let r = e
        .send(
            Command::CREATE,
            create_access("top.txt", false, all, v2([0xC9; 16], 1, None)),
        )
        .await;
    let top = file_id(&r);
    let s = e
        .set_info(
            top,
            fscc::class::FILE_RENAME_INFORMATION,
            &rename_to("d4\\g"),
        )
        .await;
    assert_eq!(s.status, NtStatus::SUCCESS);
    assert_eq!(dir_break(&mut notes), (3, 0));
    let ack = LeaseBreakAck {
        lease_key: DIR_KEY,
        lease_state: 0,
        ..LeaseBreakAck::default()
    };
    let r = e
        .send(Command::OPLOCK_BREAK, message(Command::OPLOCK_BREAK, &ack))
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    // The lease taken again, then the file renamed out: a break again.
    let r = e
        .send(
            Command::CREATE,
            create_with("d4", true, v2(DIR_KEY, 3, None)),
        )
        .await;
    assert_eq!(answer(&r).0, oplock_level::LEASE);
    let s = e
        .set_info(
            top,
            fscc::class::FILE_RENAME_INFORMATION,
            &rename_to("back.txt"),
        )
        .await;
    assert_eq!(s.status, NtStatus::SUCCESS);
    assert_eq!(dir_break(&mut notes), (3, 0));
    assert!(notes.try_recv().is_err());
}
