//! The mock vendor's own rate limit: a token bucket, as most vendors enforce theirs.

use std::time::Duration;

use tokio::time::Instant;

/// A token bucket of `capacity` tokens refilled at `requests` per `per`.
///
/// Kept in exact integer arithmetic: one token is `per` in nanoseconds worth of units
/// and each nanosecond adds `requests` units, so an uneven rate (3 per 10 s) never
/// rounds and no float drifts over a long test. The clock is tokio's, so a test with
/// a paused clock can advance it.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    requests: u128,
    /// Units in one token: `per` in nanoseconds.
    token: u128,
    /// Units in a full bucket.
    full: u128,
    level: u128,
    at: Instant,
    /// What `X-RateLimit-Limit` says: the bucket's capacity.
    pub(crate) capacity: u64,
}

/// The bucket's state after one request, for the response headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Taken {
    /// Whether the request got a token.
    pub(crate) allowed: bool,
    /// Whole tokens left.
    pub(crate) remaining: u64,
    /// Time until the bucket is full again.
    pub(crate) full_in: Duration,
    /// Time until the next token (zero while one is left).
    pub(crate) next_in: Duration,
}

impl TokenBucket {
    /// A full bucket. Zeros would make a bucket that never admits or never refills;
    /// they are raised to one request, one token and one nanosecond instead.
    pub(crate) fn new(requests: u64, per: Duration, burst: u64, now: Instant) -> Self {
        let requests = u128::from(requests.max(1));
        let token = per.as_nanos().max(1);
        let capacity = burst.max(1);
        let full = token * u128::from(capacity);
        Self {
            requests,
            token,
            full,
            level: full,
            at: now,
            capacity,
        }
    }

    /// Takes a token if there is one at `now`.
    pub(crate) fn take(&mut self, now: Instant) -> Taken {
        let elapsed = now.saturating_duration_since(self.at).as_nanos();
        self.at = self.at.max(now);
        self.level = self
            .level
            .saturating_add(elapsed.saturating_mul(self.requests))
            .min(self.full);
        let allowed = self.level >= self.token;
        if allowed {
            self.level -= self.token;
        }
        Taken {
            allowed,
            remaining: u64::try_from(self.level / self.token).unwrap_or(u64::MAX),
            full_in: self.time_for(self.full - self.level),
            next_in: self.time_for(self.token.saturating_sub(self.level)),
        }
    }

    /// Time for `units` to drip in, rounded up to the nanosecond.
    fn time_for(&self, units: u128) -> Duration {
        let nanos = units.div_ceil(self.requests);
        let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
        // The remainder of a division by 10^9 fits a u32.
        let sub = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
        Duration::new(secs, sub)
    }
}

/// Whole seconds of `d`, rounded up.
pub(crate) fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(5, Duration::from_secs(1), 5, t0);
        for left in (0..5).rev() {
            let t = b.take(t0);
            assert!(t.allowed);
            assert_eq!(t.remaining, left);
        }
        let refused = b.take(t0);
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.next_in, Duration::from_millis(200));
        assert_eq!(refused.full_in, Duration::from_secs(1));
        assert_eq!(ceil_secs(refused.next_in), 1);

        // 200 ms later one token has dripped in.
        let t = b.take(t0 + Duration::from_millis(200));
        assert!(t.allowed);
        assert_eq!(t.remaining, 0);
        assert!(!b.take(t0 + Duration::from_millis(300)).allowed);
        // A quiet second fills it again, and no further.
        let t = b.take(t0 + Duration::from_secs(10));
        assert!(t.allowed);
        assert_eq!(t.remaining, 4);
        assert_eq!(t.full_in, Duration::from_millis(200));
    }

    #[test]
    fn uneven_rates_and_zeros_do_not_misbehave() {
        let t0 = Instant::now();
        // 3 per 10 s: a token every 3.33... s, rounded up to the nanosecond.
        let mut b = TokenBucket::new(3, Duration::from_secs(10), 1, t0);
        assert!(b.take(t0).allowed);
        let refused = b.take(t0);
        assert_eq!(refused.next_in, Duration::new(3, 333_333_334));
        assert_eq!(ceil_secs(refused.next_in), 4);
        let mut z = TokenBucket::new(0, Duration::ZERO, 0, t0);
        assert!(z.take(t0).allowed);
        assert_eq!(ceil_secs(Duration::ZERO), 0);
    }
}
