//! The resilience policy of one operation, and how overrides combine.
//!
//! Three layers, each field taken from the first layer that sets it:
//! the operation's override, then the adapter's defaults (both from the mapping, both
//! changeable at runtime through [`crate::AdapterConfig`]), then [`Policy::baseline`].
//! Every field is an `Option` so "not set here" differs from "set to the default".

use std::time::Duration;

use crate::breaker::BreakerPolicy;
use crate::fallback::Fallback;
use crate::retry::RetryPolicy;

/// Resilience settings for one operation (or the adapter's defaults).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    /// Limit on one attempt (connect, send, and reading the whole response).
    pub attempt_timeout: Option<Duration>,
    /// Limit on the whole call: every attempt, backoff sleep and wait.
    pub budget: Option<Duration>,
    /// Retry settings, replaced as a whole by an override.
    pub retry: Option<RetryPolicy>,
    /// Circuit breaker settings, replaced as a whole by an override.
    pub breaker: Option<BreakerPolicy>,
    /// Served from the rate limiter's and the quota's reserve (default false).
    pub critical: Option<bool>,
    /// The named rate-limit bucket ([`crate::AdapterConfig::bucket`]) the operation
    /// draws from, instead of the adapter's.
    pub bucket: Option<String>,
    /// What answers when the vendor cannot (default: nothing, the error surfaces).
    pub fallback: Option<Fallback>,
}

impl Policy {
    /// The runtime's own defaults, used for whatever neither the operation nor the
    /// adapter sets: 10 s per attempt, 30 s per call, [`RetryPolicy::default`],
    /// [`BreakerPolicy::default`]. See docs/runtime.md for why.
    pub fn baseline() -> Self {
        Self {
            attempt_timeout: Some(Duration::from_secs(10)),
            budget: Some(Duration::from_secs(30)),
            retry: Some(RetryPolicy::default()),
            breaker: Some(BreakerPolicy::default()),
            critical: Some(false),
            bucket: None,
            fallback: None,
        }
    }

    /// `self` with every unset field taken from `fallback`.
    pub fn or(self, fallback: &Policy) -> Policy {
        Policy {
            attempt_timeout: self.attempt_timeout.or(fallback.attempt_timeout),
            budget: self.budget.or(fallback.budget),
            retry: self.retry.or_else(|| fallback.retry.clone()),
            breaker: self.breaker.or_else(|| fallback.breaker.clone()),
            critical: self.critical.or(fallback.critical),
            bucket: self.bucket.or_else(|| fallback.bucket.clone()),
            fallback: self.fallback.or_else(|| fallback.fallback.clone()),
        }
    }
}

/// A policy with every field decided, as the pipeline applies it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) budget: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) breaker: BreakerPolicy,
    pub(crate) critical: bool,
    /// The limiter bucket: a name, or the adapter's (`""`).
    pub(crate) bucket: String,
    pub(crate) fallback: Option<Fallback>,
}

impl Resolved {
    pub(crate) fn from_policy(p: Policy) -> Self {
        let p = p.or(&Policy::baseline());
        let zero_is_none = |d: Option<Duration>| d.filter(|d| !d.is_zero());
        Self {
            // Zero would fail every call at once; treat it as "no limit" instead.
            attempt_timeout: zero_is_none(p.attempt_timeout),
            budget: zero_is_none(p.budget),
            retry: p.retry.unwrap_or_default(),
            breaker: p.breaker.unwrap_or_default(),
            critical: p.critical.unwrap_or(false),
            bucket: p.bucket.unwrap_or_default(),
            fallback: p.fallback,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_merges_field_by_field() {
        let defaults = Policy {
            attempt_timeout: Some(Duration::from_secs(5)),
            budget: Some(Duration::from_secs(20)),
            retry: Some(RetryPolicy {
                attempts: 4,
                ..RetryPolicy::default()
            }),
            breaker: None,
            ..Policy::default()
        };
        let op = Policy {
            budget: Some(Duration::from_secs(60)),
            ..Policy::default()
        };
        let got = op.or(&defaults).or(&Policy::baseline());
        assert_eq!(got.attempt_timeout, Some(Duration::from_secs(5)));
        assert_eq!(got.budget, Some(Duration::from_secs(60)));
        assert_eq!(got.retry.map(|r| r.attempts), Some(4));
        assert_eq!(got.breaker, Some(BreakerPolicy::default()));
    }
}
