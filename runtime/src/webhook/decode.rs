//! The seam with generated code: a [`Decoder`] turns a verified [`Delivery`] into
//! events, each with its id, its vendor type and what became of it.
//!
//! Generated code implements one decoder per vendor mapping: it reads the vendor's
//! envelope (Stripe's `event`, Square's notification, Adyen's items, a GitHub
//! delivery's headers), maps the event types the mapping names into variants of the
//! user's event enum, acknowledges the types it does not map ([`Decoded::Ignored`]),
//! and reports a payload that no longer matches the spec with the field at fault
//! ([`Malformed`]). The decoder never sees an unverified body.

use http::HeaderMap;
use serde::de::DeserializeOwned;

use crate::strict_json::Strict;

/// A delivery whose signature (and timestamp) has been verified: what a [`Decoder`]
/// reads.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
    pub(crate) delivery_id: Option<&'a str>,
}

impl<'a> Delivery<'a> {
    /// A delivery over `headers` and `body`, as the receiver hands it to a decoder
    /// once the signature holds (public so decoders can be tested on their own).
    pub fn new(headers: &'a HeaderMap, body: &'a [u8], delivery_id: Option<&'a str>) -> Self {
        Self {
            headers,
            body,
            delivery_id,
        }
    }

    /// The request's headers.
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// A header's value as text, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The raw body, exactly as signed.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The id the scheme's headers give the delivery (`X-GitHub-Delivery`,
    /// `webhook-id`), verified with the signature; `None` for schemes whose event id
    /// is in the payload.
    pub fn delivery_id(&self) -> Option<&'a str> {
        self.delivery_id
    }

    /// The body parsed as JSON into `T`. A body that does not fit names the field:
    /// `data.object.amount: invalid type: string "12", expected i64`. Nesting deeper
    /// than 128 levels is refused by the parser, not recursed into, and a struct is
    /// read only from a JSON object (serde alone also takes an array, field by field).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Malformed> {
        let de = &mut serde_json::Deserializer::from_slice(crate::response::without_bom(self.body));
        serde_path_to_error::deserialize(Strict(de)).map_err(|e| {
            let path = e.path().to_string();
            Malformed::new(
                if path == "." { String::new() } else { path },
                e.into_inner().to_string(),
            )
        })
    }
}

/// Converts a JSON value already taken out of the payload (an event's `data.object`)
/// into `T`, naming the field that does not fit under the prefix `at`.
///
/// ```
/// use portcullis_runtime::webhook::from_value;
///
/// #[derive(serde::Deserialize, Debug)]
/// struct Intent { amount: i64 }
///
/// let err = from_value::<Intent>(serde_json::json!({"amount": "12"}), "data.object").unwrap_err();
/// assert_eq!(err.field, "data.object.amount");
/// ```
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value, at: &str) -> Result<T, Malformed> {
    serde_path_to_error::deserialize(Strict(value)).map_err(|e| {
        let inner = e.path().to_string();
        let field = match (at.is_empty(), inner == ".") {
            (_, true) => at.to_owned(),
            (true, false) => inner,
            (false, false) => format!("{at}.{inner}"),
        };
        Malformed::new(field, e.into_inner().to_string())
    })
}

/// A payload the decoder cannot read: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if field.is_empty() { String::new() } else { format!("{field}: ") })]
pub struct Malformed {
    /// The field at fault, dotted (`data.object.amount`, `notificationItems[0].amount`);
    /// empty for the body as a whole.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl Malformed {
    /// A malformed `field`, because `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A required field that is absent.
    pub fn missing(field: impl Into<String>) -> Self {
        Self::new(field, "missing")
    }
}

/// One event of a delivery (Adyen batches several), as the decoder read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming<E> {
    /// The vendor's id of the event, the same on every redelivery: the dedupe key.
    pub id: String,
    /// The vendor's event type (`payment_intent.succeeded`, `AUTHORISATION`), for
    /// logs and the metric's `event` label.
    pub event_type: String,
    /// What the event became.
    pub decoded: Decoded<E>,
}

impl<E> Incoming<E> {
    /// An event mapped to the domain event `event`.
    pub fn event(id: impl Into<String>, event_type: impl Into<String>, event: E) -> Self {
        Self::with(id, event_type, Decoded::Event(event))
    }

    /// An event of a type the mapping acknowledges without handling.
    pub fn ignored(id: impl Into<String>, event_type: impl Into<String>) -> Self {
        Self::with(id, event_type, Decoded::Ignored)
    }

    /// An event of a mapped type whose payload does not fit the mapping.
    pub fn malformed(id: impl Into<String>, event_type: impl Into<String>, why: Malformed) -> Self {
        Self::with(id, event_type, Decoded::Malformed(why))
    }

    fn with(id: impl Into<String>, event_type: impl Into<String>, decoded: Decoded<E>) -> Self {
        Self {
            id: id.into(),
            event_type: event_type.into(),
            decoded,
        }
    }
}

/// What one event became.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded<E> {
    /// A domain event for the handler.
    Event(E),
    /// An event type the mapping does not map: acknowledged (2xx), counted as
    /// `ignored`, never handled.
    Ignored,
    /// A mapped event whose payload does not fit: refused (400), counted as
    /// `rejected_malformed`, never handled.
    Malformed(Malformed),
}

