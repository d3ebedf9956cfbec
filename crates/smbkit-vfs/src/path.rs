//! Share-relative paths as clients send them, validated.

use core::fmt;
use std::path::PathBuf;

/// Longest accepted path, in UTF-16 code units (the NT object-name limit).
pub const MAX_PATH_UNITS: usize = 32_767;
/// Longest accepted component, in UTF-16 code units (NTFS and most Unix
/// file systems allow 255).
pub const MAX_COMPONENT_UNITS: usize = 255;

/// Why a client path was refused. Every variant maps to
/// `STATUS_OBJECT_NAME_INVALID`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// Two backslashes in a row, or a leading `\\`.
    #[error("empty path component")]
    EmptyComponent,
    /// A `.` component.
    #[error("`.` component")]
    Dot,
    /// A `..` component (it could climb out of the share).
    #[error("`..` component")]
    DotDot,
    /// A `:` (alternate data streams are not supported).
    #[error("`:` in a name (alternate data streams are not supported)")]
    Stream,
    /// A stream name that is empty or holds `:`, `\\`, `/` or NUL.
    #[error("invalid stream name")]
    StreamName,
    /// A stream type other than `$DATA`.
    #[error("invalid stream type")]
    StreamType,
    /// A NUL character.
    #[error("NUL character in a name")]
    Nul,
    /// A character Windows forbids in names: `* ? < > | " /` or a control
    /// character.
    #[error("forbidden character {0:?} in a name")]
    ForbiddenChar(char),
    /// A component longer than [`MAX_COMPONENT_UNITS`].
    #[error("name component too long")]
    ComponentTooLong,
    /// A path longer than [`MAX_PATH_UNITS`].
    #[error("path too long")]
    TooLong,
}

/// A validated path relative to the share root.
///
/// Parsed from what the client sent (already decoded from UTF-16):
/// backslash-separated, optionally starting with one backslash, optionally
/// ending with one. The empty path is the share root. Every component is a
/// plain name: no `.`/`..`, no empty inner component, no `:`, no `/`, no NUL,
/// no other character Windows forbids, at most [`MAX_COMPONENT_UNITS`] UTF-16
/// units; the whole path at most [`MAX_PATH_UNITS`]. So joining the
/// components under the root can only name something beneath it (symbolic
/// links are the file system layer's job).
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SmbPath {
    components: Vec<String>,
}

impl SmbPath {
    /// The share root (the empty path).
    pub fn root() -> SmbPath {
        SmbPath::default()
    }

    /// Parses and validates a client path.
    pub fn parse(s: &str) -> Result<SmbPath, PathError> {
        if s.encode_utf16().count() > MAX_PATH_UNITS {
            return Err(PathError::TooLong);
        }
        let s = s.strip_prefix('\\').unwrap_or(s);
        let s = s.strip_suffix('\\').unwrap_or(s);
        if s.is_empty() {
            return Ok(SmbPath::root());
        }
        let components = s
            .split('\\')
            .map(|c| validate_component(c).map(|()| c.to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SmbPath { components })
    }

    /// Whether this is the share root.
    pub fn is_root(&self) -> bool {
        self.components.is_empty()
    }

    /// The components, outermost first.
    pub fn components(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.components.iter().map(String::as_str)
    }

    /// The last component (`None` for the root).
    pub fn file_name(&self) -> Option<&str> {
        self.components.last().map(String::as_str)
    }

    /// The containing directory (`None` for the root).
    pub fn parent(&self) -> Option<SmbPath> {
        let (_, rest) = self.components.split_last()?;
        Some(SmbPath {
            components: rest.to_vec(),
        })
    }

    /// This path with one more component, validated like [`SmbPath::parse`].
    pub fn join(&self, name: &str) -> Result<SmbPath, PathError> {
        validate_component(name)?;
        let mut components = self.components.clone();
        components.push(name.to_owned());
        let joined = SmbPath { components };
        if joined.to_string().encode_utf16().count() > MAX_PATH_UNITS {
            return Err(PathError::TooLong);
        }
        Ok(joined)
    }

    /// A relative Unix path with the same components (for a directory
    /// capability; never absolute, never containing `..`).
    pub fn to_relative_path(&self) -> PathBuf {
        self.components.iter().collect()
    }
}

/// Checks one name component.
pub fn validate_component(c: &str) -> Result<(), PathError> {
    match c {
        "" => return Err(PathError::EmptyComponent),
        "." => return Err(PathError::Dot),
        ".." => return Err(PathError::DotDot),
        _ => {}
    }
    for ch in c.chars() {
        match ch {
            '\0' => return Err(PathError::Nul),
            ':' => return Err(PathError::Stream),
            '*' | '?' | '<' | '>' | '|' | '"' | '/' | '\\' => {
                return Err(PathError::ForbiddenChar(ch));
            }
            c if c.is_control() => return Err(PathError::ForbiddenChar(ch)),
            _ => {}
        }
    }
    if c.encode_utf16().count() > MAX_COMPONENT_UNITS {
        return Err(PathError::ComponentTooLong);
    }
    Ok(())
}

impl fmt::Display for SmbPath {
    /// Backslash-separated, without a leading backslash.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.components.join("\\"))
    }
}

