//! The numeric fields of CREATE (MS-SMB2 2.2.13, 2.2.14) and the access mask
//! and attribute bits they carry (MS-SMB2 2.2.13.1, MS-FSCC 2.6).

/// RequestedOplockLevel / OplockLevel values (MS-SMB2 2.2.13, 2.2.14).
pub mod oplock_level {
    /// SMB2_OPLOCK_LEVEL_NONE.
    pub const NONE: u8 = 0x00;
    /// SMB2_OPLOCK_LEVEL_II.
    pub const II: u8 = 0x01;
    /// SMB2_OPLOCK_LEVEL_EXCLUSIVE.
    pub const EXCLUSIVE: u8 = 0x08;
    /// SMB2_OPLOCK_LEVEL_BATCH.
    pub const BATCH: u8 = 0x09;
    /// SMB2_OPLOCK_LEVEL_LEASE (the lease context decides).
    pub const LEASE: u8 = 0xFF;
}

/// ImpersonationLevel values (MS-SMB2 2.2.13).
pub mod impersonation {
    /// Anonymous.
    pub const ANONYMOUS: u32 = 0;
    /// Identification.
    pub const IDENTIFICATION: u32 = 1;
    /// Impersonation.
    pub const IMPERSONATION: u32 = 2;
    /// Delegate (the highest valid level).
    pub const DELEGATE: u32 = 3;
}

/// CreateDisposition values (MS-SMB2 2.2.13).
pub mod disposition {
    /// FILE_SUPERSEDE.
    pub const SUPERSEDE: u32 = 0;
    /// FILE_OPEN.
    pub const OPEN: u32 = 1;
    /// FILE_CREATE.
    pub const CREATE: u32 = 2;
    /// FILE_OPEN_IF.
    pub const OPEN_IF: u32 = 3;
    /// FILE_OVERWRITE.
    pub const OVERWRITE: u32 = 4;
    /// FILE_OVERWRITE_IF (the highest valid value).
    pub const OVERWRITE_IF: u32 = 5;
}

/// CreateAction values in the response (MS-SMB2 2.2.14).
pub mod create_action {
    /// FILE_SUPERSEDED.
    pub const SUPERSEDED: u32 = 0;
    /// FILE_OPENED.
    pub const OPENED: u32 = 1;
    /// FILE_CREATED.
    pub const CREATED: u32 = 2;
    /// FILE_OVERWRITTEN.
    pub const OVERWRITTEN: u32 = 3;
}

/// CreateOptions bits (MS-SMB2 2.2.13).
pub mod options {
    /// FILE_DIRECTORY_FILE.
    pub const DIRECTORY_FILE: u32 = 0x0000_0001;
    /// FILE_WRITE_THROUGH.
    pub const WRITE_THROUGH: u32 = 0x0000_0002;
    /// FILE_SEQUENTIAL_ONLY.
    pub const SEQUENTIAL_ONLY: u32 = 0x0000_0004;
    /// FILE_NO_INTERMEDIATE_BUFFERING.
    pub const NO_INTERMEDIATE_BUFFERING: u32 = 0x0000_0008;
    /// FILE_SYNCHRONOUS_IO_ALERT.
    pub const SYNCHRONOUS_IO_ALERT: u32 = 0x0000_0010;
    /// FILE_SYNCHRONOUS_IO_NONALERT.
    pub const SYNCHRONOUS_IO_NONALERT: u32 = 0x0000_0020;
    /// FILE_NON_DIRECTORY_FILE.
    pub const NON_DIRECTORY_FILE: u32 = 0x0000_0040;
    /// FILE_COMPLETE_IF_OPLOCKED.
    pub const COMPLETE_IF_OPLOCKED: u32 = 0x0000_0100;
    /// FILE_NO_EA_KNOWLEDGE.
    pub const NO_EA_KNOWLEDGE: u32 = 0x0000_0200;
    /// FILE_OPEN_REMOTE_INSTANCE.
    pub const OPEN_REMOTE_INSTANCE: u32 = 0x0000_0400;
    /// FILE_RANDOM_ACCESS.
    pub const RANDOM_ACCESS: u32 = 0x0000_0800;
    /// FILE_DELETE_ON_CLOSE.
    pub const DELETE_ON_CLOSE: u32 = 0x0000_1000;
    /// FILE_OPEN_BY_FILE_ID.
    pub const OPEN_BY_FILE_ID: u32 = 0x0000_2000;
    /// FILE_OPEN_FOR_BACKUP_INTENT.
    pub const OPEN_FOR_BACKUP_INTENT: u32 = 0x0000_4000;
    /// FILE_NO_COMPRESSION.
    pub const NO_COMPRESSION: u32 = 0x0000_8000;
    /// FILE_OPEN_REQUIRING_OPLOCK.
    pub const OPEN_REQUIRING_OPLOCK: u32 = 0x0001_0000;
    /// FILE_DISALLOW_EXCLUSIVE.
    pub const DISALLOW_EXCLUSIVE: u32 = 0x0002_0000;
    /// FILE_RESERVE_OPFILTER.
    pub const RESERVE_OPFILTER: u32 = 0x0010_0000;
    /// FILE_OPEN_REPARSE_POINT.
    pub const OPEN_REPARSE_POINT: u32 = 0x0020_0000;
    /// FILE_OPEN_NO_RECALL.
    pub const OPEN_NO_RECALL: u32 = 0x0040_0000;
    /// FILE_OPEN_FOR_FREE_SPACE_QUERY.
    pub const OPEN_FOR_FREE_SPACE_QUERY: u32 = 0x0080_0000;
}

