//! Graceful degradation: what a read answers when the vendor cannot.
//!
//! Chosen per operation ([`crate::Policy::fallback`]):
//!
//! * [`Fallback::Cache`]: every successful response is kept. Within `ttl` it is served
//!   without calling the vendor (like `Cache-Control: max-age`), which spends no rate
//!   or quota; for `stale_if_error` after that it is served only when the call fails,
//!   marked [`Degraded`].
//! * [`Fallback::Static`]: a fixed vendor-shaped body, decoded like a real answer and
//!   marked [`Degraded`].
//! * A fallback the caller provides is the generated adapter's business (it is a
//!   domain value); [`crate::Pipeline::record_degraded`] counts it like the others.
//!
//! A call degrades only when the vendor is the problem: rate limited, timed out,
//! unreachable, breaker open, or a 5xx. Auth, configuration, contract and 4xx errors
//! are ours to fix and always surface.
//!
//! Files: `degraded.rs` (the marker on a degraded answer, and which failures may be
//! degraded), `cache.rs` (the cached read), `static_answer.rs` (the static body). The
//! pipeline picks the path per call in [`crate::Pipeline::send`]; each path wraps the
//! plain send it is given, so the pipeline's layers run unchanged inside it.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::error::Error;
use crate::response::Response;
use crate::shared::{FallbackCache, StoreGuard};

mod cache;
mod degraded;
mod static_answer;

pub use degraded::{Degraded, DegradedSource};

/// `portcullis_degraded_total`: calls answered by a fallback: `vendor`, `operation`,
/// `source` (`cache`, `static`, `caller`).
pub const DEGRADED_TOTAL: &str = "portcullis_degraded_total";

/// `portcullis_cache_hits_total`: reads answered from a fresh cache entry without
/// asking the vendor: `vendor`, `operation`.
pub const CACHE_HITS_TOTAL: &str = "portcullis_cache_hits_total";

/// What an operation answers with when the vendor cannot.
#[derive(Debug, Clone, PartialEq)]
pub enum Fallback {
    /// The last good response.
    Cache {
        /// How long a response is served without asking the vendor.
        ttl: Duration,
        /// How long after that it may still stand in for a failed call.
        stale_if_error: Duration,
    },
    /// A fixed response, as the vendor would send it.
    Static {
        /// Its HTTP status.
        status: u16,
        /// Its JSON body.
        body: Bytes,
    },
}

/// The pipeline's fallback state: the cache of last good responses, and the adapter
/// name degraded answers are counted under.
#[derive(Debug)]
pub(crate) struct Fallbacks {
    adapter: String,
    /// The credentials' digest ([`crate::auth::Authenticator::account`]): accounts
    /// sharing one Redis never answer from each other's cache.
    account: String,
    cache: Arc<dyn FallbackCache>,
    /// Outages of the shared store the cache may live in (`None`: local state).
    shared: Option<Arc<StoreGuard>>,
}

impl Fallbacks {
    pub(crate) fn new(
        adapter: &str,
        account: &str,
        cache: Arc<dyn FallbackCache>,
        shared: Option<Arc<StoreGuard>>,
    ) -> Self {
        Self {
            adapter: adapter.to_owned(),
            account: account.to_owned(),
            cache,
            shared,
        }
    }

    /// Replaces a failed `result` with what `offer` gives, marked degraded; a result
    /// that is not the vendor's failure (see [`Degraded::applies_to`]) stands.
    fn degrade(
        &self,
        operation: &str,
        result: Result<Response, Error>,
        offer: impl FnOnce() -> Option<(Response, DegradedSource, Option<Duration>)>,
    ) -> Result<Response, Error> {
        let Some((kind, reason)) = degraded::degradable(operation, &result) else {
            return result;
        };
        let Some((resp, source, age)) = offer() else {
            return result;
        };
        let degraded = Degraded {
            source,
            age,
            kind,
            reason,
        };
        self.record_degraded(operation, &degraded);
        Ok(resp.with_degraded(degraded))
    }

    /// Logs and counts an answer a fallback gave for `operation`.
    pub(crate) fn record_degraded(&self, operation: &str, degraded: &Degraded) {
        tracing::warn!(adapter = %self.adapter, operation, source = degraded.source.label(), age = ?degraded.age, reason = %degraded.reason, "answered by a fallback");
        metrics::counter!(DEGRADED_TOTAL, "vendor" => self.adapter.clone(), "operation" => operation.to_owned(), "source" => degraded.source.label())
            .increment(1);
    }
}
