//! One domain-level suite, run unchanged against every provider behind the
//! `PaymentGateway` port. Only the fixtures (how each vendor answers on the wire) differ.

use portcullis_runtime as rt;
use portcullis_tests::domain::*;
use portcullis_tests::{
    adyen::AdyenGateway, govuk_pay::GovukPayGateway, square::SquareGateway, stripe::StripeGateway,
};
use rt::choice::Offers;
use rt::testing::{MockVendor, Reply};
use serde_json::{Value, json};
use std::time::Duration;

/// How one vendor says things on the wire.
struct Fixture {
    create: (&'static str, &'static str),
    get: Option<(&'static str, &'static str)>,
    refund: Option<(&'static str, &'static str)>,
    /// A payment in the vendor's shape, with the vendor's status spelling.
    payment: fn(status: &str) -> Value,
    paid: &'static str,
    refund_body: Value,
    refund_status: u16,
    /// The status a successful create answers with (201 for some vendors).
    create_status: u16,
    /// The one currency the scenarios pay in, as the domain spells it.
    currency: &'static str,
    /// How the vendor says a card was declined.
    declined: Declined,
}

/// Where a vendor reports a declined card.
enum Declined {
    /// As the create's answer: the port's `PaymentError::Declined`.
    AtCreate(Reply),
    /// As the payment's state, later (the payer enters the card on the vendor's page):
    /// a payment in this vendor status is the domain's `PaymentStatus::Failed`.
    AsStatus(&'static str),
}

fn stripe() -> Fixture {
    Fixture {
        create: ("POST", "/v1/payment_intents"),
        get: Some(("GET", "/v1/payment_intents/{id}")),
        refund: Some(("POST", "/v1/refunds")),
        payment: |status| {
            json!({"id": "pay_1", "object": "payment_intent", "amount": 2000, "currency": "eur", "status": status,
                   "metadata": {"order_id": "ord_1"}})
        },
        paid: "succeeded",
        refund_body: json!({"id": "ref_1", "object": "refund", "amount": 500, "currency": "eur", "payment_intent": "pay_1", "status": "pending"}),
        refund_status: 200,
        create_status: 200,
        currency: "eur",
        declined: Declined::AtCreate(Reply::json(
            402,
            json!({"error": {"type": "card_error", "code": "card_declined", "message": "declined"}}),
        )),
    }
}

fn square() -> Fixture {
    Fixture {
        create: ("POST", "/v2/payments"),
        get: Some(("GET", "/v2/payments/{id}")),
        refund: Some(("POST", "/v2/refunds")),
        payment: |status| {
            json!({"payment": {"id": "pay_1", "amount_money": {"amount": 2000, "currency": "EUR"}, "status": status,
                   "reference_id": "ord_1"}})
        },
        paid: "COMPLETED",
        refund_body: json!({"refund": {"id": "ref_1", "payment_id": "pay_1", "amount_money": {"amount": 500, "currency": "EUR"}, "status": "PENDING"}}),
        refund_status: 200,
        create_status: 200,
        currency: "eur",
        declined: Declined::AtCreate(Reply::json(
            400,
            json!({"errors": [{"category": "PAYMENT_METHOD_ERROR", "code": "CARD_DECLINED", "detail": "declined"}]}),
        )),
    }
}

fn adyen() -> Fixture {
    Fixture {
        create: ("POST", "/payments"),
        get: None,
        refund: Some(("POST", "/payments/{id}/refunds")),
        payment: |status| {
            json!({"pspReference": "pay_1", "amount": {"value": 2000, "currency": "EUR"}, "resultCode": status,
                   "merchantReference": "ord_1"})
        },
        paid: "Authorised",
        refund_body: json!({"pspReference": "ref_1", "paymentPspReference": "pay_1", "merchantAccount": "CheckoutExampleECOM",
                            "amount": {"value": 500, "currency": "EUR"}, "status": "received"}),
        refund_status: 201,
        create_status: 200,
        currency: "eur",
        declined: Declined::AtCreate(Reply::json(
            200,
            json!({"pspReference": "pay_1", "resultCode": "Refused", "refusalReason": "Refused"}),
        )),
    }
}

/// GOV.UK Pay: a hosted payment page in pounds sterling. A create answers 201 with the
/// payment, and a declined card shows later as the payment's `failed` state.
fn govuk_pay() -> Fixture {
    Fixture {
        create: ("POST", "/v1/payments"),
        get: Some(("GET", "/v1/payments/{paymentId}")),
        refund: Some(("POST", "/v1/payments/{paymentId}/refunds")),
        payment: |status| {
            json!({"payment_id": "pay_1", "amount": 2000, "reference": "ord_1", "description": "Order ord_1",
                   "state": {"status": status, "finished": status != "created"},
                   "_links": {"next_url": {"href": "https://card.payments.service.gov.uk/secure/1", "method": "GET"}}})
        },
        paid: "success",
        refund_body: json!({"refund_id": "ref_1", "amount": 500, "status": "submitted", "created_date": "2026-12-03T10:00:00.000Z"}),
        refund_status: 200,
        create_status: 201,
        currency: "gbp",
        declined: Declined::AsStatus("failed"),
    }
}

/// Fast policies for tests: two quick attempts, a short budget.
fn fast(mut config: rt::AdapterConfig, vendor: &MockVendor) -> rt::AdapterConfig {
    let d = config.defaults_mut();
    d.retry = Some(rt::RetryPolicy {
        attempts: 2,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
        ..Default::default()
    });
    d.budget = Some(Duration::from_secs(2));
    d.attempt_timeout = Some(Duration::from_millis(500));
    config.base_url(vendor.url()).allow_insecure_http(true)
}

fn token() -> rt::SecretSource {
    rt::SecretSource::literal("test-secret")
}

/// Each scenario pays another order: one order id is one idempotency key, and a vendor
/// replays the first answer it gave for a key.
fn new_payment(order: &str, currency: &str) -> NewPayment {
    NewPayment {
        order_id: OrderId(order.into()),
        amount: Money {
            minor_units: 2000,
            currency: currency.into(),
        },
        description: None,
        payment_method: "pm_1".into(),
    }
}

fn money(minor_units: i64, currency: &str) -> Money {
    Money {
        minor_units,
        currency: currency.into(),
    }
}

/// A method the adapter's mapping declares `unsupported:` fails at once with the
/// declared error variant, and nothing reaches the vendor.
fn assert_declared<T: std::fmt::Debug>(
    gw: &impl Offers,
    vendor: &MockVendor,
    sent_before: usize,
    method: &str,
    got: Result<T, PaymentError>,
) {
    let variant = gw
        .declared_error(method)
        .unwrap_or_else(|| panic!("{method} is offered; the suite should have run it"));
    let err = match got {
        Ok(v) => panic!("{method} is declared unsupported but answered {v:?}"),
        Err(e) => e,
    };
    let shown = format!("{err:?}");
    let rest = shown
        .strip_prefix(variant)
        .unwrap_or_else(|| panic!("{method} returned {shown}, its mapping declares {variant}"));
    assert!(
        !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'),
        "{method} returned {shown}, its mapping declares {variant}"
    );
    assert_eq!(
        vendor.received().len(),
        sent_before,
        "{method} is not offered, yet a request reached the vendor"
    );
}

/// The suite: the same domain assertions for every provider. A step whose port method
/// the adapter's mapping declares `unsupported:` asserts the declared error instead
/// (read from the adapter, never assumed by the fixture).
async fn suite<G: PaymentGateway + Offers>(f: Fixture, vendor: MockVendor, gw: G) {
    let payment_id = PaymentId("pay_1".into());
    let expected_paid = Payment {
        id: payment_id.clone(),
        amount: Some(money(2000, f.currency)),
        status: PaymentStatus::Paid,
        order_id: Some(OrderId("ord_1".into())),
        degraded: None,
    };

    // create
    if gw.offers("create_payment") {
        vendor.route(
            f.create.0,
            f.create.1,
            vec![Reply::json(f.create_status, (f.payment)(f.paid))],
        );
        let paid = gw
            .create_payment(new_payment("ord_1", f.currency))
            .await
            .expect("create");
        assert_eq!(paid, expected_paid);
    } else {
        let sent = vendor.received().len();
        let got = gw.create_payment(new_payment("ord_1", f.currency)).await;
        assert_declared(&gw, &vendor, sent, "create_payment", got);
    }

    // get
    if gw.offers("get_payment") {
        let (method, path) = f
            .get
            .expect("the adapter offers get_payment: give the fixture its route");
        vendor.route(method, path, vec![Reply::json(200, (f.payment)(f.paid))]);
        assert_eq!(gw.get_payment(&payment_id).await, Ok(expected_paid.clone()));
    } else {
        let sent = vendor.received().len();
        let got = gw.get_payment(&payment_id).await;
        assert_declared(&gw, &vendor, sent, "get_payment", got);
    }

    // refund
    let new_refund = NewRefund {
        payment_id: payment_id.clone(),
        amount: money(500, f.currency),
    };
    if gw.offers("refund") {
        let (method, path) = f
            .refund
            .expect("the adapter offers refund: give the fixture its route");
        vendor.route(
            method,
            path,
            vec![Reply::json(f.refund_status, f.refund_body.clone())],
        );
        let refund = gw.refund(new_refund).await.expect("refund");
        assert_eq!(
            refund,
            Refund {
                id: RefundId("ref_1".into()),
                payment_id: Some(payment_id.clone()),
                amount: money(500, f.currency),
                status: RefundStatus::Pending
            }
        );
    } else {
        let sent = vendor.received().len();
        let got = gw.refund(new_refund).await;
        assert_declared(&gw, &vendor, sent, "refund", got);
    }

    // The rest exercises answers to a payment; a provider that takes none has asserted
    // its declared error above.
    if !gw.offers("create_payment") {
        return;
    }

    // a new status the vendor added later lands in the catch-all
    vendor.route(
        f.create.0,
        f.create.1,
        vec![Reply::json(f.create_status, (f.payment)("SOMETHING_NEW"))],
    );
    let unknown = gw
        .create_payment(new_payment("ord_2", f.currency))
        .await
        .expect("create");
    assert_eq!(
        unknown.status,
        PaymentStatus::Unknown("SOMETHING_NEW".into())
    );

    // declined card: an error of the create, or a payment that failed
    match f.declined {
        Declined::AtCreate(reply) => {
            vendor.route(f.create.0, f.create.1, vec![reply]);
            assert_eq!(
                gw.create_payment(new_payment("ord_3", f.currency)).await,
                Err(PaymentError::Declined)
            );
        }
        Declined::AsStatus(status) => {
            vendor.route(
                f.create.0,
                f.create.1,
                vec![Reply::json(f.create_status, (f.payment)(status))],
            );
            let declined = gw
                .create_payment(new_payment("ord_3", f.currency))
                .await
                .expect("a declined card is a failed payment, not an error");
            assert_eq!(declined.status, PaymentStatus::Failed);
        }
    }

    // vendor outage
    vendor.route(f.create.0, f.create.1, vec![Reply::json(503, json!({}))]);
    assert!(matches!(
        gw.create_payment(new_payment("ord_5", f.currency)).await,
        Err(PaymentError::Unavailable(_))
    ));

    // rate limited, with a wait longer than the budget: fails at once. Last, because the
    // limiter now pauses the adapter's bucket for the vendor's Retry-After.
    vendor.route(
        f.create.0,
        f.create.1,
        vec![Reply::json(429, json!({})).with_header("Retry-After", "120")],
    );
    let started = std::time::Instant::now();
    assert!(matches!(
        gw.create_payment(new_payment("ord_4", f.currency)).await,
        Err(PaymentError::RateLimited(_))
    ));
    assert!(started.elapsed() < Duration::from_secs(1), "no 120 s sleep");
}

/// A provider that declares a method `unsupported:` is held to the declaration: the
/// suite's check fails when the adapter answers instead, or with another error.
#[test]
fn the_suite_holds_an_adapter_to_its_declaration() {
    struct Declares;
    impl Offers for Declares {
        fn unsupported(&self) -> &'static [rt::choice::Unsupported] {
            &[rt::choice::Unsupported {
                method: "get_payment",
                error: "crate::domain::PaymentError::Unsupported",
            }]
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let vendor = rt.block_on(MockVendor::start());
    let _guard = rt.enter();
    let check = |got: Result<(), PaymentError>| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            assert_declared(&Declares, &vendor, 0, "get_payment", got)
        }))
        .is_ok()
    };
    assert!(check(Err(PaymentError::Unsupported("no".into()))));
    assert!(!check(Ok(())), "an answer where an error is declared");
    assert!(!check(Err(PaymentError::Declined)), "another error");
}

