//! Idempotency keys: one per logical call, identical on every retry and on the
//! caller's replay of a call whose outcome was unknown.
//!
//! * A key derived from a domain value (the mapping's `key: req.order_id`) is
//!   deterministic, so even a restarted process sends the same key for the same order.
//! * Otherwise a UUIDv4 is drawn, and the [`IdempotencyStore`] remembers it when the
//!   call ends with an unknown outcome, under the call's (operation, fingerprint); the
//!   caller's replay of the same request finds it there instead of drawing a new one.

mod key;
mod store;

pub use key::{IdempotencyKey, KeyPlacement};
pub use store::{IdempotencyStore, InMemoryIdempotencyStore, StoreFuture};

pub(crate) use key::fingerprint_digest;
