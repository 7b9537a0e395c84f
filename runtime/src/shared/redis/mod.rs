//! Shared state in Redis: one multiplexed connection, four stores, atomic Lua scripts.
//!
//! Keys (all under [`RedisConfig::prefix`]):
//!
//! | key | holds | written by |
//! |---|---|---|
//! | `<prefix>:{<adapter>:rate:<bucket>}:all` (`:normal`) | a lane's TAT, µs on Redis's clock | `gcra.lua`, `pause.lua` |
//! | `<prefix>:<adapter>:quota:<window>` | requests counted in a quota window | `quota.lua` |
//! | `<prefix>:<adapter>:cache:<operation>:<digest>` | a hash: status, content type, stored-at, body | `cache_put.lua`, `HMGET` |
//! | `<prefix>:webhook:<vendor>:<event id>` | a claim's token while a handler runs, then `processed` | `dedupe_claim.lua`, `SET PX`, `dedupe_release.lua` (`dedupe.rs`) |
//!
//! Why Lua: each decision reads and writes several values (every lane of a bucket, a
//! counter and its cap); as one script it runs atomically, so replicas never
//! interleave, and it reads Redis `TIME`, so they share one clock. The lanes of a
//! bucket share a hash tag (`{...}`), so the scripts also run on Redis Cluster.
//!
//! Every command is bounded by [`RedisConfig::timeout`], connecting included; after a
//! failure the connection is dropped and not retried for [`RedisConfig::retry_after`],
//! so a dead Redis costs each call at most one timeout, then nothing: calls made while
//! it is known down fail at once, without touching the network.
//!
//! Each store method is one command (`EVALSHA` for a script, `GET`/`SET`/`DEL`/`HMGET`
//! otherwise), so one round trip; the first run of a script on a server that does not
//! know it yet takes two more (`NOSCRIPT`, then `SCRIPT LOAD`). [`RedisState::round_trips`]
//! counts them all.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Cmd, ErrorKind, RedisFuture, Script, ServerErrorKind, Value};
use tokio::time::Instant;

use crate::error::Error;
use crate::shared::{
    Admission, CachedResponse, FallbackCache, Lane, QuotaStore, RateStore, StoreFuture,
};

mod dedupe;

/// How to reach Redis and how long to wait for it.
///
/// Its `Debug` output masks a password in the URL.
///
/// ```
/// use std::time::Duration;
/// use portcullis_runtime::shared::RedisConfig;
///
/// let config = RedisConfig {
///     prefix: "checkout".into(),
///     timeout: Duration::from_millis(20),
///     replicas: 4,
///     ..RedisConfig::new("redis://:s3cret@redis.internal:6379/0")
/// };
/// assert!(!format!("{config:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq)]
pub struct RedisConfig {
    /// `redis://[user:password@]host:port[/db]` (or `redis+unix:///path`). TLS
    /// (`rediss://`) is not compiled in: [`RedisState::new`] refuses it.
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

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redact_password(&self.url))
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("retry_after", &self.retry_after)
            .field("replicas", &self.replicas)
            .finish()
    }
}

/// `url` with the password of its user info (`user:password@`) replaced by `***`; user
/// info without a colon is masked whole (it may be a bare token).
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let masked = match user_info.split_once(':') {
                Some((user, _)) => format!("{user}:***"),
                None => "***".to_owned(),
            };
            format!("{scheme}://{masked}@{host}{path}")
        }
        None => url.to_owned(),
    }
}

