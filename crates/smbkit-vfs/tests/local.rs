//! `LocalFs` only: confinement to the share root, the DOS xattr, derived
//! attributes, the case-insensitive name cache.

// Test code: failures should be loud.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::*;
use smbkit_vfs::{
    DosAttributes, FileTime, LocalFs, LocalFsOptions, OpenHow, PathError, SetInfo, SmbPath, Vfs,
};
use smbkit_wire::NtStatus;

/// A temp dir holding `share/` (the root) and `outside/secret.txt`.
struct Setup {
    tmp: TempDir,
    fs: LocalFs,
}

impl Setup {
    fn new(tag: &str, opts: LocalFsOptions) -> Setup {
        let tmp = TempDir::new(tag);
        std::fs::create_dir(tmp.path().join("share")).unwrap();
        std::fs::create_dir(tmp.path().join("outside")).unwrap();
        std::fs::write(tmp.path().join("outside/secret.txt"), b"secret").unwrap();
        let fs = LocalFs::new(tmp.path().join("share"), opts).unwrap();
        Setup { tmp, fs }
    }

    fn share(&self) -> PathBuf {
        self.tmp.path().join("share")
    }

    fn outside(&self) -> PathBuf {
        self.tmp.path().join("outside")
    }
}

#[tokio::test]
async fn symlinks_cannot_escape() {
    let s = Setup::new("escape", LocalFsOptions::default());
    let fs = &s.fs;
    symlink("/etc", s.share().join("etc")).unwrap();
    symlink("/etc/hostname", s.share().join("hostname")).unwrap();
    symlink("../outside", s.share().join("out")).unwrap();
    symlink(s.outside().join("secret.txt"), s.share().join("abs-secret")).unwrap();
    std::fs::create_dir(s.share().join("sub")).unwrap();
    symlink("../../outside/secret.txt", s.share().join("sub/up2")).unwrap();

    for path in [
        "etc\\hostname",
        "etc\\passwd",
        "hostname",
        "out\\secret.txt",
        "OUT\\SECRET.TXT",
        "abs-secret",
        "sub\\up2",
        "etc",
        "out",
    ] {
        let opened = fs.open(&p(path), OpenHow::read()).await;
        assert_eq!(status(opened), NtStatus::ACCESS_DENIED, "open {path}");
        assert_eq!(
            status(fs.stat(&p(path)).await),
            NtStatus::ACCESS_DENIED,
            "stat {path}"
        );
    }
    // Creating through an escaping link writes nothing outside.
    for path in ["out\\new.txt", "etc\\new.txt"] {
        let created = fs.open(&p(path), OpenHow::create_file()).await;
        assert_eq!(status(created), NtStatus::ACCESS_DENIED, "create {path}");
        let mk = fs.open(&p(path), OpenHow::create_dir()).await;
        assert_eq!(status(mk), NtStatus::ACCESS_DENIED, "mkdir {path}");
    }
    assert!(!s.outside().join("new.txt").exists());
    // Renaming a file through it is refused too.
    put(fs, "mine", b"mine").await;
    let h = fs.open(&p("mine"), OpenHow::read()).await.unwrap().handle;
    assert_eq!(
        status(fs.rename(h, &p("out\\stolen"), false).await),
        NtStatus::ACCESS_DENIED
    );
    fs.close(h).await.unwrap();
    assert!(!s.outside().join("stolen").exists());
    // Listings leave escaping links out.
    assert_eq!(names(fs, "").await, ["mine", "sub"]);
    assert!(names(fs, "sub").await.is_empty());
    // Removing a link removes the link, not its target.
    fs.remove(&p("out")).await.unwrap();
    fs.remove(&p("abs-secret")).await.unwrap();
    assert_eq!(
        std::fs::read(s.outside().join("secret.txt")).unwrap(),
        b"secret"
    );
    assert_eq!(std::fs::read_dir(s.outside()).unwrap().count(), 1);
}

#[tokio::test]
async fn dot_dot_never_parses() {
    for bad in [
        "..",
        "..\\outside",
        "a\\..\\..\\outside",
        "\\..\\x",
        "a/../../x",
        "..\\..",
    ] {
        let err = SmbPath::parse(bad).unwrap_err();
        assert!(
            matches!(err, PathError::DotDot | PathError::ForbiddenChar('/')),
            "{bad}: {err:?}"
        );
        assert_eq!(
            smbkit_vfs::VfsError::from(err).status(),
            NtStatus::OBJECT_NAME_INVALID
        );
    }
}

