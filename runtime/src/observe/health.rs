//! The in-process health monitor: rolling error rate and p95/p99 latency per
//! operation, and an event when an operation spikes and again when it recovers.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// When an operation counts as unhealthy. Defaults, and why, in docs/runtime.md.
///
/// ```
/// use std::time::Duration;
/// use portcullis_runtime::{AdapterConfig, HealthPolicy};
///
/// let cfg = AdapterConfig::new("StripeGateway", "https://api.stripe.com").health(HealthPolicy {
///     error_rate: 0.1,
///     p99: Some(Duration::from_secs(2)),
///     ..HealthPolicy::default()
/// });
/// # let _ = cfg;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HealthPolicy {
    /// Whether the monitor runs (default true).
    pub enabled: bool,
    /// The rolling window the rates and percentiles are computed over (default 60 s,
    /// in 10 buckets).
    pub window: Duration,
    /// Calls the window must hold before it judges (default 20).
    pub min_calls: u32,
    /// Share of failed calls that raises the alert (default 0.25).
    pub error_rate: f64,
    /// p95 above this raises the alert (default: half the operation's attempt timeout).
    pub p95: Option<Duration>,
    /// p99 above this raises the alert (default: the operation's attempt timeout).
    pub p99: Option<Duration>,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            window: Duration::from_secs(60),
            min_calls: 20,
            error_rate: 0.25,
            p95: None,
            p99: None,
        }
    }
}

/// Which threshold an operation crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The error rate reached [`HealthPolicy::error_rate`].
    ErrorRate,
    /// p95 latency went above [`HealthPolicy::p95`].
    P95,
    /// p99 latency went above [`HealthPolicy::p99`].
    P99,
}

/// Whether an event reports a spike or the recovery from one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthState {
    /// The operation crossed a threshold.
    Degraded,
    /// Every signal is back under its threshold.
    Recovered,
}

/// What the monitor tells the callback and the log when an operation's health changes.
#[derive(Debug, Clone)]
pub struct HealthEvent {
    /// The adapter (`vendor` label of the metrics).
    pub vendor: Arc<str>,
    /// The operation.
    pub operation: Arc<str>,
    /// Spike or recovery.
    pub state: HealthState,
    /// The thresholds crossed (empty on recovery).
    pub signals: Vec<Signal>,
    /// Failed share of the window's calls.
    pub error_rate: f64,
    /// p95 latency over the window (upper bound of its histogram bucket).
    pub p95: Duration,
    /// p99 latency over the window.
    pub p99: Duration,
    /// Calls in the window.
    pub calls: u32,
}

/// Called with every [`HealthEvent`]; set with [`crate::AdapterConfig::on_health_event`].
pub type HealthCallback = Arc<dyn Fn(&HealthEvent) + Send + Sync>;

const BUCKETS: usize = 10;
/// Latency classes: class `i` holds latencies up to `1 ms * GROWTH^i`, so a reported
/// percentile is at most 25 % above the true value; 64 classes reach past 20 minutes.
const CLASSES: usize = 64;
const GROWTH: f64 = 1.25;

#[derive(Clone, Copy)]
struct Bucket {
    calls: u32,
    errors: u32,
    /// Calls above the p95 and p99 thresholds (in a class whose upper bound is past
    /// it), so judging a call is two comparisons instead of two percentile scans.
    over_p95: u32,
    over_p99: u32,
    latency: [u32; CLASSES],
}

const EMPTY: Bucket = Bucket {
    calls: 0,
    errors: 0,
    over_p95: 0,
    over_p99: 0,
    latency: [0; CLASSES],
};

struct State {
    buckets: [Bucket; BUCKETS],
    /// Sums of the buckets, kept as they change so judging a call scans no buckets.
    total: Bucket,
    /// Index (since `origin`, in bucket widths) of the newest bucket.
    newest: u64,
    degraded: bool,
}

/// One operation's rolling window and thresholds.
pub(crate) struct HealthWindow {
    policy: HealthPolicy,
    /// The first latency class whose upper bound is above the p95 / p99 threshold
    /// (`CLASSES` when there is no threshold or no class is above it).
    p95_class: usize,
    p99_class: usize,
    width: Duration,
    origin: Instant,
    state: Mutex<State>,
}

impl HealthWindow {
    /// `attempt_timeout` gives the latency thresholds the policy leaves unset.
    pub(crate) fn new(policy: HealthPolicy, attempt_timeout: Option<Duration>) -> Self {
        let width = (policy.window / BUCKETS as u32).max(Duration::from_millis(1));
        let p95 = policy.p95.or(attempt_timeout.map(|t| t / 2));
        let p99 = policy.p99.or(attempt_timeout);
        Self {
            p95_class: first_class_above(p95),
            p99_class: first_class_above(p99),
            policy,
            width,
            origin: Instant::now(),
            state: Mutex::new(State {
                buckets: [EMPTY; BUCKETS],
                total: EMPTY,
                newest: 0,
                degraded: false,
            }),
        }
    }

