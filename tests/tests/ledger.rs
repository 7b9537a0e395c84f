//! A JSON vendor described in YAML, behind an `async fn` port.

use portcullis_runtime as rt;
use portcullis_tests::ledger::LedgerAdapter;
use portcullis_tests::ledger_domain::*;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

fn adapter(vendor: &MockVendor) -> LedgerAdapter {
    let config = LedgerAdapter::config()
        .base_url(vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::ApiKey {
            location: rt::ApiKeyLocation::Header,
            name: "X-Api-Key".into(),
            secret: rt::SecretSource::literal("key_1"),
        });
    LedgerAdapter::new(config).expect("config")
}

fn charge_json(state: &str) -> serde_json::Value {
    json!({"id": "ch_1", "amount_money": {"amount": 700, "currency": "EUR"}, "state": state, "note": null})
}

#[tokio::test]
async fn charge_sends_json_with_the_key_in_the_body_and_reads_201() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v2/charges",
        vec![Reply::json(201, charge_json("OPEN"))],
    );
    let charge = adapter(&vendor)
        .charge(NewCharge {
            amount: 700,
            currency: "EUR".into(),
            note: None,
            tags: vec!["web".into()],
            source: "checkout".into(),
            lines: vec![
                Line {
                    sku: "tea".into(),
                    quantity: 2,
                    unit: Some("box".into()),
                },
                Line {
                    sku: "cup".into(),
                    quantity: 1,
                    unit: None,
                },
            ],
        })
        .await
        .expect("charged");
    assert_eq!(
        charge,
        Charge {
            id: ChargeId("ch_1".into()),
            amount: 700,
            state: ChargeState::Open,
            tags: vec![],
            note: String::new()
        }
    );
    let r = &vendor.received()[0];
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-api-key"), Some("key_1"));
    assert_eq!(r.header("x-request-source"), Some("checkout"));
    let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json body");
    let key = body["idempotency_key"]
        .as_str()
        .expect("key in body")
        .to_string();
    assert_eq!(key.len(), 36, "a UUIDv4");
    // The second line's unit is None: its `unit` object is left out, not sent empty.
    assert_eq!(
        body,
        json!({"amount_money": {"amount": 700, "currency": "EUR"}, "idempotency_key": key, "tags": ["web"],
               "lines": [{"sku": "tea", "quantity": 2, "unit": {"name": "box"}}, {"sku": "cup", "quantity": 1}]})
    );
}

#[tokio::test]
async fn get_sends_query_arrays_and_narrows_integers_with_a_check() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v2/charges/ch_1",
        vec![Reply::json(200, charge_json("VOID"))],
    );
    let mut negative = charge_json("SETTLED");
    negative["amount_money"]["amount"] = json!(-5);
    vendor.route("GET", "/v2/charges/ch_2", vec![Reply::json(200, negative)]);
    let a = adapter(&vendor);

    let c = a
        .get(&ChargeId("ch_1".into()), vec!["a b".into(), "c".into()])
        .await
        .expect("charge");
    assert_eq!(c.state, ChargeState::Other);
    // Repeated names for an exploded array; the space percent-encoded.
    assert_eq!(
        vendor.received()[0].query.as_deref(),
        Some("expand=a%20b&expand=c")
    );

    let err = a
        .get(&ChargeId("ch_2".into()), vec![])
        .await
        .expect_err("-5 is not a u32");
    let LedgerError::Failed(message) = err else {
        panic!("catch-all expected, got {err:?}")
    };
    assert!(
        message.contains("$.amount_money.amount"),
        "names the JSON path: {message}"
    );
}

#[tokio::test]
async fn cancel_reads_204_and_maps_a_409() {
    let vendor = MockVendor::start().await;
    vendor.route("DELETE", "/v2/charges/ch_1", vec![Reply::text(204, "")]);
    vendor.route(
        "DELETE",
        "/v2/charges/ch_2",
        vec![Reply::json(
            409,
            json!({"error": {"code": "IN_FLIGHT", "message": "busy"}}),
        )],
    );
    let a = adapter(&vendor);
    a.cancel(ChargeId("ch_1".into())).await.expect("canceled");
    assert_eq!(
        a.cancel(ChargeId("ch_2".into())).await,
        Err(LedgerError::Conflict)
    );
}

#[tokio::test]
async fn a_raw_body_is_sent_as_it_is_with_the_spec_content_type() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "PUT",
        "/v2/charges/ch_1/receipt",
        vec![Reply::text(204, "")],
    );
    adapter(&vendor)
        .attach_receipt(&ChargeId("ch_1".into()), b"%PDF-1.7 ...".to_vec())
        .await
        .expect("stored");
    let r = &vendor.received()[0];
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert_eq!(r.body, b"%PDF-1.7 ...".to_vec());
}

#[tokio::test]
async fn the_generated_oauth2_config_fetches_a_token_once_and_sends_it_as_bearer() {
    use portcullis_tests::ledger_oauth::LedgerOauthAdapter;
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/oauth/token",
        vec![Reply::json(
            200,
            json!({"access_token": "tok_live_1", "token_type": "bearer", "expires_in": 3600}),
        )],
    );
    vendor.route(
        "GET",
        "/v2/charges/ch_1",
        vec![Reply::json(200, charge_json("OPEN"))],
    );
    let mut config = LedgerOauthAdapter::config()
        .base_url(vendor.url())
        .allow_insecure_http(true);
    // The generated config carries the spec's token URL and the mapping's secret sources;
    // the test points the first at the mock and gives literal credentials.
    let rt::AuthConfig::OAuth2ClientCredentials(creds) = config.auth_mut() else {
        panic!("the mapping's oauth scheme generates client credentials");
    };
    assert_eq!(creds.token_url, "https://ledger.example.com/oauth/token");
    assert_eq!(creds.scopes, vec!["charges:read".to_string()]);
    creds.token_url = format!("{}/oauth/token", vendor.url());
    creds.client_id = rt::SecretSource::literal("client_1");
    creds.client_secret = rt::SecretSource::literal("s3cret");
    let adapter = LedgerOauthAdapter::new(config).expect("config");

    for _ in 0..3 {
        adapter
            .get(&ChargeId("ch_1".into()), vec![])
            .await
            .expect("charge");
    }
    let received = vendor.received();
    let token_requests: Vec<_> = received
        .iter()
        .filter(|r| r.path == "/oauth/token")
        .collect();
    assert_eq!(token_requests.len(), 1, "one token for three calls");
    assert!(
        token_requests[0]
            .body_str()
            .contains("grant_type=client_credentials"),
        "{}",
        token_requests[0].body_str()
    );
    let calls: Vec<_> = received
        .iter()
        .filter(|r| r.path == "/v2/charges/ch_1")
        .collect();
    assert_eq!(calls.len(), 3);
    assert!(
        calls
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer tok_live_1"))
    );
}
