//! Idempotency keys in the shape the vendor's spec allows, end to end.

use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

use super::pipeline_with;

/// Square's `idempotency_key`: a body field of at most 45 characters.
static SQUARE_KEY: rt::KeyShape = rt::KeyShape::new().max_length(45).min_length(1);

async fn create_payment(p: &rt::Pipeline, order_id: &str) -> Result<rt::Response, rt::Error> {
    let source = rt::KeySource::Domain {
        field: "req.order_id",
        value: order_id,
    };
    let key = p
        .idempotency_key_for("create_payment", source, &SQUARE_KEY)
        .await?;
    let body = json!({"idempotency_key": key.as_str(), "amount_money": {"amount": 100}});
    let req = rt::Request::new("create_payment", rt::Method::POST, "/v2/payments")
        .json_body(&body)?
        .idempotency(&key, rt::KeyPlacement::Body);
    p.send(req).await
}

#[tokio::test]
async fn keys_fit_squares_45_characters_on_every_retry() {
    let vendor = MockVendor::start().await;
    vendor.route_fn("POST", "/v2/payments", |req, n| {
        let key = req.idempotency_key().unwrap_or_default();
        if key.chars().count() > 45 {
            return Reply::json(400, json!({"errors": [{"code": "VALUE_TOO_LONG"}]}));
        }
        if n % 2 == 0 {
            Reply::json(503, json!({"errors": [{"code": "SERVICE_UNAVAILABLE"}]}))
        } else {
            Reply::json(200, json!({"payment": {"id": format!("pay_{n}")}}))
        }
    });
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let order_ids = ["ord_42", "0b5d3c9e-5f7a-4c1e-9a0e-1f2d3c4b5a69", "ORD#1001"];
    for order_id in order_ids {
        let resp = create_payment(&p, order_id).await.expect("sent");
        assert_eq!((resp.status(), resp.attempts()), (200, 2), "{order_id}");
    }
    let keys: Vec<String> = vendor
        .received()
        .iter()
        .map(|r| r.idempotency_key().expect("key in the body"))
        .collect();
    assert_eq!(keys.len(), 6);
    for pair in keys.chunks(2) {
        assert_eq!(pair[0], pair[1], "a retry carries the same key");
        assert!(pair[0].len() <= 45, "{}", pair[0]);
    }
    assert_eq!(keys[0], "create_payment:ord_42", "short keys stay verbatim");
    assert_eq!(vendor.ledger().len(), 3, "one payment per order");
    // Another process derives the same keys.
    let again = pipeline_with(&vendor.url(), rt::Policy::default());
    let source = rt::KeySource::Domain {
        field: "req.order_id",
        value: order_ids[1],
    };
    let key = again
        .idempotency_key_for("create_payment", source, &SQUARE_KEY)
        .await
        .expect("fits");
    assert_eq!(key.as_str(), keys[2]);
}

#[tokio::test]
async fn an_empty_order_id_is_refused_before_sending() {
    let vendor = MockVendor::start().await;
    vendor.route("POST", "/v2/payments", vec![Reply::json(200, json!({}))]);
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    for blank in ["", "  "] {
        let err = create_payment(&p, blank).await.expect_err("blank key");
        assert_eq!(err.kind(), rt::ErrorKind::InvalidRequest, "{err}");
        assert!(err.to_string().contains("req.order_id"), "{err}");
    }
    assert!(vendor.received().is_empty());
}

#[tokio::test]
async fn random_keys_fit_the_shape_and_the_replay_sends_the_key_the_error_carried() {
    static SHORT: rt::KeyShape = rt::KeyShape::new().max_length(24);
    let vendor = MockVendor::start().await;
    // The first call times out after sending: its outcome is unknown.
    vendor.route(
        "POST",
        "/v1/transfers",
        vec![Reply::json(200, json!({"id": "tr_1"})).with_delay(std::time::Duration::from_secs(5))],
    );
    let p = pipeline_with(
        &vendor.url(),
        rt::Policy {
            retry: Some(rt::RetryPolicy {
                attempts: 1,
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    let body = json!({"amount": 5});
    let send = || async {
        let key = p
            .idempotency_key_for("transfer", rt::KeySource::PerCall, &SHORT)
            .await
            .expect("fits");
        assert!(key.as_str().len() <= 24, "{key}");
        let req = rt::Request::new("transfer", rt::Method::POST, "/v1/transfers")
            .json_body(&body)
            .expect("json")
            .idempotency(&key, rt::KeyPlacement::Header("Idempotency-Key"));
        (key.clone(), p.send(req).await)
    };
    let (first, result) = send().await;
    let err = result.expect_err("timed out");
    assert_eq!(err.idempotency_key(), Some(first.as_str()));
    let replayed = err.idempotency_key().expect("key").to_owned();
    let (second, result) = rt::idempotency::replay(replayed, send()).await;
    assert_eq!(second, first, "the replay sends the key the error carried");
    // The vendor is still processing the original (its answer is delayed): it
    // recognises the key instead of charging again.
    assert_eq!(result.expect("answered").status(), 409);
    let ledger = vendor.ledger();
    assert_eq!((ledger.len(), ledger.entries[0].conflicts), (1, 1));
}
