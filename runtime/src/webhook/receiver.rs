//! [`Receiver`]: one delivery, from raw bytes to the vendor's answer.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use tracing::Instrument as _;

use super::answer::{Answer, EventReceipt, Outcome, Receipt};
use super::config::WebhookConfig;
use super::decode::{Decoded, Decoder, Delivery, Incoming};
use super::dedupe::{self, Claim, DedupeStore, InMemoryDedupeStore};
use super::handler::Handler;
use super::keys::SigningKeys;
use super::observe;
use super::scheme::{Rejection, Scheme, Verified};
use crate::error::Error;
use crate::observe::CorrelationId;
use crate::shared::{RedisState, SharedState};

/// Receives one vendor's deliveries: verifies, deduplicates, decodes, hands each
/// event to the handler, and says what to answer. Cheap to clone (shared state).
///
/// The order is fixed: size limit → signature over the raw bytes (constant time, any
/// active secret) → timestamp tolerance → decode → per event: claim in the dedupe
/// store → handler → record → answer. Nothing is parsed before the signature holds
/// (Adyen aside, see [`Scheme::Adyen`]), and no event is handled without a claim: if
/// the store cannot be reached the delivery is answered 503 and the vendor retries.
///
/// ```
/// use portcullis_runtime::SecretSource;
/// use portcullis_runtime::webhook::{Decoded, Decoder, Delivery, Incoming, Malformed, Receiver, Scheme, WebhookConfig};
///
/// struct Pings;
/// impl Decoder for Pings {
///     type Event = String;
///     fn decode(&self, d: &Delivery<'_>) -> Result<Vec<Incoming<String>>, Malformed> {
///         let id = d.delivery_id().ok_or_else(|| Malformed::missing("X-GitHub-Delivery"))?;
///         let kind = d.header("x-github-event").unwrap_or_default();
///         Ok(vec![Incoming::event(id, kind, kind.to_owned())])
///     }
/// }
///
/// # async fn demo() -> Result<(), portcullis_runtime::Error> {
/// let config = WebhookConfig::new("GitHub", Scheme::GitHub, [SecretSource::literal("It's a Secret to Everybody")]);
/// let receiver = Receiver::new(config, Pings, |kind: String| async move {
///     println!("{kind}");
///     Ok::<(), std::convert::Infallible>(())
/// })?;
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-hub-signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17".parse().unwrap());
/// headers.insert("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958".parse().unwrap());
/// headers.insert("x-github-event", "ping".parse().unwrap());
/// let receipt = receiver.receive(&headers, b"Hello, World!").await;
/// assert_eq!(receipt.answer.status, 200);
/// // The same delivery again: acknowledged, the handler not called.
/// let again = receiver.receive(&headers, b"Hello, World!").await;
/// assert_eq!(again.events[0].outcome.as_str(), "duplicate");
/// # Ok(()) }
/// ```
pub struct Receiver<D, H> {
    inner: Arc<Inner<D, H>>,
}

struct Inner<D, H> {
    config: WebhookConfig,
    keys: SigningKeys,
    store: Arc<dyn DedupeStore>,
    decoder: D,
    handler: H,
}

