//! Retries: which failures are retried, how long to wait, and how much retrying an
//! outage may add to the vendor's load.
//!
//! * [`policy`]: [`RetryPolicy`] and the safe-to-retry rule of design.md.
//! * [`backoff`]: exponential backoff with full jitter.
//! * [`budget`]: the retry token bucket shared by every call of a pipeline.
//! * [`retry_after`]: `Retry-After` and rate-limit reset headers.

pub mod backoff;
pub mod budget;
pub mod policy;
pub mod retry_after;

pub use budget::{RetryBudget, RetryBudgetPolicy};
pub use policy::{AttemptFailure, RetryPolicy, is_safe_to_retry};
