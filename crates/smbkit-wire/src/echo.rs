//! SMB2 ECHO request and response (MS-SMB2 2.2.28, 2.2.29).

use crate::header::Command;
use crate::simple::reserved_body;

reserved_body!(
    /// SMB2 ECHO request (MS-SMB2 2.2.28): StructureSize 4, Reserved.
    EchoRequest,
    Command::ECHO,
    "ECHO request"
);
reserved_body!(
    /// SMB2 ECHO response (MS-SMB2 2.2.29): StructureSize 4, Reserved.
    EchoResponse,
    Command::ECHO,
    "ECHO response"
);
