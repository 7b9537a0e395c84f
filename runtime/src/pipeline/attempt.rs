//! One attempt: send, read the whole body under the attempt's deadline, classify.

use tokio::time::Instant;

use crate::breaker::CallOutcome;
use crate::error::TimeoutLimit;
use crate::response::Response;
use crate::retry::AttemptFailure;
use crate::timeout::run_until;

/// What one attempt produced.
pub(super) enum Attempt {
    Done(Response),
    Failed(Failed),
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

pub(super) fn breaker_outcome(attempt: &Attempt) -> CallOutcome {
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

/// Sends one attempt. `in_flight_may_conflict` is set for a keyed call an earlier
/// attempt of which (in this call, or in the call whose key it replays) may still be
/// running at the vendor: a 409 ("key in use", as Stripe and the IETF Idempotency-Key
/// draft answer) then means "still processing", which a later retry resolves, so it is
/// retried like a 503. Otherwise a 409 is the vendor's final word.
pub(super) async fn run_attempt(
    client: &reqwest::Client,
    req: reqwest::Request,
    limit: Option<(Instant, TimeoutLimit)>,
    retry_on: &[u16],
    in_flight_may_conflict: bool,
) -> Attempt {
    let retryable = |s: u16| retry_on.contains(&s) || (s == 409 && in_flight_may_conflict);
    let exchange = async {
        let mut resp = client.execute(req).await?;
        let status = resp.status().as_u16();
        let headers = std::mem::take(resp.headers_mut());
        let body = resp.bytes().await?;
        Ok::<_, reqwest::Error>(Response::new(status, headers, body))
    };
    match run_until(limit, exchange).await {
        Ok(Ok(resp)) if retryable(resp.status()) => Attempt::Failed(Failed {
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