    /// Records one finished call; returns the event when the operation's health
    /// changed with it.
    pub(crate) fn record(
        &self,
        now: Instant,
        latency: Duration,
        failed: bool,
    ) -> Option<(HealthState, Vec<Signal>, f64, Duration, Duration, u32)> {
        // In u64 nanoseconds (584 years): a u128 division is a library call, and this
        // runs on every call.
        let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let index = nanos(now.saturating_duration_since(self.origin)) / nanos(self.width).max(1);
        let class = class_of(latency);
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let s = &mut *s;
        if index > s.newest {
            // Buckets that fell out of the window leave the totals.
            let stale = (index - s.newest).min(BUCKETS as u64);
            for i in 0..stale {
                let slot = ((index - i) % BUCKETS as u64) as usize;
                let old = std::mem::replace(&mut s.buckets[slot], EMPTY);
                s.total.calls -= old.calls;
                s.total.errors -= old.errors;
                s.total.over_p95 -= old.over_p95;
                s.total.over_p99 -= old.over_p99;
                for (t, o) in s.total.latency.iter_mut().zip(old.latency) {
                    *t -= o;
                }
            }
            s.newest = index;
        }
        // A late record (older than the newest bucket) counts in the newest: the
        // window is about the recent past, a few milliseconds do not matter.
        let over_p95 = u32::from(class >= self.p95_class);
        let over_p99 = u32::from(class >= self.p99_class);
        let slot = &mut s.buckets[(s.newest % BUCKETS as u64) as usize];
        slot.calls += 1;
        slot.latency[class] += 1;
        slot.over_p95 += over_p95;
        slot.over_p99 += over_p99;
        s.total.calls += 1;
        s.total.latency[class] += 1;
        s.total.over_p95 += over_p95;
        s.total.over_p99 += over_p99;
        if failed {
            slot.errors += 1;
            s.total.errors += 1;
        }
        let calls = s.total.calls;
        if calls < self.policy.min_calls.max(1) {
            return None;
        }
        let rate = f64::from(s.total.errors) / f64::from(calls);
        // The `q` percentile's class is at or above a threshold's first class exactly
        // when more calls than `above(q)` sit at or above it (see `percentile`), so
        // the signals need no scan; the percentiles are computed for the event only.
        let p95_high = s.total.over_p95 > above(calls, 0.95);
        let p99_high = s.total.over_p99 > above(calls, 0.99);
        let error_high = rate >= self.policy.error_rate;
        let degraded = error_high || p95_high || p99_high;
        if degraded == s.degraded {
            return None;
        }
        s.degraded = degraded;
        let p95 = percentile(&s.total.latency, calls, 0.95);
        let p99 = percentile(&s.total.latency, calls, 0.99);
        let mut signals = Vec::new();
        if error_high {
            signals.push(Signal::ErrorRate);
        }
        if p95_high {
            signals.push(Signal::P95);
        }
        if p99_high {
            signals.push(Signal::P99);
        }
        let state = if degraded {
            HealthState::Degraded
        } else {
            HealthState::Recovered
        };
        Some((state, signals, rate, p95, p99, calls))
    }
}

fn class_of(latency: Duration) -> usize {
    // A search of the bounds, not a logarithm: this runs on every call, and a call to
    // `ln` is a library routine's worth of instruction cache.
    let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
    UPPER_BOUNDS_NANOS
        .partition_point(|&bound| bound < nanos)
        .min(CLASSES - 1)
}

/// Class `i`'s upper bound in nanoseconds, `1 ms * GROWTH^i` rounded up.
const UPPER_BOUNDS_NANOS: [u64; CLASSES] = {
    let mut bounds = [0u64; CLASSES];
    let mut bound = 1_000_000.0_f64;
    let mut i = 0;
    while i < CLASSES {
        let whole = bound as u64;
        bounds[i] = if (whole as f64) < bound {
            whole + 1
        } else {
            whole
        };
        bound *= GROWTH;
        i += 1;
    }
    bounds
};

fn upper_bound(class: usize) -> Duration {
    Duration::from_nanos(UPPER_BOUNDS_NANOS[class.min(CLASSES - 1)])
}

/// The first class whose upper bound is above `threshold`: a latency in it or higher
/// is reported above the threshold. `CLASSES` (no class) without a threshold.
fn first_class_above(threshold: Option<Duration>) -> usize {
    threshold.map_or(CLASSES, |t| {
        (0..CLASSES)
            .find(|&c| upper_bound(c) > t)
            .unwrap_or(CLASSES)
    })
}

