//! Contract tests: generated for every adapter (they run as this crate's unit tests),
//! cassettes recorded through a proxy and replayed, drift that fails loudly.

use std::path::{Path, PathBuf};

use portcullis_codegen::emit::contract::ContractOptions;
use portcullis_runtime as rt;
use portcullis_tests::domain::*;
use portcullis_tests::{adyen::AdyenGateway, square::SquareGateway, stripe::StripeGateway};
use rt::testing::{Cassette, MockVendor, RecordingProxy, Redactions, ReplayServer, Reply};
use serde_json::{Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stripe(url: &str) -> StripeGateway {
    let config = StripeGateway::config()
        .base_url(url)
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("sk_test_secret"),
        });
    StripeGateway::new(config).expect("valid config")
}

fn payment_intent() -> Value {
    json!({"id": "pi_1", "amount": 1, "currency": "usd", "status": "succeeded",
           "metadata": {"order_id": "order_id-1"}, "client_secret": "pi_1_secret_abc"})
}

/// The arguments the generated contract tests synthesise for create_payment.
fn sample_new_payment() -> NewPayment {
    NewPayment {
        order_id: OrderId("order_id-1".into()),
        amount: Money {
            minor_units: 1,
            currency: "usd".into(),
        },
        description: Some("description-1".into()),
        payment_method: "payment_method-1".into(),
    }
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "portcullis-contract-{}-{name}.json",
        std::process::id()
    ))
}

/// Records get_payment and create_payment against a mock "sandbox" into `file`.
async fn record(file: &Path) -> RecordingProxy {
    let sandbox = MockVendor::start().await;
    sandbox.route(
        "GET",
        "/v1/payment_intents/{intent}",
        vec![Reply::json(200, payment_intent()).with_header("request-id", "req_123")],
    );
    sandbox.route(
        "POST",
        "/v1/payment_intents",
        vec![Reply::json(200, payment_intent())],
    );
    // The defaults alone: `client_secret` is hidden because of its name.
    let proxy = RecordingProxy::start(&sandbox.url(), file, Redactions::default())
        .await
        .expect("proxy");
    let gw = stripe(&proxy.url());
    gw.get_payment(&PaymentId("id-1".into()))
        .await
        .expect("recorded get");
    gw.create_payment(sample_new_payment())
        .await
        .expect("recorded create");
    assert_eq!(proxy.errors(), Vec::<String>::new());
    // The sandbox saw the real secret; the cassette must not.
    assert_eq!(
        sandbox.received()[0].header("authorization"),
        Some("Bearer sk_test_secret")
    );
    proxy
}

#[tokio::test]
async fn a_recorded_cassette_is_redacted_sorted_and_deterministic() {
    let (a, b) = (temp_file("a"), temp_file("b"));
    record(&a).await;
    record(&b).await;
    let text = std::fs::read_to_string(&a).expect("cassette written");
    assert_eq!(
        text,
        std::fs::read_to_string(&b).expect("cassette written"),
        "deterministic"
    );
    assert!(!text.contains("sk_test_secret"), "{text}");
    assert!(!text.contains("pi_1_secret_abc"), "{text}");
    assert!(
        !text.contains("req_123"),
        "per-call headers are dropped: {text}"
    );
    assert!(!text.contains("create_payment:order_id-1"), "{text}");
    let cassette = Cassette::from_json(&text).expect("parses");
    let create = &cassette.interactions[1].request;
    assert_eq!(create.headers["authorization"], "<redacted>");
    assert_eq!(create.headers["idempotency-key"], "<idempotency-key>");
    assert_eq!(
        cassette.interactions[0].response.body["client_secret"],
        "<redacted>"
    );
    // Keys are sorted at every level, so a re-recording reviews as a small diff.
    fn sorted(v: &Value) -> bool {
        match v {
            Value::Object(m) => {
                let keys: Vec<&String> = m.keys().collect();
                keys.windows(2).all(|w| w[0] <= w[1]) && m.values().all(sorted)
            }
            Value::Array(items) => items.iter().all(sorted),
            _ => true,
        }
    }
    assert!(
        sorted(&serde_json::from_str(&text).expect("json")),
        "{text}"
    );

    // The checked-in cassette, replayed by the generated `stripe::contract_tests::*::cassette`
    // tests, is exactly this recording. PORTCULLIS_BLESS=1 rewrites it after review.
    let golden = root().join("cassettes/stripe_gateway/recorded.json");
    if std::env::var_os("PORTCULLIS_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().expect("dir")).expect("mkdir");
        std::fs::write(&golden, &text).expect("bless");
        for (op, i) in [("get_payment", 0), ("create_payment", 1)] {
            let one = Cassette {
                interactions: vec![cassette.interactions[i].clone()],
            };
            one.save(&golden.with_file_name(format!("{op}.json")))
                .expect("bless");
        }
    }
    assert_eq!(
        std::fs::read_to_string(&golden).unwrap_or_default(),
        text,
        "tests/cassettes/stripe_gateway/recorded.json is stale; rerun with PORTCULLIS_BLESS=1 and review"
    );
    let _ = std::fs::remove_file(a);
    let _ = std::fs::remove_file(b);
}

