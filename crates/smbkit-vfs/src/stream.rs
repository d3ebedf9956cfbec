//! Stream syntax of CREATE names (MS-FSCC 2.1.5.1): `file:stream`,
//! `file:stream:$DATA` and `file::$DATA`.

use crate::path::{MAX_COMPONENT_UNITS, PathError, SmbPath};

/// A CREATE name split into the file it names and the data stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamPath {
    /// The file (or directory) part, validated like [`SmbPath::parse`].
    pub path: SmbPath,
    /// The named stream, as the client spelled it; `None` for the unnamed
    /// (default) data stream, which is the file itself.
    pub stream: Option<String>,
    /// Whether the name carried a stream part at all (`file::$DATA` names
    /// the file, but only as a data stream: never a directory).
    pub explicit: bool,
}

impl StreamPath {
    /// Splits and validates a client name. The first `:` starts the stream
    /// part, `stream[:type]`; the only type is `$DATA` (any case). Refused
    /// with a [`PathError`] (→ `STATUS_OBJECT_NAME_INVALID`): an empty
    /// stream part (`file:`), an empty or unknown type (`file:s:`,
    /// `file:s:$FOO`), `::` without `$DATA`, more colons, and a stream
    /// name with `\`, `/` or NUL or longer than 255 UTF-16 units. Stream
    /// names may hold any other character, wildcards and control
    /// characters included, as on NTFS.
    pub fn parse(s: &str) -> Result<StreamPath, PathError> {
        let Some((file, rest)) = s.split_once(':') else {
            return Ok(StreamPath {
                path: SmbPath::parse(s)?,
                stream: None,
                explicit: false,
            });
        };
        let path = SmbPath::parse(file)?;
        let (name, kind) = match rest.split_once(':') {
            Some((name, kind)) => (name, Some(kind)),
            None => (rest, None),
        };
        match kind {
            None => {}
            Some(k) if k.eq_ignore_ascii_case("$DATA") => {}
            Some(_) => return Err(PathError::StreamType),
        }
        if name.is_empty() {
            // `file::$DATA` is the file; `file:` names nothing.
            return if kind.is_some() {
                Ok(StreamPath {
                    path,
                    stream: None,
                    explicit: true,
                })
            } else {
                Err(PathError::StreamName)
            };
        }
        validate_stream_name(name)?;
        Ok(StreamPath {
            path,
            stream: Some(name.to_owned()),
            explicit: true,
        })
    }
}

/// Checks a stream name (without colons and type): not empty, no `:`, `\`,
/// `/` or NUL, at most [`MAX_COMPONENT_UNITS`] UTF-16 units.
pub fn validate_stream_name(name: &str) -> Result<(), PathError> {
    if name.is_empty() || name.chars().any(|c| matches!(c, ':' | '\\' | '/' | '\0')) {
        return Err(PathError::StreamName);
    }
    if name.encode_utf16().count() > MAX_COMPONENT_UNITS {
        return Err(PathError::ComponentTooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream_of(s: &str) -> Option<String> {
        StreamPath::parse(s).unwrap().stream
    }

    #[test]
    fn plain_names_have_no_stream() {
        let p = StreamPath::parse("dir\\file.txt").unwrap();
        assert_eq!(p.path, SmbPath::parse("dir\\file.txt").unwrap());
        assert_eq!(p.stream, None);
        assert!(!p.explicit);
    }

    #[test]
    fn stream_forms() {
        assert_eq!(stream_of("f:Stream One").as_deref(), Some("Stream One"));
        assert_eq!(
            stream_of("f:Second Stream:$DaTa").as_deref(),
            Some("Second Stream")
        );
        assert_eq!(
            stream_of("f:\u{5}Stream\n One").as_deref(),
            Some("\u{5}Stream\n One")
        );
        assert_eq!(stream_of("f:?Stream*:$DATA").as_deref(), Some("?Stream*"));
        let unnamed = StreamPath::parse("dir\\f::$DATA").unwrap();
        assert_eq!(unnamed.stream, None);
        assert!(unnamed.explicit);
        assert_eq!(unnamed.path, SmbPath::parse("dir\\f").unwrap());
    }

    #[test]
    fn invalid_stream_names() {
        for bad in [
            "f:",
            "f::",
            "f:s:",
            "f:s:$FOO",
            "f:s:?D*a",
            "f:s:$DATA:x",
            "dir\\stream*:s:$DATA",
            "dir:s\\x",
            "f:a/b",
        ] {
            assert!(StreamPath::parse(bad).is_err(), "{bad:?} accepted");
        }
        let long = format!("f:{}", "x".repeat(256));
        assert_eq!(StreamPath::parse(&long), Err(PathError::ComponentTooLong));
    }
}
