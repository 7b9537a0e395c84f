//! The retry budget: a token bucket that bounds how much retrying can add to load.
//!
//! Without it, an outage turns every call into `attempts` calls just when the vendor
//! can least take them. Each retry spends tokens (a retry after a timeout spends more,
//! because timeouts hold vendor resources longest); each call that succeeds gives some
//! back. When the bucket is empty, calls still make their first attempt but are not
//! retried. The numbers follow the AWS SDKs' standard retry mode.

use std::sync::atomic::{AtomicU32, Ordering};

/// Sizes of the retry token bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudgetPolicy {
    /// Tokens in a full bucket (the bucket starts full).
    pub capacity: u32,
    /// Tokens one retry costs.
    pub retry_cost: u32,
    /// Tokens one retry after a timeout costs.
    pub timeout_retry_cost: u32,
    /// Tokens returned by a call that succeeded on its first attempt.
    pub success_refund: u32,
}

impl Default for RetryBudgetPolicy {
    fn default() -> Self {
        Self {
            capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            success_refund: 1,
        }
    }
}

/// A shared, lock-free retry token bucket.
#[derive(Debug)]
pub struct RetryBudget {
    policy: RetryBudgetPolicy,
    tokens: AtomicU32,
}

impl RetryBudget {
    /// A full bucket.
    pub fn new(policy: RetryBudgetPolicy) -> Self {
        Self {
            tokens: AtomicU32::new(policy.capacity),
            policy,
        }
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    /// Takes the cost of one retry; `None` when the bucket cannot pay it. The returned
    /// cost is what a later success refunds.
    pub fn try_acquire(&self, after_timeout: bool) -> Option<u32> {
        let cost = if after_timeout {
            self.policy.timeout_retry_cost
        } else {
            self.policy.retry_cost
        };
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .ok()
            .map(|_| cost)
    }

    /// Records a successful call: a retried call gets back what its retries cost, a
    /// first-attempt success adds `success_refund`, never above capacity.
    pub fn on_success(&self, spent: u32) {
        let refund = if spent > 0 {
            spent
        } else {
            self.policy.success_refund
        };
        let cap = self.policy.capacity;
        if self.tokens.load(Ordering::Relaxed) >= cap {
            // The common case in good times: skip the read-modify-write.
            return;
        }
        // The closure always returns Some, so the update cannot fail.
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_add(refund).min(cap))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_drains_the_bucket_then_retries_stop() {
        let b = RetryBudget::new(RetryBudgetPolicy::default());
        let mut granted = 0;
        while b.try_acquire(false).is_some() {
            granted += 1;
        }
        assert_eq!(granted, 100);
        assert_eq!(b.try_acquire(true), None);
        b.on_success(0);
        assert_eq!(b.available(), 1);
    }

    #[test]
    fn successes_refill_up_to_capacity() {
        let b = RetryBudget::new(RetryBudgetPolicy::default());
        let spent = b.try_acquire(true).expect("full bucket");
        assert_eq!(spent, 10);
        assert_eq!(b.available(), 490);
        b.on_success(spent);
        assert_eq!(b.available(), 500);
        b.on_success(0);
        assert_eq!(b.available(), 500);
    }
}
