//! One attempt: send, read the whole body under the attempt's deadline, classify.

use tokio::time::Instant;

use crate::body_limit::{ReadError, read_body};
use crate::breaker::CallOutcome;
use crate::error::{Error, TimeoutLimit};
use crate::response::Response;
use crate::retry::AttemptFailure;

/// What one attempt produced.
pub(super) enum Attempt {
    Done(Response),
    Failed(Failed),
    /// The vendor answered with a body longer than the adapter reads: a final
    /// [`Error::Contract`], since asking again brings the same body.
    TooLarge(u16, Error),
}

/// An attempt that did not produce a final answer.
pub(super) struct Failed {
    pub(super) failure: AttemptFailure,
    /// The response, when the failure is a retryable status.
    pub(super) response: Option<Response>,
    /// The underlying error (URL stripped), for transport failures.
    pub(super) error: Option<reqwest::Error>,
    /// Which limit elapsed, for timeouts.
    pub(super) limit: Option<TimeoutLimit>,
}

/// The error chain of a reqwest error without its URL (which may carry an API key in
/// its query).
pub(super) fn describe(e: &reqwest::Error) -> String {
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

impl Attempt {
    /// Status, headers and failure, for the attempt's span and the metrics.
    pub(super) fn summary(
        &self,
    ) -> (
        Option<u16>,
        Option<&http::HeaderMap>,
        Option<AttemptFailure>,
    ) {
        match self {
            Attempt::Done(r) => (Some(r.status()), Some(r.headers()), None),
            Attempt::TooLarge(status, _) => (Some(*status), None, None),
            Attempt::Failed(f) => (
                f.response.as_ref().map(Response::status),
                f.response.as_ref().map(Response::headers),
                Some(f.failure),
            ),
        }
    }
}

pub(super) fn breaker_outcome(attempt: &Attempt) -> CallOutcome {
    let status = match attempt {
        Attempt::Done(r) => r.status(),
        Attempt::Failed(Failed {
            response: Some(r), ..
        }) => r.status(),
        Attempt::Failed(_) | Attempt::TooLarge(..) => return CallOutcome::Failure,
    };
    match status {
        429 => CallOutcome::Ignored,
        500.. | 408 => CallOutcome::Failure,
        _ => CallOutcome::Success,
    }
}

/// Sends one attempt under its deadline, if it has one; [`classify`] reads the outcome.
///
/// A plain function returning a small enum rather than an `async fn`: an async fn
/// stores its future argument and the awaited future separately, which doubled the
/// call's state to kilobytes that every await copies. Without a deadline no timer is
/// registered at all (a far-future one still costs a timer-wheel insert and removal).
pub(super) fn run_attempt(
    client: &reqwest::Client,
    req: reqwest::Request,
    at: Option<Instant>,
    max_body: usize,
) -> Bounded<impl Future<Output = Result<Response, ReadError>> + Send + use<>> {
    let exchange = exchange(client, req, max_body);
    match at {
        Some(at) => Bounded::Timed {
            inner: tokio::time::timeout_at(at, exchange),
        },
        None => Bounded::Open { inner: exchange },
    }
}

/// The attempt's deadline passed before the exchange finished.
pub(super) struct Elapsed;

pin_project_lite::pin_project! {
    /// An exchange with or without a deadline.
    #[project = BoundedProj]
    pub(super) enum Bounded<F> {
        Timed { #[pin] inner: tokio::time::Timeout<F> },
        Open { #[pin] inner: F },
    }
}

impl<F: Future> Future for Bounded<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match self.project() {
            BoundedProj::Timed { inner } => inner.poll(cx).map(|r| r.map_err(|_| Elapsed)),
            BoundedProj::Open { inner } => inner.poll(cx).map(Ok),
        }
    }
}

/// The request and the whole body, up to `max_body` bytes: a reset or truncation while
/// reading the body is a failure of this attempt, not a decode error later.
fn exchange(
    client: &reqwest::Client,
    req: reqwest::Request,
    max_body: usize,
) -> impl Future<Output = Result<Response, ReadError>> + Send + use<> {
    // Started outside the async block so the block captures reqwest's small
    // `Pending` instead of the whole request.
    let pending = client.execute(req);
    async move {
        let mut resp = pending.await.map_err(ReadError::Http)?;
        let status = resp.status().as_u16();
        let headers = std::mem::take(resp.headers_mut());
        let body = read_body(&mut resp, max_body).await?;
        Ok(Response::new(status, headers, body))
    }
}

/// What an attempt's outcome means for the call.
///
/// `in_flight_may_conflict` is set for a keyed call an earlier attempt of which (in
/// this call, or in the call whose key it replays) may still be running at the vendor:
/// a 409 ("key in use", as Stripe and the IETF Idempotency-Key draft answer) then
/// means "still processing", which a later retry resolves, so it is retried like a
/// 503. Otherwise a 409 is the vendor's final word.
pub(super) fn classify(
    operation: &str,
    outcome: Result<Result<Response, ReadError>, TimeoutLimit>,
    retry_on: &[u16],
    in_flight_may_conflict: bool,
) -> Attempt {
    let retryable = |resp: &Response| {
        let s = resp.status();
        retry_on.contains(&s)
            || (s == 409 && in_flight_may_conflict)
            || (s == 403 && retry_on.contains(&429) && throttling_403(resp))
    };
    match outcome {
        Ok(Ok(resp)) if retryable(&resp) => Attempt::Failed(Failed {
            failure: AttemptFailure::Status(resp.status()),
            response: Some(resp),
            error: None,
            limit: None,
        }),
        Ok(Ok(resp)) => Attempt::Done(resp),
        Ok(Err(ReadError::TooLarge { status, limit })) => Attempt::TooLarge(
            status,
            Error::contract(
                operation,
                "$",
                format!(
                    "HTTP {status} response body is longer than {limit} bytes, the adapter's limit (AdapterConfig::max_response_bytes)"
                ),
            ),
        ),
        Ok(Err(ReadError::Http(e))) => Attempt::Failed(Failed {
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

/// A 403 the rate-limit headers say is throttling (GitHub answers its limits with 403:
/// `x-ratelimit-remaining: 0` with a reset, or a `Retry-After` for its secondary
/// limit): retried like a 429 when 429 is, its wait read from the same headers.
fn throttling_403(resp: &Response) -> bool {
    let headers = resp.headers();
    headers.contains_key(http::header::RETRY_AFTER)
        || crate::retry::retry_after::rate_limit_exhausted(headers)
}
