//! The caller's say in the key of a write that no domain value names (the mapping
//! has no `idempotency.key`): replay the key an error carried, or name the logical
//! call. Outside either, every call draws a fresh key, so a deliberate second
//! identical write (a second refund of the same amount) is always made.
//!
//! Both are task-local scopes around the call, so the port's signatures, which know
//! nothing of vendors or keys, stay as they are.

use std::future::Future;

tokio::task_local! {
    static SCOPE: CallKey;
}

/// What the caller asked for, read by the pipeline when it draws a key.
#[derive(Debug, Clone)]
pub(crate) enum CallKey {
    /// Send this exact key: the replay of a call whose outcome was unknown.
    Replay(String),
    /// Derive the key from this id of the caller's logical call.
    Logical(String),
}

/// Runs `call` so that its write sends `key`: the key an [`Error`](crate::Error) with
/// an unknown outcome carried ([`Error::idempotency_key`](crate::Error::idempotency_key)).
/// The vendor then answers the replay with the first attempt's result instead of
/// acting twice. A key the vendor's spec would not accept is refused before sending.
///
/// ```no_run
/// # async fn demo(refund: impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), portcullis_runtime::Error>>>>) {
/// use portcullis_runtime::idempotency;
///
/// if let Err(e) = refund().await {
///     if let Some(key) = e.idempotency_key() {
///         // Keep `key` with the refund in your own records; replay later, even from
///         // another process:
///         let again = idempotency::replay(key, refund()).await;
///     }
/// }
/// # }
/// ```
pub async fn replay<F: Future>(key: impl Into<String>, call: F) -> F::Output {
    SCOPE.scope(CallKey::Replay(key.into()), call).await
}

/// Runs `call` as the logical call `id` (your own id of it: a refund request's row id,
/// a job id): its write's key is derived from `id` and the operation, the same in every
/// process and on every replay of that id, and different for another id. An empty or
/// blank id is refused before sending.
///
/// ```no_run
/// # async fn demo(refund: impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), portcullis_runtime::Error>>>>) {
/// use portcullis_runtime::idempotency;
///
/// // Retried by a job queue as often as it likes: one refund at the vendor.
/// let result = idempotency::logical_call("refund-request-7781", refund()).await;
/// # }
/// ```
pub async fn logical_call<F: Future>(id: impl Into<String>, call: F) -> F::Output {
    SCOPE.scope(CallKey::Logical(id.into()), call).await
}

/// The scope the current task runs in, if any.
pub(crate) fn current() -> Option<CallKey> {
    SCOPE.try_with(Clone::clone).ok()
}
