//! Observability end to end: correlation headers on the wire, the metrics a call
//! leaves behind, and the health monitor raising and clearing an alert.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use metrics_util::{CompositeKey, MetricKind};
use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

use super::fast_policy;

fn get(id: &str) -> rt::Request {
    rt::Request::new(
        "get_payment",
        rt::Method::GET,
        "/v1/payment_intents/{intent}",
    )
    .path_param("intent", id)
}

fn config(url: &str) -> rt::AdapterConfig {
    rt::AdapterConfig::new("TestGateway", url)
        .allow_insecure_http(true)
        .defaults(fast_policy())
}

#[tokio::test]
async fn correlation_id_from_scope_travels_in_every_attempt() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/payment_intents/{intent}",
        vec![
            Reply::json(503, json!({})),
            Reply::json(200, json!({"id": "pi_1"})),
        ],
    );
    let p = rt::Pipeline::new(config(&vendor.url())).expect("valid");
    let id = rt::CorrelationId::parse("order-42-checkout").expect("valid id");
    let resp = id.clone().scope(p.send(get("pi_1"))).await.expect("sent");
    assert_eq!(resp.attempts(), 2);

    let got = vendor.received();
    assert_eq!(got.len(), 2);
    let trace = format!("{:032x}", id.trace_id());
    let mut parents = Vec::new();
    for r in &got {
        assert_eq!(r.header("x-correlation-id"), Some("order-42-checkout"));
        let tp = r.header("traceparent").expect("traceparent sent");
        let parts: Vec<&str> = tp.split('-').collect();
        assert_eq!(parts.len(), 4, "{tp}");
        assert_eq!((parts[0], parts[1], parts[3]), ("00", trace.as_str(), "01"));
        parents.push(parts[2].to_owned());
    }
    assert_ne!(
        parents[0], parents[1],
        "each attempt is its own client span"
    );
}

#[tokio::test]
async fn without_a_scope_each_call_gets_a_fresh_id_in_the_configured_header() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/payment_intents/{intent}",
        vec![Reply::json(200, json!({}))],
    );
    let p = rt::Pipeline::new(
        config(&vendor.url())
            .correlation_header(Some("X-Request-Id"))
            .traceparent(false),
    )
    .expect("valid");
    p.send(get("a")).await.expect("sent");
    p.send(get("b")).await.expect("sent");
    let got = vendor.received();
    let ids: Vec<&str> = got
        .iter()
        .map(|r| r.header("x-request-id").expect("sent"))
        .collect();
    assert!(
        ids.iter()
            .all(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
    );
    assert_ne!(ids[0], ids[1]);
    assert!(
        got.iter()
            .all(|r| r.header("x-correlation-id").is_none() && r.header("traceparent").is_none())
    );

    let bad = rt::AdapterConfig::new("TestGateway", vendor.url())
        .allow_insecure_http(true)
        .correlation_header(Some("bad header"));
    assert!(matches!(
        rt::Pipeline::new(bad),
        Err(rt::Error::Config { .. })
    ));
}

pub(super) struct Metrics(Vec<(CompositeKey, DebugValue)>);

impl Metrics {
    pub(super) fn take(s: &Snapshotter) -> Self {
        Metrics(
            s.snapshot()
                .into_vec()
                .into_iter()
                .map(|(k, _, _, v)| (k, v))
                .collect(),
        )
    }

    fn find(&self, kind: MetricKind, name: &str, labels: &[(&str, &str)]) -> Option<&DebugValue> {
        self.0.iter().find_map(|(k, v)| {
            let key = k.key();
            let all = labels
                .iter()
                .all(|(n, val)| key.labels().any(|l| l.key() == *n && l.value() == *val));
            (k.kind() == kind && key.name() == name && all).then_some(v)
        })
    }

    pub(super) fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        match self.find(MetricKind::Counter, name, labels) {
            Some(DebugValue::Counter(n)) => *n,
            _ => 0,
        }
    }

    pub(super) fn gauge(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        match self.find(MetricKind::Gauge, name, labels) {
            Some(DebugValue::Gauge(g)) => Some(g.into_inner()),
            _ => None,
        }
    }
}

