//! The runtime's built-in defaults, by value: what applies where a mapping is silent.
//!
//! The codegen crate runs in build scripts and must not depend on the runtime, so the
//! planner keeps this copy to resolve every policy with where its value comes from.
//! Tests (in `emit/report.rs`) compare it with docs/runtime.md and the runtime's
//! source, so a changed default cannot leave a plan quietly wrong.

use std::time::Duration;

/// The defaults of `Policy::baseline()`, `RetryPolicy`, `RetryBudgetPolicy`,
/// `BreakerPolicy` and the idempotency key lifetime.
#[derive(Debug, Clone, Copy)]
pub struct RuntimeDefaults {
    /// The limit of one attempt.
    pub attempt_timeout: Duration,
    /// The limit of a call, all attempts and waits included.
    pub budget: Duration,
    /// Attempts in all, the first included.
    pub retry_attempts: u32,
    /// Backoff base.
    pub retry_base: Duration,
    /// Backoff cap.
    pub retry_cap: Duration,
    /// Statuses that are retried.
    pub retry_on: &'static [u16],
    /// The longest `Retry-After` waited for.
    pub max_retry_after: Duration,
    /// Tokens in the retry budget.
    pub retry_budget_capacity: u32,
    /// Tokens a retry costs.
    pub retry_cost: u32,
    /// Tokens a retry after a timeout costs.
    pub timeout_retry_cost: u32,
    /// The breaker's sliding window.
    pub breaker_window: Duration,
    /// Calls in the window before the breaker judges.
    pub breaker_min_calls: u32,
    /// Failure share that opens the breaker.
    pub breaker_failure_rate: f64,
    /// A call slower than this counts as slow.
    pub breaker_slow_call: Duration,
    /// Slow-call share that opens the breaker.
    pub breaker_slow_call_rate: f64,
    /// How long the breaker stays open.
    pub breaker_open_for: Duration,
    /// Probe calls while half-open.
    pub breaker_half_open_probes: u32,
    /// Pages a list reads before it is a `config` error (`PageLimits::MAX_PAGES`).
    pub max_pages: u32,
}

/// `Policy::baseline()`, `RetryPolicy::default()`, `RetryBudgetPolicy::default()`,
/// and `BreakerPolicy::default()`.
pub const RUNTIME: RuntimeDefaults = RuntimeDefaults {
    attempt_timeout: Duration::from_secs(10),
    budget: Duration::from_secs(30),
    retry_attempts: 3,
    retry_base: Duration::from_millis(100),
    retry_cap: Duration::from_secs(5),
    retry_on: &[408, 429, 502, 503, 504],
    max_retry_after: Duration::from_secs(30),
    retry_budget_capacity: 500,
    retry_cost: 5,
    timeout_retry_cost: 10,
    breaker_window: Duration::from_secs(10),
    breaker_min_calls: 20,
    breaker_failure_rate: 0.5,
    breaker_slow_call: Duration::from_secs(5),
    breaker_slow_call_rate: 0.8,
    breaker_open_for: Duration::from_secs(15),
    breaker_half_open_probes: 3,
    max_pages: 100,
};
