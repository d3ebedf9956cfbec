//! Direct-TCP framing (MS-SMB2 2.1): a zero byte, a 24-bit big-endian
//! length, then that many bytes of SMB2 message(s).

use tokio::io::{AsyncRead, AsyncReadExt};

/// Why a connection's frame stream ended badly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The first byte of the prefix was not zero.
    #[error("not a Direct-TCP frame (first byte {0:#04x})")]
    NotDirectTcp(u8),
    /// The announced length is above the configured maximum.
    #[error("frame of {len} bytes is larger than the maximum of {max}")]
    TooLarge {
        /// The announced length.
        len: u32,
        /// The maximum.
        max: u32,
    },
    /// A zero-length frame.
    #[error("empty frame")]
    Empty,
    /// The peer closed the connection inside a frame.
    #[error("connection closed inside a frame ({got} of {len} bytes)")]
    Truncated {
        /// Bytes received.
        got: usize,
        /// Bytes announced.
        len: u32,
    },
    /// Socket error.
    #[error("read failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Parses a 4-byte Direct-TCP prefix into the message length, refusing a
/// non-zero first byte and a length above `max` (so the body is never read).
pub fn parse_prefix(prefix: [u8; 4], max: u32) -> Result<u32, FrameError> {
    let [zero, a, b, c] = prefix;
    if zero != 0 {
        return Err(FrameError::NotDirectTcp(zero));
    }
    let len = u32::from_be_bytes([0, a, b, c]);
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    if len == 0 {
        return Err(FrameError::Empty);
    }
    Ok(len)
}

/// The 4-byte Direct-TCP prefix for a message of `len` bytes, or `None` if
/// `len` does not fit in 24 bits.
pub fn prefix(len: usize) -> Option<[u8; 4]> {
    let len = u32::try_from(len).ok().filter(|&l| l <= 0x00FF_FFFF)?;
    Some(len.to_be_bytes())
}

/// Reads one frame body (the bytes after the prefix). `Ok(None)` at a clean
/// end of stream between frames.
///
/// The buffer grows as bytes arrive, so a peer that announces a large frame
/// and sends nothing does not make the server allocate it.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    max: u32,
) -> Result<Option<Vec<u8>>, FrameError> {
    let mut head = [0u8; 4];
    let mut got = 0usize;
    while got < head.len() {
        let Some(rest) = head.get_mut(got..) else {
            break;
        };
        let n = reader.read(rest).await?;
        if n == 0 {
            if got == 0 {
                return Ok(None);
            }
            return Err(FrameError::Truncated { got, len: 4 });
        }
        got = got.saturating_add(n);
    }
    let len = parse_prefix(head, max)?;
    let want = usize::try_from(len).map_err(|_| FrameError::TooLarge { len, max })?;
    let mut body = Vec::with_capacity(want.min(64 << 10));
    reader.take(u64::from(len)).read_to_end(&mut body).await?;
    if body.len() != want {
        return Err(FrameError::Truncated {
            got: body.len(),
            len,
        });
    }
    Ok(Some(body))
}

/// The current time as a Windows FILETIME (100 ns units since 1601-01-01 UTC).
pub fn now_filetime() -> u64 {
    /// FILETIME of the Unix epoch.
    const UNIX_EPOCH_FILETIME: u64 = 116_444_736_000_000_000;
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let ticks = since.as_nanos() / 100;
    u64::try_from(ticks)
        .unwrap_or(u64::MAX)
        .saturating_add(UNIX_EPOCH_FILETIME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_parsing() {
        assert_eq!(parse_prefix([0, 0, 0, 0x44], 1000).unwrap(), 0x44);
        assert_eq!(
            parse_prefix([0, 0x01, 0x02, 0x03], 0xFF_FFFF).unwrap(),
            0x01_0203
        );
        assert!(matches!(
            parse_prefix([0x85, 0, 0, 4], 1000),
            Err(FrameError::NotDirectTcp(0x85))
        ));
        assert!(matches!(
            parse_prefix([0, 0, 0x03, 0xE9], 1000),
            Err(FrameError::TooLarge {
                len: 1001,
                max: 1000
            })
        ));
        assert!(matches!(
            parse_prefix([0, 0, 0, 0], 1000),
            Err(FrameError::Empty)
        ));
        assert_eq!(prefix(0x01_0203), Some([0, 1, 2, 3]));
        assert_eq!(prefix(0x100_0000), None);
    }

    #[tokio::test]
    async fn reads_frames_and_clean_eof() {
        let mut data = Vec::new();
        data.extend_from_slice(&[0, 0, 0, 3, b'a', b'b', b'c']);
        data.extend_from_slice(&[0, 0, 0, 1, b'z']);
        let mut r = data.as_slice();
        assert_eq!(read_frame(&mut r, 100).await.unwrap().unwrap(), b"abc");
        assert_eq!(read_frame(&mut r, 100).await.unwrap().unwrap(), b"z");
        assert!(read_frame(&mut r, 100).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn truncated_frames() {
        let mut r: &[u8] = &[0, 0];
        assert!(matches!(
            read_frame(&mut r, 100).await,
            Err(FrameError::Truncated { got: 2, len: 4 })
        ));
        let mut r: &[u8] = &[0, 0, 0, 9, 1, 2];
        assert!(matches!(
            read_frame(&mut r, 100).await,
            Err(FrameError::Truncated { got: 2, len: 9 })
        ));
    }

    #[tokio::test]
    async fn oversized_is_refused_before_the_body() {
        // Announces 16 MiB - 1 but carries nothing: refused from the prefix alone.
        let mut r: &[u8] = &[0, 0xFF, 0xFF, 0xFF];
        assert!(matches!(
            read_frame(&mut r, crate::config::DEFAULT_MAX_FRAME).await,
            Err(FrameError::TooLarge { len: 0xFF_FFFF, .. })
        ));
    }

    #[test]
    fn filetime_is_after_2020() {
        // 2020-01-01T00:00:00Z as FILETIME.
        assert!(now_filetime() > 132_223_104_000_000_000);
    }
}
