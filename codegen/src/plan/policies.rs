//! Resolved policies: the time limits, retries, breaker and rate limiting one operation
//! (or the adapter as a whole) runs under, each value with where it comes from.
//!
//! Resolution follows the runtime (docs/runtime.md): time limits field by field from
//! the operation, else the mapping's `defaults:`, else the runtime's built-in default
//! ([`RUNTIME`]); `retry`, `breaker` and `rate_limit` as whole blocks, the operation's
//! replacing the default one, with the fields a block leaves out at the runtime's
//! defaults. An emitter that writes configuration writes exactly the values whose
//! [`Source`] is its level; the report prints every value with its source.

use super::defaults::RUNTIME;
use crate::load::mapping::{Breaker, OpRateLimit, Policies, Retry};
use std::time::Duration;

/// Where a resolved value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Set on the operation in the mapping.
    Operation,
    /// Set in the mapping's `defaults:`.
    Mapping,
    /// Left out of the mapping: the runtime's built-in default.
    Runtime,
}

/// A value and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sourced<T> {
    /// The value that applies.
    pub value: T,
    /// Where it comes from.
    pub source: Source,
}

impl<T> Sourced<T> {
    fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }
}

/// The policy of an operation, or of the adapter's defaults, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyPlan {
    /// The limit of one attempt (zero: none).
    pub attempt_timeout: Sourced<Duration>,
    /// The limit of the whole call (zero: none).
    pub budget: Sourced<Duration>,
    /// Retries.
    pub retry: RetryPlan,
    /// The circuit breaker.
    pub breaker: BreakerPlan,
    /// How the operation draws on the rate limit; `None` when nothing is declared.
    pub rate_limit: Option<Sourced<RateLimitPlan>>,
}

/// Retries, resolved. The mapping writes attempts and backoff as one block.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPlan {
    /// Attempts in all, the first included (1: no retry).
    pub attempts: u32,
    /// Backoff base.
    pub base: Duration,
    /// Backoff cap.
    pub cap: Duration,
    /// Where attempts, base and cap come from.
    pub source: Source,
    /// Statuses that are retried.
    pub on: Vec<u16>,
    /// Where the statuses come from.
    pub on_source: Source,
}

/// The circuit breaker, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerPlan {
    /// Where the block as a whole comes from (an operation's block replaces the default one).
    pub source: Source,
    /// Off when false.
    pub enabled: Sourced<bool>,
    /// The operation has a breaker of its own instead of the adapter's shared one.
    pub per_operation: bool,
    /// The sliding window the rates are computed over.
    pub window: Sourced<Duration>,
    /// Calls in the window before the breaker judges.
    pub min_calls: Sourced<u32>,
    /// Failure share that opens the breaker.
    pub failure_rate: Sourced<f64>,
    /// A call slower than this counts as slow.
    pub slow_call: Sourced<Duration>,
    /// Slow-call share that opens the breaker.
    pub slow_call_rate: Sourced<f64>,
    /// How long the breaker stays open.
    pub open_for: Sourced<Duration>,
    /// Probe calls while half-open.
    pub half_open_probes: Sourced<u32>,
}

/// How an operation draws on the adapter's rate limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitPlan {
    /// Served from the reserved share.
    pub critical: bool,
    /// A named bucket of `limits.buckets`; the adapter's bucket when `None`.
    pub bucket: Option<String>,
}

impl PolicyPlan {
    /// Whether any value is set at `level` (so configuration for that level is written).
    pub fn set_at(&self, level: Source) -> bool {
        self.attempt_timeout.source == level
            || self.budget.source == level
            || self.retry.source == level
            || self.breaker.source == level
            || self.rate_limit.as_ref().is_some_and(|r| r.source == level)
    }
}

/// The operation's block, else the default one, with the source of the one taken.
fn layered<'a, T>(op: Option<&'a T>, defaults: Option<&'a T>) -> Option<(&'a T, Source)> {
    op.map(|v| (v, Source::Operation))
        .or_else(|| defaults.map(|v| (v, Source::Mapping)))
}

/// Resolves the policy of an operation (`op`: its own policies) or, without one, of the
/// adapter's defaults.
pub(super) fn resolve(defaults: &Policies, op: Option<&Policies>) -> PolicyPlan {
    let time = |get: fn(&Policies) -> Option<Duration>, rt: Duration| match (
        op.and_then(get),
        get(defaults),
    ) {
        (Some(v), _) => Sourced::new(v, Source::Operation),
        (None, Some(v)) => Sourced::new(v, Source::Mapping),
        (None, None) => Sourced::new(rt, Source::Runtime),
    };
    PolicyPlan {
        attempt_timeout: time(|p| p.attempt_timeout, RUNTIME.attempt_timeout),
        budget: time(|p| p.budget, RUNTIME.budget),
        retry: retry(layered(
            op.and_then(|p| p.retry.as_ref()),
            defaults.retry.as_ref(),
        )),
        breaker: breaker(layered(
            op.and_then(|p| p.breaker.as_ref()),
            defaults.breaker.as_ref(),
        )),
        rate_limit: layered(
            op.and_then(|p| p.rate_limit.as_ref()),
            defaults.rate_limit.as_ref(),
        )
        .map(|(r, source)| Sourced::new(rate_limit(r), source)),
    }
}

