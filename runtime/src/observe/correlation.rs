//! Correlation ids: taken from the caller's context or generated, sent to the vendor.

use std::fmt;
use std::future::Future;

use http::HeaderValue;
use sha2::{Digest, Sha256};

tokio::task_local! {
    static CURRENT: CorrelationId;
}

/// The id that ties one piece of work (an incoming request, a job) to every vendor
/// call it makes: it is a field of each call's span and log line, it is sent to the
/// vendor in the correlation header (default `X-Correlation-Id`), and its trace id is
/// the trace id of the W3C `traceparent` header.
///
/// Set it once per unit of work with [`CorrelationId::scope`]; calls made outside any
/// scope get a fresh one each.
///
/// ```
/// use portcullis_runtime::CorrelationId;
///
/// # async fn demo() {
/// // From the incoming request's header, or a fresh one when it is absent or unusable.
/// let id = CorrelationId::parse("order-42-checkout").unwrap_or_else(CorrelationId::generate);
/// id.clone()
///     .scope(async {
///         assert_eq!(CorrelationId::current().map(|c| c.to_string()), Some(id.to_string()));
///         // every pipeline.send(..) in here carries `order-42-checkout`
///     })
///     .await;
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CorrelationId {
    /// Kept as the header value it is sent as: cloning it is a reference count, so the
    /// id costs no allocation per attempt.
    header: HeaderValue,
    /// Big-endian bytes rather than a `u128`, whose 16-byte alignment would pad every
    /// response that carries the id.
    trace_id: [u8; 16],
}

impl CorrelationId {
    /// A random id: its text is its 32-hex-digit trace id.
    pub fn generate() -> Self {
        Self::generate_with_traceparent().0
    }

    /// A random id and the `traceparent` of its call's first attempt, made as one
    /// buffer: the id is a slice of the `traceparent` text (its trace id), so a call
    /// made outside any scope allocates once for both headers.
    pub(crate) fn generate_with_traceparent() -> (Self, HeaderValue) {
        let trace_id = loop {
            // All-zero is the one trace id W3C forbids.
            let t: u128 = rand::random();
            if t != 0 {
                break t;
            }
        };
        let text = bytes::Bytes::from_owner(traceparent_text(trace_id));
        let id = CorrelationId {
            header: shared_value(text.slice(3..35)),
            trace_id: trace_id.to_be_bytes(),
        };
        (id, shared_value(text))
    }

    /// An id the caller already has (an incoming `X-Correlation-Id`, a job id).
    ///
    /// `None` when it is empty, longer than 128 bytes, or not visible ASCII: such a
    /// value cannot travel in a header unchanged, and a changed id correlates nothing.
    /// A UUID or 32 hex digits become the trace id as they are; any other text is
    /// hashed into one, so the same id always gives the same trace.
    pub fn parse(value: &str) -> Option<Self> {
        if value.is_empty() || value.len() > 128 || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let header = HeaderValue::from_str(value).ok()?;
        let hex: String = value.chars().filter(|c| *c != '-').collect();
        let trace_id = match u128::from_str_radix(&hex, 16) {
            Ok(t) if hex.len() == 32 && t != 0 => t,
            _ => {
                let digest = Sha256::digest(value.as_bytes());
                let mut first = [0u8; 16];
                first.copy_from_slice(&digest[..16]);
                u128::from_be_bytes(first).max(1)
            }
        };
        Some(CorrelationId {
            header,
            trace_id: trace_id.to_be_bytes(),
        })
    }

    /// The trace of an incoming W3C `traceparent` header
    /// (`00-<trace id>-<parent id>-<flags>`), so vendor calls join the caller's trace.
    pub fn from_traceparent(value: &str) -> Option<Self> {
        let mut parts = value.split('-');
        let (version, trace, parent) = (parts.next()?, parts.next()?, parts.next()?);
        if version.len() != 2 || trace.len() != 32 || parent.len() != 16 {
            return None;
        }
        let trace_id = u128::from_str_radix(trace, 16).ok().filter(|t| *t != 0)?;
        Some(CorrelationId {
            header: HeaderValue::from_str(&trace.to_ascii_lowercase()).ok()?,
            trace_id: trace_id.to_be_bytes(),
        })
    }

    /// The id of the current [`CorrelationId::scope`], if any.
    pub fn current() -> Option<Self> {
        CURRENT.try_with(Clone::clone).ok()
    }

    /// The current scope's id, or a fresh one.
    pub fn current_or_generate() -> Self {
        Self::current().unwrap_or_else(Self::generate)
    }

