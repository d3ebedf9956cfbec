//! SMB2 CANCEL request (MS-SMB2 2.2.30). There is no CANCEL response: the
//! cancelled request completes with STATUS_CANCELLED.

use crate::header::Command;
use crate::simple::reserved_body;

reserved_body!(
    /// SMB2 CANCEL request (MS-SMB2 2.2.30): StructureSize 4, Reserved. The
    /// request to cancel is named by the header (MessageId, or AsyncId when
    /// SMB2_FLAGS_ASYNC_COMMAND is set).
    CancelRequest,
    Command::CANCEL,
    "CANCEL request"
);