#[tokio::test]
async fn stripe_passes_the_domain_suite() {
    let vendor = MockVendor::start().await;
    let gw = StripeGateway::new(
        fast(StripeGateway::config(), &vendor).auth(rt::AuthConfig::Bearer { token: token() }),
    )
    .expect("config");
    suite(stripe(), vendor, gw).await;
}

#[tokio::test]
async fn square_passes_the_domain_suite() {
    let vendor = MockVendor::start().await;
    let gw = SquareGateway::new(
        fast(SquareGateway::config(), &vendor).auth(rt::AuthConfig::Bearer { token: token() }),
    )
    .expect("config");
    suite(square(), vendor, gw).await;
}

#[tokio::test]
async fn adyen_passes_the_domain_suite() {
    let vendor = MockVendor::start().await;
    let auth = rt::AuthConfig::ApiKey {
        location: rt::ApiKeyLocation::Header,
        name: "X-API-Key".into(),
        secret: token(),
    };
    let gw = AdyenGateway::new(fast(AdyenGateway::config(), &vendor).auth(auth)).expect("config");
    suite(adyen(), vendor, gw).await;
}

#[tokio::test]
async fn govuk_pay_passes_the_domain_suite() {
    let vendor = MockVendor::start().await;
    let auth = rt::AuthConfig::PrefixedApiKey {
        location: rt::ApiKeyLocation::Header,
        name: "Authorization".into(),
        prefix: "Bearer ".into(),
        secret: token(),
    };
    let gw =
        GovukPayGateway::new(fast(GovukPayGateway::config(), &vendor).auth(auth)).expect("config");
    suite(govuk_pay(), vendor, gw).await;
}

