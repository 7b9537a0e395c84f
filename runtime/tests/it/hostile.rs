//! Misbehaving vendors and token endpoints (issue 17): oversized bodies, absurd
//! lifetimes and waits, throttling 403s. Every case ends in a classified answer, never
//! a panic, a hang or an unbounded read. All on 127.0.0.1.

use std::time::Duration;

use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

use super::fast_policy;

fn config(url: &str) -> rt::AdapterConfig {
    rt::AdapterConfig::new("HostileGateway", url)
        .allow_insecure_http(true)
        .defaults(fast_policy())
}

fn get(op: &'static str, path: &'static str) -> rt::Request {
    rt::Request::new(op, rt::Method::GET, path)
}

/// A token endpoint answering `body` to every request, and a vendor that accepts any
/// bearer token.
async fn idp_and_vendor(body: serde_json::Value) -> (MockVendor, MockVendor) {
    let idp = MockVendor::start().await;
    idp.route("POST", "/oauth/token", vec![Reply::json(200, body)]);
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things",
        vec![Reply::json(200, json!({"ok": true}))],
    );
    (idp, vendor)
}

fn oauth(vendor: &MockVendor, idp: &MockVendor) -> rt::AdapterConfig {
    let flow = rt::OAuth2ClientCredentials::new(
        format!("{}/oauth/token", idp.url()),
        rt::SecretSource::literal("client-1"),
        rt::SecretSource::literal("cs-secret"),
    );
    config(&vendor.url()).auth(rt::AuthConfig::OAuth2ClientCredentials(flow))
}

#[tokio::test]
async fn absurd_token_lifetimes_neither_panic_nor_overflow() {
    // 1e20 s panicked `Duration::from_secs_f64`; 1e19 s overflowed `Instant +`.
    for expires_in in [json!(1e20), json!(1e19), json!(u64::MAX), json!("1e300")] {
        let (idp, vendor) = idp_and_vendor(
            json!({"access_token": "tok-1", "token_type": "Bearer", "expires_in": expires_in}),
        )
        .await;
        let p = rt::Pipeline::new(oauth(&vendor, &idp)).expect("config");
        let resp = p
            .send(get("list", "/v1/things"))
            .await
            .unwrap_or_else(|e| panic!("expires_in {expires_in}: {e}"));
        assert_eq!(resp.status(), 200);
        // The token is kept (a lifetime of at most a day, not refetched per call).
        p.send(get("list", "/v1/things"))
            .await
            .expect("second call");
        assert_eq!(idp.received().len(), 1, "expires_in {expires_in}");
    }
}

#[tokio::test]
async fn an_oversized_token_response_is_an_auth_error_not_a_read_without_end() {
    let padding = "x".repeat(100 * 1024);
    let (idp, vendor) = idp_and_vendor(
        json!({"access_token": "tok-1", "token_type": "Bearer", "padding": padding}),
    )
    .await;
    let p = rt::Pipeline::new(oauth(&vendor, &idp)).expect("config");
    let err = p
        .send(get("list", "/v1/things"))
        .await
        .expect_err("too large");
    assert_eq!(err.kind(), rt::ErrorKind::Auth, "{err}");
    let chain = format!(
        "{err}: {}",
        std::error::Error::source(&err)
            .map(|s| s.to_string())
            .unwrap_or_default()
    );
    assert!(chain.contains("65536 bytes"), "{chain}");
    assert!(vendor.received().is_empty(), "no call without a token");

    // The limit is the adapter's to raise.
    let p = rt::Pipeline::new(oauth(&vendor, &idp).max_token_response_bytes(1024 * 1024))
        .expect("config");
    p.send(get("list", "/v1/things"))
        .await
        .expect("within the raised limit");
}