#[tokio::test]
async fn a_call_leaves_its_metrics() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    // Thread-local, and a current-thread runtime: this test sees only its own calls.
    let _guard = metrics::set_default_local_recorder(&recorder);

    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/payment_intents/{intent}",
        vec![
            Reply::json(503, json!({})),
            Reply::json(200, json!({"id": "pi_1"})).with_header("X-RateLimit-Remaining", "99"),
            Reply::json(200, json!({"id": 7})),
        ],
    );
    vendor.route("POST", "/v1/refunds", vec![Reply::reset()]);
    let p = rt::Pipeline::new(config(&vendor.url())).expect("valid");
    let vendor_op = [("vendor", "TestGateway"), ("operation", "get_payment")];

    drop(p.send(get("pi_1")).await.expect("retried to 200"));

    // The vendor changed a field's type: the call counts as `contract`, not `ok`.
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Pi {
        id: String,
    }
    let resp = p.send(get("pi_2")).await.expect("sent");
    assert!(resp.decode_json::<Pi>("get_payment").is_err());
    drop(resp);
    // A POST without a key is not retried after a reset: one transport failure.
    let refund = rt::Request::new("refund", rt::Method::POST, "/v1/refunds");
    let err = p.send(refund).await.expect_err("reset");
    assert_eq!(err.kind(), rt::ErrorKind::Transport, "{err}");
    // One snapshot: the debugging recorder hands each value out once.
    let m = Metrics::take(&snapshotter);
    let ok = [vendor_op[0], vendor_op[1], ("outcome", "ok")];
    assert_eq!(m.counter("portcullis_calls_total", &ok), 1);
    let retry = [vendor_op[0], vendor_op[1], ("reason", "503")];
    assert_eq!(m.counter("portcullis_retries_total", &retry), 1);
    assert_eq!(m.gauge("portcullis_breaker_state", &vendor_op), Some(0.0));
    assert_eq!(
        m.gauge("portcullis_ratelimit_remaining", &vendor_op[..1]),
        Some(99.0)
    );
    match m.find(
        MetricKind::Histogram,
        "portcullis_call_duration_seconds",
        &vendor_op,
    ) {
        Some(DebugValue::Histogram(samples)) => assert_eq!(samples.len(), 2),
        other => panic!("no duration histogram: {other:?}"),
    }
    let contract = [vendor_op[0], vendor_op[1], ("outcome", "contract")];
    assert_eq!(m.counter("portcullis_calls_total", &contract), 1);
    let transport = [("operation", "refund"), ("outcome", "transport")];
    assert_eq!(m.counter("portcullis_calls_total", &transport), 1);
}

// The paused clock: the vendor's delays and the hold below are exact, whatever the
// machine's load.
#[tokio::test(start_paused = true)]
async fn the_call_duration_runs_to_the_last_answer() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let vendor = MockVendor::start().await;
    let slow = Duration::from_millis(60);
    vendor.route(
        "GET",
        "/v1/payment_intents/{intent}",
        vec![
            Reply::json(503, json!({})).with_delay(slow),
            Reply::json(200, json!({"id": "pi_1"})).with_delay(slow),
        ],
    );
    let p = rt::Pipeline::new(config(&vendor.url())).expect("valid");
    let resp = p.send(get("pi_1")).await.expect("retried to 200");
    assert_eq!(resp.attempts(), 2);
    // Held after the answer: the call's duration ended with the answer, not here.
    tokio::time::sleep(Duration::from_secs(30)).await;
    drop(resp);
    let m = Metrics::take(&snapshotter);
    let vendor_op = [("vendor", "TestGateway"), ("operation", "get_payment")];
    match m.find(
        MetricKind::Histogram,
        "portcullis_call_duration_seconds",
        &vendor_op,
    ) {
        Some(DebugValue::Histogram(samples)) => {
            assert_eq!(samples.len(), 1);
            let seconds = samples[0].into_inner();
            // Both answers were waited for; the 30 s after them are not the call's.
            assert!(
                seconds >= 2.0 * slow.as_secs_f64() && seconds < 5.0,
                "{seconds} s"
            );
        }
        other => panic!("no duration histogram: {other:?}"),
    }
}

