//! The checkout binary logs JSON lines carrying the correlation id the vendor received,
//! and serves the runtime's metrics on a Prometheus endpoint.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use portcullis_runtime::testing::{MockVendor, Reply};
use serde_json::{Value, json};

/// A port that was free a moment ago, on loopback.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

#[tokio::test]
async fn logs_json_with_correlation_ids_and_serves_metrics() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/payment_intents",
        vec![
            Reply::json(503, json!({"error": {"message": "try again"}})),
            Reply::json(200, json!({"id": "pi_9", "amount": 1250, "currency": "eur", "status": "succeeded", "metadata": {"order_id": "ord_9"}})),
        ],
    );
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_checkout"))
        .args(["ord_9", "1250", "eur", "tok_visa"])
        .env("PAYMENT_PROVIDER", "stripe")
        .env("PAYMENT_BASE_URL", vendor.url())
        .env("STRIPE_API_KEY", "sk_test_from_env")
        .env("CORRELATION_ID", "req-7f3a")
        .env("METRICS_ADDR", &addr)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts checkout");
    let stdout = child.stdout.take().expect("piped");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("joins")
    .expect("reads the result line");
    assert!(line.contains("PaymentId(\"pi_9\")"), "{line}");

    // The payment is done and the process still serves its metrics.
    let body = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("scrapes")
        .text()
        .await
        .expect("body");
    drop(child.stdin.take());
    let status = tokio::task::spawn_blocking(move || {
        let mut stderr = String::new();
        let _ = child
            .stderr
            .take()
            .map(|mut e| e.read_to_string(&mut stderr));
        (child.wait(), stderr)
    })
    .await
    .expect("joins");
    let (status, stderr) = status;
    assert!(status.expect("exits").success(), "{stderr}");
    // Shown with --nocapture: where the README's samples come from.
    println!("{stderr}\n{body}");

    for series in [
        r#"portcullis_calls_total{vendor="StripeGateway",operation="create_payment",outcome="ok"} 1"#,
        r#"portcullis_retries_total{vendor="StripeGateway",operation="create_payment",reason="503"} 1"#,
        r#"portcullis_breaker_state{vendor="StripeGateway",operation="create_payment"} 0"#,
        r#"portcullis_call_duration_seconds_bucket{vendor="StripeGateway",operation="create_payment",le="+Inf"} 1"#,
        r#"portcullis_call_duration_seconds_count{vendor="StripeGateway",operation="create_payment"} 1"#,
    ] {
        assert!(body.contains(series), "missing {series} in\n{body}");
    }

    // Every vendor attempt carried the caller's correlation id; the log says so too.
    let got = vendor.received();
    assert_eq!(got.len(), 2);
    assert!(
        got.iter()
            .all(|r| r.header("x-correlation-id") == Some("req-7f3a"))
    );
    let lines: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let call = lines
        .iter()
        .find(|l| l["fields"]["message"] == "vendor call")
        .unwrap_or_else(|| panic!("no vendor call line in\n{stderr}"));
    assert_eq!(call["level"], "INFO");
    assert_eq!(call["fields"]["outcome"], "ok");
    assert_eq!(call["fields"]["attempts"], 2);
    assert_eq!(call["span"]["correlation_id"], "req-7f3a");
    assert_eq!(call["span"]["vendor"], "StripeGateway");
    assert_eq!(call["span"]["url.template"], "/v1/payment_intents");
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "retrying vendor call"
                && l["span"]["correlation_id"] == "req-7f3a"
                && l["fields"]["retry_reason"] == "503"),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "charging order"
                && l["span"]["correlation_id"] == "req-7f3a"),
        "the service's own lines carry the id too:\n{stderr}"
    );
}
