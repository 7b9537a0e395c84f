//! The pipeline every adapter call goes through.
//!
//! # Layer order
//!
//! Like tower's `ServiceBuilder`, order decides behaviour, so it is fixed here and
//! nowhere else. From outside in, for one [`Pipeline::send`]:
//!
//! ```text
//! span (adapter, operation)           one tracing span per logical call
//! └─ budget                           deadline fixed now; covers everything below
//!    └─ request build + auth          URL, headers, credential: errors are Config, never sent
//!       └─ retry loop                 safe-to-retry rule, retry token bucket, full-jitter backoff,
//!          │                          Retry-After; a wait that does not fit the budget ends the call
//!          └─ circuit breaker         asked before *every* attempt; open -> Unavailable, no network
//!             └─ attempt timeout      min(attempt_timeout, remaining budget)
//!                └─ send + read body  reqwest; the whole body is read inside the attempt
//!                   └─ classify       final response / retryable status / timeout / transport
//! └─ idempotency store                remember the key if the outcome is unknown
//! ```
//!
//! Why these choices:
//!
//! * **Budget outside retry**: the budget bounds the caller's wait, so backoff sleeps
//!   and `Retry-After` waits spend from it. A wait that cannot fit is not slept: the
//!   call returns at once.
//! * **Attempt timeout inside retry**: each attempt gets its own limit, so one stuck
//!   connection costs one attempt, not the call.
//! * **Breaker inside retry**: it records every attempt, which detects an outage from
//!   the first failures rather than after whole calls fail, and a breaker that opens
//!   mid-call stops that call's remaining retries. design.md draws the breaker outside
//!   the retry loop; admitting each attempt is the stricter reading of it: a call that
//!   finds the breaker open still fails before touching the network.
//! * **Body read inside the attempt**: a connection reset or truncation while reading
//!   the body is a failed attempt (retried when safe), not a decode error later.
//! * **Decode outside the pipeline**: `send` returns the final [`Response`]; generated
//!   code decodes it with [`Response::decode_json`] and maps vendor errors with
//!   [`Error::from_vendor_response`], because only it knows the spec's error schema.
//!
//! Seams for later issues: the rate limiter and quota sit between the breaker and the
//! attempt (`acquire` then send); metrics read the same classification the breaker does;
//! fallbacks wrap `send` from the adapter side.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http::{HeaderName, HeaderValue, Method};
use tokio::time::Instant;
use tracing::Instrument;

use crate::auth::{Authenticator, Credential};
use crate::breaker::{BreakerScope, CallOutcome, CircuitBreaker};
use crate::config::AdapterConfig;
use crate::error::{Error, Outcome, TimeoutLimit};
use crate::idempotency::{
    IdempotencyKey, IdempotencyStore, InMemoryIdempotencyStore, KeyPlacement, fingerprint_digest,
};
use crate::policy::Resolved;
use crate::request::{Request, push_query_pair};
use crate::response::Response;
use crate::retry::{AttemptFailure, RetryBudget, backoff, is_safe_to_retry, retry_after};
use crate::timeout::{Deadline, run_until};

/// Sends adapter calls through auth, time limits, retries, idempotency and the circuit
/// breaker. `Clone` is cheap (one `Arc`); share one per adapter.
#[derive(Clone, Debug)]
pub struct Pipeline {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    name: String,
    /// The parsed base URL; each request clones it and sets path and query, which
    /// skips re-parsing scheme and host on every call.
    base: reqwest::Url,
    client: reqwest::Client,
    auth: Authenticator,
    user_agent: HeaderValue,
    /// Whether our own client already adds User-Agent and Accept as default headers
    /// (a caller's client does not).
    client_has_defaults: bool,
    defaults: Resolved,
    configured: HashMap<String, Resolved>,
    adapter_breaker: Arc<CircuitBreaker>,
    op_breakers: Mutex<HashMap<String, Arc<CircuitBreaker>>>,
    retry_budget: Option<RetryBudget>,
    store: Arc<dyn IdempotencyStore>,
    key_ttl: Duration,
}

