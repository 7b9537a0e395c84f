//! The Redis stores against a real `redis-server`: the Lua GCRA agrees with the
//! in-memory one, two `RedisState`s (two replicas) share every kind of state, and a
//! dead or silent Redis costs a call at most its timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use portcullis_runtime as rt;
use rt::shared::{Admission, CachedResponse, InMemoryRateStore, Lane, RateStore, RedisState};
use rt::testing::RedisServer;
use rt::{ErrorKind, RedisConfig};
use tokio::time::Instant;

use super::timing_sensitive;

fn state(redis: &RedisServer) -> RedisState {
    RedisState::new(RedisConfig::new(redis.url())).expect("valid URL")
}

fn lane(key: &str, interval_ms: u64, burst: u32) -> Lane {
    Lane {
        key: key.into(),
        interval: Duration::from_millis(interval_ms),
        burst,
    }
}

/// `(admitted, wait or retry_after)`.
fn split(a: Admission) -> (bool, Duration) {
    match a {
        Admission::Go { wait } => (true, wait),
        Admission::Refused { retry_after } => (false, retry_after),
    }
}

async fn go(store: &dyn RateStore, lanes: &[Lane], max_wait_ms: u64) -> Duration {
    match store
        .reserve(lanes, 1, Duration::from_millis(max_wait_ms))
        .await
        .expect("redis")
    {
        Admission::Go { wait } => wait,
        refused => panic!("expected a slot, got {refused:?}"),
    }
}

/// Reserves one slot (waiting up to a second) and says when it is, counted from
/// `origin`, with how long the reservation took; `None` if refused.
async fn slot(
    store: &dyn RateStore,
    lanes: &[Lane],
    origin: Instant,
) -> Option<(Duration, Duration)> {
    let start = Instant::now();
    let admission = store
        .reserve(lanes, 1, Duration::from_millis(1000))
        .await
        .expect("redis");
    let took = start.elapsed();
    match admission {
        Admission::Go { wait } => Some((start.duration_since(origin) + wait, took)),
        Admission::Refused { .. } => None,
    }
}

/// A raw connection, to look at the keys the stores leave behind.
async fn raw(redis: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis.url())
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("connect")
}

/// The same reservations, one step at a time, in Redis and in memory: the same
/// admissions, and waits that differ by no more than the time between the two calls.
#[tokio::test]
async fn reservations_and_pauses_match_the_in_memory_store() {
    let _t = timing_sensitive().await;
    let redis = RedisServer::start().await;
    let shared = state(&redis);
    let (remote, local) = (shared.rate_store(), InMemoryRateStore::default());
    let all = lane("V:{r}:all", 50, 3);
    let normal = lane("V:{r}:normal", 80, 1);
    let both = [all.clone(), normal.clone()];
    let critical = [all.clone()];
    let paused = [lane("V:{p}:all", 10, 4)];
    // (lanes, cost, max_wait ms): bursts, queueing, cost 2, refusals that take nothing.
    let steps: &[(&[Lane], u32, u64)] = &[
        (&critical, 1, 1000),
        (&critical, 1, 1000),
        (&both, 1, 1000),
        (&critical, 1, 1000),
        (&both, 1, 1000),
        (&both, 2, 1000),
        (&both, 1, 100),
        (&critical, 1, 0),
        (&critical, 3, 1000),
        (&both, 1, 1000),
    ];
    let mut refusals = 0;
    // The two stores see each step at slightly different instants, and a wait depends
    // on when the earlier reservations were taken too: so the waits may differ by the
    // gaps of every step so far (on a loaded machine, milliseconds each), not only
    // this one's.
    let mut apart = Duration::from_millis(2);
    for (i, (lanes, cost, max_wait)) in steps.iter().enumerate() {
        let max_wait = Duration::from_millis(*max_wait);
        let start = Instant::now();
        let a = remote.reserve(lanes, *cost, max_wait).await.expect("redis");
        let b = local.reserve(lanes, *cost, max_wait).await.expect("memory");
        apart += start.elapsed();
        let ((ka, wa), (kb, wb)) = (split(a), split(b));
        assert_eq!(ka, kb, "step {i}: redis {a:?}, memory {b:?}");
        assert!(
            wa.abs_diff(wb) <= apart,
            "step {i}: redis {a:?}, memory {b:?}, apart by at most {apart:?}"
        );
        refusals += usize::from(!ka);
    }
    assert_eq!(refusals, 2, "the sequence exercises refusals");

    // A pause pushes both the same way: the first slot is at its end.
    let pausing = Instant::now();
    remote
        .pause(&paused, Duration::from_millis(300))
        .await
        .expect("redis");
    local
        .pause(&paused, Duration::from_millis(300))
        .await
        .expect("memory");
    // As above: the gaps between the two stores' calls so far, the pauses' included.
    let mut apart = pausing.elapsed() + Duration::from_millis(2);
    for _ in 0..2 {
        let start = Instant::now();
        let wa = go(&*remote, &paused, 1000).await;
        let wb = go(&local, &paused, 1000).await;
        apart += start.elapsed();
        // The pause ends 300 ms after it was set, somewhere in [pausing, start]; the
        // slot is at its end, or one lane interval (10 ms) after it.
        let since = start.duration_since(pausing);
        let pause = Duration::from_millis(300);
        assert!(
            wa <= pause + Duration::from_millis(12) && wa + since + apart >= pause,
            "{wa:?}, {since:?} after the pause"
        );
        assert!(wa.abs_diff(wb) <= apart, "redis {wa:?}, memory {wb:?}");
    }
}

