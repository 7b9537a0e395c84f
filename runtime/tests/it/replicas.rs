//! Several replicas of a service sharing one vendor account through a real Redis.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use portcullis_runtime as rt;
use rt::testing::{MockVendor, RedisServer, Reply};
use serde_json::json;

use metrics_util::debugging::DebuggingRecorder;

use super::auth::Buffer;
use super::observe::Metrics;
use super::{fast_policy, timing_sensitive};

fn replica(vendor: &MockVendor, redis: &rt::RedisConfig, rate: rt::RateLimit) -> rt::Pipeline {
    let cfg = rt::AdapterConfig::new("ReplicaGateway", vendor.url())
        .allow_insecure_http(true)
        .defaults(rt::Policy {
            budget: Some(Duration::from_millis(400)),
            retry: Some(rt::RetryPolicy::none()),
            ..fast_policy()
        })
        .rate_limit(Some(rate))
        .shared_state(rt::SharedState::Redis(redis.clone()));
    rt::Pipeline::new(cfg).expect("config")
}

/// Four replicas offer twice the vendor's rate for three seconds: the vendor, which
/// enforces the rate itself, refuses nothing, and at least 90 % of its rate is used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_replicas_share_one_rate_without_a_429() {
    let _t = timing_sensitive().await;
    const RATE: u64 = 40;
    const SECONDS: u64 = 3;
    let redis = RedisServer::start().await;
    let vendor = MockVendor::start().await;
    // The vendor allows RATE a second with a small burst allowance, as Stripe does.
    vendor.limit_rate(RATE, Duration::from_secs(1), 4);
    vendor.route(
        "GET",
        "/v1/things",
        vec![Reply::json(200, json!({"data": []}))],
    );
    let config = rt::RedisConfig {
        replicas: 4,
        ..rt::RedisConfig::new(redis.url())
    };
    let replicas: Vec<_> = (0..4)
        .map(|_| {
            replica(
                &vendor,
                &config,
                rt::RateLimit::new(RATE, Duration::from_secs(1)),
            )
        })
        .collect();

    let ok = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(SECONDS);
    let mut tasks = Vec::new();
    // Each replica offers half the vendor's rate: twice the rate in all.
    for p in &replicas {
        let (p, ok, refused) = (p.clone(), ok.clone(), refused.clone());
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1) / (RATE as u32 / 2));
            let mut calls = Vec::new();
            while Instant::now() < deadline {
                tick.tick().await;
                let (p, ok, refused) = (p.clone(), ok.clone(), refused.clone());
                calls.push(tokio::spawn(async move {
                    match p
                        .send(rt::Request::new("list", rt::Method::GET, "/v1/things"))
                        .await
                    {
                        Ok(r) if r.status() == 200 => ok.fetch_add(1, Ordering::Relaxed),
                        Ok(r) => panic!("vendor answered {}", r.status()),
                        Err(e) => {
                            assert!(
                                matches!(
                                    e,
                                    rt::Error::RateLimited {
                                        by: rt::LimitedBy::RateLimiter,
                                        ..
                                    }
                                ),
                                "{e}"
                            );
                            refused.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }));
            }
            for c in calls {
                c.await.expect("call task");
            }
        }));
    }
    for t in tasks {
        t.await.expect("replica task");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let ok = ok.load(Ordering::Relaxed);
    assert_eq!(vendor.rate_limited(), 0, "the vendor refused nothing");
    let used = ok as f64 / (RATE as f64 * elapsed);
    assert!(
        used >= 0.9,
        "{ok} calls in {elapsed:.2}s use {used:.2} of the rate"
    );
    assert!(used <= 1.1, "over the rate: {used:.2}");
    assert!(
        refused.load(Ordering::Relaxed) > 0,
        "the excess was refused client-side"
    );
    let trips = replicas[0].redis().expect("redis").round_trips();
    assert!(trips > 0, "the limiter went through Redis");
}

#[tokio::test]
async fn a_replica_replays_with_the_key_another_replicas_error_carried() {
    let redis = RedisServer::start().await;
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/refunds",
        vec![Reply::json(200, json!({"id": "re_1"})).with_delay(Duration::from_millis(300))],
    );
    let config = rt::RedisConfig::new(redis.url());
    let make = || {
        let cfg = rt::AdapterConfig::new("ReplicaGateway", vendor.url())
            .allow_insecure_http(true)
            .defaults(rt::Policy {
                attempt_timeout: Some(Duration::from_millis(100)),
                budget: Some(Duration::from_millis(150)),
                retry: Some(rt::RetryPolicy::none()),
                ..fast_policy()
            })
            .shared_state(rt::SharedState::Redis(config.clone()));
        rt::Pipeline::new(cfg).expect("config")
    };
    let (a, b) = (make(), make());
    let body = json!({"payment_intent": "pi_1", "amount": 500});
    let key_a = a.idempotency_key("refund", None).await;
    let err = refund(&a, &key_a, &body)
        .await
        .expect_err("times out: outcome unknown");
    assert_eq!(err.idempotency_key(), Some(key_a.as_str()));
    // Replica B replays the same logical call with the key the error carried (kept
    // by the caller, not by shared state): it sends A's key.
    let carried = err.idempotency_key().expect("key").to_owned();
    let key_b = rt::idempotency::replay(carried, b.idempotency_key("refund", None)).await;
    assert_eq!(key_b.as_str(), key_a.as_str());
    assert!(key_b.is_replay());
    // Or both name the logical call: the same key on any replica, no state shared.
    let on_a = rt::idempotency::logical_call("refund-9", a.idempotency_key("refund", None)).await;
    let on_b = rt::idempotency::logical_call("refund-9", b.idempotency_key("refund", None)).await;
    assert_eq!(on_a, on_b);
}

