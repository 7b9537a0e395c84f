//! The pipeline every adapter call goes through.
//!
//! # Layer order
//!
//! Like tower's `ServiceBuilder`, order decides behaviour, so it is fixed here and
//! nowhere else. From outside in, for one [`Pipeline::send`]:
//!
//! ```text
//! fallback cache (reads)            a fresh entry answers without a call; after the call, a
//! │                                   stale one or a static default stands in for a vendor failure
//! └─ span `vendor_call` + correlation id one span per logical call (observe/), metrics and
//!    │                                the health monitor fed from its outcome
//!    └─ budget                        deadline fixed now; covers everything below
//!       └─ retry loop                 safe-to-retry rule, retry token bucket, full-jitter backoff,
//!          │                          Retry-After; a wait that does not fit the budget ends the call
//!          └─ circuit breaker         asked before *every* attempt; open -> Unavailable, no network
//!             └─ rate limiter, quota  a slot within the remaining budget (else RateLimited at once);
//!                │                    one request counted against the quota window
//!                └─ request build + auth URL, headers, correlation id and traceparent, credential
//!                   │                 (OAuth2 token refreshed ahead of expiry): errors are Config or Auth
//!                   └─ attempt timeout min(attempt_timeout, remaining budget)
//!                      └─ send + read body reqwest; the whole body is read inside the attempt
//!                         └─ classify final response / retryable status / timeout / transport;
//!                                     a 401 renews the credential once and replays (reauth.rs);
//!                                     rate-limit headers and 429s adjust the limiter
//!    └─ idempotency store             remember the key if the outcome is unknown
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
//! * **Request built per attempt, after the breaker**: an open breaker costs no work;
//!   a rotated credential is picked up by the next retry; the request is not kept in
//!   the retry loop's state.
//! * **Body read inside the attempt**: a connection reset or truncation while reading
//!   the body is a failed attempt (retried when safe), not a decode error later.
//! * **Decode outside the pipeline**: `send` returns the final [`Response`]; generated
//!   code decodes it with [`Response::decode_json`] and maps vendor errors with
//!   [`Error::from_vendor_response`], because only it knows the spec's error schema.
//! * **Limiter after the breaker, per attempt**: an open breaker spends no slot and no
//!   quota, and every request the vendor sees (retries included) was admitted by the
//!   limiter and counted against the quota, as the vendor counts it.
//! * **Fallback outermost**: a fresh cache hit costs no span, slot or quota; a degraded
//!   answer is decided from the call's final outcome, after every retry.
//!
//! Files: `attempt.rs` (one attempt and its classification), `call.rs` (what a call has
//! learnt across attempts, and its final answer), `build.rs` (the wire request),
//! `reauth.rs` (the credential an attempt carries, renewal after a 401), `settle.rs`
//! (the idempotency store, also on cancellation). The fallback paths, which wrap the
//! plain send below, are in [`crate::fallback`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http::HeaderValue;
use tokio::time::Instant;
use tracing::Instrument;

use crate::auth::Authenticator;
use crate::breaker::{BreakerScope, CircuitBreaker};
use crate::config::AdapterConfig;
use crate::error::{Error, LimitedBy, TimeoutLimit};
use crate::fallback::{Degraded, Fallback, Fallbacks};
use crate::idempotency::{
    IdempotencyKey, IdempotencyStore, InMemoryIdempotencyStore, fingerprint_digest,
};
use crate::limit::{Limiter, QuotaTracker, RateLimit, RateLimitInfo, ResetStyle};
use crate::observe::Observer;
use crate::observe::call::CallObs;
use crate::policy::Resolved;
use crate::request::Request;
use crate::response::Response;
use crate::retry::RetryBudget;
use crate::shared::{InMemoryFallbackCache, RedisState, SharedState, StoreGuard};
use crate::timeout::Deadline;

/// The least time a call keeps for its attempt when waiting for a rate-limit slot.
const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(10);

mod attempt;
mod build;
mod call;
mod reauth;
mod settle;

