//! How much of a vendor's or a token endpoint's answer is read.
//!
//! A body is read chunk by chunk and the read stops as soon as it passes the limit:
//! a vendor that streams without end, or a `Content-Length` of terabytes, costs at
//! most the limit in memory, never the process. A `Content-Length` above the limit is
//! refused before a byte of the body is read.

use bytes::{Bytes, BytesMut};

/// Default largest vendor response body read ([`crate::AdapterConfig::max_response_bytes`]):
/// 8 MiB, well above the largest page of any list API in the corpus, far below what
/// could hurt a service.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Default largest token endpoint response read
/// ([`crate::AdapterConfig::max_token_response_bytes`]): 64 KiB; a token response is a
/// few hundred bytes, a JWT a few kilobytes.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 64 * 1024;

/// Why a body was not read whole.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The transport failed while reading.
    Http(reqwest::Error),
    /// The body is longer than the limit (announced, or found while reading).
    TooLarge {
        /// The status of the answer whose body was refused.
        status: u16,
        /// The limit that was passed.
        limit: usize,
    },
}

/// Reads `resp`'s body, at most `limit` bytes.
///
/// Borrows the response rather than taking it: taken, the response would be kept
/// twice in the caller's future (the argument and the moved-from local), and that
/// future is moved on every call.
pub(crate) async fn read_body(
    resp: &mut reqwest::Response,
    limit: usize,
) -> Result<Bytes, ReadError> {
    let status = resp.status().as_u16();
    let too_large = || ReadError::TooLarge { status, limit };
    let announced = resp.content_length();
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // Most answers arrive in one chunk: that chunk is the body, shared with the
    // transport's read buffer rather than copied. Only a second chunk makes a buffer,
    // sized once from a small announced length (the read still stops at the limit
    // whatever arrives). A small body can keep that read buffer alive as long as the
    // response lives; responses are decoded and dropped, and the fallback cache
    // copies what it keeps.
    let mut first = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    while let Some(chunk) = resp.chunk().await.map_err(ReadError::Http)? {
        let read = joined.as_ref().map_or(first.len(), BytesMut::len);
        if read + chunk.len() > limit {
            return Err(too_large());
        }
        match &mut joined {
            Some(buf) => buf.extend_from_slice(&chunk),
            None if first.is_empty() => first = chunk,
            None => {
                let wanted = announced.map_or(0, |n| n as usize).min(limit);
                let mut buf = BytesMut::with_capacity(wanted.max(read + chunk.len()));
                buf.extend_from_slice(&first);
                buf.extend_from_slice(&chunk);
                joined = Some(buf);
            }
        }
    }
    Ok(joined.map_or(first, BytesMut::freeze))
}