/// ShareAccess bits (MS-SMB2 2.2.13).
pub mod share_access {
    /// FILE_SHARE_READ.
    pub const READ: u32 = 0x0000_0001;
    /// FILE_SHARE_WRITE.
    pub const WRITE: u32 = 0x0000_0002;
    /// FILE_SHARE_DELETE.
    pub const DELETE: u32 = 0x0000_0004;
}

/// Access mask bits (MS-SMB2 2.2.13.1.1 file/pipe/printer, 2.2.13.1.2
/// directory; MS-DTYP 2.4.3 generic bits).
pub mod access {
    /// FILE_READ_DATA (files, pipes).
    pub const FILE_READ_DATA: u32 = 0x0000_0001;
    /// FILE_LIST_DIRECTORY (directories; same bit as FILE_READ_DATA).
    pub const FILE_LIST_DIRECTORY: u32 = 0x0000_0001;
    /// FILE_WRITE_DATA.
    pub const FILE_WRITE_DATA: u32 = 0x0000_0002;
    /// FILE_ADD_FILE (directories; same bit as FILE_WRITE_DATA).
    pub const FILE_ADD_FILE: u32 = 0x0000_0002;
    /// FILE_APPEND_DATA.
    pub const FILE_APPEND_DATA: u32 = 0x0000_0004;
    /// FILE_ADD_SUBDIRECTORY (directories; same bit as FILE_APPEND_DATA).
    pub const FILE_ADD_SUBDIRECTORY: u32 = 0x0000_0004;
    /// FILE_READ_EA.
    pub const FILE_READ_EA: u32 = 0x0000_0008;
    /// FILE_WRITE_EA.
    pub const FILE_WRITE_EA: u32 = 0x0000_0010;
    /// FILE_EXECUTE.
    pub const FILE_EXECUTE: u32 = 0x0000_0020;
    /// FILE_TRAVERSE (directories; same bit as FILE_EXECUTE).
    pub const FILE_TRAVERSE: u32 = 0x0000_0020;
    /// FILE_DELETE_CHILD.
    pub const FILE_DELETE_CHILD: u32 = 0x0000_0040;
    /// FILE_READ_ATTRIBUTES.
    pub const FILE_READ_ATTRIBUTES: u32 = 0x0000_0080;
    /// FILE_WRITE_ATTRIBUTES.
    pub const FILE_WRITE_ATTRIBUTES: u32 = 0x0000_0100;
    /// DELETE.
    pub const DELETE: u32 = 0x0001_0000;
    /// READ_CONTROL.
    pub const READ_CONTROL: u32 = 0x0002_0000;
    /// WRITE_DAC.
    pub const WRITE_DAC: u32 = 0x0004_0000;
    /// WRITE_OWNER.
    pub const WRITE_OWNER: u32 = 0x0008_0000;
    /// SYNCHRONIZE.
    pub const SYNCHRONIZE: u32 = 0x0010_0000;
    /// ACCESS_SYSTEM_SECURITY.
    pub const ACCESS_SYSTEM_SECURITY: u32 = 0x0100_0000;
    /// MAXIMUM_ALLOWED.
    pub const MAXIMUM_ALLOWED: u32 = 0x0200_0000;
    /// GENERIC_ALL.
    pub const GENERIC_ALL: u32 = 0x1000_0000;
    /// GENERIC_EXECUTE.
    pub const GENERIC_EXECUTE: u32 = 0x2000_0000;
    /// GENERIC_WRITE.
    pub const GENERIC_WRITE: u32 = 0x4000_0000;
    /// GENERIC_READ.
    pub const GENERIC_READ: u32 = 0x8000_0000;
    /// Every specific and standard right of a file (0x001F01FF), what a
    /// full-control open is granted.
    pub const FILE_ALL_ACCESS: u32 = 0x001F_01FF;
}

