//! Reading the vendor's rate-limit headers, every family seen in the wild.
//!
//! (Skeleton: the full parser replaces this; the public API below is fixed.)

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// How a vendor's `X-RateLimit-Reset` counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResetStyle {
    /// Epoch seconds when the value is past 2001 (GitHub), else a delta (most others).
    #[default]
    Auto,
    /// Seconds since the Unix epoch.
    EpochSeconds,
    /// Seconds from now.
    DeltaSeconds,
}

/// What one response's headers say about the vendor's limits. Every field is optional:
/// vendors send some, none or all of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateLimitInfo {
    /// Requests allowed in the window.
    pub limit: Option<u64>,
    /// Requests left in the window.
    pub remaining: Option<u64>,
    /// Requests used in the window (GitHub's `x-ratelimit-used`).
    pub used: Option<u64>,
    /// Time until the window resets.
    pub reset: Option<Duration>,
    /// The window's length (`RateLimit-Policy: 100;w=60`).
    pub window: Option<Duration>,
    /// `Retry-After`, as a wait from now.
    pub retry_after: Option<Duration>,
    /// Which limit this is (GitHub's `x-ratelimit-resource`: core, search, ...).
    pub resource: Option<String>,
}

impl RateLimitInfo {
    /// Parses every rate-limit header family in `headers`. Malformed values are
    /// ignored (and logged), never an error.
    pub fn parse(headers: &HeaderMap, now: SystemTime, style: ResetStyle) -> Self {
        let _ = style;
        let remaining = crate::retry::retry_after::rate_limit_exhausted(headers).then_some(0);
        Self {
            remaining,
            retry_after: headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| crate::retry::retry_after::parse_retry_after(v, now)),
            reset: remaining.and_then(|_| crate::retry::retry_after::from_headers(headers, now)),
            ..Self::default()
        }
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether the window is used up (`remaining` is zero).
    pub fn exhausted(&self) -> bool {
        self.remaining == Some(0)
    }

    /// How long the vendor asked us to wait: `Retry-After`, else the reset of an
    /// exhausted window.
    pub fn wait(&self) -> Option<Duration> {
        self.retry_after
            .or_else(|| self.exhausted().then_some(self.reset).flatten())
    }
}
