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
//! Files: `new.rs` (building a pipeline from its config), `attempt.rs` (one attempt
//! and its classification), `call.rs` (what a call has learnt across attempts, and its
//! final answer), `build.rs` (the wire request), `reauth.rs` (the credential an attempt
//! carries, renewal after a 401), `keys.rs` (idempotency keys), `accessors.rs` (what generated code
//! reads besides `send`), `routed.rs` (the future `send` returns). The fallback paths,
//! which wrap the plain send below, are in [`crate::fallback`].

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use http::HeaderValue;
use tokio::time::Instant;
use tracing::Instrument;

use crate::auth::Authenticator;
use crate::breaker::CircuitBreaker;
use crate::error::{Error, LimitedBy, TimeoutLimit};
use crate::fallback::{Degraded, Fallback, Fallbacks};
use crate::limit::{Limiter, QuotaTracker, RateLimitInfo, ResetStyle, Slot};
use crate::observe::Observer;
use crate::observe::call::CallObs;
use crate::policy::Resolved;
use crate::request::Request;
use crate::response::Response;
use crate::retry::RetryBudget;
use crate::shared::RedisState;
use crate::timeout::Deadline;

/// The least time a call keeps for its attempt when waiting for a rate-limit slot.
const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(10);

mod accessors;
mod attempt;
mod build;
mod call;
mod keys;
mod new;
mod operation;
mod reauth;
mod routed;

use attempt::{Attempt, Failed, breaker_outcome, classify, run_attempt};
use call::{Call, Next};
use operation::Operation;
use routed::Routed;

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
    /// Each operation's resolved state, made on its first call (`operation.rs`).
    ops: RwLock<crate::FastMap<Box<str>, Arc<Operation>>>,
    retry_budget: Option<RetryBudget>,
    observe: Observer,
    limiter: Option<Limiter>,
    quota: Option<QuotaTracker>,
    fallbacks: Fallbacks,
    redis: Option<RedisState>,
    /// Settings and static headers, resolved once (`settings.rs`).
    settings: crate::settings::Resolved,
    /// The largest response body read ([`AdapterConfig::max_response_bytes`]).
    max_response_bytes: usize,
}

impl Pipeline {
    /// The adapter name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The breaker guarding `operation` (shared by the adapter unless its policy says
    /// [`BreakerScope::Operation`](crate::breaker::BreakerScope::Operation)).
    pub fn breaker(&self, operation: &str) -> Arc<CircuitBreaker> {
        self.inner.operation(operation).breaker.clone()
    }