/// What one attempt produced.
enum Attempt {
    Done(Response),
    Failed(Failed),
}

/// An attempt that did not produce a final answer.
struct Failed {
    failure: AttemptFailure,
    /// The response, when the failure is a retryable status.
    response: Option<Response>,
    /// The underlying error (URL stripped), for transport failures.
    error: Option<reqwest::Error>,
    /// Which limit elapsed, for timeouts.
    limit: Option<TimeoutLimit>,
}

impl Pipeline {
    /// Validates `config` and builds the pipeline: the base URL must parse, and be
    /// `https` unless [`AdapterConfig::allow_insecure_http`] was set.
    pub fn new(config: AdapterConfig) -> Result<Pipeline, Error> {
        let base = reqwest::Url::parse(&config.base_url).map_err(|e| {
            Error::config(format!(
                "{}: base URL {:?} is invalid: {e}",
                config.name, config.base_url
            ))
        })?;
        match base.scheme() {
            "https" => {}
            "http" if config.allow_insecure_http => {}
            "http" => {
                return Err(Error::config(format!(
                    "{}: base URL {} is plain http; call allow_insecure_http(true) for local mocks",
                    config.name, config.base_url
                )));
            }
            other => {
                return Err(Error::config(format!(
                    "{}: unsupported URL scheme {other}",
                    config.name
                )));
            }
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(Error::config(format!(
                "{}: base URL must not have a query or fragment",
                config.name
            )));
        }
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| Error::config(format!("{}: invalid User-Agent", config.name)))?;
        let client_has_defaults = config.client.is_none();
        let client = match config.client.clone() {
            Some(c) => c,
            None => {
                let mut defaults = http::HeaderMap::new();
                defaults.insert(http::header::USER_AGENT, user_agent.clone());
                defaults.insert(
                    http::header::ACCEPT,
                    HeaderValue::from_static("application/json"),
                );
                reqwest::Client::builder()
                    .default_headers(defaults)
                    .build()
                    .map_err(|e| Error::config(format!("{}: HTTP client: {e}", config.name)))?
            }
        };
        let defaults = Resolved::from_policy(config.defaults.clone());
        let configured = config
            .operations
            .keys()
            .map(|op| {
                (
                    op.clone(),
                    Resolved::from_policy(config.effective_policy(op)),
                )
            })
            .collect();
        let store = config
            .idempotency_store
            .clone()
            .unwrap_or_else(|| Arc::new(InMemoryIdempotencyStore::new()));
        Ok(Pipeline {
            inner: Arc::new(Inner {
                base,
                name: config.name.clone(),
                client,
                auth: Authenticator::new(config.auth.clone())?,
                user_agent,
                client_has_defaults,
                adapter_breaker: Arc::new(CircuitBreaker::new(defaults.breaker.clone())),
                defaults,
                configured,
                op_breakers: Mutex::new(HashMap::new()),
                retry_budget: config.retry_budget.map(RetryBudget::new),
                store,
                key_ttl: config.idempotency_ttl,
            }),
        })
    }

    /// The adapter name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The breaker guarding `operation` (shared by the adapter unless its policy says
    /// [`BreakerScope::Operation`]).
    pub fn breaker(&self, operation: &str) -> Arc<CircuitBreaker> {
        self.inner
            .breaker_for(operation, self.inner.policy(operation))
    }

    /// Tokens left in the retry budget (`None` without one).
    pub fn retry_tokens(&self) -> Option<u32> {
        self.inner.retry_budget.as_ref().map(RetryBudget::available)
    }

    /// The idempotency key for one logical call of `operation`.
    ///
    /// With a domain value (the mapping's `idempotency.key`), the key is derived from
    /// it and is the same in every process. Without one, the store is asked for the key
    /// of an earlier call with the same `fingerprint` (the request's identifying bytes,
    /// usually its encoded body) that ended with an unknown outcome; failing that, a
    /// fresh UUIDv4 is drawn.
    pub async fn idempotency_key(
        &self,
        operation: &str,
        domain_value: Option<String>,
        fingerprint: impl AsRef<[u8]>,
    ) -> IdempotencyKey {
        if let Some(value) = domain_value {
            return IdempotencyKey::derive(operation, &value);
        }
        let digest = fingerprint_digest(operation, fingerprint.as_ref());
        let (mut key, reused) = match self.inner.store.lookup(operation, &digest).await {
            Ok(Some(k)) => (IdempotencyKey::from_value(k), true),
            Ok(None) => (IdempotencyKey::random(), false),
            Err(e) => {
                tracing::warn!(adapter = %self.inner.name, operation, error = %e, "idempotency store lookup failed; using a fresh key");
                (IdempotencyKey::random(), false)
            }
        };
        key.origin = Some((Arc::from(operation), Arc::from(digest), reused));
        if reused {
            tracing::info!(adapter = %self.inner.name, operation, key = %key, "replaying with the key of a call whose outcome was unknown");
        }
        key
    }

    /// Sends `req` through every policy and returns the final response.
    ///
    /// `Ok` for any completed HTTP exchange that is final (a 2xx, a 402, or a 503 that
    /// retries could not get past); `Err` for transport failures, timeouts, an open
    /// breaker, and configuration or credential problems.
    pub async fn send(&self, req: Request) -> Result<Response, Error> {
        let span = tracing::debug_span!("vendor_call", adapter = %self.inner.name, operation = %req.operation);
        // Only keys drawn by `idempotency_key` (not derived ones) need the store.
        let guard = req.idempotency.as_ref().and_then(|(key, _)| {
            key.origin.as_ref().map(|_| UnsettledKey {
                inner: self.inner.clone(),
                key: key.clone(),
                sent: AtomicBool::new(false),
                armed: true,
            })
        });
        let sent = guard.as_ref().map(|g| &g.sent);
        let result = self.send_inner(&req, sent).instrument(span).await;
        if let Some(guard) = guard {
            guard.settle(&result).await;
        }
        result
    }

    async fn send_inner(
        &self,
        req: &Request,
        sent: Option<&AtomicBool>,
    ) -> Result<Response, Error> {
        let inner = &*self.inner;
        let policy = inner.policy(&req.operation);
        // The clock is read once per attempt start and once per attempt end; every
        // limit and breaker record is computed from those two readings.
        let mut now = Instant::now();
        let deadline = Deadline::start_at(now, policy.budget);
        let op_breaker;
        let breaker: &CircuitBreaker = if policy.breaker.scope == BreakerScope::Adapter {
            &inner.adapter_breaker
        } else {
            op_breaker = inner.breaker_for(&req.operation, policy);
            &op_breaker
        };
        // Built once up front so a bad header or missing credential fails before any
        // network use; retries rebuild rather than clone, keeping the common
        // single-attempt path free of a copy.
        let mut first = Some(inner.build(req)?);
        let mut call = Call {
            operation: &req.operation,
            key: req.idempotency.as_ref().map(|(k, _)| k),
            attempts: 0,
            unknown: false,
        };
        let mut spent_tokens = 0u32;
        let mut last: Option<Failed> = None;
        loop {
            if deadline.remaining_at(now) == Some(Duration::ZERO) {
                // A backoff sleep can overshoot by a timer tick; end with what the last
                // attempt produced rather than a bare timeout.
                return match last {
                    Some(failed) => call.give_up(failed, &deadline, "budget spent"),
                    None => Err(call.timeout(TimeoutLimit::Budget)),
                };
            }
            let permit = match (breaker.try_acquire(), last.take()) {
                (Ok(p), _) => p,
                (Err(retry_in), None) => {
                    return Err(Error::Unavailable {
                        operation: call.operation.to_owned(),
                        retry_in,
                    });
                }
                // Opened while this call was backing off: what the last attempt
                // produced is the truer answer, and keeps an unknown outcome visible.
                (Err(_), Some(failed)) => return call.give_up(failed, &deadline, "circuit opened"),
            };
            call.attempts += 1;
            let attempt_req = match first.take() {
                Some(r) => r,
                None => inner.build(req)?,
            };
            let limit = deadline.attempt_deadline(now, policy.attempt_timeout);
            if let Some(sent) = sent {
                sent.store(true, Ordering::Relaxed);
            }
            let attempt =
                run_attempt(&inner.client, attempt_req, limit, &policy.retry.retry_on).await;
            let ended = Instant::now();
            let elapsed = ended.saturating_duration_since(now);
            permit.record_at(breaker_outcome(&attempt), elapsed, ended);

            let failed = match attempt {
                Attempt::Done(resp) => {
                    tracing::debug!(
                        attempt = call.attempts,
                        status = resp.status(),
                        ?elapsed,
                        "final response"
                    );
                    if let Some(b) = &inner.retry_budget {
                        if resp.status() < 500 {
                            b.on_success(spent_tokens);
                        }
                    }
                    return Ok(call.response(resp));
                }
                Attempt::Failed(failed) => failed,
            };
            if matches!(
                failed.failure,
                AttemptFailure::Timeout | AttemptFailure::Broken
            ) {
                call.unknown = true;
            }
            tracing::debug!(attempt = call.attempts, failure = ?failed.failure, ?elapsed, "attempt failed");

            if call.attempts >= policy.retry.attempts {
                return call.give_up(failed, &deadline, "attempts exhausted");
            }
            if !is_safe_to_retry(&req.method, call.key.is_some(), failed.failure) {
                return call.give_up(failed, &deadline, "not safe to retry");
            }
            let mut wait = backoff::full_jitter(
                policy.retry.base,
                policy.retry.cap,
                call.attempts - 1,
                &mut rand::rng(),
            );
            if let Some(resp) = &failed.response {
                if let Some(asked) = retry_after::from_headers(resp.headers(), SystemTime::now()) {
                    if asked > policy.retry.max_retry_after {
                        return call.give_up(
                            failed,
                            &deadline,
                            "Retry-After longer than max_retry_after",
                        );
                    }
                    wait = wait.max(asked);
                }
            }
            if !deadline.fits(wait) {
                return call.give_up(failed, &deadline, "backoff would not fit the budget");
            }
            if let Some(b) = &inner.retry_budget {
                match b.try_acquire(failed.failure == AttemptFailure::Timeout) {
                    Some(cost) => spent_tokens += cost,
                    None => return call.give_up(failed, &deadline, "retry budget exhausted"),
                }
            }
            last = Some(failed);
            tokio::time::sleep(wait).await;
            now = Instant::now();
        }
    }
}

