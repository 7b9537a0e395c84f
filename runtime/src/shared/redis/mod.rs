//! Shared state in Redis: one multiplexed connection, four stores, atomic Lua scripts.
//!
//! Keys (all under [`RedisConfig::prefix`]):
//!
//! | key | holds | written by |
//! |---|---|---|
//! | `<prefix>:{<adapter>:rate:<bucket>}:all` (`:normal`) | a lane's TAT, µs on Redis's clock | `gcra.lua`, `pause.lua` |
//! | `<prefix>:<adapter>:quota:<window>` | requests counted in a quota window | `quota.lua` |
//! | `<prefix>:idem:<operation>:<fingerprint>` | the key of a call with unknown outcome | `SET PX` / `GET` / `DEL` |
//! | `<prefix>:<adapter>:cache:<operation>:<digest>` | a hash: status, content type, stored-at, body | `cache_put.lua`, `HMGET` |
//!
//! Why Lua: each decision reads and writes several values (every lane of a bucket, a
//! counter and its cap); as one script it runs atomically, so replicas never
//! interleave, and it reads Redis `TIME`, so they share one clock. The lanes of a
//! bucket share a hash tag (`{...}`), so the scripts also run on Redis Cluster.
//!
//! Every command is bounded by [`RedisConfig::timeout`], connecting included; after a
//! failure the connection is dropped and not retried for [`RedisConfig::retry_after`],
//! so a dead Redis costs each call at most one timeout, then nothing.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Script};
use tokio::time::Instant;

use crate::error::Error;
use crate::idempotency::IdempotencyStore;
use crate::shared::{
    Admission, CachedResponse, FallbackCache, Lane, QuotaStore, RateStore, StoreFuture,
};

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
///
/// ```no_run
/// use portcullis_runtime::shared::{RedisConfig, RedisState};
///
/// let redis = RedisState::new(RedisConfig::new("redis://127.0.0.1:6379")).expect("valid URL");
/// let store = redis.idempotency_store();
/// # let _ = store;
/// ```
#[derive(Clone)]
pub struct RedisState {
    inner: Arc<Conn>,
}

struct Conn {
    config: RedisConfig,
    client: redis::Client,
    /// The live connection; `None` until the first use and after a failure.
    conn: Mutex<Option<MultiplexedConnection>>,
    /// One connect at a time; others wait for it (within their timeout).
    connecting: tokio::sync::Mutex<()>,
    /// After a failure: no new connection before this.
    down_until: Mutex<Option<Instant>>,
    trips: AtomicU64,
    gcra: Script,
    pause: Script,
    quota: Script,
    cache_put: Script,
}