#[tokio::test]
async fn symlinks_inside_the_share_work() {
    let s = Setup::new("inner-links", LocalFsOptions::default());
    let fs = &s.fs;
    mkdir(fs, "real").await;
    put(fs, "real\\f.txt", b"inside").await;
    symlink("real", s.share().join("alias")).unwrap();
    symlink("real/f.txt", s.share().join("link-to-f")).unwrap();
    symlink("../real/f.txt", s.share().join("real/up-and-back")).unwrap();
    assert_eq!(get(fs, "alias\\f.txt").await, b"inside");
    assert_eq!(get(fs, "link-to-f").await, b"inside");
    assert_eq!(get(fs, "real\\up-and-back").await, b"inside");
    assert_eq!(names(fs, "real").await, ["f.txt", "up-and-back"]);
    let id = fs.stat(&p("real\\f.txt")).await.unwrap().file_id;
    assert_eq!(fs.stat(&p("ALIAS\\F.TXT")).await.unwrap().file_id, id);
    assert_eq!(names(fs, "").await, ["alias", "link-to-f", "real"]);
    // follow = false refuses a link in the last component.
    let mut how = OpenHow::read();
    how.follow = false;
    assert_eq!(
        status(fs.open(&p("link-to-f"), how).await),
        NtStatus::ACCESS_DENIED
    );
    assert!(fs.open(&p("real\\f.txt"), how).await.is_ok());
}