    /// Tokens left in the retry budget (`None` without one).
    pub fn retry_tokens(&self) -> Option<u32> {
        self.inner.retry_budget.as_ref().map(RetryBudget::available)
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
        let op = self.inner.operation(&req.operation);
        if op.policy.fallback.is_none() {
            return Routed::Plain {
                inner: self.send_observed(req, op),
            };
        }
        let fallbacks = &self.inner.fallbacks;
        let policy = self.inner.policy(&req.operation);
        let plain = move |req| self.send_observed(req, op);
        match &policy.fallback {
            // Only reads are cached: a write's answer must never stand in for the write.
            // A streamed body cannot be part of the key, so such a request is not.
            Some(Fallback::Cache {
                ttl,
                stale_if_error,
            }) if req.is_read() && !req.is_multipart() => {
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

    /// The Redis state, when [`AdapterConfig::shared_state`](crate::AdapterConfig::shared_state) chose Redis.
    pub fn redis(&self) -> Option<&RedisState> {
        self.inner.redis.as_ref()
    }

    /// A plain function returning an async block, not an `async fn`: an async fn
    /// keeps its arguments twice in its future (as received and as moved into the
    /// body), and the request is the largest of them.
    #[allow(clippy::manual_async_fn)] // deliberately not an async fn; see above
    fn send_observed(
        &self,
        req: Request,
        op: Arc<Operation>,
    ) -> impl Future<Output = Result<Response, Error>> + Send + '_ {
        async move {
            let mut obs = self.inner.observe.start(&req, &op.obs);
            let span = obs.span().clone();
            let result = self.send_inner(&req, &op, &mut obs).instrument(span).await;
            // The observer is done with the operation; the response's deferred count
            // takes it over.
            obs.finish(result).map(|answered| answered.counted_by(op))
        }
    }

    async fn send_inner(
        &self,
        req: &Request,
        op: &Operation,
        obs: &mut CallObs<'_>,
    ) -> Result<Response, Error> {
        let inner = &*self.inner;
        let policy = &op.policy;
        // The clock is read once per attempt start (the first is the call's, read as
        // its span opened) and once per attempt end; every limit and breaker record
        // is computed from those two readings.
        let mut now = obs.started();
        let deadline = Deadline::start_at(now, policy.budget).until(req.deadline_at());
        let breaker: &CircuitBreaker = &op.breaker;
        let mut call = Call {
            operation: &req.operation,
            method: &req.method,
            key: req.idempotency.as_ref().map(|(k, _)| k),
            read_only: req.marked_read(),
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
                    None => return Err(refused(obs, breaker, call.operation, retry_in)),
                    // Opened while this call was backing off: what the last attempt
                    // produced is the truer answer, and keeps an unknown outcome visible.
                    Some(failed) => return call.give_up(*failed, &deadline, "circuit opened"),
                },
            };
            // Rate limit, then quota: a refused call must not count against the quota.
            // Waiting for a slot spends budget like a backoff sleep; a slot further away
            // than the budget allows is refused at once.
            if let (Some(limiter), Some(bucket)) = (&inner.limiter, &op.bucket) {
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
                // Decided in place when no wait is involved; a wait (and anything
                // that needs the shared store) is boxed: most calls never wait, and
                // its state would otherwise enlarge every call's future.
                let slot = match limiter.acquire_now(bucket, policy.critical, max_wait, now) {
                    Slot::Now => Ok(Duration::ZERO),
                    Slot::Refused(retry_after) => Err(retry_after),
                    Slot::Reserved(wait) => rare(limiter.wait_reserved(bucket, wait)).await,
                    Slot::Ask => {
                        rare(limiter.acquire_for(
                            call.operation,
                            &policy.bucket,
                            policy.critical,
                            max_wait,
                        ))
                        .await
                    }
                };
                match slot {
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
                let taken = match quota.take_now(policy.critical) {
                    Some(taken) => taken,
                    // The shared count: boxed, like a limiter wait.
                    None => rare(quota.take(policy.critical)).await,
                };
                if let Err(resets_in) = taken {
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
            let authorized = match inner.credential_now(req) {
                Some(ready) => ready?,
                // A secret read or token fetch: boxed, it is rare (at most once a
                // second, or on expiry) and its state would enlarge every call's future.
                None => rare(inner.credential_for(req, &deadline, &call)).await?,
            };
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
                    let style = op
                        .bucket
                        .as_ref()
                        .map_or(ResetStyle::Auto, |b| b.reset_style());
                    RateLimitInfo::parse(h, SystemTime::now(), style)
                }
                None => RateLimitInfo::default(),
            };
            let mut waited = false;
            if let (Some(limiter), Some(bucket), Some(status)) =
                (&inner.limiter, &op.bucket, status)
            {
                if let Some(pause) = limiter.observe_now(call.operation, bucket, status, &limits) {
                    rare(limiter.pause_shared(bucket, pause)).await;
                    waited = true;
                }
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
                    if inner.may_replay(req, &resp) {
                        if rare(inner.replay_after(
                            req,
                            &resp,
                            &authorized,
                            &mut reauthed,
                            &deadline,
                            &call,
                        ))
                        .await?
                        {
                            now = Instant::now();
                            continue;
                        }
                    } else if !waited {
                        // Nothing awaited since the attempt ended: its reading is
                        // when the call ended, and the observer need not read again.
                        obs.answered_at(ended);
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

/// A rare path's future (a limiter or quota wait, a credential fetch, a 401 renewal),
/// boxed behind a trait object. Boxed, its state stays out of every call's future;
/// behind `dyn`, its poll cannot be inlined into [`Pipeline::send_inner`]'s, whose
/// code every call runs through: inlined, the rare code sat between the lines of the
/// common path and spread it over more instruction-cache lines.
fn rare<'a, T>(
    f: impl Future<Output = T> + Send + 'a,
) -> std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>> {
    Box::pin(f)
}

/// The breaker refused the call's first attempt.
#[cold]
#[inline(never)]
fn refused(
    obs: &CallObs<'_>,
    breaker: &CircuitBreaker,
    operation: &str,
    retry_in: Option<Duration>,
) -> Error {
    obs.breaker_refused(breaker.state_hint());
    Error::Unavailable {
        operation: operation.to_owned(),
        retry_in,
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
        message: None,
    }
}

#[cfg(test)]
mod tests {
    /// What every call moves: the future `send` returns (moved into the caller's
    /// future) and the response (moved through each layer on the way out). Measured
    /// at 1,824 and 152 bytes; kept within reach of that, since each move copies all of it.
    #[tokio::test]
    async fn a_call_moves_little() {
        let p = super::Pipeline::new(
            crate::AdapterConfig::new("Small", "http://127.0.0.1:1").allow_insecure_http(true),
        )
        .expect("pipeline");
        let req = crate::Request::new("get", http::Method::GET, "/x/{id}").path_param("id", 1);
        let call = p.send(req);
        assert!(
            std::mem::size_of_val(&call) <= 2048,
            "{}",
            std::mem::size_of_val(&call)
        );
        assert!(
            std::mem::size_of::<crate::Response>() <= 160,
            "{}",
            std::mem::size_of::<crate::Response>()
        );
    }
}
