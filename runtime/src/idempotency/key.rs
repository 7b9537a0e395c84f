//! The key value and where it goes on the wire.

use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};

/// Where the request carries its idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlacement {
    /// In this header (Stripe, Adyen: `Idempotency-Key`); the pipeline sets it.
    Header(&'static str),
    /// In the body (Square: `idempotency_key`); the generated code put it there, and
    /// the pipeline only learns that the call is safe to retry.
    Body,
}

/// The idempotency key of one logical call.
///
/// Cloning is cheap. The key is not a secret: it appears in errors so the caller can
/// replay a call whose outcome is unknown. Keys compare by their value.
#[derive(Clone)]
pub struct IdempotencyKey {
    value: Arc<str>,
    /// Given by the caller's [`super::replay`]: an earlier call's key.
    replayed: bool,
}

/// Longest key sent verbatim; Stripe accepts 255 characters, and a derived key keeps
/// well under that with its operation prefix.
const MAX_VERBATIM: usize = 200;

impl IdempotencyKey {
    /// A key with this exact value (for keys that come from the caller).
    pub fn from_value(value: impl Into<String>) -> Self {
        Self {
            value: Arc::from(value.into()),
            replayed: false,
        }
    }

    /// The key of an earlier call, replayed by the caller.
    pub(crate) fn replayed(value: String) -> Self {
        Self {
            value: Arc::from(value),
            replayed: true,
        }
    }

    /// A key derived from a domain value: `operation:value` when the value is short
    /// and plain, else `operation:sha256:<hex>`. Namespacing by operation keeps an
    /// order's payment and its refund from sharing a key.
    pub fn derive(operation: &str, domain_value: &str) -> Self {
        let plain = !domain_value.is_empty()
            && domain_value.len() <= MAX_VERBATIM
            && domain_value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        let value = if plain {
            format!("{operation}:{domain_value}")
        } else {
            format!(
                "{operation}:sha256:{}",
                hex(&Sha256::digest(domain_value.as_bytes()))
            )
        };
        Self::from_value(value)
    }

    /// A fresh UUIDv4 key.
    pub fn random() -> Self {
        Self::from_value(uuid::Uuid::new_v4().to_string())
    }

    /// Whether the caller replays this key ([`super::replay`]): it belonged to an
    /// earlier call whose outcome was unknown, which the vendor may still be processing.
    pub fn is_replay(&self) -> bool {
        self.replayed
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl PartialEq for IdempotencyKey {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for IdempotencyKey {}

impl std::hash::Hash for IdempotencyKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdempotencyKey")
            .field(&&*self.value)
            .finish()
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_are_stable_and_namespaced() {
        assert_eq!(
            IdempotencyKey::derive("create_payment", "ord_42").as_str(),
            "create_payment:ord_42"
        );
        assert_eq!(
            IdempotencyKey::derive("create_payment", "ord 42/é"),
            IdempotencyKey::derive("create_payment", "ord 42/é")
        );
        let hashed = IdempotencyKey::derive("refund", "ord 42/é");
        assert!(hashed.as_str().starts_with("refund:sha256:"), "{hashed}");
        assert!(hashed.as_str().len() < 255);
        assert_ne!(
            IdempotencyKey::derive("refund", "x"),
            IdempotencyKey::derive("create_payment", "x")
        );
    }

    #[test]
    fn random_keys_differ() {
        assert_ne!(IdempotencyKey::random(), IdempotencyKey::random());
        assert_eq!(IdempotencyKey::random().as_str().len(), 36);
    }
}
