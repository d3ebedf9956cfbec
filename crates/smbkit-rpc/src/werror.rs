//! The WERROR / NET_API_STATUS return values the interfaces use
//! (MS-ERREF 2.2).

/// `ERROR_SUCCESS`.
pub const ERROR_SUCCESS: u32 = 0;
/// `ERROR_INVALID_PARAMETER`.
pub const ERROR_INVALID_PARAMETER: u32 = 87;
/// `ERROR_INVALID_LEVEL` (0x7C).
pub const ERROR_INVALID_LEVEL: u32 = 124;
/// `ERROR_MORE_DATA` (0xEA).
pub const ERROR_MORE_DATA: u32 = 234;
/// `NERR_NetNameNotFound` (0x906): no such share.
pub const NERR_NET_NAME_NOT_FOUND: u32 = 2310;
