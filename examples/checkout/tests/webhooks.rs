//! `checkout serve` end to end: signed Stripe, Square and Adyen deliveries (valid, tampered,
//! stale, replayed, of an unknown type) get the answers the providers expect, the
//! deliveries metric counts each outcome, and each event changes the checkout's record
//! exactly once (its log says so).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const STRIPE_SECRET: &str = "whsec_test_checkout_e2e";
const SQUARE_KEY: &str = "square-signature-key-e2e";
/// Adyen's HMAC keys are hex.
const ADYEN_KEY: &str = "44782def547aaa06c910c43932b1eb0c71fc68d9d0c057550c48ec2acf6ba056";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

fn text_at(v: &serde_json::Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

struct Server {
    child: Child,
    base: String,
    metrics: String,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start() -> Server {
        let addr = format!("127.0.0.1:{}", free_port());
        let metrics = format!("127.0.0.1:{}", free_port());
        let mut child = Command::new(env!("CARGO_BIN_EXE_checkout"))
            .args(["serve", "--addr", &addr])
            .env("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET)
            .env("SQUARE_WEBHOOK_SIGNATURE_KEY", SQUARE_KEY)
            .env("ADYEN_HMAC_KEY", ADYEN_KEY)
            .env(
                "SQUARE_WEBHOOK_URL",
                format!("http://{addr}/webhooks/square"),
            )
            .env("METRICS_ADDR", &metrics)
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts checkout serve");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("piped");
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().expect("log lock").push(line);
            }
        });
        let server = Server {
            child,
            base: format!("http://{addr}"),
            metrics,
            logs,
        };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("checkout serve did not listen on {addr}");
    }

    async fn post(&self, path: &str, headers: &[(&str, String)], body: &str) -> (u16, String) {
        let mut req = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .body(body.to_owned());
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let resp = req.send().await.expect("answers");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    }

    async fn stripe(&self, body: &str, t: u64, secret: &str) -> (u16, String) {
        let sig = hex::encode(hmac(
            secret.as_bytes(),
            &[t.to_string().as_bytes(), b".", body.as_bytes()],
        ));
        self.post(
            "/webhooks/stripe",
            &[("Stripe-Signature", format!("t={t},v1={sig}"))],
            body,
        )
        .await
    }

    async fn square(&self, body: &str, key: &str) -> (u16, String) {
        let url = format!("{}/webhooks/square", self.base);
        let sig = base64::engine::general_purpose::STANDARD
            .encode(hmac(key.as_bytes(), &[url.as_bytes(), body.as_bytes()]));
        self.post(
            "/webhooks/square",
            &[("x-square-hmacsha256-signature", sig)],
            body,
        )
        .await
    }

    /// An Adyen delivery of `items`, each signed with the hex `key` over Adyen's field
    /// list (`pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`).
    async fn adyen(&self, items: &[serde_json::Value], key: &str) -> (u16, String) {
        let key = hex::decode(key).expect("hex key");
        let signed: Vec<serde_json::Value> = items
            .iter()
            .map(|item| {
                let text = |k: &str| item[k].as_str().unwrap_or_default().to_owned();
                let payload = [
                    text("pspReference"),
                    text("originalReference"),
                    text("merchantAccountCode"),
                    text("merchantReference"),
                    item["amount"]["value"].to_string(),
                    text_at(&item["amount"]["currency"]),
                    text("eventCode"),
                    text("success"),
                ]
                .join(":");
                let sig = base64::engine::general_purpose::STANDARD
                    .encode(hmac(&key, &[payload.as_bytes()]));
                let mut item = item.clone();
                item["additionalData"] = serde_json::json!({ "hmacSignature": sig });
                serde_json::json!({ "NotificationRequestItem": item })
            })
            .collect();
        let body = serde_json::json!({ "live": "false", "notificationItems": signed }).to_string();
        self.post("/webhooks/adyen", &[], &body).await
    }

    /// Log lines with `needle` (the record's change lines name the payment).
    fn logged(&self, needle: &str) -> usize {
        self.logs
            .lock()
            .expect("log lock")
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Waits (at most 30 s) until `needle` was logged at least `n` times.
    async fn wait_logged(&self, needle: &str, n: usize) {
        for _ in 0..600 {
            if self.logged(needle) >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn metric(&self, vendor: &str, outcome: &str) -> f64 {
        let text = reqwest::get(format!("http://{}/metrics", self.metrics))
            .await
            .expect("scrapes")
            .text()
            .await
            .expect("body");
        text.lines()
            .filter(|l| l.starts_with("portcullis_webhook_deliveries_total{"))
            .filter(|l| l.contains(&format!("vendor=\"{vendor}\"")))
            .filter(|l| l.contains(&format!("outcome=\"{outcome}\"")))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

fn stripe_event(id: &str, kind: &str, intent: &str, status: &str) -> String {
    serde_json::json!({
        "id": id, "object": "event", "type": kind,
        "data": { "object": {
            "id": intent, "object": "payment_intent", "amount": 1250, "currency": "eur",
            "status": status, "metadata": { "order_id": "ord_42" }
        }}
    })
    .to_string()
}

fn square_event(id: &str, kind: &str, payment: &str, status: &str) -> String {
    serde_json::json!({
        "merchant_id": "M1", "type": kind, "event_id": id,
        "created_at": "2026-12-03T07:00:00Z",
        "data": { "type": "payment", "id": payment, "object": { "payment": {
            "id": payment, "status": status, "reference_id": "ord_43",
            "amount_money": { "amount": 990, "currency": "USD" }
        }}}
    })
    .to_string()
}

#[tokio::test]
async fn stripe_and_square_deliveries_change_the_record_exactly_once() {
    let server = Server::start().await;

    // Stripe: a valid delivery is processed, its redelivery is acknowledged only.
    let paid = stripe_event("evt_1", "payment_intent.succeeded", "pi_42", "succeeded");
    let (status, _) = server.stripe(&paid, now(), STRIPE_SECRET).await;
    assert_eq!(status, 200, "a signed delivery is processed");
    let (status, body) = server.stripe(&paid, now(), STRIPE_SECRET).await;
    assert_eq!(status, 200, "a redelivery is acknowledged");
    assert!(body.contains("duplicate"), "{body}");
    // Tampered body, wrong secret, stale timestamp: refused, never processed.
    let tampered = paid.replace("1250", "125000");
    let sig_for = |b: &str| {
        hex::encode(hmac(
            STRIPE_SECRET.as_bytes(),
            &[now().to_string().as_bytes(), b".", b.as_bytes()],
        ))
    };
    let (status, _) = server
        .post(
            "/webhooks/stripe",
            &[(
                "Stripe-Signature",
                format!("t={},v1={}", now(), sig_for(&paid)),
            )],
            &tampered,
        )
        .await;
    assert_eq!(status, 401, "a tampered body is refused");
    let other = stripe_event(
        "evt_2",
        "payment_intent.payment_failed",
        "pi_42",
        "requires_payment_method",
    );
    let (status, _) = server.stripe(&other, now(), "whsec_wrong").await;
    assert_eq!(status, 401, "a wrong secret is refused");
    let (status, _) = server.stripe(&other, now() - 3600, STRIPE_SECRET).await;
    assert_eq!(status, 401, "a stale timestamp is refused");
    // An unknown type is acknowledged and changes nothing.
    let unknown = stripe_event("evt_3", "customer.created", "pi_42", "succeeded");
    let (status, _) = server.stripe(&unknown, now(), STRIPE_SECRET).await;
    assert_eq!(status, 200, "an unknown type is acknowledged");

    // Square: the same, through its own scheme.
    let completed = square_event("sq_evt_1", "payment.updated", "sq_pay_7", "COMPLETED");
    let (status, _) = server.square(&completed, SQUARE_KEY).await;
    assert_eq!(status, 200, "a signed Square delivery is processed");
    let (status, body) = server.square(&completed, SQUARE_KEY).await;
    assert_eq!(status, 200, "a Square redelivery is acknowledged");
    assert!(body.contains("duplicate"), "{body}");
    let (status, _) = server
        .square(&completed.replace("COMPLETED", "FAILED"), "wrong-key")
        .await;
    assert_eq!(
        status, 401,
        "a Square delivery signed with another key is refused"
    );
    let unknown = square_event("sq_evt_2", "customer.created", "sq_pay_7", "COMPLETED");
    let (status, body) = server.square(&unknown, SQUARE_KEY).await;
    assert_eq!(status, 200, "an unknown Square type is acknowledged");
    assert!(body.contains("ignored"), "{body}");

    // Each processed event changed the record once, and nothing else did. The lines
    // come through the child's stderr pipe: wait for them (a busy machine delays the
    // reader thread), then count exactly.
    server.wait_logged("payment record changed", 2).await;
    server
        .wait_logged("provider event not used by the checkout", 1)
        .await;
    assert_eq!(server.logged("payment record changed"), 2);
    assert_eq!(server.logged("\"payment_id\":\"pi_42\""), 1);
    assert_eq!(server.logged("\"payment_id\":\"sq_pay_7\""), 1);
    assert_eq!(server.logged("provider event not used by the checkout"), 1);

    assert_eq!(
        server.metric("StripeGateway", "processed").await,
        2.0,
        "evt_1 and the catch-all evt_3"
    );
    assert_eq!(server.metric("StripeGateway", "duplicate").await, 1.0);
    assert_eq!(
        server.metric("StripeGateway", "rejected_signature").await,
        2.0
    );
    assert_eq!(server.metric("StripeGateway", "rejected_stale").await, 1.0);
    assert_eq!(server.metric("SquareGateway", "processed").await, 1.0);
    assert_eq!(server.metric("SquareGateway", "duplicate").await, 1.0);
    assert_eq!(
        server.metric("SquareGateway", "rejected_signature").await,
        1.0
    );
    assert_eq!(server.metric("SquareGateway", "ignored").await, 1.0);
}

#[tokio::test]
async fn a_stripe_dispute_becomes_dispute_opened() {
    let server = Server::start().await;
    let dispute = serde_json::json!({
        "id": "evt_d1", "object": "event", "type": "charge.dispute.created",
        "data": { "object": {
            "id": "dp_1", "object": "dispute", "amount": 1250, "currency": "eur",
            "charge": "ch_1", "payment_intent": "pi_77", "status": "needs_response",
            "reason": "fraudulent"
        }}
    })
    .to_string();
    let (status, _) = server.stripe(&dispute, now(), STRIPE_SECRET).await;
    assert_eq!(status, 200, "a signed dispute delivery is processed");
    server.wait_logged("payment disputed", 1).await;
    let lines = server.logs.lock().expect("log lock").join("\n");
    assert_eq!(server.logged("\"payment_id\":\"pi_77\""), 1, "{lines}");
    assert_eq!(server.metric("StripeGateway", "processed").await, 1.0);
}

fn adyen_item(psp: &str, code: &str, success: &str, original: &str) -> serde_json::Value {
    serde_json::json!({
        "pspReference": psp, "originalReference": original, "merchantAccountCode": "CheckoutExampleECOM",
        "merchantReference": "ord_44", "amount": { "value": 1250, "currency": "EUR" },
        "eventCode": code, "eventDate": "2026-12-03T09:00:00+01:00", "success": success,
        "paymentMethod": "visa", "reason": ""
    })
}

#[tokio::test]
async fn adyen_deliveries_change_the_record_exactly_once_and_are_answered_accepted() {
    let server = Server::start().await;
    let authorised = adyen_item("psp_44", "AUTHORISATION", "true", "");
    let (status, body) = server
        .adyen(std::slice::from_ref(&authorised), ADYEN_KEY)
        .await;
    assert_eq!(status, 200, "a signed Adyen delivery is processed: {body}");
    assert_eq!(body, "[accepted]", "Adyen expects exactly [accepted]");
    // Adyen sends the same item again: acknowledged, not processed twice.
    let (status, body) = server
        .adyen(std::slice::from_ref(&authorised), ADYEN_KEY)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, "[accepted]");
    // Signed with another key: refused, never processed.
    let other_key = "00".repeat(32);
    let refunded = adyen_item("psp_45", "REFUND", "true", "psp_44");
    let (status, _) = server
        .adyen(std::slice::from_ref(&refunded), &other_key)
        .await;
    assert_eq!(status, 401, "a wrong HMAC key is refused");
    // A signature that is not the item's.
    let (status, _) = {
        let mut forged = refunded.clone();
        forged["additionalData"] = serde_json::json!({"hmacSignature": "AAAA"});
        let body = serde_json::json!({"live": "false", "notificationItems": [{"NotificationRequestItem": forged}]});
        server.post("/webhooks/adyen", &[], &body.to_string()).await
    };
    assert_eq!(status, 401, "a bad signature is refused");
    // A batch: the refund and a chargeback, each processed once; an unknown code is
    // handled as Other.
    let chargeback = adyen_item("psp_46", "CHARGEBACK", "true", "psp_44");
    let report = adyen_item("psp_47", "REPORT_AVAILABLE", "true", "");
    let (status, body) = server
        .adyen(&[refunded, chargeback, report], ADYEN_KEY)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "[accepted]");

    server.wait_logged("payment record changed", 1).await;
    server.wait_logged("refund record changed", 1).await;
    server.wait_logged("payment disputed", 1).await;
    server
        .wait_logged("provider event not used by the checkout", 1)
        .await;
    assert_eq!(server.logged("payment record changed"), 1);
    assert_eq!(
        server.logged("\"payment_id\":\"psp_44\""),
        2,
        "authorised, then disputed"
    );
    assert_eq!(server.logged("refund record changed"), 1);
    assert_eq!(server.metric("AdyenGateway", "processed").await, 4.0);
    assert_eq!(server.metric("AdyenGateway", "duplicate").await, 1.0);
    assert_eq!(
        server.metric("AdyenGateway", "rejected_signature").await,
        2.0
    );
}
