//! The pipeline's side of observability: one [`CallObs`] per call, and the counting
//! of a call answered with a response, deferred (as a [`PendingCount`] the response
//! carries) until the adapter has decoded it.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use tokio::time::Instant;
use tracing::Span;
use tracing::field::{Empty, Field, FieldSet, Value};

use super::metrics::{OUTCOMES, breaker_value, failure_label, outcome_index, retry_counter};
use super::{CorrelationId, Observer, OpObserver};
use crate::breaker::BreakerState;
use crate::error::{Error, ErrorKind};
use crate::request::Request;
use crate::response::{CallCounter, CallTime, PendingCount, Response};
use crate::retry::AttemptFailure;

/// Built once: `from_static` validates the name each time it runs outside a const.
static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// One call's span, correlation id and clock.
pub(crate) struct CallObs<'a> {
    observer: &'a Observer,
    req: &'a Request,
    op: &'a OpObserver,
    id: CorrelationId,
    span: Span,
    started: Instant,
    /// When the answer arrived, if the pipeline read the clock then and waited on
    /// nothing since: the call's end, without another clock read.
    answered_at: Option<Instant>,
    attempts: u32,
    /// The first attempt's `traceparent`, made with a generated id in one allocation.
    first_traceparent: Option<HeaderValue>,
}

impl Observer {
    /// Opens the call's span under the caller's correlation id (or a fresh one).
    pub(crate) fn start<'a>(&'a self, req: &'a Request, op: &'a OpObserver) -> CallObs<'a> {
        let (id, first_traceparent) = match CorrelationId::current() {
            Some(id) => (id, None),
            None => {
                let (id, traceparent) = CorrelationId::generate_with_traceparent();
                (id, Some(traceparent))
            }
        };
        let span = tracing::info_span!(
            "vendor_call",
            otel.kind = "client",
            vendor = %op.vendor,
            operation = %op.operation,
            correlation_id = %id,
            http.request.method = req.method.as_str(),
            server.address = &*self.server_address,
            url.template = &*req.path,
            http.response.status_code = Empty,
            http.request.resend_count = Empty,
            error.type = Empty,
            outcome = Empty,
            attempts = Empty,
            latency_ms = Empty,
            retry_reason = Empty,
            breaker_state = Empty,
        );
        CallObs {
            observer: self,
            req,
            op,
            id,
            span,
            started: Instant::now(),
            answered_at: None,
            attempts: 0,
            first_traceparent,
        }
    }
}

