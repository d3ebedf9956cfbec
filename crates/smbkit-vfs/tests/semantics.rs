//! One semantic test suite, run against both `MemFs` and `LocalFs` (in a
//! fresh temporary directory).

// Test code: failures should be loud.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use smbkit_vfs::{
    Disposition, DosAttributes, FileTime, LocalFs, LocalFsOptions, MemFs, OpenAction, OpenHow,
    OpenKind, SetInfo, SmbPath, Vfs,
};
use smbkit_wire::NtStatus;

mod cases {
    use super::*;

    pub async fn create_write_read<V: Vfs>(fs: &V) {
        let o = fs
            .open(&p("\\hello.txt"), OpenHow::create_file())
            .await
            .unwrap();
        assert_eq!(o.action, OpenAction::Created);
        assert!(!o.info.is_dir);
        assert_eq!(o.info.size, 0);
        assert_eq!(fs.write_at(o.handle, 0, b"hello world").await.unwrap(), 11);
        assert_eq!(&fs.read_at(o.handle, 0, 5).await.unwrap()[..], b"hello");
        // Short read at EOF, empty past it.
        assert_eq!(&fs.read_at(o.handle, 6, 100).await.unwrap()[..], b"world");
        assert!(fs.read_at(o.handle, 11, 10).await.unwrap().is_empty());
        assert!(fs.read_at(o.handle, 1 << 40, 10).await.unwrap().is_empty());
        assert!(fs.read_at(o.handle, u64::MAX, 10).await.unwrap().is_empty());
        let info = fs.info(o.handle).await.unwrap();
        assert_eq!(info.size, 11);
        assert!(info.allocation_size >= 11);
        assert_eq!(info.nlink, 1);
        fs.flush(o.handle).await.unwrap();
        fs.close(o.handle).await.unwrap();
        assert_eq!(get(fs, "hello.txt").await, b"hello world");
        let again = fs.open(&p("hello.txt"), OpenHow::create_file()).await;
        assert_eq!(status(again), NtStatus::OBJECT_NAME_COLLISION);
    }

    pub async fn dispositions<V: Vfs>(fs: &V) {
        let how = |d| OpenHow::create_file().with_disposition(d);
        let missing = p("missing");
        assert_eq!(
            status(fs.open(&missing, how(Disposition::Open)).await),
            NtStatus::OBJECT_NAME_NOT_FOUND
        );
        assert_eq!(
            status(fs.open(&missing, how(Disposition::Overwrite)).await),
            NtStatus::OBJECT_NAME_NOT_FOUND
        );
        for (d, created, existing) in [
            (Disposition::OpenIf, OpenAction::Created, OpenAction::Opened),
            (
                Disposition::OverwriteIf,
                OpenAction::Created,
                OpenAction::Overwritten,
            ),
            (
                Disposition::Supersede,
                OpenAction::Created,
                OpenAction::Superseded,
            ),
        ] {
            let path = p(&format!("{d:?}"));
            let o = fs.open(&path, how(d)).await.unwrap();
            assert_eq!(o.action, created, "{d:?}");
            fs.write_at(o.handle, 0, b"data").await.unwrap();
            fs.close(o.handle).await.unwrap();
            let o = fs.open(&path, how(d)).await.unwrap();
            assert_eq!(o.action, existing, "{d:?}");
            let want = if existing == OpenAction::Opened { 4 } else { 0 };
            assert_eq!(o.info.size, want, "{d:?}");
            assert_eq!(fs.info(o.handle).await.unwrap().size, want, "{d:?}");
            fs.close(o.handle).await.unwrap();
        }
        let o = fs
            .open(&p("OpenIf"), how(Disposition::Overwrite))
            .await
            .unwrap();
        assert_eq!(o.action, OpenAction::Overwritten);
        fs.close(o.handle).await.unwrap();
    }

