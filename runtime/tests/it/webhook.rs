//! Webhook receivers end to end: signed deliveries in, answers, handler calls,
//! outcomes, metrics and logs out. The decoders here are written as generated code
//! would write them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue, StatusCode};
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use portcullis_runtime as rt;
use rt::webhook::{
    Decoded, Decoder, Delivery, Incoming, Malformed, Outcome, Receiver, Scheme, WebhookConfig,
    from_value,
};
use serde_json::{Value, json};
use sha2::Sha256;

use super::auth::Buffer;

pub(super) const STRIPE_SECRET: &str = "whsec_test_SECRETVALUE";

/// The domain's event type: the same for every provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PaymentEvent {
    Succeeded { payment_id: String, amount: i64 },
    Failed { payment_id: String },
}

// ---- decoders, as generated code writes them ----

/// Stripe's `event` envelope; `data.object` is a `payment_intent` for the mapped types.
pub(super) struct StripeEvents;

#[derive(serde::Deserialize)]
struct StripeEnvelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: StripeData,
}

#[derive(serde::Deserialize)]
struct StripeData {
    object: Value,
}

#[derive(serde::Deserialize)]
struct PaymentIntent {
    id: String,
    amount: i64,
}

impl Decoder for StripeEvents {
    type Event = PaymentEvent;

    fn event_types(&self) -> &[&'static str] {
        &["payment_intent.succeeded", "payment_intent.payment_failed"]
    }

    fn decode(&self, d: &Delivery<'_>) -> Result<Vec<Incoming<PaymentEvent>>, Malformed> {
        let env: StripeEnvelope = d.json()?;
        let intent = |object| from_value::<PaymentIntent>(object, "data.object");
        let decoded = match env.kind.as_str() {
            "payment_intent.succeeded" => match intent(env.data.object) {
                Ok(pi) => Decoded::Event(PaymentEvent::Succeeded {
                    payment_id: pi.id,
                    amount: pi.amount,
                }),
                Err(why) => Decoded::Malformed(why),
            },
            "payment_intent.payment_failed" => match intent(env.data.object) {
                Ok(pi) => Decoded::Event(PaymentEvent::Failed { payment_id: pi.id }),
                Err(why) => Decoded::Malformed(why),
            },
            _ => Decoded::Ignored,
        };
        Ok(vec![Incoming {
            id: env.id,
            event_type: env.kind,
            decoded,
        }])
    }
}

/// Adyen's notification: a batch of items; the event id is the item's
/// `pspReference`, `eventCode` and `success`, which Adyen says identify a duplicate.
pub(super) struct AdyenEvents;

impl Decoder for AdyenEvents {
    type Event = PaymentEvent;

    fn event_types(&self) -> &[&'static str] {
        &["AUTHORISATION"]
    }

    fn decode(&self, d: &Delivery<'_>) -> Result<Vec<Incoming<PaymentEvent>>, Malformed> {
        #[derive(serde::Deserialize)]
        struct Notification {
            #[serde(rename = "notificationItems")]
            items: Vec<Wrapper>,
        }
        #[derive(serde::Deserialize)]
        struct Wrapper {
            #[serde(rename = "NotificationRequestItem")]
            item: Item,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Item {
            psp_reference: String,
            event_code: String,
            success: String,
            amount: Option<Amount>,
        }
        #[derive(serde::Deserialize)]
        struct Amount {
            value: i64,
        }
        let n: Notification = d.json()?;
        Ok(n.items
            .into_iter()
            .enumerate()
            .map(|(i, Wrapper { item })| {
                let id = format!(
                    "{}:{}:{}",
                    item.psp_reference, item.event_code, item.success
                );
                let decoded = match (item.event_code.as_str(), item.success.as_str(), item.amount) {
                    ("AUTHORISATION", "true", Some(a)) => Decoded::Event(PaymentEvent::Succeeded {
                        payment_id: item.psp_reference,
                        amount: a.value,
                    }),
                    ("AUTHORISATION", "true", None) => Decoded::Malformed(Malformed::missing(
                        format!("notificationItems[{i}].amount"),
                    )),
                    ("AUTHORISATION", _, _) => Decoded::Event(PaymentEvent::Failed {
                        payment_id: item.psp_reference,
                    }),
                    _ => Decoded::Ignored,
                };
                Incoming {
                    id,
                    event_type: item.event_code,
                    decoded,
                }
            })
            .collect())
    }
}

/// GitHub: the id and type are headers.
pub(super) struct GitHubEvents;

impl Decoder for GitHubEvents {
    type Event = String;

