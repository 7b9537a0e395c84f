//! The mock vendor itself: routing, scripts, recording.

use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

use super::pipeline_with;

#[tokio::test]
async fn scripts_repeat_their_last_reply_and_unrouted_is_404() {
    let vendor = MockVendor::start().await;
    assert!(vendor.url().starts_with("http://127.0.0.1:"));
    vendor.route(
        "GET",
        "/v1/items/{id}",
        vec![Reply::text(200, "one"), Reply::text(201, "two")],
    );
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let get = |path: &'static str| p.send(rt::Request::new("get", rt::Method::GET, path));
    let statuses = [
        get("/v1/items/a").await.expect("ok").status(),
        get("/v1/items/b").await.expect("ok").status(),
        get("/v1/items/c").await.expect("ok").status(),
    ];
    assert_eq!(statuses, [200, 201, 201]);

    let missing = get("/v1/other").await.expect("404 response");
    assert_eq!(missing.status(), 404);
    let body = String::from_utf8_lossy(missing.body()).into_owned();
    assert!(body.contains("GET /v1/other"), "{body}");
    // A placeholder matches exactly one segment.
    assert_eq!(get("/v1/items/a/b").await.expect("404").status(), 404);

    let received = vendor.received();
    assert_eq!(received.len(), 5);
    assert!(received.iter().all(|r| r.header("Authorization").is_some()));
}

#[tokio::test]
async fn malformed_body_is_a_contract_error() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/x", vec![Reply::malformed(200)]);
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let resp = p
        .send(rt::Request::new("get", rt::Method::GET, "/v1/x"))
        .await
        .expect("response");
    let err = resp
        .decode_json::<serde_json::Value>("get")
        .expect_err("malformed");
    assert_eq!(err.kind(), rt::ErrorKind::Contract);
}

#[tokio::test]
async fn body_keys_feed_the_ledger_like_headers() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v2/payments",
        vec![Reply::json(200, json!({"payment": {"id": "p1"}}))],
    );
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let key = p.idempotency_key("create", Some("order-1".into())).await;
    for _ in 0..2 {
        let req = rt::Request::new("create", rt::Method::POST, "/v2/payments")
            .json_body(&json!({"idempotency_key": key.as_str(), "amount_money": {"amount": 1}}))
            .expect("json")
            .idempotency(&key, rt::KeyPlacement::Body);
        assert_eq!(p.send(req).await.expect("ok").status(), 200);
    }
    let ledger = vendor.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger.by_key(key.as_str()).map(|e| e.replays), Some(1));
    assert!(vendor.received()[0].header("idempotency-key").is_none());
}
