//! Quota tracking: usage per fixed window, warnings before it runs out.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use metrics::Gauge;

use crate::error::Error;
use crate::limit::{QuotaCallback, QuotaEvent, QuotaPolicy};
use crate::observe::metrics::QUOTA_USED_RATIO;
use crate::shared::{QuotaStore, StoreGuard};

/// Quota warnings raised: `vendor`, `threshold`.
pub const QUOTA_WARNINGS_TOTAL: &str = "portcullis_quota_warnings_total";

/// Counts an adapter's requests against its quota.
pub(crate) struct QuotaTracker {
    vendor: String,
    key: String,
    policy: QuotaPolicy,
    /// Requests at which each `warn_at` threshold is crossed, with its label.
    marks: Vec<(u64, f64, String)>,
    shared: Option<(Arc<dyn QuotaStore>, Arc<StoreGuard>)>,
    /// This process's count `(window, used)`: without a shared store, and while it is
    /// away. One counter for the one key, so a call hashes nothing.
    local: Mutex<(u64, u64)>,
    replicas: u64,
    callback: Option<QuotaCallback>,
    /// `portcullis_quota_used_ratio` for this vendor, looked up in the recorder on
    /// the first call (like the per-operation handles) rather than on every call,
    /// which cost a label allocation and a registry lookup each time.
    used_ratio: OnceLock<Gauge>,
}

/// One quota window as a call sees it.
struct Window {
    index: u64,
    resets_in: Duration,
    /// The window's requests.
    limit: u64,
    /// What this call may bring the count to (less than `limit` under a reserve).
    cap: u64,
}

