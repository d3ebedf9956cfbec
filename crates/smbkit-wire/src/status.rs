//! NTSTATUS codes ([MS-ERREF] 2.3).

use core::fmt;

/// A 32-bit NTSTATUS value as carried in the SMB2 header's Status field.
///
/// Unknown values are kept as they are; [`NtStatus::name`] knows the codes an
/// SMB server returns. Values are from [MS-ERREF] section 2.3.1.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct NtStatus(pub u32);

macro_rules! statuses {
    ($($name:ident = $value:literal,)*) => {
        impl NtStatus {
            $(
                #[doc = concat!("`STATUS_", stringify!($name), "` (", stringify!($value), ").")]
                pub const $name: NtStatus = NtStatus($value);
            )*

            /// The symbolic name (`STATUS_…`) of a known code.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(concat!("STATUS_", stringify!($name))),)*
                    _ => None,
                }
            }
        }
    };
}

statuses! {
    SUCCESS = 0x0000_0000,
    PENDING = 0x0000_0103,
    NOTIFY_CLEANUP = 0x0000_010B,
    NOTIFY_ENUM_DIR = 0x0000_010C,
    BUFFER_OVERFLOW = 0x8000_0005,
    NO_MORE_FILES = 0x8000_0006,
    STOPPED_ON_SYMLINK = 0x8000_002D,
    UNSUCCESSFUL = 0xC000_0001,
    NOT_IMPLEMENTED = 0xC000_0002,
    INVALID_INFO_CLASS = 0xC000_0003,
    INFO_LENGTH_MISMATCH = 0xC000_0004,
    INVALID_HANDLE = 0xC000_0008,
    INVALID_PARAMETER = 0xC000_000D,
    NO_SUCH_DEVICE = 0xC000_000E,
    NO_SUCH_FILE = 0xC000_000F,
    INVALID_DEVICE_REQUEST = 0xC000_0010,
    END_OF_FILE = 0xC000_0011,
    INVALID_VIEW_SIZE = 0xC000_001F,
    MORE_PROCESSING_REQUIRED = 0xC000_0016,
    NO_MEMORY = 0xC000_0017,
    ACCESS_DENIED = 0xC000_0022,
    BUFFER_TOO_SMALL = 0xC000_0023,
    OBJECT_NAME_INVALID = 0xC000_0033,
    OBJECT_NAME_NOT_FOUND = 0xC000_0034,
    OBJECT_NAME_COLLISION = 0xC000_0035,
    OBJECT_PATH_NOT_FOUND = 0xC000_003A,
    OBJECT_PATH_SYNTAX_BAD = 0xC000_003B,
    SHARING_VIOLATION = 0xC000_0043,
    EAS_NOT_SUPPORTED = 0xC000_004F,
    NO_EAS_ON_FILE = 0xC000_0052,
    FILE_LOCK_CONFLICT = 0xC000_0054,
    LOCK_NOT_GRANTED = 0xC000_0055,
    DELETE_PENDING = 0xC000_0056,
    NO_SUCH_USER = 0xC000_0064,
    WRONG_PASSWORD = 0xC000_006A,
    LOGON_FAILURE = 0xC000_006D,
    ACCOUNT_RESTRICTION = 0xC000_006E,
    INVALID_LOGON_HOURS = 0xC000_006F,
    INVALID_WORKSTATION = 0xC000_0070,
    PASSWORD_EXPIRED = 0xC000_0071,
    ACCOUNT_DISABLED = 0xC000_0072,
    RANGE_NOT_LOCKED = 0xC000_007E,
    DISK_FULL = 0xC000_007F,
    INSUFFICIENT_RESOURCES = 0xC000_009A,
    MEDIA_WRITE_PROTECTED = 0xC000_00A2,
    BAD_IMPERSONATION_LEVEL = 0xC000_00A5,
    PIPE_NOT_AVAILABLE = 0xC000_00AC,
    INVALID_PIPE_STATE = 0xC000_00AD,
    PIPE_BUSY = 0xC000_00AE,
    PIPE_DISCONNECTED = 0xC000_00B0,
    PIPE_CLOSING = 0xC000_00B1,
    IO_TIMEOUT = 0xC000_00B5,
    FILE_IS_A_DIRECTORY = 0xC000_00BA,
    NOT_SUPPORTED = 0xC000_00BB,
    DUPLICATE_NAME = 0xC000_00BD,
    BAD_NETWORK_PATH = 0xC000_00BE,
    INVALID_NETWORK_RESPONSE = 0xC000_00C3,
    NETWORK_NAME_DELETED = 0xC000_00C9,
    NETWORK_ACCESS_DENIED = 0xC000_00CA,
    BAD_NETWORK_NAME = 0xC000_00CC,
    REQUEST_NOT_ACCEPTED = 0xC000_00D0,
    NOT_SAME_DEVICE = 0xC000_00D4,
    PIPE_EMPTY = 0xC000_00D9,
    INTERNAL_ERROR = 0xC000_00E5,
    DIRECTORY_NOT_EMPTY = 0xC000_0101,
    NOT_A_DIRECTORY = 0xC000_0103,
    TOO_MANY_OPENED_FILES = 0xC000_011F,
    CANCELLED = 0xC000_0120,
    CANNOT_DELETE = 0xC000_0121,
    FILE_DELETED = 0xC000_0123,
    FILE_CLOSED = 0xC000_0128,
    PIPE_BROKEN = 0xC000_014B,
    INVALID_DEVICE_STATE = 0xC000_0184,
    ACCOUNT_EXPIRED = 0xC000_0193,
    FS_DRIVER_REQUIRED = 0xC000_019C,
    INVALID_LOCK_RANGE = 0xC000_01A1,
    USER_SESSION_DELETED = 0xC000_0203,
    PASSWORD_MUST_CHANGE = 0xC000_0224,
    NOT_FOUND = 0xC000_0225,
    ACCOUNT_LOCKED_OUT = 0xC000_0234,
    PATH_NOT_COVERED = 0xC000_0257,
    NOT_A_REPARSE_POINT = 0xC000_0275,
    NETWORK_SESSION_EXPIRED = 0xC000_035C,
    SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP = 0xC05D_0000,
    SMB_BAD_CLUSTER_DIALECT = 0xC05D_0001,
}