impl<D, H> Clone for Receiver<D, H> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<D, H> std::fmt::Debug for Receiver<D, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl<D, H> Receiver<D, H>
where
    D: Decoder,
    H: Handler<D::Event>,
{
    /// Builds a receiver: literal secrets are decoded now (a malformed one is an
    /// error), the Redis URL is validated (not connected to), the metric's series
    /// are registered at 0 for every event type the decoder maps (install the metrics
    /// recorder first). Zero limits (`max_body`, `handler_timeout`, `retention`,
    /// `tolerance`) are configuration errors: each would refuse or fail every delivery.
    pub fn new(config: WebhookConfig, decoder: D, handler: H) -> Result<Self, Error> {
        config.validate()?;
        if let Scheme::Hmac(h) = &config.scheme {
            h.validate(&config.vendor)?;
        }
        if let Scheme::Square { notification_url } = &config.scheme {
            if notification_url.is_empty() {
                return Err(Error::config(format!(
                    "webhook receiver {}: Square needs the notification URL the subscription was registered with",
                    config.vendor
                )));
            }
        }
        let keys = SigningKeys::new(
            &config.vendor,
            config.secrets.clone(),
            config.scheme.key_format(),
        )?;
        let store = match (&config.dedupe_store, &config.shared_state) {
            (Some(store), _) => store.clone(),
            (None, SharedState::Local) => Arc::new(InMemoryDedupeStore::new()),
            (None, SharedState::Redis(redis)) => RedisState::new(redis.clone())?.dedupe_store(),
        };
        observe::register(&config.vendor, decoder.event_types());
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                keys,
                store,
                decoder,
                handler,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &WebhookConfig {
        &self.inner.config
    }

    /// Receives one delivery: `headers` and the raw `body` as they arrived. Never
    /// fails: every problem is an outcome with its answer.
    pub async fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Receipt {
        let id = self.correlation_id(headers);
        let config = &self.inner.config;
        let span = observe::span(&config.vendor, config.scheme.name(), &id);
        let work = async {
            let Ran {
                outcome,
                rejection,
                events,
                detail,
            } = self.run(headers, body).await;
            let answer = Answer::new(&config.scheme, outcome, detail.as_deref());
            observe::finish(
                &tracing::Span::current(),
                outcome,
                answer.status.as_u16(),
                events.len(),
            );
            (answer, outcome, rejection, events)
        };
        let (answer, outcome, rejection, events) = id.clone().scope(work.instrument(span)).await;
        Receipt {
            answer,
            outcome,
            rejection,
            events,
            correlation_id: id,
        }
    }

    /// The vendor's delivery id when its scheme sends one, else the caller's trace,
    /// else a fresh id. (Read before verification: `CorrelationId::parse` admits only
    /// short visible ASCII, and the id only labels logs.)
    fn correlation_id(&self, headers: &HeaderMap) -> CorrelationId {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        self.inner
            .config
            .scheme
            .delivery_id_header()
            .and_then(text)
            .and_then(CorrelationId::parse)
            .or_else(|| text("traceparent").and_then(CorrelationId::from_traceparent))
            .unwrap_or_else(CorrelationId::generate)
    }

    /// Everything but the answer, which depends on the scheme.
    async fn run(&self, headers: &HeaderMap, body: &[u8]) -> Ran {
        let inner = &*self.inner;
        let vendor = inner.config.vendor.as_str();
        let refuse = |r: Rejection| {
            let outcome = Outcome::of(&r);
            observe::rejected(vendor, outcome, &r);
            // Refusals of unauthenticated input say what failed, not why in detail.
            let detail = matches!(r, Rejection::Malformed(_) | Rejection::TooLarge { .. })
                .then(|| r.to_string());
            Ran::refused(outcome, Some(r), detail)
        };
        if body.len() > inner.config.max_body {
            return refuse(Rejection::TooLarge {
                size: body.len() as u64,
                limit: inner.config.max_body as u64,
            });
        }
        let keys = match inner.keys.current().await {
            Ok(keys) => keys,
            Err(e) => {
                observe::rejected(vendor, Outcome::Unavailable, &e);
                return Ran::refused(Outcome::Unavailable, None, None);
            }
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let verified: Verified =
            match inner
                .config
                .scheme
                .verify(&keys, headers, body, now, inner.config.tolerance)
            {
                Ok(v) => v,
                Err(r) => return refuse(r),
            };
        let delivery = Delivery::new(headers, body, verified.delivery_id.as_deref());
        let incoming = match inner.decoder.decode(&delivery) {
            Ok(events) => events,
            Err(m) => {
                observe::rejected(vendor, Outcome::RejectedMalformed, &m);
                let detail = m.to_string();
                return Ran::refused(Outcome::RejectedMalformed, None, Some(detail));
            }
        };
        let mut events = Vec::with_capacity(incoming.len());
        for event in incoming {
            let receipt = self.one(event).await;
            observe::event(vendor, &receipt);
            events.push(receipt);
        }
        let outcome = Outcome::worst(events.iter().map(|e| e.outcome));
        // A malformed event's field is the one detail worth a vendor-side log.
        let detail = (outcome == Outcome::RejectedMalformed)
            .then(|| {
                events
                    .iter()
                    .find(|e| e.outcome == outcome)
                    .and_then(|e| e.error.clone())
            })
            .flatten();
        Ran {
            outcome,
            rejection: None,
            events,
            detail,
        }
    }

    /// One event: claim, handle, record.
    async fn one(&self, incoming: Incoming<D::Event>) -> EventReceipt {
        let inner = &*self.inner;
        let Incoming {
            id,
            event_type,
            decoded,
        } = incoming;
        let receipt = |outcome, error: Option<String>| EventReceipt {
            id: id.clone(),
            event_type: event_type.clone(),
            outcome,
            error,
        };
        let event = match decoded {
            Decoded::Event(e) => e,
            Decoded::Ignored => return receipt(Outcome::Ignored, None),
            Decoded::Malformed(m) => {
                return receipt(Outcome::RejectedMalformed, Some(m.to_string()));
            }
        };
        let key = dedupe::key(&inner.config.vendor, &id);
        let token = format!("claim:{}", uuid::Uuid::new_v4());
        match inner.store.claim(&key, &token, inner.config.lease()).await {
            Ok(Claim::Claimed) => {}
            Ok(Claim::Processed) => return receipt(Outcome::Duplicate, None),
            Ok(Claim::InFlight) => {
                return receipt(
                    Outcome::InFlight,
                    Some("another delivery of this event is being handled".into()),
                );
            }
            Err(e) => return receipt(Outcome::Unavailable, Some(format!("dedupe store: {e}"))),
        }
        let handled =
            tokio::time::timeout(inner.config.handler_timeout, inner.handler.handle(event)).await;
        let failure = match handled {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some(format!(
                "handler ran past its timeout of {:?}",
                inner.config.handler_timeout
            )),
        };
        match failure {
            None => {
                if let Err(e) = inner.store.complete(&key, inner.config.retention).await {
                    // The event is handled: answering 5xx now would only bring a
                    // redelivery that runs it again. Its claim expires with the lease.
                    tracing::warn!(event_id = %id, error = %e, "webhook event processed but not recorded; a redelivery after the lease would run it again");
                }
                receipt(Outcome::Processed, None)
            }
            Some(error) => {
                if let Err(e) = inner.store.release(&key, &token).await {
                    tracing::warn!(event_id = %id, error = %e, "webhook claim not released; a redelivery waits for the lease to expire");
                }
                receipt(Outcome::HandlerFailed, Some(error))
            }
        }
    }
}

/// What [`Receiver::run`] decided.
struct Ran {
    /// The delivery's outcome.
    outcome: Outcome,
    /// Why it was refused before decoding, if it was.
    rejection: Option<Rejection>,
    /// Each decoded event's receipt.
    events: Vec<EventReceipt>,
    /// What the answer's body says after the outcome (never a secret).
    detail: Option<String>,
}

impl Ran {
    fn refused(outcome: Outcome, rejection: Option<Rejection>, detail: Option<String>) -> Ran {
        Ran {
            outcome,
            rejection,
            events: Vec::new(),
            detail,
        }
    }
}
