//! Security descriptors (SET_INFO/QUERY_INFO, `SecD`, inheritance, the
//! access a stored DACL leaves), and the CREATE and rename rules that
//! smbtorture's create, delete-on-close-perms and rename suites check.

use super::*;
use smbkit_wire::create::{disposition, options};
use smbkit_wire::fscc::{self, FileRenameInformation, InfoClass};

const SECINFO_OGD: u32 = 0x7;
const READ_CONTROL: u32 = 0x0002_0000;
const WRITE_DAC: u32 = 0x0004_0000;
const WRITE_OWNER: u32 = 0x0008_0000;

fn sid(authority: u8, subs: &[u32]) -> Vec<u8> {
    let mut v = vec![1, subs.len() as u8, 0, 0, 0, 0, 0, authority];
    for s in subs {
        v.extend_from_slice(&s.to_le_bytes());
    }
    v
}

/// A self-relative SD: owner, group, and a DACL of (flags, mask, sid) ACEs
/// (`None`: a NULL DACL).
fn sd(owner: &[u8], group: &[u8], aces: Option<&[(u8, u32, Vec<u8>)]>) -> Vec<u8> {
    let mut control: u16 = 0x8000 | 0x0004;
    let mut v = vec![1, 0, 0, 0];
    let mut body = Vec::new();
    let mut offsets = [0u32; 4];
    offsets[0] = 20;
    body.extend_from_slice(owner);
    offsets[1] = 20 + body.len() as u32;
    body.extend_from_slice(group);
    if let Some(aces) = aces {
        offsets[3] = 20 + body.len() as u32;
        let mut list = Vec::new();
        for (flags, mask, who) in aces {
            list.extend_from_slice(&[0, *flags]);
            list.extend_from_slice(&((8 + who.len()) as u16).to_le_bytes());
            list.extend_from_slice(&mask.to_le_bytes());
            list.extend_from_slice(who);
        }
        body.extend_from_slice(&[2, 0]);
        body.extend_from_slice(&((8 + list.len()) as u16).to_le_bytes());
        body.extend_from_slice(&(aces.len() as u16).to_le_bytes());
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&list);
    } else {
        control = 0x8000 | 0x0004;
    }
    v[2..4].copy_from_slice(&control.to_le_bytes());
    for o in offsets {
        v.extend_from_slice(&o.to_le_bytes());
    }
    v.extend_from_slice(&body);
    v
}

impl Env {
    async fn set_sd(&self, id: FileId, which: u32, sd: &[u8]) -> NtStatus {
        self.send(
            Command::SET_INFO,
            message(
                Command::SET_INFO,
                &SetInfoRequest {
                    info_type: info_type::SECURITY,
                    file_info_class: 0,
                    additional_information: which,
                    file_id: id,
                    buffer: sd,
                },
            ),
        )
        .await
        .status
    }

    async fn get_sd(&self, id: FileId, which: u32) -> Vec<u8> {
        let r = self
            .query_info(id, info_type::SECURITY, 0, 4096, which)
            .await;
        assert_eq!(r.status, NtStatus::SUCCESS);
        output(&r, Command::QUERY_INFO)
    }
}

const ALL: u32 = 0x001F_01FF;

