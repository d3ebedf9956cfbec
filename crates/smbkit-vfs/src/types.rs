//! Value types shared by every [`Vfs`](crate::Vfs) implementation.

use core::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::VfsError;

/// A Windows FILETIME: 100-nanosecond intervals since 1601-01-01 00:00 UTC.
///
/// This is the time format of every SMB2 timestamp (MS-DTYP 2.3.3). Values
/// before 1970 are representable; conversions saturate instead of
/// overflowing.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileTime(pub u64);

impl FileTime {
    /// FILETIME of the Unix epoch, 1970-01-01 00:00 UTC: 11 644 473 600 s
    /// after 1601-01-01 (MS-DTYP 2.3.3 and the Windows SDK documentation of
    /// `FILETIME`).
    pub const UNIX_EPOCH: FileTime = FileTime(116_444_736_000_000_000);

    /// Ticks (100 ns) per second.
    const TICKS_PER_SEC: u64 = 10_000_000;

    /// The current wall-clock time.
    pub fn now() -> FileTime {
        FileTime::from_system_time(SystemTime::now())
    }

    /// Converts a [`SystemTime`], saturating at the ends of the range and
    /// truncating to 100 ns.
    pub fn from_system_time(t: SystemTime) -> FileTime {
        match t.duration_since(UNIX_EPOCH) {
            Ok(after) => FileTime(Self::UNIX_EPOCH.0.saturating_add(ticks(after))),
            Err(before) => FileTime(Self::UNIX_EPOCH.0.saturating_sub(ticks(before.duration()))),
        }
    }

    /// Converts Unix seconds and nanoseconds (as in `struct timespec`).
    pub fn from_unix(secs: i64, nanos: u32) -> FileTime {
        let base = if secs >= 0 {
            UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))
        } else {
            UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
        };
        match base.and_then(|b| b.checked_add(Duration::from_nanos(u64::from(nanos)))) {
            Some(t) => FileTime::from_system_time(t),
            None if secs < 0 => FileTime(0),
            None => FileTime(u64::MAX),
        }
    }

    /// The same instant as Unix seconds and nanoseconds.
    pub fn to_unix(self) -> (i64, u32) {
        let ticks_per_sec = Self::TICKS_PER_SEC;
        if self >= Self::UNIX_EPOCH {
            let d = self.0.saturating_sub(Self::UNIX_EPOCH.0);
            let secs = i64::try_from(d / ticks_per_sec).unwrap_or(i64::MAX);
            let sub = u32::try_from((d % ticks_per_sec).saturating_mul(100)).unwrap_or(0);
            (secs, sub)
        } else {
            // Before 1970: floor division so that nanos stays in 0..1e9.
            let d = Self::UNIX_EPOCH.0.saturating_sub(self.0);
            let whole = d / ticks_per_sec;
            let rem = d % ticks_per_sec;
            let whole = i64::try_from(whole).unwrap_or(i64::MAX);
            if rem == 0 {
                (whole.saturating_neg(), 0)
            } else {
                let nanos = u32::try_from(ticks_per_sec.saturating_sub(rem).saturating_mul(100))
                    .unwrap_or(0);
                (whole.saturating_add(1).saturating_neg(), nanos)
            }
        }
    }

    /// The same instant as a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        let (secs, nanos) = self.to_unix();
        let whole = if secs >= 0 {
            UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))
        } else {
            UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
        };
        whole
            .and_then(|w| w.checked_add(Duration::from_nanos(u64::from(nanos))))
            .unwrap_or(UNIX_EPOCH)
    }
}

fn ticks(d: Duration) -> u64 {
    let secs = d.as_secs().saturating_mul(FileTime::TICKS_PER_SEC);
    secs.saturating_add(u64::from(d.subsec_nanos() / 100))
}

impl fmt::Debug for FileTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, n) = self.to_unix();
        write!(f, "FileTime({} = unix {s}.{n:09})", self.0)
    }
}

/// DOS file attributes, the `FileAttributes` field of SMB2 (MS-FSCC 2.6).
///
/// A plain bit set. [`DosAttributes::DIRECTORY`] is derived from the object's
/// type and [`DosAttributes::NORMAL`] is reported when no other bit is set;
/// neither is stored.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DosAttributes(pub u32);

