//! What one logical call has learnt across its attempts, and its final answer.

use std::time::{Duration, SystemTime};

use crate::error::{Error, Outcome, TimeoutLimit};
use crate::idempotency::IdempotencyKey;
use crate::policy::Resolved;
use crate::response::Response;
use crate::retry::{AttemptFailure, RetryBudget, backoff, is_safe_to_retry, retry_after};
use crate::timeout::Deadline;

use super::attempt::{Failed, describe};

/// What one logical call has learnt so far, for building its final answer.
pub(super) struct Call<'a> {
    pub(super) operation: &'a str,
    pub(super) method: &'a http::Method,
    pub(super) key: Option<&'a IdempotencyKey>,
    /// Marked [`crate::Request::read_only`]: retried like a GET (whose method
    /// `is_safe_to_retry` already reads).
    pub(super) read_only: bool,
    pub(super) attempts: u32,
    /// Whether any attempt may have been applied without us seeing the answer.
    pub(super) unknown: bool,
    /// Time spent waiting for rate-limit slots, over all attempts.
    pub(super) rate_wait: Duration,
    /// Retry-budget tokens the call's retries took, returned when it succeeds.
    pub(super) spent_tokens: u32,
}

/// What follows a failed attempt.
pub(super) enum Next {
    /// Wait this long, then try again; the failure stays the call's answer until then.
    Retry(Failed, Duration),
    /// The call is over.
    Done(Result<Response, Error>),
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

    pub(super) fn response(&self, resp: Response) -> Response {
        resp.with_attempts(self.attempts)
            .with_earlier_unknown(self.unknown)
            .with_rate_wait(self.rate_wait)
    }

    /// After a failed attempt (which took `elapsed`): the failure back with the wait
    /// before the next attempt, or the call's final answer when it must not (or
    /// cannot) be retried.
    #[cold]
    #[inline(never)]
    pub(super) fn plan_retry(
        &mut self,
        failed: Failed,
        policy: &Resolved,
        deadline: &Deadline,
        retry_budget: Option<&RetryBudget>,
        elapsed: Duration,
    ) -> Next {
        if matches!(
            failed.failure,
            AttemptFailure::Timeout | AttemptFailure::Broken
        ) {
            self.unknown = true;
        }
        tracing::debug!(attempt = self.attempts, failure = ?failed.failure, ?elapsed, "attempt failed");
        if self.attempts >= policy.retry.attempts {
            return Next::Done(self.give_up(failed, deadline, "attempts exhausted"));
        }
        if !is_safe_to_retry(
            self.method,
            self.key.is_some() || self.read_only,
            failed.failure,
        ) {
            return Next::Done(self.give_up(failed, deadline, "not safe to retry"));
        }
        let mut wait = backoff::full_jitter(
            policy.retry.base,
            policy.retry.cap,
            self.attempts - 1,
            &mut rand::rng(),
        );
        if let Some(resp) = &failed.response {
            if let Some(asked) = retry_after::from_response(resp, SystemTime::now()) {
                if asked > policy.retry.max_retry_after {
                    return Next::Done(self.give_up(
                        failed,
                        deadline,
                        "Retry-After longer than max_retry_after",
                    ));
                }
                wait = wait.max(asked);
            }
        }
        if !deadline.fits(wait) {
            return Next::Done(self.give_up(failed, deadline, "backoff would not fit the budget"));
        }
        if let Some(b) = retry_budget {
            match b.try_acquire(failed.failure == AttemptFailure::Timeout) {
                Some(cost) => self.spent_tokens += cost,
                None => {
                    return Next::Done(self.give_up(failed, deadline, "retry budget exhausted"));
                }
            }
        }
        Next::Retry(failed, wait)
    }

    /// The DEBUG line of a final response, out of line like every rare path.
    #[cold]
    #[inline(never)]
    pub(super) fn log_final(&self, status: u16, elapsed: Duration) {
        tracing::debug!(attempt = self.attempts, status, ?elapsed, "final response");
    }

    #[cold]
    #[inline(never)]
    pub(super) fn timeout(&self, limit: TimeoutLimit) -> Error {
        Error::Timeout {
            operation: self.operation.to_owned(),
            limit,
            outcome: self.outcome(),
            attempts: self.attempts,
            idempotency_key: self.key_if_unknown(),
        }
    }

    /// Ends the call with what the last failed attempt produced.
    #[cold]
    #[inline(never)]
    pub(super) fn give_up(
        &self,
        failed: Failed,
        deadline: &Deadline,
        why: &str,
    ) -> Result<Response, Error> {
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