    pub async fn kinds_and_parents<V: Vfs>(fs: &V) {
        mkdir(fs, "d").await;
        put(fs, "f", b"x").await;
        let as_file = OpenHow::read();
        let mut non_dir = as_file;
        non_dir.kind = OpenKind::NonDirectory;
        assert_eq!(
            status(fs.open(&p("d"), non_dir).await),
            NtStatus::FILE_IS_A_DIRECTORY
        );
        assert_eq!(
            status(fs.open(&p("f"), OpenHow::dir()).await),
            NtStatus::NOT_A_DIRECTORY
        );
        let mut over = OpenHow::read().with_disposition(Disposition::Overwrite);
        over.kind = OpenKind::Any;
        assert_eq!(
            status(fs.open(&p("d"), over).await),
            NtStatus::INVALID_PARAMETER
        );
        let d = fs.open(&p("d"), as_file).await.unwrap();
        assert!(d.info.is_dir);
        assert_eq!(d.info.size, 0);
        assert_eq!(
            status(fs.read_at(d.handle, 0, 1).await),
            NtStatus::FILE_IS_A_DIRECTORY
        );
        assert_eq!(
            status(fs.write_at(d.handle, 0, b"x").await),
            NtStatus::FILE_IS_A_DIRECTORY
        );
        fs.close(d.handle).await.unwrap();
        for bad in ["nope\\x", "f\\x", "nope\\deeper\\x"] {
            assert_eq!(
                status(fs.open(&p(bad), OpenHow::create_file()).await),
                NtStatus::OBJECT_PATH_NOT_FOUND,
                "{bad}"
            );
            assert_eq!(
                status(fs.stat(&p(bad)).await),
                NtStatus::OBJECT_PATH_NOT_FOUND,
                "{bad}"
            );
        }
        let sub = fs.open(&p("d\\sub"), OpenHow::create_dir()).await.unwrap();
        assert!(sub.info.is_dir);
        assert!(sub.info.attributes.contains(DosAttributes::DIRECTORY));
        fs.close(sub.handle).await.unwrap();
        assert!(fs.stat(&p("d\\sub")).await.unwrap().is_dir);
    }

    pub async fn root<V: Vfs>(fs: &V) {
        let r = fs.open(&SmbPath::root(), OpenHow::dir()).await.unwrap();
        assert!(r.info.is_dir);
        assert_eq!(r.action, OpenAction::Opened);
        assert_eq!(fs.stat(&p("\\")).await.unwrap().file_id, r.info.file_id);
        assert_eq!(
            status(fs.open(&SmbPath::root(), OpenHow::create_dir()).await),
            NtStatus::OBJECT_NAME_COLLISION
        );
        assert_eq!(
            status(fs.remove(&SmbPath::root()).await),
            NtStatus::CANNOT_DELETE
        );
        assert_eq!(
            status(fs.rename(r.handle, &p("x"), false).await),
            NtStatus::ACCESS_DENIED
        );
        fs.close(r.handle).await.unwrap();
    }

    pub async fn file_ids<V: Vfs>(fs: &V) {
        mkdir(fs, "Dir").await;
        let o = fs
            .open(&p("Dir\\File.txt"), OpenHow::create_file())
            .await
            .unwrap();
        let id = o.info.file_id;
        fs.close(o.handle).await.unwrap();
        put(fs, "other", b"").await;
        assert_eq!(fs.stat(&p("Dir\\File.txt")).await.unwrap().file_id, id);
        assert_eq!(fs.stat(&p("dir\\FILE.TXT")).await.unwrap().file_id, id);
        let listed = fs.open(&p("dir"), OpenHow::dir()).await.unwrap();
        let entries = fs.read_dir(listed.handle).await.unwrap();
        assert_eq!(entries[0].info.file_id, id);
        assert_ne!(fs.stat(&p("other")).await.unwrap().file_id, id);
        assert_ne!(listed.info.file_id, id);
        fs.close(listed.handle).await.unwrap();
        let o = fs.open(&p("Dir\\File.txt"), OpenHow::read()).await.unwrap();
        fs.rename(o.handle, &p("moved"), false).await.unwrap();
        assert_eq!(fs.info(o.handle).await.unwrap().file_id, id);
        assert_eq!(fs.stat(&p("moved")).await.unwrap().file_id, id);
        fs.close(o.handle).await.unwrap();
    }