impl DosAttributes {
    /// `FILE_ATTRIBUTE_READONLY` (0x1).
    pub const READONLY: DosAttributes = DosAttributes(0x0000_0001);
    /// `FILE_ATTRIBUTE_HIDDEN` (0x2).
    pub const HIDDEN: DosAttributes = DosAttributes(0x0000_0002);
    /// `FILE_ATTRIBUTE_SYSTEM` (0x4).
    pub const SYSTEM: DosAttributes = DosAttributes(0x0000_0004);
    /// `FILE_ATTRIBUTE_DIRECTORY` (0x10).
    pub const DIRECTORY: DosAttributes = DosAttributes(0x0000_0010);
    /// `FILE_ATTRIBUTE_ARCHIVE` (0x20).
    pub const ARCHIVE: DosAttributes = DosAttributes(0x0000_0020);
    /// `FILE_ATTRIBUTE_NORMAL` (0x80): valid only alone.
    pub const NORMAL: DosAttributes = DosAttributes(0x0000_0080);
    /// `FILE_ATTRIBUTE_TEMPORARY` (0x100).
    pub const TEMPORARY: DosAttributes = DosAttributes(0x0000_0100);
    /// `FILE_ATTRIBUTE_SPARSE_FILE` (0x200).
    pub const SPARSE_FILE: DosAttributes = DosAttributes(0x0000_0200);
    /// `FILE_ATTRIBUTE_REPARSE_POINT` (0x400).
    pub const REPARSE_POINT: DosAttributes = DosAttributes(0x0000_0400);
    /// `FILE_ATTRIBUTE_COMPRESSED` (0x800).
    pub const COMPRESSED: DosAttributes = DosAttributes(0x0000_0800);
    /// `FILE_ATTRIBUTE_OFFLINE` (0x1000).
    pub const OFFLINE: DosAttributes = DosAttributes(0x0000_1000);
    /// `FILE_ATTRIBUTE_NOT_CONTENT_INDEXED` (0x2000).
    pub const NOT_CONTENT_INDEXED: DosAttributes = DosAttributes(0x0000_2000);
    /// `FILE_ATTRIBUTE_ENCRYPTED` (0x4000).
    pub const ENCRYPTED: DosAttributes = DosAttributes(0x0000_4000);

    /// The bits a client may set and this crate keeps: READONLY, HIDDEN,
    /// SYSTEM, ARCHIVE, TEMPORARY, OFFLINE, NOT_CONTENT_INDEXED. Other bits
    /// in a SET_INFO are ignored.
    pub const SETTABLE: DosAttributes = DosAttributes(0x0000_3127);

    /// The bits kept with an object: [`SETTABLE`](Self::SETTABLE) and
    /// SPARSE_FILE, which only [`Vfs::set_sparse`](crate::Vfs::set_sparse)
    /// changes (a SET_INFO neither sets nor clears it).
    pub const STORED: DosAttributes = DosAttributes(0x0000_3327);

    /// No bit set.
    pub const fn empty() -> DosAttributes {
        DosAttributes(0)
    }

    /// The raw value.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: DosAttributes) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The union.
    #[must_use]
    pub const fn union(self, other: DosAttributes) -> DosAttributes {
        DosAttributes(self.0 | other.0)
    }

    /// The intersection.
    #[must_use]
    pub const fn intersection(self, other: DosAttributes) -> DosAttributes {
        DosAttributes(self.0 & other.0)
    }

    /// `self` without the bits of `other`.
    #[must_use]
    pub const fn difference(self, other: DosAttributes) -> DosAttributes {
        DosAttributes(self.0 & !other.0)
    }

    /// What a client sees: the stored bits, DIRECTORY for a directory, and
    /// NORMAL when nothing else is set.
    pub(crate) fn reported(stored: DosAttributes, is_dir: bool) -> DosAttributes {
        let mut a = stored.intersection(DosAttributes::STORED);
        if is_dir {
            a = a.union(DosAttributes::DIRECTORY);
        }
        if a.is_empty() {
            DosAttributes::NORMAL
        } else {
            a
        }
    }

