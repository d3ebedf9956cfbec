//! UTF-16LE helpers.

use crate::error::DecodeError;

/// Encodes a string as UTF-16LE.
pub(crate) fn encode(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Decodes UTF-16LE; an odd length or an unpaired surrogate is an error.
pub(crate) fn decode(bytes: &[u8], field: &'static str) -> Result<String, DecodeError> {
    let (pairs, rest) = bytes.as_chunks::<2>();
    if !rest.is_empty() {
        return Err(DecodeError::InvalidUtf16(field));
    }
    let units = pairs.iter().map(|p| u16::from_le_bytes(*p));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| DecodeError::InvalidUtf16(field))
}

/// Upper-cases the way Windows does for NTOWFv2: character by character, and a
/// character whose upper case is more than one character stays as it is.
pub(crate) fn upcase(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        assert_eq!(encode("Ab"), [0x41, 0, 0x62, 0]);
        assert_eq!(decode(&encode("Grüße €"), "f").unwrap(), "Grüße €");
        assert_eq!(
            decode(&[0x41], "f").unwrap_err(),
            DecodeError::InvalidUtf16("f")
        );
        assert_eq!(
            decode(&[0x00, 0xD8], "f").unwrap_err(),
            DecodeError::InvalidUtf16("f")
        );
    }

    #[test]
    fn upcase_is_per_character() {
        assert_eq!(upcase("administrator"), "ADMINISTRATOR");
        assert_eq!(upcase("jürgen"), "JÜRGEN");
        // 'ß' upper-cases to "SS" in Unicode; Windows keeps it one character.
        assert_eq!(upcase("straße"), "STRAßE");
    }
}