impl std::fmt::Debug for QuotaTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuotaTracker")
            .field("key", &self.key)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl QuotaTracker {
    pub(crate) fn new(
        vendor: &str,
        policy: QuotaPolicy,
        shared: Option<(Arc<dyn QuotaStore>, Arc<StoreGuard>)>,
        replicas: u32,
        callback: Option<QuotaCallback>,
    ) -> Result<Self, Error> {
        if policy.requests == 0 || policy.per < Duration::from_secs(1) {
            return Err(Error::config(format!(
                "{vendor}: quota must allow at least one request per window of 1 s or more"
            )));
        }
        if !(0.0..=0.9).contains(&policy.reserve) {
            return Err(Error::config(format!(
                "{vendor}: quota reserve is {}; use a share from 0 to 0.9",
                policy.reserve
            )));
        }
        if let Some(bad) = policy.warn_at.iter().find(|t| !(**t > 0.0 && **t <= 1.0)) {
            return Err(Error::config(format!(
                "{vendor}: quota warn_at {bad} is not a share above 0 and at most 1"
            )));
        }
        let marks = policy
            .warn_at
            .iter()
            .map(|t| {
                let at = ((policy.requests as f64) * t).ceil().max(1.0) as u64;
                (at, *t, format!("{t}"))
            })
            .collect();
        Ok(Self {
            vendor: vendor.to_owned(),
            key: format!("{vendor}:quota"),
            policy,
            marks,
            shared,
            local: Mutex::new((0, 0)),
            replicas: u64::from(replicas.max(1)),
            callback,
            used_ratio: OnceLock::new(),
        })
    }

    /// [`QuotaTracker::take`] when it needs no wait: the count is this process's own
    /// (no shared store). `None`: call `take`.
    pub(crate) fn take_now(&self, critical: bool) -> Option<Result<(), Duration>> {
        self.shared.is_none().then(|| self.take_local(critical))
    }

    /// Counts one request in this process's counter, the only one without a store.
    fn take_local(&self, critical: bool) -> Result<(), Duration> {
        let w = self.window(critical);
        let (admitted, used) = self.add_local(w.index, w.cap);
        self.settle(admitted, used, w.limit, w.resets_in)
    }

    /// Counts one request, or refuses it with the time until the window resets.
    pub(crate) async fn take(&self, critical: bool) -> Result<(), Duration> {
        let Some((store, guard)) = &self.shared else {
            return self.take_local(critical);
        };
        let w = self.window(critical);
        // Kept until the window is over, with an hour's slack for clock skew.
        let ttl = self.policy.per + Duration::from_secs(3600);
        let counted = guard
            .ask("quota", store.add_within(&self.key, w.index, 1, w.cap, ttl))
            .await;
        let (admitted, used, limit) = match counted {
            Some((admitted, used)) => (admitted, used, w.limit),
            None => {
                // Alone while the store is away, this replica may use its share of
                // what is left.
                let (admitted, used) = self.add_local(w.index, w.cap / self.replicas);
                (admitted, used, w.limit / self.replicas)
            }
        };
        self.settle(admitted, used, limit, w.resets_in)
    }

    /// The current window and what a call of this criticality may use of it.
    fn window(&self, critical: bool) -> Window {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let per = self.policy.per.as_secs().max(1);
        let index = now.as_secs() / per;
        let resets_in = Duration::from_secs((index + 1) * per).saturating_sub(now);
        let limit = self.policy.requests;
        let cap = if critical {
            limit
        } else {
            ((limit as f64) * (1.0 - self.policy.reserve)).floor() as u64
        };
        Window {
            index,
            resets_in,
            limit,
            cap,
        }
    }

    /// The gauge, the refusal and the threshold warnings of one counted request.
    fn settle(
        &self,
        admitted: bool,
        used: u64,
        limit: u64,
        resets_in: Duration,
    ) -> Result<(), Duration> {
        let ratio = used as f64 / limit.max(1) as f64;
        self.used_ratio
            .get_or_init(|| metrics::gauge!(QUOTA_USED_RATIO, "vendor" => self.vendor.clone()))
            .set(ratio);
        if !admitted {
            return Err(resets_in);
        }
        // The counter moves one at a time, so exactly one request (in any replica)
        // lands on each mark: one event per threshold and window.
        for (at, threshold, label) in &self.marks {
            if used == *at {
                self.warn(*threshold, label, used, limit, resets_in);
            }
        }
        Ok(())
    }

    /// Counts one request in the local counter unless it would pass `cap` (the
    /// `InMemoryQuotaStore` rule: a new window starts from zero).
    fn add_local(&self, window: u64, cap: u64) -> (bool, u64) {
        let mut local = self.local.lock().unwrap_or_else(|e| e.into_inner());
        if local.0 != window {
            *local = (window, 0);
        }
        let after = local.1.saturating_add(1);
        if after <= cap {
            local.1 = after;
            (true, after)
        } else {
            (false, local.1)
        }
    }

    fn warn(&self, threshold: f64, label: &str, used: u64, limit: u64, resets_in: Duration) {
        tracing::warn!(vendor = %self.vendor, threshold, used, limit, ?resets_in, "quota threshold crossed");
        metrics::counter!(QUOTA_WARNINGS_TOTAL, "vendor" => self.vendor.clone(), "threshold" => label.to_owned())
            .increment(1);
        if let Some(cb) = &self.callback {
            cb(&QuotaEvent {
                vendor: self.vendor.clone(),
                threshold,
                used,
                limit,
                resets_in,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn warns_once_per_threshold_then_refuses_with_the_reset() {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let policy = QuotaPolicy {
            warn_at: vec![0.5, 0.8],
            ..QuotaPolicy::new(10, Duration::from_secs(24 * 3600))
        };
        let q = QuotaTracker::new(
            "V",
            policy,
            None,
            1,
            Some(Arc::new(move |e: &QuotaEvent| {
                seen.lock().expect("lock").push((e.threshold, e.used))
            })),
        )
        .expect("valid");
        for _ in 0..10 {
            q.take(false).await.expect("within quota");
        }
        assert_eq!(*events.lock().expect("lock"), vec![(0.5, 5), (0.8, 8)]);
        let reset = q.take(false).await.expect_err("exhausted");
        assert!(reset <= Duration::from_secs(24 * 3600));
    }

    #[tokio::test]
    async fn critical_calls_use_the_reserve() {
        let policy = QuotaPolicy::new(10, Duration::from_secs(3600)).reserve(0.2);
        let q = QuotaTracker::new("V", policy, None, 1, None).expect("valid");
        for _ in 0..8 {
            q.take(false).await.expect("normal share");
        }
        assert!(q.take(false).await.is_err(), "normal share used up");
        q.take(true).await.expect("reserve");
        q.take(true).await.expect("reserve");
        assert!(q.take(true).await.is_err(), "all used");
    }

    #[test]
    fn bad_policies_are_config_errors() {
        let bad = [
            QuotaPolicy::new(0, Duration::from_secs(60)),
            QuotaPolicy::new(10, Duration::ZERO),
            QuotaPolicy::new(10, Duration::from_secs(60)).reserve(1.0),
            QuotaPolicy {
                warn_at: vec![1.5],
                ..QuotaPolicy::new(10, Duration::from_secs(60))
            },
        ];
        for p in bad {
            assert!(QuotaTracker::new("V", p, None, 1, None).is_err());
        }
    }
}
