//! What is retried, how many times, and the safe-to-retry rule.

use std::time::Duration;

use http::Method;

/// Retry settings for one operation.
///
/// Defaults: 3 attempts, 100 ms base, 5 s cap, retry on 408, 429, 502, 503, 504 and on
/// connection failures, honour `Retry-After` up to 30 s. See docs/runtime.md for why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first; 1 disables retries.
    pub attempts: u32,
    /// The first backoff ceiling; it doubles on each retry.
    pub base: Duration,
    /// The largest backoff ceiling.
    pub cap: Duration,
    /// Response statuses that are retried (when the call is safe to retry).
    pub retry_on: Vec<u16>,
    /// The longest `Retry-After` that is waited for; a longer one ends the call at once
    /// with the vendor's answer, since sleeping that long inside a request is never
    /// what the caller wants.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(5),
            retry_on: vec![408, 429, 502, 503, 504],
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            attempts: 1,
            ..Self::default()
        }
    }
}

/// Why an attempt did not produce a final answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptFailure {
    /// The request provably never left this machine (connection refused, DNS).
    NotSent,
    /// The vendor answered with a status in `retry_on`.
    Status(u16),
    /// The attempt timed out after the request may have been sent.
    Timeout,
    /// The connection broke after the request may have been sent (reset, truncation).
    Broken,
}

/// The safe-to-retry rule of design.md.
///
/// A call may be repeated when its method is idempotent (GET, HEAD, OPTIONS, PUT,
/// DELETE, TRACE) or it carries an idempotency key. Anything else (a POST or PATCH
/// without a key) is retried only when the request never left the machine: even a 503
/// is not proof that nothing was applied.
pub fn is_safe_to_retry(method: &Method, keyed: bool, failure: AttemptFailure) -> bool {
    if failure == AttemptFailure::NotSent || keyed {
        return true;
    }
    method.is_idempotent()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_to_retry_table() {
        use AttemptFailure::*;
        let cases = [
            (Method::GET, false, Timeout, true),
            (Method::PUT, false, Status(503), true),
            (Method::DELETE, false, Broken, true),
            (Method::POST, false, NotSent, true),
            (Method::POST, false, Status(503), false),
            (Method::POST, false, Timeout, false),
            (Method::PATCH, false, Broken, false),
            (Method::POST, true, Timeout, true),
            (Method::PATCH, true, Status(429), true),
        ];
        for (method, keyed, failure, want) in cases {
            assert_eq!(
                is_safe_to_retry(&method, keyed, failure),
                want,
                "{method} keyed={keyed} {failure:?}"
            );
        }
    }
}
