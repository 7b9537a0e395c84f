//! State that replicas of a service must share: the rate limiter's buckets, quota
//! counters, webhook deliveries seen and the fallback cache.
//!
//! Each is a trait with an in-process implementation (the default) and a Redis one
//! ([`redis`], atomic Lua scripts), chosen by [`SharedState`] in
//! [`crate::AdapterConfig::shared_state`]. A store failure never fails a call: the
//! runtime falls back to local state, logs it once per outage and sets
//! `portcullis_shared_state_up` to 0 (see `docs/runtime.md`).

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;

/// The future a shared-state store method returns (boxed, so the store traits stay
/// usable as `dyn` objects).
pub type StoreFuture<'a, T> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<T, crate::error::Error>> + Send + 'a>,
>;

mod guard;
mod memory;
pub mod redis;

pub(crate) use guard::StoreGuard;
pub use guard::{SHARED_STATE_FALLBACKS_TOTAL, SHARED_STATE_UP};

pub use memory::{InMemoryFallbackCache, InMemoryQuotaStore, InMemoryRateStore};
pub use redis::{RedisConfig, RedisState};

/// Where shared state lives.
#[derive(Debug, Clone, Default)]
pub enum SharedState {
    /// In this process only (the default): right for one replica, and for tests.
    #[default]
    Local,
    /// In one Redis that every replica of the service points at.
    Redis(RedisConfig),
}

/// One lane of a GCRA bucket: cells are emitted every `interval`, and up to `burst`
/// cells may go at once after a quiet period.
///
/// A bucket with a reserve for critical operations has two lanes: every call goes
/// through the whole-rate lane, and non-critical calls also through a slower one
/// (`(1 - reserve)` of the rate), which leaves the reserve to critical calls.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Lane {
    /// Storage key, unique per adapter, bucket and lane.
    pub key: String,
    /// Time between two cells at the sustained rate.
    pub interval: Duration,
    /// Cells that may go back to back (at least 1).
    pub burst: u32,
}

/// What [`RateStore::reserve`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A slot is reserved in every lane; the caller may send after waiting `wait`.
    Go {
        /// How long until the reserved slot (zero: now).
        wait: Duration,
    },
    /// The next slot is further away than the caller can wait; nothing was reserved.
    Refused {
        /// When a slot would be free.
        retry_after: Duration,
    },
}

/// Rate-limiter state: GCRA with reservations.
///
/// `reserve` is atomic: it computes the earliest slot at which every lane admits
/// `cost` cells, and reserves it in all lanes only if it is at most `max_wait` away.
/// Callers sleep until their slot, so waiting calls form a queue ordered by arrival,
/// and the queue's length is bounded by the wait a caller accepts.
pub trait RateStore: Send + Sync + fmt::Debug {
    /// Reserves `cost` cells in every lane of `lanes`, no later than `max_wait` from now.
    fn reserve<'a>(
        &'a self,
        lanes: &'a [Lane],
        cost: u32,
        max_wait: Duration,
    ) -> StoreFuture<'a, Admission>;

    /// Admits nothing in `lanes` for `pause` from now (the vendor said its window is
    /// used up until then). Later reservations queue behind the pause.
    fn pause<'a>(&'a self, lanes: &'a [Lane], pause: Duration) -> StoreFuture<'a, ()>;
}

/// Quota counters: usage per fixed window.
pub trait QuotaStore: Send + Sync + fmt::Debug {
    /// Adds `n` to the counter `key` of window `window` if the result stays at or below
    /// `cap`; returns whether it was added and the usage after the decision. The
    /// counter may be dropped `ttl` after its window's first use.
    fn add_within<'a>(
        &'a self,
        key: &'a str,
        window: u64,
        n: u64,
        cap: u64,
        ttl: Duration,
    ) -> StoreFuture<'a, (bool, u64)>;
}

/// A response kept to stand in for the vendor (the `cache` fallback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedResponse {
    /// HTTP status (always a 2xx: only successes are kept).
    pub status: u16,
    /// The response's `Content-Type`, if it had one.
    pub content_type: Option<String>,
    /// The body as received.
    pub body: Bytes,
    /// When the vendor sent it.
    pub stored_at: SystemTime,
}

/// The fallback cache: the last good response of each read.
pub trait FallbackCache: Send + Sync + fmt::Debug {
    /// The entry under `key`, if any.
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<CachedResponse>>;
    /// Stores `entry` under `key`, kept for `keep_for` (fresh time plus stale window).
    fn put<'a>(
        &'a self,
        key: &'a str,
        entry: CachedResponse,
        keep_for: Duration,
    ) -> StoreFuture<'a, ()>;
}
