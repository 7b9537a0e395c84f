//! What became of a delivery, and what the vendor is told.
//!
//! | outcome | status | the vendor |
//! |---|---|---|
//! | `processed`, `duplicate`, `ignored` | 200 (Adyen: body `[accepted]`) | stops delivering |
//! | `rejected_malformed` | 400 | retries by its own schedule, which does not help: the mapping or the vendor must change |
//! | `rejected_signature`, `rejected_stale` | 401 | as above; never processed |
//! | `rejected_too_large` | 413 | as above; raise [`super::WebhookConfig::max_body`] if the event is genuine |
//! | `handler_failed` | 500 | delivers again later |
//! | `in_flight`, `unavailable` | 503 | delivers again later, when the first delivery has finished or the store is back |
//!
//! A delivery of several events (Adyen) is answered by the most serious of their
//! outcomes (5xx before 4xx before 2xx), so it is acknowledged only when every event
//! was processed, a duplicate, or ignored.

use std::fmt;

use bytes::Bytes;
use http::StatusCode;

use super::scheme::{Rejection, Scheme};
use crate::observe::CorrelationId;

/// What happened to one event (or, for a rejection, to the whole delivery): the
/// `outcome` label of `portcullis_webhook_deliveries_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// The handler ran and succeeded; the event is recorded as processed.
    Processed,
    /// Processed before: acknowledged without calling the handler.
    Duplicate,
    /// A type the mapping does not handle: acknowledged.
    Ignored,
    /// Another delivery of the same event is being handled right now: answered 503
    /// so the vendor delivers it again, by which time it is a duplicate (or, if that
    /// delivery failed, processed then).
    InFlight,
    /// No valid signature (missing, garbled, wrong secret, tampered body).
    RejectedSignature,
    /// A valid signature over a timestamp outside the tolerance (a replay).
    RejectedStale,
    /// The body or an event's payload does not fit the mapping.
    RejectedMalformed,
    /// The body is over the size limit.
    RejectedTooLarge,
    /// The handler failed or ran past its timeout; the claim is released.
    HandlerFailed,
    /// The dedupe store or every signing secret is unavailable: nothing was handled,
    /// since handling without dedupe could process an event twice.
    Unavailable,
}