/// What GOV.UK Pay is sent: pence, our order as its reference, a description even when
/// the order has none, the key as a bearer token; and a currency it does not take is
/// refused before anything is sent.
#[tokio::test]
async fn govuk_pay_is_sent_pence_with_a_description_and_refuses_other_currencies() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/payments",
        vec![Reply::json(201, (govuk_pay().payment)("created"))],
    );
    let gw = GovukPayGateway::new(fast(GovukPayGateway::config(), &vendor).auth(
        rt::AuthConfig::PrefixedApiKey {
            location: rt::ApiKeyLocation::Header,
            name: "Authorization".into(),
            prefix: "Bearer ".into(),
            secret: token(),
        },
    ))
    .expect("config");
    let created = gw
        .create_payment(new_payment("ord_1", "gbp"))
        .await
        .expect("create");
    assert_eq!(created.status, PaymentStatus::Pending);
    let sent = vendor.received();
    assert_eq!(sent.len(), 1);
    let body: Value = serde_json::from_slice(&sent[0].body).expect("a JSON body");
    assert_eq!(body["amount"], 2000);
    assert_eq!(body["reference"], "ord_1");
    assert_eq!(body["description"], "Order ord_1");
    assert!(body["return_url"].is_string());
    assert!(body.get("payment_method").is_none());
    assert_eq!(sent[0].header("authorization"), Some("Bearer test-secret"));

    let refused = gw.create_payment(new_payment("ord_2", "eur")).await;
    match refused {
        Err(PaymentError::Provider(m)) => assert!(m.contains("GBP"), "{m}"),
        other => panic!("a euro payment reached {other:?}"),
    }
    assert_eq!(vendor.received().len(), 1, "nothing more was sent");
}