impl CallObs<'_> {
    pub(crate) fn span(&self) -> &Span {
        &self.span
    }

    /// When the call started.
    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    /// The answer the call returns arrived at `at` (a reading the pipeline took as the
    /// attempt ended), and nothing was awaited since.
    pub(crate) fn answered_at(&mut self, at: Instant) {
        self.answered_at = Some(at);
    }

    /// Adds the correlation header and `traceparent` to one attempt's request.
    pub(crate) fn stamp(&mut self, req: &mut reqwest::Request) {
        let headers = req.headers_mut();
        if let Some(name) = &self.observer.correlation_header {
            headers.insert(name.clone(), self.id.header_value());
        }
        if self.observer.traceparent {
            let traceparent = self
                .first_traceparent
                .take()
                .unwrap_or_else(|| self.id.traceparent());
            headers.insert(TRACEPARENT.clone(), traceparent);
        }
    }

    /// The span of attempt `n` (1-based), a child of the call's.
    pub(crate) fn attempt_span(&mut self, n: u32) -> Span {
        self.attempts = n;
        tracing::debug_span!(
            parent: &self.span,
            "vendor_attempt",
            otel.kind = "client",
            attempt = n,
            http.request.resend_count = n - 1,
            http.request.method = self.req.method.as_str(),
            server.address = &*self.observer.server_address,
            url.template = &*self.req.path,
            http.response.status_code = Empty,
            error.type = Empty,
            latency_ms = Empty,
            breaker_state = Empty,
        )
    }

    /// Records what one attempt produced: on its span, and in the breaker and
    /// rate-limit gauges. `remaining` is what the answer's rate-limit headers said
    /// (`limit::headers`), if anything.
    pub(crate) fn attempt_end(
        &self,
        span: &Span,
        status: Option<u16>,
        remaining: Option<u64>,
        failure: Option<AttemptFailure>,
        elapsed: Duration,
        breaker: BreakerState,
    ) {
        let breaker_label = breaker_name(breaker);
        self.op.metrics.breaker.set(breaker_value(breaker));
        if let Some(remaining) = remaining {
            self.observer
                .ratelimit
                .get_or_init(|| super::metrics::ratelimit_gauge(&self.op.vendor))
                .set(remaining as f64);
        }
        match CallFields::of(&self.span) {
            Some(f) => {
                self.span.record(&f.breaker_state, breaker_label);
            }
            None => {
                self.span.record("breaker_state", breaker_label);
            }
        }
        if span.is_disabled() {
            return;
        }
        if let Some(s) = status {
            span.record("http.response.status_code", s);
        }
        if let Some(f) = failure {
            span.record("error.type", failure_label(f));
        }
        span.record("latency_ms", millis(elapsed));
        span.record("breaker_state", breaker_label);
    }

    /// Counts a retry and says why in the call's span and log.
    pub(crate) fn retrying(&self, failure: AttemptFailure, wait: Duration) {
        let reason = failure_label(failure);
        retry_counter(&self.op.vendor, &self.op.operation, reason).increment(1);
        self.span.record("retry_reason", reason);
        tracing::info!(parent: &self.span, attempt = self.attempts, retry_reason = reason, wait_ms = millis(wait), "retrying vendor call");
    }

    /// The breaker refused the call.
    pub(crate) fn breaker_refused(&self, state: BreakerState) {
        self.op.metrics.breaker.set(breaker_value(state));
        self.span.record("breaker_state", breaker_name(state));
    }

    /// Closes the call. A failed call is concluded now (outcome on the span, log line,
    /// count); a call answered with a response only once the adapter has decoded it
    /// (its [`PendingCount`]), so that an answer which does not match the contract is
    /// never logged as `ok` first.
    pub(crate) fn finish(self, result: Result<Response, Error>) -> Result<Answered, Error> {
        let ended = match (&result, self.answered_at) {
            (Ok(_), Some(at)) => at,
            _ => Instant::now(),
        };
        let latency = ended.saturating_duration_since(self.started);
        self.op.metrics.duration.record(latency.as_secs_f64());
        match result {
            Ok(resp) => Ok(Answered {
                status: resp.status(),
                kind: resp.status_kind(),
                resp,
                id: self.id,
                time: CallTime { ended, latency },
                attempts: self.attempts,
                span: self.span,
            }),
            Err(e) => {
                let kind = Some(e.kind());
                let status = e.status();
                conclude(&self.span, kind, status, self.attempts, latency, Some(&e));
                self.op.metrics.calls[outcome_index(kind)].increment(1);
                self.op.health(ended, latency, is_failure(kind, status));
                Err(e)
            }
        }
    }
}

/// Records the call's outcome on its span and logs its closing line: INFO for a
/// success or a business answer, WARN for a failure.
fn conclude(
    span: &Span,
    kind: Option<ErrorKind>,
    status: Option<u16>,
    attempts: u32,
    latency: Duration,
    error: Option<&Error>,
) {
    let outcome = OUTCOMES[outcome_index(kind)];
    let latency_ms = millis(latency);
    if !span.is_disabled() {
        let resend_count = attempts.saturating_sub(1);
        let error_type = kind
            .is_some()
            .then(|| status.map_or(outcome, super::metrics::status_label));
        match CallFields::of(span) {
            // One record for all of them: each record is a trip through the
            // subscriber, and a field named by string is searched for among the
            // span's sixteen.
            Some(f) => {
                span.record_all(&f.set.value_set(&[
                    (&f.outcome, Some(&outcome as &dyn Value)),
                    (&f.attempts, Some(&attempts as &dyn Value)),
                    (&f.resend_count, Some(&resend_count as &dyn Value)),
                    (&f.latency_ms, Some(&latency_ms as &dyn Value)),
                    (&f.status, status.as_ref().map(|s| s as &dyn Value)),
                    (&f.error_type, error_type.as_ref().map(|e| e as &dyn Value)),
                ]));
            }
            None => record_by_name(span, outcome, attempts, latency_ms, status, error_type),
        }
    }
    if is_failure(kind, status) {
        log_failed(span, outcome, status, attempts, latency_ms, error);
    } else {
        tracing::info!(parent: span, outcome, status, attempts, latency_ms, "vendor call");
    }
}

/// [`conclude`]'s record for a span that is not the `vendor_call` span (a
/// subscriber that rewrote its metadata): by field name, one at a time.
#[cold]
#[inline(never)]
fn record_by_name(
    span: &Span,
    outcome: &str,
    attempts: u32,
    latency_ms: f64,
    status: Option<u16>,
    error_type: Option<&str>,
) {
    span.record("outcome", outcome);
    span.record("attempts", attempts);
    span.record("http.request.resend_count", attempts.saturating_sub(1));
    span.record("latency_ms", latency_ms);
    if let Some(s) = status {
        span.record("http.response.status_code", s);
    }
    if let Some(e) = error_type {
        span.record("error.type", e);
    }
}