/// What one logical call has learnt so far, for building its final answer.
struct Call<'a> {
    operation: &'a str,
    key: Option<&'a IdempotencyKey>,
    attempts: u32,
    /// Whether any attempt may have been applied without us seeing the answer.
    unknown: bool,
}

impl Call<'_> {
    fn outcome(&self) -> Outcome {
        if self.unknown {
            Outcome::Unknown
        } else {
            Outcome::Known
        }
    }

    /// The key, carried by errors only when replaying it matters.
    fn key_if_unknown(&self) -> Option<String> {
        self.key
            .filter(|_| self.unknown)
            .map(|k| k.as_str().to_owned())
    }

    fn response(&self, resp: Response) -> Response {
        resp.with_attempts(self.attempts)
            .with_earlier_unknown(self.unknown)
    }

    fn timeout(&self, limit: TimeoutLimit) -> Error {
        Error::Timeout {
            operation: self.operation.to_owned(),
            limit,
            outcome: self.outcome(),
            attempts: self.attempts,
            idempotency_key: self.key_if_unknown(),
        }
    }

    /// Ends the call with what the last failed attempt produced.
    fn give_up(&self, failed: Failed, deadline: &Deadline, why: &str) -> Result<Response, Error> {
        tracing::debug!(attempt = self.attempts, why, "not retrying");
        if let Some(resp) = failed.response {
            return Ok(self.response(resp));
        }
        if failed.failure == AttemptFailure::Timeout {
            let limit = if deadline.is_expired() {
                TimeoutLimit::Budget
            } else {
                failed.limit.unwrap_or(TimeoutLimit::Attempt)
            };
            return Err(self.timeout(limit));
        }
        Err(Error::Transport {
            operation: self.operation.to_owned(),
            outcome: self.outcome(),
            attempts: self.attempts,
            idempotency_key: self.key_if_unknown(),
            message: failed
                .error
                .as_ref()
                .map(describe)
                .unwrap_or_else(|| "connection failed".to_owned()),
            source: failed
                .error
                .map(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>),
        })
    }
}

