//! Idempotency keys for a call: derived from a domain value, reused from an earlier
//! call whose outcome was unknown, or drawn fresh.

use std::sync::Arc;

use crate::idempotency::{IdempotencyKey, fingerprint_digest};

use super::Pipeline;

impl Pipeline {
    /// The idempotency key for one logical call of `operation`.
    ///
    /// With a domain value (the mapping's `idempotency.key`), the key is derived from
    /// it and is the same in every process. Without one, the store is asked for the key
    /// of an earlier call with the same `fingerprint` (the request's identifying bytes,
    /// usually its encoded body) that ended with an unknown outcome; failing that, a
    /// fresh UUIDv4 is drawn.
    pub async fn idempotency_key(
        &self,
        operation: &str,
        domain_value: Option<String>,
        fingerprint: impl AsRef<[u8]>,
    ) -> IdempotencyKey {
        if let Some(value) = domain_value {
            return IdempotencyKey::derive(operation, &value);
        }
        let digest = fingerprint_digest(operation, fingerprint.as_ref());
        let (mut key, reused) = match self.inner.store.lookup(operation, &digest).await {
            Ok(Some(k)) => (IdempotencyKey::from_value(k), true),
            Ok(None) => (IdempotencyKey::random(), false),
            Err(e) => {
                match &self.inner.shared {
                    // Redis: logged once per outage, counted every time.
                    Some(guard) => guard.failed("idempotency", Some(&e)),
                    None => {
                        tracing::warn!(adapter = %self.inner.name, operation, error = %e, "idempotency store lookup failed; using a fresh key")
                    }
                }
                (IdempotencyKey::random(), false)
            }
        };
        key.origin = Some((Arc::from(operation), Arc::from(digest), reused));
        if reused {
            tracing::info!(adapter = %self.inner.name, operation, key = %key, "replaying with the key of a call whose outcome was unknown");
        }
        key
    }
}
