//! Staying under the vendor's limits: a client-side rate limiter and quota tracking.
//!
//! * [`RateLimit`]: the documented rate of a bucket (the adapter's, or a named one
//!   some operations use). Calls reserve a slot (GCRA, `gcra.rs`) before each attempt
//!   and wait for it only as long as their budget allows; a critical operation skips
//!   the lane that keeps `reserve` of the rate free for it. What the vendor's headers
//!   say ([`headers`]) adjusts it: `Remaining: 0` pauses the bucket until the reset, a
//!   429 pauses it for `Retry-After` and halves the rate for a while.
//! * [`QuotaPolicy`]: usage per fixed window (a day, a month). Crossing a `warn_at`
//!   share raises a [`QuotaEvent`] (a metric, a log line and the application's
//!   callback); an exhausted quota refuses calls at once, critical ones last.
//!
//! Both keep their state in a [`crate::shared`] store: in process, or in Redis for
//! replicas that share one vendor account.

use std::time::Duration;

pub(crate) mod gcra;
pub mod headers;
mod limiter;
mod quota;

pub use quota::QUOTA_WARNINGS_TOTAL;

pub use headers::{RateLimitInfo, ResetStyle};
pub(crate) use limiter::{ADAPTER_BUCKET, Bucket, Limiter, Slot, pause_only_rate};
pub use limiter::{
    BUCKET_WIDE_WAIT, DEFAULT_MAX_VENDOR_PAUSE, RATELIMIT_LONG_PAUSE_TOTAL,
    RATELIMIT_REFUSED_TOTAL, RATELIMIT_WAIT_SECONDS,
};
pub(crate) use quota::QuotaTracker;

/// A documented request rate: `requests` per `per`.
///
/// ```
/// use std::time::Duration;
/// use portcullis_runtime::RateLimit;
///
/// // 100 a second, a fifth of it kept for critical operations.
/// let rate = RateLimit::new(100, Duration::from_secs(1)).reserve(0.2);
/// assert_eq!(rate.interval(), Duration::from_millis(10));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimit {
    /// Requests per window.
    pub requests: u64,
    /// The window.
    pub per: Duration,
    /// Share of the rate only critical operations may use (0 to 0.9; default 0).
    pub reserve: f64,
    /// Requests that may go back to back after a quiet period (default 1: evenly
    /// spaced, which no vendor's limiter objects to).
    pub burst: u32,
    /// Longest a call waits for a slot, whatever its budget (default: its budget).
    pub max_wait: Option<Duration>,
    /// Most calls of this process waiting for a slot at once (default 1,000); more are
    /// refused at once.
    pub max_queued: usize,
    /// How the vendor's `X-RateLimit-Reset` counts.
    pub reset: ResetStyle,
}

impl RateLimit {
    /// `requests` per `per`, evenly spaced, no reserve.
    pub fn new(requests: u64, per: Duration) -> Self {
        Self {
            requests,
            per,
            reserve: 0.0,
            burst: 1,
            max_wait: None,
            max_queued: 1000,
            reset: ResetStyle::Auto,
        }
    }

    /// Keeps `share` of the rate for critical operations.
    pub fn reserve(mut self, share: f64) -> Self {
        self.reserve = share;
        self
    }

    /// Allows `burst` requests back to back.
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst;
        self
    }

    /// Time between two requests at this rate (at least 1 ns).
    pub fn interval(&self) -> Duration {
        let n = u32::try_from(self.requests.max(1)).unwrap_or(u32::MAX);
        (self.per / n).max(Duration::from_nanos(1))
    }
}

/// A quota: `requests` per fixed window of `per` (windows start at the Unix epoch, so
/// a day is a UTC day).
///
/// ```
/// use std::time::Duration;
/// use portcullis_runtime::QuotaPolicy;
///
/// let quota = QuotaPolicy::new(1_000_000, Duration::from_secs(24 * 3600));
/// assert_eq!(quota.warn_at, vec![0.8, 0.95]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaPolicy {
    /// Requests per window.
    pub requests: u64,
    /// The window.
    pub per: Duration,
    /// Usage shares that raise a [`QuotaEvent`] (default 0.8 and 0.95).
    pub warn_at: Vec<f64>,
    /// Share only critical operations may use (default 0).
    pub reserve: f64,
}

impl QuotaPolicy {
    /// `requests` per `per`, warnings at 80 % and 95 %, no reserve.
    pub fn new(requests: u64, per: Duration) -> Self {
        Self {
            requests,
            per,
            warn_at: vec![0.8, 0.95],
            reserve: 0.0,
        }
    }

    /// Keeps `share` of the quota for critical operations.
    pub fn reserve(mut self, share: f64) -> Self {
        self.reserve = share;
        self
    }
}

/// Quota usage crossed a `warn_at` threshold (raised once per threshold and window).
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaEvent {
    /// The adapter.
    pub vendor: String,
    /// The threshold crossed, as a share of the quota.
    pub threshold: f64,
    /// Requests counted in this window so far.
    pub used: u64,
    /// The quota.
    pub limit: u64,
    /// Time until the window resets.
    pub resets_in: Duration,
}

/// The application's hook for [`QuotaEvent`]s.
pub type QuotaCallback = std::sync::Arc<dyn Fn(&QuotaEvent) + Send + Sync>;
