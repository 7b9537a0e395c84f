//! Per-call overhead of the full pipeline against its floor (bare reqwest sending the
//! same wire bytes) and against a feature-matched peer stack, on one loopback server.
//!
//! Run: `cargo bench -p portcullis-runtime --bench overhead` (the workspace's bench
//! profile: fat LTO, one codegen unit). `BENCH_CALLS=N` sets calls per round (default
//! 4000), `BENCH_ROUNDS=N` the rounds (default 15); rounds interleave the clients so
//! drift on a shared machine hits them alike, and each ratio is the median over rounds
//! of that round's ratio to the floor. `BENCH_ONLY=<words>` keeps the clients whose
//! name contains one of the comma-separated words (and the floor),
//! `BENCH_CONCURRENCY=N` runs one concurrency instead of 1 and 64, `BENCH_SLOW=0`
//! skips the 20 ms vendor, and `BENCH_NO_FLOOR=1` drops the floor too, for profiling
//! one client alone. `BENCH_WITHOUT=<parts>` runs the pipeline without some of its
//! policies (see [`without`]), to see what each costs, and `BENCH_FLOOR_URL=set_path`
//! has the floor build its URLs as the pipeline does. `BENCH_DETAIL=1` also prints,
//! to stderr, every round's calls/s per client and the pipeline's p50 over the floor's
//! in that round, which shows when the whole machine changes speed mid-run. Prints the
//! tables to paste into BENCHMARKS.md.
//!
//! Each client runs in a process of its own (this binary again, `BENCH_CHILD=<name>`,
//! driven round by round over its stdin), as a service runs one HTTP stack: in one
//! shared process, what one client leaves in the allocator and the caches is paid by
//! the next. The parent still interleaves the rounds. `BENCH_SHARED=1` runs every
//! client in this one process instead, as before stop 35.

#![allow(missing_docs)]

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue};
use portcullis_runtime as rt;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware, Middleware, Next};
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use rt::testing::{MockVendor, Reply};
use serde_json::json;
use tracing::instrument::WithSubscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;

const TOKEN: &str = "sk_bench_token";
const USER_AGENT: &str = concat!("portcullis/", env!("CARGO_PKG_VERSION"));

/// Which vendor route a run calls: the instant one, or the one answering after 20 ms.
#[derive(Clone, Copy)]
struct Route {
    /// The URL path before the id, for the reqwest clients.
    prefix: &'static str,
    /// The same as a template, for the pipeline.
    template: &'static str,
}

const FAST: Route = Route {
    prefix: "/v1/payment_intents/pi_",
    template: "/v1/payment_intents/{intent}",
};
const SLOW: Route = Route {
    prefix: "/v1/slow_intents/pi_",
    template: "/v1/slow_intents/{intent}",
};

#[derive(Clone)]
enum Client {
    /// Bare reqwest with bearer auth only: sends less than the pipeline (reference).
    Bare(reqwest::Client, String),
    /// The floor: bare reqwest sending exactly the pipeline's request, header values
    /// made ahead of time (the pipeline makes its own per call).
    Floor(reqwest::Client, String, Arc<HeaderPool>),
    /// A reqwest-middleware stack; the peer also sends the pipeline's headers.
    Middleware(ClientWithMiddleware, String, &'static str),
    Pipeline(rt::Pipeline, &'static str),
}

/// Which role a client plays in the tables, known without the client (a child holds it).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Floor,
    Pipeline,
    Other,
}

impl Kind {
    fn of(c: &Client) -> Kind {
        match c {
            Client::Floor(..) => Kind::Floor,
            Client::Pipeline(..) => Kind::Pipeline,
            _ => Kind::Other,
        }
    }
}

/// One client under test and the tracing subscriber its calls run under.
#[derive(Clone)]
struct Contender {
    client: Client,
    /// `None`: the process-wide INFO subscriber.
    dispatch: Option<tracing::Dispatch>,
}

impl Client {
    fn name(&self) -> &'static str {
        match self {
            Client::Bare(..) => "bare reqwest (auth only; reference)",
            Client::Floor(..) => "floor: bare reqwest, the pipeline's wire bytes",
            Client::Middleware(_, _, name) | Client::Pipeline(_, name) => name,
        }
    }