/// Two replicas draw from the same lanes: the burst is shared, then slots queue one
/// interval apart whichever replica asks, and concurrent reservations never collide.
#[tokio::test]
async fn two_replicas_share_their_rate_lanes() {
    let _t = timing_sensitive().await;
    let redis = RedisServer::start().await;
    let (a, b) = (state(&redis).rate_store(), state(&redis).rate_store());
    let lanes = [lane("V:{shared}:all", 100, 2)];
    // Slots on the test's own clock, each with the time its reservation took: the
    // store read its clock somewhere in there. The margins come from those measured
    // durations (plus Redis's millisecond resolution), never from a guess, so the test
    // holds on a loaded machine.
    let origin = Instant::now();
    let (first, first_took) = slot(&*a, &lanes, origin).await.expect("a slot");
    let later = [
        slot(&*b, &lanes, origin).await,
        slot(&*a, &lanes, origin).await,
        slot(&*b, &lanes, origin).await,
    ];
    for ((got, took), want) in later.iter().map(|s| s.expect("a slot")).zip([0, 100, 200]) {
        let want = first + Duration::from_millis(want);
        assert!(
            got.abs_diff(want) <= took + first_took + Duration::from_millis(2),
            "slot at {got:?}, expected {want:?}: {later:?}"
        );
    }
    // The fifth is 300 ms after the first: refused with a 250 ms limit, and the
    // refusal took nothing (the next slot is still the one it was told about).
    let start = Instant::now();
    let refused = b
        .reserve(&lanes, 1, Duration::from_millis(250))
        .await
        .expect("redis");
    let (admitted, retry_after) = split(refused);
    let told = start.duration_since(origin) + retry_after;
    let want = first + Duration::from_millis(300);
    assert!(!admitted, "{refused:?}");
    assert!(
        told.abs_diff(want) <= start.elapsed() + first_took + Duration::from_millis(2),
        "told {told:?}, expected {want:?}"
    );
    let (next, took) = slot(&*a, &lanes, origin).await.expect("a slot");
    assert!(next.abs_diff(want) <= took + first_took + Duration::from_millis(2));

    // 20 concurrent reservations from both replicas: 20 distinct slots. One second
    // apart, so that the scheduling noise of a busy machine (tens of milliseconds) can
    // never make two distinct slots look like one, or one look like two; nothing
    // waits for them.
    let lanes = [lane("V:{race}:all", 1000, 1)];
    let origin = Instant::now();
    let calls = (0..20).map(|i| {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let lanes = lanes.clone();
        tokio::spawn(async move {
            let start = Instant::now();
            let admission = store
                .reserve(&lanes, 1, Duration::from_secs(60))
                .await
                .expect("redis");
            match admission {
                Admission::Go { wait } => start.duration_since(origin) + wait,
                refused => panic!("expected a slot, got {refused:?}"),
            }
        })
    });
    let mut slots = Vec::new();
    for call in calls.collect::<Vec<_>>() {
        slots.push(call.await.expect("task"));
    }
    slots.sort();
    for pair in slots.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(500),
            "two callers got the same slot: {slots:?}"
        );
    }
    assert!(slots[19] >= Duration::from_millis(18_500), "{slots:?}");
}