    pub async fn case_insensitive<V: Vfs>(fs: &V) {
        put(fs, "Readme.TXT", b"abc").await;
        mkdir(fs, "Docs").await;
        put(fs, "docs\\Note.md", b"n").await;
        assert_eq!(get(fs, "README.txt").await, b"abc");
        assert_eq!(get(fs, "DOCS\\NOTE.MD").await, b"n");
        assert_eq!(
            status(fs.open(&p("readme.txt"), OpenHow::create_file()).await),
            NtStatus::OBJECT_NAME_COLLISION
        );
        // OpenIf finds the existing file instead of creating a twin.
        let o = fs
            .open(
                &p("README.TXT"),
                OpenHow::create_file().with_disposition(Disposition::OpenIf),
            )
            .await
            .unwrap();
        assert_eq!(o.action, OpenAction::Opened);
        fs.close(o.handle).await.unwrap();
        assert_eq!(names(fs, "").await, ["Docs", "Readme.TXT"]);
        assert_eq!(names(fs, "DOCS").await, ["Note.md"]);
        fs.remove(&p("docs\\note.MD")).await.unwrap();
        assert!(names(fs, "docs").await.is_empty());
    }

    pub async fn attributes<V: Vfs>(fs: &V) {
        put(fs, "plain", b"").await;
        put(fs, ".dot", b"").await;
        mkdir(fs, "dir").await;
        mkdir(fs, ".dotdir").await;
        let a = |i: smbkit_vfs::FileInfo| i.attributes;
        assert_eq!(
            a(fs.stat(&p("plain")).await.unwrap()),
            DosAttributes::ARCHIVE
        );
        assert_eq!(
            a(fs.stat(&p(".dot")).await.unwrap()),
            DosAttributes::ARCHIVE | DosAttributes::HIDDEN
        );
        assert_eq!(
            a(fs.stat(&p("dir")).await.unwrap()),
            DosAttributes::DIRECTORY
        );
        assert_eq!(
            a(fs.stat(&p(".dotdir")).await.unwrap()),
            DosAttributes::DIRECTORY | DosAttributes::HIDDEN
        );
        let o = fs.open(&p("plain"), OpenHow::read()).await.unwrap();
        let set = SetInfo {
            attributes: Some(
                DosAttributes::READONLY | DosAttributes::SYSTEM | DosAttributes::DIRECTORY,
            ),
            ..SetInfo::default()
        };
        fs.set_info(o.handle, set).await.unwrap();
        let want = DosAttributes::READONLY | DosAttributes::SYSTEM;
        assert_eq!(a(fs.info(o.handle).await.unwrap()), want);
        fs.close(o.handle).await.unwrap();
        assert_eq!(a(fs.stat(&p("PLAIN")).await.unwrap()), want);
        let listed = fs.open(&p(""), OpenHow::dir()).await.unwrap();
        let entries = fs.read_dir(listed.handle).await.unwrap();
        fs.close(listed.handle).await.unwrap();
        assert_eq!(
            entries
                .iter()
                .find(|e| e.name == "plain")
                .unwrap()
                .info
                .attributes,
            want
        );
        // READONLY refuses writers, overwrites and deletes.
        let w = OpenHow::read().with_write(true);
        assert_eq!(
            status(fs.open(&p("plain"), w).await),
            NtStatus::ACCESS_DENIED
        );
        let ow = OpenHow::read().with_disposition(Disposition::OverwriteIf);
        assert_eq!(
            status(fs.open(&p("plain"), ow).await),
            NtStatus::ACCESS_DENIED
        );
        assert_eq!(
            status(fs.remove(&p("plain")).await),
            NtStatus::CANNOT_DELETE
        );
        // NORMAL alone clears everything.
        let o = fs.open(&p("plain"), OpenHow::read()).await.unwrap();
        let clear = SetInfo {
            attributes: Some(DosAttributes::NORMAL),
            ..SetInfo::default()
        };
        fs.set_info(o.handle, clear).await.unwrap();
        assert_eq!(a(fs.info(o.handle).await.unwrap()), DosAttributes::NORMAL);
        fs.close(o.handle).await.unwrap();
        fs.remove(&p("plain")).await.unwrap();
    }