#[tokio::test]
async fn a_burst_of_5xx_raises_the_alert_and_recovery_clears_it() {
    let vendor = MockVendor::start().await;
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let f = failing.clone();
    vendor.route_fn("GET", "/v1/payment_intents/{intent}", move |_, _| {
        if f.load(std::sync::atomic::Ordering::Relaxed) {
            Reply::json(500, json!({"error": {"message": "boom"}}))
        } else {
            Reply::json(200, json!({"id": "pi"}))
        }
    });
    let events = Arc::new(Mutex::new(Vec::<rt::HealthEvent>::new()));
    let seen = events.clone();
    let window = Duration::from_secs(10);
    let p = rt::Pipeline::new(
        config(&vendor.url())
            .health(rt::HealthPolicy {
                window,
                min_calls: 10,
                error_rate: 0.25,
                ..rt::HealthPolicy::default()
            })
            .on_health_event(move |e| seen.lock().expect("lock").push(e.clone())),
    )
    .expect("valid");
    let state = |events: &Mutex<Vec<rt::HealthEvent>>| {
        events
            .lock()
            .expect("lock")
            .iter()
            .map(|e| e.state)
            .collect::<Vec<_>>()
    };

    for _ in 0..10 {
        p.send(get("pi")).await.expect("ok");
    }
    assert!(state(&events).is_empty(), "healthy traffic raises nothing");
    failing.store(true, std::sync::atomic::Ordering::Relaxed);
    for _ in 0..5 {
        assert_eq!(p.send(get("pi")).await.expect("answered").status(), 500);
    }
    assert_eq!(
        state(&events),
        [rt::HealthState::Degraded],
        "a quarter of the calls failed"
    );
    {
        let e = &events.lock().expect("lock")[0];
        assert_eq!((&*e.vendor, &*e.operation), ("TestGateway", "get_payment"));
        assert_eq!(e.signals, [rt::observe::Signal::ErrorRate]);
        assert!(e.error_rate >= 0.25 && e.calls >= 14, "{e:?}");
    }

    // The vendor recovers; once the burst has left the window, healthy calls clear it.
    failing.store(false, std::sync::atomic::Ordering::Relaxed);
    tokio::time::pause();
    tokio::time::advance(window + Duration::from_secs(1)).await;
    tokio::time::resume();
    for _ in 0..10 {
        p.send(get("pi")).await.expect("ok");
    }
    assert_eq!(
        state(&events),
        [rt::HealthState::Degraded, rt::HealthState::Recovered]
    );
    assert!(events.lock().expect("lock")[1].signals.is_empty());
}

/// What a generated adapter does with an answer it does not map to success: read the
/// vendor's error body if it is one, then classify.
fn classify(p: &rt::Pipeline, resp: &rt::Response) -> rt::Error {
    #[derive(serde::Deserialize)]
    struct VendorError {
        error: String,
    }
    let message = resp
        .decode_json::<VendorError>("get_payment")
        .ok()
        .map(|e| e.error);
    p.vendor_error("get_payment", resp, None, message)
}

#[tokio::test]
async fn the_metric_outcome_is_the_error_kind_the_caller_sees() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let vendor = MockVendor::start().await;
    // Throttled, overloaded and GitHub-throttled answers whose bodies are not the
    // vendor's error format (a proxy's text, an HTML page).
    vendor.route(
        "GET",
        "/v1/payment_intents/{intent}",
        [
            vec![Reply::text(429, "slow down"); 3],
            vec![Reply::text(503, "<html>busy</html>"); 3],
            vec![Reply::text(403, "").with_header("Retry-After", "0"); 3],
        ]
        .concat(),
    );
    let p = rt::Pipeline::new(config(&vendor.url())).expect("valid");

    let throttled = p.send(get("pi_1")).await.expect("answered");
    assert_eq!(classify(&p, &throttled).kind(), rt::ErrorKind::RateLimited);
    drop(throttled);
    let busy = p.send(get("pi_2")).await.expect("answered");
    assert_eq!(classify(&p, &busy).kind(), rt::ErrorKind::Vendor);
    drop(busy);
    // Dropped without classifying: counted as its status and headers say.
    drop(p.send(get("pi_3")).await.expect("answered"));

    let m = Metrics::take(&snapshotter);
    let count = |outcome| {
        m.counter(
            "portcullis_calls_total",
            &[("operation", "get_payment"), ("outcome", outcome)],
        )
    };
    assert_eq!(count("rate_limited"), 2, "the 429 and the throttling 403");
    assert_eq!(count("vendor"), 1, "the 503");
    assert_eq!(
        count("contract"),
        0,
        "an error body in another format is no drift"
    );
    assert_eq!(count("auth"), 0, "a 403 with Retry-After is throttling");
}