    /// Runs `work` with this id as the current one; vendor calls made inside it (on
    /// this task) carry it.
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        CURRENT.scope(self, work).await
    }

    /// The trace id sent in `traceparent`.
    pub fn trace_id(&self) -> u128 {
        u128::from_be_bytes(self.trace_id)
    }

    /// The id as sent in the correlation header.
    pub fn as_str(&self) -> &str {
        // Only visible ASCII gets in (checked in `parse`, hex in `generate`).
        self.header.to_str().unwrap_or_default()
    }

    pub(crate) fn header_value(&self) -> HeaderValue {
        self.header.clone()
    }

    /// `traceparent` for one attempt: our trace, a fresh parent id per attempt (each
    /// attempt is its own client span), flagged sampled since the call is logged.
    pub(crate) fn traceparent(&self) -> HeaderValue {
        shared_value(bytes::Bytes::from_owner(traceparent_text(self.trace_id())))
    }
}

/// `00-<trace id>-<fresh parent id>-01`: a fresh parent id per attempt (each attempt is
/// its own client span), flagged sampled since the call is logged. Hex by hand into a
/// stack buffer: `format!` cost more than the rest of the id together, and this runs
/// on every attempt.
fn traceparent_text(trace_id: u128) -> [u8; 55] {
    let span_id = loop {
        let s: u64 = rand::random();
        if s != 0 {
            break s;
        }
    };
    let mut buf = [0u8; 55];
    write_hex(&mut buf[3..35], &trace_id.to_be_bytes());
    write_hex(&mut buf[36..52], &span_id.to_be_bytes());
    buf[..3].copy_from_slice(b"00-");
    buf[35] = b'-';
    buf[52..].copy_from_slice(b"-01");
    buf
}

/// A header value whose bytes are reference-counted from the start: reqwest clones
/// each request's headers twice (for redirects), and a value copied from a slice would
/// be moved to a shared allocation on its first clone, a second allocation per value.
fn shared_value(text: bytes::Bytes) -> HeaderValue {
    HeaderValue::from_maybe_shared(text).unwrap_or_else(|_| HeaderValue::from_static("0"))
}

/// Lowercase hex of `bytes` into `out` (twice as long). Out of line and a plain loop:
/// unrolled for a fixed length it was a kilobyte of code that every call ran through.
#[inline(never)]
fn write_hex(out: &mut [u8], bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0xf)];
    }
}

impl fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CorrelationId")
            .field(&self.as_str())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_their_trace_id() {
        let id = CorrelationId::generate();
        assert_eq!(id.as_str(), format!("{:032x}", id.trace_id()));
        let tp = id.traceparent();
        let tp = tp.to_str().expect("ascii");
        assert_eq!(tp.len(), 55);
        assert!(tp.starts_with(&format!("00-{}-", id.as_str())), "{tp}");
        assert!(tp.ends_with("-01"), "{tp}");
        assert_ne!(&tp[36..52], "0000000000000000");
    }

    #[test]
    fn a_generated_id_comes_with_its_first_traceparent() {
        let (id, first) = CorrelationId::generate_with_traceparent();
        let first = first.to_str().expect("ascii");
        assert_eq!(first.len(), 55);
        assert_eq!(&first[3..35], id.as_str(), "the id is the trace id");
        assert_eq!(id.as_str(), format!("{:032x}", id.trace_id()));
        let again = id.traceparent();
        let again = again.to_str().expect("ascii");
        assert_eq!(&again[..36], &first[..36], "the same trace");
        assert_ne!(
            &again[36..52],
            &first[36..52],
            "a fresh parent id per attempt"
        );
    }

    #[test]
    fn parse_keeps_uuids_and_hashes_other_text() {
        let uuid = CorrelationId::parse("4bf92f35-77b3-4da6-a3ce-929d0e0e4736").expect("uuid");
        assert_eq!(uuid.trace_id(), 0x4bf92f3577b34da6a3ce929d0e0e4736);
        assert_eq!(uuid.as_str(), "4bf92f35-77b3-4da6-a3ce-929d0e0e4736");
        let a = CorrelationId::parse("order-42").expect("text");
        let b = CorrelationId::parse("order-42").expect("text");
        assert_eq!(a.trace_id(), b.trace_id());
        assert_eq!(CorrelationId::parse(""), None);
        assert_eq!(CorrelationId::parse("has space"), None);
        assert_eq!(CorrelationId::parse("line\nbreak"), None);
        assert_eq!(CorrelationId::parse(&"x".repeat(129)), None);
    }

    #[test]
    fn joins_an_incoming_trace() {
        let id = CorrelationId::from_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .expect("valid");
        assert_eq!(id.trace_id(), 0x4bf92f3577b34da6a3ce929d0e0e4736);
        assert!(CorrelationId::from_traceparent("00-0000-00f067aa0ba902b7-01").is_none());
    }

    #[tokio::test]
    async fn scope_sets_the_current_id() {
        assert!(CorrelationId::current().is_none());
        let id = CorrelationId::parse("job-7").expect("valid");
        let seen = id.clone().scope(async { CorrelationId::current() }).await;
        assert_eq!(seen, Some(id));
    }
}