#[tokio::test]
async fn an_oversized_vendor_response_is_a_contract_error() {
    let vendor = MockVendor::start().await;
    let big = "y".repeat(64 * 1024);
    vendor.route(
        "GET",
        "/v1/things",
        vec![Reply::json(200, json!({ "data": big }))],
    );
    let p = rt::Pipeline::new(config(&vendor.url()).max_response_bytes(16 * 1024)).expect("config");
    refused_as_too_large(&p, 16384).await;
    // Final: the same body would come again, so it is not retried.
    assert_eq!(vendor.received().len(), 1);

    // Under the default limit (8 MiB) the same answer is read whole.
    let p = rt::Pipeline::new(config(&vendor.url())).expect("config");
    let resp = p
        .send(get("list", "/v1/things"))
        .await
        .expect("under the default");
    assert_eq!(resp.body().len(), big.len() + r#"{"data":""}"#.len());
}

#[tokio::test]
async fn a_rate_limit_403_is_retried_like_a_429_when_the_reset_fits() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things",
        vec![
            Reply::json(403, json!({"message": "API rate limit exceeded"}))
                .with_header("x-ratelimit-remaining", "0")
                .with_header("x-ratelimit-reset", "1"),
            Reply::json(200, json!({"ok": true})),
        ],
    );
    let p = rt::Pipeline::new(config(&vendor.url())).expect("config");
    let resp = p.send(get("list", "/v1/things")).await.expect("retried");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.attempts(), 2);

    // A plain 403 (no rate-limit headers) is the vendor's final word.
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things",
        vec![Reply::json(403, json!({"message": "forbidden"}))],
    );
    let p = rt::Pipeline::new(config(&vendor.url())).expect("config");
    let resp = p.send(get("list", "/v1/things")).await.expect("final 403");
    assert_eq!((resp.status(), resp.attempts()), (403, 1));
}

#[tokio::test(start_paused = true)]
async fn a_long_retry_after_pauses_only_its_operation_and_for_at_most_the_cap() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/reports",
        vec![
            Reply::json(429, json!({})).with_header("Retry-After", "86400"),
            Reply::json(200, json!({})),
        ],
    );
    vendor.route("GET", "/v1/things", vec![Reply::json(200, json!({}))]);
    let p = rt::Pipeline::new(
        config(&vendor.url())
            .rate_limit(Some(rt::RateLimit::new(100, Duration::from_secs(1))))
            .max_vendor_pause(Duration::from_secs(600)),
    )
    .expect("config");
    let resp = p
        .send(get("report", "/v1/reports"))
        .await
        .expect("final 429");
    assert_eq!(resp.status(), 429);
    // Another operation of the same bucket is not held.
    p.send(get("list", "/v1/things"))
        .await
        .expect("other operation goes");
    // The throttled one is refused at once, without a request...
    let before = vendor.received().len();
    let err = p
        .send(get("report", "/v1/reports"))
        .await
        .expect_err("paused");
    assert_eq!(err.kind(), rt::ErrorKind::RateLimited, "{err}");
    assert_eq!(vendor.received().len(), before);
    match err {
        rt::Error::RateLimited {
            retry_after: Some(d),
            ..
        } => {
            assert!(d <= Duration::from_secs(600), "capped: {d:?}");
        }
        other => panic!("{other}"),
    }
    // ...and only until the cap, not for a day.
    tokio::time::advance(Duration::from_secs(601)).await;
    let resp = p
        .send(get("report", "/v1/reports"))
        .await
        .expect("after the cap");
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn hostile_rate_limit_headers_never_panic() {
    let vendor = MockVendor::start().await;
    let huge = "9".repeat(16 * 1024);
    let replies = [
        ("retry-after", huge.as_str()),
        ("retry-after", "1e400"),
        ("retry-after", "18446744073709551616"),
        ("x-ratelimit-reset", "18446744073709551615"),
        ("ratelimit", "\"default\";r=0;t=99999999999999999999"),
        ("retry-after", "Wed, 31 Dec 9999 23:59:59 GMT"),
    ]
    .into_iter()
    .map(|(name, value)| {
        Reply::json(429, json!({}))
            .with_header(name, value)
            .with_header("x-ratelimit-remaining", "0")
    })
    .collect::<Vec<_>>();
    let n = replies.len();
    vendor.route("GET", "/v1/things", replies);
    let p = rt::Pipeline::new(
        config(&vendor.url()).rate_limit(Some(rt::RateLimit::new(1000, Duration::from_secs(1)))),
    )
    .expect("config");
    for _ in 0..n {
        // Each answer is final (the wait cannot fit) or refused by the paused
        // bucket: classified either way.
        match p.send(get("list", "/v1/things")).await {
            Ok(resp) => assert_eq!(resp.status(), 429),
            Err(e) => assert_eq!(e.kind(), rt::ErrorKind::RateLimited, "{e}"),
        }
    }
}

/// A secret store that never answers.
#[derive(Debug)]
struct StuckVault;

impl rt::SecretProvider for StuckVault {
    fn describe(&self) -> String {
        "stuck vault".to_owned()
    }
    fn fetch(&self) -> rt::auth::SecretFuture<'_> {
        Box::pin(std::future::pending())
    }
}

fn budget(ms: u64) -> rt::Policy {
    rt::Policy {
        budget: Some(Duration::from_millis(ms)),
        ..fast_policy()
    }
}

