//! The generated Stripe adapter against a mock Stripe on 127.0.0.1.

use portcullis_runtime as rt;
use portcullis_tests::domain::*;
use portcullis_tests::stripe::StripeGateway;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

fn gateway(vendor: &MockVendor) -> StripeGateway {
    let config = StripeGateway::config()
        .base_url(vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("sk_test_123"),
        });
    StripeGateway::new(config).expect("valid config")
}

fn payment_intent(status: &str) -> serde_json::Value {
    json!({
        "id": "pi_123",
        "object": "payment_intent",
        "amount": 2000,
        "currency": "eur",
        "status": status,
        "capture_method": "automatic",
        "confirmation_method": "automatic",
        "created": 1_700_000_000,
        "livemode": false,
        "payment_method_types": ["card"],
        "metadata": { "order_id": "ord_42" },
        "latest_charge": null
    })
}

#[tokio::test]
async fn create_payment_sends_the_exact_form_request_and_returns_the_domain_payment() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/payment_intents",
        vec![Reply::json(200, payment_intent("succeeded"))],
    );
    let gw = gateway(&vendor);

    let payment = gw
        .create_payment(NewPayment {
            order_id: OrderId("ord_42".into()),
            amount: Money {
                minor_units: 2000,
                currency: "eur".into(),
            },
            description: Some("Order 42 & more".into()),
            payment_method: "pm_card_visa".into(),
        })
        .await
        .expect("payment created");

    assert_eq!(
        payment,
        Payment {
            id: PaymentId("pi_123".into()),
            amount: Some(Money {
                minor_units: 2000,
                currency: "eur".into()
            }),
            status: PaymentStatus::Paid,
            order_id: Some(OrderId("ord_42".into())),
            degraded: None,
        }
    );
    let received = vendor.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/payment_intents");
    assert_eq!(r.query, None);
    assert_eq!(
        r.body_str(),
        "amount=2000&confirm=true&currency=eur&description=Order+42+%26+more&metadata[order_id]=ord_42&payment_method=pm_card_visa"
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(r.header("authorization"), Some("Bearer sk_test_123"));
    // Derived from the order id, namespaced by operation so a refund keyed on the same order cannot collide.
    assert_eq!(r.header("idempotency-key"), Some("create_payment:ord_42"));
}

#[tokio::test]
async fn an_unknown_vendor_status_lands_in_the_catch_all() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/payment_intents/{intent}",
        vec![Reply::json(200, payment_intent("on_hold_for_review"))],
    );
    let gw = gateway(&vendor);

    let payment = gw
        .get_payment(&PaymentId("pi/1 2".into()))
        .await
        .expect("payment");

    assert_eq!(
        payment.status,
        PaymentStatus::Unknown("on_hold_for_review".into())
    );
    let r = &vendor.received()[0];
    assert_eq!(r.method, "GET");
    // The id is one path segment: '/' and ' ' are percent-encoded.
    assert_eq!(r.path, "/v1/payment_intents/pi%2F1%202");
    assert_eq!(r.body_str(), "");
    assert_eq!(r.header("idempotency-key"), None);
}

#[tokio::test]
async fn refund_reads_the_id_form_of_an_expandable_field() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/refunds",
        vec![Reply::json(
            200,
            json!({"id": "re_1", "object": "refund", "amount": 500, "currency": "EUR", "created": 1,
                   "payment_intent": "pi_123", "status": "pending"}),
        )],
    );
    let gw = gateway(&vendor);

    let refund = gw
        .refund(NewRefund {
            payment_id: PaymentId("pi_123".into()),
            amount: Money {
                minor_units: 500,
                currency: "eur".into(),
            },
        })
        .await
        .expect("refund");

    assert_eq!(
        refund,
        Refund {
            id: RefundId("re_1".into()),
            payment_id: Some(PaymentId("pi_123".into())),
            amount: Money {
                minor_units: 500,
                currency: "eur".into()
            },
            status: RefundStatus::Pending,
        }
    );
    let r = &vendor.received()[0];
    assert_eq!(r.body_str(), "amount=500&payment_intent=pi_123");
    let key = r.header("idempotency-key").expect("a generated key");
    assert_eq!(key.len(), 36, "a UUIDv4: {key}");
}

#[tokio::test]
async fn a_declined_card_maps_to_the_domain_error() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/payment_intents",
        vec![Reply::json(
            402,
            json!({"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}}),
        )],
    );
    let gw = gateway(&vendor);
    let err = gw
        .create_payment(NewPayment {
            order_id: OrderId("ord_43".into()),
            amount: Money {
                minor_units: 100,
                currency: "eur".into(),
            },
            description: None,
            payment_method: "pm_card_chargeDeclined".into(),
        })
        .await
        .expect_err("declined");
    assert_eq!(err, PaymentError::Declined);
    assert_eq!(vendor.received().len(), 1, "a 402 is not retried");
}

#[tokio::test]
async fn a_missing_payment_and_a_malformed_body_are_classified() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/payment_intents/pi_missing",
        vec![Reply::json(404, json!({"error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such payment_intent"}}))],
    );
    vendor.route(
        "GET",
        "/v1/payment_intents/pi_bad",
        vec![Reply::json(
            200,
            json!({"id": "pi_bad", "amount": "twenty"}),
        )],
    );
    let gw = gateway(&vendor);

    let missing = gw
        .get_payment(&PaymentId("pi_missing".into()))
        .await
        .expect_err("404");
    assert_eq!(missing, PaymentError::NotFound);

    let drifted = gw
        .get_payment(&PaymentId("pi_bad".into()))
        .await
        .expect_err("contract");
    let PaymentError::Provider(message) = drifted else {
        panic!("a contract error maps to the catch-all, got {drifted:?}");
    };
    assert!(
        message.contains("amount"),
        "the message names the field: {message}"
    );
}

/// A value the vendor sends in the spec's shape but the mapping's `via:` refuses (a
/// currency that is not ISO 4217) is a contract error that names the function, so it
/// does not read as the vendor's drift.
#[tokio::test]
async fn a_via_that_refuses_the_vendors_value_is_named_in_the_contract_error() {
    let vendor = MockVendor::start().await;
    let mut intent = payment_intent("succeeded");
    intent["currency"] = json!("euro");
    vendor.route(
        "GET",
        "/v1/payment_intents/pi_123",
        vec![Reply::json(200, intent)],
    );
    let err = gateway(&vendor)
        .get_payment(&PaymentId("pi_123".into()))
        .await
        .expect_err("refused by the converter");
    let PaymentError::Provider(message) = err else {
        panic!("a contract error maps to the catch-all, got {err:?}");
    };
    assert!(
        message.contains("$.amount")
            && message.contains("crate::convert::money_given refused the vendor's value: 'euro' is not an ISO 4217 currency code"),
        "{message}"
    );
}
