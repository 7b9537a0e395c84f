//! The user's side: what to do with a domain event.

use std::fmt;
use std::future::Future;

/// Handles one domain event. A closure `Fn(E) -> impl Future<Output = Result<(), Err>>`
/// is a handler; so is any type implementing this trait (with `async fn handle`).
///
/// `Ok` marks the event processed: a redelivery is acknowledged without calling the
/// handler again. `Err` (or running past the receiver's handler timeout) answers the
/// vendor with a 5xx, so it delivers the event again later; the error's `Display` is
/// logged, so keep secrets out of it.
///
/// The handler runs inside the delivery's span and its [`crate::CorrelationId`] scope,
/// so its log lines and the vendor calls it makes carry the delivery's correlation id.
///
/// ```
/// use portcullis_runtime::webhook::Handler;
///
/// enum PaymentEvent { Succeeded { payment_id: String } }
///
/// struct Orders;
///
/// impl Handler<PaymentEvent> for Orders {
///     type Error = std::io::Error;
///     async fn handle(&self, event: PaymentEvent) -> Result<(), std::io::Error> {
///         match event {
///             PaymentEvent::Succeeded { payment_id } => println!("paid: {payment_id}"),
///         }
///         Ok(())
///     }
/// }
///
/// // Or a closure:
/// let log_only = |event: PaymentEvent| async move {
///     let PaymentEvent::Succeeded { payment_id } = event;
///     println!("paid: {payment_id}");
///     Ok::<(), std::convert::Infallible>(())
/// };
/// # fn is_handler<H: Handler<PaymentEvent>>(_: &H) {}
/// # is_handler(&Orders);
/// # is_handler(&log_only);
/// ```
pub trait Handler<E>: Send + Sync + 'static {
    /// Why handling failed.
    type Error: fmt::Display + Send;

    /// Handles `event`.
    fn handle(&self, event: E) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

impl<E, F, Fut, Err> Handler<E> for F
where
    F: Fn(E) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Err>> + Send,
    Err: fmt::Display + Send,
{
    type Error = Err;

    fn handle(&self, event: E) -> impl Future<Output = Result<(), Err>> + Send {
        self(event)
    }
}