#[tokio::test]
async fn the_outcome_is_logged_once_after_decoding_with_one_message_key() {
    let buffer = super::auth::Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_writer(buffer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/payment_intents/{intent}",
        vec![Reply::json(200, json!({"id": 7}))],
    );
    let p = rt::Pipeline::new(config(&vendor.url())).expect("valid");

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Pi {
        id: String,
    }
    let resp = p.send(get("pi_1")).await.expect("sent");
    let err = resp.decode_json::<Pi>("get_payment").expect_err("drifted");
    assert_eq!(err.kind(), rt::ErrorKind::Contract);
    drop(resp);

    let text = String::from_utf8(buffer.0.lock().expect("log buffer").clone()).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    for line in &lines {
        assert_eq!(
            line.matches("\"message\":").count(),
            1,
            "one message key: {line}"
        );
    }
    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let at = |message: &str| {
        events
            .iter()
            .position(|e| e["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no {message:?} line in {text}"))
    };
    let drift = at("vendor response does not match the contract");
    let closing = at("vendor call failed");
    assert!(
        drift < closing,
        "the outcome comes after the decode: {text}"
    );
    assert_eq!(events[closing]["fields"]["outcome"], "contract");
    assert_eq!(events[drift]["fields"]["path"], "$.id");
    assert!(
        !events.iter().any(|e| e["fields"]["outcome"] == "ok"),
        "never logged as ok: {text}"
    );
}

#[tokio::test]
async fn a_call_is_counted_as_the_error_its_decoding_concluded() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/payment_intents/{intent}",
        vec![
            // Decodes, but a required part is missing: the adapter's own check fails.
            Reply::json(200, json!({"id": "pi_1", "payment": null})),
            // A 200 that is the vendor's error.
            Reply::json(200, json!({"error": {"message": "No such intent"}})),
        ],
    );
    let p = rt::Pipeline::new(config(&vendor.url())).expect("valid");
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Pi {
        id: String,
    }

    let resp = p.send(get("pi_1")).await.expect("answered");
    let got: Result<Pi, rt::Error> = resp.conclude(|| {
        let _pi: Pi = resp.decode_json("get_payment")?;
        Err(rt::Error::contract("get_payment", "$.payment", "missing"))
    });
    assert_eq!(got.err().map(|e| e.kind()), Some(rt::ErrorKind::Contract));
    drop(resp);

    let resp = p.send(get("pi_2")).await.expect("answered");
    let got: Result<Pi, rt::Error> = resp.conclude(|| {
        resp.decode_success("get_payment", |r| {
            let message = r.json_text(&["error", "message"])?;
            Some(p.vendor_error("get_payment", r, None, Some(message)))
        })
    });
    let err = got.err().expect("the vendor's error");
    assert_eq!(err.kind(), rt::ErrorKind::Vendor);
    assert!(err.to_string().contains("No such intent"), "{err}");
    drop(resp);

    let m = Metrics::take(&snapshotter);
    let count = |outcome| {
        m.counter(
            "portcullis_calls_total",
            &[("operation", "get_payment"), ("outcome", outcome)],
        )
    };
    assert_eq!(count("ok"), 0, "neither call succeeded");
    assert_eq!(count("contract"), 1);
    assert_eq!(count("vendor"), 1);
}
