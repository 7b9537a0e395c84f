//! Chaos on the generated Stripe adapter: concurrent payments against a vendor that
//! fails on purpose, and an outage the breaker rides out. Loopback only; bounded in
//! calls and seconds.

use portcullis_runtime as rt;
use portcullis_tests::domain::*;
use portcullis_tests::stripe::StripeGateway;
use rt::testing::{MockVendor, Reply};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const CALLS: usize = 500;
/// Payments in flight at once: a checkout's worth of concurrency. All 500 at once would
/// measure the CPU's queue on a busy two-core machine, not the adapter.
const IN_FLIGHT: usize = 64;
const BUDGET: Duration = Duration::from_millis(1500);

/// How late this machine's timers fire right now, as margin on the budget: 50 ms plus
/// five times the worst lateness of twenty 5 ms sleeps. Measured, because another build
/// on the same cores makes every wake-up late (tens of milliseconds), and a fixed guess
/// would fail there or hide a broken budget here.
async fn measured_slack() -> Duration {
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let start = Instant::now();
        tokio::time::sleep(Duration::from_millis(5)).await;
        worst = worst.max(start.elapsed().saturating_sub(Duration::from_millis(5)));
    }
    Duration::from_millis(50) + worst * 5
}

fn intent(order: &str) -> serde_json::Value {
    json!({"id": format!("pi_{order}"), "object": "payment_intent", "amount": 1000, "currency": "eur",
           "status": "succeeded", "metadata": {"order_id": order}})
}

/// About 30% of requests fail: 503s, resets, answers lost mid-body after the charge, and
/// answers slower than the attempt timeout. A cheap deterministic hash picks which.
fn flaky(req: &rt::testing::ReceivedRequest, n: u64) -> Reply {
    let order = req.body_field("metadata[order_id]").unwrap_or_default();
    let roll = (n.wrapping_mul(2654435761) ^ order.len() as u64) % 100;
    match roll {
        0..=9 => Reply::json(
            503,
            json!({"error": {"type": "api_error", "message": "try later"}}),
        ),
        10..=17 => Reply::reset(),
        18..=23 => Reply::truncated(200, intent(&order)),
        24..=29 => Reply::json(200, intent(&order)).with_delay(Duration::from_millis(400)),
        _ => Reply::json(200, intent(&order)),
    }
}

fn gateway(vendor: &MockVendor, breaker: Option<rt::BreakerPolicy>) -> Arc<StripeGateway> {
    // 500 calls in 1.5 s is five times Stripe's documented rate: this test is about
    // retries and idempotency under faults, so the client-side limiter stays out of it.
    let mut config = StripeGateway::config()
        .rate_limit(None)
        .base_url(vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("sk_test_chaos"),
        });
    let d = config.defaults_mut();
    d.attempt_timeout = Some(Duration::from_millis(250));
    d.budget = Some(BUDGET);
    d.retry = Some(rt::RetryPolicy {
        attempts: 4,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(200),
        ..Default::default()
    });
    d.breaker = Some(breaker.unwrap_or_else(rt::BreakerPolicy::disabled));
    Arc::new(StripeGateway::new(config).expect("config"))
}

fn order(i: usize) -> NewPayment {
    NewPayment {
        order_id: OrderId(format!("ord_{i}")),
        amount: Money {
            minor_units: 1000,
            currency: "eur".into(),
        },
        description: None,
        payment_method: "pm_card_visa".into(),
    }
}

