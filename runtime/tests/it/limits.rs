//! Rate limits, quotas and fallbacks through the whole pipeline, against a loopback
//! vendor.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

use super::{fast_policy, timing_sensitive};

fn config(url: &str) -> rt::AdapterConfig {
    rt::AdapterConfig::new("LimitGateway", url)
        .allow_insecure_http(true)
        .defaults(fast_policy())
}

fn get(op: &'static str) -> rt::Request {
    rt::Request::new(op, rt::Method::GET, "/v1/things/{id}").path_param("id", "t_1")
}

fn is_limited_by(err: &rt::Error, by: rt::LimitedBy) -> bool {
    matches!(err, rt::Error::RateLimited { by: b, .. } if *b == by)
}

#[tokio::test]
async fn calls_are_spaced_at_the_documented_rate() {
    let _t = timing_sensitive().await;
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things/{id}",
        vec![Reply::json(200, json!({"id": "t_1"}))],
    );
    let p = rt::Pipeline::new(
        config(&vendor.url()).rate_limit(Some(rt::RateLimit::new(20, Duration::from_secs(1)))),
    )
    .expect("config");
    let start = Instant::now();
    let calls = (0..10).map(|_| {
        let p = p.clone();
        async move { p.send(get("get_thing")).await }
    });
    let mut waits = Vec::new();
    for r in futures_join_all(calls).await {
        let r = r.expect("within budget");
        assert_eq!(r.status(), 200);
        waits.push(r.rate_limit_wait());
    }
    waits.sort();
    assert_eq!(waits[0], Duration::ZERO, "the first call goes at once");
    assert!(
        waits[9] >= Duration::from_millis(440),
        "the tenth queued: {waits:?}"
    );
    // Ten calls at 20/s: the first goes at once, the tenth 450 ms later.
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(440), "{took:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert_eq!(vendor.received().len(), 10);
}

#[tokio::test]
async fn a_slot_beyond_the_budget_fails_at_once_without_a_request() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/things/{id}", vec![Reply::json(200, json!({}))]);
    let p = rt::Pipeline::new(
        config(&vendor.url())
            .rate_limit(Some(rt::RateLimit::new(1, Duration::from_secs(1))))
            .defaults(rt::Policy {
                budget: Some(Duration::from_millis(300)),
                ..fast_policy()
            }),
    )
    .expect("config");
    p.send(get("get_thing")).await.expect("first slot is free");
    let start = Instant::now();
    let err = p
        .send(get("get_thing"))
        .await
        .expect_err("no slot in 300 ms");
    assert!(start.elapsed() < Duration::from_millis(100), "failed fast");
    assert!(is_limited_by(&err, rt::LimitedBy::RateLimiter), "{err}");
    let wait = err.retry_after().expect("says when");
    assert!(
        wait > Duration::from_millis(800) && wait <= Duration::from_secs(1),
        "{wait:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(
        vendor.received().len(),
        1,
        "the refused call never reached the vendor"
    );
}

#[tokio::test]
async fn critical_operations_use_the_reserve() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/things/{id}", vec![Reply::json(200, json!({}))]);
    let no_wait = rt::Policy {
        budget: Some(Duration::from_millis(30)),
        ..fast_policy()
    };
    let p = rt::Pipeline::new(
        config(&vendor.url())
            .rate_limit(Some(
                rt::RateLimit::new(2, Duration::from_secs(1)).reserve(0.5),
            ))
            .defaults(no_wait.clone())
            .operation(
                "capture",
                rt::Policy {
                    critical: Some(true),
                    ..Default::default()
                },
            ),
    )
    .expect("config");
    p.send(get("get_thing")).await.expect("first call");
    // Normal calls now wait a second for their half of the rate; the critical one
    // still finds the reserved half free.
    let err = p
        .send(get("get_thing"))
        .await
        .expect_err("normal share used");
    assert!(is_limited_by(&err, rt::LimitedBy::RateLimiter), "{err}");
    let err = p.send(get("capture")).await;
    let err = err.expect_err("the whole-rate lane is 500 ms away");
    assert!(is_limited_by(&err, rt::LimitedBy::RateLimiter), "{err}");
    tokio::time::sleep(Duration::from_millis(520)).await;
    p.send(get("capture"))
        .await
        .expect("critical call uses the reserve");
    let err = p
        .send(get("get_thing"))
        .await
        .expect_err("normal share still used");
    assert!(is_limited_by(&err, rt::LimitedBy::RateLimiter), "{err}");
}

