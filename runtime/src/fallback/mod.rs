//! Graceful degradation: what a read answers when the vendor cannot.
//!
//! Chosen per operation ([`crate::Policy::fallback`]):
//!
//! * [`Fallback::Cache`]: every successful response is kept. Within `ttl` it is served
//!   without calling the vendor (like `Cache-Control: max-age`), which spends no rate
//!   or quota; for `stale_if_error` after that it is served only when the call fails,
//!   marked [`Degraded`].
//! * [`Fallback::Static`]: a fixed vendor-shaped body, decoded like a real answer and
//!   marked [`Degraded`].
//! * A fallback the caller provides is the generated adapter's business (it is a
//!   domain value); [`crate::Pipeline::record_degraded`] counts it like the others.
//!
//! A call degrades only when the vendor is the problem: rate limited, timed out,
//! unreachable, breaker open, or a 5xx. Auth, configuration, contract and 4xx errors
//! are ours to fix and always surface.

use std::time::{Duration, SystemTime};

use bytes::Bytes;

use crate::error::{Error, ErrorKind};
use crate::response::Response;

/// `portcullis_degraded_total`: calls answered by a fallback: `vendor`, `operation`,
/// `source` (`cache`, `static`, `caller`).
pub const DEGRADED_TOTAL: &str = "portcullis_degraded_total";

/// `portcullis_cache_hits_total`: reads answered from a fresh cache entry without
/// asking the vendor: `vendor`, `operation`.
pub const CACHE_HITS_TOTAL: &str = "portcullis_cache_hits_total";

/// What an operation answers with when the vendor cannot.
#[derive(Debug, Clone, PartialEq)]
pub enum Fallback {
    /// The last good response.
    Cache {
        /// How long a response is served without asking the vendor.
        ttl: Duration,
        /// How long after that it may still stand in for a failed call.
        stale_if_error: Duration,
    },
    /// A fixed response, as the vendor would send it.
    Static {
        /// Its HTTP status.
        status: u16,
        /// Its JSON body.
        body: Bytes,
    },
}

/// Where a degraded answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DegradedSource {
    /// The fallback cache (the last good response).
    Cache,
    /// The mapping's static default.
    Static,
    /// A function the application registered.
    Caller,
}

impl DegradedSource {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            DegradedSource::Cache => "cache",
            DegradedSource::Static => "static",
            DegradedSource::Caller => "caller",
        }
    }
}

/// Marks an answer that did not come from the vendor just now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Degraded {
    /// Where it came from.
    pub source: DegradedSource,
    /// How old the data is (for cached answers).
    pub age: Option<Duration>,
    /// The class of the failure it stands in for.
    pub kind: ErrorKind,
    /// The failure, as its message.
    pub reason: String,
}

impl Degraded {
    /// A degradation standing in for `error`.
    pub fn new(source: DegradedSource, age: Option<Duration>, error: &Error) -> Self {
        Self {
            source,
            age,
            kind: error.kind(),
            reason: error.to_string(),
        }
    }

    /// Whether `error` may be answered by a fallback: the vendor is the problem (rate
    /// limited, timed out, unreachable, breaker open, 5xx), not us.
    pub fn applies_to(error: &Error) -> bool {
        match error {
            Error::Vendor { status, .. } => *status >= 500,
            e => matches!(
                e.kind(),
                ErrorKind::RateLimited
                    | ErrorKind::Timeout
                    | ErrorKind::Unavailable
                    | ErrorKind::Transport
            ),
        }
    }
}

/// Whether a call's result may be replaced by a fallback (the vendor is the
/// problem), and if so the failure's class and message.
pub(crate) fn degradable(
    operation: &str,
    result: &Result<Response, Error>,
) -> Option<(ErrorKind, String)> {
    match result {
        Ok(resp) if resp.status() == 429 || resp.status() >= 500 => {
            let e = Error::from_vendor_response(operation, resp, None, None);
            Some((e.kind(), e.to_string()))
        }
        Ok(_) => None,
        Err(e) => Degraded::applies_to(e).then(|| (e.kind(), e.to_string())),
    }
}

/// Age of a response stored at `stored_at`, zero if the clock went back.
pub(crate) fn age(stored_at: SystemTime) -> Duration {
    SystemTime::now()
        .duration_since(stored_at)
        .unwrap_or(Duration::ZERO)
}
