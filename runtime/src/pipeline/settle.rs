//! Settling a keyed call with the idempotency store, even when it is cancelled.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Outcome};
use crate::idempotency::IdempotencyKey;
use crate::response::Response;

use super::Inner;

/// The store's side of a keyed call, settled when the call ends.
///
/// If the caller drops the call mid-flight (its own timeout, a cancelled request)
/// after a request may have been sent, the outcome is unknown: `Drop` remembers the
/// key from a spawned task, since the store is async.
pub(super) struct UnsettledKey {
    pub(super) inner: Arc<Inner>,
    pub(super) key: IdempotencyKey,
    pub(super) sent: AtomicBool,
    pub(super) armed: bool,
}

impl UnsettledKey {
    /// Remembers the key of a call whose outcome is unknown; forgets a key the call
    /// reused once its outcome is known.
    pub(super) async fn settle(mut self, result: &Result<Response, Error>) {
        self.armed = false;
        let Some((op, digest, reused)) = &self.key.origin else {
            return;
        };
        let unknown = match result {
            Err(e) => e.outcome() == Outcome::Unknown,
            Ok(resp) => !resp.is_success() && resp.earlier_attempt_unknown(),
        };
        let store = &self.inner.store;
        let r = if unknown {
            store
                .remember(op, digest, self.key.as_str(), self.inner.key_ttl)
                .await
        } else if *reused && !matches!(result, Err(Error::Config { .. })) {
            store.forget(op, digest).await
        } else {
            Ok(())
        };
        if let Err(e) = r {
            match &self.inner.shared {
                Some(guard) => guard.failed("idempotency", Some(&e)),
                None => {
                    tracing::warn!(adapter = %self.inner.name, operation = %op, error = %e, "idempotency store update failed")
                }
            }
        }
    }
}

impl Drop for UnsettledKey {
    fn drop(&mut self) {
        if !self.armed || !self.sent.load(Ordering::Relaxed) {
            return;
        }
        let Some((op, digest, _)) = self.key.origin.clone() else {
            return;
        };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(adapter = %self.inner.name, operation = %op, "call cancelled outside a runtime; its idempotency key is not remembered");
            return;
        };
        let inner = self.inner.clone();
        let key = self.key.clone();
        handle.spawn(async move {
            if let Err(e) = inner.store.remember(&op, &digest, key.as_str(), inner.key_ttl).await {
                tracing::warn!(adapter = %inner.name, operation = %op, error = %e, "idempotency store update failed");
            }
        });
    }
}