    async fn call(&self, route: Route, n: usize) -> u16 {
        match self {
            Client::Bare(c, base) => {
                let r = c
                    .get(format!("{base}{}{n}", route.prefix))
                    .bearer_auth(TOKEN);
                status_after_body(r.send().await.expect("bare send")).await
            }
            Client::Floor(c, _, pool) if pool.set_path => {
                // The pipeline's own way to a URL: the parsed base with its path set.
                let (id, traceparent) = pool.pick(n);
                let mut url = pool.base.clone();
                url.set_path(&format!("{}{n}", route.prefix));
                let mut r = reqwest::Request::new(http::Method::GET, url);
                let headers = r.headers_mut();
                headers.insert(http::header::AUTHORIZATION, pool.authorization.clone());
                headers.insert(X_CORRELATION_ID.clone(), id);
                headers.insert(TRACEPARENT.clone(), traceparent);
                status_after_body(c.execute(r).await.expect("floor send")).await
            }
            Client::Floor(c, base, pool) => {
                let (id, traceparent) = pool.pick(n);
                let r = c
                    .get(format!("{base}{}{n}", route.prefix))
                    .header(http::header::AUTHORIZATION, pool.authorization.clone())
                    .header(&X_CORRELATION_ID, id)
                    .header(&TRACEPARENT, traceparent);
                status_after_body(r.send().await.expect("floor send")).await
            }
            Client::Middleware(c, base, _) => {
                let r = c
                    .get(format!("{base}{}{n}", route.prefix))
                    .bearer_auth(TOKEN)
                    .send()
                    .await
                    .expect("middleware send");
                status_after_body(r).await
            }
            Client::Pipeline(p, _) => {
                let req = rt::Request::new("get_payment", rt::Method::GET, route.template)
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

static X_CORRELATION_ID: HeaderName = HeaderName::from_static("x-correlation-id");
static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// The headers every client that matches the pipeline's request sends on each request
/// through its client's defaults, as the pipeline's own client does.
fn pipeline_defaults() -> reqwest::Client {
    let mut defaults = http::HeaderMap::new();
    defaults.insert(
        http::header::USER_AGENT,
        HeaderValue::from_static(USER_AGENT),
    );
    defaults.insert(
        http::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    reqwest::Client::builder()
        .default_headers(defaults)
        .build()
        .expect("client")
}

/// Per-call header values made ahead, so the floor measures carrying the headers, not
/// making them (each call clones reference-counted values into its request).
struct HeaderPool {
    /// `BENCH_FLOOR_URL=set_path`: the floor builds each URL as the pipeline does, by
    /// setting the path of a parsed base, instead of formatting and parsing it.
    set_path: bool,
    base: reqwest::Url,
    ids: Vec<(HeaderValue, HeaderValue)>,
    authorization: HeaderValue,
}

impl HeaderPool {
    fn new(base: &str) -> Self {
        let shared =
            |s: String| HeaderValue::from_maybe_shared(bytes::Bytes::from(s)).expect("ascii");
        let mut authorization = shared(format!("Bearer {TOKEN}"));
        authorization.set_sensitive(true);
        HeaderPool {
            set_path: std::env::var("BENCH_FLOOR_URL").as_deref() == Ok("set_path"),
            base: reqwest::Url::parse(base).expect("base URL"),
            ids: (0..1024u64)
                .map(|i| {
                    let trace = u128::from(i + 1) * 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835;
                    (
                        shared(format!("{trace:032x}")),
                        shared(format!("00-{trace:032x}-{:016x}-01", (i + 1) * 0x2545_f491)),
                    )
                })
                .collect(),
            authorization,
        }
    }

    fn pick(&self, n: usize) -> (HeaderValue, HeaderValue) {
        self.ids[n % self.ids.len()].clone()
    }
}

/// The correlation-id middleware a user writes: a fresh UUID per call, unless the
/// request already carries one.
struct CorrelationIdMiddleware;

#[async_trait::async_trait]
impl Middleware for CorrelationIdMiddleware {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        if !req.headers().contains_key(&X_CORRELATION_ID) {
            let id = uuid::Uuid::new_v4().simple().to_string();
            let value = HeaderValue::try_from(id).expect("hex is a header value");
            req.headers_mut().insert(X_CORRELATION_ID.clone(), value);
        }
        next.run(req, extensions).await
    }
}

/// governor in front of the stack, at the pipeline's rate and burst.
struct GovernorMiddleware(governor::DefaultDirectRateLimiter);

#[async_trait::async_trait]
impl Middleware for GovernorMiddleware {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        self.0.until_ready().await;
        next.run(req, extensions).await
    }
}

/// The subscriber the peer needs for W3C trace context: a registry with the INFO
/// counter every client has, and the OpenTelemetry layer reqwest-tracing reads the
/// span context from (a tracer provider without exporter: spans are made, not sent).
fn peer_dispatch() -> tracing::Dispatch {
    use opentelemetry::trace::TracerProvider as _;
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let tracer = provider.tracer("bench");
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let subscriber = tracing_subscriber::registry()
        .with(CountLayer.with_filter(tracing_subscriber::filter::LevelFilter::INFO))
        .with(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_filter(tracing_subscriber::filter::LevelFilter::INFO),
        );
    tracing::Dispatch::new(subscriber)
}

/// Counts INFO events, as [`InfoSubscriber`] does, inside a registry.
struct CountLayer;

impl<S: tracing::Subscriber> Layer<S> for CountLayer {
    fn on_event(&self, _: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        EVENTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

static EVENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

struct Sample {
    latencies: Vec<Duration>,
    wall: Duration,
    calls: usize,
}

async fn round(c: &Contender, route: Route, concurrency: usize, calls: usize) -> Sample {
    let per_worker = calls / concurrency;
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let client = c.client.clone();
            let work = async move {
                let mut lat = Vec::with_capacity(per_worker);
                for i in 0..per_worker {
                    let t = Instant::now();
                    let status = client.call(route, w * per_worker + i).await;
                    lat.push(t.elapsed());
                    assert_eq!(status, 200);
                }
                lat
            };
            match &c.dispatch {
                Some(d) => tokio::spawn(work.with_subscriber(d.clone())),
                None => tokio::spawn(work),
            }
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

/// Whether [`InfoSubscriber`] records INFO (`BENCH_WITHOUT=logs` turns it off).
static LOGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// The pipeline's configuration without the parts `list` names (comma-separated:
/// `limit`, `quota`, `retry` (the policy and the retry budget), `timeouts` (the budget
/// and the attempt timeout), `breaker`, `logs`), and its row's name. For profiling
/// what each part costs; the targets are measured with every part on.
fn without(mut config: rt::AdapterConfig, list: Option<&str>) -> (rt::AdapterConfig, &'static str) {
    let Some(list) = list.filter(|l| !l.is_empty()) else {
        return (config, "portcullis pipeline (all policies)");
    };
    let mut policy = config.defaults_mut().clone();
    for part in list.split(',') {
        match part {
            "limit" => config = config.rate_limit(None),
            "quota" => config = config.quota(None),
            "retry" => {
                config = config.retry_budget(None);
                policy.retry = None;
            }
            "timeouts" => {
                policy.budget = None;
                policy.attempt_timeout = None;
            }
            "breaker" => policy.breaker = None,
            "logs" => LOGS.store(false, std::sync::atomic::Ordering::Relaxed),
            other => panic!(
                "BENCH_WITHOUT: unknown part {other:?} (limit, quota, retry, timeouts, breaker, logs)"
            ),
        }
    }
    let name = format!("portcullis pipeline (without {list})");
    (config.defaults(policy), Box::leak(name.into_boxed_str()))
}

/// A production-like log setup: INFO and above are recorded (counted here, where a
/// service would format them), DEBUG is filtered out. The pipeline's `vendor_call`
/// span and its one event per call are INFO, so they are built and recorded; the
/// `vendor_attempt` span and the per-attempt events are DEBUG and filtered. This
/// measures what observability costs a service that logs at INFO, minus the
/// formatting and I/O of its log sink.
struct InfoSubscriber;

impl tracing::Subscriber for InfoSubscriber {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        LOGS.load(std::sync::atomic::Ordering::Relaxed) && *meta.level() <= tracing::Level::INFO
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
        EVENTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn main() {
    tracing::subscriber::set_global_default(InfoSubscriber).expect("first subscriber");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match std::env::var("BENCH_CHILD") {
        Ok(name) => runtime.block_on(child(&name)),
        Err(_) => runtime.block_on(run()),
    }
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The loopback vendor and every client, each checked to send the pipeline's headers.
async fn setup() -> (MockVendor, Vec<Contender>) {
    let vendor = MockVendor::start().await;
    let body =
        json!({"id": "pi_1", "object": "payment_intent", "status": "succeeded", "amount": 2000});
    vendor.route(
        "GET",
        "/v1/payment_intents/{id}",
        vec![Reply::json(200, body.clone())],
    );
    vendor.route(
        "GET",
        "/v1/slow_intents/{id}",
        vec![Reply::json(200, body).with_delay(Duration::from_millis(20))],
    );
    let base = vendor.url();

    let bare = Client::Bare(reqwest::Client::new(), base.clone());
    let floor = Client::Floor(
        pipeline_defaults(),
        base.clone(),
        Arc::new(HeaderPool::new(&base)),
    );
    let backoff = || ExponentialBackoff::builder().build_with_max_retries(2);
    let middleware = Client::Middleware(
        ClientBuilder::new(reqwest::Client::new())
            .with(RetryTransientMiddleware::new_with_policy(backoff()))
            .build(),
        base.clone(),
        "reqwest-middleware + reqwest-retry (reference)",
    );
    // The feature-matched peer, assembled as its crates' docs show: a rate limiter in
    // front (governor, at the pipeline's rate and burst), a correlation id, a span per
    // call with W3C trace context (reqwest-tracing over OpenTelemetry), retries with
    // backoff; the client sends the pipeline's User-Agent and Accept.
    let governor = governor::RateLimiter::direct(
        governor::Quota::per_second(NonZeroU32::new(10_000_000).expect("non-zero"))
            .allow_burst(NonZeroU32::new(10_000).expect("non-zero")),
    );
    let peer = Client::Middleware(
        ClientBuilder::new(pipeline_defaults())
            .with(GovernorMiddleware(governor))
            .with(CorrelationIdMiddleware)
            .with(reqwest_tracing::TracingMiddleware::default())
            .with(RetryTransientMiddleware::new_with_policy(backoff()))
            .build(),
        base.clone(),
        "peer: middleware + retry + tracing (W3C) + correlation id + governor",
    );
    // Every policy on: bearer auth, budget, attempt timeout, retries with the token
    // bucket, the circuit breaker, the rate limiter and the quota, and observability
    // (the `vendor_call` span, the per-call INFO event, the X-Correlation-Id and
    // traceparent headers, metrics through the facade, the health monitor). The rate
    // and the quota are far above what the bench reaches, so they cost their
    // bookkeeping but never make a call wait or fail; the burst keeps two calls that
    // arrive within a few nanoseconds from being spaced by a timer sleep.
    let config = rt::AdapterConfig::new("BenchGateway", base.clone())
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
        .retry_budget(Some(rt::RetryBudgetPolicy::default()))
        .defaults(rt::Policy {
            attempt_timeout: Some(Duration::from_secs(5)),
            budget: Some(Duration::from_secs(20)),
            retry: Some(rt::RetryPolicy::default()),
            breaker: Some(rt::BreakerPolicy::default()),
            ..rt::Policy::default()
        });
    let (config, name) = without(config, std::env::var("BENCH_WITHOUT").ok().as_deref());
    let pipeline = Client::Pipeline(rt::Pipeline::new(config).expect("pipeline"), name);
    let mut contenders: Vec<Contender> = [floor, bare, middleware, pipeline]
        .into_iter()
        .map(|client| Contender {
            client,
            dispatch: None,
        })
        .collect();
    contenders.push(Contender {
        client: peer,
        dispatch: Some(peer_dispatch()),
    });
    check_wire(&vendor, &contenders).await;
    vendor.set_recording(false);
    (vendor, contenders)
}

/// A child process: the one client named `name`, measured round by round as the
/// parent asks on stdin (`<fast|slow> <concurrency> <calls>`); each round's sample goes
/// back as one stdout line, `sample <wall ns> <calls> <latency ns>…`.
async fn child(name: &str) {
    use std::io::{BufRead, Write};
    let (_vendor, contenders) = setup().await;
    let Some(c) = contenders.into_iter().find(|c| c.client.name() == name) else {
        panic!("BENCH_CHILD: no client named {name:?}");
    };
    let mut lines = std::io::stdin().lock().lines();
    let mut out = std::io::stdout().lock();
    while let Some(Ok(line)) = lines.next() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let [route, concurrency, calls] = words[..] else {
            panic!("BENCH_CHILD: a request is `<fast|slow> <concurrency> <calls>`, got {line:?}");
        };
        let route = if route == "slow" { SLOW } else { FAST };
        let parse = |w: &str| w.parse::<usize>().expect("a count");
        let sample = round(&c, route, parse(concurrency), parse(calls)).await;
        let mut text = format!("sample {} {}", sample.wall.as_nanos(), sample.calls);
        for l in &sample.latencies {
            text.push_str(&format!(" {}", l.as_nanos()));
        }
        writeln!(out, "{text}").expect("stdout");
        out.flush().expect("stdout");
    }
}

/// Where the rounds run: every client in this process, or each in a child of its own.
enum Runner {
    Shared(Vec<Contender>),
    Children(Vec<Child>),
}

/// A child process running one client (see [`child`]).
struct Child {
    process: std::process::Child,
    to: std::process::ChildStdin,
    from: std::io::BufReader<std::process::ChildStdout>,
}

impl Child {
    fn spawn(name: &str) -> Child {
        let mut process = std::process::Command::new(std::env::current_exe().expect("this binary"))
            .args(std::env::args().skip(1))
            .env("BENCH_CHILD", name)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn a child bench");
        let to = process.stdin.take().expect("piped stdin");
        let from = std::io::BufReader::new(process.stdout.take().expect("piped stdout"));
        Child { process, to, from }
    }

    fn round(&mut self, route: Route, concurrency: usize, calls: usize) -> Sample {
        use std::io::{BufRead, Write};
        let which = if route.prefix == SLOW.prefix {
            "slow"
        } else {
            "fast"
        };
        writeln!(self.to, "{which} {concurrency} {calls}").expect("child stdin");
        self.to.flush().expect("child stdin");
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.from.read_line(&mut line).expect("child stdout");
            assert!(n > 0, "the child bench exited");
            if line.starts_with("sample ") {
                break;
            }
        }
        let mut numbers = line
            .split_whitespace()
            .skip(1)
            .map(|w| w.parse::<u64>().expect("a number"));
        let wall = Duration::from_nanos(numbers.next().expect("wall"));
        let calls = numbers.next().expect("calls") as usize;
        Sample {
            wall,
            calls,
            latencies: numbers.map(Duration::from_nanos).collect(),
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // Killed and reaped, so no child outlives the bench, even one stuck mid-round.
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Runner {
    async fn round(&mut self, i: usize, route: Route, concurrency: usize, calls: usize) -> Sample {
        match self {
            Runner::Shared(contenders) => round(&contenders[i], route, concurrency, calls).await,
            // The parent only waits: a blocking read keeps it off the cores the child uses.
            Runner::Children(children) => {
                tokio::task::block_in_place(|| children[i].round(route, concurrency, calls))
            }
        }
    }
}

async fn run() {
    let calls = env_or("BENCH_CALLS", 4000);
    let rounds = env_or("BENCH_ROUNDS", 15);
    let (_vendor, mut contenders) = setup().await;
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        contenders.retain(|c| {
            (matches!(c.client, Client::Floor(..)) && std::env::var("BENCH_NO_FLOOR").is_err())
                || only.split(',').any(|w| c.client.name().contains(w))
        });
    }
    let levels: Vec<usize> = match std::env::var("BENCH_CONCURRENCY") {
        Ok(v) => v.parse().map(|n| vec![n]).unwrap_or_else(|_| vec![1, 64]),
        Err(_) => vec![1, 64],
    };

    let names: Vec<&'static str> = contenders.iter().map(|c| c.client.name()).collect();
    let kinds: Vec<Kind> = contenders.iter().map(|c| Kind::of(&c.client)).collect();
    let shared = std::env::var("BENCH_SHARED").as_deref() == Ok("1");
    let mut runner = if shared {
        Runner::Shared(contenders)
    } else {
        drop(contenders);
        Runner::Children(names.iter().map(|n| Child::spawn(n)).collect())
    };
    let place = if shared {
        "all clients in one process"
    } else {
        "each client in a process of its own"
    };
    println!(
        "loopback GET answered at once, {rounds} interleaved rounds x {calls} calls per client and concurrency, {place}\n"
    );
    table(&mut runner, &names, &kinds, FAST, &levels, rounds, |_| {
        calls
    })
    .await;
    if std::env::var("BENCH_SLOW").as_deref() != Ok("0") {
        let slow_rounds = env_or("BENCH_SLOW_ROUNDS", 3);
        println!(
            "\nloopback GET answered after 20 ms, {slow_rounds} interleaved rounds x 100 calls at concurrency 1, 1,600 at 64\n"
        );
        table(
            &mut runner,
            &names,
            &kinds,
            SLOW,
            &levels,
            slow_rounds,
            |c| {
                if c == 1 { 100 } else { c * 25 }
            },
        )
        .await;
    }
}

/// Asserts that the floor, the peer and the pipeline put the same headers on the wire
/// (names; values differ per call), so the floor is what it claims.
async fn check_wire(vendor: &MockVendor, contenders: &[Contender]) {
    let wanted = [
        "user-agent",
        "accept",
        "authorization",
        "x-correlation-id",
        "traceparent",
    ];
    for c in contenders {
        let matched = matches!(c.client, Client::Floor(..) | Client::Pipeline(..))
            || c.client.name().starts_with("peer");
        if !matched {
            continue;
        }
        let before = vendor.received().len();
        round(c, FAST, 1, 1).await;
        let received = vendor.received();
        let req = received.get(before).expect("the call was recorded");
        for name in wanted {
            assert!(
                req.header(name).is_some(),
                "{} sends no {name}: {:?}",
                c.client.name(),
                req.headers
            );
        }
        let tp = req.header("traceparent").unwrap_or_default();
        assert!(
            tp.len() == 55 && tp.starts_with("00-"),
            "{}: traceparent {tp:?}",
            c.client.name()
        );
    }
}

/// One line per round on stderr: each client's calls/s (thousands), then the
/// pipeline's p50 over the floor's in that round.
fn detail(
    names: &[&str],
    samples: &[Vec<Sample>],
    concurrency: usize,
    floor: usize,
    pipeline: Option<usize>,
    p50_of: &dyn Fn(&Sample) -> f64,
    tput_of: &dyn Fn(&Sample) -> f64,
) {
    eprintln!("concurrency {concurrency}, calls/s in thousands per round: {names:?}");
    for r in 0..samples[floor].len() {
        let tputs: Vec<String> = samples
            .iter()
            .map(|s| format!("{:5.1}", tput_of(&s[r]) / 1000.0))
            .collect();
        let ratio = pipeline.map_or(String::new(), |p| {
            format!(
                "  pipeline p50 / floor {:.3}",
                p50_of(&samples[p][r]) / p50_of(&samples[floor][r])
            )
        });
        eprintln!("round {r:3}: {}{ratio}", tputs.join(" "));
    }
}

/// Runs every contender at each concurrency and prints one table, ratios against the
/// floor of the same round, and the pipeline against the peer.
async fn table(
    runner: &mut Runner,
    names: &[&str],
    kinds: &[Kind],
    route: Route,
    levels: &[usize],
    rounds: usize,
    calls_at: impl Fn(usize) -> usize,
) {
    println!(
        "| client | concurrency | p50 | p99 | calls/s | p50 vs floor | throughput vs floor |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    let floor = kinds
        .iter()
        .position(|k| *k == Kind::Floor)
        // Without the floor (`BENCH_NO_FLOOR`, for profiling one client), ratios are
        // to the first client.
        .unwrap_or(0);
    let pipeline = kinds.iter().position(|k| *k == Kind::Pipeline);
    let peer = names.iter().position(|n| n.starts_with("peer"));
    let mut verdicts = Vec::new();
    for &concurrency in levels {
        let calls = calls_at(concurrency);
        // Warm up pools and caches.
        for i in 0..names.len() {
            runner
                .round(i, route, concurrency, calls.div_ceil(4).max(concurrency))
                .await;
        }
        let mut samples: Vec<Vec<Sample>> = names.iter().map(|_| Vec::new()).collect();
        for _ in 0..rounds {
            for (i, sample) in samples.iter_mut().enumerate() {
                sample.push(runner.round(i, route, concurrency, calls).await);
            }
        }
        // Ratios are taken round by round, then the median across rounds: drift on a
        // shared machine between rounds cancels out.
        let median_ratio = |i: usize, of_j: usize, of: &dyn Fn(&Sample) -> f64| {
            let mut r: Vec<f64> = samples[i]
                .iter()
                .zip(&samples[of_j])
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
        if std::env::var("BENCH_DETAIL").as_deref() == Ok("1") {
            detail(
                names,
                &samples,
                concurrency,
                floor,
                pipeline,
                &p50_of,
                &tput_of,
            );
        }
        for (i, name) in names.iter().enumerate() {
            let mut all: Vec<Duration> = samples[i]
                .iter()
                .flat_map(|s| s.latencies.iter().copied())
                .collect();
            all.sort();
            // Median round throughput resists one noisy round.
            let mut tputs: Vec<f64> = samples[i].iter().map(tput_of).collect();
            tputs.sort_by(f64::total_cmp);
            println!(
                "| {} | {concurrency} | {:.1?} | {:.1?} | {:.0} | {:.3}x | {:.3}x |",
                name,
                percentile(&all, 0.5),
                percentile(&all, 0.99),
                tputs[tputs.len() / 2],
                median_ratio(i, floor, &p50_of),
                median_ratio(i, floor, &tput_of),
            );
        }
        if let (Some(p), Some(q)) = (pipeline, peer) {
            verdicts.push(format!(
                "pipeline vs peer at concurrency {concurrency}: p50 {:.3}x, throughput {:.3}x",
                median_ratio(p, q, &p50_of),
                median_ratio(p, q, &tput_of),
            ));
        }
    }
    println!();
    for v in verdicts {
        println!("{v}");
    }
}
