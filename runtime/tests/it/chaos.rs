//! Chaos: many concurrent writes against a vendor that fails on purpose, and an
//! outage the breaker must ride out. Loopback only; bounded in calls and seconds.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portcullis_runtime as rt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rt::testing::{MockVendor, Reply};
use serde_json::json;

const CALLS: usize = 500;
/// Writes in flight at once: a service's worth of concurrency. All 500 at once would
/// measure the CPU's run queue on a busy two-core machine, not the pipeline.
const IN_FLIGHT: usize = 64;
const BUDGET: Duration = Duration::from_millis(1500);

/// How late this machine's timers fire right now, as margin on the budget: 50 ms plus
/// five times the worst lateness of twenty 5 ms sleeps. Measured, because another build
/// on the same cores makes every wake-up late, and a fixed guess would fail there or
/// hide a broken budget here.
async fn measured_slack() -> Duration {
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let start = Instant::now();
        tokio::time::sleep(Duration::from_millis(5)).await;
        worst = worst.max(start.elapsed().saturating_sub(Duration::from_millis(5)));
    }
    Duration::from_millis(50) + worst * 5
}

/// ~30% of requests fail: 503s, resets before answering, answers lost mid-body after
/// the charge was made, and answers slower than the attempt timeout (charge made).
fn flaky_vendor_reply(rng: &Mutex<StdRng>, req: &rt::testing::ReceivedRequest) -> Reply {
    let roll: f64 = rng.lock().unwrap_or_else(|e| e.into_inner()).random();
    let order = req.body_field("metadata[order_id]").unwrap_or_default();
    let ok =
        json!({"id": format!("pi_{order}"), "object": "payment_intent", "status": "succeeded"});
    match roll {
        r if r < 0.10 => Reply::json(503, json!({"error": {"type": "api_error"}})),
        r if r < 0.18 => Reply::reset(),
        r if r < 0.24 => Reply::truncated(200, ok),
        r if r < 0.30 => Reply::json(200, ok).with_delay(Duration::from_millis(400)),
        _ => Reply::json(200, ok),
    }
}

fn chaos_pipeline(url: &str) -> rt::Pipeline {
    let cfg = rt::AdapterConfig::new("StripeGateway", url)
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("sk_test_chaos"),
        })
        .defaults(rt::Policy {
            attempt_timeout: Some(Duration::from_millis(250)),
            budget: Some(BUDGET),
            retry: Some(rt::RetryPolicy {
                attempts: 4,
                base: Duration::from_millis(10),
                cap: Duration::from_millis(200),
                ..Default::default()
            }),
            ..Default::default()
        });
    rt::Pipeline::new(cfg).expect("config")
}

