//! `checkout serve`: the providers' webhooks, verified, deduplicated and turned into
//! [`crate::domain::PaymentEvent`]s that update [`Payments`].
//!
//! One route per provider whose mapping has `webhooks:`, `POST /webhooks/<name>`, with
//! the generated decoder that [`PaymentProviderEvents`] chooses by that name and the
//! secrets its mapping names (each adapter's INTEGRATION.md lists them).

use crate::payments::Payments;
use crate::providers::PaymentProviderEvents;
use portcullis_runtime::choice::ChoiceError;
use portcullis_runtime::webhook::{Receiver, WebhookConfig};

/// A route per provider whose webhook secret is configured; a provider without one is
/// left out (and logged), so a checkout using one provider needs only its secret.
pub fn router(payments: Payments) -> Result<axum::Router, portcullis_runtime::Error> {
    let mut app = axum::Router::new();
    for name in PaymentProviderEvents::NAMES {
        let chosen = PaymentProviderEvents::from_name(name);
        app = route(app, name, chosen, &payments)?;
    }
    Ok(app)
}

fn route(
    app: axum::Router,
    name: &str,
    chosen: Result<(WebhookConfig, PaymentProviderEvents), ChoiceError>,
    payments: &Payments,
) -> Result<axum::Router, portcullis_runtime::Error> {
    let (config, decoder) = match chosen {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(provider = name, error = %e, "webhooks not served for this provider");
            return Ok(app);
        }
    };
    if let Some(missing) = config.secrets.iter().find_map(|s| s.resolve().err()) {
        tracing::warn!(provider = name, error = %missing, "webhooks not served for this provider");
        return Ok(app);
    }
    let payments = payments.clone();
    let receiver = Receiver::new(config, decoder, move |event| {
        let payments = payments.clone();
        async move {
            payments.apply(event);
            Ok::<(), std::convert::Infallible>(())
        }
    })?;
    tracing::info!(provider = name, path = %format!("/webhooks/{name}"), "serving webhooks");
    Ok(app.route(&format!("/webhooks/{name}"), receiver.axum_route()))
}
