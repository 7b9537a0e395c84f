//! [`WebhookConfig`]: what generated code fills from the mapping and users override.

use std::sync::Arc;
use std::time::Duration;

use super::dedupe::DedupeStore;
use super::scheme::Scheme;
use crate::auth::SecretSource;
use crate::shared::SharedState;

/// One vendor's webhook endpoint: how deliveries are verified, bounded and
/// deduplicated. Every field has a default but the vendor, scheme and secrets.
///
/// ```
/// use std::time::Duration;
/// use portcullis_runtime::SecretSource;
/// use portcullis_runtime::webhook::{Scheme, WebhookConfig};
///
/// let config = WebhookConfig {
///     tolerance: Duration::from_secs(120),
///     ..WebhookConfig::new(
///         "StripeGateway",
///         Scheme::Stripe,
///         // Two secrets while one is rolled: either one's signature is accepted.
///         [SecretSource::env("STRIPE_WEBHOOK_SECRET"), SecretSource::literal("whsec_old_value")],
///     )
/// };
/// assert_eq!(config.max_body, 1024 * 1024);
/// assert!(!format!("{config:?}").contains("whsec_old_value"));
/// ```
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// The `vendor` label of metrics and logs, and the dedupe namespace: an event id
    /// is unique per vendor. Generated code uses the adapter's name.
    pub vendor: String,
    /// How deliveries are signed.
    pub scheme: Scheme,
    /// The active signing secrets: a delivery signed with any one of them is
    /// accepted, so a secret is rotated by adding the new one, then removing the old.
    pub secrets: Vec<SecretSource>,
    /// Largest body accepted, in bytes; larger deliveries are answered 413 unread.
    /// Default 1 MiB.
    pub max_body: usize,
    /// How far a signed timestamp may be from now, either way (Stripe, Standard
    /// Webhooks). Default 300 s, Stripe's and Standard Webhooks' own.
    pub tolerance: Duration,
    /// How long a processed event is remembered, so a redelivery is acknowledged
    /// without handling it again. Default 7 days.
    pub retention: Duration,
    /// Longest a handler may run; past it the event counts as failed (5xx, the vendor
    /// redelivers). A claim's lease is twice this, so it cannot expire while its
    /// handler still runs. Default 30 s.
    pub handler_timeout: Duration,
    /// Where the dedupe store lives when [`WebhookConfig::dedupe_store`] is unset: in
    /// this process, or in the Redis the replicas share.
    pub shared_state: SharedState,
    /// A dedupe store of your own (a database table, say); overrides `shared_state`.
    pub dedupe_store: Option<Arc<dyn DedupeStore>>,
}

impl WebhookConfig {
    /// A configuration with the defaults above.
    pub fn new(
        vendor: impl Into<String>,
        scheme: Scheme,
        secrets: impl IntoIterator<Item = SecretSource>,
    ) -> Self {
        Self {
            vendor: vendor.into(),
            scheme,
            secrets: secrets.into_iter().collect(),
            max_body: 1024 * 1024,
            tolerance: Duration::from_secs(300),
            retention: Duration::from_secs(7 * 24 * 3600),
            handler_timeout: Duration::from_secs(30),
            shared_state: SharedState::Local,
            dedupe_store: None,
        }
    }

    /// Refuses settings that would refuse or fail every delivery.
    pub(crate) fn validate(&self) -> Result<(), crate::Error> {
        let problem = if self.max_body == 0 {
            Some("max_body is 0: every delivery would be too large")
        } else if self.handler_timeout.is_zero() {
            Some("handler_timeout is 0: every handler would time out")
        } else if self.retention.is_zero() {
            Some("retention is 0: redeliveries would be handled again")
        } else if self.tolerance.as_secs() == 0 && self.scheme.has_timestamp() {
            Some("tolerance is under a second: every timestamp would be stale")
        } else {
            None
        };
        match problem {
            Some(p) => Err(crate::Error::config(format!(
                "webhook receiver {}: {p}",
                self.vendor
            ))),
            None => Ok(()),
        }
    }

    /// Claims expire this long after they are taken.
    pub(crate) fn lease(&self) -> Duration {
        self.handler_timeout.saturating_mul(2)
    }
}
