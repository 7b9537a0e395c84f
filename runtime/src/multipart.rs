//! `multipart/form-data` bodies (RFC 7578): text fields and files, for the uploads
//! 239 operations of the public spec corpus take.
//!
//! A [`Multipart`] is encoded once, when [`crate::Request::multipart`] is called:
//! part heads are written then, and the parts' bytes are kept as they are
//! ([`bytes::Bytes`] shares them, nothing is copied). Each attempt streams the same
//! segments to the wire, one frame per segment, with an exact `Content-Length`, so a
//! retry resends exactly the bytes of the first attempt, boundary included.
//!
//! Every part is in memory, so every body can be replayed and retries follow the
//! usual rule. A part read from a stream (which could not be replayed) is not
//! supported: domain values are bytes already.
//!
//! ```
//! use portcullis_runtime::multipart::{Multipart, Part};
//! use portcullis_runtime::{Method, Request};
//!
//! # fn main() -> Result<(), portcullis_runtime::Error> {
//! let pdf: Vec<u8> = b"%PDF-1.7 ...".to_vec();
//! let form = Multipart::new()
//!     .text("purpose", "dispute_evidence")
//!     .file("file", "receipt.pdf", "application/pdf", pdf);
//! let req = Request::new("upload_evidence", Method::POST, "/v1/files").multipart(form)?;
//! # let _ = req; Ok(()) }
//! ```

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{BufMut, Bytes, BytesMut};
use http::HeaderValue;
use http_body::{Frame, SizeHint};

use crate::error::Error;

/// A `multipart/form-data` body under construction: parts in order, and a boundary.
#[derive(Clone)]
pub struct Multipart {
    boundary: String,
    /// Whether the boundary was drawn here (and may be drawn again if a part
    /// happens to contain it) rather than given.
    drawn: bool,
    parts: Vec<Part>,
}

/// One part: a form field name, an optional file name and content type, and its bytes.
#[derive(Clone)]
pub struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    body: Bytes,
}