    /// The attributes a new object gets: ARCHIVE for files, HIDDEN for names
    /// starting with a dot (as Samba's default `hide dot files = yes`).
    pub(crate) fn initial(name: &str, is_dir: bool) -> DosAttributes {
        let mut a = if is_dir {
            DosAttributes::empty()
        } else {
            DosAttributes::ARCHIVE
        };
        if name.starts_with('.') {
            a = a.union(DosAttributes::HIDDEN);
        }
        a
    }
}

impl core::ops::BitOr for DosAttributes {
    type Output = DosAttributes;
    fn bitor(self, rhs: DosAttributes) -> DosAttributes {
        self.union(rhs)
    }
}

impl fmt::Debug for DosAttributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(DosAttributes, &str); 13] = [
            (DosAttributes::READONLY, "READONLY"),
            (DosAttributes::HIDDEN, "HIDDEN"),
            (DosAttributes::SYSTEM, "SYSTEM"),
            (DosAttributes::DIRECTORY, "DIRECTORY"),
            (DosAttributes::ARCHIVE, "ARCHIVE"),
            (DosAttributes::NORMAL, "NORMAL"),
            (DosAttributes::TEMPORARY, "TEMPORARY"),
            (DosAttributes::SPARSE_FILE, "SPARSE_FILE"),
            (DosAttributes::REPARSE_POINT, "REPARSE_POINT"),
            (DosAttributes::COMPRESSED, "COMPRESSED"),
            (DosAttributes::OFFLINE, "OFFLINE"),
            (DosAttributes::NOT_CONTENT_INDEXED, "NOT_CONTENT_INDEXED"),
            (DosAttributes::ENCRYPTED, "ENCRYPTED"),
        ];
        write!(f, "DosAttributes({:#x}", self.0)?;
        let mut sep = " = ";
        for (bit, name) in NAMES {
            if self.contains(bit) {
                write!(f, "{sep}{name}")?;
                sep = " | ";
            }
        }
        f.write_str(")")
    }
}

/// What the storage knows about one file or directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// A stable id: the same for the same object however it is reached and
    /// for as long as it exists. `LocalFs` uses the inode number, `MemFs` a
    /// counter. SMB reports it as FileInternalInformation.IndexNumber, the
    /// `FileId` of the Id* directory classes and the QFid DiskFileId.
    pub file_id: u64,
    /// End of file in bytes (0 for a directory).
    pub size: u64,
    /// Bytes allocated on disk (0 for a directory).
    pub allocation_size: u64,
    /// Creation (birth) time.
    pub creation_time: FileTime,
    /// Last access time.
    pub last_access_time: FileTime,
    /// Last write of the data.
    pub last_write_time: FileTime,
    /// Last change of data or metadata (Unix ctime).
    pub change_time: FileTime,
    /// DOS attributes as a client sees them (see [`DosAttributes`]).
    pub attributes: DosAttributes,
    /// Whether this is a directory.
    pub is_dir: bool,
    /// Number of names of a file (hard links); 1 for a directory.
    pub nlink: u64,
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The name as stored (case preserved).
    pub name: String,
    /// The entry's information.
    pub info: FileInfo,
}

/// The CREATE disposition (MS-SMB2 2.2.13 `CreateDisposition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Open an existing object; fail if missing.
    Open,
    /// Create a new object; fail if it exists.
    Create,
    /// Open if it exists, else create.
    OpenIf,
    /// Truncate an existing file; fail if missing.
    Overwrite,
    /// Truncate if it exists, else create.
    OverwriteIf,
    /// Replace if it exists, else create.
    Supersede,
}

/// Which kind of object an open accepts (`FILE_DIRECTORY_FILE` /
/// `FILE_NON_DIRECTORY_FILE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum OpenKind {
    /// Either; a created object is a file.
    #[default]
    Any,
    /// Only a directory; a created object is a directory.
    Directory,
    /// Only a non-directory.
    NonDirectory,
}

