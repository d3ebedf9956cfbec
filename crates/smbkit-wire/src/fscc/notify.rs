//! FILE_NOTIFY_INFORMATION (MS-FSCC 2.7.1): the change records of a
//! CHANGE_NOTIFY response, `{NextEntryOffset u32, Action u32,
//! FileNameLength u32, FileName}`, each 4-aligned.

use super::{ChainWriter, split_chain};
use crate::codec::{Reader, Writer, to_u32, utf16le_to_string};
use crate::error::WireError;

/// Action values (MS-FSCC 2.7.1).
pub mod notify_action {
    /// FILE_ACTION_ADDED.
    pub const ADDED: u32 = 0x0000_0001;
    /// FILE_ACTION_REMOVED.
    pub const REMOVED: u32 = 0x0000_0002;
    /// FILE_ACTION_MODIFIED.
    pub const MODIFIED: u32 = 0x0000_0003;
    /// FILE_ACTION_RENAMED_OLD_NAME.
    pub const RENAMED_OLD_NAME: u32 = 0x0000_0004;
    /// FILE_ACTION_RENAMED_NEW_NAME.
    pub const RENAMED_NEW_NAME: u32 = 0x0000_0005;
    /// FILE_ACTION_ADDED_STREAM.
    pub const ADDED_STREAM: u32 = 0x0000_0006;
    /// FILE_ACTION_REMOVED_STREAM.
    pub const REMOVED_STREAM: u32 = 0x0000_0007;
    /// FILE_ACTION_MODIFIED_STREAM.
    pub const MODIFIED_STREAM: u32 = 0x0000_0008;
}

/// One change record.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FileNotifyInformation<'a> {
    /// Action ([`notify_action`]).
    pub action: u32,
    /// FileName relative to the watched directory, raw UTF-16LE.
    pub file_name: &'a [u8],
}

impl<'a> FileNotifyInformation<'a> {
    /// The name decoded from UTF-16LE.
    pub fn name_string(&self) -> Result<String, WireError> {
        utf16le_to_string("FileName", self.file_name)
    }

    /// Decodes every record of a CHANGE_NOTIFY output buffer.
    pub fn decode_all(buf: &'a [u8]) -> Result<Vec<Self>, WireError> {
        split_chain(buf, "NextEntryOffset")?
            .into_iter()
            .map(|e| {
                let mut r = Reader::at(e, 4);
                let action = r.u32("Action")?;
                let len = usize::try_from(r.u32("FileNameLength")?).unwrap_or(usize::MAX);
                Ok(FileNotifyInformation {
                    action,
                    file_name: r.bytes(len, "FileName")?,
                })
            })
            .collect()
    }

    /// Encodes records 4-aligned into at most `limit` bytes; `None` when they
    /// do not all fit (answer STATUS_NOTIFY_ENUM_DIR).
    pub fn encode_all(records: &[Self], limit: usize) -> Result<Option<Vec<u8>>, WireError> {
        let mut chain = ChainWriter::new(4, limit);
        for rec in records {
            let mut e = Vec::new();
            let mut w = Writer::new(&mut e);
            w.u32(0);
            w.u32(rec.action);
            w.u32(to_u32("FileNameLength", rec.file_name.len())?);
            w.bytes(rec.file_name);
            if !chain.push(&e)? {
                return Ok(None);
            }
        }
        Ok(Some(chain.finish()))
    }
}
