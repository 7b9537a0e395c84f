//! Webhooks: the vendor's deliveries become domain events, verified, deduplicated and
//! observed.
//!
//! ```text
//! raw body + headers → size limit → signature (scheme, constant time, any active secret)
//!   → timestamp tolerance → decode (generated Decoder) → per event: claim (dedupe store)
//!   → your Handler → record processed / release → the answer the vendor expects
//! ```
//!
//! | file | what it holds |
//! |---|---|
//! | `config.rs` | [`WebhookConfig`]: scheme, secrets, limits, dedupe store, and their defaults |
//! | `scheme/` | [`Scheme`]: Stripe, Square, Adyen, GitHub, Standard Webhooks; [`Rejection`] |
//! | `keys.rs` | signing keys from [`crate::SecretSource`]s, several active for rotation |
//! | `decode.rs` | [`Decoder`] (implemented by generated code), [`Delivery`], [`Incoming`], [`Malformed`] |
//! | `handler.rs` | [`Handler`]: the user's async function of a domain event |
//! | `dedupe.rs` | [`DedupeStore`]: claim / complete / release; [`InMemoryDedupeStore`] |
//! | `answer.rs` | [`Outcome`], [`Answer`], [`Receipt`]: what happened and what to answer |
//! | `observe.rs` | the `webhook_delivery` span, log lines, [`WEBHOOK_DELIVERIES_TOTAL`] |
//! | `receiver.rs` | [`Receiver`]: the flow above, framework-neutral |
//! | `service.rs` | features `tower` / `axum`: `WebhookService`, `Receiver::axum_route` |
//!
//! # Wiring a receiver
//!
//! Generated code provides the [`Decoder`] for a vendor mapping and builds the
//! [`WebhookConfig`] from the mapping; the user supplies the handler:
//!
//! ```
//! use portcullis_runtime::SecretSource;
//! use portcullis_runtime::webhook::{Decoded, Decoder, Delivery, Incoming, Malformed, Receiver, Scheme, WebhookConfig};
//!
//! pub enum PaymentEvent { Paid { payment_id: String } }
//!
//! /// Generated from the mapping's `webhooks:` section.
//! pub struct StripeEvents;
//! impl Decoder for StripeEvents {
//!     type Event = PaymentEvent;
//!     fn event_types(&self) -> &[&'static str] { &["payment_intent.succeeded"] }
//!     fn decode(&self, d: &Delivery<'_>) -> Result<Vec<Incoming<PaymentEvent>>, Malformed> {
//!         #[derive(serde::Deserialize)]
//!         struct Env { id: String, #[serde(rename = "type")] kind: String, data: Data }
//!         #[derive(serde::Deserialize)]
//!         struct Data { object: Obj }
//!         #[derive(serde::Deserialize)]
//!         struct Obj { id: String }
//!         let env: Env = d.json()?;
//!         let decoded = match env.kind.as_str() {
//!             "payment_intent.succeeded" => Decoded::Event(PaymentEvent::Paid { payment_id: env.data.object.id }),
//!             _ => Decoded::Ignored,
//!         };
//!         Ok(vec![Incoming { id: env.id, event_type: env.kind, decoded }])
//!     }
//! }
//!
//! # fn demo() -> Result<(), portcullis_runtime::Error> {
//! let config = WebhookConfig::new("StripeGateway", Scheme::Stripe, [SecretSource::env("STRIPE_WEBHOOK_SECRET")]);
//! let receiver = Receiver::new(config, StripeEvents, |event: PaymentEvent| async move {
//!     match event {
//!         PaymentEvent::Paid { payment_id } => tracing::info!(%payment_id, "paid"),
//!     }
//!     Ok::<(), std::convert::Infallible>(())
//! })?;
//! // Any framework: let receipt = receiver.receive(&headers, &body).await;
//! // then answer receipt.answer.status, receipt.answer.content_type, receipt.answer.body.
//! // With the `axum` feature: Router::new().route("/webhooks/stripe", receiver.axum_route()).
//! # let _ = receiver;
//! # Ok(()) }
//! ```

mod answer;
mod config;
mod decode;
mod dedupe;
mod handler;
mod keys;
mod observe;
mod receiver;
mod scheme;
#[cfg(feature = "tower")]
mod service;

pub use answer::{Answer, EventReceipt, Outcome, Receipt};
pub use config::WebhookConfig;
pub use decode::{Decoded, Decoder, Delivery, Incoming, Malformed, from_value};
pub use dedupe::{Claim, DedupeStore, InMemoryDedupeStore};
pub use handler::Handler;
pub use observe::{UNKNOWN_EVENT, WEBHOOK_DELIVERIES_TOTAL};
pub use receiver::Receiver;
pub use scheme::{HmacAlgorithm, HmacScheme, KeyEncoding, Rejection, Scheme, SignatureEncoding};
#[cfg(feature = "tower")]
pub use service::WebhookService;
