//! The in-process stores: the default, and what a replica uses while Redis is away.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::limit::gcra::{self, LaneState};
use crate::shared::{
    Admission, CachedResponse, FallbackCache, Lane, QuotaStore, RateStore, StoreFuture,
};

/// Rate-limiter lanes in this process.
#[derive(Debug)]
pub struct InMemoryRateStore {
    /// The clock's zero: TATs are nanoseconds since then.
    epoch: Instant,
    tats: Mutex<HashMap<String, u64>>,
}

impl Default for InMemoryRateStore {
    fn default() -> Self {
        Self {
            epoch: Instant::now(),
            tats: Mutex::new(HashMap::new()),
        }
    }
}

impl InMemoryRateStore {
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// The decision, taken under the lock; separate so it stays synchronous. Reads
    /// each lane in place and writes it back: no allocation unless a lane is new, and
    /// the lock is held for a few lookups.
    fn decide(&self, lanes: &[Lane], cost: u32, max_wait: Duration) -> Admission {
        let now = self.now();
        let mut tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        // One lane (a bucket without a reserve) is the usual case: one lookup then.
        if let [lane] = lanes {
            if let Some(tat) = tats.get_mut(&lane.key) {
                let state = LaneState {
                    tat: *tat,
                    interval: nanos(lane.interval),
                    burst: lane.burst,
                };
                let at = gcra::slot_at(now, [state], cost);
                let wait = Duration::from_nanos(at - now);
                if wait > max_wait {
                    return Admission::Refused { retry_after: wait };
                }
                *tat = gcra::tat_after(&state, at, cost);
                return Admission::Go { wait };
            }
        }
        let state = |tats: &HashMap<String, u64>, l: &Lane| LaneState {
            tat: tats.get(&l.key).copied().unwrap_or(0),
            interval: nanos(l.interval),
            burst: l.burst,
        };
        let at = gcra::slot_at(now, lanes.iter().map(|l| state(&tats, l)), cost);
        let wait = Duration::from_nanos(at - now);
        if wait > max_wait {
            return Admission::Refused { retry_after: wait };
        }
        for lane in lanes {
            let next = gcra::tat_after(&state(&tats, lane), at, cost);
            match tats.get_mut(&lane.key) {
                Some(tat) => *tat = next,
                None => {
                    tats.insert(lane.key.clone(), next);
                }
            }
        }
        Admission::Go { wait }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl RateStore for InMemoryRateStore {
    fn reserve<'a>(
        &'a self,
        lanes: &'a [Lane],
        cost: u32,
        max_wait: Duration,
    ) -> StoreFuture<'a, Admission> {
        let decision = self.decide(lanes, cost, max_wait);
        Box::pin(async move { Ok(decision) })
    }

    fn pause<'a>(&'a self, lanes: &'a [Lane], pause: Duration) -> StoreFuture<'a, ()> {
        let until = self.now().saturating_add(nanos(pause));
        let mut tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        for lane in lanes {
            let tat = tats.entry(lane.key.clone()).or_insert(0);
            // The first cell after the pause may go exactly at its end.
            let tolerance = nanos(lane.interval).saturating_mul(u64::from(lane.burst.max(1) - 1));
            *tat = (*tat).max(until.saturating_add(tolerance));
        }
        Box::pin(async { Ok(()) })
    }
}

/// Quota counters in this process.
#[derive(Debug, Default)]
pub struct InMemoryQuotaStore {
    counters: Mutex<HashMap<String, (u64, u64)>>,
}

impl InMemoryQuotaStore {
    /// The decision, under the lock. The key is copied only the first time it is seen.
    fn add_now(&self, key: &str, window: u64, n: u64, cap: u64) -> (bool, u64) {
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = counters.get_mut(key) {
            return add_to(entry, window, n, cap);
        }
        add_to(
            counters.entry(key.to_owned()).or_insert((window, 0)),
            window,
            n,
            cap,
        )
    }
}

/// Adds `n` to a `(window, count)` counter, starting over in a new window, unless the
/// count would pass `cap`.
fn add_to(entry: &mut (u64, u64), window: u64, n: u64, cap: u64) -> (bool, u64) {
    if entry.0 != window {
        *entry = (window, 0);
    }
    let after = entry.1.saturating_add(n);
    if after <= cap {
        entry.1 = after;
        (true, after)
    } else {
        (false, entry.1)
    }
}

impl QuotaStore for InMemoryQuotaStore {
    fn add_within<'a>(
        &'a self,
        key: &'a str,
        window: u64,
        n: u64,
        cap: u64,
        _ttl: Duration,
    ) -> StoreFuture<'a, (bool, u64)> {
        let decision = self.add_now(key, window, n, cap);
        Box::pin(async move { Ok(decision) })
    }
}