#[tokio::test]
async fn set_sd_comes_back_and_limits_access() {
    let e = env();
    let f = e
        .create("f", ALL | WRITE_DAC, disposition::CREATE, 0)
        .await
        .unwrap();
    let me = sid(5, &[32, 544]);
    let users = sid(5, &[32, 545]);
    // Read-only for Everyone (without FILE_READ_ATTRIBUTES), owner us.
    let ro = sd(&me, &users, Some(&[(0, 0x0012_0009, sid(1, &[0]))]));
    assert_eq!(
        e.set_sd(f.file_id, SECINFO_OGD, &ro).await,
        NtStatus::SUCCESS
    );
    assert_eq!(e.get_sd(f.file_id, SECINFO_OGD).await, ro);
    // SACLs need a privilege nobody has.
    let r = e
        .query_info(f.file_id, info_type::SECURITY, 0, 4096, 0x8)
        .await;
    assert_eq!(r.status, NtStatus::ACCESS_DENIED);
    // Giving the file to a stranger needs a privilege.
    let stranger = sd(&sid(5, &[21, 1, 2, 3, 1000]), &users, None);
    assert_eq!(
        e.set_sd(f.file_id, 0x1, &stranger).await,
        NtStatus(0xC000_005A)
    );
    // GENERIC_* rights are stored as the file rights they stand for.
    let generic = sd(&me, &users, Some(&[(0, 0x8000_0000, sid(1, &[0]))]));
    assert_eq!(e.set_sd(f.file_id, 0x4, &generic).await, NtStatus::SUCCESS);
    let back = e.get_sd(f.file_id, 0x4).await;
    assert_eq!(
        &back[back.len() - 16..back.len() - 12],
        &0x0012_0089u32.to_le_bytes()
    );
    assert_eq!(
        e.set_sd(f.file_id, SECINFO_OGD, &ro).await,
        NtStatus::SUCCESS
    );
    // Garbage is refused.
    assert_eq!(
        e.set_sd(f.file_id, SECINFO_OGD, &ro[..25]).await,
        NtStatus(0xC000_0079)
    );
    e.close(f.file_id).await;
    // The stored DACL now decides: reading yes, writing no (owner: READ_CONTROL).
    assert!(
        e.create("f", access::FILE_READ_DATA, disposition::OPEN, 0)
            .await
            .is_ok()
    );
    assert_eq!(
        e.create("f", access::FILE_WRITE_DATA, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::ACCESS_DENIED
    );
    // Overwriting is writing: refused too, whatever was asked for.
    for disp in [
        disposition::OVERWRITE,
        disposition::OVERWRITE_IF,
        disposition::SUPERSEDE,
    ] {
        assert_eq!(
            e.create("f", access::FILE_READ_DATA, disp, 0)
                .await
                .unwrap_err(),
            NtStatus::ACCESS_DENIED
        );
    }
    // FILE_READ_ATTRIBUTES comes from the parent's FILE_LIST_DIRECTORY.
    assert!(
        e.create("f", access::FILE_READ_ATTRIBUTES, disposition::OPEN, 0)
            .await
            .is_ok()
    );
    // A NULL DACL: everyone may do everything again.
    let g = e
        .create("f", READ_CONTROL | WRITE_DAC, disposition::OPEN, 0)
        .await
        .unwrap();
    let null = sd(&me, &users, None);
    assert_eq!(e.set_sd(g.file_id, 0x4, &null).await, NtStatus::SUCCESS);
    let back = e.get_sd(g.file_id, 0x4).await;
    assert_eq!(&back[2..4], &[0x04, 0x80], "DACL_PRESENT, no DACL");
    assert_eq!(&back[16..20], &[0, 0, 0, 0]);
    e.close(g.file_id).await;
    assert!(
        e.create("f", access::FILE_WRITE_DATA, disposition::OPEN, 0)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn inherited_acl_denies_delete_unless_parent_grants_delete_child() {
    let e = env();
    let me = sid(5, &[32, 544]);
    let d = e
        .create(
            "d",
            READ_CONTROL | WRITE_DAC | WRITE_OWNER,
            disposition::CREATE,
            options::DIRECTORY_FILE,
        )
        .await
        .unwrap();
    // Everything but DELETE / DELETE_CHILD, inherited by files.
    let no_delete = sd(&me, &me, Some(&[(0x01, 0x001E_01BF, me.clone())]));
    assert_eq!(
        e.set_sd(d.file_id, 0x5, &no_delete).await,
        NtStatus::SUCCESS
    );
    // Creating with DELETE works (the creator gets what it asks)...
    let f = e
        .create(
            "d\\f",
            ALL,
            disposition::CREATE,
            options::NON_DIRECTORY_FILE,
        )
        .await
        .unwrap();
    e.close(f.file_id).await;
    // ... but the file inherited the ACE: no DELETE on a later open.
    assert_eq!(
        e.create(
            "d\\f",
            access::DELETE,
            disposition::OPEN,
            options::DELETE_ON_CLOSE
        )
        .await
        .unwrap_err(),
        NtStatus::ACCESS_DENIED
    );
    // Once the directory grants DELETE_CHILD, DELETE is granted.
    let with_child = sd(&me, &me, Some(&[(0, 0x001F_01FF, me.clone())]));
    assert_eq!(
        e.set_sd(d.file_id, 0x5, &with_child).await,
        NtStatus::SUCCESS
    );
    let f = e
        .create(
            "d\\f",
            access::DELETE,
            disposition::OPEN,
            options::DELETE_ON_CLOSE,
        )
        .await
        .unwrap();
    e.close(f.file_id).await;
    assert_eq!(
        e.create("d\\f", RW, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    e.close(d.file_id).await;
}

#[tokio::test]
async fn create_rules() {
    let e = env();
    let f = e.create("x", RW, disposition::CREATE, 0).await.unwrap();
    e.close(f.file_id).await;
    // CREATE of an existing name: a collision, even with a bad access mask later.
    assert_eq!(
        e.create("x", access::DELETE, disposition::CREATE, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_COLLISION
    );
    // Reserved access bits, reserved options.
    assert_eq!(
        e.create("x", 0x0800_0000, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::ACCESS_DENIED
    );
    assert_eq!(
        e.create("x", RW, disposition::OPEN, 0xF000_0000)
            .await
            .unwrap_err(),
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(
        e.create("x", RW, disposition::OPEN, 0x0010_0000)
            .await
            .unwrap_err(),
        NtStatus::NOT_SUPPORTED
    );
    // A new READONLY file cannot be delete-on-close.
    let name = string_to_utf16le("ro");
    let req = CreateRequest {
        impersonation_level: 2,
        desired_access: ALL,
        share_access: 7,
        create_disposition: disposition::CREATE,
        create_options: options::DELETE_ON_CLOSE | options::NON_DIRECTORY_FILE,
        file_attributes: 0x1,
        name: &name,
        ..CreateRequest::default()
    };
    let r = e
        .send(Command::CREATE, message(Command::CREATE, &req))
        .await;
    assert_eq!(r.status, NtStatus::CANNOT_DELETE);
}

#[tokio::test]
async fn rename_under_a_directory_open_with_delete_is_a_sharing_violation() {
    let e = env();
    let d = e
        .create(
            "d",
            RW | access::DELETE,
            disposition::CREATE,
            options::DIRECTORY_FILE,
        )
        .await
        .unwrap();
    let f = e
        .create("d\\f", RW | access::DELETE, disposition::CREATE, 0)
        .await
        .unwrap();
    let n = string_to_utf16le("d\\g");
    let rename = FileRenameInformation {
        replace_if_exists: false,
        root_directory: 0,
        file_name: &n,
    }
    .to_bytes()
    .unwrap();
    let class = fscc::class::FILE_RENAME_INFORMATION;
    assert_eq!(
        e.set_info(f.file_id, class, &rename).await.status,
        NtStatus::SHARING_VIOLATION
    );
    e.close(d.file_id).await;
    assert_eq!(
        e.set_info(f.file_id, class, &rename).await.status,
        NtStatus::SUCCESS
    );
    e.close(f.file_id).await;
}

/// smbtorture smb2.session.reauth5 in short: after its session became
/// anonymous by reauthentication, a handle keeps the access it was granted
/// at open, but a rename needs the *session's* identity (ANONYMOUS LOGON,
/// S-1-5-7, which Everyone does not include) to be allowed to add the name
/// to the target directory.
#[tokio::test]
async fn a_rename_checks_the_identity_the_session_has_now() {
    let mut e = env();
    let admins = sid(5, &[32, 544]);
    let d = e
        .create(
            "d",
            READ_CONTROL | WRITE_DAC,
            disposition::CREATE,
            options::DIRECTORY_FILE,
        )
        .await
        .unwrap();
    let f = e
        .create("d\\f", RW | access::DELETE, disposition::CREATE, 0)
        .await
        .unwrap();
    let user = Arc::clone(&e.session);
    let anonymous = Arc::new(SessionInfo {
        user: String::new(),
        anonymous: true,
        ..(*user).clone()
    });
    let n = string_to_utf16le("d\\g");
    let rename = FileRenameInformation {
        replace_if_exists: false,
        root_directory: 0,
        file_name: &n,
    }
    .to_bytes()
    .unwrap();
    let class = fscc::class::FILE_RENAME_INFORMATION;

    e.session = Arc::clone(&anonymous);
    // The handle still reads and writes ...
    assert_eq!(
        e.write(f.file_id, 0, b"kept").await.status,
        NtStatus::SUCCESS
    );
    // ... but the directory (synthesized: Everyone) grants S-1-5-7 nothing.
    assert_eq!(
        e.set_info(f.file_id, class, &rename).await.status,
        NtStatus::ACCESS_DENIED
    );
    assert_eq!(
        e.create("d\\h", RW, disposition::CREATE, 0)
            .await
            .unwrap_err(),
        NtStatus::ACCESS_DENIED
    );
    // Opening a missing name is still OBJECT_NAME_NOT_FOUND.
    assert_eq!(
        e.create("d\\zz", access::DELETE, disposition::OPEN, 0)
            .await
            .unwrap_err(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );

    // The user grants ANONYMOUS LOGON FILE_ADD_FILE on the directory.
    e.session = Arc::clone(&user);
    let dacl = [(0u8, ALL, sid(1, &[0])), (0u8, 0x0000_0002, sid(5, &[7]))];
    let granting = sd(&admins, &admins, Some(&dacl));
    assert_eq!(e.set_sd(d.file_id, 0x4, &granting).await, NtStatus::SUCCESS);

    e.session = Arc::clone(&anonymous);
    assert_eq!(
        e.set_info(f.file_id, class, &rename).await.status,
        NtStatus::SUCCESS
    );
    // A user renames whatever the directory says about S-1-5-7.
    e.session = user;
    let back = string_to_utf16le("d\\f");
    let rename_back = FileRenameInformation {
        replace_if_exists: false,
        root_directory: 0,
        file_name: &back,
    }
    .to_bytes()
    .unwrap();
    assert_eq!(
        e.set_info(f.file_id, class, &rename_back).await.status,
        NtStatus::SUCCESS
    );
    e.close(f.file_id).await;
    e.close(d.file_id).await;
}
