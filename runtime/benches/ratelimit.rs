//! The rate limiter under 10x the documented rate, against a vendor that enforces it.
//!
//! Run: `cargo bench -p portcullis-runtime --bench ratelimit` (release build; needs
//! Debian's `redis-server` on the PATH; loopback only, about 20 s).
//! `BENCH_RATE=N` sets the vendor's rate per second (default 100), `BENCH_SECONDS=N`
//! how long load is offered per scenario (default 5). Every scenario offers 10x the
//! rate, spread over its replicas, each call with a 1 s budget; it stops by itself.
//! `BENCH_LOG=1` writes the runtime's log lines (pauses, refusals) to stderr.
//! Prints one table; paste it into BENCHMARKS.md.

#![allow(missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portcullis_runtime as rt;
use rt::testing::{MockVendor, RedisServer, Reply};
use serde_json::json;

struct Outcome {
    ok: usize,
    refused: usize,
    other_errors: usize,
    vendor_429: usize,
    waits: Vec<Duration>,
    elapsed: Duration,
    redis_trips: Option<u64>,
    calls: usize,
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pipeline(
    vendor: &MockVendor,
    rate: Option<rt::RateLimit>,
    shared: rt::SharedState,
) -> rt::Pipeline {
    let cfg = rt::AdapterConfig::new("BenchGateway", vendor.url())
        .allow_insecure_http(true)
        .defaults(rt::Policy {
            budget: Some(Duration::from_secs(1)),
            retry: Some(rt::RetryPolicy::none()),
            breaker: Some(rt::BreakerPolicy::disabled()),
            ..Default::default()
        })
        .rate_limit(rate)
        .shared_state(shared);
    rt::Pipeline::new(cfg).expect("bench config")
}

async fn offer(
    replicas: Vec<rt::Pipeline>,
    vendor: &MockVendor,
    rate: u64,
    seconds: u64,
) -> Outcome {
    let results = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let stop = start + Duration::from_secs(seconds);
    let per_replica = (rate * 10).div_ceil(replicas.len() as u64).max(1);
    let mut tasks = Vec::new();
    for p in &replicas {
        let (p, results) = (p.clone(), results.clone());
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1) / per_replica as u32);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut calls = Vec::new();
            while Instant::now() < stop {
                tick.tick().await;
                let (p, results) = (p.clone(), results.clone());
                calls.push(tokio::spawn(async move {
                    let r = p
                        .send(rt::Request::new("list", rt::Method::GET, "/v1/things"))
                        .await;
                    let summary = match r {
                        Ok(resp) => Ok((resp.status(), resp.rate_limit_wait())),
                        Err(e) => Err(matches!(
                            e,
                            rt::Error::RateLimited {
                                by: rt::LimitedBy::RateLimiter,
                                ..
                            }
                        )),
                    };
                    results.lock().expect("lock").push(summary);
                }));
            }
            for c in calls {
                let _ = c.await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed();
    let results = std::mem::take(&mut *results.lock().expect("lock"));
    let mut out = Outcome {
        ok: 0,
        refused: 0,
        other_errors: 0,
        vendor_429: vendor.rate_limited(),
        waits: Vec::new(),
        elapsed,
        redis_trips: replicas
            .iter()
            .map(|p| p.redis().map(rt::shared::RedisState::round_trips))
            .sum(),
        calls: results.len(),
    };
    for r in results {
        match r {
            Ok((200, wait)) => {
                out.ok += 1;
                out.waits.push(wait);
            }
            Ok(_) => {}
            Err(true) => out.refused += 1,
            Err(false) => out.other_errors += 1,
        }
    }
    out.waits.sort();
    out
}

async fn vendor_for(rate: u64) -> MockVendor {
    let vendor = MockVendor::start().await;
    vendor.set_recording(false);
    // The vendor's own limiter: its rate with a 10 % burst allowance.
    vendor.limit_rate(rate, Duration::from_secs(1), (rate / 10).max(1));
    vendor.route(
        "GET",
        "/v1/things",
        vec![Reply::json(200, json!({"data": []}))],
    );
    vendor
}

#[tokio::main]
async fn main() {
    if std::env::var_os("BENCH_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::stderr)
            .init();
    }
    let rate = env("BENCH_RATE", 100);
    let seconds = env("BENCH_SECONDS", 5);
    let redis = RedisServer::start().await;
    let limit = || Some(rt::RateLimit::new(rate, Duration::from_secs(1)));
    let redis_state = |replicas: u32| {
        rt::SharedState::Redis(rt::RedisConfig {
            replicas,
            ..rt::RedisConfig::new(redis.url())
        })
    };

    let mut rows = Vec::new();
    {
        let vendor = vendor_for(rate).await;
        let replicas = (0..4)
            .map(|_| pipeline(&vendor, None, rt::SharedState::Local))
            .collect();
        rows.push((
            "4 replicas, no client-side limit",
            offer(replicas, &vendor, rate, seconds).await,
        ));
    }
    {
        let vendor = vendor_for(rate).await;
        let replicas = vec![pipeline(&vendor, limit(), rt::SharedState::Local)];
        rows.push((
            "1 replica, in-process limiter",
            offer(replicas, &vendor, rate, seconds).await,
        ));
    }
    {
        let vendor = vendor_for(rate).await;
        let replicas = (0..4)
            .map(|_| pipeline(&vendor, limit(), rt::SharedState::Local))
            .collect();
        rows.push((
            "4 replicas, in-process limiters (not shared)",
            offer(replicas, &vendor, rate, seconds).await,
        ));
    }
    {
        let vendor = vendor_for(rate).await;
        let replicas = (0..4)
            .map(|_| pipeline(&vendor, limit(), redis_state(4)))
            .collect();
        rows.push((
            "4 replicas, one Redis",
            offer(replicas, &vendor, rate, seconds).await,
        ));
    }

    println!(
        "offered load {}/s (10x the vendor's {rate}/s) for {seconds} s per scenario; budget 1 s per call\n",
        rate * 10
    );
    println!(
        "| scenario | calls | vendor 429s | utilisation of the rate | p50 / p99 queue wait | refused client-side | Redis round trips per call |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, o) in rows {
        let pct = |q: f64| {
            o.waits
                .get(((o.waits.len() as f64 - 1.0) * q).round().max(0.0) as usize)
                .copied()
                .unwrap_or_default()
        };
        let utilisation = o.ok as f64 / (rate as f64 * o.elapsed.as_secs_f64());
        let trips = o.redis_trips.map_or("-".to_owned(), |t| {
            format!("{:.2}", t as f64 / o.calls.max(1) as f64)
        });
        println!(
            "| {name} | {} | {} | {:.1} % | {:.0} ms / {:.0} ms | {}{} | {trips} |",
            o.calls,
            o.vendor_429,
            utilisation * 100.0,
            pct(0.5).as_secs_f64() * 1000.0,
            pct(0.99).as_secs_f64() * 1000.0,
            o.refused,
            if o.other_errors > 0 {
                format!(" (+{} other errors)", o.other_errors)
            } else {
                String::new()
            },
        );
    }
}
