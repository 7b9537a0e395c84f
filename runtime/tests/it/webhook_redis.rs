//! Webhook dedupe across replicas sharing a real `redis-server`, and what a delivery
//! gets while the store is down.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::StatusCode;
use portcullis_runtime as rt;
use rt::testing::RedisServer;
use rt::webhook::{Outcome, Receiver, WebhookConfig};
use rt::{RedisConfig, SharedState};

use super::webhook::{
    PaymentEvent, STRIPE_SECRET, StripeEvents, now, stripe_config, stripe_headers, succeeded,
};

fn on_redis(url: &str) -> WebhookConfig {
    // A generous command timeout: on a busy test machine the default 50 ms could make
    // a claim "unavailable", which is not what these tests are about.
    let redis = RedisConfig {
        timeout: Duration::from_secs(2),
        ..RedisConfig::new(url)
    };
    WebhookConfig {
        shared_state: SharedState::Redis(redis),
        ..stripe_config()
    }
}

/// Two replicas, one Redis: a burst of concurrent deliveries of one event, half to
/// each, runs the handler once; the rest are told in flight or duplicate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_sharing_redis_run_the_handler_once() {
    let redis = RedisServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let replica = |calls: Arc<AtomicUsize>| {
        Receiver::new(
            on_redis(&redis.url()),
            StripeEvents,
            move |_e: PaymentEvent| {
                let calls = calls.clone();
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    // Long enough that the others arrive while it runs.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Ok::<(), String>(())
                }
            },
        )
        .expect("valid")
    };
    let (a, b) = (replica(calls.clone()), replica(calls.clone()));
    let body = succeeded("evt_r1", "pi_r1", 100);
    let h = stripe_headers(STRIPE_SECRET, now(), &body);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let r = if i % 2 == 0 { a.clone() } else { b.clone() };
        let (h, body) = (h.clone(), body.clone());
        tasks.push(tokio::spawn(async move { r.receive(&h, &body).await }));
    }
    let mut seen = Vec::new();
    for t in tasks {
        let receipt = t.await.expect("task");
        let outcome = receipt.events[0].outcome;
        let want = if outcome == Outcome::InFlight {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        };
        assert_eq!(receipt.answer.status, want, "{outcome}");
        seen.push(outcome);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "{seen:?}");
    assert_eq!(
        seen.iter().filter(|o| **o == Outcome::Processed).count(),
        1,
        "{seen:?}"
    );
    assert!(
        seen.iter().all(|o| matches!(
            o,
            Outcome::Processed | Outcome::InFlight | Outcome::Duplicate
        )),
        "{seen:?}"
    );
    // Later redeliveries to either replica are duplicates.
    for r in [&a, &b] {
        assert_eq!(
            r.receive(&h, &body).await.events[0].outcome,
            Outcome::Duplicate
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// A failure on one replica releases the claim: the redelivery to the other runs it.
#[tokio::test]
async fn a_failure_on_one_replica_is_retried_on_another() {
    let redis = RedisServer::start().await;
    let failing = Receiver::new(
        on_redis(&redis.url()),
        StripeEvents,
        |_e: PaymentEvent| async { Err::<(), _>("database down") },
    )
    .expect("valid");
    let handled = Arc::new(AtomicUsize::new(0));
    let seen = handled.clone();
    let healthy = Receiver::new(
        on_redis(&redis.url()),
        StripeEvents,
        move |_e: PaymentEvent| {
            seen.fetch_add(1, Ordering::SeqCst);
            async { Ok::<(), String>(()) }
        },
    )
    .expect("valid");
    let body = succeeded("evt_r2", "pi_r2", 1);
    let first = failing
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    assert_eq!(first.answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    let second = healthy
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    assert_eq!(second.events[0].outcome, Outcome::Processed);
    assert_eq!(handled.load(Ordering::SeqCst), 1);
}

/// No store, no processing: the vendor is told to retry, and the handler is not run
/// (running it without a claim could run it twice).
#[tokio::test]
async fn a_store_that_is_down_refuses_with_503() {
    let redis = RedisServer::start().await;
    let url = redis.url();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let receiver = Receiver::new(on_redis(&url), StripeEvents, move |_e: PaymentEvent| {
        seen.fetch_add(1, Ordering::SeqCst);
        async { Ok::<(), String>(()) }
    })
    .expect("valid");
    let body = succeeded("evt_r3", "pi_r3", 1);
    drop(redis);
    let r = receiver
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    assert_eq!(
        (r.answer.status, r.outcome),
        (StatusCode::SERVICE_UNAVAILABLE, Outcome::Unavailable)
    );
    let error = r.events[0].error.as_deref().unwrap_or_default();
    assert!(error.starts_with("dedupe store: "), "{error}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    // Nothing listens at all: the same.
    let nowhere = Receiver::new(
        on_redis("redis://127.0.0.1:1"),
        StripeEvents,
        |_e: PaymentEvent| async { Ok::<(), String>(()) },
    )
    .expect("valid: Redis is not contacted at construction");
    let r = nowhere
        .receive(&stripe_headers(STRIPE_SECRET, now(), &body), &body)
        .await;
    assert_eq!(r.outcome, Outcome::Unavailable);
}