/// Turns a verified delivery into events: implemented by generated code, one per
/// vendor mapping.
///
/// `decode` fails as a whole only when the envelope itself cannot be read (no event
/// id, no type); a mapped event whose payload does not fit is one
/// [`Decoded::Malformed`] event, so the rest of a batch is still handled.
///
/// # Examples
///
/// What generated code looks like for Stripe's event envelope:
///
/// ```
/// use portcullis_runtime::webhook::{Decoded, Decoder, Delivery, Incoming, Malformed, from_value};
///
/// #[derive(Debug, PartialEq)]
/// pub enum PaymentEvent { Succeeded { payment_id: String, amount: i64 } }
///
/// #[derive(serde::Deserialize)]
/// struct Envelope { id: String, #[serde(rename = "type")] kind: String, data: Data }
/// #[derive(serde::Deserialize)]
/// struct Data { object: serde_json::Value }
/// #[derive(serde::Deserialize)]
/// struct Intent { id: String, amount: i64 }
///
/// pub struct StripeEvents;
///
/// impl Decoder for StripeEvents {
///     type Event = PaymentEvent;
///
///     fn event_types(&self) -> &[&'static str] {
///         &["payment_intent.succeeded"]
///     }
///
///     fn decode(&self, delivery: &Delivery<'_>) -> Result<Vec<Incoming<PaymentEvent>>, Malformed> {
///         let env: Envelope = delivery.json()?;
///         let decoded = match env.kind.as_str() {
///             "payment_intent.succeeded" => match from_value::<Intent>(env.data.object, "data.object") {
///                 Ok(pi) => Decoded::Event(PaymentEvent::Succeeded { payment_id: pi.id, amount: pi.amount }),
///                 Err(why) => Decoded::Malformed(why),
///             },
///             _ => Decoded::Ignored,
///         };
///         Ok(vec![Incoming { id: env.id, event_type: env.kind, decoded }])
///     }
/// }
///
/// let headers = http::HeaderMap::new();
/// let body = br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","amount":2000}}}"#;
/// let events = StripeEvents.decode(&Delivery::new(&headers, body, None)).unwrap();
/// assert_eq!(events[0].decoded, Decoded::Event(PaymentEvent::Succeeded { payment_id: "pi_1".into(), amount: 2000 }));
/// ```
pub trait Decoder: Send + Sync + 'static {
    /// The user's domain event type (an enum in the port module).
    type Event: Send + 'static;

    /// The vendor event types this decoder maps: the metric's series for them are
    /// exported at 0 from the start, so an alert on a rate has a baseline.
    fn event_types(&self) -> &[&'static str] {
        &[]
    }

    /// The events of `delivery`, in the order the vendor sent them.
    fn decode(&self, delivery: &Delivery<'_>) -> Result<Vec<Incoming<Self::Event>>, Malformed>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Env {
        id: String,
        data: Data,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Data {
        amount: i64,
    }

    #[test]
    fn json_names_the_field_and_survives_hostile_bodies() {
        let h = HeaderMap::new();
        let d = |body: &'static [u8]| Delivery::new(&h, body, None);
        let err = d(br#"{"id":"e","data":{"amount":"12"}}"#)
            .json::<Env>()
            .expect_err("type");
        assert_eq!(err.field, "data.amount");
        assert!(
            err.to_string().starts_with("data.amount: invalid type"),
            "{err}"
        );
        let err = d(br#"{"id":"e","data":{}}"#)
            .json::<Env>()
            .expect_err("missing");
        assert!(err.message.contains("missing field `amount`"), "{err}");
        assert!(d(b"\xff\xfe\x00").json::<Env>().is_err(), "not UTF-8");
        let marked = d(b"\xEF\xBB\xBF{\"id\":\"e\",\"data\":{\"amount\":12}}")
            .json::<Env>()
            .expect("a leading byte order mark is ignored");
        assert_eq!(marked.data.amount, 12);
        let deep: &'static [u8] = Box::leak("[".repeat(100_000).into_bytes().into_boxed_slice());
        let err = d(deep).json::<serde_json::Value>().expect_err("too deep");
        assert!(err.message.contains("recursion limit"), "{err}");
    }

    #[test]
    fn from_value_prefixes_the_path() {
        let err = from_value::<Data>(serde_json::json!({}), "data.object").expect_err("missing");
        assert_eq!(err.field, "data.object");
        let err = from_value::<Data>(serde_json::json!({"amount": true}), "").expect_err("type");
        assert_eq!(err.field, "amount");
    }

    /// serde alone fills a struct from an array, field by field: a payload of another
    /// shape that happens to fit would be read as the event.
    #[test]
    fn an_array_is_not_an_event() {
        let h = HeaderMap::new();
        let body = br#"["e", [12]]"#;
        assert!(serde_json::from_slice::<Env>(body).is_ok(), "serde alone");
        let err = Delivery::new(&h, body, None)
            .json::<Env>()
            .expect_err("an array");
        assert!(err.message.contains("invalid type: sequence"), "{err}");
        let err = from_value::<Data>(serde_json::json!([12]), "data.object").expect_err("array");
        assert_eq!(err.field, "data.object");
        assert!(err.message.contains("invalid type: sequence"), "{err}");
    }
}
