//! Idempotency keys for a call: derived from a domain value, reused from an earlier
//! call whose outcome was unknown, or drawn fresh.

use std::sync::Arc;

use crate::idempotency::{IdempotencyKey, fingerprint_digest};
use crate::request::Request;

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

    /// The idempotency key for `request`: [`Self::idempotency_key`] for its operation,
    /// with the request's own fingerprint (its method, path parameters, query and body,
    /// as they will be sent).
    ///
    /// Build the request first, then ask for its key: the fingerprint is computed from
    /// the body already serialised, and only when there is no domain value. A key that
    /// goes in the body (Square's `idempotency_key`) is fingerprinted with that field
    /// still empty, so every replay of the call finds the same key.
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn demo(pipeline: &portcullis_runtime::Pipeline) -> Result<(), portcullis_runtime::Error> {
    /// use portcullis_runtime::{KeyPlacement, Method, Request};
    ///
    /// let request = Request::new("refund", Method::POST, "/v1/refunds")
    ///     .json_body(&serde_json::json!({ "payment_intent": "pi_1", "amount": 500 }))?;
    /// let key = pipeline.idempotency_key_of(&request, None).await;
    /// let response = pipeline
    ///     .send(request.idempotency(&key, KeyPlacement::Header("Idempotency-Key")))
    ///     .await?;
    /// # let _ = response;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn idempotency_key_of(
        &self,
        request: &Request,
        domain_value: Option<String>,
    ) -> IdempotencyKey {
        if let Some(value) = domain_value {
            return IdempotencyKey::derive(request.operation(), &value);
        }
        self.idempotency_key(request.operation(), None, request.fingerprint())
            .await
    }
}