#[tokio::test]
async fn square_sends_the_key_in_the_body_and_adyen_in_a_header() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v2/payments",
        vec![Reply::json(200, (square().payment)("COMPLETED"))],
    );
    let sq = SquareGateway::new(
        fast(SquareGateway::config(), &vendor).auth(rt::AuthConfig::Bearer { token: token() }),
    )
    .expect("config");
    sq.create_payment(new_payment("ord_1", "eur"))
        .await
        .expect("square");
    let body: Value = serde_json::from_slice(&vendor.received()[0].body).expect("json");
    assert_eq!(body["idempotency_key"], json!("create_payment:ord_1"));
    assert_eq!(
        body["amount_money"],
        json!({"amount": 2000, "currency": "EUR"})
    );
    assert_eq!(body["source_id"], json!("pm_1"));
    assert_eq!(
        vendor.received()[0].header("authorization"),
        Some("Bearer test-secret")
    );

    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/payments",
        vec![Reply::json(200, (adyen().payment)("Authorised"))],
    );
    let auth = rt::AuthConfig::ApiKey {
        location: rt::ApiKeyLocation::Header,
        name: "X-API-Key".into(),
        secret: token(),
    };
    let ad = AdyenGateway::new(fast(AdyenGateway::config(), &vendor).auth(auth)).expect("config");
    ad.create_payment(new_payment("ord_1", "eur"))
        .await
        .expect("adyen");
    let r = &vendor.received()[0];
    assert_eq!(r.header("idempotency-key"), Some("create_payment:ord_1"));
    assert_eq!(r.header("x-api-key"), Some("test-secret"));
    let body: Value = serde_json::from_slice(&r.body).expect("json");
    assert_eq!(
        body["paymentMethod"],
        json!({"type": "scheme", "storedPaymentMethodId": "pm_1"})
    );
    assert_eq!(body["merchantAccount"], json!("CheckoutExampleECOM"));
}

