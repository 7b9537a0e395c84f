//! The pipeline's behaviour end to end, one policy at a time.

use std::time::{Duration, Instant};

use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

use super::{fast_policy, pipeline_with};

#[tokio::test]
async fn sends_the_exact_request_generated_code_describes() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/payment_intents/{intent}/confirm",
        vec![Reply::json(
            200,
            json!({"id": "pi_1/x", "status": "succeeded"}),
        )],
    );
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let key = p.idempotency_key("confirm", Some("order-42".into())).await;
    let req = rt::Request::new(
        "confirm",
        rt::Method::POST,
        "/v1/payment_intents/{intent}/confirm",
    )
    .path_param("intent", "pi_1/x")
    .query("expand[]", "latest_charge")
    .header("Stripe-Version", "2024-06-20")
    .form_body(&json!({"amount": 2000, "metadata": {"order_id": "42"}, "gone": null}))
    .expect("form")
    .idempotency(&key, rt::KeyPlacement::Header("Idempotency-Key"));
    let resp = p.send(req).await.expect("sent");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.attempts(), 1);

    let got = vendor.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/payment_intents/pi_1%2Fx/confirm");
    assert_eq!(r.query.as_deref(), Some("expand[]=latest_charge"));
    assert_eq!(r.header("authorization"), Some("Bearer sk_test_secret"));
    assert_eq!(r.header("stripe-version"), Some("2024-06-20"));
    assert_eq!(r.header("idempotency-key"), Some("confirm:order-42"));
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(r.body_str(), "amount=2000&metadata[order_id]=42");

    #[derive(serde::Deserialize)]
    struct Pi {
        id: String,
    }
    let pi: Pi = resp.decode_json("confirm").expect("decodes");
    assert_eq!(pi.id, "pi_1/x");
}

#[tokio::test]
async fn keyed_write_is_retried_with_the_same_key() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/charges",
        vec![
            Reply::json(503, json!({"error": {}})),
            Reply::reset(),
            Reply::json(200, json!({"id": "ch_1"})),
        ],
    );
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let key = p.idempotency_key("charge", None).await;
    let req = rt::Request::new("charge", rt::Method::POST, "/v1/charges")
        .json_body(&json!({"amount": 1}))
        .expect("json")
        .idempotency(&key, rt::KeyPlacement::Header("Idempotency-Key"));
    let resp = p.send(req).await.expect("third attempt succeeds");
    assert_eq!((resp.status(), resp.attempts()), (200, 3));
    let keys: Vec<_> = vendor
        .received()
        .iter()
        .map(|r| r.header("idempotency-key").map(str::to_owned))
        .collect();
    assert_eq!(keys, vec![Some(key.to_string()); 3]);
    assert_eq!(vendor.ledger().len(), 1);
}

#[tokio::test]
async fn unkeyed_post_is_not_retried_once_sent() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/charges",
        vec![Reply::json(503, json!({})), Reply::json(200, json!({}))],
    );
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let resp = p
        .send(rt::Request::new("charge", rt::Method::POST, "/v1/charges"))
        .await
        .expect("final 503 is a response");
    assert_eq!(resp.status(), 503);
    assert_eq!(vendor.received().len(), 1);
}

#[tokio::test]
async fn get_is_retried_after_reset_and_truncation() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/x",
        vec![
            Reply::reset(),
            Reply::truncated(200, json!({"long": "x".repeat(64)})),
            Reply::json(200, json!({"ok": true})),
        ],
    );
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let resp = p
        .send(rt::Request::new("get", rt::Method::GET, "/v1/x"))
        .await
        .expect("recovers");
    assert_eq!((resp.status(), resp.attempts()), (200, 3));
}

#[tokio::test]
async fn connection_refused_post_is_retried_and_classified() {
    // Bind then drop a listener to get a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let cfg = rt::AdapterConfig::new("T", format!("http://127.0.0.1:{port}"))
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::ApiKey {
            location: rt::ApiKeyLocation::Query,
            name: "api_key".into(),
            secret: rt::SecretSource::literal("sk_query_secret"),
        })
        .defaults(fast_policy());
    let p = rt::Pipeline::new(cfg).expect("config");
    let err = p
        .send(rt::Request::new("charge", rt::Method::POST, "/v1/charges"))
        .await
        .expect_err("nobody listens");
    assert_eq!(err.kind(), rt::ErrorKind::Transport);
    assert_eq!(err.outcome(), rt::Outcome::Known, "never sent");
    assert!(
        matches!(err, rt::Error::Transport { attempts: 3, .. }),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains("sk_query_secret"), "{text}");
}