/// How to open a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpenHow {
    /// What to do when the object exists or not.
    pub disposition: Disposition,
    /// Which kind of object is acceptable.
    pub kind: OpenKind,
    /// The handle may read data.
    pub read: bool,
    /// The handle may write data (refused on a READONLY file).
    pub write: bool,
    /// Follow a symbolic link in the last component (always confined to the
    /// share); when false such a link is refused with ACCESS_DENIED.
    pub follow: bool,
}

impl OpenHow {
    /// Open an existing object of any kind for reading.
    pub fn read() -> OpenHow {
        OpenHow {
            disposition: Disposition::Open,
            kind: OpenKind::Any,
            read: true,
            write: false,
            follow: true,
        }
    }

    /// Create a new file (fail if it exists), readable and writable.
    pub fn create_file() -> OpenHow {
        OpenHow {
            disposition: Disposition::Create,
            kind: OpenKind::NonDirectory,
            read: true,
            write: true,
            follow: true,
        }
    }

    /// Create a new directory (fail if it exists).
    pub fn create_dir() -> OpenHow {
        OpenHow {
            disposition: Disposition::Create,
            kind: OpenKind::Directory,
            read: true,
            write: false,
            follow: true,
        }
    }

    /// Open an existing directory.
    pub fn dir() -> OpenHow {
        OpenHow {
            disposition: Disposition::Open,
            kind: OpenKind::Directory,
            read: true,
            write: false,
            follow: true,
        }
    }

    /// The same with another disposition.
    #[must_use]
    pub fn with_disposition(mut self, disposition: Disposition) -> OpenHow {
        self.disposition = disposition;
        self
    }

    /// The same with write access switched on or off.
    #[must_use]
    pub fn with_write(mut self, write: bool) -> OpenHow {
        self.write = write;
        self
    }

    /// What opening an existing object (a directory when `is_dir`) does
    /// under this kind and disposition, for every [`crate::Vfs`]: the kind
    /// must match ([`VfsError::NotADirectory`] / [`VfsError::IsADirectory`])
    /// and a directory cannot be overwritten or superseded
    /// ([`VfsError::InvalidParameter`]). `Create` of an existing name is
    /// refused by the caller before this is asked.
    pub(crate) fn existing_action(self, is_dir: bool) -> Result<OpenAction, VfsError> {
        match self.kind {
            OpenKind::Directory if !is_dir => return Err(VfsError::NotADirectory),
            OpenKind::NonDirectory if is_dir => return Err(VfsError::IsADirectory),
            _ => {}
        }
        let action = match self.disposition {
            Disposition::Overwrite | Disposition::OverwriteIf => OpenAction::Overwritten,
            Disposition::Supersede => OpenAction::Superseded,
            _ => OpenAction::Opened,
        };
        if is_dir && action != OpenAction::Opened {
            return Err(VfsError::InvalidParameter("cannot overwrite a directory"));
        }
        Ok(action)
    }
}

/// What an open did (the CREATE response's `CreateAction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpenAction {
    /// An existing object was opened (`FILE_OPENED`).
    Opened,
    /// A new object was created (`FILE_CREATED`).
    Created,
    /// An existing file was truncated (`FILE_OVERWRITTEN`).
    Overwritten,
    /// An existing file was replaced (`FILE_SUPERSEDED`).
    Superseded,
}

/// An open object: an id into the implementation's handle table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle(pub u64);

/// The result of [`Vfs::open`](crate::Vfs::open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The new handle; release it with [`Vfs::close`](crate::Vfs::close).
    pub handle: Handle,
    /// What the open did.
    pub action: OpenAction,
    /// The object's information right after the open.
    pub info: FileInfo,
}

/// Metadata changes (FileBasicInformation). `None` leaves a field alone.
///
/// The SMB special values (0 = unchanged, -1/-2 = stop/resume automatic
/// updates) are the dispatcher's business: map 0 to `None` before calling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SetInfo {
    /// New creation time.
    pub creation_time: Option<FileTime>,
    /// New last access time.
    pub last_access_time: Option<FileTime>,
    /// New last write time.
    pub last_write_time: Option<FileTime>,
    /// New change time. Unix cannot set a ctime, so the value is kept
    /// beside the object and reported until the data next changes (a write
    /// or a new size); without it, the change time is the time of the
    /// change itself.
    pub change_time: Option<FileTime>,
    /// New attributes; only [`DosAttributes::SETTABLE`] bits are kept
    /// (`NORMAL` alone clears them all); SPARSE_FILE stays as it was.
    pub attributes: Option<DosAttributes>,
}