/// One Redis connection and the stores over it. Cheap to clone.
///
/// ```no_run
/// use portcullis_runtime::shared::{RedisConfig, RedisState};
///
/// let redis = RedisState::new(RedisConfig::new("redis://127.0.0.1:6379")).expect("valid URL");
/// let quotas = redis.quota_store();
/// # let _ = quotas;
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

    /// The rate limiter's store: `gcra.lua` reserves a slot in every lane of a call in
    /// one atomic step on Redis's clock, `pause.lua` holds lanes after a vendor's 429.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), portcullis_runtime::Error> {
    /// use std::time::Duration;
    /// use portcullis_runtime::shared::{Admission, Lane, RedisConfig, RedisState};
    ///
    /// let redis = RedisState::new(RedisConfig::new("redis://127.0.0.1:6379"))?;
    /// let lanes = [Lane { key: "{stripe:rate:default}:all".into(), interval: Duration::from_millis(10), burst: 5 }];
    /// match redis.rate_store().reserve(&lanes, 1, Duration::from_millis(200)).await? {
    ///     Admission::Go { wait } => tokio::time::sleep(wait).await,
    ///     Admission::Refused { retry_after } => println!("busy for {retry_after:?}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn rate_store(&self) -> Arc<dyn RateStore> {
        Arc::new(self.clone())
    }

    /// The quota counters' store: one counter per key and window,
    /// `<prefix>:<key>:<window>`, added to by `quota.lua` only while it stays within
    /// the cap, and expiring `ttl` after the window's first use.
    pub fn quota_store(&self) -> Arc<dyn QuotaStore> {
        Arc::new(self.clone())
    }

    /// The fallback cache: a hash per entry (`status`, `ct`, `at` in Unix ms, and the
    /// body as raw bytes), replaced as a whole and expired `keep_for` later by
    /// `cache_put.lua`.
    pub fn fallback_cache(&self) -> Arc<dyn FallbackCache> {
        Arc::new(self.clone())
    }

    /// Commands sent to Redis so far, by every store of this state (the benchmark's
    /// round trips per call). Calls that failed fast while Redis was down sent none;
    /// the connection's own handshake is not counted.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), portcullis_runtime::Error> {
    /// use portcullis_runtime::shared::{RedisConfig, RedisState};
    ///
    /// let redis = RedisState::new(RedisConfig::new("redis://127.0.0.1:6379"))?;
    /// let before = redis.round_trips();
    /// redis.fallback_cache().get("StripeGateway:cache:get_payment:ab12").await?;
    /// assert_eq!(redis.round_trips(), before + 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn round_trips(&self) -> u64 {
        self.inner.trips.load(Ordering::Relaxed)
    }

    fn key(&self, rest: &str) -> String {
        format!("{}:{rest}", self.inner.config.prefix)
    }

    /// Whether Redis failed less than [`RedisConfig::retry_after`] ago, so calls fail
    /// at once instead of trying it.
    pub fn is_down(&self) -> bool {
        lock(&self.inner.down_until).is_some_and(|until| Instant::now() < until)
    }

    /// Sends `PING`, within the timeout (a readiness probe). Like every store call, it
    /// fails at once while Redis is known down.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), portcullis_runtime::Error> {
    /// use portcullis_runtime::shared::{RedisConfig, RedisState};
    ///
    /// let redis = RedisState::new(RedisConfig::new("redis://127.0.0.1:6379"))?;
    /// redis.ping().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ping(&self) -> Result<(), Error> {
        let _: String = self
            .run("ping", |mut conn| async move {
                redis::cmd("PING").query_async(&mut conn).await
            })
            .await?;
        Ok(())
    }

    /// Runs one command (or script) on the shared connection, connecting if needed,
    /// all within the configured timeout.
    async fn run<'s, T, F, Fut>(&'s self, what: &'static str, f: F) -> Result<T, Error>
    where
        F: FnOnce(Counted<'s>) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let c = &*self.inner;
        let work = async {
            let conn = self.connection().await?;
            f(Counted {
                conn,
                trips: &c.trips,
            })
            .await
            .map_err(|e| {
                // A reply the script or the caller did not expect is no outage: keep
                // the connection for the next call.
                Failure::new(
                    Error::store(format!("redis {what}: {}", e.kind_name_or_code())),
                    !is_reply_error(&e),
                )
            })
        };
        match tokio::time::timeout(c.config.timeout, work).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(Failure { error, down })) => {
                if down {
                    self.mark_down();
                }
                Err(error)
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

    async fn connection(&self) -> Result<MultiplexedConnection, Failure> {
        let c = &*self.inner;
        if let Some(conn) = lock(&c.conn).clone() {
            return Ok(conn);
        }
        let _one = c.connecting.lock().await;
        if let Some(conn) = lock(&c.conn).clone() {
            return Ok(conn);
        }
        if self.is_down() {
            // Known down: fail now, and leave the retry time where it is.
            return Err(Failure::new(
                Error::store("redis: unreachable, retrying later"),
                false,
            ));
        }
        let cfg = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(c.config.timeout))
            .set_response_timeout(Some(c.config.timeout));
        let conn = c
            .client
            .get_multiplexed_async_connection_with_config(&cfg)
            .await
            .map_err(|e| {
                Failure::new(
                    Error::store(format!("redis connect: {}", e.kind_name_or_code())),
                    true,
                )
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

/// A failed store call, and whether it means Redis is down.
struct Failure {
    error: Error,
    down: bool,
}

impl Failure {
    fn new(error: Error, down: bool) -> Self {
        Self { error, down }
    }
}

/// Whether Redis answered, but with an error about this command (a script error, a
/// key of the wrong type, a reply that does not convert to the expected type): the
/// connection is fine. (A corrupt stream closes the connection, so the next command
/// fails with an I/O error, which does count as an outage.)
fn is_reply_error(e: &redis::RedisError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::UnexpectedReturnType
            | ErrorKind::Parse
            | ErrorKind::Extension
            | ErrorKind::Server(ServerErrorKind::ResponseError)
            | ErrorKind::Server(ServerErrorKind::NoScript)
    )
}

/// The shared connection, counting every command it sends (a script's `EVALSHA`, and
/// its `SCRIPT LOAD` and retry the first time a server sees it).
struct Counted<'a> {
    conn: MultiplexedConnection,
    trips: &'a AtomicU64,
}

impl ConnectionLike for Counted<'_> {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        self.trips.fetch_add(1, Ordering::Relaxed);
        self.conn.req_packed_command(cmd)
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        // A pipeline is one round trip, however many commands it carries.
        self.trips.fetch_add(1, Ordering::Relaxed);
        self.conn.req_packed_commands(pipeline, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
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
                .run("reserve", |mut conn| async move {
                    inv.invoke_async(&mut conn).await
                })
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
                .run("pause", |mut conn| async move {
                    inv.invoke_async(&mut conn).await
                })
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
                .run("quota", |mut conn| async move {
                    inv.invoke_async(&mut conn).await
                })
                .await?;
            Ok((ok == 1, used))
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
                .run("cache put", |mut conn| async move {
                    inv.invoke_async(&mut conn).await
                })
                .await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_masks_the_password() {
        for (url, shown) in [
            ("redis://:s3cret@db:6379/0", "redis://:***@db:6379/0"),
            ("redis://app:s3cret@db:6379", "redis://app:***@db:6379"),
            ("redis://s3cret@db", "redis://***@db"),
            ("redis://db:6379/1", "redis://db:6379/1"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redact_password(url), shown);
        }
        let config = RedisConfig::new("redis://:s3cret@db:6379");
        let text = format!("{config:?}");
        assert!(
            !text.contains("s3cret") && text.contains("db:6379"),
            "{text}"
        );
    }

    #[test]
    fn new_validates_the_url_without_connecting_or_echoing_it() {
        for bad in ["not a url", "http://db:6379", "redis://:s3cret@db:notaport"] {
            let err = RedisState::new(RedisConfig::new(bad)).expect_err(bad);
            assert_eq!(err.kind(), crate::ErrorKind::Config, "{bad}: {err}");
            assert!(!err.to_string().contains("s3cret"), "{err}");
        }
        // Nothing listens on port 1; new() does not find out, it only parses.
        let s = RedisState::new(RedisConfig::new("redis://127.0.0.1:1/2")).expect("valid");
        assert_eq!(s.round_trips(), 0);
        assert!(!s.is_down());
        assert_eq!(s.config().url, "redis://127.0.0.1:1/2");
    }

    #[test]
    fn keys_are_prefixed_and_expiries_stay_within_what_redis_takes() {
        let s = RedisState::new(RedisConfig {
            prefix: "svc".into(),
            ..RedisConfig::new("redis://127.0.0.1:6379")
        })
        .expect("valid");
        assert_eq!(s.key("idem:op:fp"), "svc:idem:op:fp");
        assert_eq!(millis(Duration::ZERO), 1, "PX 0 is an error");
        assert_eq!(millis(Duration::from_millis(1500)), 1500);
        assert_eq!(millis(Duration::MAX), 100 * 365 * 24 * 3600 * 1000);
        assert_eq!(micros(Duration::from_nanos(1500)), 1);
        assert_eq!(micros(Duration::MAX), u64::MAX / 4);
    }

    #[test]
    fn only_reply_errors_keep_the_connection() {
        let reply = redis::RedisError::from((ErrorKind::UnexpectedReturnType, "shape"));
        assert!(is_reply_error(&reply));
        let io = redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut));
        assert!(!is_reply_error(&io));
    }

    /// A real server: each script runs as documented, and its keys expire.
    #[tokio::test]
    async fn scripts_leave_expiring_keys_under_the_prefix() {
        let server = crate::testing::RedisServer::start().await;
        let s = RedisState::new(RedisConfig::new(server.url())).expect("valid");
        let lanes = [Lane {
            key: "V:{b}:all".into(),
            interval: Duration::from_millis(100),
            burst: 1,
        }];
        s.rate_store()
            .reserve(&lanes, 1, Duration::from_secs(1))
            .await
            .expect("redis");
        let pttl: i64 = s
            .run("pttl", |mut conn| async move {
                redis::cmd("PTTL")
                    .arg("portcullis:V:{b}:all")
                    .query_async(&mut conn)
                    .await
            })
            .await
            .expect("redis");
        // A lane's key outlives its TAT (100 ms away) by a second, no more.
        assert!((1000..=1100).contains(&pttl), "{pttl}");
        s.rate_store()
            .pause(&lanes, Duration::from_secs(5))
            .await
            .expect("redis");
        let tat_us: u64 = s
            .run("get", |mut conn| async move {
                redis::cmd("GET")
                    .arg("portcullis:V:{b}:all")
                    .query_async(&mut conn)
                    .await
            })
            .await
            .expect("redis");
        let (secs, micros): (u64, u64) = s
            .run("time", |mut conn| async move {
                redis::cmd("TIME").query_async(&mut conn).await
            })
            .await
            .expect("redis");
        let now_us = secs * 1_000_000 + micros;
        let ahead = tat_us.saturating_sub(now_us);
        assert!(
            (4_900_000..=5_000_000).contains(&ahead),
            "the TAT is in µs on Redis's clock, 5 s ahead: {ahead}"
        );
        // A reply error is no outage: the connection stays.
        let wrong: Result<u64, Error> = s
            .run("get", |mut conn| async move {
                redis::cmd("GET")
                    .arg("missing")
                    .query_async(&mut conn)
                    .await
            })
            .await;
        assert!(wrong.is_err(), "nil is no number");
        assert!(!s.is_down());
        s.ping().await.expect("still connected");
    }
}