impl fmt::Debug for SmbPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmbPath(\"\\{self}\")")
    }
}

impl core::str::FromStr for SmbPath {
    type Err = PathError;
    fn from_str(s: &str) -> Result<SmbPath, PathError> {
        SmbPath::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_forms() {
        for s in ["", "\\"] {
            assert!(SmbPath::parse(s).unwrap().is_root(), "{s:?}");
        }
        assert_eq!(SmbPath::root().parent(), None);
        assert_eq!(SmbPath::root().file_name(), None);
    }

    #[test]
    fn components_and_display() {
        let p = SmbPath::parse("\\dir\\Sub Dir\\file.txt").unwrap();
        assert_eq!(
            p.components().collect::<Vec<_>>(),
            ["dir", "Sub Dir", "file.txt"]
        );
        assert_eq!(p.to_string(), "dir\\Sub Dir\\file.txt");
        assert_eq!(p.file_name(), Some("file.txt"));
        assert_eq!(p.parent().unwrap().to_string(), "dir\\Sub Dir");
        assert_eq!(p.to_relative_path(), PathBuf::from("dir/Sub Dir/file.txt"));
        assert_eq!(SmbPath::parse("dir\\").unwrap().to_string(), "dir");
        assert_eq!(p.parent().unwrap().join("file.txt").unwrap(), p);
    }

    #[test]
    fn refusals() {
        let cases: &[(&str, PathError)] = &[
            ("a\\\\b", PathError::EmptyComponent),
            ("\\\\a", PathError::EmptyComponent),
            ("a\\..\\b", PathError::DotDot),
            ("..", PathError::DotDot),
            ("a\\.", PathError::Dot),
            ("file:stream", PathError::Stream),
            ("file::$DATA", PathError::Stream),
            ("a\0b", PathError::Nul),
            ("a/b", PathError::ForbiddenChar('/')),
            ("a*", PathError::ForbiddenChar('*')),
            ("a?", PathError::ForbiddenChar('?')),
            ("<", PathError::ForbiddenChar('<')),
            (">", PathError::ForbiddenChar('>')),
            ("|", PathError::ForbiddenChar('|')),
            ("\"", PathError::ForbiddenChar('"')),
            ("a\u{1}", PathError::ForbiddenChar('\u{1}')),
            ("a\u{7f}", PathError::ForbiddenChar('\u{7f}')),
        ];
        for (s, want) in cases {
            assert_eq!(SmbPath::parse(s).unwrap_err(), *want, "{s:?}");
        }
        assert_eq!(SmbPath::root().join("..").unwrap_err(), PathError::DotDot);
    }

    #[test]
    fn length_limits() {
        let ok = "x".repeat(MAX_COMPONENT_UNITS);
        assert!(SmbPath::parse(&ok).is_ok());
        let long = "x".repeat(MAX_COMPONENT_UNITS + 1);
        assert_eq!(
            SmbPath::parse(&long).unwrap_err(),
            PathError::ComponentTooLong
        );
        // A character outside the BMP is two UTF-16 units.
        let astral = "\u{1F600}".repeat(MAX_COMPONENT_UNITS / 2 + 1);
        assert_eq!(
            SmbPath::parse(&astral).unwrap_err(),
            PathError::ComponentTooLong
        );
        let total = vec!["y".repeat(200); 200].join("\\");
        assert_eq!(SmbPath::parse(&total).unwrap_err(), PathError::TooLong);
    }

    #[test]
    fn unicode_and_dots_inside_names() {
        let p = SmbPath::parse("Ünïcödé\\...x\\.hidden\\a.b.c").unwrap();
        assert_eq!(p.components().count(), 4);
    }
}