#[tokio::test]
async fn remaining_zero_holds_calls_until_the_reset() {
    let _t = timing_sensitive().await;
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things/{id}",
        vec![
            Reply::json(200, json!({}))
                .with_header("X-RateLimit-Remaining", "0")
                .with_header("X-RateLimit-Reset", "1"),
            Reply::json(200, json!({})),
        ],
    );
    let p = rt::Pipeline::new(
        config(&vendor.url()).rate_limit(Some(rt::RateLimit::new(100, Duration::from_secs(1)))),
    )
    .expect("config");
    p.send(get("get_thing")).await.expect("first");
    let start = Instant::now();
    p.send(get("get_thing")).await.expect("held, then sent");
    let held = start.elapsed();
    assert!(held >= Duration::from_millis(950), "{held:?}");
    assert!(held < Duration::from_millis(1600), "{held:?}");
}

#[tokio::test]
async fn a_429_pauses_the_bucket_for_retry_after() {
    let _t = timing_sensitive().await;
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things/{id}",
        vec![
            Reply::json(429, json!({})).with_header("Retry-After", "1"),
            Reply::json(200, json!({})),
        ],
    );
    let p = rt::Pipeline::new(
        config(&vendor.url())
            .rate_limit(Some(rt::RateLimit::new(100, Duration::from_secs(1))))
            .defaults(rt::Policy {
                retry: Some(rt::RetryPolicy::none()),
                ..fast_policy()
            }),
    )
    .expect("config");
    let resp = p.send(get("get_thing")).await.expect("final 429");
    assert_eq!(resp.status(), 429);
    // Another call of the same bucket must not hit the vendor inside the pause.
    let start = Instant::now();
    p.send(get("get_thing")).await.expect("after the pause");
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
}

/// No rate was declared, so nothing spaces calls; the vendor's `Retry-After` must
/// still hold the next call, which would otherwise walk into the same refusal.
#[tokio::test]
async fn a_429_holds_later_calls_without_a_declared_rate() {
    let _t = timing_sensitive().await;
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things/{id}",
        vec![
            Reply::json(200, json!({})),
            Reply::json(429, json!({})).with_header("Retry-After", "1"),
            Reply::json(200, json!({})),
        ],
    );
    let p = rt::Pipeline::new(config(&vendor.url()).defaults(rt::Policy {
        retry: Some(rt::RetryPolicy::none()),
        ..fast_policy()
    }))
    .expect("config");
    let start = Instant::now();
    let first = p.send(get("get_thing")).await.expect("first");
    assert_eq!(first.rate_limit_wait(), Duration::ZERO);
    assert!(
        start.elapsed() < Duration::from_millis(900),
        "nothing spaces calls"
    );
    let resp = p.send(get("get_thing")).await.expect("final 429");
    assert_eq!(resp.status(), 429);
    let start = Instant::now();
    let held = p.send(get("get_thing")).await.expect("after the pause");
    assert_eq!(held.status(), 200);
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert!(held.rate_limit_wait() >= Duration::from_millis(950));
    assert_eq!(
        vendor.received().len(),
        3,
        "the held call went once, after the pause"
    );
}

#[tokio::test]
async fn named_buckets_are_separate_and_must_exist() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/things/{id}", vec![Reply::json(200, json!({}))]);
    let search = rt::Policy {
        bucket: Some("search".into()),
        ..Default::default()
    };
    let err = rt::Pipeline::new(config(&vendor.url()).operation("search", search.clone()))
        .expect_err("undefined bucket");
    assert!(err.to_string().contains("search"), "{err}");

    let p = rt::Pipeline::new(
        config(&vendor.url())
            .defaults(rt::Policy {
                budget: Some(Duration::from_millis(50)),
                ..fast_policy()
            })
            .rate_limit(Some(rt::RateLimit::new(1000, Duration::from_secs(1))))
            .bucket("search", rt::RateLimit::new(1, Duration::from_secs(60)))
            .operation("search", search),
    )
    .expect("config");
    p.send(get("search")).await.expect("first search");
    let err = p
        .send(get("search"))
        .await
        .expect_err("search bucket spent");
    assert!(is_limited_by(&err, rt::LimitedBy::RateLimiter), "{err}");
    p.send(get("get_thing"))
        .await
        .expect("the adapter bucket is untouched");
}