/// How many of `calls` may lie above the `q` quantile.
fn above(calls: u32, q: f64) -> u32 {
    ((1.0 - q) * f64::from(calls)).floor() as u32
}

/// The upper bound of the class holding the `q` quantile.
fn percentile(latency: &[u32; CLASSES], calls: u32, q: f64) -> Duration {
    // Counted from the top: the slow tail is short, so this stops early.
    let above = above(calls, q);
    let mut seen = 0;
    for class in (0..CLASSES).rev() {
        seen += latency[class];
        if seen > above {
            return upper_bound(class);
        }
    }
    upper_bound(0)
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signal::ErrorRate => "error rate",
            Signal::P95 => "p95 latency",
            Signal::P99 => "p99 latency",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(policy: HealthPolicy) -> HealthWindow {
        HealthWindow::new(policy, Some(Duration::from_secs(2)))
    }

    #[test]
    fn classes_bound_latency_within_a_quarter() {
        for ms in [0.5, 1.0, 1.000_001, 3.0, 250.0, 4999.0, 1_000_000.0] {
            let d = Duration::from_secs_f64(ms / 1000.0);
            let class = class_of(d);
            let ub = upper_bound(class);
            assert!(
                ub >= d && ub.as_secs_f64() <= (d.as_secs_f64() * GROWTH).max(0.001),
                "{ms} ms: class {class}, bound {ub:?}"
            );
            if class > 0 {
                assert!(
                    upper_bound(class - 1) < d,
                    "{ms} ms: the lowest class that holds it"
                );
            }
        }
        assert_eq!(class_of(Duration::ZERO), 0);
        assert_eq!(class_of(Duration::MAX), CLASSES - 1);
        assert_eq!(upper_bound(0), Duration::from_millis(1));
    }

    #[tokio::test(start_paused = true)]
    async fn error_burst_degrades_and_the_window_forgets_it() {
        let w = window(HealthPolicy {
            window: Duration::from_secs(10),
            min_calls: 10,
            ..HealthPolicy::default()
        });
        let fast = Duration::from_millis(20);
        for _ in 0..10 {
            assert!(w.record(Instant::now(), fast, false).is_none());
        }
        let mut raised = None;
        for _ in 0..5 {
            raised = raised.or(w.record(Instant::now(), fast, true));
        }
        let (state, signals, rate, ..) = raised.expect("5 of 15 failed");
        assert_eq!(
            (state, signals),
            (HealthState::Degraded, vec![Signal::ErrorRate])
        );
        assert!(rate >= 0.25);
        tokio::time::advance(Duration::from_secs(11)).await;
        let mut cleared = None;
        for _ in 0..10 {
            cleared = cleared.or(w.record(Instant::now(), fast, false));
        }
        assert_eq!(cleared.map(|c| c.0), Some(HealthState::Recovered));
    }

    #[test]
    fn threshold_counts_agree_with_the_percentiles() {
        // The signals come from counts above each threshold's class; they must say
        // exactly what comparing the reported percentile with the threshold says.
        for threshold_ms in [1u64, 3, 40, 999, 1000, 2500, 5000] {
            let t = Duration::from_millis(threshold_ms);
            let first = first_class_above(Some(t));
            for seed in 0..50u32 {
                let mut latency = [0u32; CLASSES];
                let mut calls = 0;
                for i in 0..(20 + seed * 7) {
                    let class =
                        (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 7) as usize % 48;
                    latency[class] += 1;
                    calls += 1;
                }
                let over: u32 = latency[first.min(CLASSES)..].iter().sum();
                for q in [0.95, 0.99] {
                    assert_eq!(
                        percentile(&latency, calls, q) > t,
                        over > above(calls, q),
                        "threshold {threshold_ms} ms, seed {seed}, q {q}"
                    );
                }
            }
        }
        assert_eq!(first_class_above(None), CLASSES);
    }

    #[tokio::test(start_paused = true)]
    async fn slow_tail_degrades_by_default_thresholds() {
        let w = window(HealthPolicy {
            min_calls: 10,
            ..HealthPolicy::default()
        });
        for _ in 0..90 {
            w.record(Instant::now(), Duration::from_millis(50), false);
        }
        let mut raised = None;
        for _ in 0..10 {
            raised = raised.or(w.record(Instant::now(), Duration::from_millis(2500), false));
        }
        let (state, signals, _, _, p99, _) = raised.expect("p99 above the 2 s timeout");
        assert_eq!(state, HealthState::Degraded);
        assert!(signals.contains(&Signal::P99), "{signals:?}");
        assert!(p99 > Duration::from_secs(2));
    }
}
