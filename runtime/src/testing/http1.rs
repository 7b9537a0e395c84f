//! Just enough HTTP/1.1 for the mock vendor: requests with a `Content-Length` or
//! chunked body, keep-alive, and responses written byte by byte so faults are real.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Largest request head or body accepted; a mock has no use for more.
const MAX: usize = 16 * 1024 * 1024;

/// A parsed request head and body.
#[derive(Debug)]
pub(crate) struct RawRequest {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl RawRequest {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_owned())
}

/// Most requests carry a dozen headers; a head with more than this is refused.
const MAX_HEADERS: usize = 256;

/// Reads one request; `Ok(None)` when the client closed the connection cleanly.
/// `buf` carries bytes read past the previous request (pipelining, keep-alive).
///
/// The head is parsed with `httparse` (as hyper does): the mock shares the machine with
/// the client in benchmarks, so its per-request cost must be what a real server's is.
pub(crate) async fn read_request<R: AsyncRead + Unpin>(
    stream: &mut R,
    buf: &mut Vec<u8>,
) -> io::Result<Option<RawRequest>> {
    let (head_len, mut req) = loop {
        if let Some(parsed) = parse_head(buf)? {
            break parsed;
        }
        if buf.len() > MAX {
            return Err(bad("request head too large"));
        }
        let n = read_more(stream, buf).await?;
        if n == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(bad("connection closed mid-request"))
            };
        }
    };
    buf.drain(..head_len);
    if req
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
    {
        req.body = read_chunked(stream, buf).await?;
    } else {
        let len: usize = req
            .header("content-length")
            .map(|v| v.parse().map_err(|_| bad("bad content-length")))
            .transpose()?
            .unwrap_or(0);
        if len > MAX {
            return Err(bad("body too large"));
        }
        fill(stream, buf, len).await?;
        req.body = buf.drain(..len).collect();
    }
    Ok(Some(req))
}

async fn fill<R: AsyncRead + Unpin>(
    stream: &mut R,
    buf: &mut Vec<u8>,
    want: usize,
) -> io::Result<()> {
    while buf.len() < want {
        if read_more(stream, buf).await? == 0 {
            return Err(bad("connection closed mid-body"));
        }
    }
    Ok(())
}

/// Reads what the socket has into `buf`'s spare room, as hyper reads into its buffer:
/// a read chunk on the stack would sit in every request's future and be copied with
/// it, a cost a real server does not have.
async fn read_more<R: AsyncRead + Unpin>(stream: &mut R, buf: &mut Vec<u8>) -> io::Result<usize> {
    buf.reserve(8192);
    stream.read_buf(buf).await
}

async fn read_chunked<R: AsyncRead + Unpin>(
    stream: &mut R,
    buf: &mut Vec<u8>,
) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = find(buf, b"\r\n") {
                break i;
            }
            let have = buf.len();
            fill(stream, buf, have + 1).await?;
        };
        let size_text = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| bad("bad chunk size"))?;
        buf.drain(..line_end + 2);
        if body.len() + size > MAX {
            return Err(bad("body too large"));
        }
        fill(stream, buf, size + 2).await?;
        body.extend(buf.drain(..size));
        buf.drain(..2);
        if size == 0 {
            return Ok(body);
        }
    }
}

/// The head at the start of `buf`: its length and the request it starts (header names
/// lowercased, body still to read), or `None` while it is incomplete.
fn parse_head(buf: &[u8]) -> io::Result<Option<(usize, RawRequest)>> {
    // Uninitialised slots: filling 256 empty headers per request would cost more than
    // parsing the dozen that are there.
    let mut slots =
        [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut []);
    let head_len = match req.parse_with_uninit_headers(buf, &mut slots) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(bad("too many request headers")),
        Err(e) => return Err(bad(&format!("malformed request head: {e}"))),
    };
    let (Some(method), Some(target)) = (req.method, req.path) else {
        return Err(bad("malformed request line"));
    };
    let headers = req
        .headers
        .iter()
        .map(|h| {
            let value = match std::str::from_utf8(h.value) {
                Ok(v) => v.trim().to_owned(),
                Err(_) => String::from_utf8_lossy(h.value).trim().to_owned(),
            };
            (h.name.to_ascii_lowercase(), value)
        })
        .collect();
    Ok(Some((
        head_len,
        RawRequest {
            method: method.to_owned(),
            target: target.to_owned(),
            headers,
            body: Vec::new(),
        },
    )))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    // First byte first: a slice comparison per window is a `memcmp` call per byte.
    hay.windows(needle.len())
        .position(|w| w[0] == needle[0] && w == needle)
}

/// The response head for `status` with the given headers and body length.
pub(crate) fn response_head(status: u16, headers: &[(String, String)], body_len: usize) -> Vec<u8> {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    let mut head = format!("HTTP/1.1 {status} {reason}\r\ncontent-length: {body_len}\r\n");
    for (n, v) in headers {
        head.push_str(n);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// A top-level field of a form-encoded or JSON body.
pub(crate) fn body_field(body: &[u8], name: &str) -> Option<String> {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) {
        return map.get(name).map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (decode_form(k) == name).then(|| decode_form(v))
    })
}

fn decode_form(s: &str) -> String {
    let plus_decoded = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_decoded)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn parses_keep_alive_requests_with_both_body_framings() {
        let wire = b"POST /v1/x?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nIdempotency-Key: k\r\n\r\nabc\
GET /v1/y HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n";
        let mut stream = &wire[..];
        let mut buf = Vec::new();
        let a = read_request(&mut stream, &mut buf)
            .await
            .expect("io")
            .expect("request");
        assert_eq!(
            (a.method.as_str(), a.target.as_str()),
            ("POST", "/v1/x?a=1")
        );
        assert_eq!(a.header("idempotency-key"), Some("k"));
        assert_eq!(a.body, b"abc");
        let b = read_request(&mut stream, &mut buf)
            .await
            .expect("io")
            .expect("request");
        assert_eq!(b.body, b"hi");
        assert!(
            read_request(&mut stream, &mut buf)
                .await
                .expect("io")
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_malformed_head_is_an_error_not_a_panic() {
        for wire in [
            &b"NOT HTTP\r\n\r\n"[..],
            b"GET /x HTTP/1.1\r\nno colon here\r\n\r\n",
            b"GET /x HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
            b"GET /x HTTP/1.1\r\nHost: h\r\n",
        ] {
            let mut stream = wire;
            let mut buf = Vec::new();
            let err = read_request(&mut stream, &mut buf)
                .await
                .expect_err("malformed head");
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{wire:?}: {err}");
        }
    }

    #[tokio::test]
    async fn header_names_are_lowercased_and_values_trimmed() {
        let wire =
            b"GET /x HTTP/1.1\r\nX-Correlation-Id:   abc  \r\nTraceParent: 00-1-2-01\r\n\r\n";
        let mut stream = &wire[..];
        let mut buf = Vec::new();
        let req = read_request(&mut stream, &mut buf)
            .await
            .expect("io")
            .expect("request");
        assert_eq!(req.header("x-correlation-id"), Some("abc"));
        assert_eq!(req.header("traceparent"), Some("00-1-2-01"));
    }

    #[test]
    fn body_fields_from_form_and_json() {
        assert_eq!(
            body_field(b"a=1&idempotency_key=k+1%2F2", "idempotency_key").as_deref(),
            Some("k 1/2")
        );
        assert_eq!(
            body_field(br#"{"idempotency_key":"k"}"#, "idempotency_key").as_deref(),
            Some("k")
        );
        assert_eq!(body_field(b"a=1", "b"), None);
    }
}
