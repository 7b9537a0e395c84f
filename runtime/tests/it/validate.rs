//! Requests refused before sending: counted as `invalid`, never sent.

use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use rt::validate::{self, Pattern};
use serde_json::json;

use super::fast_policy;

static CURRENCY: Pattern = Pattern::new("^[A-Z]{3}$");

/// What generated code does: every check before the request is built, and a failure
/// handed to the pipeline to be counted.
async fn create_payment(
    p: &rt::Pipeline,
    currency: &str,
    quantity: u64,
) -> Result<rt::Response, rt::Error> {
    let op = "create_payment";
    let checked = (|| {
        validate::pattern(op, "$.currency", currency, &CURRENCY)?;
        rt::convert::to_wire::<i32, _>(op, "$.quantity", quantity)
    })();
    let quantity = checked.map_err(|e| p.refused(e))?;
    let req = rt::Request::new(op, rt::Method::POST, "/v1/payments")
        .json_body(&json!({"currency": currency, "quantity": quantity}))?;
    p.send(req).await
}

#[tokio::test]
async fn an_invalid_request_is_counted_and_never_sent() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/payments",
        vec![Reply::json(200, json!({"id": "p"}))],
    );
    let cfg = rt::AdapterConfig::new("TestGateway", vendor.url())
        .allow_insecure_http(true)
        .defaults(fast_policy());
    let p = rt::Pipeline::new(cfg).expect("valid");

    drop(create_payment(&p, "EUR", 2).await.expect("valid request"));
    let err = create_payment(&p, "eur", 2)
        .await
        .expect_err("bad currency");
    assert_eq!(err.kind(), rt::ErrorKind::InvalidRequest);
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "create_payment: request field $.currency breaks pattern ^[A-Z]{3}$: the value does not match (not sent)"
    );
    let err = create_payment(&p, "EUR", 1 << 33)
        .await
        .expect_err("too large");
    assert!(
        err.to_string()
            .contains("$.quantity breaks the range of i32"),
        "{err}"
    );
    assert_eq!(
        vendor.received().len(),
        1,
        "only the valid request was sent"
    );

    let snapshot = snapshotter.snapshot().into_vec();
    let calls = |outcome: &str| {
        snapshot.iter().find_map(|(k, _, _, v)| {
            let key = k.key();
            let labels: Vec<(&str, &str)> = key.labels().map(|l| (l.key(), l.value())).collect();
            (k.kind() == MetricKind::Counter
                && key.name() == "portcullis_calls_total"
                && labels.contains(&("operation", "create_payment"))
                && labels.contains(&("outcome", outcome)))
            .then_some(v)
        })
    };
    assert!(matches!(calls("invalid"), Some(DebugValue::Counter(2))));
    assert!(matches!(calls("ok"), Some(DebugValue::Counter(1))));
    // Every outcome is exported from the operation's first call, at 0 until it happens.
    assert!(matches!(calls("config"), Some(DebugValue::Counter(0))));
}
