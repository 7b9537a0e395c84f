//! What one logical call has learnt across its attempts, and its final answer.

use std::time::Duration;

use crate::error::{Error, Outcome, TimeoutLimit};
use crate::idempotency::IdempotencyKey;
use crate::response::Response;
use crate::retry::AttemptFailure;
use crate::timeout::Deadline;

use super::attempt::{Failed, describe};

/// What one logical call has learnt so far, for building its final answer.
pub(super) struct Call<'a> {
    pub(super) operation: &'a str,
    pub(super) key: Option<&'a IdempotencyKey>,
    pub(super) attempts: u32,
    /// Whether any attempt may have been applied without us seeing the answer.
    pub(super) unknown: bool,
    /// Time spent waiting for rate-limit slots, over all attempts.
    pub(super) rate_wait: Duration,
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
