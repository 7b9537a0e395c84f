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
    assert_eq!(
        body,
        json!({"amount_money": {"amount": 700, "currency": "EUR"}, "idempotency_key": key, "tags": ["web"],
               "lines": [{"sku": "tea", "quantity": 2, "unit": {"name": "box"}}, {"sku": "cup", "quantity": 1, "unit": {}}]})
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