/// The error chain of a reqwest error without its URL (which may carry an API key in
/// its query).
fn describe(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    let head = if e.is_connect() {
        "connect failed"
    } else if e.is_body() || e.is_decode() {
        "response body failed"
    } else if e.is_request() {
        "request failed"
    } else {
        "HTTP error"
    };
    if parts.is_empty() {
        head.to_owned()
    } else {
        format!("{head}: {}", parts.join(": "))
    }
}

fn breaker_outcome(attempt: &Attempt) -> CallOutcome {
    let status = match attempt {
        Attempt::Done(r) => r.status(),
        Attempt::Failed(Failed {
            response: Some(r), ..
        }) => r.status(),
        Attempt::Failed(_) => return CallOutcome::Failure,
    };
    match status {
        429 => CallOutcome::Ignored,
        500.. | 408 => CallOutcome::Failure,
        _ => CallOutcome::Success,
    }
}

async fn run_attempt(
    client: &reqwest::Client,
    req: reqwest::Request,
    limit: Option<(Instant, TimeoutLimit)>,
    retry_on: &[u16],
) -> Attempt {
    let exchange = async {
        let mut resp = client.execute(req).await?;
        let status = resp.status().as_u16();
        let headers = std::mem::take(resp.headers_mut());
        let body = resp.bytes().await?;
        Ok::<_, reqwest::Error>(Response::new(status, headers, body))
    };
    match run_until(limit, exchange).await {
        Ok(Ok(resp)) if retry_on.contains(&resp.status()) => Attempt::Failed(Failed {
            failure: AttemptFailure::Status(resp.status()),
            response: Some(resp),
            error: None,
            limit: None,
        }),
        Ok(Ok(resp)) => Attempt::Done(resp),
        Ok(Err(e)) => Attempt::Failed(Failed {
            // A connect error means no byte of the request was written.
            failure: if e.is_connect() {
                AttemptFailure::NotSent
            } else {
                AttemptFailure::Broken
            },
            response: None,
            error: Some(e.without_url()),
            limit: None,
        }),
        Err(which) => Attempt::Failed(Failed {
            failure: AttemptFailure::Timeout,
            response: None,
            error: None,
            limit: Some(which),
        }),
    }
}