#[tokio::test]
async fn two_replicas_share_quota_counters_up_to_the_cap_per_window() {
    let redis = RedisServer::start().await;
    let (a, b) = (state(&redis).quota_store(), state(&redis).quota_store());
    let ttl = Duration::from_secs(60);
    let add = |store: &Arc<dyn rt::shared::QuotaStore>, window, n| {
        let store = store.clone();
        async move {
            store
                .add_within("V:quota", window, n, 3, ttl)
                .await
                .expect("redis")
        }
    };
    assert_eq!(add(&a, 7, 2).await, (true, 2));
    assert_eq!(add(&b, 7, 2).await, (false, 2), "2 + 2 passes the cap");
    assert_eq!(add(&b, 7, 1).await, (true, 3), "exactly the cap");
    assert_eq!(add(&a, 7, 1).await, (false, 3));
    assert_eq!(
        add(&a, 8, 1).await,
        (true, 1),
        "a new window starts at zero"
    );
    assert_eq!(
        add(&b, 7, 0).await,
        (true, 3),
        "the old window is untouched"
    );

    // The counter is `<prefix>:<key>:<window>` and expires `ttl` after first use.
    let mut conn = raw(&redis).await;
    let used: u64 = redis::cmd("GET")
        .arg("portcullis:V:quota:8")
        .query_async(&mut conn)
        .await
        .expect("GET");
    assert_eq!(used, 1);
    let pttl: i64 = redis::cmd("PTTL")
        .arg("portcullis:V:quota:8")
        .query_async(&mut conn)
        .await
        .expect("PTTL");
    assert!(pttl > 59_000 && pttl <= 60_000, "{pttl}");

    let short = Duration::from_millis(150);
    assert_eq!(
        a.add_within("V:short", 1, 3, 3, short)
            .await
            .expect("redis"),
        (true, 3)
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(
        b.add_within("V:short", 1, 1, 3, short)
            .await
            .expect("redis"),
        (true, 1),
        "the expired counter starts over"
    );
}

#[tokio::test]
async fn a_cached_binary_body_round_trips_between_replicas_and_expires() {
    let redis = RedisServer::start().await;
    let (a, b) = (
        state(&redis).fallback_cache(),
        state(&redis).fallback_cache(),
    );
    // Every byte value, NULs and invalid UTF-8 included.
    let mut body: Vec<u8> = (0u8..=255).collect();
    body.extend_from_slice(b"\0\xff\xfe\r\n");
    let entry = CachedResponse {
        status: 203,
        content_type: Some("application/octet-stream".into()),
        body: body.into(),
        stored_at: UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
    };
    a.put("V:cache:get:1", entry.clone(), Duration::from_millis(300))
        .await
        .expect("redis");
    assert_eq!(
        b.get("V:cache:get:1").await.expect("redis"),
        Some(entry.clone())
    );
    assert_eq!(b.get("V:cache:get:2").await.expect("redis"), None);

    // A new entry replaces the old one whole: no content type left behind.
    let stored_at = UNIX_EPOCH
        + Duration::from_millis(
            u64::try_from(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .expect("clock")
                    .as_millis(),
            )
            .expect("ms"),
        );
    let empty = CachedResponse {
        status: 200,
        content_type: None,
        body: Default::default(),
        stored_at,
    };
    b.put("V:cache:get:3", entry, Duration::from_secs(60))
        .await
        .expect("redis");
    b.put("V:cache:get:3", empty.clone(), Duration::from_secs(60))
        .await
        .expect("redis");
    assert_eq!(a.get("V:cache:get:3").await.expect("redis"), Some(empty));

    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        b.get("V:cache:get:1").await.expect("redis"),
        None,
        "expired"
    );
}