fn retry(block: Option<(&Retry, Source)>) -> RetryPlan {
    match block {
        Some((r, source)) => RetryPlan {
            attempts: r.attempts,
            base: r.base,
            cap: r.cap,
            source,
            on: r.on.clone().unwrap_or_else(|| RUNTIME.retry_on.to_vec()),
            on_source: if r.on.is_some() {
                source
            } else {
                Source::Runtime
            },
        },
        None => RetryPlan {
            attempts: RUNTIME.retry_attempts,
            base: RUNTIME.retry_base,
            cap: RUNTIME.retry_cap,
            source: Source::Runtime,
            on: RUNTIME.retry_on.to_vec(),
            on_source: Source::Runtime,
        },
    }
}

fn breaker(block: Option<(&Breaker, Source)>) -> BreakerPlan {
    let (b, source) = match block {
        Some((b, source)) => (b.clone(), source),
        None => (Breaker::default(), Source::Runtime),
    };
    fn or<T: Copy>(v: Option<T>, source: Source, rt: T) -> Sourced<T> {
        v.map(|v| Sourced::new(v, source))
            .unwrap_or(Sourced::new(rt, Source::Runtime))
    }
    BreakerPlan {
        source,
        enabled: or(b.enabled, source, true),
        per_operation: b.per_operation,
        window: or(b.window, source, RUNTIME.breaker_window),
        min_calls: or(b.min_calls, source, RUNTIME.breaker_min_calls),
        failure_rate: or(b.failure_rate, source, RUNTIME.breaker_failure_rate),
        slow_call: or(b.slow_call, source, RUNTIME.breaker_slow_call),
        slow_call_rate: or(b.slow_call_rate, source, RUNTIME.breaker_slow_call_rate),
        open_for: or(b.open_for, source, RUNTIME.breaker_open_for),
        half_open_probes: or(b.half_open_probes, source, RUNTIME.breaker_half_open_probes),
    }
}

fn rate_limit(r: &OpRateLimit) -> RateLimitPlan {
    RateLimitPlan {
        critical: r.critical,
        bucket: r.bucket.as_ref().map(|b| b.value.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, op};
    use super::*;

    #[test]
    fn each_value_names_its_source() {
        let plan = Fixture::default()
            .mapping(
                "operations:\n",
                "defaults: { attempt_timeout: 5s, retry: { attempts: 2, base: 50ms, cap: 1s }, breaker: { window: 30s } }\noperations:\n",
            )
            .mapping("    params: { id: id }\n", "    params: { id: id }\n    budget: 10s\n")
            .plan();
        let get = &op(&plan, "get").policies;
        assert_eq!(
            get.budget,
            Sourced::new(Duration::from_secs(10), Source::Operation)
        );
        assert_eq!(
            get.attempt_timeout,
            Sourced::new(Duration::from_secs(5), Source::Mapping)
        );
        assert_eq!((get.retry.attempts, get.retry.source), (2, Source::Mapping));
        assert_eq!(get.retry.on_source, Source::Runtime);
        assert_eq!(
            get.breaker.slow_call,
            Sourced::new(RUNTIME.breaker_slow_call, Source::Runtime)
        );
        assert_eq!(
            get.breaker.window,
            Sourced::new(Duration::from_secs(30), Source::Mapping)
        );
        assert!(get.set_at(Source::Operation));
        // The adapter's own policy knows nothing of the operation.
        assert_eq!(
            plan.defaults.budget,
            Sourced::new(RUNTIME.budget, Source::Runtime)
        );
        assert!(!op(&plan, "create").policies.set_at(Source::Operation));
    }

    #[test]
    fn an_operation_block_replaces_the_default_block() {
        let plan = Fixture::default()
            .mapping("operations:\n", "defaults: { breaker: { window: 30s, min_calls: 5 }, rate_limit: { critical: true } }\nlimits: { rate: { requests: 5, per: 1s, reserve: 0.2 } }\noperations:\n")
            .mapping("    params: { id: id }\n", "    params: { id: id }\n    breaker: { per_operation: true }\n    rate_limit: { critical: false }\n")
            .plan();
        let get = &op(&plan, "get").policies;
        assert_eq!(
            (get.breaker.source, get.breaker.per_operation),
            (Source::Operation, true)
        );
        assert_eq!(
            get.breaker.window,
            Sourced::new(RUNTIME.breaker_window, Source::Runtime)
        );
        assert_eq!(
            get.rate_limit,
            Some(Sourced::new(
                RateLimitPlan {
                    critical: false,
                    bucket: None
                },
                Source::Operation
            ))
        );
        let create = &op(&plan, "create").policies;
        assert_eq!(create.breaker.min_calls, Sourced::new(5, Source::Mapping));
        assert_eq!(
            create.rate_limit.as_ref().map(|r| r.source),
            Some(Source::Mapping)
        );
    }
}
