//! Per-call overhead of the full pipeline against bare reqwest and against a
//! reqwest-middleware + reqwest-retry stack, on the same loopback server.
//!
//! Run: `cargo bench -p portcullis-runtime --bench overhead` (the workspace's bench
//! profile: fat LTO, one codegen unit). `BENCH_CALLS=N` sets calls per round (default
//! 4000), `BENCH_ROUNDS=N` the rounds (default 15); rounds interleave the clients so
//! drift on a shared machine hits them alike, and each ratio is the median over rounds
//! of that round's ratio to bare reqwest. `BENCH_ONLY=<words>` keeps the clients whose
//! name contains one of the comma-separated words (and bare reqwest), and
//! `BENCH_CONCURRENCY=N` runs one concurrency instead of 1 and 64, for profiling.
//! Prints one table; paste it into BENCHMARKS.md.

#![allow(missing_docs)]

use std::time::{Duration, Instant};

use portcullis_runtime as rt;
use reqwest_middleware::ClientBuilder;
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

const TOKEN: &str = "sk_bench_token";

#[derive(Clone)]
enum Client {
    /// Bare reqwest, optionally sending the pipeline's three headers.
    Bare(reqwest::Client, String, Option<std::sync::Arc<HeaderPool>>),
    Middleware(reqwest_middleware::ClientWithMiddleware, String),
    Pipeline(rt::Pipeline, &'static str),
}

impl Client {
    fn name(&self) -> &'static str {
        match self {
            Client::Bare(_, _, None) => "bare reqwest",
            Client::Bare(_, _, Some(_)) => "bare reqwest + the pipeline's three headers",
            Client::Middleware(..) => "reqwest-middleware + reqwest-retry",
            Client::Pipeline(_, name) => name,
        }
    }

    async fn call(&self, n: usize) -> u16 {
        match self {
            Client::Bare(c, base, headers) => {
                let mut r = c
                    .get(format!("{base}/v1/payment_intents/pi_{n}"))
                    .bearer_auth(TOKEN);
                if let Some(pool) = headers {
                    let (id, traceparent) = pool.pick(n);
                    r = r
                        .header(reqwest::header::USER_AGENT, USER_AGENT)
                        .header("x-correlation-id", id)
                        .header("traceparent", traceparent);
                }
                status_after_body(r.send().await.expect("bare send")).await
            }
            Client::Middleware(c, base) => {
                let r = c
                    .get(format!("{base}/v1/payment_intents/pi_{n}"))
                    .bearer_auth(TOKEN)
                    .send()
                    .await
                    .expect("middleware send");
                status_after_body(r).await
            }
            Client::Pipeline(p, _) => {
                let req = rt::Request::new(
                    "get_payment",
                    rt::Method::GET,
                    "/v1/payment_intents/{intent}",
                )
                .path_param("intent", format_args!("pi_{n}"));
                p.send(req).await.expect("pipeline send").status()
            }
        }
    }
}

/// Reads the whole body, as the pipeline does, and returns the status.
async fn status_after_body(r: reqwest::Response) -> u16 {
    let status = r.status().as_u16();
    let _ = r.bytes().await.expect("body");
    status
}

const USER_AGENT: &str = concat!("portcullis/", env!("CARGO_PKG_VERSION"));

/// Per-call header values made ahead, so the reference row measures carrying the
/// headers, not formatting them (each call still copies its values into the request).
struct HeaderPool(Vec<(String, String)>);

impl HeaderPool {
    fn new() -> Self {
        HeaderPool(
            (0..1024u64)
                .map(|i| {
                    let trace = u128::from(i + 1) * 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835;
                    (
                        format!("{trace:032x}"),
                        format!("00-{trace:032x}-{:016x}-01", (i + 1) * 0x2545_f491),
                    )
                })
                .collect(),
        )
    }

    fn pick(&self, n: usize) -> (String, String) {
        self.0[n % self.0.len()].clone()
    }
}