#[tokio::test]
async fn a_cassette_replays_and_an_unmatched_request_fails_clearly() {
    let file = root().join("cassettes/stripe_gateway/recorded.json");
    let server = ReplayServer::from_file(&file, Redactions::default())
        .await
        .expect("replay");
    let gw = stripe(&server.url());
    let payment = gw
        .create_payment(sample_new_payment())
        .await
        .expect("replayed");
    assert_eq!(payment.id, PaymentId("pi_1".into()));
    assert_eq!(payment.status, PaymentStatus::Paid);
    assert!(server.unmatched().is_empty());

    // Another order: nothing recorded matches, and the test says so in one sentence.
    let mut other = sample_new_payment();
    other.order_id = OrderId("ord_other".into());
    let err = gw.create_payment(other).await.expect_err("not recorded");
    // 501 is a vendor error the mapping's "5xx" rule maps; the sentence travels with it.
    assert!(format!("{err:?}").contains("cassette_mismatch"), "{err:?}");
    let unmatched = server.unmatched();
    assert_eq!(unmatched.len(), 1);
    assert!(
        unmatched[0]
            .contains("recorded.json: no recorded interaction matches POST /v1/payment_intents")
            && unmatched[0].contains("ord_other"),
        "{unmatched:?}"
    );
    assert_eq!(
        server.unused(),
        1,
        "get_payment was recorded but not replayed"
    );
}

/// Issue 7's "done when": deleting or renaming a mapped field in a served response
/// fails with a message that names the field, for every provider.
#[tokio::test]
async fn a_removed_or_renamed_mapped_field_fails_naming_the_field() {
    let stripe_ok = json!({"id": "pi_1", "amount": 5, "currency": "eur", "status": "succeeded"});
    let square_ok = json!({"payment": {"id": "p_1", "amount_money": {"amount": 5, "currency": "EUR"}, "status": "COMPLETED"}});
    let adyen_ok = json!({"pspReference": "psp_1", "resultCode": "Authorised", "amount": {"value": 5, "currency": "EUR"}});
    let cases: [(&str, &str, &str, Value, &str); 3] = [
        ("stripe", "POST", "/v1/payment_intents", stripe_ok, "status"),
        (
            "square",
            "POST",
            "/v2/payments",
            square_ok,
            "payment.status",
        ),
        ("adyen", "POST", "/payments", adyen_ok, "resultCode"),
    ];
    for (provider, method, path, ok, field) in cases {
        for rename in [false, true] {
            let mut body = ok.clone();
            let (parent, name) = field.rsplit_once('.').unwrap_or(("", field));
            let obj = if parent.is_empty() {
                &mut body
            } else {
                &mut body[parent]
            };
            let value = obj
                .as_object_mut()
                .and_then(|m| m.shift_remove(name))
                .expect("field present");
            if rename {
                obj[format!("{name}_v2")] = value;
            }
            let vendor = MockVendor::start().await;
            vendor.route(method, path, vec![Reply::json(200, body)]);
            let result = match provider {
                "stripe" => {
                    stripe(&vendor.url())
                        .create_payment(sample_new_payment())
                        .await
                }
                "square" => {
                    let cfg = SquareGateway::config()
                        .base_url(vendor.url())
                        .allow_insecure_http(true)
                        .auth(rt::AuthConfig::Bearer {
                            token: rt::SecretSource::literal("t"),
                        });
                    SquareGateway::new(cfg)
                        .expect("config")
                        .create_payment(sample_new_payment())
                        .await
                }
                _ => {
                    let cfg = AdyenGateway::config()
                        .base_url(vendor.url())
                        .allow_insecure_http(true)
                        .auth(rt::AuthConfig::ApiKey {
                            location: rt::ApiKeyLocation::Header,
                            name: "X-API-Key".into(),
                            secret: rt::SecretSource::literal("k"),
                        });
                    AdyenGateway::new(cfg)
                        .expect("config")
                        .create_payment(sample_new_payment())
                        .await
                }
            };
            match result {
                Err(PaymentError::Provider(message)) => assert!(
                    message.contains("does not match the contract")
                        && message.contains(name)
                        && message.contains("create_payment"),
                    "{provider}: {message}"
                ),
                other => {
                    panic!("{provider} (rename {rename}): expected a contract error, got {other:?}")
                }
            }
        }
    }
}

