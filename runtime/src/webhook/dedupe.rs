//! Exactly-once processing: the store that remembers which events were handled.
//!
//! Every event is **claimed** before its handler runs (a lease that expires on its
//! own), **completed** when the handler succeeds (kept for the retention, so
//! redeliveries are recognised), and **released** when it fails (so the vendor's
//! redelivery runs it again). A claim is one atomic step: of two deliveries of one
//! event, in one process or in replicas sharing Redis, exactly one gets
//! [`Claim::Claimed`]; the other gets [`Claim::InFlight`] while the first runs and
//! [`Claim::Processed`] after it succeeded.
//!
//! Implementations: [`InMemoryDedupeStore`] (one process; the default) and the Redis
//! one, [`crate::shared::RedisState::dedupe_store`] (replicas).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::shared::StoreFuture;

/// What [`DedupeStore::claim`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Nobody had it: it is ours until the lease ends, to complete or release.
    Claimed,
    /// Another delivery holds a claim on it and has not finished.
    InFlight,
    /// It was processed: acknowledge without handling it again.
    Processed,
}

/// Where claims and processed events are kept, keyed by `<vendor>:<event id>`.
///
/// `token` identifies one claim: [`DedupeStore::release`] removes only the claim it
/// names, so a handler that outlived its lease cannot release a later delivery's claim.
pub trait DedupeStore: Send + Sync + fmt::Debug {
    /// Claims `key` for `lease` unless it is claimed or processed; atomic.
    fn claim<'a>(&'a self, key: &'a str, token: &'a str, lease: Duration)
    -> StoreFuture<'a, Claim>;
    /// Marks `key` processed for `retention` (whoever holds a claim on it).
    fn complete<'a>(&'a self, key: &'a str, retention: Duration) -> StoreFuture<'a, ()>;
    /// Drops the claim `token` on `key`, if it still holds it.
    fn release<'a>(&'a self, key: &'a str, token: &'a str) -> StoreFuture<'a, ()>;
}

/// The store key of an event: `<vendor>:<id>`, with the id replaced by its SHA-256
/// when it is long or has bytes outside visible ASCII, so keys stay short and
/// printable whatever a vendor's ids look like.
pub(crate) fn key(vendor: &str, id: &str) -> String {
    if id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()) {
        format!("{vendor}:{id}")
    } else {
        format!(
            "{vendor}:sha256:{}",
            hex::encode(Sha256::digest(id.as_bytes()))
        )
    }
}

/// A process-local [`DedupeStore`]: right for one replica and for tests. Expired
/// entries are swept whenever the map has doubled since the last sweep, so memory
/// follows the events of one retention period.
#[derive(Debug, Default)]
pub struct InMemoryDedupeStore {
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, (State, Instant)>,
    sweep_at: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Claimed(String),
    Processed,
}

impl InMemoryDedupeStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries held (claims and processed events; expired ones until the next sweep).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn claim_now(&self, key: &str, token: &str, lease: Duration) -> Claim {
        let now = Instant::now();
        let mut entries = self.lock();
        if let Some((state, expires)) = entries.map.get(key) {
            if *expires > now {
                return match state {
                    State::Processed => Claim::Processed,
                    State::Claimed(_) => Claim::InFlight,
                };
            }
        }
        entries.insert(key, State::Claimed(token.to_owned()), until(now, lease));
        Claim::Claimed
    }
}

impl Entries {
    fn insert(&mut self, key: &str, state: State, expires: Instant) {
        if self.map.len() >= self.sweep_at {
            let now = Instant::now();
            self.map.retain(|_, (_, exp)| *exp > now);
            self.sweep_at = (self.map.len() * 2).max(1024);
        }
        self.map.insert(key.to_owned(), (state, expires));
    }
}

/// `now + d`, or a century when that does not fit.
fn until(now: Instant, d: Duration) -> Instant {
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

impl DedupeStore for InMemoryDedupeStore {
    fn claim<'a>(
        &'a self,
        key: &'a str,
        token: &'a str,
        lease: Duration,
    ) -> StoreFuture<'a, Claim> {
        let claim = self.claim_now(key, token, lease);
        Box::pin(async move { Ok(claim) })
    }

    fn complete<'a>(&'a self, key: &'a str, retention: Duration) -> StoreFuture<'a, ()> {
        let now = Instant::now();
        self.lock()
            .insert(key, State::Processed, until(now, retention));
        Box::pin(async { Ok(()) })
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a str) -> StoreFuture<'a, ()> {
        let mut entries = self.lock();
        if matches!(entries.map.get(key), Some((State::Claimed(t), _)) if t == token) {
            entries.map.remove(key);
        }
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(60);

    #[tokio::test(start_paused = true)]
    async fn claim_complete_release_and_expiry() {
        let s = InMemoryDedupeStore::new();
        assert_eq!(
            s.claim("v:e1", "t1", LEASE).await.expect("store"),
            Claim::Claimed
        );
        assert_eq!(
            s.claim("v:e1", "t2", LEASE).await.expect("store"),
            Claim::InFlight
        );
        // Released by someone else's token: nothing happens.
        s.release("v:e1", "t2").await.expect("store");
        assert_eq!(
            s.claim("v:e1", "t2", LEASE).await.expect("store"),
            Claim::InFlight
        );
        s.release("v:e1", "t1").await.expect("store");
        assert_eq!(
            s.claim("v:e1", "t3", LEASE).await.expect("store"),
            Claim::Claimed
        );
        s.complete("v:e1", Duration::from_secs(3600))
            .await
            .expect("store");
        assert_eq!(
            s.claim("v:e1", "t4", LEASE).await.expect("store"),
            Claim::Processed
        );
        // A release after completion does not forget the event.
        s.release("v:e1", "t3").await.expect("store");
        assert_eq!(
            s.claim("v:e1", "t4", LEASE).await.expect("store"),
            Claim::Processed
        );
        // A lease ends on its own (the process holding it died).
        assert_eq!(
            s.claim("v:e2", "t1", LEASE).await.expect("store"),
            Claim::Claimed
        );
        tokio::time::advance(LEASE + Duration::from_millis(1)).await;
        assert_eq!(
            s.claim("v:e2", "t2", LEASE).await.expect("store"),
            Claim::Claimed
        );
        // Retention ends too.
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert_eq!(
            s.claim("v:e1", "t5", LEASE).await.expect("store"),
            Claim::Claimed
        );
        s.complete("v:e3", Duration::MAX)
            .await
            .expect("no overflow");
    }

    #[tokio::test(start_paused = true)]
    async fn expired_entries_are_swept_as_the_map_grows() {
        let s = InMemoryDedupeStore::new();
        for i in 0..1024 {
            s.complete(&format!("v:{i}"), Duration::from_secs(1))
                .await
                .expect("store");
        }
        tokio::time::advance(Duration::from_secs(2)).await;
        s.complete("v:new", Duration::from_secs(1))
            .await
            .expect("store");
        assert_eq!(s.len(), 1, "the expired 1024 were swept");
    }

    #[test]
    fn keys_are_short_and_printable() {
        assert_eq!(key("stripe", "evt_1"), "stripe:evt_1");
        let long = key("stripe", &"x".repeat(500));
        assert!(long.starts_with("stripe:sha256:") && long.len() == "stripe:sha256:".len() + 64);
        assert!(key("v", "has space").starts_with("v:sha256:"));
        assert_ne!(key("v", "a b"), key("v", "a  b"));
    }
}
