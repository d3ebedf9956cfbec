//! SMB2 TREE_DISCONNECT request and response (MS-SMB2 2.2.11, 2.2.12).

use crate::header::Command;
use crate::simple::reserved_body;

reserved_body!(
    /// SMB2 TREE_DISCONNECT request (MS-SMB2 2.2.11): StructureSize 4, Reserved.
    TreeDisconnectRequest,
    Command::TREE_DISCONNECT,
    "TREE_DISCONNECT request"
);
reserved_body!(
    /// SMB2 TREE_DISCONNECT response (MS-SMB2 2.2.12): StructureSize 4, Reserved.
    TreeDisconnectResponse,
    Command::TREE_DISCONNECT,
    "TREE_DISCONNECT response"
);
