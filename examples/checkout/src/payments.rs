//! The checkout's own record of payments, kept current by the providers' webhooks.
//!
//! Written against [`PaymentEvent`] only: whichever provider sent the delivery, the
//! same event changes the record the same way, so swapping providers leaves this
//! file alone.

use crate::domain::{Money, OrderId, PaymentEvent, PaymentStatus, RefundStatus};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// What the checkout knows about one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// Where it stands.
    pub status: PaymentStatus,
    /// How much, once an event said.
    pub amount: Option<Money>,
    /// The order it pays for, once an event said.
    pub order_id: Option<OrderId>,
    /// A customer disputed it.
    pub disputed: bool,
}

#[derive(Debug, Default)]
struct Book {
    payments: BTreeMap<String, PaymentRecord>,
    refunds: BTreeMap<String, RefundStatus>,
    applied: u64,
}

/// The record, shared by the webhook routes.
#[derive(Debug, Clone, Default)]
pub struct Payments {
    book: Arc<Mutex<Book>>,
}

impl Payments {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        // A panic elsewhere while holding the lock leaves a record still worth reading.
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies one domain event and logs the change. Never fails: an event about a
    /// payment this process has not seen yet creates its record (webhooks may arrive
    /// before the call that created the payment returns).
    pub fn apply(&self, event: PaymentEvent) {
        let mut book = self.book();
        match event {
            PaymentEvent::PaymentUpdated {
                payment_id,
                status,
                amount,
                order_id,
            } => {
                let entry = book
                    .payments
                    .entry(payment_id.0.clone())
                    .or_insert_with(|| PaymentRecord {
                        status: PaymentStatus::Pending,
                        amount: None,
                        order_id: None,
                        disputed: false,
                    });
                entry.status = status.clone();
                if amount.is_some() {
                    entry.amount = amount;
                }
                if order_id.is_some() {
                    entry.order_id = order_id;
                }
                tracing::info!(payment_id = %payment_id.0, status = ?status, "payment record changed");
            }
            PaymentEvent::RefundUpdated {
                refund_id,
                payment_id,
                status,
            } => {
                book.refunds.insert(refund_id.0.clone(), status.clone());
                tracing::info!(refund_id = %refund_id.0, payment_id = ?payment_id.map(|p| p.0), status = ?status, "refund record changed");
            }
            PaymentEvent::DisputeOpened { payment_id, .. } => {
                if let Some(p) = book.payments.get_mut(&payment_id.0) {
                    p.disputed = true;
                }
                tracing::warn!(payment_id = %payment_id.0, "payment disputed");
            }
            PaymentEvent::Other(kind) => {
                tracing::info!(event_type = %kind, "provider event not used by the checkout");
                return;
            }
        }
        book.applied += 1;
    }

    /// The record of a payment.
    pub fn payment(&self, id: &str) -> Option<PaymentRecord> {
        self.book().payments.get(id).cloned()
    }

    /// The status of a refund.
    pub fn refund(&self, id: &str) -> Option<RefundStatus> {
        self.book().refunds.get(id).cloned()
    }

    /// How many events changed the record.
    pub fn changes(&self) -> u64 {
        self.book().applied
    }
}
