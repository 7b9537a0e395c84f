//! The marker on an answer a fallback gave, and which failures may be answered so.

use std::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::response::Response;

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
pub(super) fn degradable(
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