    pub async fn times<V: Vfs>(fs: &V) {
        let before = FileTime::now();
        let o = fs.open(&p("t"), OpenHow::create_file()).await.unwrap();
        let i = o.info;
        let slack = 10_000_000 * 60; // one minute
        for t in [
            i.creation_time,
            i.last_access_time,
            i.last_write_time,
            i.change_time,
        ] {
            assert!(
                t.0 + slack > before.0 && t.0 < before.0 + slack,
                "{t:?} vs {before:?}"
            );
        }
        // 2001-02-03 04:05:06.7890123 UTC and neighbours, in 100 ns ticks.
        let c = FileTime(126_256_719_067_890_123);
        let acc = FileTime(c.0 + 11);
        let w = FileTime(c.0 + 10_000_000 * 3600 + 7);
        let set = SetInfo {
            creation_time: Some(c),
            last_access_time: Some(acc),
            last_write_time: Some(w),
            change_time: Some(FileTime(5)),
            attributes: None,
        };
        fs.set_info(o.handle, set).await.unwrap();
        let i = fs.info(o.handle).await.unwrap();
        assert_eq!(
            (i.creation_time, i.last_access_time, i.last_write_time),
            (c, acc, w)
        );
        assert_eq!(i.change_time, FileTime(5), "a set change time is kept");
        fs.close(o.handle).await.unwrap();
        let s = fs.stat(&p("t")).await.unwrap();
        assert_eq!(
            (
                s.creation_time,
                s.last_access_time,
                s.last_write_time,
                s.change_time
            ),
            (c, acc, w, FileTime(5))
        );
        // Only the given fields change.
        let o = fs
            .open(&p("t"), OpenHow::read().with_write(true))
            .await
            .unwrap();
        let c2 = FileTime(c.0 - 10_000_000);
        fs.set_info(
            o.handle,
            SetInfo {
                creation_time: Some(c2),
                ..SetInfo::default()
            },
        )
        .await
        .unwrap();
        let i = fs.info(o.handle).await.unwrap();
        assert_eq!(
            (i.creation_time, i.last_access_time, i.last_write_time),
            (c2, acc, w)
        );
        assert_eq!(i.change_time, FileTime(5), "kept through other changes");
        // A write moves the write time to now.
        fs.write_at(o.handle, 0, b"x").await.unwrap();
        let i = fs.info(o.handle).await.unwrap();
        assert!(
            i.last_write_time.0 + slack > before.0,
            "{:?}",
            i.last_write_time
        );
        assert_eq!(i.creation_time, c2);
        // ... and the change time too (the set one is forgotten).
        assert!(i.change_time.0 + slack > before.0, "{:?}", i.change_time);
        fs.close(o.handle).await.unwrap();
    }

    pub async fn security_and_allocation<V: Vfs>(fs: &V) {
        let o = fs.open(&p("sd"), OpenHow::create_file()).await.unwrap();
        assert_eq!(fs.security(o.handle).await.unwrap(), None);
        assert_eq!(fs.security_at(&p("sd")).await.unwrap(), None);
        let sd = vec![1u8, 0, 4, 0x80, 9, 9, 9];
        fs.set_security(o.handle, Some(sd.clone())).await.unwrap();
        assert_eq!(fs.security(o.handle).await.unwrap(), Some(sd.clone()));
        assert_eq!(fs.security_at(&p("SD")).await.unwrap(), Some(sd.clone()));
        let (info, stored) = fs.stat_and_security(&p("SD")).await.unwrap();
        assert_eq!(stored, Some(sd.clone()));
        assert_eq!(info, fs.stat(&p("sd")).await.unwrap());
        assert_eq!(
            status(fs.stat_and_security(&p("missing")).await),
            NtStatus::OBJECT_NAME_NOT_FOUND
        );
        let big = vec![0u8; smbkit_vfs::MAX_SECURITY_LEN + 1];
        assert_eq!(
            status(fs.set_security(o.handle, Some(big)).await),
            NtStatus::INVALID_PARAMETER
        );
        // Larger than a first small read buffer.
        let long: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
        fs.set_security(o.handle, Some(long.clone())).await.unwrap();
        assert_eq!(fs.security(o.handle).await.unwrap(), Some(long));
        fs.set_security(o.handle, None).await.unwrap();
        assert_eq!(fs.security(o.handle).await.unwrap(), None);
        fs.set_security(o.handle, None).await.unwrap();
        assert_eq!(
            status(fs.security_at(&p("missing")).await),
            NtStatus::OBJECT_NAME_NOT_FOUND
        );
        // Extended attributes: replaced as a whole, empty removes.
        assert!(fs.eas(o.handle).await.unwrap().is_empty());
        let eas = vec![
            ("EAONE".to_owned(), b"VALUE1".to_vec()),
            ("SECONDEA".to_owned(), b"ValueTwo".to_vec()),
        ];
        fs.set_eas(o.handle, eas.clone()).await.unwrap();
        assert_eq!(fs.eas(o.handle).await.unwrap(), eas);
        let huge = vec![("X".to_owned(), vec![0u8; 70_000])];
        assert_eq!(
            status(fs.set_eas(o.handle, huge).await),
            NtStatus::INVALID_PARAMETER
        );
        fs.set_eas(o.handle, Vec::new()).await.unwrap();
        assert!(fs.eas(o.handle).await.unwrap().is_empty());
        // Reserving space shows in the allocation size, not the size.
        fs.allocate(o.handle, 1 << 20).await.unwrap();
        let i = fs.info(o.handle).await.unwrap();
        assert_eq!((i.size, i.allocation_size), (0, 1 << 20));
        fs.close(o.handle).await.unwrap();
        let d = fs.open(&p("dsd"), OpenHow::create_dir()).await.unwrap();
        fs.set_security(d.handle, Some(sd.clone())).await.unwrap();
        assert_eq!(fs.security_at(&p("dsd")).await.unwrap(), Some(sd));
        assert_eq!(
            status(fs.allocate(d.handle, 10).await),
            NtStatus::FILE_IS_A_DIRECTORY
        );
        fs.close(d.handle).await.unwrap();
    }

