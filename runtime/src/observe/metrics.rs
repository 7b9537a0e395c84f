//! Metric names and the per-operation handles, registered once and cached.
//!
//! Only the `metrics` facade is used: the application installs a recorder (Prometheus,
//! StatsD, ...) before building its pipelines; without one every update is a no-op.

use std::sync::Once;

use metrics::{Counter, Gauge, Histogram, Unit};

use crate::breaker::BreakerState;
use crate::error::ErrorKind;
use crate::retry::AttemptFailure;

/// Finished calls, after retries: `vendor`, `operation`, `outcome`.
pub const CALLS_TOTAL: &str = "portcullis_calls_total";
/// The whole call as the caller waited for it, in seconds: `vendor`, `operation`.
pub const CALL_DURATION_SECONDS: &str = "portcullis_call_duration_seconds";
/// Retries, by why the previous attempt did not count: `vendor`, `operation`, `reason`.
pub const RETRIES_TOTAL: &str = "portcullis_retries_total";
/// 0 closed, 1 half-open, 2 open: `vendor`, `operation`.
pub const BREAKER_STATE: &str = "portcullis_breaker_state";
/// Requests left in the vendor's window, as its last answer said: `vendor`.
pub const RATELIMIT_REMAINING: &str = "portcullis_ratelimit_remaining";
/// Share of the quota window used, 0 to 1: `vendor`. Set by the quota tracker
/// (`limit/quota.rs`) on every call.
pub const QUOTA_USED_RATIO: &str = "portcullis_quota_used_ratio";

/// Histogram buckets (seconds) for [`CALL_DURATION_SECONDS`] that resolve the alert
/// rules' thresholds (half the attempt timeout and all of it, for timeouts from 1 s to
/// 30 s). Exporters that render histograms as summaries by default need them set:
/// `PrometheusBuilder::set_buckets_for_metric(Matcher::Full(CALL_DURATION_SECONDS.into()), DURATION_BUCKETS)`.
pub const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0,
];

/// The `outcome` label values, in [`outcome_index`] order.
pub(crate) const OUTCOMES: [&str; 10] = [
    "ok",
    "auth",
    "rate_limited",
    "timeout",
    "unavailable",
    "vendor",
    "contract",
    "transport",
    "config",
    "invalid",
];

pub(crate) fn outcome_index(kind: Option<ErrorKind>) -> usize {
    match kind {
        None => 0,
        Some(ErrorKind::Auth) => 1,
        Some(ErrorKind::RateLimited) => 2,
        Some(ErrorKind::Timeout) => 3,
        Some(ErrorKind::Unavailable) => 4,
        Some(ErrorKind::Vendor) => 5,
        Some(ErrorKind::Contract) => 6,
        Some(ErrorKind::Transport) => 7,
        Some(ErrorKind::Config) => 8,
        Some(ErrorKind::InvalidRequest) => 9,
    }
}

/// The `reason` label of a retry, and the `error.type` of a failed attempt.
pub(crate) fn failure_label(failure: AttemptFailure) -> &'static str {
    match failure {
        AttemptFailure::NotSent => "connect_failed",
        AttemptFailure::Broken => "connection_broken",
        AttemptFailure::Timeout => "timeout",
        AttemptFailure::Status(s) => status_label(s),
    }
}

/// Static strings for the statuses that can be retried, so labels never allocate.
pub(crate) fn status_label(status: u16) -> &'static str {
    match status {
        408 => "408",
        409 => "409",
        425 => "425",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        400..=407 | 410..=424 | 426..=428 | 430..=499 => "4xx",
        501 | 505..=599 => "5xx",
        _ => "other",
    }
}

pub(crate) fn breaker_value(state: BreakerState) -> f64 {
    match state {
        BreakerState::Closed => 0.0,
        BreakerState::HalfOpen => 1.0,
        BreakerState::Open => 2.0,
    }
}

/// One operation's handles: looked up in the recorder once, then updated lock-free.
pub(crate) struct OpMetrics {
    pub(crate) calls: [Counter; 10],
    pub(crate) duration: Histogram,
    pub(crate) breaker: Gauge,
}

impl OpMetrics {
    pub(crate) fn new(vendor: &str, operation: &str) -> Self {
        describe();
        let labels = [
            ("vendor", vendor.to_owned()),
            ("operation", operation.to_owned()),
        ];
        Self {
            calls: OUTCOMES.map(|outcome| {
                metrics::counter!(CALLS_TOTAL, "vendor" => vendor.to_owned(), "operation" => operation.to_owned(), "outcome" => outcome)
            }),
            duration: metrics::histogram!(CALL_DURATION_SECONDS, &labels),
            breaker: metrics::gauge!(BREAKER_STATE, &labels),
        }
    }
}

pub(crate) fn retry_counter(vendor: &str, operation: &str, reason: &'static str) -> Counter {
    metrics::counter!(RETRIES_TOTAL, "vendor" => vendor.to_owned(), "operation" => operation.to_owned(), "reason" => reason)
}

pub(crate) fn ratelimit_gauge(vendor: &str) -> Gauge {
    metrics::gauge!(RATELIMIT_REMAINING, "vendor" => vendor.to_owned())
}

/// Descriptions are global to the recorder: set once per process.
fn describe() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        metrics::describe_counter!(
            CALLS_TOTAL,
            "Finished vendor calls, after retries, by outcome."
        );
        metrics::describe_histogram!(
            CALL_DURATION_SECONDS,
            Unit::Seconds,
            "Vendor calls as the caller waited for them: attempts, backoff and waits."
        );
        metrics::describe_counter!(
            RETRIES_TOTAL,
            "Retries, by why the previous attempt failed."
        );
        metrics::describe_gauge!(
            BREAKER_STATE,
            "Circuit breaker: 0 closed, 1 half-open, 2 open."
        );
        metrics::describe_gauge!(
            RATELIMIT_REMAINING,
            "Requests left in the vendor's rate-limit window, as its last answer said."
        );
        metrics::describe_gauge!(QUOTA_USED_RATIO, "Share of the vendor quota window used.");
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_outcome_label() {
        let kinds = [
            (ErrorKind::Auth, "auth"),
            (ErrorKind::RateLimited, "rate_limited"),
            (ErrorKind::Timeout, "timeout"),
            (ErrorKind::Unavailable, "unavailable"),
            (ErrorKind::Vendor, "vendor"),
            (ErrorKind::Contract, "contract"),
            (ErrorKind::Transport, "transport"),
            (ErrorKind::Config, "config"),
            (ErrorKind::InvalidRequest, "invalid"),
        ];
        assert_eq!(OUTCOMES[outcome_index(None)], "ok");
        for (kind, label) in kinds {
            assert_eq!(OUTCOMES[outcome_index(Some(kind))], label, "{kind:?}");
        }
        assert_eq!(kinds.len() + 1, OUTCOMES.len(), "a label without a kind");
    }
}
