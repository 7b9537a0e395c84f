//! What auth reports, in one place: log lines today, and the seam where metrics
//! (issue 6) hook in. Every event carries `error_kind = "auth"` when it is a failure,
//! so auth problems are told apart from vendor data and transport errors in logs.
//! No event ever takes a secret: only hosts, generations, lifetimes and error text
//! that was built without the secret.

use std::time::Duration;

use super::oauth2::TokenError;

/// A token was issued.
pub(crate) fn token_fetched(host: &str, lifetime: Duration) {
    tracing::debug!(target: "portcullis::auth", token_endpoint = %host, ?lifetime, "OAuth2 token fetched");
}

/// The token endpoint failed.
pub(crate) fn token_failed(e: &TokenError) {
    tracing::warn!(target: "portcullis::auth", error_kind = "auth", token_endpoint = %e.host, status = e.status, error = %e, "OAuth2 token request failed");
}

/// A rotated secret (env, file, vault) was picked up.
pub(crate) fn secret_rotated(source: &str) {
    tracing::info!(target: "portcullis::auth", source, "credential changed; using the new value");
}

/// A secret could not be re-read; the previous value stays in use.
pub(crate) fn secret_reread_failed(source: &str, error: &crate::Error) {
    tracing::warn!(target: "portcullis::auth", error_kind = "auth", source, %error, "secret re-read failed; keeping the previous value");
}

/// The vendor rejected a credential (401).
pub(crate) fn rejected(operation: &str, replaying: bool) {
    tracing::warn!(target: "portcullis::auth", error_kind = "auth", operation, replaying, "vendor rejected the credential (HTTP 401)");
}