async fn pay_all(
    gw: &Arc<StripeGateway>,
    orders: Vec<usize>,
) -> Vec<(usize, Result<Payment, PaymentError>, Duration)> {
    let mut tasks = tokio::task::JoinSet::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    for i in orders {
        let gw = gw.clone();
        let slots = slots.clone();
        tasks.spawn(async move {
            let _slot = slots.acquire().await.expect("never closed");
            let started = Instant::now();
            let r = gw.create_payment(order(i)).await;
            (i, r, started.elapsed())
        });
    }
    let mut out = Vec::new();
    while let Some(r) = tasks.join_next().await {
        out.push(r.expect("task"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_payments_under_faults_never_charge_twice_and_stay_in_budget() {
    let _heavy = crate::HEAVY.lock().await;
    let vendor = MockVendor::start().await;
    vendor.route_fn("POST", "/v1/payment_intents", flaky);
    let gw = gateway(&vendor, None);

    let slack = measured_slack().await;
    let first = pay_all(&gw, (0..CALLS).collect()).await;
    let mut failed = Vec::new();
    for (i, r, took) in &first {
        assert!(
            *took <= BUDGET + slack,
            "order {i} took {took:?} (slack {slack:?})"
        );
        match r {
            Ok(p) => assert_eq!(p.order_id, Some(OrderId(format!("ord_{i}")))),
            // Every failure is classified into the port's terms.
            Err(
                PaymentError::Unavailable(_)
                | PaymentError::Provider(_)
                | PaymentError::RateLimited(_),
            ) => failed.push(*i),
            Err(other) => panic!("order {i}: unexpected {other:?}"),
        }
    }
    assert!(
        failed.len() < CALLS / 2,
        "{} of {CALLS} failed",
        failed.len()
    );

    // The checkout replays what failed; the order id keys it, so nothing is charged twice.
    let replay = pay_all(&gw, failed).await;
    for (i, _, took) in &replay {
        assert!(
            *took <= BUDGET + slack,
            "replay of order {i} took {took:?} (slack {slack:?})"
        );
    }
    let ledger = vendor.ledger();
    let twice = ledger.duplicates_by(|e| e.body_field("metadata[order_id]"));
    assert!(twice.is_empty(), "charged twice: {twice:?}");
    assert!(
        ledger.len() <= CALLS,
        "one charge per order at most, got {}",
        ledger.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_opens_the_breaker_which_fails_fast_and_closes_after_recovery() {
    let _heavy = crate::HEAVY.lock().await;
    let vendor = MockVendor::start().await;
    let down = Arc::new(AtomicBool::new(true));
    let served = Arc::new(AtomicU64::new(0));
    let (d, s) = (down.clone(), served.clone());
    vendor.route_fn("GET", "/v1/payment_intents/{id}", move |_, _| {
        s.fetch_add(1, Ordering::SeqCst);
        if d.load(Ordering::SeqCst) {
            Reply::json(503, json!({"error": {"type": "api_error"}}))
        } else {
            Reply::json(200, intent("ord_1"))
        }
    });
    let breaker = rt::BreakerPolicy {
        window: Duration::from_secs(5),
        min_calls: 10,
        failure_rate: 0.5,
        open_for: Duration::from_millis(500),
        half_open_probes: 2,
        ..Default::default()
    };
    let gw = gateway(&vendor, Some(breaker));
    let id = PaymentId("pi_ord_1".into());

    // The outage: failures until the breaker opens.
    let mut opened = false;
    for _ in 0..40 {
        if matches!(gw.get_payment(&id).await, Err(PaymentError::Unavailable(m)) if m.contains("circuit") || m.contains("breaker"))
        {
            opened = true;
            break;
        }
    }
    assert!(opened, "the breaker opens during the outage");

    // While open, calls fail without touching the network.
    let before = served.load(Ordering::SeqCst);
    for _ in 0..50 {
        assert!(matches!(
            gw.get_payment(&id).await,
            Err(PaymentError::Unavailable(_))
        ));
    }
    assert_eq!(
        served.load(Ordering::SeqCst),
        before,
        "an open breaker sends nothing"
    );

    // Recovery: after open_for, probes get through and the breaker closes.
    down.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let mut recovered = 0;
    for _ in 0..20 {
        if gw.get_payment(&id).await.is_ok() {
            recovered += 1;
        }
    }
    assert!(
        recovered >= 18,
        "closed again after recovery: {recovered} of 20 ok"
    );
}