/// The generated module holds the drift tests that assert the same, and the example
/// test's own logic is what they run against the drifted body.
#[test]
fn generated_contract_tests_cover_drift_and_are_deterministic() {
    let mapping = root().join("../mappings/stripe.yaml");
    let options = ContractOptions {
        cassettes: Some("cassettes".into()),
    };
    let a = portcullis_codegen::builder::generate_with_contract_tests(&mapping, &options)
        .expect("generates");
    let b = portcullis_codegen::builder::generate_with_contract_tests(&mapping, &options)
        .expect("generates");
    assert_eq!(a.code, b.code);
    let plain = portcullis_codegen::generate_one(&mapping).expect("generates");
    assert!(
        a.code.starts_with(&plain.code),
        "contract tests are appended, the adapter is unchanged"
    );
    for test in [
        "mod get_payment",
        "fn example_200_synthesised",
        "fn drift_missing_status",
        "fn drift_renamed_status",
        "fn drift_retyped_amount",
        "fn drift_unknown_value_status",
        "fn drift_unknown_fields",
        "fn cassette",
        "fn record",
    ] {
        assert!(a.code.contains(test), "missing {test}");
    }
    // Refund's status has `default: Pending` in the mapping: a missing status is declared, not drift.
    let refund = &a.code[a.code.find("mod refund").expect("refund tests")..];
    let missing_status = &refund[refund.find("fn drift_missing_status").expect("test")..];
    let body = &missing_status[..missing_status[3..]
        .find("fn ")
        .map_or(missing_status.len(), |i| i + 3)];
    assert!(body.contains("expect_domain_value"), "{body}");
}

#[test]
fn the_request_validator_names_what_the_spec_refuses() {
    let spec = json!({
        "operation": "PostPaymentIntents", "path": "/v1/payment_intents", "parameters": [],
        "body": {"required": true, "content": {"application/x-www-form-urlencoded": {
            "type": "object", "required": ["amount", "currency"],
            "properties": {"amount": {"type": "integer"}, "currency": {"type": "string"},
                           "confirm": {"type": "boolean"}}}}}
    })
    .to_string();
    let request = rt::testing::ReceivedRequest {
        method: "POST".into(),
        path: "/v1/payment_intents".into(),
        query: None,
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: b"amount=ten&confirm=true".to_vec(),
    };
    let err = rt::testing::contract::validate_request(&spec, &request).expect_err("invalid");
    assert_eq!(
        err.problems,
        vec![
            "body $.currency: required but missing",
            "body $.amount: expected integer, got string \"ten\"",
        ]
    );
}
