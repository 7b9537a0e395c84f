//! Circuit breaker settings.

use std::time::Duration;

/// Whether one breaker guards the whole adapter or each operation has its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BreakerScope {
    /// One breaker for every operation of the adapter: a vendor outage is usually
    /// total, and sharing gathers evidence faster.
    #[default]
    Adapter,
    /// A breaker for this operation alone, for vendors whose endpoints fail separately.
    Operation,
}

/// Circuit breaker settings. See docs/runtime.md for why each default.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerPolicy {
    /// `false` turns the breaker off (every call is let through).
    pub enabled: bool,
    /// Which calls share a breaker.
    pub scope: BreakerScope,
    /// Length of the sliding window the rates are computed over.
    pub window: Duration,
    /// Fewest attempts in the window before the rates are trusted.
    pub min_calls: u32,
    /// Failure rate (0.0–1.0) at which the breaker opens.
    pub failure_rate: f64,
    /// An attempt at least this long is slow.
    pub slow_call: Duration,
    /// Slow-call rate (0.0–1.0) at which the breaker opens.
    pub slow_call_rate: f64,
    /// How long the breaker stays open before probing.
    pub open_for: Duration,
    /// Probes let through half-open; all must succeed to close.
    pub half_open_probes: u32,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            scope: BreakerScope::Adapter,
            window: Duration::from_secs(10),
            min_calls: 20,
            failure_rate: 0.5,
            slow_call: Duration::from_secs(5),
            slow_call_rate: 0.8,
            open_for: Duration::from_secs(15),
            half_open_probes: 3,
        }
    }
}

impl BreakerPolicy {
    /// A breaker that never opens.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }
}