use attempt::{Attempt, Failed, breaker_outcome, classify, run_attempt};
use call::{Call, Next};
use settle::UnsettledKey;

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
    configured: crate::FastMap<String, Resolved>,
    adapter_breaker: Arc<CircuitBreaker>,
    op_breakers: Mutex<crate::FastMap<String, Arc<CircuitBreaker>>>,
    retry_budget: Option<RetryBudget>,
    store: Arc<dyn IdempotencyStore>,
    key_ttl: Duration,
    observe: Observer,
    limiter: Option<Limiter>,
    quota: Option<QuotaTracker>,
    fallbacks: Fallbacks,
    /// Outages of the shared store and its per-command limit (`None`: local state).
    shared: Option<Arc<StoreGuard>>,
    redis: Option<RedisState>,
    /// Settings and static headers, resolved once (`settings.rs`).
    settings: crate::settings::Resolved,
    /// The largest response body read ([`AdapterConfig::max_response_bytes`]).
    max_response_bytes: usize,
}

impl Pipeline {
    /// Validates `config` and builds the pipeline: the base URL must parse, and be
    /// `https` unless [`AdapterConfig::allow_insecure_http`] was set.
    pub fn new(config: AdapterConfig) -> Result<Pipeline, Error> {
        // Messages name the host at most: a URL can carry credentials.
        let name = &config.name;
        let base = reqwest::Url::parse(&config.base_url)
            .map_err(|e| Error::config(format!("{name}: base URL is invalid: {e}")))?;
        if !base.username().is_empty() || base.password().is_some() {
            return Err(Error::config(format!(
                "{name}: base URL must not carry credentials; use AdapterConfig::auth"
            )));
        }
        let host = base.host_str().unwrap_or_default();
        match base.scheme() {
            "https" => {}
            "http" if config.allow_insecure_http => {}
            "http" => {
                return Err(Error::config(format!(
                    "{name}: base URL for {host} is plain http; call allow_insecure_http(true) for local mocks"
                )));
            }
            other => {
                return Err(Error::config(format!(
                    "{name}: unsupported URL scheme {other}"
                )));
            }
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(Error::config(format!(
                "{name}: base URL must not have a query or fragment"
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
                    .redirect(crate::auth::same_origin_redirects())
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
        let redis = match &config.shared_state {
            SharedState::Local => None,
            SharedState::Redis(rc) => Some(RedisState::new(rc.clone())?),
        };
        let shared = redis.as_ref().map(|r| {
            let c = r.config();
            Arc::new(StoreGuard::new(name, c.timeout, c.retry_after))
        });
        let replicas = redis.as_ref().map_or(1, |r| r.config().replicas);
        let store = config
            .idempotency_store
            .clone()
            .or_else(|| redis.as_ref().map(RedisState::idempotency_store))
            .unwrap_or_else(|| Arc::new(InMemoryIdempotencyStore::new()));
        let cache = config
            .fallback_cache
            .clone()
            .or_else(|| redis.as_ref().map(RedisState::fallback_cache))
            .unwrap_or_else(|| Arc::new(InMemoryFallbackCache::default()));
        let limiter = limiter_for(
            &config,
            &configured,
            &defaults,
            redis.as_ref(),
            &shared,
            replicas,
        )?;
        let quota = match &config.quota {
            None => None,
            Some(q) => Some(QuotaTracker::new(
                name,
                q.clone(),
                redis
                    .as_ref()
                    .zip(shared.as_ref())
                    .map(|(r, g)| (r.quota_store(), g.clone())),
                replicas,
                config.on_quota.clone(),
            )?),
        };
        Ok(Pipeline {
            inner: Arc::new(Inner {
                base: base.clone(),
                name: config.name.clone(),
                client,
                auth: Authenticator::new(config.auth.clone(), config.allow_insecure_http)?
                    .token_body_limit(config.max_token_response_bytes),
                user_agent,
                client_has_defaults,
                adapter_breaker: Arc::new(CircuitBreaker::new(defaults.breaker.clone())),
                defaults,
                configured,
                op_breakers: Mutex::new(crate::FastMap::default()),
                retry_budget: config.retry_budget.map(RetryBudget::new),
                store,
                key_ttl: config.idempotency_ttl,
                observe: Observer::new(&config, &base)?,
                limiter,
                quota,
                fallbacks: Fallbacks::new(name, cache, shared.clone()),
                shared,
                redis,
                settings: crate::settings::Resolved::resolve(&config)?,
                max_response_bytes: config.max_response_bytes,
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
                match &self.inner.shared {
                    // Redis: logged once per outage, counted every time.
                    Some(guard) => guard.failed("idempotency", Some(&e)),
                    None => {
                        tracing::warn!(adapter = %self.inner.name, operation, error = %e, "idempotency store lookup failed; using a fresh key")
                    }
                }
                (IdempotencyKey::random(), false)
            }
        };
        key.origin = Some((Arc::from(operation), Arc::from(digest), reused));
        if reused {
            tracing::info!(adapter = %self.inner.name, operation, key = %key, "replaying with the key of a call whose outcome was unknown");
        }
        key
    }

    /// The idempotency key for `request`: [`Self::idempotency_key`] for its operation,
    /// with the request's own fingerprint (its method, path parameters, query and body,
    /// as they will be sent).
    ///
    /// Build the request first, then ask for its key: the fingerprint is computed from
    /// the body already serialised, and only when there is no domain value. A key that
    /// goes in the body (Square's `idempotency_key`) is fingerprinted with that field
    /// still empty, so every replay of the call finds the same key.
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn demo(pipeline: &portcullis_runtime::Pipeline) -> Result<(), portcullis_runtime::Error> {
    /// use portcullis_runtime::{KeyPlacement, Method, Request};
    ///
    /// let request = Request::new("refund", Method::POST, "/v1/refunds")
    ///     .json_body(&serde_json::json!({ "payment_intent": "pi_1", "amount": 500 }))?;
    /// let key = pipeline.idempotency_key_of(&request, None).await;
    /// let response = pipeline
    ///     .send(request.idempotency(&key, KeyPlacement::Header("Idempotency-Key")))
    ///     .await?;
    /// # let _ = response;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn idempotency_key_of(
        &self,
        request: &Request,
        domain_value: Option<String>,
    ) -> IdempotencyKey {
        if let Some(value) = domain_value {
            return IdempotencyKey::derive(request.operation(), &value);
        }
        self.idempotency_key(request.operation(), None, request.fingerprint())
            .await
    }

    /// Sends `req` through every policy and returns the final response.
    ///
    /// `Ok` for any completed HTTP exchange that is final (a 2xx, a 402, or a 503 that
    /// retries could not get past); `Err` for transport failures, timeouts, an open
    /// breaker, and configuration or credential problems.
    ///
    /// A plain function returning the future of the path the operation's fallback
    /// chooses, rather than an `async fn`: an async fn would keep its own copy of the
    /// request in the future every caller moves and stores.
    pub fn send(&self, req: Request) -> impl Future<Output = Result<Response, Error>> + Send + '_ {
        let policy = self.inner.policy(&req.operation);
        let fallbacks = &self.inner.fallbacks;
        let plain = |req| self.send_observed(req);
        match &policy.fallback {
            // Only reads are cached: a write's answer must never stand in for the write.
            Some(Fallback::Cache {
                ttl,
                stale_if_error,
            }) if matches!(req.method, http::Method::GET | http::Method::HEAD) => {
                // Boxed, like the static fallback: these paths are per operation and
                // rare, and their state would otherwise enlarge every call's future.
                Routed::Fallback {
                    inner: Box::pin(fallbacks.cached(req, *ttl, *stale_if_error, plain)),
                }
            }
            Some(Fallback::Static { status, body }) => Routed::Fallback {
                inner: Box::pin(fallbacks.fixed(req, *status, body, plain)),
            },
            _ => Routed::Plain { inner: plain(req) },
        }
    }

    /// Counts an answer the application's own fallback gave for `operation` (generated
    /// adapters call this for the mapping's `fallback: caller`).
    pub fn record_degraded(&self, operation: &str, degraded: &Degraded) {
        self.inner.fallbacks.record_degraded(operation, degraded);
    }

    /// The Redis state, when [`AdapterConfig::shared_state`] chose Redis.
    pub fn redis(&self) -> Option<&RedisState> {
        self.inner.redis.as_ref()
    }

    async fn send_observed(&self, req: Request) -> Result<Response, Error> {
        let mut obs = self
            .inner
            .observe
            .start(&req, self.inner.policy(&req.operation));
        let span = obs.span().clone();
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
        // Not boxed: measured, a multi-kilobyte allocation per call costs more under
        // concurrency (malloc arena locks) than the copies it saves. The state is kept
        // small instead (see `attempt::run_attempt`).
        let result = self.send_inner(&req, sent, &mut obs).instrument(span).await;
        let result = obs.finish(result);
        if let Some(guard) = guard {
            guard.settle(&result).await;
        }
        result
    }

    async fn send_inner(
        &self,
        req: &Request,
        sent: Option<&AtomicBool>,
        obs: &mut CallObs<'_>,
    ) -> Result<Response, Error> {
        let inner = &*self.inner;
        let policy = inner.policy(&req.operation);
        // The clock is read once per attempt start and once per attempt end; every
        // limit and breaker record is computed from those two readings.
        let mut now = Instant::now();
        let deadline = Deadline::start_at(now, policy.budget).until(req.deadline_at());
        let op_breaker;
        let breaker: &CircuitBreaker = if policy.breaker.scope == BreakerScope::Adapter {
            &inner.adapter_breaker
        } else {
            op_breaker = inner.breaker_for(&req.operation, policy);
            &op_breaker
        };
        let mut call = Call {
            operation: &req.operation,
            method: &req.method,
            key: req.idempotency.as_ref().map(|(k, _)| k),
            attempts: 0,
            unknown: false,
            rate_wait: Duration::ZERO,
            spent_tokens: 0,
        };
        let mut reauthed = false;
        // Boxed: only a retried call has one, and unboxed it would take its size in
        // every call's state.
        let mut last: Option<Box<Failed>> = None;
        loop {
            if deadline.remaining_at(now) == Some(Duration::ZERO) {
                // A backoff sleep can overshoot by a timer tick; end with what the last
                // attempt produced rather than a bare timeout.
                return match last {
                    Some(failed) => call.give_up(*failed, &deadline, "budget spent"),
                    None => Err(call.timeout(TimeoutLimit::Budget)),
                };
            }
            let permit = match breaker.try_acquire() {
                Ok(p) => p,
                Err(retry_in) => match last.take() {
                    None => {
                        obs.breaker_refused(breaker.state_hint());
                        return Err(Error::Unavailable {
                            operation: call.operation.to_owned(),
                            retry_in,
                        });
                    }
                    // Opened while this call was backing off: what the last attempt
                    // produced is the truer answer, and keeps an unknown outcome visible.
                    Some(failed) => return call.give_up(*failed, &deadline, "circuit opened"),
                },
            };
            // Rate limit, then quota: a refused call must not count against the quota.
            // Waiting for a slot spends budget like a backoff sleep; a slot further away
            // than the budget allows is refused at once.
            if let Some(limiter) = &inner.limiter {
                // `now` is this attempt's start, read microseconds ago (only the
                // breaker ran since): no need for another clock read.
                // A slot is only worth taking if the attempt after it still has time:
                // a tenth of what the attempt could get (10 ms to 1 s) stays unspent.
                let max_wait = match deadline.remaining_at(now) {
                    None => Duration::MAX,
                    Some(left) => {
                        let attempt = policy.attempt_timeout.map_or(left, |t| t.min(left));
                        let keep = (attempt / 10).clamp(MIN_ATTEMPT_TIME, Duration::from_secs(1));
                        left.saturating_sub(keep)
                    }
                };
                match limiter
                    .acquire_for(call.operation, &policy.bucket, policy.critical, max_wait)
                    .await
                {
                    Ok(waited) if waited.is_zero() => {}
                    Ok(waited) => {
                        call.rate_wait += waited;
                        now = Instant::now();
                    }
                    Err(retry_after) => {
                        return match last.take() {
                            Some(failed) => call.give_up(
                                *failed,
                                &deadline,
                                "no rate-limit slot within the budget",
                            ),
                            None => {
                                Err(limited(call.operation, LimitedBy::RateLimiter, retry_after))
                            }
                        };
                    }
                }
            }
            if let Some(quota) = &inner.quota {
                if let Err(resets_in) = quota.take(policy.critical).await {
                    return match last.take() {
                        Some(failed) => call.give_up(*failed, &deadline, "quota exhausted"),
                        None => Err(limited(call.operation, LimitedBy::Quota, resets_in)),
                    };
                }
            }
            last = None;
            // Built per attempt (a bad header or missing credential still fails before
            // any network use): rebuilding is as cheap as cloning, picks up a rotated
            // credential, and keeps the request out of the retry loop's state. A build
            // error drops the permit unrecorded: it says nothing about the vendor.
            let authorized = inner.credential_for(req, &deadline, &call).await?;
            let attempt_span;
            let limit;
            // The wire request lives in this block only: named outside it, its bytes
            // would stay reserved in the call's state across the await.
            let outcome = {
                let mut wire = inner.build(req, &authorized.credential)?;
                obs.stamp(&mut wire);
                call.attempts += 1;
                attempt_span = obs.attempt_span(call.attempts);
                limit = deadline.attempt_deadline(now, policy.attempt_timeout);
                if let Some(sent) = sent {
                    sent.store(true, Ordering::Relaxed);
                }
                run_attempt(
                    &inner.client,
                    wire,
                    limit.map(|(at, _)| at),
                    inner.max_response_bytes,
                )
                .instrument(attempt_span.clone())
            }
            .await;
            let which = limit.map_or(TimeoutLimit::Attempt, |(_, which)| which);
            let attempt = classify(
                call.operation,
                outcome.map_err(|_| which),
                &policy.retry.retry_on,
                call.key.is_some_and(|k| call.unknown || k.is_replay()),
            );
            let ended = Instant::now();
            let elapsed = ended.saturating_duration_since(now);
            permit.record_at(breaker_outcome(&attempt), elapsed, ended);
            let (status, headers, failure) = attempt.summary();
            // Most answers carry no rate-limit header: look at the names once, and parse
            // only when one may be there. The limiter and the remaining-requests gauge
            // read the same parse.
            let limits = match headers.filter(|h| Limiter::may_carry_limits(h)) {
                Some(h) => {
                    let style = inner
                        .limiter
                        .as_ref()
                        .map_or(ResetStyle::Auto, |l| l.reset_style(&policy.bucket));
                    RateLimitInfo::parse(h, SystemTime::now(), style)
                }
                None => RateLimitInfo::default(),
            };
            if let (Some(limiter), Some(status)) = (&inner.limiter, status) {
                limiter
                    .observe(call.operation, &policy.bucket, status, &limits)
                    .await;
            }
            obs.attempt_end(
                &attempt_span,
                status,
                limits.remaining,
                failure,
                elapsed,
                breaker.state_hint(),
            );

            let failed = match attempt {
                Attempt::Done(resp) => {
                    if inner
                        .replay_after(req, &resp, &authorized, &mut reauthed, &deadline, &call)
                        .await?
                    {
                        now = Instant::now();
                        continue;
                    }
                    if tracing::enabled!(tracing::Level::DEBUG) {
                        call.log_final(resp.status(), elapsed);
                    }
                    if let Some(b) = &inner.retry_budget {
                        if resp.status() < 500 {
                            b.on_success(call.spent_tokens);
                        }
                    }
                    return Ok(call.response(resp));
                }
                Attempt::Failed(failed) => failed,
                Attempt::TooLarge(_, e) => return Err(e),
            };
            // The decision is out of line: most calls never get here, and keeping it
            // out of this (inlined, very large) function keeps the path they do take
            // in fewer instruction-cache lines.
            let (failed, wait) = match call.plan_retry(
                failed,
                policy,
                &deadline,
                inner.retry_budget.as_ref(),
                elapsed,
            ) {
                Next::Retry(failed, wait) => (failed, wait),
                Next::Done(result) => return result,
            };
            obs.retrying(failed.failure, wait);
            last = Some(Box::new(failed));
            tokio::time::sleep(wait).await;
            now = Instant::now();
        }
    }
}

/// What generated code reads from the pipeline besides `send` (settings, errors),
/// and what `paginate/` needs from it.
impl Pipeline {
    /// The value of setting `name` ([`AdapterConfig::setting`]), resolved when the
    /// pipeline was built; a name the adapter does not declare is a
    /// [`Error::Config`].
    ///
    /// ```no_run
    /// # fn demo(pipeline: &portcullis_runtime::Pipeline) -> Result<(), portcullis_runtime::Error> {
    /// use portcullis_runtime::{Method, Request};
    /// let req = Request::new("send_message", Method::POST, "/2010-04-01/Accounts/{AccountSid}/Messages.json")
    ///     .path_param("AccountSid", pipeline.setting("account_sid")?);
    /// # let _ = req; Ok(()) }
    /// ```
    pub fn setting(&self, name: &str) -> Result<&str, Error> {
        self.inner.settings.setting(name).ok_or_else(|| {
            Error::config(format!(
                "{}: setting {name} is not declared; declare it with AdapterConfig::setting",
                self.inner.name
            ))
        })
    }

    /// Classifies a final response the adapter did not map to success, like
    /// [`Error::from_vendor_response`], and: on 401 and 403 without a parsed `code`
    /// or `message`, reads the vendor's own message from the usual error body shapes;
    /// masks in every message any secret this adapter sends (a vendor that echoes the
    /// key it rejected must not put it in logs).
    pub fn vendor_error(
        &self,
        operation: &str,
        resp: &Response,
        code: Option<String>,
        message: Option<String>,
    ) -> Error {
        crate::auth::vendor_error(&self.inner.auth, operation, resp, code, message)
    }

    /// Counts `error`, which ended a call before anything was sent (a request that
    /// breaks the spec's constraints, see [`crate::validate`]), in
    /// `portcullis_calls_total` under its kind's outcome (`invalid` for
    /// [`Error::InvalidRequest`]), logs it once, and hands it back. Generated code
    /// passes every error of its pre-send checks here.
    ///
    /// ```no_run
    /// # fn demo(pipeline: &portcullis_runtime::Pipeline, note: &str) -> Result<(), portcullis_runtime::Error> {
    /// use portcullis_runtime::validate;
    /// validate::max_length("create_refund", "$.note", note, 500).map_err(|e| pipeline.refused(e))?;
    /// # Ok(()) }
    /// ```
    pub fn refused(&self, error: Error) -> Error {
        if let Some(op) = error.operation() {
            self.inner
                .observe
                .not_sent(op, self.inner.policy(op), &error);
        }
        error
    }

    /// The base URL requests are sent under (a next page must stay on its origin).
    pub(crate) fn base_url(&self) -> &reqwest::Url {
        &self.inner.base
    }

    /// The budget of one call of `operation` (`None`: unbounded).
    pub(crate) fn budget(&self, operation: &str) -> Option<Duration> {
        self.inner.policy(operation).budget
    }
}

type BoxedCall<'a> = std::pin::Pin<Box<dyn Future<Output = Result<Response, Error>> + Send + 'a>>;

pin_project_lite::pin_project! {
    /// The future [`Pipeline::send`] returns: the plain path inline, a fallback path boxed.
    #[project = RoutedProj]
    enum Routed<'a, F> {
        Plain { #[pin] inner: F },
        Fallback { inner: BoxedCall<'a> },
    }
}

impl<F: Future<Output = Result<Response, Error>>> Future for Routed<'_, F> {
    type Output = Result<Response, Error>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match self.project() {
            RoutedProj::Plain { inner } => inner.poll(cx),
            RoutedProj::Fallback { inner } => inner.as_mut().poll(cx),
        }
    }
}

#[cold]
#[inline(never)]
fn limited(operation: &str, by: LimitedBy, retry_after: Duration) -> Error {
    Error::RateLimited {
        operation: operation.to_owned(),
        status: 429,
        retry_after: Some(retry_after),
        by,
    }
}

/// The limiter for the configured buckets, or `None` when no rate is configured.
fn limiter_for(
    config: &AdapterConfig,
    configured: &crate::FastMap<String, Resolved>,
    defaults: &Resolved,
    redis: Option<&RedisState>,
    shared: &Option<Arc<StoreGuard>>,
    replicas: u32,
) -> Result<Option<Limiter>, Error> {
    let mut buckets: HashMap<String, RateLimit> = config
        .buckets
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(rate) = &config.rate {
        buckets.insert(crate::limit::ADAPTER_BUCKET.to_owned(), rate.clone());
    }
    for (op, policy) in configured
        .iter()
        .chain([(&String::from("defaults"), defaults)])
    {
        if !policy.bucket.is_empty() && !buckets.contains_key(&policy.bucket) {
            return Err(Error::config(format!(
                "{}: {op} uses rate-limit bucket {:?}, which no AdapterConfig::bucket defines",
                config.name, policy.bucket
            )));
        }
    }
    if buckets.is_empty() {
        return Ok(None);
    }
    let store = redis
        .zip(shared.as_ref())
        .map(|(r, g)| (r.rate_store(), g.clone()));
    Limiter::new(&config.name, &buckets, store, replicas)
        .map(|l| Some(l.with_max_pause(config.max_vendor_pause)))
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
}
