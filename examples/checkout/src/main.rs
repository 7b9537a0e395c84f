//! `checkout ORDER AMOUNT CURRENCY PAYMENT_METHOD`: charges one order through the
//! configured provider.
//!
//! `checkout serve --addr 127.0.0.1:PORT`: receives the providers' webhooks on
//! `POST /webhooks/<provider>` for every provider whose mapping has `webhooks:`, and
//! keeps the checkout's record of payments current, logging each change; the secrets
//! are the ones the mappings name (a provider whose secret is unset is not served).
//!
//! Configuration, all from the environment:
//! * `PAYMENT_PROVIDER`: one of the generated `PaymentProvider::NAMES` (the names of
//!   the mapping files in build.rs); an unset or unknown name fails at start-up with
//!   the list;
//! * the provider's secret, as its mapping names it (its INTEGRATION.md lists it);
//! * `PAYMENT_BASE_URL`, optionally: a sandbox, or a local mock on 127.0.0.1;
//! * `CORRELATION_ID`, optionally: the id the payment's log lines and vendor calls
//!   carry (a service takes it from the incoming request); generated when unset;
//! * `METRICS_ADDR`, optionally (`127.0.0.1:9464`): serves Prometheus metrics on
//!   `http://METRICS_ADDR/metrics`, and keeps serving after the payment until standard
//!   input closes, so they can be scraped;
//! * `REDIS_URL`, optionally (`redis://127.0.0.1:6379`), with `REPLICAS` (how many
//!   processes share the provider account): rate limits, quotas, idempotency keys
//!   and the fallback cache live in that Redis, so the replicas stay under the
//!   provider's limits together;
//! * `RUST_LOG`: log filter (default `info`). Logs are JSON lines on standard error.
//!
//! Swapping providers is a configuration change: the code below is written against the
//! `PaymentGateway` port and never names a vendor type.

use checkout::Checkout;
use checkout::domain::PaymentGateway;
use checkout::providers::PaymentProvider;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use portcullis_runtime::observe::metrics::{CALL_DURATION_SECONDS, DURATION_BUCKETS};
use portcullis_runtime::{AdapterConfig, CorrelationId, RedisConfig, SharedState};
use std::process::ExitCode;
use tracing::Instrument;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        return serve(&args[1..]).await;
    }
    let [order, amount, currency, payment_method] = args.as_slice() else {
        eprintln!("usage: checkout ORDER AMOUNT_MINOR_UNITS CURRENCY PAYMENT_METHOD");
        return ExitCode::FAILURE;
    };
    let Ok(amount) = amount.parse::<i64>() else {
        eprintln!("amount must be a whole number of minor units, e.g. 2000 for 20.00");
        return ExitCode::FAILURE;
    };
    let metrics = match observability() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let correlation = std::env::var("CORRELATION_ID")
        .ok()
        .and_then(|id| CorrelationId::parse(&id))
        .unwrap_or_else(CorrelationId::generate);
    let span = tracing::info_span!("checkout", order_id = %order, correlation_id = %correlation);
    let order = Order {
        id: order,
        amount,
        currency,
        payment_method,
    };
    let work = async {
        let gateway = PaymentProvider::from_env(configure);
        if let Ok(g) = &gateway {
            tracing::info!(provider = g.name(), "charging order");
        }
        pay(gateway, order).await
    };
    // The scope puts the id on every vendor call; the span on this service's own lines.
    let result = correlation.scope(work.instrument(span)).await;
    let code = match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(line) => {
            eprintln!("{line}");
            ExitCode::FAILURE
        }
    };
    if metrics {
        // A one-shot command would exit before anyone scraped it.
        let mut sink = Vec::new();
        let _ = tokio::io::AsyncReadExt::read_to_end(&mut tokio::io::stdin(), &mut sink).await;
    }
    code
}

/// JSON log lines on standard error; a Prometheus endpoint when `METRICS_ADDR` is set
/// (returns whether it is).
fn observability() -> Result<bool, String> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(std::io::stderr)
        .init();
    let Ok(addr) = std::env::var("METRICS_ADDR") else {
        return Ok(false);
    };
    let addr: std::net::SocketAddr = addr
        .parse()
        .map_err(|e| format!("METRICS_ADDR {addr:?} is not host:port: {e}"))?;
    // Before any pipeline is built: pipelines cache their metric handles.
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .set_buckets_for_metric(
            Matcher::Full(CALL_DURATION_SECONDS.into()),
            DURATION_BUCKETS,
        )
        .and_then(|b| b.install())
        .map_err(|e| format!("cannot serve metrics on {addr}: {e}"))?;
    tracing::info!(%addr, "serving Prometheus metrics on /metrics");
    Ok(true)
}

struct Order<'a> {
    id: &'a str,
    amount: i64,
    currency: &'a str,
    payment_method: &'a str,
}

/// The mapping's configuration, pointed at `PAYMENT_BASE_URL` when set.
fn configure(config: AdapterConfig) -> AdapterConfig {
    let config = match std::env::var("PAYMENT_BASE_URL") {
        Ok(url) => {
            let local = url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost");
            config.base_url(url).allow_insecure_http(local)
        }
        Err(_) => config,
    };
    // Replicas share the provider's rate limit and quota (and idempotency keys and the
    // fallback cache) through one Redis; without it each process keeps its own.
    let config = match std::env::var("REDIS_URL") {
        Ok(url) => {
            let replicas = std::env::var("REPLICAS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            config.shared_state(SharedState::Redis(RedisConfig {
                replicas,
                ..RedisConfig::new(url)
            }))
        }
        Err(_) => config,
    };
    config.on_quota_event(|e| {
        tracing::warn!(vendor = %e.vendor, used = e.used, limit = e.limit, threshold = e.threshold, "payment provider quota nearly used; page the on-call")
    })
}

async fn pay<G: PaymentGateway, E: std::fmt::Display>(
    gateway: Result<G, E>,
    order: Order<'_>,
) -> Result<String, String> {
    let gateway = gateway.map_err(|e| format!("cannot configure the payment provider: {e}"))?;
    Checkout::new(gateway)
        .pay(order.id, order.amount, order.currency, order.payment_method)
        .await
        .map(|payment| format!("{payment:?}"))
        .map_err(|e| format!("payment failed: {e}"))
}

/// `checkout serve --addr HOST:PORT`: the webhook routes, until the process is stopped.
async fn serve(args: &[String]) -> ExitCode {
    let addr = match args {
        [flag, addr] if flag == "--addr" => addr,
        _ => {
            eprintln!("usage: checkout serve --addr 127.0.0.1:PORT");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = observability() {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let app = match checkout::serve::router(checkout::payments::Payments::new()) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("cannot set up the webhook routes: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(addr.as_str()).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(%addr, "serving webhooks");
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webhook server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