#[tokio::test]
async fn quota_warns_at_each_threshold_and_refuses_when_used_up() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/things/{id}", vec![Reply::json(200, json!({}))]);
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let p = rt::Pipeline::new(
        config(&vendor.url())
            .quota(Some(rt::QuotaPolicy {
                warn_at: vec![0.5, 0.75],
                ..rt::QuotaPolicy::new(4, Duration::from_secs(24 * 3600))
            }))
            .on_quota_event(move |e| {
                seen.lock()
                    .expect("lock")
                    .push((e.threshold, e.used, e.limit))
            }),
    )
    .expect("config");
    for _ in 0..4 {
        p.send(get("get_thing")).await.expect("within quota");
    }
    assert_eq!(
        *events.lock().expect("lock"),
        vec![(0.5, 2, 4), (0.75, 3, 4)]
    );
    let err = p.send(get("get_thing")).await.expect_err("quota used up");
    assert!(is_limited_by(&err, rt::LimitedBy::Quota), "{err}");
    assert!(
        err.retry_after()
            .is_some_and(|d| d <= Duration::from_secs(24 * 3600))
    );
    assert_eq!(
        vendor.received().len(),
        4,
        "no request once the quota is used up"
    );
}

#[tokio::test]
async fn cache_fallback_serves_fresh_then_stale_and_marks_it() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things/{id}",
        vec![
            Reply::json(200, json!({"id": "t_1", "v": 1})),
            Reply::json(503, json!({"error": "down"})),
        ],
    );
    let p = rt::Pipeline::new(config(&vendor.url()).operation(
        "get_thing",
        rt::Policy {
            fallback: Some(rt::Fallback::Cache {
                ttl: Duration::from_millis(100),
                stale_if_error: Duration::from_secs(5),
            }),
            retry: Some(rt::RetryPolicy::none()),
            ..Default::default()
        },
    ))
    .expect("config");
    let first = p.send(get("get_thing")).await.expect("from the vendor");
    assert!(first.degraded().is_none() && first.cached_age().is_none());

    let fresh = p.send(get("get_thing")).await.expect("from the cache");
    assert_eq!(vendor.received().len(), 1, "fresh: the vendor is not asked");
    assert!(fresh.degraded().is_none(), "a fresh answer is not degraded");
    assert!(fresh.cached_age().is_some());
    assert_eq!(fresh.body(), first.body());

    tokio::time::sleep(Duration::from_millis(120)).await;
    let stale = p
        .send(get("get_thing"))
        .await
        .expect("stale stands in for the 503");
    assert_eq!(vendor.received().len(), 2);
    assert_eq!(stale.status(), 200);
    assert_eq!(stale.body(), first.body());
    let d = stale.degraded().expect("marked degraded");
    assert_eq!(d.source, rt::DegradedSource::Cache);
    assert_eq!(d.kind, rt::ErrorKind::Vendor);
    assert!(
        d.age.is_some_and(|a| a >= Duration::from_millis(120)),
        "{d:?}"
    );

    // Another key has nothing cached: the 503 surfaces as it is.
    let other =
        rt::Request::new("get_thing", rt::Method::GET, "/v1/things/{id}").path_param("id", "t_2");
    let resp = p.send(other).await.expect("final response");
    assert_eq!(resp.status(), 503);
    assert!(resp.degraded().is_none());
}

#[tokio::test]
async fn client_errors_are_never_degraded_and_writes_never_cached() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things/{id}",
        vec![
            Reply::json(200, json!({"v": 1})),
            Reply::json(404, json!({})),
        ],
    );
    vendor.route(
        "POST",
        "/v1/things",
        vec![Reply::json(200, json!({"v": 1}))],
    );
    let cache = rt::Policy {
        fallback: Some(rt::Fallback::Cache {
            ttl: Duration::ZERO,
            stale_if_error: Duration::from_secs(60),
        }),
        ..Default::default()
    };
    let p = rt::Pipeline::new(
        config(&vendor.url())
            .operation("get_thing", cache.clone())
            .operation("create_thing", cache),
    )
    .expect("config");
    p.send(get("get_thing")).await.expect("cached");
    let resp = p.send(get("get_thing")).await.expect("final 404");
    assert_eq!(resp.status(), 404, "a 404 is ours to see");
    assert!(resp.degraded().is_none());
    for _ in 0..2 {
        let post = rt::Request::new("create_thing", rt::Method::POST, "/v1/things");
        let resp = p.send(post).await.expect("sent");
        assert!(
            resp.cached_age().is_none(),
            "writes always reach the vendor"
        );
    }
    assert_eq!(
        vendor
            .received()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        2
    );
}

