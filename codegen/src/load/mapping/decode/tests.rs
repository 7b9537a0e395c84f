//! Decoding tests: whole files, every mistake collected, and the scalar readers.

use crate::error::{Error, Span};
use crate::load::mapping::*;
use std::path::Path;
use std::time::Duration;

fn decode(text: &str) -> Result<Mapping, Error> {
    Mapping::from_bytes(Path::new("m.yaml"), text.as_bytes())
}

const GOOD: &str = r#"
adapter: StripeGateway
implements: { port: PaymentGateway, source: domain.rs }
spec: stripe.json
base_url: https://api.stripe.com
auth: { scheme: bearerAuth, secret: { env: STRIPE_API_KEY } }
limits:
  rate: { requests: 100, per: 1s }
  quota: { requests: 1000000, per: 1d, warn_at: [0.8, 0.95] }
defaults: { attempt_timeout: 5s, budget: 20s, retry: { attempts: 3, base: 100ms, cap: 5s } }
errors: { code: error.code, message: error.message, map: { _: PaymentError::Upstream } }
operations:
  create_payment:
    call: PostPaymentIntents
    idempotency: { header: Idempotency-Key, key: req.order_id }
    request: { amount: req.amount.minor_units, confirm: true, "metadata.kind": "web" }
    errors: { "402/card_declined": PaymentError::Declined, rate_limited: PaymentError::Busy }
  get_payment:
    call: GetPaymentIntentsIntent
    params: { intent: id }
    fallback: { cache: { ttl: 60s, stale_if_error: 10m } }
types:
  Payment:
    from: payment_intent
    fields:
      id: id
      amount: { from: [amount, currency], via: crate::convert::money }
      status: { from: status, values: { succeeded: Paid, _: Unknown } }
"#;

#[test]
fn a_full_mapping_decodes() {
    let m = decode(GOOD).expect("decodes");
    assert_eq!(m.adapter.value, "StripeGateway");
    assert_eq!(m.implements.module.value, "crate::domain");
    assert_eq!(m.defaults.budget, Some(Duration::from_secs(20)));
    assert_eq!(
        m.limits.quota.as_ref().map(|q| q.warn_at.clone()),
        Some(vec![0.8, 0.95])
    );
    let create = &m.operations[0];
    assert_eq!(create.request.len(), 3);
    assert!(
        matches!(&create.request[1].1, ValueSpec::Const(c) if c.value == serde_json::json!(true))
    );
    assert!(
        matches!(&create.request[2].1, ValueSpec::Const(c) if c.value == serde_json::json!("web"))
    );
    assert_eq!(
        create.errors[0].key.value,
        ErrorKey::StatusCode(402, "card_declined".into())
    );
    assert_eq!(
        create.errors[1].key.value,
        ErrorKey::Kind("rate_limited".into())
    );
    assert!(matches!(
        m.operations[1].policies.fallback,
        Some(FallbackMap {
            strategy: Fallback::Cache { .. },
            ..
        })
    ));
    assert_eq!(m.types[0].fields[1].from.len(), 2);
    assert_eq!(m.types[0].fields[2].values.as_ref().map(Vec::len), Some(2));
}

#[test]
fn unknown_keys_are_reported_with_place_and_suggestion() {
    let e = decode(&GOOD.replace("base_url:", "base_ur1:")).expect_err("typo");
    let d = e
        .diagnostics()
        .iter()
        .find(|d| d.message.starts_with("unknown key"))
        .expect("an unknown-key diagnostic");
    assert_eq!(d.message, "unknown key 'base_ur1' in the mapping file");
    assert_eq!(d.span, Some(Span { line: 5, col: 1 }));
    assert_eq!(d.help.as_deref(), Some("did you mean 'base_url'?"));
}

#[test]
fn a_spec_given_as_the_mapping_is_named_as_such() {
    let e = decode("openapi: 3.0.3\ninfo: { title: T, version: \"1\" }\npaths: {}\n")
        .expect_err("a spec");
    let [d] = e.diagnostics() else {
        panic!("one diagnostic: {:?}", e.diagnostics());
    };
    assert_eq!(d.message, "this is an OpenAPI spec, not a mapping file");
    assert_eq!(d.span, Some(Span { line: 1, col: 1 }));
}