/// File-system level information (FileFsSize/FullSize/Volume/Attribute).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeInfo {
    /// Total bytes.
    pub total: u64,
    /// Bytes available to the caller.
    pub free: u64,
    /// Allocation unit in bytes.
    pub block_size: u32,
    /// The name reported as FileSystemName, e.g. "NTFS".
    pub fs_name: String,
    /// The volume serial number.
    pub serial: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetime_conversions() {
        // 1970-01-01 is FILETIME 116444736000000000 (MS-DTYP 2.3.3; the
        // constant every Windows time conversion uses).
        assert_eq!(FileTime::from_unix(0, 0), FileTime(116_444_736_000_000_000));
        assert_eq!(FileTime::from_system_time(UNIX_EPOCH), FileTime::UNIX_EPOCH);
        let t = FileTime::from_unix(1_700_000_000, 123_456_700);
        assert_eq!(t.0, 116_444_736_000_000_000 + 17_000_000_001_234_567);
        assert_eq!(t.to_unix(), (1_700_000_000, 123_456_700));
        assert_eq!(FileTime::from_system_time(t.to_system_time()), t);
        // Before 1970: floor seconds, positive nanoseconds.
        let old = FileTime(FileTime::UNIX_EPOCH.0 - 15);
        assert_eq!(old.to_unix(), (-1, 999_998_500));
        assert_eq!(FileTime::from_unix(-1, 999_998_500), old);
        assert_eq!(FileTime(0).to_unix(), (-11_644_473_600, 0));
        assert_eq!(FileTime::from_unix(i64::MIN, 0), FileTime(0));
    }

    #[test]
    fn attributes_reporting() {
        assert_eq!(
            DosAttributes::reported(DosAttributes::empty(), false),
            DosAttributes::NORMAL
        );
        assert_eq!(
            DosAttributes::reported(DosAttributes::NORMAL, true),
            DosAttributes::DIRECTORY
        );
        assert_eq!(
            DosAttributes::SETTABLE.bits(),
            0x1 | 0x2 | 0x4 | 0x20 | 0x100 | 0x1000 | 0x2000
        );
        assert_eq!(
            format!("{:?}", DosAttributes::HIDDEN | DosAttributes::ARCHIVE),
            "DosAttributes(0x22 = HIDDEN | ARCHIVE)"
        );
    }

    #[test]
    fn existing_action_checks_kind_and_directory_overwrite() {
        use Disposition::*;
        let how = |disposition, kind| OpenHow {
            disposition,
            kind,
            ..OpenHow::read()
        };
        for d in [Open, OpenIf] {
            for k in [OpenKind::Any, OpenKind::Directory] {
                assert!(matches!(
                    how(d, k).existing_action(true),
                    Ok(OpenAction::Opened)
                ));
            }
        }
        assert!(matches!(
            how(Overwrite, OpenKind::Any).existing_action(false),
            Ok(OpenAction::Overwritten)
        ));
        assert!(matches!(
            how(OverwriteIf, OpenKind::NonDirectory).existing_action(false),
            Ok(OpenAction::Overwritten)
        ));
        assert!(matches!(
            how(Supersede, OpenKind::Any).existing_action(false),
            Ok(OpenAction::Superseded)
        ));
        assert!(matches!(
            how(Open, OpenKind::Directory).existing_action(false),
            Err(VfsError::NotADirectory)
        ));
        assert!(matches!(
            how(Open, OpenKind::NonDirectory).existing_action(true),
            Err(VfsError::IsADirectory)
        ));
        for d in [Overwrite, OverwriteIf, Supersede] {
            assert!(matches!(
                how(d, OpenKind::Any).existing_action(true),
                Err(VfsError::InvalidParameter("cannot overwrite a directory"))
            ));
        }
    }
}