#[tokio::test]
async fn retry_after_that_does_not_fit_the_budget_ends_the_call_at_once() {
    let _serial = super::timing_sensitive().await;
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/x",
        vec![Reply::json(429, json!({})).with_header("Retry-After", "5")],
    );
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let t = Instant::now();
    let resp = p
        .send(rt::Request::new("get", rt::Method::GET, "/v1/x"))
        .await
        .expect("429 response");
    assert!(
        t.elapsed() < Duration::from_millis(200),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(resp.status(), 429);
    let err = rt::Error::from_vendor_response("get", &resp, None, None);
    assert_eq!(err.kind(), rt::ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
}

#[tokio::test]
async fn retry_after_that_fits_is_honoured() {
    let _serial = super::timing_sensitive().await;
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/x",
        vec![
            Reply::json(503, json!({})).with_header("Retry-After", "1"),
            Reply::json(200, json!({})),
        ],
    );
    let p = pipeline_with(
        &vendor.url(),
        rt::Policy {
            budget: Some(Duration::from_secs(3)),
            ..Default::default()
        },
    );
    let t = Instant::now();
    let resp = p
        .send(rt::Request::new("get", rt::Method::GET, "/v1/x"))
        .await
        .expect("ok");
    assert_eq!(resp.status(), 200);
    assert!(t.elapsed() >= Duration::from_secs(1), "{:?}", t.elapsed());
}

/// Discord answers 429 with `{"retry_after": 1.2}` and, on some routes, no header: the
/// body's seconds are honoured like `Retry-After`, and the error carries them.
#[tokio::test]
async fn a_429_whose_body_says_retry_after_is_honoured() {
    let _serial = super::timing_sensitive().await;
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/x",
        vec![
            Reply::json(429, json!({"message": "You are being rate limited.", "retry_after": 1.2, "global": false})),
            Reply::json(200, json!({})),
        ],
    );
    let p = pipeline_with(
        &vendor.url(),
        rt::Policy {
            budget: Some(Duration::from_secs(5)),
            ..Default::default()
        },
    );
    let t = Instant::now();
    let resp = p
        .send(rt::Request::new("get", rt::Method::GET, "/v1/x"))
        .await
        .expect("ok");
    assert_eq!(resp.status(), 200);
    assert!(
        t.elapsed() >= Duration::from_millis(1200),
        "{:?}",
        t.elapsed()
    );
    vendor.route(
        "GET",
        "/v1/y",
        vec![Reply::json(429, json!({"retry_after": 30}))],
    );
    let resp = p
        .send(rt::Request::new("get", rt::Method::GET, "/v1/y"))
        .await
        .expect("429 response");
    let err = rt::Error::from_vendor_response("get", &resp, None, None);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
}