#[tokio::test]
async fn dos_xattr_format() {
    let s = Setup::new("xattr", LocalFsOptions::default());
    let fs = &s.fs;
    let o = fs.open(&p("f"), OpenHow::create_file()).await.unwrap();
    let creation = FileTime(0x01DA_0203_0405_0607);
    let set = SetInfo {
        creation_time: Some(creation),
        attributes: Some(DosAttributes::HIDDEN | DosAttributes::SYSTEM),
        ..SetInfo::default()
    };
    fs.set_info(o.handle, set).await.unwrap();
    fs.close(o.handle).await.unwrap();
    let mut buf = [0u8; 64];
    let n = rustix::fs::getxattr(s.share().join("f"), "user.smbkit.dos", &mut buf).unwrap();
    // Version 2: attributes, creation, no set change time (0), the mtime.
    assert_eq!(n, 29);
    assert_eq!(
        &buf[..21],
        [
            2, 0x06, 0, 0, 0, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0xDA, 0x01, 0, 0, 0, 0, 0, 0, 0,
            0
        ]
    );
    // The security descriptor lives in its own xattr, byte for byte.
    let o = fs.open(&p("f"), OpenHow::read()).await.unwrap();
    fs.set_security(o.handle, Some(vec![1, 0, 4, 0x80]))
        .await
        .unwrap();
    fs.close(o.handle).await.unwrap();
    let n = rustix::fs::getxattr(s.share().join("f"), "user.smbkit.sd", &mut buf).unwrap();
    assert_eq!(&buf[..n], [1, 0, 4, 0x80]);
    // A value written by someone else is honoured as documented.
    let mine = [1u8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    rustix::fs::setxattr(
        s.share().join("f"),
        "user.smbkit.dos",
        &mine,
        rustix::fs::XattrFlags::empty(),
    )
    .unwrap();
    let info = fs.stat(&p("f")).await.unwrap();
    assert_eq!(info.attributes, DosAttributes::READONLY);
    assert_ne!(info.creation_time, creation, "creation 0 means not stored");
}

#[tokio::test]
async fn derived_attributes_without_xattr() {
    let opts = LocalFsOptions {
        dos_xattr: false,
        ..LocalFsOptions::default()
    };
    let s = Setup::new("derived", opts);
    let fs = &s.fs;
    std::fs::write(s.share().join(".hidden"), b"").unwrap();
    std::fs::write(s.share().join("locked"), b"").unwrap();
    std::fs::set_permissions(
        s.share().join("locked"),
        std::fs::Permissions::from_mode(0o444),
    )
    .unwrap();
    std::fs::create_dir(s.share().join("d")).unwrap();
    let a = |r: Result<smbkit_vfs::FileInfo, _>| r.unwrap().attributes;
    assert_eq!(
        a(fs.stat(&p(".hidden")).await),
        DosAttributes::ARCHIVE | DosAttributes::HIDDEN
    );
    assert_eq!(
        a(fs.stat(&p("locked")).await),
        DosAttributes::ARCHIVE | DosAttributes::READONLY
    );
    assert_eq!(a(fs.stat(&p("d")).await), DosAttributes::DIRECTORY);
    assert_eq!(
        status(fs.remove(&p("locked")).await),
        NtStatus::CANNOT_DELETE
    );
    // Attribute changes are dropped, not failed.
    let o = fs.open(&p("d"), OpenHow::dir()).await.unwrap();
    let set = SetInfo {
        attributes: Some(DosAttributes::HIDDEN),
        ..SetInfo::default()
    };
    fs.set_info(o.handle, set).await.unwrap();
    assert_eq!(
        fs.info(o.handle).await.unwrap().attributes,
        DosAttributes::DIRECTORY
    );
    fs.close(o.handle).await.unwrap();
    assert!(std::fs::metadata(s.share().join("locked")).is_ok());
}

#[tokio::test]
async fn file_id_is_the_inode() {
    use std::os::unix::fs::MetadataExt;
    let s = Setup::new("inode", LocalFsOptions::default());
    put(&s.fs, "f", b"x").await;
    std::fs::hard_link(s.share().join("f"), s.share().join("g")).unwrap();
    let ino = std::fs::metadata(s.share().join("f")).unwrap().ino();
    let f = s.fs.stat(&p("f")).await.unwrap();
    let g = s.fs.stat(&p("G")).await.unwrap();
    assert_eq!((f.file_id, g.file_id), (ino, ino));
    assert_eq!((f.nlink, g.nlink), (2, 2));
}

#[tokio::test]
async fn case_insensitive_off() {
    let opts = LocalFsOptions {
        case_insensitive: false,
        ..LocalFsOptions::default()
    };
    let s = Setup::new("case", opts);
    put(&s.fs, "Name", b"1").await;
    assert_eq!(
        status(s.fs.stat(&p("name")).await),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    put(&s.fs, "name", b"2").await;
    assert_eq!(get(&s.fs, "Name").await, b"1");
    assert_eq!(get(&s.fs, "name").await, b"2");
}

#[tokio::test]
async fn name_cache_sees_outside_changes() {
    let s = Setup::new("cache", LocalFsOptions::default());
    put(&s.fs, "first", b"").await;
    // Build the cache of the root with a miss.
    assert_eq!(
        status(s.fs.stat(&p("NEWFILE")).await),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    // Let the directory's mtime tick before changing it behind our back.
    std::thread::sleep(Duration::from_millis(30));
    std::fs::write(s.share().join("newfile"), b"x").unwrap();
    assert_eq!(s.fs.stat(&p("NEWFILE")).await.unwrap().size, 1);
    std::thread::sleep(Duration::from_millis(30));
    std::fs::remove_file(s.share().join("newfile")).unwrap();
    assert_eq!(
        status(s.fs.stat(&p("NEWFILE")).await),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    // Our own creations update the cache at once.
    put(&s.fs, "Made", b"").await;
    assert!(s.fs.stat(&p("MADE")).await.is_ok());
}

#[tokio::test]
async fn lookup_in_a_10000_entry_directory() {
    let s = Setup::new("big", LocalFsOptions::default());
    let big = s.share().join("big");
    std::fs::create_dir(&big).unwrap();
    for i in 0..10_000 {
        std::fs::File::create(big.join(format!("File-{i:05}.dat"))).unwrap();
    }
    let probe = |i: u32| p(&format!("BIG\\file-{i:05}.DAT"));
    let t = Instant::now();
    let first = s.fs.stat(&probe(1234)).await.unwrap();
    let cold = t.elapsed();
    let t = Instant::now();
    for i in 0..100 {
        assert!(!s.fs.stat(&probe(i * 97)).await.unwrap().is_dir);
    }
    let warm = t.elapsed() / 100;
    let t = Instant::now();
    let exact = s.fs.stat(&p("big\\File-01234.dat")).await.unwrap();
    let exact_t = t.elapsed();
    println!(
        "10,000-entry directory: case-insensitive lookup cold {cold:?} (builds the cache), \
         warm {warm:?} per lookup, exact-case {exact_t:?}"
    );
    assert_eq!(first.file_id, exact.file_id);
    assert_eq!(
        status(s.fs.stat(&p("big\\FILE-10000.DAT")).await),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    let listed = names(&s.fs, "big").await;
    assert_eq!(listed.len(), 10_000);
    assert_eq!(listed[1234], "File-01234.dat");
}
