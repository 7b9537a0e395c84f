//! Whether the shared store can be used right now, and saying so when it cannot.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::Error;

/// `portcullis_shared_state_up`: 1 while the shared store answers, 0 while the
/// runtime uses local state instead: `vendor`.
pub const SHARED_STATE_UP: &str = "portcullis_shared_state_up";
/// Store operations answered from local state because the shared store failed:
/// `vendor`, `store` (`rate`, `quota`, `idempotency`, `cache`).
pub const SHARED_STATE_FALLBACKS_TOTAL: &str = "portcullis_shared_state_fallbacks_total";

/// Tracks outages of one shared store: each operation gets `timeout`, and after a
/// failure the store is left alone for `retry_after`, so a dead Redis costs one
/// timeout per interval, not one per call.
#[derive(Debug)]
pub(crate) struct StoreGuard {
    vendor: String,
    timeout: Duration,
    retry_after: Duration,
    down_until: Mutex<Option<Instant>>,
}

impl StoreGuard {
    pub(crate) fn new(vendor: &str, timeout: Duration, retry_after: Duration) -> Self {
        metrics::gauge!(SHARED_STATE_UP, "vendor" => vendor.to_owned()).set(1.0);
        Self {
            vendor: vendor.to_owned(),
            timeout,
            retry_after,
            down_until: Mutex::new(None),
        }
    }

    /// Runs one operation on the shared `store` within the timeout, unless the store
    /// is known to be down. `None` means the caller uses local state instead: the
    /// store was skipped, failed or answered too late (each counted; an outage logged
    /// once).
    pub(crate) async fn ask<T>(
        &self,
        store: &'static str,
        op: impl Future<Output = Result<T, Error>>,
    ) -> Option<T> {
        if !self.usable() {
            self.failed(store, None);
            return None;
        }
        match tokio::time::timeout(self.timeout, op).await {
            Ok(Ok(v)) => {
                self.succeeded();
                Some(v)
            }
            Ok(Err(e)) => {
                self.failed(store, Some(&e));
                None
            }
            Err(_) => {
                let e = Error::store(format!(
                    "{store} store: no answer within {:?}",
                    self.timeout
                ));
                self.failed(store, Some(&e));
                None
            }
        }
    }

    /// Whether to ask the shared store now.
    pub(crate) fn usable(&self) -> bool {
        let guard = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        guard.is_none_or(|until| Instant::now() >= until)
    }

    /// The store answered.
    pub(crate) fn succeeded(&self) {
        let mut guard = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        if guard.take().is_some() {
            tracing::info!(vendor = %self.vendor, "shared state reachable again; using shared limits");
            metrics::gauge!(SHARED_STATE_UP, "vendor" => self.vendor.clone()).set(1.0);
        }
    }

    /// The store failed (or was skipped while down): the caller uses local state.
    pub(crate) fn failed(&self, store: &'static str, error: Option<&Error>) {
        metrics::counter!(SHARED_STATE_FALLBACKS_TOTAL, "vendor" => self.vendor.clone(), "store" => store)
            .increment(1);
        let Some(error) = error else { return };
        let mut guard = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            tracing::warn!(vendor = %self.vendor, store, %error, "shared state unreachable; using local limits until it answers");
            metrics::gauge!(SHARED_STATE_UP, "vendor" => self.vendor.clone()).set(0.0);
        }
        *guard = Some(Instant::now() + self.retry_after);
    }
}