impl fmt::Debug for RedisState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisState")
            .field("prefix", &self.inner.config.prefix)
            .field("timeout", &self.inner.config.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisState {
    /// Validates the URL; connects lazily on first use (so building a pipeline never
    /// waits for Redis).
    pub fn new(config: RedisConfig) -> Result<Self, Error> {
        // The message leaves the URL out: it may carry a password.
        let client = redis::Client::open(config.url.as_str())
            .map_err(|e| Error::config(format!("Redis URL is invalid: {}", e.kind_name())))?;
        Ok(Self {
            inner: Arc::new(Conn {
                config,
                client,
                conn: Mutex::new(None),
                connecting: tokio::sync::Mutex::new(()),
                down_until: Mutex::new(None),
                trips: AtomicU64::new(0),
                gcra: Script::new(include_str!("gcra.lua")),
                pause: Script::new(include_str!("pause.lua")),
                quota: Script::new(include_str!("quota.lua")),
                cache_put: Script::new(include_str!("cache_put.lua")),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RedisConfig {
        &self.inner.config
    }

    /// The rate limiter's store.
    pub fn rate_store(&self) -> Arc<dyn RateStore> {
        Arc::new(self.clone())
    }

    /// The quota counters' store.
    pub fn quota_store(&self) -> Arc<dyn QuotaStore> {
        Arc::new(self.clone())
    }

    /// The idempotency store.
    pub fn idempotency_store(&self) -> Arc<dyn IdempotencyStore> {
        Arc::new(self.clone())
    }

    /// The fallback cache.
    pub fn fallback_cache(&self) -> Arc<dyn FallbackCache> {
        Arc::new(self.clone())
    }

    /// Commands sent so far (the benchmark's round trips per call).
    pub fn round_trips(&self) -> u64 {
        self.inner.trips.load(Ordering::Relaxed)
    }

    fn key(&self, rest: &str) -> String {
        format!("{}:{rest}", self.inner.config.prefix)
    }

    /// Runs one command (or script) on the shared connection, connecting if needed,
    /// all within the configured timeout.
    async fn run<T, F, Fut>(&self, what: &'static str, f: F) -> Result<T, Error>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let c = &*self.inner;
        let work = async {
            let conn = self.connection().await?;
            c.trips.fetch_add(1, Ordering::Relaxed);
            f(conn)
                .await
                .map_err(|e| Error::store(format!("redis {what}: {}", e.kind_name_or_code())))
        };
        match tokio::time::timeout(c.config.timeout, work).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                self.mark_down();
                Err(e)
            }
            Err(_) => {
                self.mark_down();
                Err(Error::store(format!(
                    "redis {what}: no answer within {:?}",
                    c.config.timeout
                )))
            }
        }
    }

    async fn connection(&self) -> Result<MultiplexedConnection, Error> {
        let c = &*self.inner;
        if let Some(conn) = lock(&c.conn).clone() {
            return Ok(conn);
        }
        let _one = c.connecting.lock().await;
        if let Some(conn) = lock(&c.conn).clone() {
            return Ok(conn);
        }
        if lock(&c.down_until).is_some_and(|until| Instant::now() < until) {
            return Err(Error::store("redis: unreachable, retrying later"));
        }
        let cfg = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(c.config.timeout))
            .set_response_timeout(Some(c.config.timeout));
        let conn = c
            .client
            .get_multiplexed_async_connection_with_config(&cfg)
            .await
            .map_err(|e| {
                self.mark_down();
                Error::store(format!("redis connect: {}", e.kind_name_or_code()))
            })?;
        *lock(&c.conn) = Some(conn.clone());
        *lock(&c.down_until) = None;
        Ok(conn)
    }

    /// Drops the connection (a multiplexed connection that failed stays failed) and
    /// leaves Redis alone for `retry_after`.
    fn mark_down(&self) {
        let c = &*self.inner;
        *lock(&c.conn) = None;
        *lock(&c.down_until) = Some(Instant::now() + c.config.retry_after);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A short, secret-free description of a redis error.
trait ErrorName {
    fn kind_name(&self) -> String;
    fn kind_name_or_code(&self) -> String;
}

impl ErrorName for redis::RedisError {
    fn kind_name(&self) -> String {
        format!("{:?}", self.kind())
    }
    fn kind_name_or_code(&self) -> String {
        match self.code() {
            Some(code) => format!("{code} ({:?})", self.kind()),
            None if self.is_timeout() => "timed out".to_owned(),
            None if self.is_io_error() => "connection failed".to_owned(),
            None => format!("{:?}", self.kind()),
        }
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 4)
}

fn millis(d: Duration) -> u64 {
    // Redis refuses expiries past ~292 years; a century is "forever" here.
    u64::try_from(d.as_millis())
        .unwrap_or(u64::MAX)
        .clamp(1, 100 * 365 * 24 * 3600 * 1000)
}

impl RateStore for RedisState {
    fn reserve<'a>(
        &'a self,
        lanes: &'a [Lane],
        cost: u32,
        max_wait: Duration,
    ) -> StoreFuture<'a, Admission> {
        Box::pin(async move {
            let mut inv = self.inner.gcra.prepare_invoke();
            for lane in lanes {
                inv.key(self.key(&lane.key));
            }
            inv.arg(cost.max(1)).arg(micros(max_wait));
            for lane in lanes {
                inv.arg(micros(lane.interval).max(1)).arg(lane.burst.max(1));
            }
            let (ok, wait): (i64, i64) = self
                .run("reserve", |mut conn| async move { inv.invoke_async(&mut conn).await })
                .await?;
            let wait = Duration::from_micros(u64::try_from(wait).unwrap_or(0));
            Ok(if ok == 1 {
                Admission::Go { wait }
            } else {
                Admission::Refused { retry_after: wait }
            })
        })
    }

    fn pause<'a>(&'a self, lanes: &'a [Lane], pause: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut inv = self.inner.pause.prepare_invoke();
            for lane in lanes {
                inv.key(self.key(&lane.key));
            }
            inv.arg(micros(pause));
            for lane in lanes {
                inv.arg(micros(lane.interval).max(1)).arg(lane.burst.max(1));
            }
            let _: i64 = self
                .run("pause", |mut conn| async move { inv.invoke_async(&mut conn).await })
                .await?;
            Ok(())
        })
    }
}