async fn refund(
    p: &rt::Pipeline,
    key: &rt::IdempotencyKey,
    body: &serde_json::Value,
) -> Result<rt::Response, rt::Error> {
    let req = rt::Request::new("refund", rt::Method::POST, "/v1/refunds")
        .json_body(body)
        .expect("body")
        .idempotency(key, rt::KeyPlacement::Header("Idempotency-Key"));
    p.send(req).await
}

/// Redis goes away: calls neither hang nor fail; each replica limits itself to its
/// share of the rate, says so in its metrics, and uses Redis again once it is back.
#[tokio::test]
async fn without_redis_replicas_fall_back_to_their_share_of_the_rate() {
    let _t = timing_sensitive().await;
    // Current-thread runtime: this test's recorder and subscriber see only its calls.
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _metrics = metrics::set_default_local_recorder(&recorder);
    let logs = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _logs = tracing::subscriber::set_default(subscriber);
    // A listener that accepts connections and never answers: the worst kind of outage.
    let hole = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = hole.local_addr().expect("addr");
    let held = Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = held.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = hole.accept().await {
            keep.lock().expect("lock").push(socket);
        }
    });
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/things", vec![Reply::json(200, json!({}))]);
    let config = rt::RedisConfig {
        replicas: 2,
        timeout: Duration::from_millis(50),
        ..rt::RedisConfig::new(format!("redis://{addr}"))
    };
    let p = replica(
        &vendor,
        &config,
        rt::RateLimit::new(20, Duration::from_secs(1)),
    );
    let start = Instant::now();
    for _ in 0..5 {
        let one = Instant::now();
        p.send(rt::Request::new("list", rt::Method::GET, "/v1/things"))
            .await
            .expect("served with local limits");
        // No call waits on Redis beyond its timeout (plus the local slot's wait).
        assert!(
            one.elapsed() < Duration::from_millis(250),
            "{:?}",
            one.elapsed()
        );
    }
    // Alone, this replica takes half of 20/s: five calls need at least 400 ms.
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(390), "{took:?}");
    assert_eq!(vendor.received().len(), 5);

    let m = Metrics::take(&snapshotter);
    let vendor_label = [("vendor", "ReplicaGateway")];
    assert_eq!(
        m.gauge("portcullis_shared_state_up", &vendor_label),
        Some(0.0)
    );
    assert!(
        m.counter(
            "portcullis_shared_state_fallbacks_total",
            &[("store", "rate")]
        ) >= 5
    );
    let text = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf-8");
    assert_eq!(
        text.matches("shared state unreachable").count(),
        1,
        "one warning per outage, not per call:\n{text}"
    );
}

fn lane(key: &str, interval_ms: u64, burst: u32) -> rt::shared::Lane {
    rt::shared::Lane {
        key: key.into(),
        interval: Duration::from_millis(interval_ms),
        burst,
    }
}

/// The Lua GCRA repeats limit/gcra.rs: the same reservations give the same answers.
#[tokio::test]
async fn redis_reservations_match_the_in_memory_store() {
    use rt::shared::{Admission, InMemoryRateStore, RateStore};
    let redis = RedisServer::start().await;
    let shared = rt::shared::RedisState::new(rt::RedisConfig::new(redis.url())).expect("url");
    let (remote, local) = (shared.rate_store(), InMemoryRateStore::default());
    let lanes = [lane("t:{a}:all", 100, 2), lane("t:{a}:normal", 200, 1)];
    let critical = &lanes[..1];
    let steps: &[(&[rt::shared::Lane], u32, u64)] = &[
        (&lanes, 1, 1000),
        (critical, 1, 1000),
        (critical, 1, 1000),
        (&lanes, 1, 1000),
        (&lanes, 2, 150),
        (&lanes, 1, 50),
    ];
    for (i, (lanes, cost, max_wait)) in steps.iter().enumerate() {
        let max_wait = Duration::from_millis(*max_wait);
        let a = remote.reserve(lanes, *cost, max_wait).await.expect("redis");
        let b = local.reserve(lanes, *cost, max_wait).await.expect("memory");
        let (ka, wa) = match a {
            Admission::Go { wait } => (true, wait),
            Admission::Refused { retry_after } => (false, retry_after),
        };
        let (kb, wb) = match b {
            Admission::Go { wait } => (true, wait),
            Admission::Refused { retry_after } => (false, retry_after),
        };
        assert_eq!(ka, kb, "step {i}: {a:?} vs {b:?}");
        assert!(
            wa.abs_diff(wb) < Duration::from_millis(15),
            "step {i}: {a:?} vs {b:?}"
        );
    }
    // A pause holds the lane in both.
    remote
        .pause(critical, Duration::from_secs(2))
        .await
        .expect("redis");
    let a = remote
        .reserve(critical, 1, Duration::from_secs(1))
        .await
        .expect("redis");
    assert!(
        matches!(a, Admission::Refused { retry_after } if retry_after > Duration::from_millis(1900)),
        "{a:?}"
    );
    assert!(shared.round_trips() >= 8);
}

