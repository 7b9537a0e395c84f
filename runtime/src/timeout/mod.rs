//! Time limits: the per-attempt timeout and the overall call budget.
//!
//! The budget is a deadline fixed when the call starts; everything the call does
//! (attempts, backoff sleeps, rate-limit waits) spends from it. Each attempt runs under
//! `min(attempt_timeout, remaining budget)`, so no call outlives its budget by more than
//! scheduling noise. Uses tokio's clock so tests can run on paused time.

use std::time::Duration;

use tokio::time::Instant;

use crate::error::TimeoutLimit;

/// The deadline of one logical call.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    started: Instant,
    end: Option<Instant>,
}

impl Deadline {
    /// Starts a call now with an optional budget (`None`: unbounded).
    pub fn start(budget: Option<Duration>) -> Self {
        let started = Instant::now();
        Self {
            started,
            // A budget too large to represent is no budget.
            end: budget.and_then(|b| started.checked_add(b)),
        }
    }

    /// Time since the call started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Budget left, `None` when unbounded.
    pub fn remaining(&self) -> Option<Duration> {
        self.end
            .map(|end| end.saturating_duration_since(Instant::now()))
    }

    /// Whether the budget is spent.
    pub fn is_expired(&self) -> bool {
        self.remaining() == Some(Duration::ZERO)
    }

    /// Whether waiting `wait` and then doing anything at all still fits the budget.
    pub fn fits(&self, wait: Duration) -> bool {
        self.remaining().is_none_or(|r| wait < r)
    }

    /// The limit for the next attempt and which one binds, or `None` when unbounded.
    pub fn attempt_limit(
        &self,
        attempt_timeout: Option<Duration>,
    ) -> Option<(Duration, TimeoutLimit)> {
        match (attempt_timeout, self.remaining()) {
            (None, None) => None,
            (Some(a), None) => Some((a, TimeoutLimit::Attempt)),
            (None, Some(r)) => Some((r, TimeoutLimit::Budget)),
            (Some(a), Some(r)) if a < r => Some((a, TimeoutLimit::Attempt)),
            (Some(_), Some(r)) => Some((r, TimeoutLimit::Budget)),
        }
    }
}

/// Runs `fut` under an optional limit; `Err(limit)` when it elapsed first.
pub async fn run_limited<F: Future>(
    limit: Option<(Duration, TimeoutLimit)>,
    fut: F,
) -> Result<F::Output, TimeoutLimit> {
    match limit {
        None => Ok(fut.await),
        Some((d, which)) => tokio::time::timeout(d, fut).await.map_err(|_| which),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn attempt_limit_is_the_smaller_of_attempt_and_remaining_budget() {
        let d = Deadline::start(Some(Duration::from_secs(10)));
        assert_eq!(
            d.attempt_limit(Some(Duration::from_secs(3))),
            Some((Duration::from_secs(3), TimeoutLimit::Attempt))
        );
        tokio::time::advance(Duration::from_secs(8)).await;
        assert_eq!(
            d.attempt_limit(Some(Duration::from_secs(3))),
            Some((Duration::from_secs(2), TimeoutLimit::Budget))
        );
        assert!(d.fits(Duration::from_secs(1)));
        assert!(!d.fits(Duration::from_secs(2)));
        tokio::time::advance(Duration::from_secs(3)).await;
        assert!(d.is_expired());
        assert_eq!(Deadline::start(None).attempt_limit(None), None);
    }

    #[tokio::test(start_paused = true)]
    async fn run_limited_reports_which_limit() {
        let slow = tokio::time::sleep(Duration::from_secs(5));
        let got = run_limited(Some((Duration::from_secs(1), TimeoutLimit::Budget)), slow).await;
        assert_eq!(got, Err(TimeoutLimit::Budget));
        let fast = async { 7 };
        assert_eq!(run_limited(None, fast).await, Ok(7));
    }
}