/// Every command a store sends is counted: one per call, plus `NOSCRIPT` and
/// `SCRIPT LOAD` the first time a server runs a script; nothing while Redis is down.
#[tokio::test]
async fn round_trips_count_every_command_sent() {
    let redis = RedisServer::start().await;
    let s = state(&redis);
    assert_eq!(s.round_trips(), 0, "new() connects to nothing");
    let lanes = [lane("V:{trips}:all", 1, 10)];
    go(&*s.rate_store(), &lanes, 1000).await;
    assert_eq!(
        s.round_trips(),
        3,
        "EVALSHA (NOSCRIPT), SCRIPT LOAD, EVALSHA"
    );
    go(&*s.rate_store(), &lanes, 1000).await;
    assert_eq!(s.round_trips(), 4);
    s.rate_store()
        .pause(&lanes, Duration::from_millis(1))
        .await
        .expect("redis");
    s.rate_store()
        .pause(&lanes, Duration::from_millis(1))
        .await
        .expect("redis");
    assert_eq!(s.round_trips(), 8);
    let q = s.quota_store();
    q.add_within("V:q", 1, 1, 9, Duration::from_secs(9))
        .await
        .expect("redis");
    assert_eq!(s.round_trips(), 11);
    let cache = s.fallback_cache();
    let entry = CachedResponse {
        status: 200,
        content_type: None,
        body: b"{}".to_vec().into(),
        stored_at: UNIX_EPOCH,
    };
    cache
        .put("V:c", entry, Duration::from_secs(9))
        .await
        .expect("redis");
    cache.get("V:c").await.expect("redis");
    s.ping().await.expect("redis");
    assert_eq!(s.round_trips(), 16);

    // Another replica finds the scripts loaded: one command per call.
    let other = state(&redis);
    go(&*other.rate_store(), &lanes, 1000).await;
    assert_eq!(other.round_trips(), 1);
    // Clones share the connection and the count.
    go(&*other.clone().rate_store(), &lanes, 1000).await;
    assert_eq!(other.round_trips(), 2);
}

/// Nothing listens: every store fails within its timeout, with a store error.
#[tokio::test]
async fn a_closed_port_fails_every_store_within_the_timeout() {
    let _t = timing_sensitive().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let timeout = Duration::from_millis(100);
    let s = RedisState::new(RedisConfig {
        timeout,
        // Try the connection on every call, so each store meets the closed port.
        retry_after: Duration::ZERO,
        ..RedisConfig::new(format!("redis://127.0.0.1:{port}"))
    })
    .expect("url");
    let mut errors = Vec::new();
    for (name, took, result) in every_store_call(&s).await {
        assert!(
            took <= timeout + Duration::from_millis(50),
            "{name}: {took:?}"
        );
        errors.push((name, result));
    }
    for (name, error) in errors {
        let error = error.expect_err("nothing listens");
        assert_eq!(error.kind(), ErrorKind::Transport, "{name}: {error}");
        assert!(error.to_string().contains("redis"), "{name}: {error}");
    }
    assert_eq!(s.round_trips(), 0, "no command went out");
}