    pub async fn listing<V: Vfs>(fs: &V) {
        put(fs, "b", b"12345").await;
        put(fs, "a", b"").await;
        mkdir(fs, "c").await;
        put(fs, "c\\inner", b"zz").await;
        let d = fs.open(&p(""), OpenHow::dir()).await.unwrap();
        let list = fs.read_dir(d.handle).await.unwrap();
        fs.close(d.handle).await.unwrap();
        let summary: Vec<_> = list
            .iter()
            .map(|e| (e.name.as_str(), e.info.is_dir, e.info.size))
            .collect();
        assert_eq!(summary, [("a", false, 0), ("b", false, 5), ("c", true, 0)]);
        for e in &list {
            assert_eq!(fs.stat(&p(&e.name)).await.unwrap().file_id, e.info.file_id);
        }
        let f = fs.open(&p("b"), OpenHow::read()).await.unwrap();
        assert_eq!(
            status(fs.read_dir(f.handle).await),
            NtStatus::NOT_A_DIRECTORY
        );
        fs.close(f.handle).await.unwrap();
    }

    pub async fn rename<V: Vfs>(fs: &V) {
        put(fs, "src", b"source").await;
        put(fs, "dst", b"destination").await;
        mkdir(fs, "dir").await;
        let h = fs.open(&p("src"), OpenHow::read()).await.unwrap().handle;
        assert_eq!(
            status(fs.rename(h, &p("DST"), false).await),
            NtStatus::OBJECT_NAME_COLLISION
        );
        assert_eq!(
            status(fs.rename(h, &p("dir"), true).await),
            NtStatus::ACCESS_DENIED
        );
        assert_eq!(
            status(fs.rename(h, &p("nope\\x"), false).await),
            NtStatus::OBJECT_PATH_NOT_FOUND
        );
        fs.rename(h, &p("DST"), true).await.unwrap();
        assert_eq!(
            names(fs, "").await,
            ["dir", "dst"],
            "replace keeps the existing name"
        );
        assert_eq!(get(fs, "dst").await, b"source");
        // The handle follows its file: rename again, then case only.
        fs.rename(h, &p("dir\\moved"), false).await.unwrap();
        fs.rename(h, &p("dir\\MOVED"), false).await.unwrap();
        assert_eq!(names(fs, "dir").await, ["MOVED"]);
        assert_eq!(read_all(fs, h).await, b"source");
        fs.close(h).await.unwrap();
        assert_eq!(
            status(fs.stat(&p("src")).await),
            NtStatus::OBJECT_NAME_NOT_FOUND
        );

        // A directory cannot move into itself; its open children follow it.
        let d = fs.open(&p("dir"), OpenHow::dir()).await.unwrap().handle;
        let child = fs
            .open(&p("dir\\moved"), OpenHow::read())
            .await
            .unwrap()
            .handle;
        assert_eq!(
            status(fs.rename(d, &p("dir\\MOVED\\x"), false).await),
            NtStatus::OBJECT_PATH_NOT_FOUND
        );
        mkdir(fs, "dir\\sub").await;
        assert_eq!(
            status(fs.rename(d, &p("dir\\sub\\x"), false).await),
            NtStatus::INVALID_PARAMETER
        );
        fs.rename(d, &p("renamed"), false).await.unwrap();
        fs.rename(child, &p("renamed\\child"), false).await.unwrap();
        assert_eq!(names(fs, "renamed").await, ["child", "sub"]);
        fs.close(child).await.unwrap();
        fs.close(d).await.unwrap();
    }