impl Inner {
    fn policy(&self, operation: &str) -> &Resolved {
        if self.configured.is_empty() {
            return &self.defaults;
        }
        self.configured.get(operation).unwrap_or(&self.defaults)
    }

    fn breaker_for(&self, operation: &str, policy: &Resolved) -> Arc<CircuitBreaker> {
        if policy.breaker.scope == BreakerScope::Adapter {
            return self.adapter_breaker.clone();
        }
        let mut map = self.op_breakers.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(operation.to_owned())
            .or_insert_with(|| Arc::new(CircuitBreaker::new(policy.breaker.clone())))
            .clone()
    }

    /// Builds the wire request once; attempts send clones of it.
    fn build(&self, req: &Request) -> Result<reqwest::Request, Error> {
        let op = &req.operation;
        let base_path = self.base.path().trim_end_matches('/');
        let mut path = String::with_capacity(base_path.len() + req.path.len() + 16);
        path.push_str(base_path);
        if !req.path.starts_with('/') {
            path.push('/');
        }
        req.write_path(&mut path)?;
        let mut query = String::new();
        req.write_query(&mut query);
        let credential = self.auth.credential()?;
        if let Credential::Query(name, secret) = &credential {
            if !query.is_empty() {
                query.push('&');
            }
            push_query_pair(
                &mut query,
                name,
                secrecy::ExposeSecret::expose_secret(secret),
            );
        }
        let mut url = self.base.clone();
        url.set_path(&path);
        url.set_query((!query.is_empty()).then_some(query.as_str()));

        let mut out = reqwest::Request::new(req.method.clone(), url);
        let headers = out.headers_mut();
        if !self.client_has_defaults {
            headers.insert(http::header::USER_AGENT, self.user_agent.clone());
            headers.insert(
                http::header::ACCEPT,
                HeaderValue::from_static("application/json"),
            );
        }
        if let Credential::Header(name, value) = credential {
            headers.insert(name, value);
        }
        for (name, value) in &req.headers {
            let name = HeaderName::try_from(name.as_ref())
                .map_err(|_| Error::config(format!("{op}: invalid header name {name:?}")))?;
            // The value may be personal data or a token: name the header only.
            let value = HeaderValue::from_str(value)
                .map_err(|_| Error::config(format!("{op}: invalid value for header {name}")))?;
            headers.insert(name, value);
        }
        if let Some((key, KeyPlacement::Header(name))) = &req.idempotency {
            let name = HeaderName::try_from(*name).map_err(|_| {
                Error::config(format!("{op}: invalid idempotency header name {name:?}"))
            })?;
            let value = HeaderValue::from_str(key.as_str()).map_err(|_| {
                Error::config(format!("{op}: idempotency key is not a valid header value"))
            })?;
            headers.insert(name, value);
        }
        if let Some(body) = &req.body {
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static(body.content_type),
            );
            *out.body_mut() = Some(reqwest::Body::from(body.bytes.clone()));
        } else if matches!(req.method, Method::POST | Method::PUT | Method::PATCH) {
            // Some vendors reject a bodiless write without a length.
            headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        Ok(out)
    }
}

