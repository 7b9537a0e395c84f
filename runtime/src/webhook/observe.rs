//! Observability of deliveries, like that of outbound calls: a `webhook_delivery`
//! span per delivery with its correlation id, one log line per event with its
//! outcome, and `portcullis_webhook_deliveries_total{vendor,event,outcome}`.

use tracing::Span;
use tracing::field::Empty;

use super::answer::{EventReceipt, Outcome};
use crate::observe::CorrelationId;

/// Events received, by outcome: `vendor`, `event` (the vendor's event type, or
/// `unknown` for a delivery refused before it was read), `outcome`.
pub const WEBHOOK_DELIVERIES_TOTAL: &str = "portcullis_webhook_deliveries_total";

/// The `event` label of a delivery refused before its payload was read.
pub const UNKNOWN_EVENT: &str = "unknown";

/// Registers every outcome at 0 for each mapped event type and for `unknown`, so
/// rates have a baseline before the first event of a kind arrives.
pub(crate) fn register(vendor: &str, event_types: &[&'static str]) {
    metrics::describe_counter!(
        WEBHOOK_DELIVERIES_TOTAL,
        "Webhook events received, by vendor event type and outcome."
    );
    for event in event_types.iter().copied().chain([UNKNOWN_EVENT]) {
        for outcome in Outcome::ALL {
            counter(vendor, event, outcome).increment(0);
        }
    }
}

fn counter(vendor: &str, event: &str, outcome: Outcome) -> metrics::Counter {
    metrics::counter!(
        WEBHOOK_DELIVERIES_TOTAL,
        "vendor" => vendor.to_owned(),
        "event" => event_label(event).to_owned(),
        "outcome" => outcome.as_str()
    )
}

/// The event type as a label: types are the vendor's (signed) words, but a label
/// must stay short and plain, so anything else reads `invalid`.
fn event_label(event: &str) -> &str {
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':' | b'/');
    if !event.is_empty() && event.len() <= 100 && event.bytes().all(plain) {
        event
    } else {
        "invalid"
    }
}

/// The delivery's span: INFO, so a service logging at INFO sees one span per delivery.
pub(crate) fn span(vendor: &str, scheme: &'static str, id: &CorrelationId) -> Span {
    tracing::info_span!(
        "webhook_delivery",
        otel.kind = "server",
        vendor = %vendor,
        scheme,
        correlation_id = %id,
        outcome = Empty,
        http.response.status_code = Empty,
        events = Empty,
    )
}

/// Counts and logs a delivery refused before it was read.
pub(crate) fn rejected(vendor: &str, outcome: Outcome, why: &dyn std::fmt::Display) {
    counter(vendor, UNKNOWN_EVENT, outcome).increment(1);
    tracing::warn!(outcome = outcome.as_str(), reason = %why, "webhook delivery rejected");
}

/// Counts and logs one event.
pub(crate) fn event(vendor: &str, e: &EventReceipt) {
    counter(vendor, &e.event_type, e.outcome).increment(1);
    let (id, kind, outcome) = (e.id.as_str(), e.event_type.as_str(), e.outcome.as_str());
    match (&e.error, e.outcome) {
        (None, _) => tracing::info!(event_id = id, event_type = kind, outcome, "webhook event"),
        (Some(error), Outcome::InFlight) => {
            tracing::info!(event_id = id, event_type = kind, outcome, %error, "webhook event")
        }
        (Some(error), _) => {
            tracing::warn!(event_id = id, event_type = kind, outcome, %error, "webhook event")
        }
    }
}

/// Records the delivery's result on its span.
pub(crate) fn finish(span: &Span, outcome: Outcome, status: u16, events: usize) {
    span.record("outcome", outcome.as_str());
    span.record("http.response.status_code", status);
    span.record("events", events);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_labels_stay_plain() {
        assert_eq!(
            event_label("payment_intent.succeeded"),
            "payment_intent.succeeded"
        );
        assert_eq!(event_label("AUTHORISATION"), "AUTHORISATION");
        assert_eq!(event_label("pull_request/opened"), "pull_request/opened");
        assert_eq!(event_label(""), "invalid");
        assert_eq!(event_label("a b"), "invalid");
        assert_eq!(event_label(&"x".repeat(101)), "invalid");
        assert_eq!(event_label("ünïcode"), "invalid");
    }
}