struct Sample {
    latencies: Vec<Duration>,
    wall: Duration,
    calls: usize,
}

async fn round(client: &Client, concurrency: usize, calls: usize) -> Sample {
    let per_worker = calls / concurrency;
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per_worker);
                for i in 0..per_worker {
                    let t = Instant::now();
                    let status = client.call(w * per_worker + i).await;
                    lat.push(t.elapsed());
                    assert_eq!(status, 200);
                }
                lat
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(calls);
    for w in workers {
        latencies.extend(w.await.expect("worker"));
    }
    Sample {
        wall: started.elapsed(),
        calls: per_worker * concurrency,
        latencies,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// A production-like log setup: INFO and above are recorded (counted here, where a
/// service would format them), DEBUG is filtered out. The pipeline's `vendor_call`
/// span and its one event per call are INFO, so they are built and recorded; the
/// `vendor_attempt` span and the per-attempt events are DEBUG and filtered. This
/// measures what observability costs a service that logs at INFO, minus the
/// formatting and I/O of its log sink.
struct InfoSubscriber {
    events: std::sync::atomic::AtomicU64,
}

impl tracing::Subscriber for InfoSubscriber {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        *meta.level() <= tracing::Level::INFO
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::INFO)
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {
        self.events
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn main() {
    tracing::subscriber::set_global_default(InfoSubscriber {
        events: std::sync::atomic::AtomicU64::new(0),
    })
    .expect("first subscriber");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let calls: usize = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let vendor = MockVendor::start().await;
    vendor.set_recording(false);
    vendor.route(
        "GET",
        "/v1/payment_intents/{id}",
        vec![Reply::json(200, json!({"id": "pi_1", "object": "payment_intent", "status": "succeeded", "amount": 2000}))],
    );
    let base = vendor.url();

    let bare = Client::Bare(reqwest::Client::new(), base.clone(), None);
    let retry = ExponentialBackoff::builder().build_with_max_retries(2);
    let middleware = Client::Middleware(
        ClientBuilder::new(reqwest::Client::new())
            .with(RetryTransientMiddleware::new_with_policy(retry))
            .build(),
        base.clone(),
    );
    // Every policy on: bearer auth, budget, attempt timeout, retries with the token
    // bucket, the circuit breaker, the rate limiter and the quota, and observability
    // (the `vendor_call` span, the per-call INFO event, the X-Correlation-Id and
    // traceparent headers, metrics through the facade, the health monitor). The rate
    // and the quota are far above what the bench reaches, so they cost their
    // bookkeeping but never make a call wait or fail; the burst keeps two calls that
    // arrive within a few nanoseconds from being spaced by a timer sleep.
    let everything_on = |breaker: rt::BreakerPolicy, limits: Option<Duration>| {
        rt::AdapterConfig::new("BenchGateway", base.clone())
            .allow_insecure_http(true)
            .auth(rt::AuthConfig::Bearer {
                token: rt::SecretSource::literal(TOKEN),
            })
            .rate_limit(Some(
                rt::RateLimit::new(10_000_000, Duration::from_secs(1)).burst(10_000),
            ))
            .quota(Some(rt::QuotaPolicy::new(
                1_000_000_000_000,
                Duration::from_secs(24 * 3600),
            )))
            .defaults(rt::Policy {
                attempt_timeout: Some(limits.map_or(Duration::ZERO, |_| Duration::from_secs(5))),
                budget: Some(limits.unwrap_or(Duration::ZERO)),
                retry: Some(rt::RetryPolicy::default()),
                breaker: Some(breaker),
                ..rt::Policy::default()
            })
    };
    let pipeline = Client::Pipeline(
        rt::Pipeline::new(everything_on(
            rt::BreakerPolicy::default(),
            Some(Duration::from_secs(20)),
        ))
        .expect("pipeline"),
        "portcullis pipeline (all policies)",
    );
    // The same without time limits and breaker, to show what those two cost.
    let lean = Client::Pipeline(
        rt::Pipeline::new(everything_on(rt::BreakerPolicy::disabled(), None)).expect("pipeline"),
        "portcullis pipeline (no time limits, no breaker)",
    );
    let mut clients = vec![bare, middleware, pipeline, lean];
    // Where the pipeline's cost goes: the same pipeline without the two observability
    // headers, and bare reqwest sending the three headers the pipeline adds
    // (User-Agent, X-Correlation-Id, traceparent) with per-call values.
    clients.push(Client::Pipeline(
        rt::Pipeline::new(
            everything_on(rt::BreakerPolicy::default(), Some(Duration::from_secs(20)))
                .correlation_header(None)
                .traceparent(false),
        )
        .expect("pipeline"),
        "portcullis pipeline (all policies, no correlation headers)",
    ));
    clients.push(Client::Bare(
        reqwest::Client::new(),
        base.clone(),
        Some(std::sync::Arc::new(HeaderPool::new())),
    ));
    // BENCH_ONLY=<word> keeps the clients whose name contains it (bare reqwest stays
    // as the reference), for profiling one client at a time.
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        clients.retain(|c| {
            matches!(c, Client::Bare(_, _, None)) || only.split(',').any(|w| c.name().contains(w))
        });
    }

    println!(
        "loopback GET, {rounds} interleaved rounds x {calls} calls per client and concurrency\n"
    );
    println!(
        "| client | concurrency | p50 | p99 | calls/s | p50 vs bare | throughput vs bare |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    // BENCH_CONCURRENCY=<n> runs one concurrency instead of both, for profiling.
    let levels: Vec<usize> = match std::env::var("BENCH_CONCURRENCY") {
        Ok(v) => v.parse().map(|n| vec![n]).unwrap_or_else(|_| vec![1, 64]),
        Err(_) => vec![1, 64],
    };
    for concurrency in levels {
        // Warm up pools and caches.
        for c in &clients {
            round(c, concurrency, calls / 4).await;
        }
        let mut samples: Vec<Vec<Sample>> = clients.iter().map(|_| Vec::new()).collect();
        for _ in 0..rounds {
            for (i, c) in clients.iter().enumerate() {
                samples[i].push(round(c, concurrency, calls).await);
            }
        }
        let stats: Vec<(Duration, Duration, f64)> = samples
            .iter()
            .map(|rounds| {
                let mut all: Vec<Duration> = rounds
                    .iter()
                    .flat_map(|s| s.latencies.iter().copied())
                    .collect();
                all.sort();
                // Median round throughput resists one noisy round.
                let mut tputs: Vec<f64> = rounds
                    .iter()
                    .map(|s| s.calls as f64 / s.wall.as_secs_f64())
                    .collect();
                tputs.sort_by(f64::total_cmp);
                (
                    percentile(&all, 0.5),
                    percentile(&all, 0.99),
                    tputs[tputs.len() / 2],
                )
            })
            .collect();
        // Ratios are taken round by round against that round's bare reqwest, then the
        // median across rounds: drift on a shared machine between rounds cancels out.
        let median_ratio = |i: usize, of: &dyn Fn(&Sample) -> f64| {
            let mut r: Vec<f64> = samples[i]
                .iter()
                .zip(&samples[0])
                .map(|(s, b)| of(s) / of(b))
                .collect();
            r.sort_by(f64::total_cmp);
            r[r.len() / 2]
        };
        let p50_of = |s: &Sample| {
            let mut l = s.latencies.clone();
            l.sort();
            percentile(&l, 0.5).as_secs_f64()
        };
        let tput_of = |s: &Sample| s.calls as f64 / s.wall.as_secs_f64();
        for (i, (c, (p50, p99, tput))) in clients.iter().zip(&stats).enumerate() {
            println!(
                "| {} | {concurrency} | {p50:.1?} | {p99:.1?} | {tput:.0} | {:.3}x | {:.3}x |",
                c.name(),
                median_ratio(i, &p50_of),
                median_ratio(i, &tput_of),
            );
        }
    }
}
