//! Test support for adapters: a vendor on loopback that misbehaves on purpose.
//!
//! [`MockVendor`] is a real HTTP/1.1 server on `127.0.0.1` (hand-written over tokio
//! TCP, so resets and truncated bodies are real socket events, not simulated errors).
//! Routes answer with scripted [`Reply`] sequences or a closure; every request is
//! recorded; and a [`Ledger`] of side effects keyed by idempotency key tells whether a
//! retry storm charged anyone twice.
//!
//! Compiled only with the crate's `testing` feature (off by default): enable it where
//! tests need it, `portcullis-runtime = { version = "0.1", features = ["testing"] }`
//! under `[dev-dependencies]`.
//!
//! ```no_run
//! # async fn demo() {
//! use portcullis_runtime::testing::{MockVendor, Reply};
//! use serde_json::json;
//!
//! let vendor = MockVendor::start().await;
//! vendor.route("POST", "/v1/payment_intents", vec![
//!     Reply::json(503, json!({"error": {"type": "api_error"}})).with_header("Retry-After", "1"),
//!     Reply::json(200, json!({"id": "pi_1", "status": "succeeded"})),
//! ]);
//! // point the adapter at vendor.url(), call it, then:
//! assert_eq!(vendor.received().len(), 2);
//! assert_eq!(vendor.ledger().len(), 1);
//! # }
//! ```

pub mod cassette;
pub mod contract;
mod http1;
mod ledger;
mod mock_vendor;
mod rate;
mod redis_server;
mod reply;

pub use cassette::{Cassette, RecordingProxy, Redactions, ReplayServer};
pub use ledger::{Ledger, LedgerEntry};
pub use mock_vendor::{MockVendor, ReceivedRequest};
pub use redis_server::RedisServer;
pub use reply::Reply;