/// A vendor error the adapter parsed nothing from (Trello's plain-text `400 invalid id`)
/// keeps the vendor's words, not only its status.
#[tokio::test]
async fn a_vendor_error_without_a_parsed_message_keeps_the_vendors_words() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/board", vec![Reply::text(400, "invalid id")]);
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let resp = p
        .send(rt::Request::new("board", rt::Method::GET, "/v1/board"))
        .await
        .expect("a 400 response");
    match p.vendor_error("board", &resp, None, None) {
        rt::Error::Vendor {
            status: 400,
            message: Some(m),
            ..
        } => assert_eq!(m, "invalid id"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn attempt_timeout_then_budget() {
    let _serial = super::timing_sensitive().await;
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/slow",
        vec![Reply::json(200, json!({})).with_delay(Duration::from_secs(3))],
    );
    let p = pipeline_with(
        &vendor.url(),
        rt::Policy {
            attempt_timeout: Some(Duration::from_millis(100)),
            budget: Some(Duration::from_secs(5)),
            ..Default::default()
        },
    );
    let err = p
        .send(rt::Request::new("get", rt::Method::GET, "/v1/slow"))
        .await
        .expect_err("slow");
    assert!(
        matches!(
            err,
            rt::Error::Timeout {
                limit: rt::TimeoutLimit::Attempt,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );

    let p = pipeline_with(
        &vendor.url(),
        rt::Policy {
            attempt_timeout: Some(Duration::from_secs(1)),
            budget: Some(Duration::from_millis(300)),
            ..Default::default()
        },
    );
    let t = Instant::now();
    let err = p
        .send(rt::Request::new("get", rt::Method::GET, "/v1/slow"))
        .await
        .expect_err("slow");
    let took = t.elapsed();
    assert!(took < Duration::from_millis(350), "{took:?}");
    assert!(
        matches!(
            err,
            rt::Error::Timeout {
                limit: rt::TimeoutLimit::Budget,
                outcome: rt::Outcome::Unknown,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unknown_outcome_is_replayed_with_its_key_and_a_deliberate_repeat_is_a_new_call() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/charges",
        vec![
            Reply::truncated(200, json!({"id": "ch_1", "padding": "0123456789"})),
            Reply::truncated(200, json!({"id": "ch_1", "padding": "0123456789"})),
            Reply::json(200, json!({"id": "ch_other"})),
            Reply::json(200, json!({"id": "ch_2"})),
        ],
    );
    let p = pipeline_with(
        &vendor.url(),
        rt::Policy {
            retry: Some(rt::RetryPolicy::none()),
            ..Default::default()
        },
    );
    // As generated code does it: the key per call, then the request carrying it.
    static ANY: rt::KeyShape = rt::KeyShape::new();
    let pipeline = &p;
    let charge = || async move {
        let p = pipeline;
        let key = p
            .idempotency_key_for("charge", rt::KeySource::PerCall, &ANY)
            .await?;
        let request = rt::Request::new("charge", rt::Method::POST, "/v1/charges")
            .json_body(&json!({"amount": 5}))
            .expect("json")
            .idempotency(&key, rt::KeyPlacement::Header("Idempotency-Key"));
        p.send(request).await
    };
    let err = charge().await.expect_err("truncated");
    assert_eq!(err.kind(), rt::ErrorKind::Transport);
    assert_eq!(err.outcome(), rt::Outcome::Unknown);
    let k1 = err
        .idempotency_key()
        .expect("an unknown outcome carries its key")
        .to_owned();

    // The caller replays with the key the error carried (twice: the second replay is
    // cut off too), so the vendor replays the original charge.
    for _ in 0..2 {
        let replay = rt::idempotency::replay(k1.clone(), charge()).await;
        match replay {
            Err(e) => assert_eq!(e.idempotency_key(), Some(k1.as_str())),
            Ok(resp) => {
                let v: serde_json::Value = resp.decode_json("charge").expect("json");
                assert_eq!(v["id"], "ch_1", "the original charge, replayed");
            }
        }
    }
    let ledger = vendor.ledger();
    assert_eq!(ledger.len(), 1, "one charge at the vendor so far");
    assert_eq!(ledger.entries[0].replays, 2);

    // The same request again without a replay scope is a deliberate second charge:
    // a fresh key, never matched to the first by its bytes.
    let again = charge().await.expect("a second charge");
    let v: serde_json::Value = again.decode_json("charge").expect("json");
    assert_ne!(v["id"], "ch_1");
    assert_eq!(vendor.ledger().len(), 2, "two charges, as asked");
    let keys: Vec<String> = vendor
        .received()
        .iter()
        .filter_map(|r| r.header("idempotency-key").map(str::to_owned))
        .collect();
    assert_eq!(keys.len(), 4);
    assert_eq!(&keys[..3], &[k1.clone(), k1.clone(), k1.clone()]);
    assert_ne!(keys[3], k1);

    // A replayed key the spec's shape would refuse is refused before sending.
    static SHORT: rt::KeyShape = rt::KeyShape::new().max_length(8);
    let refused = rt::idempotency::replay(
        "much-too-long-for-eight",
        p.idempotency_key_for("charge", rt::KeySource::PerCall, &SHORT),
    )
    .await
    .expect_err("does not fit");
    assert_eq!(refused.kind(), rt::ErrorKind::InvalidRequest);

    // With a domain value the key is derived from it, whatever the scope.
    let source = rt::KeySource::Domain {
        field: "req.order_id",
        value: "order-42",
    };
    let derived = p
        .idempotency_key_for("charge", source, &ANY)
        .await
        .expect("fits");
    assert_eq!(derived.as_str(), "charge:order-42");
}

#[tokio::test]
async fn a_logical_call_id_gives_every_retry_of_it_one_key_and_other_ids_other_keys() {
    let p =
        rt::Pipeline::new(rt::AdapterConfig::new("T", "https://api.example.com")).expect("config");
    static SHAPE: rt::KeyShape = rt::KeyShape::new().max_length(45);
    let key = |id: &'static str| {
        rt::idempotency::logical_call(
            id,
            p.idempotency_key_for("refund", rt::KeySource::PerCall, &SHAPE),
        )
    };
    let a = key("refund-request-7781").await.expect("fits");
    assert_eq!(a, key("refund-request-7781").await.expect("fits"));
    assert_eq!(a.as_str(), "refund:refund-request-7781");
    assert_ne!(a, key("refund-request-7782").await.expect("fits"));
    // A long id is shortened stably to the spec's shape.
    let long = "r".repeat(80);
    let l1 = rt::idempotency::logical_call(
        long.clone(),
        p.idempotency_key_for("refund", rt::KeySource::PerCall, &SHAPE),
    )
    .await
    .expect("shortened");
    assert!(l1.as_str().len() <= 45, "{l1}");
    let l2 = rt::idempotency::logical_call(
        long,
        p.idempotency_key_for("refund", rt::KeySource::PerCall, &SHAPE),
    )
    .await
    .expect("shortened");
    assert_eq!(l1, l2);
    // A blank id would give every such call one key: refused.
    let blank = key("  ").await.expect_err("blank");
    assert_eq!(blank.kind(), rt::ErrorKind::InvalidRequest);
    // Outside a scope, each call draws its own.
    let (f1, f2) = (
        p.idempotency_key_for("refund", rt::KeySource::PerCall, &SHAPE)
            .await
            .expect("fresh"),
        p.idempotency_key_for("refund", rt::KeySource::PerCall, &SHAPE)
            .await
            .expect("fresh"),
    );
    assert_ne!(f1, f2);
}

#[tokio::test]
async fn breaker_opens_fails_fast_and_closes_through_probes() {
    let _serial = super::timing_sensitive().await;
    let vendor = MockVendor::start().await;
    let down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = down.clone();
    vendor.route_fn("GET", "/v1/x", move |_, _| {
        if flag.load(std::sync::atomic::Ordering::SeqCst) {
            Reply::json(503, json!({}))
        } else {
            Reply::json(200, json!({}))
        }
    });
    let p = pipeline_with(
        &vendor.url(),
        rt::Policy {
            retry: Some(rt::RetryPolicy::none()),
            breaker: Some(rt::BreakerPolicy {
                min_calls: 5,
                open_for: Duration::from_millis(200),
                half_open_probes: 2,
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    let get = || p.send(rt::Request::new("get", rt::Method::GET, "/v1/x"));
    for _ in 0..5 {
        assert_eq!(get().await.expect("503").status(), 503);
    }
    let before = vendor.received().len();
    let mut took = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let err = get().await.expect_err("open");
        took.push(t.elapsed());
        assert_eq!(err.kind(), rt::ErrorKind::Unavailable);
    }
    took.sort();
    // The median: one descheduled thread must not fail the test.
    assert!(took[10] < Duration::from_millis(1), "{took:?}");
    assert_eq!(vendor.received().len(), before, "no network while open");

    down.store(false, std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(get().await.expect("probe").status(), 200);
    assert_eq!(get().await.expect("probe").status(), 200);
    assert_eq!(p.breaker("get").state(), rt::breaker::BreakerState::Closed);
}

#[tokio::test]
async fn config_errors_never_panic() {
    let insecure = rt::Pipeline::new(rt::AdapterConfig::new("T", "http://127.0.0.1:1"));
    assert!(matches!(insecure, Err(rt::Error::Config { .. })));
    assert!(rt::Pipeline::new(rt::AdapterConfig::new("T", "not a url")).is_err());
    let creds = rt::Pipeline::new(rt::AdapterConfig::new(
        "T",
        "https://sk_live_x:pw@api.example.com",
    ))
    .expect_err("credentials in URL");
    assert!(!creds.to_string().contains("sk_live_x"), "{creds}");

    let vendor = MockVendor::start().await;
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let bad_name = p
        .send(rt::Request::new("op", rt::Method::GET, "/").header("bad header", "v"))
        .await;
    assert!(
        matches!(bad_name, Err(rt::Error::Config { .. })),
        "{bad_name:?}"
    );
    let bad_value = p
        .send(rt::Request::new("op", rt::Method::GET, "/").header("x-a", "line\nbreak"))
        .await;
    assert!(
        matches!(bad_value, Err(rt::Error::Config { .. })),
        "{bad_value:?}"
    );
    let missing_param = p
        .send(rt::Request::new("op", rt::Method::GET, "/v1/{id}"))
        .await;
    assert!(matches!(missing_param, Err(rt::Error::Config { .. })));
    assert!(vendor.received().is_empty());
}

#[tokio::test]
async fn a_final_error_status_after_an_unknown_attempt_keeps_the_key() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/charges",
        vec![
            // Applied, but the answer comes after the attempt timeout.
            Reply::json(200, json!({"id": "ch_1"})).with_delay(Duration::from_millis(300)),
            Reply::json(503, json!({})),
            Reply::json(503, json!({})),
            Reply::json(200, json!({"id": "ch_2"})),
        ],
    );
    let p = pipeline_with(
        &vendor.url(),
        rt::Policy {
            attempt_timeout: Some(Duration::from_millis(100)),
            ..Default::default()
        },
    );
    let send = |key: rt::IdempotencyKey| {
        let req = rt::Request::new("charge", rt::Method::POST, "/v1/charges")
            .idempotency(&key, rt::KeyPlacement::Header("Idempotency-Key"));
        p.send(req)
    };
    let k1 = p.idempotency_key("charge", None).await;
    let resp = send(k1.clone()).await.expect("final 503");
    assert_eq!(resp.status(), 503);
    assert!(resp.earlier_attempt_unknown());

    // The caller replays with the same key: the first attempt was applied.
    let k2 = rt::idempotency::replay(k1.to_string(), p.idempotency_key("charge", None)).await;
    assert_eq!(k1, k2);
    assert!(k2.is_replay());
    // Replay once the vendor has finished the original (before that it answers 409).
    tokio::time::sleep(Duration::from_millis(250)).await;
    let resp = send(k2).await.expect("replayed");
    let v: serde_json::Value = resp.decode_json("charge").expect("json");
    assert_eq!(v["id"], "ch_1");
    assert_eq!(vendor.ledger().len(), 1);
}

#[tokio::test]
async fn the_retry_budget_stops_retries_during_an_outage() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/x", vec![Reply::json(503, json!({}))]);
    let cfg = rt::AdapterConfig::new("T", vendor.url())
        .allow_insecure_http(true)
        .defaults(fast_policy())
        .retry_budget(Some(rt::RetryBudgetPolicy {
            capacity: 10,
            ..Default::default()
        }));
    let p = rt::Pipeline::new(cfg).expect("config");
    let get = || p.send(rt::Request::new("get", rt::Method::GET, "/v1/x"));
    assert_eq!(
        get().await.expect("503").attempts(),
        3,
        "two retries: 10 tokens"
    );
    assert_eq!(p.retry_tokens(), Some(0));
    assert_eq!(
        get().await.expect("503").attempts(),
        1,
        "bucket empty: no retry"
    );
    assert_eq!(vendor.received().len(), 4);
}

#[tokio::test]
async fn an_operation_scoped_breaker_leaves_other_operations_alone() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/flaky", vec![Reply::json(500, json!({}))]);
    vendor.route("GET", "/v1/fine", vec![Reply::json(200, json!({}))]);
    let scoped = rt::BreakerPolicy {
        scope: rt::BreakerScope::Operation,
        min_calls: 3,
        ..Default::default()
    };
    let cfg = rt::AdapterConfig::new("T", vendor.url())
        .allow_insecure_http(true)
        .defaults(rt::Policy {
            breaker: Some(scoped),
            ..fast_policy()
        });
    let p = rt::Pipeline::new(cfg).expect("config");
    for _ in 0..3 {
        let r = p
            .send(rt::Request::new("flaky", rt::Method::GET, "/v1/flaky"))
            .await;
        assert_eq!(r.expect("500").status(), 500);
    }
    let err = p
        .send(rt::Request::new("flaky", rt::Method::GET, "/v1/flaky"))
        .await
        .expect_err("open");
    assert_eq!(err.kind(), rt::ErrorKind::Unavailable);
    let ok = p
        .send(rt::Request::new("fine", rt::Method::GET, "/v1/fine"))
        .await;
    assert_eq!(ok.expect("own breaker").status(), 200);
}

#[tokio::test]
async fn every_auth_scheme_reaches_the_wire() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/x", vec![Reply::json(200, json!({}))]);
    let dir = std::env::temp_dir().join(format!("portcullis-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let key_file = dir.join("key");
    std::fs::write(&key_file, "from_file\n").expect("write");

    let schemes = [
        (
            rt::AuthConfig::Basic {
                username: rt::SecretSource::literal("ACxx"),
                password: Some(rt::SecretSource::file(&key_file)),
            },
            ("authorization", "Basic QUN4eDpmcm9tX2ZpbGU="),
        ),
        (
            rt::AuthConfig::ApiKey {
                location: rt::ApiKeyLocation::Header,
                name: "X-API-Key".into(),
                secret: rt::SecretSource::file(&key_file),
            },
            ("x-api-key", "from_file"),
        ),
        (
            rt::AuthConfig::ApiKey {
                location: rt::ApiKeyLocation::Cookie,
                name: "session".into(),
                secret: rt::SecretSource::literal("c1"),
            },
            ("cookie", "session=c1"),
        ),
    ];
    for (auth, (name, value)) in schemes {
        let cfg = rt::AdapterConfig::new("T", vendor.url())
            .allow_insecure_http(true)
            .auth(auth);
        let p = rt::Pipeline::new(cfg).expect("config");
        p.send(rt::Request::new("get", rt::Method::GET, "/v1/x"))
            .await
            .expect("ok");
        let last = vendor.received().pop().expect("received");
        assert_eq!(last.header(name), Some(value));
    }

    let cfg = rt::AdapterConfig::new("T", vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::ApiKey {
            location: rt::ApiKeyLocation::Query,
            name: "api_key".into(),
            secret: rt::SecretSource::literal("q s"),
        });
    let p = rt::Pipeline::new(cfg).expect("config");
    p.send(rt::Request::new("get", rt::Method::GET, "/v1/x").query("a", "1"))
        .await
        .expect("ok");
    assert_eq!(
        vendor.received().pop().and_then(|r| r.query).as_deref(),
        Some("a=1&api_key=q%20s")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn pipeline_and_its_futures_can_cross_threads() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    let p =
        rt::Pipeline::new(rt::AdapterConfig::new("T", "https://api.example.com")).expect("config");
    send_sync(&p);
    let call = p.send(rt::Request::new("get", rt::Method::GET, "/"));
    send(&call);
    let key = p.idempotency_key("op", None);
    send(&key);
    send_sync(&rt::Error::config("x"));
}

#[tokio::test]
async fn a_keyed_retry_that_finds_the_original_in_flight_waits_for_it() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/charges",
        vec![Reply::json(200, json!({"id": "ch_1"})).with_delay(Duration::from_millis(250))],
    );
    let p = pipeline_with(
        &vendor.url(),
        rt::Policy {
            attempt_timeout: Some(Duration::from_millis(100)),
            budget: Some(Duration::from_secs(3)),
            retry: Some(rt::RetryPolicy {
                attempts: 10,
                base: Duration::from_millis(80),
                cap: Duration::from_millis(80),
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    let key = p.idempotency_key("charge", Some("order-9".into())).await;
    let req = rt::Request::new("charge", rt::Method::POST, "/v1/charges")
        .idempotency(&key, rt::KeyPlacement::Header("Idempotency-Key"));
    let resp = p.send(req).await.expect("eventually replayed");
    assert_eq!(resp.status(), 200);
    let ledger = vendor.ledger();
    assert_eq!(ledger.len(), 1);
    let entry = &ledger.entries[0];
    assert!(entry.conflicts >= 1, "{entry:?}");
    assert_eq!(entry.replays, 1);

    // Without a key in doubt, a 409 is the vendor's final word.
    vendor.route("POST", "/v1/conflict", vec![Reply::json(409, json!({}))]);
    let k = p.idempotency_key("conflict", Some("x".into())).await;
    let req = rt::Request::new("conflict", rt::Method::POST, "/v1/conflict")
        .idempotency(&k, rt::KeyPlacement::Header("Idempotency-Key"));
    assert_eq!(p.send(req).await.expect("409").attempts(), 1);
}