/// The fallback cache in this process, bounded in entries.
#[derive(Debug)]
pub struct InMemoryFallbackCache {
    max_entries: usize,
    entries: Mutex<HashMap<String, (CachedResponse, Instant)>>,
}

impl Default for InMemoryFallbackCache {
    fn default() -> Self {
        Self::with_capacity(10_000)
    }
}

impl InMemoryFallbackCache {
    /// A cache holding at most `max_entries` responses; when full, expired entries
    /// are dropped first, then the oldest.
    pub fn with_capacity(max_entries: usize) -> Self {
        Self {
            max_entries: max_entries.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Entries held (expired ones included until the next write).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl FallbackCache for InMemoryFallbackCache {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<CachedResponse>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let hit = entries
            .get(key)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(entry, _)| entry.clone());
        Box::pin(async move { Ok(hit) })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        entry: CachedResponse,
        keep_for: Duration,
    ) -> StoreFuture<'a, ()> {
        let now = Instant::now();
        let expires = now
            .checked_add(keep_for)
            .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600));
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.max_entries && !entries.contains_key(key) {
            entries.retain(|_, (_, exp)| *exp > now);
            if entries.len() >= self.max_entries {
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, (e, _))| e.stored_at)
                    .map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    entries.remove(&k);
                }
            }
        }
        entries.insert(key.to_owned(), (entry, expires));
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn lane(key: &str, interval_ms: u64) -> Lane {
        Lane {
            key: key.into(),
            interval: Duration::from_millis(interval_ms),
            burst: 1,
        }
    }

    #[tokio::test]
    async fn reservations_queue_and_refuse_past_max_wait() {
        let s = InMemoryRateStore::default();
        let lanes = [lane("a", 100)];
        let wait = |a| match a {
            Admission::Go { wait } => wait,
            Admission::Refused { .. } => panic!("refused: {a:?}"),
        };
        let first = wait(
            s.reserve(&lanes, 1, Duration::from_secs(1))
                .await
                .expect("store"),
        );
        let second = wait(
            s.reserve(&lanes, 1, Duration::from_secs(1))
                .await
                .expect("store"),
        );
        assert!(first < Duration::from_millis(5), "{first:?}");
        assert!(second > Duration::from_millis(90), "{second:?}");
        // The third slot is ~200 ms away: refused with that wait, and nothing taken.
        let refused = s
            .reserve(&lanes, 1, Duration::from_millis(150))
            .await
            .expect("store");
        let Admission::Refused { retry_after } = refused else {
            panic!("{refused:?}")
        };
        assert!(retry_after > Duration::from_millis(150), "{retry_after:?}");
        let third = wait(
            s.reserve(&lanes, 1, Duration::from_secs(1))
                .await
                .expect("store"),
        );
        assert!(third <= retry_after, "refusal reserved nothing");
    }

    #[tokio::test]
    async fn pause_holds_every_lane_until_it_ends() {
        let s = InMemoryRateStore::default();
        let lanes = [lane("a", 10)];
        s.pause(&lanes, Duration::from_millis(500))
            .await
            .expect("store");
        let got = s
            .reserve(&lanes, 1, Duration::from_secs(1))
            .await
            .expect("store");
        let Admission::Go { wait } = got else {
            panic!("{got:?}")
        };
        assert!(wait > Duration::from_millis(480), "{wait:?}");
    }

    #[tokio::test]
    async fn quota_adds_up_to_the_cap_and_resets_per_window() {
        let q = InMemoryQuotaStore::default();
        let ttl = Duration::from_secs(60);
        assert_eq!(
            q.add_within("k", 1, 2, 3, ttl).await.expect("store"),
            (true, 2)
        );
        assert_eq!(
            q.add_within("k", 1, 2, 3, ttl).await.expect("store"),
            (false, 2)
        );
        assert_eq!(
            q.add_within("k", 1, 1, 3, ttl).await.expect("store"),
            (true, 3)
        );
        assert_eq!(
            q.add_within("k", 2, 1, 3, ttl).await.expect("store"),
            (true, 1)
        );
    }

    #[tokio::test]
    async fn cache_expires_and_stays_bounded() {
        let c = InMemoryFallbackCache::with_capacity(2);
        let entry = |n: u8| CachedResponse {
            status: 200,
            content_type: None,
            body: vec![n].into(),
            stored_at: SystemTime::now(),
        };
        c.put("a", entry(1), Duration::from_secs(60))
            .await
            .expect("store");
        c.put("b", entry(2), Duration::ZERO).await.expect("store");
        assert!(c.get("b").await.expect("store").is_none(), "expired");
        c.put("c", entry(3), Duration::from_secs(60))
            .await
            .expect("store");
        assert_eq!(c.len(), 2, "the expired entry made room");
        assert_eq!(c.get("a").await.expect("store").map(|e| e.body[0]), Some(1));
    }
}
