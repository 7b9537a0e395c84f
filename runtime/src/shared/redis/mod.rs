//! Shared state in Redis: one multiplexed connection, four stores, atomic Lua scripts.
//!
//! (Skeleton: filled in by the Redis work; the public API below is fixed.)

use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::idempotency::IdempotencyStore;
use crate::shared::{FallbackCache, QuotaStore, RateStore};

/// How to reach Redis and how long to wait for it.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisConfig {
    /// `redis://host:port/db` (or `rediss://` for TLS).
    pub url: String,
    /// Prefix of every key, so several services can share one Redis.
    pub prefix: String,
    /// Limit on one command, round trip included; past it the runtime uses local state.
    pub timeout: Duration,
    /// How long to keep using local state after a failure before trying Redis again.
    pub retry_after: Duration,
    /// How many replicas share the vendor's limits: while Redis is unreachable each
    /// replica limits itself to `1 / replicas` of the rate and quota.
    pub replicas: u32,
}

impl RedisConfig {
    /// Defaults: prefix `portcullis`, 50 ms per command, retry after 1 s, 1 replica.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: "portcullis".to_owned(),
            timeout: Duration::from_millis(50),
            retry_after: Duration::from_secs(1),
            replicas: 1,
        }
    }
}

/// One Redis connection and the stores over it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RedisState {
    config: Arc<RedisConfig>,
}

impl RedisState {
    /// Validates the URL; connects lazily on first use (so building a pipeline never
    /// waits for Redis).
    pub fn new(config: RedisConfig) -> Result<Self, Error> {
        Ok(Self {
            config: Arc::new(config),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RedisConfig {
        &self.config
    }

    /// The rate limiter's store.
    pub fn rate_store(&self) -> Arc<dyn RateStore> {
        Arc::new(crate::shared::InMemoryRateStore::default())
    }

    /// The quota counters' store.
    pub fn quota_store(&self) -> Arc<dyn QuotaStore> {
        Arc::new(crate::shared::InMemoryQuotaStore::default())
    }

    /// The idempotency store.
    pub fn idempotency_store(&self) -> Arc<dyn IdempotencyStore> {
        Arc::new(crate::idempotency::InMemoryIdempotencyStore::new())
    }

    /// The fallback cache.
    pub fn fallback_cache(&self) -> Arc<dyn FallbackCache> {
        Arc::new(crate::shared::InMemoryFallbackCache::default())
    }

    /// Commands sent so far (the benchmark's round trips per call).
    pub fn round_trips(&self) -> u64 {
        0
    }
}