    pub async fn remove<V: Vfs>(fs: &V) {
        mkdir(fs, "d").await;
        put(fs, "d\\f", b"keep reading").await;
        assert_eq!(
            status(fs.remove(&p("d")).await),
            NtStatus::DIRECTORY_NOT_EMPTY
        );
        assert_eq!(
            status(fs.remove(&p("nothing")).await),
            NtStatus::OBJECT_NAME_NOT_FOUND
        );
        assert_eq!(
            status(fs.remove(&p("nothing\\x")).await),
            NtStatus::OBJECT_PATH_NOT_FOUND
        );
        let h = fs.open(&p("d\\f"), OpenHow::read()).await.unwrap().handle;
        fs.remove(&p("D\\F")).await.unwrap();
        assert_eq!(
            status(fs.stat(&p("d\\f")).await),
            NtStatus::OBJECT_NAME_NOT_FOUND
        );
        // Unix semantics: the open handle still reads the data.
        assert_eq!(read_all(fs, h).await, b"keep reading");
        // A new file at the old name is not the handle's file.
        put(fs, "d\\f", b"new").await;
        assert_eq!(
            status(fs.rename(h, &p("stolen"), false).await),
            NtStatus::OBJECT_NAME_NOT_FOUND
        );
        fs.close(h).await.unwrap();
        fs.remove(&p("d\\f")).await.unwrap();
        fs.remove(&p("d")).await.unwrap();
        assert!(names(fs, "").await.is_empty());
    }

    pub async fn handles<V: Vfs>(fs: &V) {
        put(fs, "f", b"abc").await;
        let r = fs.open(&p("f"), OpenHow::read()).await.unwrap().handle;
        assert_eq!(
            status(fs.write_at(r, 0, b"x").await),
            NtStatus::ACCESS_DENIED
        );
        assert_eq!(status(fs.set_len(r, 0).await), NtStatus::ACCESS_DENIED);
        let mut how = OpenHow::read().with_write(true);
        how.read = false;
        let w = fs.open(&p("f"), how).await.unwrap().handle;
        assert_eq!(status(fs.read_at(w, 0, 1).await), NtStatus::ACCESS_DENIED);
        assert_ne!(r, w);
        fs.close(w).await.unwrap();
        fs.close(r).await.unwrap();
        assert_eq!(status(fs.read_at(r, 0, 1).await), NtStatus::FILE_CLOSED);
        assert_eq!(status(fs.info(r).await), NtStatus::FILE_CLOSED);
        assert_eq!(status(fs.close(r).await), NtStatus::FILE_CLOSED);
        assert_eq!(status(fs.flush(r).await), NtStatus::FILE_CLOSED);
    }