async fn create_payment(
    p: &rt::Pipeline,
    order: usize,
) -> (Result<rt::Response, rt::Error>, Duration) {
    let body = json!({"amount": 1000 + order, "currency": "eur", "metadata": {"order_id": order.to_string()}});
    // Half the calls derive their key from the order id, half from the caller's
    // logical-call id: both must hold up.
    let key = if order % 2 == 0 {
        p.idempotency_key("create_payment", Some(format!("order-{order}")))
            .await
    } else {
        rt::idempotency::logical_call(
            format!("checkout-{order}"),
            p.idempotency_key("create_payment", None),
        )
        .await
    };
    let req = rt::Request::new("create_payment", rt::Method::POST, "/v1/payment_intents")
        .form_body(&body)
        .expect("form")
        .idempotency(&key, rt::KeyPlacement::Header("Idempotency-Key"));
    let t = Instant::now();
    let r = p.send(req).await;
    (r, t.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_under_faults_never_charge_twice() {
    let _serial = super::timing_sensitive().await;
    let vendor = MockVendor::start().await;
    let rng = Mutex::new(StdRng::seed_from_u64(0x5eed));
    vendor.route_fn("POST", "/v1/payment_intents", move |req, _| {
        flaky_vendor_reply(&rng, req)
    });
    let p = chaos_pipeline(&vendor.url());

    let slots = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let run = |orders: Vec<usize>| {
        let tasks: Vec<_> = orders
            .into_iter()
            .map(|order| {
                let p = p.clone();
                let slots = slots.clone();
                tokio::spawn(async move {
                    let _slot = slots.acquire().await.expect("never closed");
                    (order, create_payment(&p, order).await)
                })
            })
            .collect();
        async move {
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.expect("task"));
            }
            out
        }
    };

    let slack = measured_slack().await;
    let results = run((0..CALLS).collect()).await;
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut unknown = Vec::new();
    for (order, (result, took)) in &results {
        assert!(
            *took <= BUDGET + slack,
            "order {order} took {took:?} (slack {slack:?})"
        );
        let label = match result {
            Ok(resp) if resp.is_success() => "ok".to_owned(),
            Ok(resp) => {
                // A final vendor answer the adapter classifies.
                let e = rt::Error::from_vendor_response("create_payment", resp, None, None);
                format!("{:?}", e.kind())
            }
            Err(e) => {
                if e.outcome() == rt::Outcome::Unknown {
                    assert!(
                        e.idempotency_key().is_some(),
                        "unknown outcome without key: {e}"
                    );
                    unknown.push(*order);
                }
                format!("{:?}", e.kind())
            }
        };
        *outcomes.entry(label).or_default() += 1;
    }
    eprintln!(
        "first pass outcomes: {outcomes:?}; unknown outcomes: {}",
        unknown.len()
    );
    assert_eq!(outcomes.values().sum::<usize>(), CALLS);
    assert!(
        outcomes.get("ok").copied().unwrap_or(0) > CALLS / 2,
        "{outcomes:?}"
    );

    // The callers replay every call that did not succeed, as a checkout would.
    let retry_orders: Vec<usize> = results
        .iter()
        .filter(|(_, (r, _))| !matches!(r, Ok(resp) if resp.is_success()))
        .map(|(o, _)| *o)
        .collect();
    let replays = run(retry_orders).await;
    for (order, (_, took)) in &replays {
        assert!(
            *took <= BUDGET + slack,
            "replay of {order} took {took:?} (slack {slack:?})"
        );
    }

    let ledger = vendor.ledger();
    let duplicates = ledger.duplicates_by(|e| e.body_field("metadata[order_id]"));
    assert!(duplicates.is_empty(), "duplicate charges: {duplicates:?}");
    assert!(ledger.len() <= CALLS);
    let replayed: u32 = ledger.entries.iter().map(|e| e.replays).sum();
    eprintln!(
        "ledger: {} charges, {} answered from the idempotency record, {} requests",
        ledger.len(),
        replayed,
        vendor.received().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_opens_the_breaker_then_probes_close_it() {
    let _serial = super::timing_sensitive().await;
    const OUTAGE: Duration = Duration::from_secs(10);
    let vendor = MockVendor::start().await;
    let down = Arc::new(AtomicBool::new(false));
    let flag = down.clone();
    vendor.route_fn("GET", "/v1/payment_intents/{id}", move |_, _| {
        if flag.load(Ordering::SeqCst) {
            Reply::json(503, json!({"error": {"type": "api_error"}}))
        } else {
            Reply::json(200, json!({"id": "pi_1", "status": "succeeded"}))
        }
    });
    let cfg = rt::AdapterConfig::new("StripeGateway", vendor.url())
        .allow_insecure_http(true)
        .defaults(rt::Policy {
            attempt_timeout: Some(Duration::from_millis(200)),
            budget: Some(Duration::from_millis(500)),
            retry: Some(rt::RetryPolicy {
                attempts: 2,
                base: Duration::from_millis(5),
                cap: Duration::from_millis(20),
                ..Default::default()
            }),
            breaker: Some(rt::BreakerPolicy {
                window: Duration::from_secs(5),
                min_calls: 10,
                open_for: Duration::from_secs(2),
                half_open_probes: 3,
                ..Default::default()
            }),
            ..Default::default()
        });
    let p = rt::Pipeline::new(cfg).expect("config");

    let started = Instant::now();
    let open_fast: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let states: Arc<Mutex<Vec<rt::breaker::BreakerState>>> = Arc::default();
    let flag = down.clone();
    // The outage starts after 1 s and lasts OUTAGE; callers keep calling throughout.
    let outage = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        flag.store(true, Ordering::SeqCst);
        tokio::time::sleep(OUTAGE).await;
        flag.store(false, Ordering::SeqCst);
    });
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let p = p.clone();
            let open_fast = open_fast.clone();
            let states = states.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                while started.elapsed() < OUTAGE + Duration::from_secs(5) {
                    let req = rt::Request::new(
                        "get_payment",
                        rt::Method::GET,
                        "/v1/payment_intents/{id}",
                    )
                    .path_param("id", format!("pi_{w}_{n}"));
                    let t = Instant::now();
                    match p.send(req).await {
                        Err(e) if e.kind() == rt::ErrorKind::Unavailable => {
                            open_fast
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push(t.elapsed());
                        }
                        _ => {}
                    }
                    {
                        let s = p.breaker("get_payment").state();
                        let mut states = states.lock().unwrap_or_else(|e| e.into_inner());
                        if states.last() != Some(&s) {
                            states.push(s);
                        }
                    }
                    n += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
    outage.await.expect("outage");

    let states = states.lock().unwrap_or_else(|e| e.into_inner()).clone();
    use rt::breaker::BreakerState::*;
    assert!(states.contains(&Open), "{states:?}");
    assert!(states.contains(&HalfOpen), "{states:?}");
    assert_eq!(states.last(), Some(&Closed), "{states:?}");
    assert_eq!(p.breaker("get_payment").state(), Closed);

    let mut fast = open_fast.lock().unwrap_or_else(|e| e.into_inner()).clone();
    fast.sort();
    assert!(
        fast.len() > 100,
        "calls failed fast while open: {}",
        fast.len()
    );
    let p99 = fast[fast.len() * 99 / 100];
    eprintln!(
        "breaker states {states:?}; {} fast failures, p50 {:?}, p99 {p99:?}, max {:?}",
        fast.len(),
        fast[fast.len() / 2],
        fast[fast.len() - 1]
    );
    assert!(
        p99 < Duration::from_millis(1),
        "open calls must fail in under 1 ms: p99 {p99:?}"
    );

    // While open, the vendor saw only the probes: far fewer requests than calls.
    let received = vendor.received().len();
    let calls_made = received + fast.len();
    assert!(
        received < calls_made / 2,
        "vendor saw {received} of {calls_made} calls"
    );
}