#[tokio::test(start_paused = true)]
async fn a_secret_provider_that_never_answers_is_bounded_by_the_budget() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/things", vec![Reply::json(200, json!({}))]);
    let p = rt::Pipeline::new(
        config(&vendor.url())
            .auth(rt::AuthConfig::Bearer {
                token: rt::SecretSource::custom(std::sync::Arc::new(StuckVault)),
            })
            .defaults(budget(300)),
    )
    .expect("config");
    let started = tokio::time::Instant::now();
    let err = p
        .send(get("list", "/v1/things"))
        .await
        .expect_err("no secret");
    assert!(
        matches!(
            err,
            rt::Error::Timeout {
                limit: rt::TimeoutLimit::Budget,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(started.elapsed(), Duration::from_millis(300));
    assert!(vendor.received().is_empty());
}

#[tokio::test]
async fn a_slow_token_endpoint_and_a_slow_renewal_are_bounded_by_the_budget() {
    // The first fetch: the endpoint answers after 5 s, the budget is 300 ms.
    let idp = MockVendor::start().await;
    idp.route(
        "POST",
        "/oauth/token",
        vec![
            Reply::json(
                200,
                json!({"access_token": "tok-1", "token_type": "Bearer"}),
            )
            .with_delay(Duration::from_secs(5)),
        ],
    );
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/things", vec![Reply::json(200, json!({}))]);
    let p = rt::Pipeline::new(oauth(&vendor, &idp).defaults(budget(300))).expect("config");
    let started = std::time::Instant::now();
    let err = p
        .send(get("list", "/v1/things"))
        .await
        .expect_err("no token in time");
    assert!(
        matches!(
            err,
            rt::Error::Timeout {
                limit: rt::TimeoutLimit::Budget,
                ..
            }
        ),
        "{err}"
    );
    // Generous: the point is 0.3 s, not the endpoint's 5 s (or its 10 s timeout).
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // The renewal after a 401: the first token comes at once, the second late.
    let idp = MockVendor::start().await;
    idp.route(
        "POST",
        "/oauth/token",
        vec![
            Reply::json(
                200,
                json!({"access_token": "tok-1", "token_type": "Bearer"}),
            ),
            Reply::json(
                200,
                json!({"access_token": "tok-2", "token_type": "Bearer"}),
            )
            .with_delay(Duration::from_secs(5)),
        ],
    );
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things",
        vec![Reply::json(401, json!({"error": "expired"}))],
    );
    let p = rt::Pipeline::new(oauth(&vendor, &idp).defaults(budget(500))).expect("config");
    let started = std::time::Instant::now();
    let err = p
        .send(get("list", "/v1/things"))
        .await
        .expect_err("renewal too slow");
    assert!(
        matches!(
            err,
            rt::Error::Timeout {
                limit: rt::TimeoutLimit::Budget,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// Serves one keep-alive-less HTTP/1.1 answer whose chunked body is written in
/// `chunks`, each flushed separately after a short pause, so the client reads them as
/// separate chunks.
async fn chunked_vendor(chunks: Vec<&'static str>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await.expect("accept");
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if conn.read(&mut byte).await.expect("read") == 0 {
                return;
            }
            head.push(byte[0]);
        }
        let start = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
        conn.write_all(start.as_bytes()).await.expect("head");
        for chunk in chunks {
            let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
            conn.write_all(framed.as_bytes()).await.expect("chunk");
            conn.flush().await.expect("flush");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        conn.write_all(b"0\r\n\r\n").await.expect("end");
    });
    url
}

#[tokio::test]
async fn a_body_in_several_chunks_is_read_whole_and_in_order() {
    let url = chunked_vendor(vec![r#"{"data":"#, r#""abc","#, r#""n":7}"#]).await;
    let p = rt::Pipeline::new(config(&url)).expect("config");
    let resp = p.send(get("list", "/v1/things")).await.expect("answered");
    assert_eq!(resp.body(), br#"{"data":"abc","n":7}"#);
}

#[tokio::test]
async fn a_body_past_the_limit_over_several_chunks_is_refused() {
    let url = chunked_vendor(vec!["[1,2,3,", "4,5,6,", "7,8,9]"]).await;
    let p = rt::Pipeline::new(config(&url).max_response_bytes(10)).expect("config");
    refused_as_too_large(&p, 10).await;
}

/// `GET /v1/things` ends in a contract error naming the adapter's body limit.
async fn refused_as_too_large(p: &rt::Pipeline, limit: usize) {
    let err = p
        .send(get("list", "/v1/things"))
        .await
        .expect_err("too large");
    assert_eq!(err.kind(), rt::ErrorKind::Contract, "{err}");
    assert!(err.to_string().contains(&format!("{limit} bytes")), "{err}");
}
