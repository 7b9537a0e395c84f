//! Where keys of calls with unknown outcome are remembered.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::Error;

/// The future an [`IdempotencyStore`] method returns (boxed, so the trait stays usable
/// as `dyn IdempotencyStore`).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// Remembers the idempotency key of a call whose outcome is unknown, so a replay of
/// the same logical call reuses it. Implement it over Redis or a database to survive
/// restarts and share keys between replicas; the runtime ships the in-memory one.
///
/// `fingerprint` is a hex digest of the operation and the request's identifying bytes.
/// A store failure never fails the call: the pipeline logs it and draws a fresh key.
pub trait IdempotencyStore: Send + Sync + fmt::Debug {
    /// The remembered key for this call, if any and not expired.
    fn lookup<'a>(
        &'a self,
        operation: &'a str,
        fingerprint: &'a str,
    ) -> StoreFuture<'a, Option<String>>;
    /// Remembers `key` for `ttl`.
    fn remember<'a>(
        &'a self,
        operation: &'a str,
        fingerprint: &'a str,
        key: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, ()>;
    /// Forgets the key: the call's outcome is now known.
    fn forget<'a>(&'a self, operation: &'a str, fingerprint: &'a str) -> StoreFuture<'a, ()>;
}

/// A process-local [`IdempotencyStore`].
#[derive(Debug, Default)]
pub struct InMemoryIdempotencyStore {
    entries: Mutex<HashMap<(String, String), (String, Instant)>>,
}

impl InMemoryIdempotencyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many keys are remembered (expired ones included until the next write).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl IdempotencyStore for InMemoryIdempotencyStore {
    fn lookup<'a>(
        &'a self,
        operation: &'a str,
        fingerprint: &'a str,
    ) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            Ok(entries
                .get(&(operation.to_owned(), fingerprint.to_owned()))
                .filter(|(_, expires)| *expires > Instant::now())
                .map(|(key, _)| key.clone()))
        })
    }

    fn remember<'a>(
        &'a self,
        operation: &'a str,
        fingerprint: &'a str,
        key: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let now = Instant::now();
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            // Expired entries are swept on write so the map cannot grow without bound.
            entries.retain(|_, (_, expires)| *expires > now);
            entries.insert(
                (operation.to_owned(), fingerprint.to_owned()),
                // A TTL too large to represent keeps the key for a century instead.
                (
                    key.to_owned(),
                    now.checked_add(ttl)
                        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600)),
                ),
            );
            Ok(())
        })
    }

    fn forget<'a>(&'a self, operation: &'a str, fingerprint: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries.remove(&(operation.to_owned(), fingerprint.to_owned()));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn remembers_until_forgotten_or_expired() {
        let s = InMemoryIdempotencyStore::new();
        assert_eq!(s.lookup("op", "fp").await.ok().flatten(), None);
        s.remember("op", "fp", "k1", Duration::from_secs(60))
            .await
            .expect("store");
        assert_eq!(
            s.lookup("op", "fp").await.ok().flatten().as_deref(),
            Some("k1")
        );
        assert_eq!(s.lookup("other", "fp").await.ok().flatten(), None);
        s.forget("op", "fp").await.expect("store");
        assert_eq!(s.lookup("op", "fp").await.ok().flatten(), None);
        s.remember("op", "fp", "forever", Duration::MAX)
            .await
            .expect("no overflow");
        assert_eq!(
            s.lookup("op", "fp").await.ok().flatten().as_deref(),
            Some("forever")
        );
        s.remember("op", "fp", "k2", Duration::ZERO)
            .await
            .expect("store");
        assert_eq!(s.lookup("op", "fp").await.ok().flatten(), None, "expired");
    }
}