impl NtStatus {
    /// The severity bits (31..30): 0 success, 1 informational, 2 warning, 3 error.
    pub const fn severity(self) -> u8 {
        // Two bits after the shift, so the cast never truncates.
        (self.0 >> 30) as u8
    }

    /// Severity "error" (`0xC…`), e.g. `STATUS_ACCESS_DENIED`.
    pub const fn is_error(self) -> bool {
        self.severity() == 3
    }

    /// Severity "warning" (`0x8…`), e.g. `STATUS_BUFFER_OVERFLOW`: the
    /// response still carries a body.
    pub const fn is_warning(self) -> bool {
        self.severity() == 2
    }

    /// Success or informational severity (the `NT_SUCCESS` test), e.g.
    /// `STATUS_SUCCESS` and `STATUS_PENDING`.
    pub const fn is_success(self) -> bool {
        self.severity() < 2
    }
}

impl fmt::Display for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "NTSTATUS({:#010x})", self.0),
        }
    }
}

impl fmt::Debug for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self} ({:#010x})", self.0)
    }
}

impl From<u32> for NtStatus {
    fn from(value: u32) -> Self {
        NtStatus(value)
    }
}

impl From<NtStatus> for u32 {
    fn from(value: NtStatus) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_names() {
        assert_eq!(NtStatus::MORE_PROCESSING_REQUIRED.0, 0xC000_0016);
        assert_eq!(NtStatus::FILE_CLOSED.0, 0xC000_0128);
        assert_eq!(NtStatus::ACCESS_DENIED.to_string(), "STATUS_ACCESS_DENIED");
        assert_eq!(NtStatus(0x1234_5678).to_string(), "NTSTATUS(0x12345678)");
        assert_eq!(NtStatus(0xC000_0022).name(), Some("STATUS_ACCESS_DENIED"));
    }

    #[test]
    fn severity() {
        assert!(NtStatus::ACCESS_DENIED.is_error());
        assert!(!NtStatus::ACCESS_DENIED.is_warning());
        assert!(NtStatus::BUFFER_OVERFLOW.is_warning());
        assert!(!NtStatus::BUFFER_OVERFLOW.is_error());
        assert!(NtStatus::PENDING.is_success());
        assert!(NtStatus::SUCCESS.is_success());
        assert!(!NtStatus::NO_MORE_FILES.is_success());
        assert!(NtStatus::MORE_PROCESSING_REQUIRED.is_error());
    }
}
