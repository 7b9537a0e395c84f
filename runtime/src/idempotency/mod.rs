//! Idempotency keys: one per logical call, identical on every retry and on the
//! caller's replay of a call whose outcome was unknown.
//!
//! * A key derived from a domain value (the mapping's `key: req.order_id`) is
//!   deterministic, so even a restarted process sends the same key for the same order.
//! * Otherwise the caller's scope decides: [`replay`] sends the key an error with an
//!   unknown outcome carried, [`logical_call`] derives one from the caller's own id of
//!   the call; outside both, a fresh UUIDv4 is drawn per call. Requests are never
//!   matched by their bytes: a deliberate second identical write is always made.
//! * Either way the key fits the [`KeyShape`] the vendor's spec allows for the field or
//!   header it goes into (Square: at most 45 characters), shortened stably when the
//!   plain key would not fit ([`crate::Pipeline::idempotency_key_for`], in `call.rs`).

mod call;
mod key;
mod scope;
mod shape;

pub use call::KeySource;
pub use key::{IdempotencyKey, KeyPlacement};
pub use scope::{logical_call, replay};
pub use shape::KeyShape;

pub(crate) use scope::{CallKey, current as current_scope};