    pub async fn lengths_and_gaps<V: Vfs>(fs: &V) {
        let h = fs
            .open(&p("g"), OpenHow::create_file())
            .await
            .unwrap()
            .handle;
        fs.write_at(h, 10, b"end").await.unwrap();
        assert_eq!(read_all(fs, h).await, b"\0\0\0\0\0\0\0\0\0\0end");
        fs.set_len(h, 4).await.unwrap();
        assert_eq!(read_all(fs, h).await, b"\0\0\0\0");
        fs.set_len(h, 6).await.unwrap();
        assert_eq!(fs.info(h).await.unwrap().size, 6);
        assert_eq!(fs.write_at(h, 0, b"").await.unwrap(), 0);
        // An empty write past the end does not extend the file.
        assert_eq!(fs.write_at(h, 100, b"").await.unwrap(), 0);
        assert_eq!(fs.info(h).await.unwrap().size, 6);
        assert_eq!(
            status(fs.write_at(h, u64::MAX, b"xy").await),
            NtStatus::INVALID_PARAMETER
        );
        fs.close(h).await.unwrap();
    }

    pub async fn volume<V: Vfs>(fs: &V) {
        let v = fs.volume().await.unwrap();
        assert!(v.total > 0 && v.free <= v.total, "{v:?}");
        assert!(v.block_size > 0);
        assert_eq!(v.fs_name, "NTFS");
        assert_eq!(fs.volume().await.unwrap().serial, v.serial);
    }
    /// Two OPEN_IF creates of one new name racing each other: both open
    /// it, exactly one creates it (smbtorture smb2.create.mkdir-dup).
    pub async fn racing_open_if<V: Vfs>(fs: &V) {
        for kind in [OpenHow::create_file(), OpenHow::create_dir()] {
            for i in 0..100 {
                let name = p(&format!("race{i}-{}", kind.kind == OpenKind::Directory));
                let how = kind.with_disposition(Disposition::OpenIf);
                let (a, b) = tokio::join!(fs.open(&name, how), fs.open(&name, how));
                let (a, b) = (a.unwrap(), b.unwrap());
                let created = [a.action, b.action]
                    .iter()
                    .filter(|&&x| x == OpenAction::Created)
                    .count();
                assert_eq!(created, 1, "{name:?}: {:?} {:?}", a.action, b.action);
                assert_eq!(a.info.file_id, b.info.file_id);
                fs.close(a.handle).await.unwrap();
                fs.close(b.handle).await.unwrap();
            }
        }
    }
    /// A continued enumeration's lookup: current information for listed
    /// names, in order, `None` for a name removed since.
    pub async fn stat_entries<V: Vfs>(fs: &V) {
        mkdir(fs, "d").await;
        put(fs, "d\\one", b"1").await;
        put(fs, "d\\two", b"22").await;
        mkdir(fs, "d\\sub").await;
        let dir = fs.open(&p("d"), OpenHow::dir()).await.unwrap();
        let listed: Vec<String> = fs
            .read_dir(dir.handle)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(listed.len(), 3);
        let two = fs
            .open(
                &p("d\\two"),
                OpenHow::create_file().with_disposition(Disposition::OverwriteIf),
            )
            .await
            .unwrap();
        fs.write_at(two.handle, 0, b"longer").await.unwrap();
        fs.close(two.handle).await.unwrap();
        fs.remove(&p("d\\one")).await.unwrap();
        let names = vec!["two".to_owned(), "one".to_owned(), "sub".to_owned()];
        let got = fs.stat_entries(dir.handle, names).await.unwrap();
        assert_eq!(got.len(), 3);
        let two = got[0].as_ref().expect("two is there");
        assert_eq!(two.size, 6);
        assert_eq!(two.file_id, fs.stat(&p("d\\two")).await.unwrap().file_id);
        assert!(got[1].is_none(), "one was removed");
        assert!(got[2].as_ref().expect("sub is there").is_dir);
        fs.close(dir.handle).await.unwrap();
    }
}

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod memfs {
            use super::*;
            $(
                #[tokio::test]
                async fn $case() {
                    cases::$case(&MemFs::default()).await;
                }
            )*
        }
        mod localfs {
            use super::*;
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = TempDir::new(stringify!($case));
                    let fs = LocalFs::new(dir.path().to_path_buf(), LocalFsOptions::default())
                        .unwrap();
                    cases::$case(&fs).await;
                }
            )*
        }
    };
}

suite!(
    create_write_read,
    dispositions,
    kinds_and_parents,
    root,
    file_ids,
    case_insensitive,
    attributes,
    times,
    security_and_allocation,
    listing,
    rename,
    remove,
    handles,
    lengths_and_gaps,
    volume,
    racing_open_if,
    stat_entries,
);
