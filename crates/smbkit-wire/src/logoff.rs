//! SMB2 LOGOFF request and response (MS-SMB2 2.2.7, 2.2.8).

use crate::header::Command;
use crate::simple::reserved_body;

reserved_body!(
    /// SMB2 LOGOFF request (MS-SMB2 2.2.7): StructureSize 4, Reserved.
    LogoffRequest,
    Command::LOGOFF,
    "LOGOFF request"
);
reserved_body!(
    /// SMB2 LOGOFF response (MS-SMB2 2.2.8): StructureSize 4, Reserved.
    LogoffResponse,
    Command::LOGOFF,
    "LOGOFF response"
);