impl Outcome {
    /// Every outcome, in label order.
    pub const ALL: [Outcome; 10] = [
        Outcome::Processed,
        Outcome::Duplicate,
        Outcome::Ignored,
        Outcome::InFlight,
        Outcome::RejectedSignature,
        Outcome::RejectedStale,
        Outcome::RejectedMalformed,
        Outcome::RejectedTooLarge,
        Outcome::HandlerFailed,
        Outcome::Unavailable,
    ];

    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Processed => "processed",
            Outcome::Duplicate => "duplicate",
            Outcome::Ignored => "ignored",
            Outcome::InFlight => "in_flight",
            Outcome::RejectedSignature => "rejected_signature",
            Outcome::RejectedStale => "rejected_stale",
            Outcome::RejectedMalformed => "rejected_malformed",
            Outcome::RejectedTooLarge => "rejected_too_large",
            Outcome::HandlerFailed => "handler_failed",
            Outcome::Unavailable => "unavailable",
        }
    }

    /// Whether the vendor is told the delivery was taken (2xx).
    pub fn is_acknowledged(self) -> bool {
        matches!(
            self,
            Outcome::Processed | Outcome::Duplicate | Outcome::Ignored
        )
    }

    /// The HTTP status this outcome answers with.
    pub fn status(self) -> StatusCode {
        match self {
            Outcome::Processed | Outcome::Duplicate | Outcome::Ignored => StatusCode::OK,
            Outcome::RejectedMalformed => StatusCode::BAD_REQUEST,
            Outcome::RejectedSignature | Outcome::RejectedStale => StatusCode::UNAUTHORIZED,
            Outcome::RejectedTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Outcome::HandlerFailed => StatusCode::INTERNAL_SERVER_ERROR,
            Outcome::InFlight | Outcome::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Which of several outcomes decides a delivery's answer: the higher, the more
    /// it must be seen (a retry-later beats a refusal beats an acknowledgement).
    fn severity(self) -> u8 {
        match self {
            Outcome::Ignored => 0,
            Outcome::Duplicate => 1,
            Outcome::Processed => 2,
            Outcome::RejectedMalformed => 3,
            Outcome::RejectedTooLarge => 4,
            Outcome::RejectedStale => 5,
            Outcome::RejectedSignature => 6,
            Outcome::InFlight => 7,
            Outcome::Unavailable => 8,
            Outcome::HandlerFailed => 9,
        }
    }

    /// A rejection's outcome.
    pub(crate) fn of(rejection: &Rejection) -> Outcome {
        match rejection {
            Rejection::TooLarge { .. } => Outcome::RejectedTooLarge,
            Rejection::Stale { .. } => Outcome::RejectedStale,
            Rejection::Malformed(_) => Outcome::RejectedMalformed,
            Rejection::MissingHeader(_)
            | Rejection::BadHeader(_)
            | Rejection::UnsignedItem { .. }
            | Rejection::NoMatch => Outcome::RejectedSignature,
        }
    }

    /// The outcome that decides the answer to a delivery of `events`; an empty
    /// delivery is acknowledged.
    pub(crate) fn worst(events: impl IntoIterator<Item = Outcome>) -> Outcome {
        events
            .into_iter()
            .max_by_key(|o| o.severity())
            .unwrap_or(Outcome::Ignored)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The HTTP answer to a delivery, framework-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The body's `Content-Type`.
    pub content_type: &'static str,
    /// The body: `[accepted]` for an acknowledged Adyen delivery, otherwise a short
    /// text naming the outcome (vendors show it in their delivery logs).
    pub body: Bytes,
}

impl Answer {
    /// The answer `scheme`'s vendor expects for `outcome`; `detail` (never a secret)
    /// follows the outcome in a refusal's body.
    pub(crate) fn new(scheme: &Scheme, outcome: Outcome, detail: Option<&str>) -> Answer {
        let body = match (scheme, outcome.is_acknowledged(), detail) {
            // Adyen's documented acknowledgement, exactly.
            (Scheme::Adyen, true, _) => Bytes::from_static(b"[accepted]"),
            (_, _, Some(detail)) => Bytes::from(format!("{outcome}: {detail}\n")),
            (_, _, None) => Bytes::from(format!("{outcome}\n")),
        };
        Answer {
            status: outcome.status(),
            content_type: "text/plain; charset=utf-8",
            body,
        }
    }

    /// As an `http::Response`.
    pub fn into_response(self) -> http::Response<Bytes> {
        let mut resp = http::Response::new(self.body);
        *resp.status_mut() = self.status;
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(self.content_type),
        );
        resp
    }
}

/// Everything the receiver decided about one delivery: the answer to send, and the
/// classified outcome of each event.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// What to answer the vendor.
    pub answer: Answer,
    /// The outcome that decided the answer.
    pub outcome: Outcome,
    /// Why the delivery was refused before decoding, if it was.
    pub rejection: Option<Rejection>,
    /// One entry per event decoded from the delivery, in order (empty when refused
    /// before decoding).
    pub events: Vec<EventReceipt>,
    /// The delivery's correlation id (from the vendor's delivery-id header, an
    /// incoming `traceparent`, or generated).
    pub correlation_id: CorrelationId,
}

/// What became of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventReceipt {
    /// The vendor's event id.
    pub id: String,
    /// The vendor's event type.
    pub event_type: String,
    /// Its outcome.
    pub outcome: Outcome,
    /// Why it was not processed, when it was not (the handler's error, the field at
    /// fault, the store's failure).
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_and_every_outcome_has_a_status() {
        let labels: std::collections::HashSet<_> =
            Outcome::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(labels.len(), Outcome::ALL.len());
        for o in Outcome::ALL {
            assert_eq!(o.is_acknowledged(), o.status().is_success(), "{o}");
        }
    }

    #[test]
    fn a_batch_is_acknowledged_only_when_every_event_is() {
        use Outcome::*;
        assert_eq!(Outcome::worst([Processed, Duplicate, Ignored]), Processed);
        assert_eq!(
            Outcome::worst([Processed, RejectedMalformed]),
            RejectedMalformed
        );
        assert_eq!(
            Outcome::worst([RejectedMalformed, HandlerFailed, Processed]),
            HandlerFailed
        );
        assert_eq!(Outcome::worst([Duplicate, InFlight]), InFlight);
        assert_eq!(Outcome::worst([]), Ignored);
    }

    #[test]
    fn adyen_is_answered_accepted_and_others_name_the_outcome() {
        let a = Answer::new(&Scheme::Adyen, Outcome::Duplicate, None);
        assert_eq!(
            (a.status, &a.body[..]),
            (StatusCode::OK, &b"[accepted]"[..])
        );
        let a = Answer::new(&Scheme::Adyen, Outcome::HandlerFailed, None);
        assert_eq!(
            (a.status, &a.body[..]),
            (StatusCode::INTERNAL_SERVER_ERROR, &b"handler_failed\n"[..])
        );
        let a = Answer::new(
            &Scheme::Stripe,
            Outcome::RejectedMalformed,
            Some("data.object.amount: missing"),
        );
        assert_eq!(
            &a.body[..],
            b"rejected_malformed: data.object.amount: missing\n"
        );
        let resp = a.into_response();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            resp.headers()[http::header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
    }
}
