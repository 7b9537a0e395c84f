//! Observability: one span per call and per attempt, correlation ids sent to the
//! vendor, metrics through the `metrics` facade, and an in-process health monitor.
//!
//! | file | what it holds |
//! |---|---|
//! | `correlation.rs` | [`CorrelationId`]: from the caller's scope or generated; `traceparent` |
//! | `metrics.rs` | metric names and labels (docs/runtime.md lists them), cached handles |
//! | `health.rs` | [`HealthPolicy`], [`HealthEvent`]: rolling error rate and p95/p99 |
//! | `call.rs` | what the pipeline calls: one `CallObs` per call |
//!
//! Spans follow OpenTelemetry's HTTP client conventions: `vendor_call` (INFO) is the
//! logical call, `vendor_attempt` (DEBUG) one HTTP request with its
//! `http.request.resend_count`. One INFO event per finished call carries the outcome,
//! so a service logging at INFO gets one line per vendor call with its correlation id.

use std::sync::Arc;

use http::HeaderName;

use crate::config::AdapterConfig;
use crate::policy::Resolved;

pub(crate) mod call;
mod correlation;
mod health;
pub mod metrics;

pub use correlation::CorrelationId;
pub use health::{HealthCallback, HealthEvent, HealthPolicy, HealthState, Signal};

use health::HealthWindow;
use metrics::OpMetrics;

/// The header a correlation id travels in unless [`AdapterConfig::correlation_header`]
/// says otherwise.
pub const DEFAULT_CORRELATION_HEADER: &str = "x-correlation-id";

/// An adapter's observability state, shared by its calls.
pub(crate) struct Observer {
    vendor: Arc<str>,
    server_address: Box<str>,
    correlation_header: Option<HeaderName>,
    traceparent: bool,
    health: HealthPolicy,
    on_health: Option<HealthCallback>,
    /// Registered on the first answer that says, so a vendor that never sends the
    /// header shows no series rather than a misleading 0.
    ratelimit: std::sync::OnceLock<::metrics::Gauge>,
}

/// One operation's handles and health window, created on its first call (the
/// pipeline keeps it with the rest of the operation's state).
pub(crate) struct OpObserver {
    pub(crate) vendor: Arc<str>,
    pub(crate) operation: Arc<str>,
    pub(crate) metrics: OpMetrics,
    health: Option<HealthWindow>,
    on_health: Option<HealthCallback>,
}

impl Observer {
    pub(crate) fn new(config: &AdapterConfig, base: &reqwest::Url) -> Result<Self, crate::Error> {
        let correlation_header = match &config.correlation_header {
            None => None,
            Some(name) => Some(HeaderName::try_from(name.as_str()).map_err(|_| {
                crate::Error::config(format!(
                    "{}: invalid correlation header name {name:?}",
                    config.name
                ))
            })?),
        };
        Ok(Self {
            vendor: Arc::from(config.name.as_str()),
            server_address: base.host_str().unwrap_or_default().into(),
            correlation_header,
            traceparent: config.traceparent,
            health: config.health.clone(),
            on_health: config.on_health.clone(),
            ratelimit: std::sync::OnceLock::new(),
        })
    }

    /// The handles and health window of `operation`: made once per operation.
    pub(crate) fn op_observer(&self, operation: &str, policy: &Resolved) -> OpObserver {
        OpObserver {
            vendor: self.vendor.clone(),
            operation: Arc::from(operation),
            metrics: OpMetrics::new(&self.vendor, operation),
            health: self
                .health
                .enabled
                .then(|| HealthWindow::new(self.health.clone(), policy.attempt_timeout)),
            on_health: self.on_health.clone(),
        }
    }
}

impl Observer {
    /// Counts a call of `op` that ended with `error` before anything was sent
    /// (its request broke the spec's constraints), and logs it: one INFO line, like a
    /// finished call. It is not the vendor's doing, so the health window does not see it.
    pub(crate) fn not_sent(&self, op: &OpObserver, error: &crate::Error) {
        let kind = error.kind();
        let outcome = metrics::OUTCOMES[metrics::outcome_index(Some(kind))];
        op.metrics.calls[metrics::outcome_index(Some(kind))].increment(1);
        tracing::info!(vendor = %op.vendor, operation = %op.operation, outcome, error = %error, "vendor call not sent");
    }
}

impl OpObserver {
    /// Feeds the health window with a call that ended at `ended`; logs and calls back
    /// when the operation's health changed.
    pub(crate) fn health(
        &self,
        ended: tokio::time::Instant,
        latency: std::time::Duration,
        failed: bool,
    ) {
        let Some(window) = &self.health else {
            return;
        };
        if let Some((state, signals, error_rate, p95, p99, calls)) =
            window.record(ended, latency, failed)
        {
            self.health_changed(state, signals, error_rate, p95, p99, calls);
        }
    }

    /// The operation's health changed: log it and tell the callback. Out of line:
    /// it happens a few times a day, the record above on every call.
    #[cold]
    #[inline(never)]
    fn health_changed(
        &self,
        state: HealthState,
        signals: Vec<Signal>,
        error_rate: f64,
        p95: std::time::Duration,
        p99: std::time::Duration,
        calls: u32,
    ) {
        let op = self;
        let event = HealthEvent {
            vendor: op.vendor.clone(),
            operation: op.operation.clone(),
            state,
            signals,
            error_rate,
            p95,
            p99,
            calls,
        };
        let signals: Vec<String> = event.signals.iter().map(ToString::to_string).collect();
        match state {
            HealthState::Degraded => tracing::warn!(
                vendor = %event.vendor, operation = %event.operation, signals = %signals.join(", "),
                error_rate = event.error_rate, p95_ms = event.p95.as_millis() as u64,
                p99_ms = event.p99.as_millis() as u64, calls = event.calls,
                "vendor operation degraded"
            ),
            HealthState::Recovered => tracing::info!(
                vendor = %event.vendor, operation = %event.operation,
                error_rate = event.error_rate, p95_ms = event.p95.as_millis() as u64,
                p99_ms = event.p99.as_millis() as u64, calls = event.calls,
                "vendor operation recovered"
            ),
        }
        if let Some(cb) = &op.on_health {
            cb(&event);
        }
    }
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observer")
            .field("vendor", &self.vendor)
            .field("correlation_header", &self.correlation_header)
            .field("traceparent", &self.traceparent)
            .field("health", &self.health)
            .finish_non_exhaustive()
    }
}