    fn decode(&self, d: &Delivery<'_>) -> Result<Vec<Incoming<String>>, Malformed> {
        let id = d
            .delivery_id()
            .ok_or_else(|| Malformed::missing("X-GitHub-Delivery"))?;
        let kind = d
            .header("x-github-event")
            .ok_or_else(|| Malformed::missing("X-GitHub-Event"))?;
        Ok(vec![Incoming::event(id, kind, kind.to_owned())])
    }
}

/// Square and Standard Webhooks: `{"event_id"|"id", "type"}`.
pub(super) struct TypedJson(&'static str);

impl Decoder for TypedJson {
    type Event = String;

    fn decode(&self, d: &Delivery<'_>) -> Result<Vec<Incoming<String>>, Malformed> {
        let v: Value = d.json()?;
        let id = v[self.0]
            .as_str()
            .ok_or_else(|| Malformed::missing(self.0))?;
        let kind = v["type"]
            .as_str()
            .ok_or_else(|| Malformed::missing("type"))?;
        Ok(vec![Incoming::event(id, kind, kind.to_owned())])
    }
}

// ---- signing, as the vendors do it ----

pub(super) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("key");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(super) fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(n, v)| {
            (
                http::HeaderName::from_static(n),
                HeaderValue::from_str(v).expect("header"),
            )
        })
        .collect()
}

pub(super) fn stripe_headers(secret: &str, t: u64, body: &[u8]) -> HeaderMap {
    let sig = hex::encode(mac(
        secret.as_bytes(),
        &[t.to_string().as_bytes(), b".", body],
    ));
    headers(&[("stripe-signature", format!("t={t},v1={sig}"))])
}

pub(super) fn stripe_event(id: &str, kind: &str, object: Value) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"id": id, "object": "event", "type": kind, "data": {"object": object}}),
    )
    .expect("json")
}

pub(super) fn succeeded(id: &str, payment: &str, amount: i64) -> Vec<u8> {
    stripe_event(
        id,
        "payment_intent.succeeded",
        json!({"id": payment, "object": "payment_intent", "amount": amount}),
    )
}

pub(super) const ADYEN_KEY: &str =
    "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";

pub(super) fn adyen_item(psp: &str, code: &str, success: &str, value: i64) -> Value {
    let key = hex::decode(ADYEN_KEY).expect("hex");
    let signed = format!("{psp}::Merchant:order-{psp}:{value}:EUR:{code}:{success}");
    json!({"NotificationRequestItem": {
        "pspReference": psp, "merchantAccountCode": "Merchant", "merchantReference": format!("order-{psp}"),
        "amount": {"value": value, "currency": "EUR"}, "eventCode": code, "success": success,
        "additionalData": {"hmacSignature": b64(&mac(&key, &[signed.as_bytes()]))}
    }})
}

pub(super) fn adyen_body(items: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"live": "false", "notificationItems": items})).expect("json")
}

// ---- the user's side ----

/// A handler that records what it handled, fails while `fail` is set, and counts calls.
#[derive(Clone, Default)]
pub(super) struct Recorder {
    pub(super) handled: Arc<Mutex<Vec<PaymentEvent>>>,
    pub(super) calls: Arc<AtomicUsize>,
    pub(super) fail: Arc<std::sync::atomic::AtomicBool>,
}

impl Recorder {
    pub(super) fn handled(&self) -> Vec<PaymentEvent> {
        self.handled.lock().expect("lock").clone()
    }

    pub(super) fn handler(
        &self,
    ) -> impl Fn(PaymentEvent) -> std::future::Ready<Result<(), String>> + Send + Sync + 'static
    {
        let me = self.clone();
        move |event| {
            me.calls.fetch_add(1, Ordering::SeqCst);
            if me.fail.load(Ordering::SeqCst) {
                return std::future::ready(Err("ledger unavailable".to_owned()));
            }
            me.handled.lock().expect("lock").push(event);
            std::future::ready(Ok(()))
        }
    }
}

pub(super) fn stripe_config() -> WebhookConfig {
    WebhookConfig::new(
        "StripeGateway",
        Scheme::Stripe,
        [rt::SecretSource::literal(STRIPE_SECRET)],
    )
}