/// Every `/payments` 200 example in Adyen's own spec reaches the checkout: most leave
/// `amount` out, and an `Authorised` one is still paid; a `RedirectShopper` one (no
/// `pspReference` yet) is pending, not a contract error (issue 16, point 2).
#[tokio::test]
async fn every_adyen_payments_example_reaches_the_domain() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/adyen/checkout-v71.json"
    );
    let spec: Value = serde_json::from_slice(&std::fs::read(path).expect("spec")).expect("json");
    let examples = spec["paths"]["/payments"]["post"]["responses"]["200"]["content"]
        ["application/json"]["examples"]
        .as_object()
        .expect("examples");
    let mut seen = (0, 0, 0);
    for (name, example) in examples {
        let reference = example["$ref"].as_str().expect("a $ref");
        let key = reference.rsplit('/').next().expect("name");
        let body = spec["components"]["examples"][key]["value"].clone();
        let vendor = MockVendor::start().await;
        vendor.route("POST", "/payments", vec![Reply::json(200, body.clone())]);
        let auth = rt::AuthConfig::ApiKey {
            location: rt::ApiKeyLocation::Header,
            name: "X-API-Key".into(),
            secret: token(),
        };
        let gw =
            AdyenGateway::new(fast(AdyenGateway::config(), &vendor).auth(auth)).expect("config");
        let payment = gw
            .create_payment(new_payment("ord_1", "eur"))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        match body["resultCode"].as_str() {
            Some("Authorised") => {
                assert_eq!(payment.status, PaymentStatus::Paid, "{name}");
                if body.get("amount").is_none() {
                    assert_eq!(payment.amount, None, "{name}");
                    seen.0 += 1;
                }
            }
            Some("RedirectShopper") => {
                assert_eq!(payment.status, PaymentStatus::Pending, "{name}");
                assert_eq!(payment.id, PaymentId(String::new()), "{name}: no id yet");
                seen.1 += 1;
            }
            _ => {}
        }
        seen.2 += 1;
    }
    assert_eq!(seen.2, 6, "Adyen's spec gives six /payments 200 examples");
    assert!(
        seen.0 >= 4,
        "four are Authorised without an amount: {seen:?}"
    );
    assert_eq!(seen.1, 1, "one waits on a redirect: {seen:?}");
}

