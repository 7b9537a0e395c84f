//! The circuit breaker: stop calling a vendor that is failing, and find out cheaply
//! when it has recovered.
//!
//! Closed: attempts flow; their outcomes fill a sliding time window. When the window
//! holds at least `min_calls` and the failure rate (or the slow-call rate) reaches its
//! threshold, the breaker opens. Open: calls fail at once with `Unavailable` without
//! touching the network, for `open_for`. Half-open: up to `half_open_probes` calls are
//! let through; if they all succeed the breaker closes, if one fails it opens again.
//!
//! Vendor 4xx answers are the caller's problem, not the vendor's health, so they count
//! as successes; 429 is ignored (the rate limiter's business).

mod policy;
mod window;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

pub use policy::{BreakerPolicy, BreakerScope};
use window::Window;

/// How one attempt counts for the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// The vendor answered and is healthy (2xx, 3xx, 4xx other than 429).
    Success,
    /// The vendor failed (5xx, timeout, transport error).
    Failure,
    /// Says nothing about vendor health (429, or the caller gave up).
    Ignored,
}

/// The state a breaker is in, for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow.
    Closed,
    /// Calls fail fast.
    Open,
    /// A few probes are let through.
    HalfOpen,
}

#[derive(Debug)]
enum State {
    Closed,
    Open { until: Instant },
    HalfOpen { in_flight: u32, succeeded: u32 },
}

#[derive(Debug)]
struct Inner {
    state: State,
    window: Window,
}

/// One circuit breaker (per adapter, or per operation with [`BreakerScope::Operation`]).
#[derive(Debug)]
pub struct CircuitBreaker {
    policy: BreakerPolicy,
    /// Mirrors `state == Closed` so admitting a call while closed (the common case)
    /// takes no lock. A call admitted in the instant the breaker opens is harmless:
    /// its outcome is ignored as stale.
    closed: AtomicBool,
    inner: Mutex<Inner>,
}

/// Permission to make one attempt; report its outcome with [`Permit::record`].
///
/// Dropping a permit without recording (the call was cancelled) frees its half-open
/// probe slot, so a cancelled probe cannot wedge the breaker half-open.
#[derive(Debug)]
#[must_use = "record the attempt's outcome"]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    probe: bool,
    done: bool,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(policy: BreakerPolicy) -> Self {
        let window = Window::new(policy.window);
        Self {
            policy,
            closed: AtomicBool::new(true),
            inner: Mutex::new(Inner {
                state: State::Closed,
                window,
            }),
        }
    }

    /// Zero probes would leave the breaker half-open for ever.
    fn probes(&self) -> u32 {
        self.policy.half_open_probes.max(1)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain counters behind; they stay usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        let mut inner = self.lock();
        self.refresh(&mut inner, Instant::now());
        match inner.state {
            State::Closed => BreakerState::Closed,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// The state, without taking the lock while closed (the common case): what the
    /// metrics read after every attempt.
    pub(crate) fn state_hint(&self) -> BreakerState {
        if self.closed.load(Ordering::Relaxed) {
            return BreakerState::Closed;
        }
        self.state()
    }

    fn refresh(&self, inner: &mut Inner, now: Instant) {
        if let State::Open { until } = inner.state {
            if now >= until {
                inner.state = State::HalfOpen {
                    in_flight: 0,
                    succeeded: 0,
                };
            }
        }
    }

    /// Asks to make an attempt. `Err(retry_in)` when the breaker is open (or all
    /// half-open probe slots are taken).
    pub fn try_acquire(&self) -> Result<Permit<'_>, Option<Duration>> {
        if !self.policy.enabled {
            return Ok(Permit {
                breaker: self,
                probe: false,
                done: true,
            });
        }
        if self.closed.load(Ordering::Acquire) {
            return Ok(Permit {
                breaker: self,
                probe: false,
                done: false,
            });
        }
        let now = Instant::now();
        let mut inner = self.lock();
        self.refresh(&mut inner, now);
        match &mut inner.state {
            State::Closed => Ok(Permit {
                breaker: self,
                probe: false,
                done: false,
            }),
            State::Open { until } => Err(Some(until.saturating_duration_since(now))),
            State::HalfOpen {
                in_flight,
                succeeded,
            } => {
                if *in_flight + *succeeded < self.probes() {
                    *in_flight += 1;
                    Ok(Permit {
                        breaker: self,
                        probe: true,
                        done: false,
                    })
                } else {
                    Err(None)
                }
            }
        }
    }

    fn on_outcome(&self, probe: bool, outcome: CallOutcome, elapsed: Duration, now: Instant) {
        let mut inner = self.lock();
        let inner = &mut *inner;
        match &mut inner.state {
            State::HalfOpen {
                in_flight,
                succeeded,
            } if probe => {
                *in_flight = in_flight.saturating_sub(1);
                match outcome {
                    CallOutcome::Failure => self.trip(inner, now),
                    CallOutcome::Success if elapsed < self.policy.slow_call => {
                        *succeeded += 1;
                        if *succeeded >= self.probes() {
                            inner.state = State::Closed;
                            inner.window.clear();
                            self.closed.store(true, Ordering::Release);
                            tracing::info!("circuit breaker closed");
                        }
                    }
                    // A slow probe says the vendor has not recovered.
                    CallOutcome::Success => self.trip(inner, now),
                    CallOutcome::Ignored => {}
                }
            }
            State::Closed if !probe => {
                if outcome == CallOutcome::Ignored {
                    return;
                }
                let slow = elapsed >= self.policy.slow_call;
                inner
                    .window
                    .record(now, outcome == CallOutcome::Failure, slow);
                if outcome == CallOutcome::Success && !slow {
                    // A fast success cannot raise either rate: skip the evaluation.
                    return;
                }
                let totals = inner.window.totals(now);
                if totals.calls >= self.policy.min_calls {
                    let calls = f64::from(totals.calls);
                    let failure_rate = f64::from(totals.failures) / calls;
                    let slow_rate = f64::from(totals.slow) / calls;
                    if failure_rate >= self.policy.failure_rate
                        || slow_rate >= self.policy.slow_call_rate
                    {
                        tracing::warn!(
                            failure_rate,
                            slow_rate,
                            calls = totals.calls,
                            "circuit breaker opened"
                        );
                        self.trip(inner, now);
                    }
                }
            }
            // Outcomes of attempts admitted under an earlier state are stale.
            _ => {}
        }
    }

    fn trip(&self, inner: &mut Inner, now: Instant) {
        self.closed.store(false, Ordering::Release);
        inner.state = State::Open {
            // An absurd open_for (Duration::MAX) means "until restarted", not a panic.
            until: now
                .checked_add(self.policy.open_for)
                .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600)),
        };
        inner.window.clear();
    }

    fn release_probe(&self) {
        let mut inner = self.lock();
        if let State::HalfOpen { in_flight, .. } = &mut inner.state {
            *in_flight = in_flight.saturating_sub(1);
        }
    }
}

impl Permit<'_> {
    /// Reports how the attempt went and how long it took.
    pub fn record(self, outcome: CallOutcome, elapsed: Duration) {
        self.record_at(outcome, elapsed, Instant::now());
    }

    /// [`Permit::record`] with the clock already read by the caller.
    pub fn record_at(mut self, outcome: CallOutcome, elapsed: Duration, now: Instant) {
        if !self.done {
            self.done = true;
            self.breaker.on_outcome(self.probe, outcome, elapsed, now);
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done && self.probe {
            self.breaker.release_probe();
        }
    }
}

#[cfg(test)]
mod tests;