/// FileAttributes bits (MS-FSCC 2.6).
pub mod file_attributes {
    /// FILE_ATTRIBUTE_READONLY.
    pub const READONLY: u32 = 0x0000_0001;
    /// FILE_ATTRIBUTE_HIDDEN.
    pub const HIDDEN: u32 = 0x0000_0002;
    /// FILE_ATTRIBUTE_SYSTEM.
    pub const SYSTEM: u32 = 0x0000_0004;
    /// FILE_ATTRIBUTE_DIRECTORY.
    pub const DIRECTORY: u32 = 0x0000_0010;
    /// FILE_ATTRIBUTE_ARCHIVE.
    pub const ARCHIVE: u32 = 0x0000_0020;
    /// FILE_ATTRIBUTE_NORMAL (only valid alone).
    pub const NORMAL: u32 = 0x0000_0080;
    /// FILE_ATTRIBUTE_TEMPORARY.
    pub const TEMPORARY: u32 = 0x0000_0100;
    /// FILE_ATTRIBUTE_SPARSE_FILE.
    pub const SPARSE_FILE: u32 = 0x0000_0200;
    /// FILE_ATTRIBUTE_REPARSE_POINT.
    pub const REPARSE_POINT: u32 = 0x0000_0400;
    /// FILE_ATTRIBUTE_COMPRESSED.
    pub const COMPRESSED: u32 = 0x0000_0800;
    /// FILE_ATTRIBUTE_OFFLINE.
    pub const OFFLINE: u32 = 0x0000_1000;
    /// FILE_ATTRIBUTE_NOT_CONTENT_INDEXED.
    pub const NOT_CONTENT_INDEXED: u32 = 0x0000_2000;
    /// FILE_ATTRIBUTE_ENCRYPTED.
    pub const ENCRYPTED: u32 = 0x0000_4000;
    /// FILE_ATTRIBUTE_INTEGRITY_STREAM.
    pub const INTEGRITY_STREAM: u32 = 0x0000_8000;
    /// FILE_ATTRIBUTE_NO_SCRUB_DATA.
    pub const NO_SCRUB_DATA: u32 = 0x0002_0000;
    /// FILE_ATTRIBUTE_RECALL_ON_OPEN.
    pub const RECALL_ON_OPEN: u32 = 0x0004_0000;
    /// FILE_ATTRIBUTE_PINNED.
    pub const PINNED: u32 = 0x0008_0000;
    /// FILE_ATTRIBUTE_UNPINNED.
    pub const UNPINNED: u32 = 0x0010_0000;
    /// FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS.
    pub const RECALL_ON_DATA_ACCESS: u32 = 0x0040_0000;
}

/// CREATE response Flags (MS-SMB2 2.2.14).
pub mod response_flags {
    /// SMB2_CREATE_FLAG_REPARSEPOINT (3.1.1): the open is a reparse point.
    pub const REPARSEPOINT: u8 = 0x01;
}
