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
        Self::start_at(Instant::now(), budget)
    }

    /// Starts a call at `started` (callers that already read the clock pass it in:
    /// every clock read is on the hot path).
    pub fn start_at(started: Instant, budget: Option<Duration>) -> Self {
        Self {
            started,
            // A budget too large to represent is no budget.
            end: budget.and_then(|b| started.checked_add(b)),
        }
    }

    /// This deadline, ending no later than `at` when given (a caller's deadline over
    /// the call's own budget).
    pub fn until(mut self, at: Option<Instant>) -> Self {
        if let Some(at) = at {
            self.end = Some(self.end.map_or(at, |end| end.min(at)));
        }
        self
    }

    /// Time since the call started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Budget left, `None` when unbounded.
    pub fn remaining(&self) -> Option<Duration> {
        self.remaining_at(Instant::now())
    }

    /// Budget left at `now`.
    pub fn remaining_at(&self, now: Instant) -> Option<Duration> {
        self.end.map(|end| end.saturating_duration_since(now))
    }

    /// The instant the budget runs out, `None` when unbounded.
    pub fn end(&self) -> Option<Instant> {
        self.end
    }

    /// Whether the budget is spent.
    pub fn is_expired(&self) -> bool {
        self.remaining() == Some(Duration::ZERO)
    }

    /// Whether waiting `wait` and then doing anything at all still fits the budget.
    pub fn fits(&self, wait: Duration) -> bool {
        self.remaining().is_none_or(|r| wait < r)
    }

    /// When an attempt starting at `now` must end, and which limit that is:
    /// `min(now + attempt_timeout, budget end)`, or `None` when both are unbounded.
    pub fn attempt_deadline(
        &self,
        now: Instant,
        attempt_timeout: Option<Duration>,
    ) -> Option<(Instant, TimeoutLimit)> {
        let attempt_end = attempt_timeout.and_then(|a| now.checked_add(a));
        match (attempt_end, self.end) {
            (None, None) => None,
            (Some(a), None) => Some((a, TimeoutLimit::Attempt)),
            (None, Some(b)) => Some((b, TimeoutLimit::Budget)),
            (Some(a), Some(b)) if a < b => Some((a, TimeoutLimit::Attempt)),
            (Some(_), Some(b)) => Some((b, TimeoutLimit::Budget)),
        }
    }
}

/// Runs `fut` until an optional deadline; `Err(limit)` when it passed first.
pub async fn run_until<F: Future>(
    limit: Option<(Instant, TimeoutLimit)>,
    fut: F,
) -> Result<F::Output, TimeoutLimit> {
    match limit {
        None => Ok(fut.await),
        Some((at, which)) => tokio::time::timeout_at(at, fut).await.map_err(|_| which),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn attempt_limit_is_the_smaller_of_attempt_and_remaining_budget() {
        let t0 = Instant::now();
        let d = Deadline::start_at(t0, Some(Duration::from_secs(10)));
        assert_eq!(
            d.attempt_deadline(t0, Some(Duration::from_secs(3))),
            Some((t0 + Duration::from_secs(3), TimeoutLimit::Attempt))
        );
        tokio::time::advance(Duration::from_secs(8)).await;
        assert_eq!(
            d.attempt_deadline(Instant::now(), Some(Duration::from_secs(3))),
            Some((t0 + Duration::from_secs(10), TimeoutLimit::Budget))
        );
        assert!(d.fits(Duration::from_secs(1)));
        assert!(!d.fits(Duration::from_secs(2)));
        tokio::time::advance(Duration::from_secs(3)).await;
        assert!(d.is_expired());
        assert_eq!(Deadline::start(None).attempt_deadline(t0, None), None);
        // An attempt timeout too large to represent is no attempt timeout.
        assert_eq!(
            Deadline::start(None).attempt_deadline(t0, Some(Duration::MAX)),
            None
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_callers_deadline_caps_the_budget() {
        let t0 = Instant::now();
        let sooner = t0 + Duration::from_secs(3);
        let d = Deadline::start_at(t0, Some(Duration::from_secs(10))).until(Some(sooner));
        assert_eq!(d.end(), Some(sooner));
        let later = t0 + Duration::from_secs(30);
        let d = Deadline::start_at(t0, Some(Duration::from_secs(10))).until(Some(later));
        assert_eq!(d.end(), Some(t0 + Duration::from_secs(10)));
        assert_eq!(
            Deadline::start_at(t0, None).until(Some(later)).end(),
            Some(later)
        );
        assert_eq!(Deadline::start_at(t0, None).until(None).end(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn run_until_reports_which_limit() {
        let slow = tokio::time::sleep(Duration::from_secs(5));
        let at = Instant::now() + Duration::from_secs(1);
        let got = run_until(Some((at, TimeoutLimit::Budget)), slow).await;
        assert_eq!(got, Err(TimeoutLimit::Budget));
        let fast = async { 7 };
        assert_eq!(run_until(None, fast).await, Ok(7));
    }
}