fn stripe_receiver(
    rec: &Recorder,
) -> Receiver<StripeEvents, impl rt::webhook::Handler<PaymentEvent>> {
    Receiver::new(stripe_config(), StripeEvents, rec.handler()).expect("valid")
}

fn outcomes(r: &rt::webhook::Receipt) -> Vec<Outcome> {
    r.events.iter().map(|e| e.outcome).collect()
}

// ---- behaviour ----

#[tokio::test]
async fn stripe_delivery_is_processed_once_and_redeliveries_are_acknowledged() {
    let rec = Recorder::default();
    let receiver = stripe_receiver(&rec);
    let body = succeeded("evt_1", "pi_1", 2000);
    let h = stripe_headers(STRIPE_SECRET, now(), &body);
    let first = receiver.receive(&h, &body).await;
    assert_eq!(first.answer.status, StatusCode::OK);
    assert_eq!(&first.answer.body[..], b"processed\n");
    assert_eq!(outcomes(&first), [Outcome::Processed]);
    assert_eq!(first.events[0].id, "evt_1");
    assert_eq!(first.events[0].event_type, "payment_intent.succeeded");
    // Redelivered (same event, a fresh signature as Stripe sends it).
    let again = receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    assert_eq!(
        (again.answer.status, outcomes(&again)),
        (StatusCode::OK, vec![Outcome::Duplicate])
    );
    assert_eq!(
        rec.handled(),
        [PaymentEvent::Succeeded {
            payment_id: "pi_1".into(),
            amount: 2000
        }]
    );
    assert_eq!(rec.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn refused_deliveries_never_reach_the_handler() {
    let rec = Recorder::default();
    let receiver = stripe_receiver(&rec);
    let body = succeeded("evt_2", "pi_2", 100);
    let t = now();
    let cases: Vec<(&str, HeaderMap, Vec<u8>, StatusCode, Outcome)> = vec![
        (
            "tampered body",
            stripe_headers(STRIPE_SECRET, t, &body),
            succeeded("evt_2", "pi_2", 1),
            StatusCode::UNAUTHORIZED,
            Outcome::RejectedSignature,
        ),
        (
            "wrong secret",
            stripe_headers("whsec_other", t, &body),
            body.clone(),
            StatusCode::UNAUTHORIZED,
            Outcome::RejectedSignature,
        ),
        (
            "stale",
            stripe_headers(STRIPE_SECRET, t - 301, &body),
            body.clone(),
            StatusCode::UNAUTHORIZED,
            Outcome::RejectedStale,
        ),
        (
            "future",
            stripe_headers(STRIPE_SECRET, t + 301, &body),
            body.clone(),
            StatusCode::UNAUTHORIZED,
            Outcome::RejectedStale,
        ),
        (
            "no header",
            HeaderMap::new(),
            body.clone(),
            StatusCode::UNAUTHORIZED,
            Outcome::RejectedSignature,
        ),
        (
            "garbled header",
            headers(&[("stripe-signature", "t=1e20,v1=zz".into())]),
            body.clone(),
            StatusCode::UNAUTHORIZED,
            Outcome::RejectedSignature,
        ),
    ];
    for (name, h, b, status, outcome) in cases {
        let r = receiver.receive(&h, &b).await;
        assert_eq!(
            (r.answer.status, r.outcome),
            (status, outcome),
            "{name}: {:?}",
            r.rejection
        );
        assert!(r.events.is_empty() && r.rejection.is_some(), "{name}");
    }
    assert_eq!(rec.calls.load(Ordering::SeqCst), 0);
    // None of it was recorded: the genuine delivery is still processed.
    let ok = receiver
        .receive(&stripe_headers(STRIPE_SECRET, t, &body), &body)
        .await;
    assert_eq!(outcomes(&ok), [Outcome::Processed]);
}

#[tokio::test]
async fn unmapped_types_are_acknowledged_and_malformed_payloads_name_the_field() {
    let rec = Recorder::default();
    let receiver = stripe_receiver(&rec);
    let send = |body: Vec<u8>| {
        let r = receiver.clone();
        async move {
            r.receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
                .await
        }
    };
    let ignored = send(stripe_event(
        "evt_3",
        "customer.created",
        json!({"id": "cus_1"}),
    ))
    .await;
    assert_eq!(
        (ignored.answer.status, outcomes(&ignored)),
        (StatusCode::OK, vec![Outcome::Ignored])
    );
    let drifted = send(stripe_event(
        "evt_4",
        "payment_intent.succeeded",
        json!({"id": "pi_4", "amount": "12.00"}),
    ))
    .await;
    assert_eq!(
        (drifted.answer.status, outcomes(&drifted)),
        (StatusCode::BAD_REQUEST, vec![Outcome::RejectedMalformed])
    );
    let error = drifted.events[0].error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("data.object.amount: invalid type"),
        "{error}"
    );
    let body = String::from_utf8_lossy(&drifted.answer.body).into_owned();
    assert!(body.contains("data.object.amount"), "{body}");
    // No envelope at all: the delivery is malformed as a whole.
    let no_id = send(br#"{"type":"payment_intent.succeeded"}"#.to_vec()).await;
    assert_eq!(
        (no_id.answer.status, no_id.outcome),
        (StatusCode::BAD_REQUEST, Outcome::RejectedMalformed)
    );
    assert!(String::from_utf8_lossy(&no_id.answer.body).contains("missing field `id`"));
    let deep = format!("{}1{}", "[".repeat(50_000), "]".repeat(50_000)).into_bytes();
    assert_eq!(send(deep).await.outcome, Outcome::RejectedMalformed);
    assert_eq!(
        send(b"\xff\xfe\xfd".to_vec()).await.outcome,
        Outcome::RejectedMalformed
    );
    assert_eq!(rec.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_failed_handler_is_retried_by_the_redelivery() {
    let rec = Recorder::default();
    let receiver = stripe_receiver(&rec);
    let body = succeeded("evt_5", "pi_5", 500);
    rec.fail.store(true, Ordering::SeqCst);
    let failed = receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    assert_eq!(
        (failed.answer.status, outcomes(&failed)),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            vec![Outcome::HandlerFailed]
        )
    );
    assert_eq!(
        failed.events[0].error.as_deref(),
        Some("ledger unavailable")
    );
    assert!(
        !String::from_utf8_lossy(&failed.answer.body).contains("ledger"),
        "the error stays in our logs"
    );
    rec.fail.store(false, Ordering::SeqCst);
    let retried = receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    assert_eq!(
        (retried.answer.status, outcomes(&retried)),
        (StatusCode::OK, vec![Outcome::Processed])
    );
    assert_eq!(rec.calls.load(Ordering::SeqCst), 2);
    assert_eq!(rec.handled().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_handler_past_its_timeout_fails_and_is_retried() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let config = WebhookConfig {
        handler_timeout: Duration::from_secs(5),
        ..stripe_config()
    };
    let receiver = Receiver::new(config, StripeEvents, move |_e: PaymentEvent| {
        let first = seen.fetch_add(1, Ordering::SeqCst) == 0;
        async move {
            if first {
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
            Ok::<(), String>(())
        }
    })
    .expect("valid");
    let body = succeeded("evt_6", "pi_6", 1);
    let slow = receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    assert_eq!(outcomes(&slow), [Outcome::HandlerFailed]);
    assert!(
        slow.events[0]
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("timeout of 5s")
    );
    // The claim was released: the redelivery runs at once rather than after the lease.
    let next = receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    assert_eq!(outcomes(&next), [Outcome::Processed]);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_second_delivery_while_the_first_runs_is_told_to_come_back() {
    let entered = Arc::new(tokio::sync::Notify::new());
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let (e, g, c) = (entered.clone(), gate.clone(), calls.clone());
    let receiver = Receiver::new(stripe_config(), StripeEvents, move |_e: PaymentEvent| {
        let (e, g, c) = (e.clone(), g.clone(), c.clone());
        async move {
            c.fetch_add(1, Ordering::SeqCst);
            e.notify_one();
            let _permit = g.acquire().await.map_err(|e| e.to_string())?;
            Ok::<(), String>(())
        }
    })
    .expect("valid");
    let body = succeeded("evt_7", "pi_7", 7);
    let h = stripe_headers(STRIPE_SECRET, now(), &body);
    let first = tokio::spawn({
        let (r, h, b) = (receiver.clone(), h.clone(), body.clone());
        async move { r.receive(&h, &b).await }
    });
    entered.notified().await;
    let second = receiver.receive(&h, &body).await;
    assert_eq!(
        (second.answer.status, outcomes(&second)),
        (StatusCode::SERVICE_UNAVAILABLE, vec![Outcome::InFlight])
    );
    gate.add_permits(1);
    let first = first.await.expect("task");
    assert_eq!(outcomes(&first), [Outcome::Processed]);
    let third = receiver.receive(&h, &body).await;
    assert_eq!(outcomes(&third), [Outcome::Duplicate]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn too_large_bodies_are_refused_unread() {
    let rec = Recorder::default();
    let config = WebhookConfig {
        max_body: 64,
        ..stripe_config()
    };
    let receiver = Receiver::new(config, StripeEvents, rec.handler()).expect("valid");
    let body = succeeded("evt_8", "pi_8", 8);
    assert!(body.len() > 64);
    let r = receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    assert_eq!(
        (r.answer.status, r.outcome),
        (StatusCode::PAYLOAD_TOO_LARGE, Outcome::RejectedTooLarge)
    );
    assert_eq!(rec.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn rotated_secrets_accept_either_and_a_misconfigured_one_is_refused_early() {
    let rec = Recorder::default();
    let config = WebhookConfig::new(
        "StripeGateway",
        Scheme::Stripe,
        [
            rt::SecretSource::literal("whsec_old"),
            rt::SecretSource::literal("whsec_new"),
        ],
    );
    let receiver = Receiver::new(config, StripeEvents, rec.handler()).expect("valid");
    for (n, secret) in ["whsec_old", "whsec_new"].into_iter().enumerate() {
        let body = succeeded(&format!("evt_r{n}"), "pi", 1);
        let r = receiver
            .receive(&stripe_headers(secret, now(), &body), &body)
            .await;
        assert_eq!(outcomes(&r), [Outcome::Processed], "{secret}");
    }
    let bad = WebhookConfig::new(
        "AdyenGateway",
        Scheme::Adyen,
        [rt::SecretSource::literal("not-hex-s3cret")],
    );
    let err = Receiver::new(bad, AdyenEvents, rec.handler()).expect_err("hex key");
    assert!(
        err.to_string().contains("is not hex") && !err.to_string().contains("s3cret"),
        "{err}"
    );
    let square = WebhookConfig::new(
        "SquareGateway",
        Scheme::Square {
            notification_url: String::new(),
        },
        [rt::SecretSource::literal("k")],
    );
    assert!(
        Receiver::new(square, TypedJson("event_id"), |_: String| async {
            Ok::<(), String>(())
        })
        .is_err()
    );
    let zero = WebhookConfig {
        handler_timeout: Duration::ZERO,
        ..stripe_config()
    };
    let err = Receiver::new(zero, StripeEvents, rec.handler()).expect_err("zero timeout");
    assert!(err.to_string().contains("handler_timeout is 0"), "{err}");
    // Secrets that cannot be read: the vendor is told to retry, nothing is handled.
    let unset = WebhookConfig::new(
        "StripeGateway",
        Scheme::Stripe,
        [rt::SecretSource::env("PORTCULLIS_TEST_NO_SUCH_SECRET")],
    );
    let receiver = Receiver::new(unset, StripeEvents, rec.handler()).expect("read lazily");
    let body = succeeded("evt_u", "pi", 1);
    let r = receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    assert_eq!(
        (r.answer.status, r.outcome),
        (StatusCode::SERVICE_UNAVAILABLE, Outcome::Unavailable)
    );
}

#[tokio::test]
async fn adyen_batches_are_accepted_only_when_every_item_is_done() {
    let rec = Recorder::default();
    let config = WebhookConfig::new(
        "AdyenGateway",
        Scheme::Adyen,
        [rt::SecretSource::literal(ADYEN_KEY)],
    );
    let fail_on = "PSP2";
    let inner = rec.handler();
    let flaky = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let psp2_fails = flaky.clone();
    let receiver = Receiver::new(config, AdyenEvents, move |e: PaymentEvent| {
        let fail_now = matches!(&e, PaymentEvent::Succeeded { payment_id, .. } if payment_id == fail_on)
            && psp2_fails.load(Ordering::SeqCst);
        if fail_now {
            std::future::ready(Err("PSP2 not today".to_owned()))
        } else {
            inner(e)
        }
    })
    .expect("valid");
    let body = adyen_body(vec![
        adyen_item("PSP1", "AUTHORISATION", "true", 1130),
        adyen_item("PSP2", "AUTHORISATION", "true", 500),
        adyen_item("PSP3", "REPORT_AVAILABLE", "true", 0),
    ]);
    let first = receiver.receive(&HeaderMap::new(), &body).await;
    assert_eq!(
        outcomes(&first),
        [Outcome::Processed, Outcome::HandlerFailed, Outcome::Ignored]
    );
    assert_eq!(first.answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_ne!(&first.answer.body[..], b"[accepted]");
    // Adyen sends the whole batch again: the first item is a duplicate now.
    flaky.store(false, Ordering::SeqCst);
    let again = receiver.receive(&HeaderMap::new(), &body).await;
    assert_eq!(
        outcomes(&again),
        [Outcome::Duplicate, Outcome::Processed, Outcome::Ignored]
    );
    assert_eq!(
        (again.answer.status, &again.answer.body[..]),
        (StatusCode::OK, &b"[accepted]"[..])
    );
    assert_eq!(rec.handled().len(), 2);
    // One forged item refuses the whole batch before anything is handled.
    let mut forged = adyen_item("PSP4", "AUTHORISATION", "true", 1);
    forged["NotificationRequestItem"]["amount"]["value"] = json!(100_000);
    let body = adyen_body(vec![adyen_item("PSP5", "AUTHORISATION", "true", 1), forged]);
    let refused = receiver.receive(&HeaderMap::new(), &body).await;
    assert_eq!(
        (refused.answer.status, refused.outcome),
        (StatusCode::UNAUTHORIZED, Outcome::RejectedSignature)
    );
    assert_eq!(rec.handled().len(), 2);
    // A signed item whose mapped payload lacks a field: 400 naming it.
    let mut no_amount = adyen_item("PSP6", "AUTHORISATION", "true", 0);
    no_amount["NotificationRequestItem"]
        .as_object_mut()
        .expect("object")
        .remove("amount");
    let key = hex::decode(ADYEN_KEY).expect("hex");
    no_amount["NotificationRequestItem"]["additionalData"]["hmacSignature"] = json!(b64(&mac(
        &key,
        &[b"PSP6::Merchant:order-PSP6:::AUTHORISATION:true"]
    )));
    let r = receiver
        .receive(&HeaderMap::new(), &adyen_body(vec![no_amount]))
        .await;
    assert_eq!(
        (r.answer.status, outcomes(&r)),
        (StatusCode::BAD_REQUEST, vec![Outcome::RejectedMalformed])
    );
    assert!(String::from_utf8_lossy(&r.answer.body).contains("notificationItems[0].amount"));
}

#[tokio::test]
async fn github_square_and_standard_webhooks_through_the_receiver() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler = |seen: Arc<Mutex<Vec<String>>>| {
        move |kind: String| {
            seen.lock().expect("lock").push(kind);
            std::future::ready(Ok::<(), String>(()))
        }
    };
    // GitHub's published example body and signature, delivered twice.
    let gh = WebhookConfig::new(
        "GitHub",
        Scheme::GitHub,
        [rt::SecretSource::literal("It's a Secret to Everybody")],
    );
    let gh = Receiver::new(gh, GitHubEvents, handler(seen.clone())).expect("valid");
    let h = headers(&[
        (
            "x-hub-signature-256",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17".into(),
        ),
        (
            "x-github-delivery",
            "72d3162e-cc78-11e3-81ab-4c9367dc0958".into(),
        ),
        ("x-github-event", "ping".into()),
    ]);
    let r = gh.receive(&h, b"Hello, World!").await;
    assert_eq!(outcomes(&r), [Outcome::Processed]);
    assert_eq!(
        r.correlation_id.as_str(),
        "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "the delivery id correlates"
    );
    assert_eq!(
        outcomes(&gh.receive(&h, b"Hello, World!").await),
        [Outcome::Duplicate]
    );

    let url = "https://shop.example.com/webhooks/square";
    let sq = WebhookConfig::new(
        "SquareGateway",
        Scheme::Square {
            notification_url: url.into(),
        },
        [rt::SecretSource::literal("sq-key")],
    );
    let sq = Receiver::new(sq, TypedJson("event_id"), handler(seen.clone())).expect("valid");
    let body = br#"{"event_id":"ev-1","type":"payment.updated"}"#;
    let h = headers(&[(
        "x-square-hmacsha256-signature",
        b64(&mac(b"sq-key", &[url.as_bytes(), body])),
    )]);
    assert_eq!(outcomes(&sq.receive(&h, body).await), [Outcome::Processed]);
    let wrong_url = headers(&[(
        "x-square-hmacsha256-signature",
        b64(&mac(b"sq-key", &[b"https://other.example.com/", body])),
    )]);
    assert_eq!(
        sq.receive(&wrong_url, body).await.outcome,
        Outcome::RejectedSignature
    );

    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let sw = WebhookConfig::new(
        "Svix",
        Scheme::StandardWebhooks,
        [rt::SecretSource::literal(secret)],
    );
    let sw = Receiver::new(sw, TypedJson("id"), handler(seen.clone())).expect("valid");
    let key = base64::engine::general_purpose::STANDARD
        .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .expect("b64");
    let body = br#"{"id":"obj_1","type":"invoice.paid"}"#;
    let t = now().to_string();
    let sig = b64(&mac(&key, &[b"msg_1.", t.as_bytes(), b".", body]));
    let h = headers(&[
        ("webhook-id", "msg_1".into()),
        ("webhook-timestamp", t.clone()),
        ("webhook-signature", format!("v1,{sig}")),
    ]);
    assert_eq!(outcomes(&sw.receive(&h, body).await), [Outcome::Processed]);
    let stale_t = (now() - 3600).to_string();
    let sig = b64(&mac(&key, &[b"msg_2.", stale_t.as_bytes(), b".", body]));
    let h = headers(&[
        ("webhook-id", "msg_2".into()),
        ("webhook-timestamp", stale_t),
        ("webhook-signature", format!("v1,{sig}")),
    ]);
    assert_eq!(sw.receive(&h, body).await.outcome, Outcome::RejectedStale);
    assert_eq!(
        *seen.lock().expect("lock"),
        ["ping", "payment.updated", "invoice.paid"]
    );
}

/// A vendor without a scheme of its own (Slack here) described by an `HmacScheme`:
/// verified, held to the tolerance, and refused at construction when the description
/// cannot verify anything.
#[tokio::test]
async fn a_described_hmac_scheme_through_the_receiver() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let slack = rt::webhook::HmacScheme::new("x-slack-signature")
        .prefix("v0=")
        .timestamp_header("x-slack-request-timestamp")
        .signed("v0:{timestamp}:{body}")
        .delivery_id_header("x-slack-request-id");
    let config = WebhookConfig::new(
        "Slack",
        Scheme::Hmac(slack),
        [rt::SecretSource::literal("slack-signing-secret")],
    );
    let sink = seen.clone();
    let receiver = Receiver::new(config, TypedJson("event_id"), move |kind: String| {
        sink.lock().expect("lock").push(kind);
        std::future::ready(Ok::<(), String>(()))
    })
    .expect("valid");
    let body = br#"{"event_id":"Ev1","type":"app_mention"}"#;
    let signed = |t: &str, body: &[u8]| {
        let mut text = format!("v0:{t}:").into_bytes();
        text.extend_from_slice(body);
        format!("v0={}", hex::encode(mac(b"slack-signing-secret", &[&text])))
    };
    let t = now().to_string();
    let h = headers(&[
        ("x-slack-signature", signed(&t, body)),
        ("x-slack-request-timestamp", t.clone()),
        ("x-slack-request-id", "req-7".into()),
    ]);
    let r = receiver.receive(&h, body).await;
    assert_eq!(outcomes(&r), [Outcome::Processed]);
    assert_eq!(r.correlation_id.as_str(), "req-7");
    let forged = headers(&[
        ("x-slack-signature", signed(&t, br#"{"event_id":"Ev2"}"#)),
        ("x-slack-request-timestamp", t),
    ]);
    assert_eq!(
        receiver.receive(&forged, body).await.outcome,
        Outcome::RejectedSignature
    );
    let old = (now() - 3600).to_string();
    let stale = headers(&[
        ("x-slack-signature", signed(&old, body)),
        ("x-slack-request-timestamp", old),
    ]);
    assert_eq!(
        receiver.receive(&stale, body).await.outcome,
        Outcome::RejectedStale
    );
    assert_eq!(*seen.lock().expect("lock"), ["app_mention"]);

    let unsigned_body = WebhookConfig::new(
        "Slack",
        Scheme::Hmac(rt::webhook::HmacScheme::new("x-slack-signature").signed("v0:{timestamp}")),
        [rt::SecretSource::literal("slack-signing-secret")],
    );
    let Err(err) = Receiver::new(unsigned_body, TypedJson("event_id"), |_: String| {
        std::future::ready(Ok::<(), String>(()))
    }) else {
        panic!("a signature that does not cover the body is refused");
    };
    assert!(err.to_string().contains("{body} is missing"), "{err}");
}

/// Every outcome of every mapped type is exported from the start; deliveries count
/// under their type, refusals under `unknown`.
#[tokio::test]
async fn deliveries_are_counted_by_event_and_outcome() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    // Thread-local, and a current-thread runtime: this test sees only its deliveries.
    let _guard = metrics::set_default_local_recorder(&recorder);
    let rec = Recorder::default();
    let config = WebhookConfig {
        vendor: "MetricsGateway".into(),
        ..stripe_config()
    };
    let receiver = Receiver::new(config, StripeEvents, rec.handler()).expect("valid");
    let body = succeeded("evt_m1", "pi", 1);
    receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    receiver
        .receive(&stripe_headers("whsec_wrong", now(), &body), &body)
        .await;
    let other = stripe_event("evt_m2", "charge.refunded", json!({}));
    receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &other), &other)
        .await;

    let series: Vec<(Vec<(String, String)>, u64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(k, _, _, _)| {
            k.kind() == MetricKind::Counter
                && k.key().name() == rt::webhook::WEBHOOK_DELIVERIES_TOTAL
        })
        .map(|(k, _, _, v)| {
            let labels = k
                .key()
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            let DebugValue::Counter(n) = v else {
                panic!("counter")
            };
            (labels, n)
        })
        .collect();
    let count = |event: &str, outcome: &str| {
        series
            .iter()
            .find(|(labels, _)| {
                labels.contains(&("vendor".into(), "MetricsGateway".into()))
                    && labels.contains(&("event".into(), event.into()))
                    && labels.contains(&("outcome".into(), outcome.into()))
            })
            .map(|(_, n)| *n)
    };
    assert_eq!(count("payment_intent.succeeded", "processed"), Some(1));
    assert_eq!(count("payment_intent.succeeded", "duplicate"), Some(1));
    assert_eq!(count("unknown", "rejected_signature"), Some(1));
    assert_eq!(count("charge.refunded", "ignored"), Some(1));
    // Exported at 0 before any such event: every outcome, every mapped type and `unknown`.
    for event in [
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "unknown",
    ] {
        for outcome in Outcome::ALL {
            assert!(
                count(event, outcome.as_str()).is_some(),
                "{event} {outcome}"
            );
        }
    }
    assert_eq!(
        count("payment_intent.payment_failed", "handler_failed"),
        Some(0)
    );
}

#[tokio::test]
async fn one_span_per_delivery_one_line_per_event_and_no_secret_anywhere() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(buffer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let rec = Recorder::default();
    let receiver = stripe_receiver(&rec);
    // Another test's thread may be registering the same callsites right now, with no
    // subscriber of its own, and cache "never" for them (tracing decides a callsite's
    // interest once). One delivery makes sure they are registered, then the cache is
    // recomputed with this test's subscriber in view.
    let warm = succeeded("evt_l0", "pi", 0);
    receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &warm), &warm)
        .await;
    tracing::callsite::rebuild_interest_cache();
    let body = succeeded("evt_l1", "pi", 1);
    let ok = receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    let h = headers(&[(
        "stripe-signature",
        format!("t={},v1={}", now(), "ab".repeat(32)),
    )]);
    receiver.receive(&h, &body).await;
    rec.fail.store(true, Ordering::SeqCst);
    let body2 = succeeded("evt_l2", "pi", 2);
    receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body2), &body2)
        .await;
    let text = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(!text.contains("SECRETVALUE"), "{text}");
    assert!(!format!("{receiver:?}").contains("SECRETVALUE"));
    let processed = text
        .lines()
        .find(|l| l.contains("evt_l1"))
        .unwrap_or_default();
    assert!(
        processed.contains("webhook_delivery") && processed.contains(ok.correlation_id.as_str()),
        "{processed}"
    );
    assert!(
        processed.contains("outcome=\"processed\"") && processed.contains("webhook event"),
        "{processed}"
    );
    assert!(
        text.contains("webhook delivery rejected") && text.contains("rejected_signature"),
        "{text}"
    );
    let failed = text
        .lines()
        .find(|l| l.contains("evt_l2"))
        .unwrap_or_default();
    assert!(
        failed.contains("WARN") && failed.contains("ledger unavailable"),
        "{failed}"
    );
}
