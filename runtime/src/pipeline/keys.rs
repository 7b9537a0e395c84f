//! Idempotency keys for a call: derived from a domain value or from the caller's
//! logical-call id, replayed from an earlier call, or drawn fresh.

use crate::idempotency::{CallKey, IdempotencyKey, current_scope};

use super::Pipeline;

impl Pipeline {
    /// The idempotency key for one logical call of `operation`, in no particular
    /// shape (generated code uses [`Pipeline::idempotency_key_for`], which fits the
    /// key to the vendor's spec).
    ///
    /// With a domain value (the mapping's `idempotency.key`), the key is derived from
    /// it and is the same in every process. Without one, the caller's scope decides:
    /// inside [`crate::idempotency::replay`] the key given there, inside
    /// [`crate::idempotency::logical_call`] a key derived from that id; otherwise a
    /// fresh UUIDv4, so two deliberate identical writes are two writes.
    pub async fn idempotency_key(
        &self,
        operation: &str,
        domain_value: Option<String>,
    ) -> IdempotencyKey {
        match (domain_value, current_scope()) {
            (Some(value), _) | (None, Some(CallKey::Logical(value))) => {
                IdempotencyKey::derive(operation, &value)
            }
            (None, Some(CallKey::Replay(key))) => IdempotencyKey::replayed(key),
            (None, None) => IdempotencyKey::random(),
        }
    }
}
