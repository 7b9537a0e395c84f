//! The `webhooks:` section's model: how the vendor's deliveries are verified and which
//! of its event types become which variants of the domain's event enum.
//!
//! Kept apart from `model.rs` because it is a direction of its own (inbound); the
//! planner (`plan/webhooks.rs`) checks it against the spec and the port.

use super::model::{FieldMap, SecretRef, Spanned};
use crate::error::Span;
use std::time::Duration;

/// `webhooks:`
#[derive(Debug, Clone)]
pub struct Webhooks {
    /// A second document holding the event schemas, when the API's spec has none
    /// (Adyen publishes its notifications apart), relative to the mapping file.
    pub spec: Option<Spanned<String>>,
    /// The signature scheme: `stripe`, `square`, `adyen`, `github`, `standard` or `hmac`.
    pub scheme: Spanned<String>,
    /// The `hmac` scheme's description of the signature.
    pub signature: Option<Signature>,
    /// The signing secrets, several while one is rotated (`secret:` or `secrets:`).
    pub secrets: Vec<SecretRef>,
    /// Square signs the notification URL with the body: where that URL is read from.
    pub notification_url: Option<SecretRef>,
    /// How far a signed timestamp may be from now (runtime default 5m).
    pub tolerance: Option<Duration>,
    /// Largest body accepted, in bytes (runtime default 1 MiB).
    pub max_body: Option<Spanned<u64>>,
    /// The domain event enum, in the port source.
    pub event: Spanned<String>,
    /// Where the id, the type and the object of an event are in a delivery.
    pub envelope: Envelope,
    /// What becomes of event types the mapping does not name.
    pub unknown: Unknown,
    /// One entry per vendor event type mapped, in the mapping's order.
    pub events: Vec<EventMap>,
    /// Where `webhooks:` is.
    pub span: Span,
}

/// `webhooks.signature`: how a vendor without a scheme of its own signs (`scheme: hmac`).
#[derive(Debug, Clone)]
pub struct Signature {
    /// The header carrying the signature.
    pub header: Spanned<String>,
    /// Text before each signature in the header (`v0=`).
    pub prefix: Option<Spanned<String>>,
    /// What is signed: `{body}`, `{timestamp}`, `{header:Name}` and text.
    pub signed: Option<Spanned<String>>,
    /// The header with the signed Unix timestamp.
    pub timestamp: Option<Spanned<String>>,
    /// The prefix of the signature header's piece that is the signed timestamp (`t=`).
    pub timestamp_piece: Option<Spanned<String>>,
    /// The header with the delivery's id.
    pub id: Option<Spanned<String>>,
    /// `sha256`, `sha1` or `sha512`.
    pub algorithm: Option<Spanned<String>>,
    /// `hex` or `base64`.
    pub encoding: Option<Spanned<String>>,
    /// How the secret becomes the key: `raw`, `hex` or `base64`.
    pub key: Option<Spanned<String>>,
    /// Where `signature:` is.
    pub span: Span,
}

/// `webhooks.envelope`: the delivery's shape around the event's object.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The component schema of the envelope (Stripe's `event`), checked to have the
    /// `id`, `type` and `object` paths.
    pub schema: Option<Spanned<String>>,
    /// A delivery that batches events: the path of the list (Adyen's
    /// `notificationItems`); absent when a delivery is one event.
    pub items: Option<Spanned<String>>,
    /// Inside each list element, the path of the event (Adyen's `NotificationRequestItem`).
    pub item: Option<Spanned<String>>,
    /// Path(s) of the event id; several are joined with `:` (Adyen has no single id).
    pub id: Vec<Spanned<String>>,
    /// Path of the event type.
    pub event_type: Spanned<String>,
    /// Path of the object events are built from, unless an event says (`$`: the event itself).
    pub object: Option<Spanned<String>>,
}

/// `webhooks.unknown`
#[derive(Debug, Clone, PartialEq)]
pub enum Unknown {
    /// `ignore`: acknowledged (2xx), counted as `ignored`, never handled.
    Ignore,
    /// A variant of the event enum with one `String` (the vendor's type): handled.
    Variant(Spanned<String>),
}

/// One `webhooks.events.<type>` entry.
#[derive(Debug, Clone)]
pub struct EventMap {
    /// The vendor's event type, e.g. `payment_intent.succeeded`.
    pub event_type: Spanned<String>,
    /// The variant of the event enum it becomes (a struct variant).
    pub variant: Spanned<String>,
    /// The component schema of the event's object, e.g. `payment_intent`.
    pub from: Spanned<String>,
    /// Path of the object in the event, overriding `envelope.object`.
    pub object: Option<Spanned<String>>,
    /// One entry per field of the variant, with the `types:` rules.
    pub fields: Vec<FieldMap>,
}
