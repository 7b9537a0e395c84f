//! What the mock vendor answers, faults included.

use std::time::Duration;

/// How a reply misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// A well-formed response.
    None,
    /// Close the connection with a TCP reset instead of answering.
    Reset,
    /// Send the head and half the body, then reset.
    Truncated,
}

/// One scripted answer of the mock vendor.
#[derive(Debug, Clone)]
pub struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) delay: Duration,
    pub(crate) fault: Fault,
}

impl Reply {
    /// A JSON response.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            delay: Duration::ZERO,
            fault: Fault::None,
        }
    }

    /// A plain-text response.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            body: body.into().into_bytes(),
            delay: Duration::ZERO,
            fault: Fault::None,
        }
    }

    /// A response whose body claims to be JSON but is not (cut mid-object).
    pub fn malformed(status: u16) -> Self {
        Self {
            body: br#"{"id": "pi_malformed", "amount": 10"#.to_vec(),
            ..Self::json(status, serde_json::Value::Null)
        }
    }

    /// The connection is reset before any byte of a response is sent. Nothing is
    /// applied: the vendor failed before doing the work.
    pub fn reset() -> Self {
        Self {
            fault: Fault::Reset,
            ..Self::text(502, "")
        }
    }

    /// The full head and half the body of `body` are sent, then the connection is
    /// reset. A 2xx status is applied to the ledger first: the vendor did the work and
    /// the answer was lost, the case idempotency keys exist for.
    pub fn truncated(status: u16, body: serde_json::Value) -> Self {
        Self {
            fault: Fault::Truncated,
            ..Self::json(status, body)
        }
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .push((name.into().to_ascii_lowercase(), value.into()));
        self
    }

    /// Waits this long before answering (after applying any side effect), to make
    /// clients time out on calls the vendor did perform.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The status this reply sends.
    pub fn status(&self) -> u16 {
        self.status
    }

    pub(crate) fn applies_effect(&self, method: &str) -> bool {
        (200..300).contains(&self.status)
            && self.fault != Fault::Reset
            && !matches!(method, "GET" | "HEAD" | "OPTIONS")
    }
}
