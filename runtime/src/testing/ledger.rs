//! Side effects the mock vendor applied, keyed by idempotency key.

use std::collections::BTreeMap;

/// One side effect (a charge, a refund) the mock vendor applied.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    /// The idempotency key it was applied under (header or body field), if any.
    pub key: Option<String>,
    /// Method of the request that applied it.
    pub method: String,
    /// Path of the request that applied it.
    pub path: String,
    /// Body of the request that applied it.
    pub body: Vec<u8>,
    /// The status answered.
    pub status: u16,
    /// How many later requests with the same key were answered from this entry
    /// instead of applying the effect again.
    pub replays: u32,
    /// How many requests with the same key arrived while this one was still being
    /// processed (its reply delayed) and were answered 409.
    pub conflicts: u32,
    pub(crate) response: Vec<u8>,
    pub(crate) ready_at: std::time::Instant,
}

impl LedgerEntry {
    /// A top-level field of the request body, form-encoded or JSON.
    pub fn body_field(&self, name: &str) -> Option<String> {
        super::http1::body_field(&self.body, name)
    }
}

/// A snapshot of the mock vendor's side effects.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Every applied side effect, in order.
    pub entries: Vec<LedgerEntry>,
}

impl Ledger {
    /// Number of side effects applied.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was applied.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The effect applied under `key`.
    pub fn by_key(&self, key: &str) -> Option<&LedgerEntry> {
        self.entries.iter().find(|e| e.key.as_deref() == Some(key))
    }

    /// Groups entries by `identity` (an order id in the body, say) and returns the
    /// identities applied more than once: duplicate charges.
    pub fn duplicates_by(
        &self,
        identity: impl Fn(&LedgerEntry) -> Option<String>,
    ) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for e in &self.entries {
            if let Some(id) = identity(e) {
                *counts.entry(id).or_insert(0) += 1;
            }
        }
        counts.retain(|_, n| *n > 1);
        counts
    }
}