/// Done when of issue 16: against a mock that validates every request against Square's
/// full public spec (the corpus' squareup.com, not the trimmed copy the adapter was
/// generated from) and answers 422 as Square does, a UUID order id and `ORD#1001` both
/// charge: the idempotency key fits `maxLength: 45`, whatever the order id.
#[tokio::test]
async fn square_charges_any_order_id_against_a_validating_mock_of_its_full_spec() {
    let path = crate::corpus("api/squareup.com.json").join("api/squareup.com.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run scripts/fetch-specs (or set PORTCULLIS_CORPUS)",
            path.display()
        )
    });
    let spec: Value = serde_json::from_slice(&bytes).expect("json");
    let schema = rt::testing::contract::inline_refs(
        &spec,
        &json!({"$ref": "#/components/schemas/CreatePaymentRequest"}),
        6,
    );
    assert_eq!(
        schema["properties"]["idempotency_key"]["maxLength"],
        json!(45),
        "the full spec's limit"
    );
    let vendor = MockVendor::start().await;
    vendor.route_fn("POST", "/v2/payments", move |req, _| {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let mut problems = Vec::new();
        rt::testing::contract::check(&schema, &body, "$", false, &mut problems);
        if problems.is_empty() {
            Reply::json(200, (square().payment)("COMPLETED"))
        } else {
            Reply::json(
                422,
                json!({"errors": [{"category": "INVALID_REQUEST_ERROR", "code": "INVALID_VALUE", "detail": problems.join("; ")}]}),
            )
        }
    });
    let gw = SquareGateway::new(
        fast(SquareGateway::config(), &vendor).auth(rt::AuthConfig::Bearer { token: token() }),
    )
    .expect("config");
    for order in ["0b5d3c9e-5f7a-4c1e-9a0e-1f2d3c4b5a69", "ORD#1001"] {
        let paid = gw
            .create_payment(new_payment(order, "eur"))
            .await
            .unwrap_or_else(|e| panic!("{order}: {e:?}"));
        assert_eq!(paid.status, PaymentStatus::Paid, "{order}");
    }
    let keys: Vec<String> = vendor
        .received()
        .iter()
        .filter_map(|r| r.body_field("idempotency_key"))
        .collect();
    assert_eq!(keys.len(), 2, "one attempt each: {keys:?}");
    assert!(keys.iter().all(|k| k.len() <= 45), "{keys:?}");
    assert_ne!(keys[0], keys[1]);
}

/// A 200 whose body is the vendor's error (Stripe's `{"error": …}`, Square's
/// `{"errors": […]}`) reaches the caller as that vendor error, with the vendor's words,
/// never as a success and never as "does not match the contract" (issue 16, point 5).
#[tokio::test]
async fn a_success_status_carrying_the_vendors_error_is_that_error() {
    let cases: [(Fixture, Value, &str); 2] = [
        (
            stripe(),
            json!({"error": {"type": "invalid_request_error", "code": "parameter_invalid", "message": "Amount must be positive."}}),
            "Amount must be positive.",
        ),
        (
            square(),
            json!({"errors": [{"category": "INVALID_REQUEST_ERROR", "code": "INVALID_VALUE", "detail": "Amount must be positive."}]}),
            "Amount must be positive.",
        ),
    ];
    for (i, (f, body, words)) in cases.into_iter().enumerate() {
        let vendor = MockVendor::start().await;
        vendor.route(f.create.0, f.create.1, vec![Reply::json(200, body)]);
        let config =
            |c: rt::AdapterConfig| fast(c, &vendor).auth(rt::AuthConfig::Bearer { token: token() });
        let got = match i {
            0 => {
                let gw = StripeGateway::new(config(StripeGateway::config())).expect("config");
                gw.create_payment(new_payment("ord_9", "eur")).await
            }
            _ => {
                let gw = SquareGateway::new(config(SquareGateway::config())).expect("config");
                gw.create_payment(new_payment("ord_9", "eur")).await
            }
        };
        let Err(PaymentError::Provider(message)) = got else {
            panic!("case {i}: the vendor's error, got {got:?}");
        };
        assert!(message.contains(words), "case {i}: {message}");
        assert!(!message.contains("contract"), "case {i}: {message}");
    }
}

/// A value the spec's constraints refuse fails before sending, naming the field and the
/// constraint: Square limits `reference_id` to 40 characters (issue 16, point 4).
#[tokio::test]
async fn a_value_the_spec_refuses_is_never_sent() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v2/payments",
        vec![Reply::json(200, (square().payment)("COMPLETED"))],
    );
    let gw = SquareGateway::new(
        fast(SquareGateway::config(), &vendor).auth(rt::AuthConfig::Bearer { token: token() }),
    )
    .expect("config");
    let long = "o".repeat(41);
    let got = gw.create_payment(new_payment(&long, "eur")).await;
    let Err(PaymentError::Provider(message)) = got else {
        panic!("refused before sending, got {got:?}");
    };
    assert!(message.contains("$.reference_id"), "{message}");
    assert!(message.contains("maxLength 40"), "{message}");
    assert!(
        !message.contains(&long),
        "the value is not repeated: {message}"
    );
    assert!(vendor.received().is_empty(), "nothing was sent");

    // 40 characters fit.
    gw.create_payment(new_payment(&"o".repeat(40), "eur"))
        .await
        .expect("sent");
    assert_eq!(vendor.received().len(), 1);
}