/// The store's side of a keyed call, settled when the call ends.
///
/// If the caller drops the call mid-flight (its own timeout, a cancelled request)
/// after a request may have been sent, the outcome is unknown: `Drop` remembers the
/// key from a spawned task, since the store is async.
struct UnsettledKey {
    inner: Arc<Inner>,
    key: IdempotencyKey,
    sent: AtomicBool,
    armed: bool,
}

impl UnsettledKey {
    /// Remembers the key of a call whose outcome is unknown; forgets a key the call
    /// reused once its outcome is known.
    async fn settle(mut self, result: &Result<Response, Error>) {
        self.armed = false;
        let Some((op, digest, reused)) = &self.key.origin else {
            return;
        };
        let unknown = match result {
            Err(e) => e.outcome() == Outcome::Unknown,
            Ok(resp) => !resp.is_success() && resp.earlier_attempt_unknown(),
        };
        let store = &self.inner.store;
        let r = if unknown {
            store
                .remember(op, digest, self.key.as_str(), self.inner.key_ttl)
                .await
        } else if *reused && !matches!(result, Err(Error::Config { .. })) {
            store.forget(op, digest).await
        } else {
            Ok(())
        };
        if let Err(e) = r {
            tracing::warn!(adapter = %self.inner.name, operation = %op, error = %e, "idempotency store update failed");
        }
    }
}

impl Drop for UnsettledKey {
    fn drop(&mut self) {
        if !self.armed || !self.sent.load(Ordering::Relaxed) {
            return;
        }
        let Some((op, digest, _)) = self.key.origin.clone() else {
            return;
        };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(adapter = %self.inner.name, operation = %op, "call cancelled outside a runtime; its idempotency key is not remembered");
            return;
        };
        let inner = self.inner.clone();
        let key = self.key.clone();
        handle.spawn(async move {
            if let Err(e) = inner.store.remember(&op, &digest, key.as_str(), inner.key_ttl).await {
                tracing::warn!(adapter = %inner.name, operation = %op, error = %e, "idempotency store update failed");
            }
        });
    }
}