#[tokio::test]
async fn quota_counters_and_cached_responses_are_shared_between_instances() {
    use rt::shared::CachedResponse;
    let redis = RedisServer::start().await;
    let a = rt::shared::RedisState::new(rt::RedisConfig::new(redis.url())).expect("url");
    let b = rt::shared::RedisState::new(rt::RedisConfig::new(redis.url())).expect("url");
    let ttl = Duration::from_secs(60);
    let (qa, qb) = (a.quota_store(), b.quota_store());
    assert_eq!(
        qa.add_within("V:quota", 7, 2, 3, ttl).await.expect("redis"),
        (true, 2)
    );
    assert_eq!(
        qb.add_within("V:quota", 7, 2, 3, ttl).await.expect("redis"),
        (false, 2)
    );
    assert_eq!(
        qb.add_within("V:quota", 7, 1, 3, ttl).await.expect("redis"),
        (true, 3)
    );
    assert_eq!(
        qa.add_within("V:quota", 8, 1, 3, ttl).await.expect("redis"),
        (true, 1),
        "new window"
    );

    let (ca, cb) = (a.fallback_cache(), b.fallback_cache());
    let body: Vec<u8> = (0u8..=255).collect();
    let entry = CachedResponse {
        status: 200,
        content_type: Some("application/octet-stream".into()),
        body: body.clone().into(),
        stored_at: std::time::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
    };
    ca.put("V:cache:get:1", entry.clone(), Duration::from_millis(300))
        .await
        .expect("redis");
    assert_eq!(cb.get("V:cache:get:1").await.expect("redis"), Some(entry));
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        cb.get("V:cache:get:1").await.expect("redis"),
        None,
        "expired"
    );
}

#[tokio::test]
async fn an_unreachable_redis_fails_each_store_call_within_its_timeout() {
    // Bound then released: nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let config = rt::RedisConfig {
        timeout: Duration::from_millis(50),
        retry_after: Duration::from_millis(200),
        ..rt::RedisConfig::new(format!("redis://127.0.0.1:{port}"))
    };
    let s = rt::shared::RedisState::new(config).expect("url");
    let q = s.quota_store();
    for _ in 0..3 {
        let start = Instant::now();
        let err = q
            .add_within("V:quota", 1, 1, 10, Duration::from_secs(60))
            .await
            .expect_err("nothing listens");
        assert!(
            start.elapsed() < Duration::from_millis(120),
            "{:?}",
            start.elapsed()
        );
        assert!(err.to_string().contains("redis"), "{err}");
    }
    assert!(rt::shared::RedisState::new(rt::RedisConfig::new("not a url")).is_err());
}

/// Redis dies mid-run: calls go on with local limits, the gauge says so, and nothing
/// waits on the dead server longer than its timeout.
#[tokio::test]
async fn a_redis_outage_mid_run_switches_to_local_state() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _metrics = metrics::set_default_local_recorder(&recorder);
    let mut redis = RedisServer::start().await;
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/things", vec![Reply::json(200, json!({}))]);
    let config = rt::RedisConfig {
        replicas: 2,
        ..rt::RedisConfig::new(redis.url())
    };
    let p = replica(
        &vendor,
        &config,
        rt::RateLimit::new(100, Duration::from_secs(1)),
    );
    let list = || rt::Request::new("list", rt::Method::GET, "/v1/things");
    p.send(list()).await.expect("shared limits");
    let before = p.redis().expect("redis").round_trips();
    assert!(before >= 1);
    redis.stop();
    for _ in 0..3 {
        let start = Instant::now();
        p.send(list()).await.expect("local limits");
        assert!(
            start.elapsed() < Duration::from_millis(200),
            "{:?}",
            start.elapsed()
        );
    }
    let m = Metrics::take(&snapshotter);
    assert_eq!(
        m.gauge(
            "portcullis_shared_state_up",
            &[("vendor", "ReplicaGateway")]
        ),
        Some(0.0)
    );
    assert_eq!(vendor.received().len(), 4);
}