#[test]
fn all_mistakes_are_collected() {
    let bad = GOOD
        .replace("budget: 20s", "budget: soon")
        .replace("attempts: 3", "attempts: 0");
    let e = decode(&bad).expect_err("bad");
    let msgs: Vec<&str> = e.diagnostics().iter().map(|d| d.message.as_str()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("budget should be a duration, found 'soon'")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("retry.attempts counts the first attempt")),
        "{msgs:?}"
    );
}

#[test]
fn limits_buckets_and_fallback_marks_decode() {
    let text = GOOD
        .replace(
            "rate: { requests: 100, per: 1s }",
            "rate: { requests: 100, per: 1s, burst: 10, reset: epoch }\n  buckets: { search: { requests: 30, per: 1m, reserve: 0.1 } }",
        )
        .replace("warn_at: [0.8, 0.95] }", "warn_at: [0.8, 0.95], reserve: 0.05 }")
        .replace(
            "stale_if_error: 10m } }",
            "stale_if_error: 10m }, mark: stale }\n    rate_limit: { critical: true, bucket: search }",
        );
    let m = decode(&text).expect("decodes");
    let rate = m.limits.rate.as_ref().expect("rate");
    assert_eq!((rate.burst, rate.reset), (Some(10), Some(Reset::Epoch)));
    assert_eq!(m.limits.quota.as_ref().map(|q| q.reserve), Some(0.05));
    assert_eq!(m.limits.buckets[0].name.value, "search");
    assert_eq!(m.limits.buckets[0].per, Duration::from_secs(60));
    let get = &m.operations[1].policies;
    assert_eq!(
        get.fallback
            .as_ref()
            .and_then(|f| f.mark.as_ref())
            .map(|m| m.value.as_str()),
        Some("stale")
    );
    let rl = get.rate_limit.as_ref().expect("rate_limit");
    assert!(rl.critical);
    assert_eq!(rl.bucket.as_ref().map(|b| b.value.as_str()), Some("search"));

    let e = decode(&text.replace("reset: epoch", "reset: epoc")).expect_err("typo");
    assert_eq!(
        e.diagnostics()[0].help.as_deref(),
        Some("did you mean 'epoch'?")
    );
}

#[test]
fn paths_split_at_dots_outside_brackets() {
    assert_eq!(split_path("a.b"), vec!["a", "b"]);
    assert_eq!(
        split_path("value.[@odata.type].x"),
        vec!["value", "@odata.type", "x"]
    );
    assert_eq!(path_segment("@odata.type"), "[@odata.type]");
    assert_eq!(
        split_path(&path_segment("@odata.type")),
        vec!["@odata.type"]
    );
}

#[test]
fn durations_parse() {
    assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
    assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86400)));
    assert_eq!(parse_duration("5"), None);
    assert_eq!(parse_duration("5 parsecs"), None);
}

#[test]
fn bad_error_keys_explain_the_forms() {
    let e = decode(&GOOD.replace("rate_limited:", "rate_limted:")).expect_err("typo");
    let d = &e.diagnostics()[0];
    assert!(
        d.help
            .as_deref()
            .unwrap_or_default()
            .contains("did you mean 'rate_limited'?"),
        "{d}"
    );
}

/// `values:` beside `from:` maps a domain enum; alone among other names it is a vendor
/// field of that name, written nested (Google Sheets' `data: { range, values }`).
#[test]
fn values_is_a_value_key_only_beside_from() {
    let m = decode(&GOOD.replace(
        r#"request: { amount: req.amount.minor_units, confirm: true, "metadata.kind": "web" }"#,
        "request: { kind: { from: req.kind, values: { sale: Sale } }, data: { range: req.range, values: req.cells } }",
    ))
    .expect("decodes");
    let request = &m.operations[0].request;
    let paths: Vec<&str> = request.iter().map(|(k, _)| k.value.as_str()).collect();
    assert_eq!(paths, ["kind", "data.range", "data.values"]);
    assert!(matches!(
        &request[0].1,
        ValueSpec::Expr { values: Some(v), .. } if v.len() == 1 && v[0].1.value == "Sale"
    ));
    assert!(matches!(
        &request[2].1,
        ValueSpec::Expr { from, values: None, .. } if from.value == "req.cells"
    ));
}