#[tokio::test]
async fn static_fallback_stands_in_for_an_outage() {
    // Nothing listens here: every attempt is refused.
    let p = rt::Pipeline::new(config("http://127.0.0.1:9").operation(
        "get_thing",
        rt::Policy {
            fallback: Some(rt::Fallback::Static {
                status: 200,
                body: rt::bytes::Bytes::from_static(br#"{"id":"t_0","status":"unknown"}"#),
            }),
            ..Default::default()
        },
    ))
    .expect("config");
    let resp = p.send(get("get_thing")).await.expect("static answer");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.body(), br#"{"id":"t_0","status":"unknown"}"#);
    let d = resp.degraded().expect("marked");
    assert_eq!(d.source, rt::DegradedSource::Static);
    assert_eq!(d.kind, rt::ErrorKind::Transport);
}

/// `join_all` without a futures dependency: spawn each on the runtime.
async fn futures_join_all<F>(futs: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

/// Two accounts of one adapter share a cache store (one Redis for every replica): an
/// answer cached for one account never stands in for the other's, while a replica of
/// the same account may use it.
#[tokio::test]
async fn accounts_sharing_a_cache_never_see_each_others_answers() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things/{id}",
        [
            vec![Reply::json(200, json!({"owner": "account A"}))],
            vec![Reply::json(503, json!({})); 20],
        ]
        .concat(),
    );
    let shared: Arc<dyn rt::shared::FallbackCache> =
        Arc::new(rt::shared::InMemoryFallbackCache::default());
    let pipeline = |key: &str| {
        rt::Pipeline::new(
            config(&vendor.url())
                .auth(rt::AuthConfig::Bearer {
                    token: rt::SecretSource::literal(key),
                })
                .fallback_cache(shared.clone())
                .operation(
                    "get_thing",
                    rt::Policy {
                        fallback: Some(rt::Fallback::Cache {
                            ttl: Duration::ZERO,
                            stale_if_error: Duration::from_secs(60),
                        }),
                        ..Default::default()
                    },
                ),
        )
        .expect("config")
    };
    let a = pipeline("sk_account_a");
    assert_eq!(a.send(get("get_thing")).await.expect("live").status(), 200);

    // Account B, same adapter, same read, vendor down: no answer of A's.
    let b = pipeline("sk_account_b");
    let resp = b.send(get("get_thing")).await.expect("final 503");
    assert_eq!(resp.status(), 503);
    assert!(resp.degraded().is_none(), "served another account's answer");

    // A replica of account A (same credentials) stands in with A's cached answer.
    let a2 = pipeline("sk_account_a");
    let resp = a2.send(get("get_thing")).await.expect("degraded answer");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.degraded().map(|d| d.source),
        Some(rt::DegradedSource::Cache)
    );
    assert!(String::from_utf8_lossy(resp.body()).contains("account A"));
}

/// Plaid's `/accounts/get` is a POST that only reads: marked `read_only`, it is retried
/// on a 503 as a GET is, and a cache fallback answers it, keyed by its body, so two
/// accounts never share an answer. Unmarked, the same POST is neither.
#[tokio::test]
async fn a_post_marked_read_only_is_retried_and_cached_by_its_body() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/accounts/get",
        vec![
            Reply::json(503, json!({"error": "busy"})),
            Reply::json(200, json!({"accounts": ["a"]})),
            Reply::json(200, json!({"accounts": ["b"]})),
            Reply::json(503, json!({"error": "busy"})),
        ],
    );
    let p = rt::Pipeline::new(config(&vendor.url()).operation(
        "accounts",
        rt::Policy {
            fallback: Some(rt::Fallback::Cache {
                ttl: Duration::from_secs(60),
                stale_if_error: Duration::from_secs(60),
            }),
            ..fast_policy()
        },
    ))
    .expect("config");
    let read = |token: &str| {
        rt::Request::new("accounts", rt::Method::POST, "/accounts/get")
            .json_body(&json!({"access_token": token}))
            .expect("body")
            .read_only()
    };
    let a = p.send(read("item-a")).await.expect("retried past the 503");
    assert_eq!((a.status(), a.attempts()), (200, 2));
    let again = p.send(read("item-a")).await.expect("from the cache");
    assert_eq!(again.body(), a.body());
    assert!(again.cached_age().is_some());
    assert_eq!(vendor.received().len(), 2, "the cache answered");
    let b = p.send(read("item-b")).await.expect("another body, asked");
    assert_eq!(b.body(), br#"{"accounts":["b"]}"#);
    assert_eq!(vendor.received().len(), 3);

    // The same POST unmarked: a 503 is final, and nothing is cached.
    let unmarked = rt::Request::new("accounts", rt::Method::POST, "/accounts/get")
        .json_body(&json!({"access_token": "item-a"}))
        .expect("body");
    let resp = p.send(unmarked).await.expect("final answer");
    assert_eq!((resp.status(), resp.attempts()), (503, 1));
    assert!(resp.degraded().is_none());
}