impl Part {
    /// A text field (sent without a content type, which RFC 7578 reads as
    /// `text/plain`).
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            file_name: None,
            content_type: None,
            body: Bytes::from(value.into()),
        }
    }

    /// A field holding bytes (`Vec<u8>`, [`Bytes`], a `String`): shared, not copied.
    pub fn bytes(name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            name: name.into(),
            file_name: None,
            content_type: None,
            body: bytes.into(),
        }
    }

    /// The file name the vendor sees (`filename=` in the part's head).
    pub fn file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// The part's content type (`image/png`). A file part without one is sent as
    /// `application/octet-stream`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl Multipart {
    /// An empty form with a random boundary (`portcullis-` and 32 hex digits).
    pub fn new() -> Self {
        Self {
            boundary: random_boundary(),
            drawn: true,
            parts: Vec::new(),
        }
    }

    /// Uses this boundary instead of a random one (cassettes, byte-exact tests): 1
    /// to 70 characters of RFC 2046's set (letters, digits and `'()+_,-./:=?`).
    pub fn with_boundary(mut self, boundary: impl Into<String>) -> Self {
        self.boundary = boundary.into();
        self.drawn = false;
        self
    }

    /// The boundary between parts.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// Adds a text field.
    pub fn text(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.part(Part::text(name, value))
    }

    /// Adds a file: its field name, file name, content type and bytes.
    pub fn file(
        self,
        name: impl Into<String>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Bytes>,
    ) -> Self {
        self.part(
            Part::bytes(name, bytes)
                .file_name(file_name)
                .content_type(content_type),
        )
    }

    /// Adds a part.
    pub fn part(mut self, part: Part) -> Self {
        self.parts.push(part);
        self
    }

    /// The body's segments, checked: part heads written, names escaped, the boundary
    /// absent from every part (a random one is drawn again if a part holds it).
    pub(crate) fn encode(mut self, operation: &str) -> Result<Encoded, Error> {
        let bad = |what: String| Error::config(format!("{operation}: multipart body: {what}"));
        check_boundary(&self.boundary).map_err(bad)?;
        for part in &self.parts {
            if part.name.is_empty() {
                return Err(bad("a part has an empty name".to_owned()));
            }
            if let Some(ct) = &part.content_type {
                let valid = HeaderValue::from_str(ct).is_ok()
                    && ct
                        .split_once('/')
                        .is_some_and(|(t, s)| !t.is_empty() && !s.is_empty());
                if !valid {
                    return Err(bad(format!(
                        "part {:?} has an invalid content type {ct:?}",
                        part.name
                    )));
                }
            }
        }
        // A random boundary collides with a part by chance only (2^-128); a given
        // one may, and then there is no telling where the part ends.
        for _ in 0..3 {
            let delimiter = format!("--{}", self.boundary);
            let Some(part) = self
                .parts
                .iter()
                .find(|p| contains(&p.body, delimiter.as_bytes()))
            else {
                return Ok(self.segments());
            };
            if !self.drawn {
                return Err(bad(format!(
                    "part {:?} contains the boundary {:?}",
                    part.name, self.boundary
                )));
            }
            self.boundary = random_boundary();
        }
        Err(bad(
            "no boundary absent from every part could be drawn".to_owned()
        ))
    }

    fn segments(self) -> Encoded {
        let mut segments = Vec::with_capacity(self.parts.len() * 2 + 1);
        let mut head = BytesMut::new();
        for (i, part) in self.parts.into_iter().enumerate() {
            if i > 0 {
                head.put_slice(b"\r\n");
            }
            head.put_slice(b"--");
            head.put_slice(self.boundary.as_bytes());
            head.put_slice(b"\r\nContent-Disposition: form-data; name=\"");
            head.put_slice(escape(&part.name).as_bytes());
            head.put_slice(b"\"");
            if let Some(file_name) = &part.file_name {
                head.put_slice(b"; filename=\"");
                head.put_slice(escape(file_name).as_bytes());
                head.put_slice(b"\"");
            }
            head.put_slice(b"\r\n");
            let content_type = match (&part.content_type, &part.file_name) {
                (Some(ct), _) => Some(ct.as_str()),
                (None, Some(_)) => Some("application/octet-stream"),
                (None, None) => None,
            };
            if let Some(ct) = content_type {
                head.put_slice(b"Content-Type: ");
                head.put_slice(ct.as_bytes());
                head.put_slice(b"\r\n");
            }
            head.put_slice(b"\r\n");
            segments.push(head.split().freeze());
            if !part.body.is_empty() {
                segments.push(part.body);
            }
        }
        if !segments.is_empty() {
            head.put_slice(b"\r\n");
        }
        head.put_slice(b"--");
        head.put_slice(self.boundary.as_bytes());
        head.put_slice(b"--\r\n");
        segments.push(head.freeze());
        let len = segments.iter().map(|s| s.len() as u64).sum();
        let content_type = format!("multipart/form-data; boundary={}", self.boundary);
        Encoded {
            // Checked: the boundary is visible ASCII.
            content_type: HeaderValue::from_str(&content_type)
                .unwrap_or_else(|_| HeaderValue::from_static("multipart/form-data")),
            segments: segments.into(),
            len,
        }
    }
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Multipart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Part contents may be personal data: names and sizes only.
        f.debug_struct("Multipart")
            .field("boundary", &self.boundary)
            .field(
                "parts",
                &self
                    .parts
                    .iter()
                    .map(|p| (&p.name, p.body.len()))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// An encoded body: what each attempt streams.
#[derive(Debug)]
pub(crate) struct Encoded {
    pub(crate) content_type: HeaderValue,
    segments: Arc<[Bytes]>,
    len: u64,
}

impl Encoded {
    /// A fresh stream over the same segments (reference-counted, not copied).
    pub(crate) fn body(&self) -> reqwest::Body {
        reqwest::Body::wrap(Segments {
            segments: self.segments.clone(),
            next: 0,
            remaining: self.len,
        })
    }

    /// The body's length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The whole body, copied (tests).
    #[cfg(test)]
    pub(crate) fn to_vec(&self) -> Vec<u8> {
        self.segments
            .iter()
            .flat_map(|s| s.iter().copied())
            .collect()
    }
}

/// The body of one attempt: each segment one frame, with an exact length so the
/// request carries `Content-Length` rather than chunked encoding.
struct Segments {
    segments: Arc<[Bytes]>,
    next: usize,
    remaining: u64,
}

impl http_body::Body for Segments {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let Some(segment) = this.segments.get(this.next) else {
            return Poll::Ready(None);
        };
        this.next += 1;
        this.remaining -= segment.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(segment.clone()))))
    }

    fn is_end_stream(&self) -> bool {
        self.next >= self.segments.len()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

fn random_boundary() -> String {
    format!("portcullis-{:032x}", rand::random::<u128>())
}

fn check_boundary(boundary: &str) -> Result<(), String> {
    let bchar = |b: u8| b.is_ascii_alphanumeric() || b"'()+_,-./:=?".contains(&b);
    if (1..=70).contains(&boundary.len()) && boundary.bytes().all(bchar) {
        Ok(())
    } else {
        Err(format!(
            "boundary {boundary:?} must be 1 to 70 characters of letters, digits and '()+_,-./:=?"
        ))
    }
}

/// A name or file name inside a quoted head parameter, escaped as browsers do
/// (WHATWG HTML, multipart/form-data encoding): `"`, CR and LF percent-encoded,
/// everything else as UTF-8.
fn escape(value: &str) -> String {
    value
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exact_bytes() {
        let form = Multipart::new()
            .with_boundary("XyZ")
            .text("purpose", "dispute_evidence")
            .file("file", "re\"ceipt.pdf", "application/pdf", b"%PDF".to_vec())
            .part(Part::bytes("blob", Bytes::from_static(b"\x00\x01")).file_name("a.bin"))
            .part(Part::text("empty", ""));
        let encoded = form.encode("op").expect("valid");
        let want = "--XyZ\r\n\
            Content-Disposition: form-data; name=\"purpose\"\r\n\r\n\
            dispute_evidence\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"file\"; filename=\"re%22ceipt.pdf\"\r\n\
            Content-Type: application/pdf\r\n\r\n\
            %PDF\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"blob\"; filename=\"a.bin\"\r\n\
            Content-Type: application/octet-stream\r\n\r\n\
            \x00\x01\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"empty\"\r\n\r\n\
            \r\n\
            --XyZ--\r\n";
        assert_eq!(String::from_utf8_lossy(&encoded.to_vec()), want);
        assert_eq!(encoded.len(), want.len() as u64);
        assert_eq!(
            encoded.content_type.to_str().expect("ascii"),
            "multipart/form-data; boundary=XyZ"
        );
    }

    #[test]
    fn an_empty_form_is_just_the_close_delimiter() {
        let encoded = Multipart::new()
            .with_boundary("b")
            .encode("op")
            .expect("valid");
        assert_eq!(encoded.to_vec(), b"--b--\r\n");
    }

    #[test]
    fn names_cannot_break_the_head() {
        let encoded = Multipart::new()
            .with_boundary("b")
            .text("a\r\nContent-Type: evil", "x")
            .encode("op")
            .expect("valid");
        let text = String::from_utf8(encoded.to_vec()).expect("utf8");
        assert!(
            text.contains("name=\"a%0D%0AContent-Type: evil\""),
            "{text}"
        );
    }

    #[test]
    fn bad_forms_are_config_errors() {
        let bad = |form: Multipart| form.encode("upload").expect_err("invalid");
        assert!(
            bad(Multipart::new().with_boundary(""))
                .to_string()
                .contains("boundary")
        );
        assert!(
            bad(Multipart::new().with_boundary("a b"))
                .to_string()
                .contains("boundary")
        );
        assert!(
            bad(Multipart::new().text("", "x"))
                .to_string()
                .contains("empty name")
        );
        let err = bad(Multipart::new().file("f", "a", "pdf", b"x".to_vec()));
        assert!(
            err.to_string().contains("invalid content type \"pdf\""),
            "{err}"
        );
        let err = bad(Multipart::new()
            .with_boundary("fixed")
            .text("t", "before\r\n--fixed\r\nafter"));
        assert!(
            err.to_string()
                .starts_with("configuration error: upload: multipart body"),
            "{err}"
        );
    }

    #[test]
    fn a_random_boundary_that_collides_is_drawn_again() {
        let form = Multipart::new();
        let first = form.boundary().to_owned();
        let encoded = form
            .text("t", format!("--{first}"))
            .encode("op")
            .expect("redrawn");
        let ct = encoded.content_type.to_str().expect("ascii").to_owned();
        assert!(!ct.ends_with(&first), "{ct}");
    }

    #[test]
    fn file_contents_are_shared_not_copied() {
        let data = Bytes::from(vec![7u8; 1 << 20]);
        let encoded = Multipart::new()
            .file("f", "big.bin", "application/octet-stream", data.clone())
            .encode("op")
            .expect("valid");
        let shared = encoded
            .segments
            .iter()
            .any(|s| s.as_ptr() == data.as_ptr() && s.len() == data.len());
        assert!(shared, "the part's bytes are one segment, not a copy");
    }
}