impl QuotaStore for RedisState {
    fn add_within<'a>(
        &'a self,
        key: &'a str,
        window: u64,
        n: u64,
        cap: u64,
        ttl: Duration,
    ) -> StoreFuture<'a, (bool, u64)> {
        Box::pin(async move {
            let mut inv = self.inner.quota.prepare_invoke();
            inv.key(self.key(&format!("{key}:{window}")))
                .arg(n)
                .arg(cap)
                .arg(millis(ttl));
            let (ok, used): (i64, u64) = self
                .run("quota", |mut conn| async move { inv.invoke_async(&mut conn).await })
                .await?;
            Ok((ok == 1, used))
        })
    }
}

impl IdempotencyStore for RedisState {
    fn lookup<'a>(
        &'a self,
        operation: &'a str,
        fingerprint: &'a str,
    ) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            let key = self.key(&format!("idem:{operation}:{fingerprint}"));
            self.run("idempotency lookup", |mut conn| async move {
                redis::cmd("GET").arg(key).query_async(&mut conn).await
            })
            .await
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
            let rkey = self.key(&format!("idem:{operation}:{fingerprint}"));
            let value = key.to_owned();
            self.run("idempotency remember", |mut conn| async move {
                redis::cmd("SET")
                    .arg(rkey)
                    .arg(value)
                    .arg("PX")
                    .arg(millis(ttl))
                    .query_async(&mut conn)
                    .await
            })
            .await
        })
    }

    fn forget<'a>(&'a self, operation: &'a str, fingerprint: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let key = self.key(&format!("idem:{operation}:{fingerprint}"));
            let _: i64 = self
                .run("idempotency forget", |mut conn| async move {
                    redis::cmd("DEL").arg(key).query_async(&mut conn).await
                })
                .await?;
            Ok(())
        })
    }
}

impl FallbackCache for RedisState {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<CachedResponse>> {
        Box::pin(async move {
            let rkey = self.key(key);
            type Fields = (Option<u16>, Option<String>, Option<u64>, Option<Vec<u8>>);
            let (status, ct, at, body): Fields = self
                .run("cache get", |mut conn| async move {
                    redis::cmd("HMGET")
                        .arg(rkey)
                        .arg("status")
                        .arg("ct")
                        .arg("at")
                        .arg("body")
                        .query_async(&mut conn)
                        .await
                })
                .await?;
            let (Some(status), Some(at), Some(body)) = (status, at, body) else {
                return Ok(None);
            };
            Ok(Some(CachedResponse {
                status,
                content_type: ct.filter(|c| !c.is_empty()),
                body: Bytes::from(body),
                stored_at: UNIX_EPOCH + Duration::from_millis(at),
            }))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        entry: CachedResponse,
        keep_for: Duration,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let stored_at = entry
                .stored_at
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let mut inv = self.inner.cache_put.prepare_invoke();
            inv.key(self.key(key))
                .arg(entry.status)
                .arg(entry.content_type.unwrap_or_default())
                .arg(u64::try_from(stored_at.as_millis()).unwrap_or(0))
                .arg(entry.body.as_ref())
                .arg(millis(keep_for));
            let _: i64 = self
                .run("cache put", |mut conn| async move { inv.invoke_async(&mut conn).await })
                .await?;
            Ok(())
        })
    }
}

