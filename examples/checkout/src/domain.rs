//! The checkout's own vocabulary: what a payment is, independent of any provider.
//!
//! This file is the *port*: Portcullis reads it with `syn` and checks every mapping
//! against it. Nothing here names a vendor.

use std::future::Future;

/// A payment's id, as the provider issued it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentId(pub String);

/// A refund's id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefundId(pub String);

/// Our order number; it doubles as the idempotency key of the payment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderId(pub String);

/// An amount in minor units (cents) of a currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    /// Minor units: 1050 is 10.50 EUR.
    pub minor_units: i64,
    /// ISO 4217 code, lower-case.
    pub currency: String,
}

/// Where a payment stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStatus {
    /// Waiting on the customer or the provider.
    Pending,
    /// Money is ours.
    Paid,
    /// The attempt failed.
    Failed,
    /// Canceled before it completed.
    Canceled,
    /// A status the provider added after this code was written.
    Unknown(String),
}

/// A payment as the checkout sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The provider's id; empty while the provider has not assigned one (some do not
    /// while the shopper still has to act: redirect, 3-D Secure); its webhook brings it.
    pub id: PaymentId,
    /// How much, when the provider's answer says: some leave it out of most answers
    /// (the amount taken is then the amount requested).
    pub amount: Option<Money>,
    /// Where it stands.
    pub status: PaymentStatus,
    /// The order it pays for, when the provider echoes it back.
    pub order_id: Option<OrderId>,
    /// `None` when the provider just sent this payment. `Some(reason)` when the provider
    /// could not answer and a fallback did instead (a cached copy, within the mapping's
    /// `stale_if_error`): the status may be out of date, so do not ship an order on it.
    /// Every mapping fills it: the adapter sets it from the fallback's `mark: degraded`.
    pub degraded: Option<String>,
}

/// A request to take a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    /// The order.
    pub order_id: OrderId,
    /// How much.
    pub amount: Money,
    /// Shown on the customer's statement.
    pub description: Option<String>,
    /// The provider's token for the customer's card or wallet, from the payment form.
    pub payment_method: String,
}

/// Where a refund stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundStatus {
    /// Not settled yet.
    Pending,
    /// Money returned.
    Succeeded,
    /// The refund failed.
    Failed,
    /// A status the provider added later.
    Unknown(String),
}

/// A refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// The provider's id.
    pub id: RefundId,
    /// The payment refunded.
    pub payment_id: Option<PaymentId>,
    /// How much.
    pub amount: Money,
    /// Where it stands.
    pub status: RefundStatus,
}

/// A request to refund (part of) a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefund {
    /// The payment.
    pub payment_id: PaymentId,
    /// How much, in the payment's currency.
    pub amount: Money,
}

/// What a provider tells us after the call, by webhook: the one event type the
/// checkout handles, whichever provider sent it. Each mapping's `webhooks:` section
/// says which of the vendor's event types become which variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentEvent {
    /// A payment changed state after the call: completed, failed, canceled.
    PaymentUpdated {
        /// The provider's id of the payment.
        payment_id: PaymentId,
        /// Where it stands now.
        status: PaymentStatus,
        /// How much, when the event says.
        amount: Option<Money>,
        /// The order it pays for, when the event echoes it.
        order_id: Option<OrderId>,
    },
    /// A refund changed state.
    RefundUpdated {
        /// The provider's id of the refund.
        refund_id: RefundId,
        /// The payment refunded, when the event says.
        payment_id: Option<PaymentId>,
        /// Where it stands now.
        status: RefundStatus,
    },
    /// A customer disputed a payment: the money may be taken back.
    DisputeOpened {
        /// The disputed payment.
        payment_id: PaymentId,
        /// How much is disputed, when the event says.
        amount: Option<Money>,
    },
    /// An event type the checkout does not handle; it carries the vendor's type
    /// name for the log, nothing else.
    Other(String),
}

/// Everything that can go wrong, in checkout terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentError {
    /// The card was declined; ask for another.
    Declined,
    /// No such payment.
    NotFound,
    /// The provider asks us to slow down; try later.
    RateLimited(String),
    /// The provider is down or unreachable; try later.
    Unavailable(String),
    /// Our credentials were refused: page someone.
    Misconfigured(String),
    /// Anything else the provider said, with its message.
    Provider(String),
    /// This provider does not offer the operation (e.g. looking a payment up).
    Unsupported(String),
}

impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaymentError::Declined => write!(f, "the card was declined"),
            PaymentError::NotFound => write!(f, "no such payment"),
            PaymentError::RateLimited(m) => write!(f, "rate limited: {m}"),
            PaymentError::Unavailable(m) => write!(f, "payment provider unavailable: {m}"),
            PaymentError::Misconfigured(m) => {
                write!(f, "payment provider refused our credentials: {m}")
            }
            PaymentError::Provider(m) => write!(f, "payment provider error: {m}"),
            PaymentError::Unsupported(m) => write!(f, "not supported: {m}"),
        }
    }
}

impl std::error::Error for PaymentError {}

/// The port: what checkout needs from any payment provider.
pub trait PaymentGateway: Send + Sync {
    /// Takes a payment for an order. Retried safely: the order id is the idempotency key.
    fn create_payment(
        &self,
        req: NewPayment,
    ) -> impl Future<Output = Result<Payment, PaymentError>> + Send;
    /// Looks a payment up.
    fn get_payment(
        &self,
        id: &PaymentId,
    ) -> impl Future<Output = Result<Payment, PaymentError>> + Send;
    /// Refunds (part of) a payment.
    fn refund(&self, req: NewRefund) -> impl Future<Output = Result<Refund, PaymentError>> + Send;
}
