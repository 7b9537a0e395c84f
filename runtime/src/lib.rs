//! # Portcullis runtime
//!
//! Every call a Portcullis-generated adapter makes goes through one [`Pipeline`]:
//! auth, an overall budget and per-attempt timeouts, retries that are safe by
//! construction, idempotency keys, and a circuit breaker. The pipeline and its layer
//! order are described in [`pipeline`]; every policy, its default and the reason for
//! it are in `docs/runtime.md`.
//!
//! ```no_run
//! use std::time::Duration;
//! use portcullis_runtime as rt;
//!
//! # async fn demo() -> Result<(), rt::Error> {
//! let cfg = rt::AdapterConfig::new("StripeGateway", "https://api.stripe.com")
//!     .auth(rt::AuthConfig::Bearer { token: rt::SecretSource::env("STRIPE_API_KEY") })
//!     .defaults(rt::Policy { budget: Some(Duration::from_secs(20)), ..Default::default() });
//! let pipeline = rt::Pipeline::new(cfg)?;
//! let key = pipeline.idempotency_key("create_payment", Some("order-42".into())).await;
//! let req = rt::Request::new("create_payment", rt::Method::POST, "/v1/payment_intents")
//!     .form_body(&serde_json::json!({"amount": 2000, "currency": "eur"}))?
//!     .idempotency(&key, rt::KeyPlacement::Header("Idempotency-Key"));
//! let resp = pipeline.send(req).await?;
//! # let _ = resp;
//! # Ok(()) }
//! ```
//!
//! ## Policies, one module each
//!
//! | module | what it decides |
//! |---|---|
//! | [`timeout`] | per-attempt timeout and the call's overall budget |
//! | [`retry`] | safe-to-retry rule, full-jitter backoff, `Retry-After`, retry token bucket |
//! | [`idempotency`] | one key per logical call; the store that survives unknown outcomes |
//! | [`breaker`] | closed / open / half-open over a sliding failure-rate window |
//! | [`observe`] | spans, correlation ids and `traceparent`, metrics, the health monitor |
//! | [`auth`] | secrets from env, file, memory or a vault; bearer, basic, API key, OAuth2 client credentials; 401 renew-and-replay |
//! | [`limit`] | client-side rate limiter (GCRA) adjusted by the vendor's headers; quota tracking and warnings |
//! | [`fallback`] | degradation: cached or static answers, marked [`Degraded`]; the paths [`Pipeline::send`] routes such operations through |
//! | [`paginate`] | lists: every page through the pipeline under one budget, collected or streamed |
//!
//! ## Inbound
//!
//! | module | what it decides |
//! |---|---|
//! | [`webhook`] | vendor deliveries: signature schemes, timestamp tolerance, exactly-once handling through a dedupe store, the answer each vendor expects; a `tower` service and an axum route behind features |
//!
//! ## The rest
//!
//! | module | what it holds |
//! |---|---|
//! | [`pipeline`] | [`Pipeline`]: the layer order and the send loop |
//! | [`config`] | [`AdapterConfig`]: what generated code builds and users override |
//! | [`choice`] | several adapters of one port: what each declares it cannot do ([`choice::Offers`]), one chosen by name at start-up |
//! | [`settings`] | values that belong to the account (an account id, an API version), and static headers |
//! | [`policy`] | [`Policy`]: per-operation settings and how overrides merge |
//! | [`request`], [`response`] | [`Request`] as generated code describes it; the final [`Response`], decoded against the contract or classified ([`Error::from_vendor_response`]) |
//! | [`form`] | `application/x-www-form-urlencoded` in Stripe's nested style |
//! | [`multipart`] | `multipart/form-data` bodies: text and file parts, streamed, replayable |
//! | [`validate`] | checks of a request against its spec's constraints, before sending |
//! | [`body_limit`] | how much of a vendor or token answer is read (limits and defaults) |
//! | `strict_json` | decoding that takes a struct only from a JSON object (serde alone also takes an array) |
//! | [`convert`] | checked integer conversions between domain and wire types |
//! | [`error`] | [`Error`]: the one classified taxonomy |
//! | [`shared`] | state replicas share: in-memory stores, and Redis ones ([`shared::redis`]) |
//! | `testing` | behind the `testing` feature, for tests: `MockVendor` (a fault-injecting vendor on loopback), cassettes, `RedisServer`, the generated contract tests' helpers |
//! | [`guide`] | every policy, its default and why (`docs/runtime.md`) |
//!
//! ## Cargo features
//!
//! * `testing` (off by default): the `testing` module. Tests enable it, services do
//!   not compile it: `portcullis-runtime = { version = "0.1", features = ["testing"] }`
//!   under `[dev-dependencies]` (generated contract tests need it).

pub mod auth;
pub mod body_limit;
pub mod breaker;
pub mod choice;
pub mod config;
pub mod convert;
pub mod error;
pub mod fallback;
pub mod form;
pub mod idempotency;
pub mod limit;
pub mod multipart;
pub mod observe;
pub mod paginate;
pub mod pipeline;
pub mod policy;
pub mod request;
pub mod response;
pub mod retry;
pub mod settings;
pub mod shared;
mod strict_json;
#[cfg(feature = "testing")]
pub mod testing;
pub mod timeout;
pub mod validate;
pub mod webhook;

/// The maps a call looks up on every send (operation policies and observers, rate-limit
/// buckets), keyed by names from the adapter's own configuration: foldhash, several
/// times cheaper per lookup than the default SipHash, whose flooding resistance these
/// keys do not need.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// The policies, their defaults and why: `docs/runtime.md`, compiled here so its
/// example stays true.
pub mod guide {
    #![doc = include_str!("../../docs/runtime.md")]
}

pub use auth::{ApiKeyLocation, AuthConfig, OAuth2ClientCredentials, SecretProvider, SecretSource};
pub use breaker::{BreakerPolicy, BreakerScope};
pub use config::AdapterConfig;
pub use error::{Error, ErrorKind, LimitedBy, Outcome, TimeoutLimit};
pub use fallback::{Degraded, DegradedSource, Fallback};
pub use http::Method;
pub use idempotency::{IdempotencyKey, KeyPlacement, KeyShape, KeySource};
pub use limit::{QuotaEvent, QuotaPolicy, RateLimit, RateLimitInfo, ResetStyle};
pub use observe::{CorrelationId, HealthEvent, HealthPolicy, HealthState};
pub use pipeline::Pipeline;
pub use policy::Policy;
pub use request::{CredentialIn, Request};
pub use response::Response;
pub use retry::{RetryBudgetPolicy, RetryPolicy};
pub use settings::{ConfigValue, SettingSource};
pub use shared::{RedisConfig, SharedState};

/// Re-exported so generated code and users name the same versions.
pub use {bytes, http, secrecy, serde_json};

/// What generated adapters name; not a stable API for anything else.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