/// [`conclude`]'s closing line for a failed call, at WARN.
#[cold]
#[inline(never)]
fn log_failed(
    span: &Span,
    outcome: &str,
    status: Option<u16>,
    attempts: u32,
    latency_ms: f64,
    error: Option<&Error>,
) {
    match error {
        Some(e) => {
            tracing::warn!(parent: span, outcome, attempts, latency_ms, error = %e, "vendor call failed")
        }
        None => {
            tracing::warn!(parent: span, outcome, status, attempts, latency_ms, "vendor call failed")
        }
    }
}

/// A call answered with a response, observed but not yet counted: the count is
/// deferred to the response (see [`PendingCount`]), and handed to the counter that
/// owns the operation's observer once the call no longer borrows it.
pub(crate) struct Answered {
    resp: Response,
    id: CorrelationId,
    status: u16,
    kind: Option<ErrorKind>,
    time: CallTime,
    attempts: u32,
    span: Span,
}

impl Answered {
    /// The response, carrying its count for `counter` to make when it is dropped.
    pub(crate) fn counted_by(self, counter: Arc<dyn CallCounter>) -> Response {
        self.resp.with_count(PendingCount::new(
            counter,
            self.id,
            self.status,
            self.kind,
            self.time,
            self.attempts,
            self.span,
        ))
    }
}

/// The `vendor_call` fields recorded after the span opens, looked up once. Every span
/// of that name comes from the one `info_span!` in [`Observer::start`], so they share
/// its metadata and these fields.
struct CallFields {
    set: &'static FieldSet,
    status: Field,
    resend_count: Field,
    error_type: Field,
    outcome: Field,
    attempts: Field,
    latency_ms: Field,
    breaker_state: Field,
}

static CALL_FIELDS: OnceLock<Option<CallFields>> = OnceLock::new();

impl CallFields {
    /// The fields for `span`, or `None` (record by name then) if the span has no
    /// metadata or is not the `vendor_call` span they were taken from.
    fn of(span: &Span) -> Option<&'static CallFields> {
        let meta = span.metadata()?;
        let fields = CALL_FIELDS
            .get_or_init(|| {
                let set = meta.fields();
                Some(CallFields {
                    set,
                    status: set.field("http.response.status_code")?,
                    resend_count: set.field("http.request.resend_count")?,
                    error_type: set.field("error.type")?,
                    outcome: set.field("outcome")?,
                    attempts: set.field("attempts")?,
                    latency_ms: set.field("latency_ms")?,
                    breaker_state: set.field("breaker_state")?,
                })
            })
            .as_ref()?;
        (fields.outcome.callsite() == meta.callsite()).then_some(fields)
    }
}

/// The operation's observer counts its calls answered with a response.
impl CallCounter for OpObserver {
    fn contract_broken(&self, call: &PendingCount, path: &str, message: &str) {
        // `detail`, not `message`: that key is the event's own text in JSON logs.
        if call.kind.is_none() {
            tracing::warn!(
                parent: &call.span,
                vendor = %self.vendor, operation = %self.operation, correlation_id = %call.id,
                http.response.status_code = call.status, path, detail = message,
                "vendor response does not match the contract"
            );
        } else {
            tracing::debug!(
                parent: &call.span,
                vendor = %self.vendor, operation = %self.operation, correlation_id = %call.id,
                http.response.status_code = call.status, path, detail = message,
                "vendor error body is not in the spec's error format"
            );
        }
    }

    fn count(&self, call: &PendingCount) {
        let kind = call.outcome();
        let status = Some(call.status);
        conclude(
            &call.span,
            kind,
            status,
            call.attempts,
            call.time.latency,
            None,
        );
        self.metrics.calls[outcome_index(kind)].increment(1);
        self.health(call.time.ended, call.time.latency, is_failure(kind, status));
    }
}

/// Whether the outcome says the vendor is unhealthy, the breaker's reading: business
/// answers (a declined card, a 404) and throttling are not.
fn is_failure(kind: Option<ErrorKind>, status: Option<u16>) -> bool {
    match kind {
        Some(
            ErrorKind::Timeout
            | ErrorKind::Transport
            | ErrorKind::Unavailable
            | ErrorKind::Contract,
        ) => true,
        Some(ErrorKind::Vendor) => status.is_some_and(|s| s >= 500 || s == 408),
        _ => false,
    }
}

fn breaker_name(state: BreakerState) -> &'static str {
    match state {
        BreakerState::Closed => "closed",
        BreakerState::HalfOpen => "half_open",
        BreakerState::Open => "open",
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