/// A listener that accepts and never answers (the worst outage): the first call
/// fails once its timeout is up; then calls fail at once, without a new connection,
/// until `retry_after` has passed.
#[tokio::test]
async fn a_black_hole_costs_one_timeout_per_retry_interval() {
    let _t = timing_sensitive().await;
    let hole = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = hole.local_addr().expect("addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = hole.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    let timeout = Duration::from_millis(100);
    let retry_after = Duration::from_millis(500);
    let silent = |retry_after| {
        RedisState::new(RedisConfig {
            timeout,
            retry_after,
            ..RedisConfig::new(format!("redis://{addr}"))
        })
        .expect("url")
    };

    // Every store, each trying the connection: each waits out its timeout, no more.
    let eager = silent(Duration::ZERO);
    for (name, took, result) in every_store_call(&eager).await {
        assert!(result.is_err(), "{name}: the hole answered?");
        assert!(
            took >= timeout - Duration::from_millis(5)
                && took <= timeout + Duration::from_millis(50),
            "{name}: {took:?}"
        );
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        4,
        "one connection per call"
    );

    // With a retry interval: one timeout, then instant failures and no connection.
    let s = silent(retry_after);
    let before = accepted.load(Ordering::SeqCst);
    let (_, took, result) = one_call(&s, 0).await;
    // Redis is left alone for `retry_after` from the failure.
    let failed_at = Instant::now();
    assert!(result.is_err());
    assert!(took <= timeout + Duration::from_millis(50), "{took:?}");
    assert!(s.is_down());
    let trips = s.round_trips();
    for (name, took, result) in every_store_call(&s).await {
        assert!(result.is_err(), "{name}");
        assert!(
            took < Duration::from_millis(10),
            "{name} waited {took:?} on a known-down Redis"
        );
    }
    assert_eq!(s.round_trips(), trips, "nothing sent while down");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        before + 1,
        "no reconnect while down"
    );
    // Calls while down did not push the retry further out.
    tokio::time::sleep_until(failed_at + retry_after + Duration::from_millis(20)).await;
    assert!(!s.is_down());
    let (_, took, result) = one_call(&s, 2).await;
    assert!(result.is_err());
    assert!(
        took >= timeout - Duration::from_millis(5),
        "tried again: {took:?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), before + 2);
    holder.abort();
}

/// Redis dies and comes back: calls fail while it is away, are not retried before
/// `retry_after`, then go through on a fresh connection.
#[tokio::test]
async fn calls_go_through_again_once_redis_is_back_and_retry_after_has_passed() {
    let mut redis = RedisServer::start().await;
    let s = RedisState::new(RedisConfig {
        retry_after: Duration::from_millis(300),
        ..RedisConfig::new(redis.url())
    })
    .expect("url");
    let cache = s.fallback_cache();
    let entry = CachedResponse {
        status: 200,
        content_type: None,
        body: b"{}".to_vec().into(),
        stored_at: UNIX_EPOCH,
    };
    cache
        .put("V:c", entry, Duration::from_secs(60))
        .await
        .expect("redis");
    redis.stop();
    cache.get("V:c").await.expect_err("the server is gone");
    redis.restart().await;
    let down = cache
        .get("V:c")
        .await
        .expect_err("still within retry_after");
    assert!(down.to_string().contains("retrying later"), "{down}");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(
        cache.get("V:c").await.expect("reconnected").is_none(),
        "the restarted server is empty"
    );
    assert!(!s.is_down());
}

/// One call of store `n` (0 rate, 1 rate pause, 2 quota, 3 cache),
/// with how long it took.
async fn one_call(s: &RedisState, n: usize) -> (&'static str, Duration, Result<(), rt::Error>) {
    let lanes = [lane("V:{x}:all", 10, 1)];
    let start = Instant::now();
    let (name, result) = match n {
        0 => (
            "reserve",
            s.rate_store()
                .reserve(&lanes, 1, Duration::from_secs(1))
                .await
                .map(drop),
        ),
        1 => (
            "pause",
            s.rate_store().pause(&lanes, Duration::from_secs(1)).await,
        ),
        2 => (
            "quota",
            s.quota_store()
                .add_within("V:q", 1, 1, 10, Duration::from_secs(60))
                .await
                .map(drop),
        ),
        _ => ("cache", s.fallback_cache().get("V:c").await.map(drop)),
    };
    (name, start.elapsed(), result)
}

async fn every_store_call(s: &RedisState) -> Vec<(&'static str, Duration, Result<(), rt::Error>)> {
    let mut out = Vec::new();
    for n in 0..4 {
        out.push(one_call(s, n).await);
    }
    out
}
