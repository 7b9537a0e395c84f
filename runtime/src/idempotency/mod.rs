//! Idempotency keys: one per logical call, identical on every retry and on the
//! caller's replay of a call whose outcome was unknown.
//!
//! * A key derived from a domain value (the mapping's `key: req.order_id`) is
//!   deterministic, so even a restarted process sends the same key for the same order.
//! * Otherwise a UUIDv4 is drawn, and the [`IdempotencyStore`] remembers it when the
//!   call ends with an unknown outcome, under the call's (operation, fingerprint); the
//!   caller's replay of the same request finds it there instead of drawing a new one.
//! * Either way the key fits the [`KeyShape`] the vendor's spec allows for the field or
//!   header it goes into (Square: at most 45 characters), shortened stably when the
//!   plain key would not fit ([`crate::Pipeline::idempotency_key_for`], in `call.rs`).

mod call;
mod key;
mod shape;
mod store;

pub use call::KeySource;
pub use key::{IdempotencyKey, KeyPlacement};
pub use shape::KeyShape;
pub use store::{IdempotencyStore, InMemoryIdempotencyStore, StoreFuture};

pub(crate) use key::fingerprint_digest;
