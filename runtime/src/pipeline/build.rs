//! Turning a [`Request`] into the wire request: URL, headers, credential, body.

use http::{HeaderName, HeaderValue, Method};

use crate::auth::Credential;
use crate::error::Error;
use crate::idempotency::KeyPlacement;
use crate::request::{CredentialIn, Request, push_query_pair};

use super::Inner;

impl Inner {
    /// Builds the wire request once; attempts send clones of it.
    pub(super) fn build(
        &self,
        req: &Request,
        credential: &Credential,
    ) -> Result<reqwest::Request, Error> {
        let op = &req.operation;
        let base_path = self.base.path();
        let mut path = String::with_capacity(base_path.len() + req.path.len() + 16);
        req.write_full_path(base_path, &mut path)?;
        let mut query = String::new();
        req.write_query(&mut query);
        if let Credential::Query(name, secret) = credential {
            if !query.is_empty() {
                query.push('&');
            }
            push_query_pair(
                &mut query,
                name,
                secrecy::ExposeSecret::expose_secret(secret),
            );
        }
        let again = req.credential_param_name().and_then(|(at, name)| {
            let raw = credential_text(credential)?;
            Some((at, name, raw))
        });
        if let Some((CredentialIn::Query, name, raw)) = &again {
            if !query.is_empty() {
                query.push('&');
            }
            push_query_pair(&mut query, name, secrecy::ExposeSecret::expose_secret(raw));
        }
        let mut url = self.base.clone();
        url.set_path(&path);
        url.set_query((!query.is_empty()).then_some(query.as_str()));

        let mut out = reqwest::Request::new(req.method.clone(), url);
        let headers = out.headers_mut();
        if !self.client_has_defaults {
            headers.insert(http::header::USER_AGENT, self.user_agent.clone());
            headers.insert(
                http::header::ACCEPT,
                HeaderValue::from_static("application/json"),
            );
        }
        for (name, value) in self.settings.headers() {
            headers.insert(name.clone(), value.clone());
        }
        if let Credential::Header(name, value) = credential {
            headers.insert(name.clone(), value.clone());
        }
        if let Some((CredentialIn::Header, name, raw)) = &again {
            let name = HeaderName::try_from(*name)
                .map_err(|_| Error::config(format!("{op}: invalid header name {name:?}")))?;
            let mut value = HeaderValue::from_str(secrecy::ExposeSecret::expose_secret(raw))
                .map_err(|_| {
                    Error::config(format!("{op}: the credential is not a valid header value"))
                })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        for (name, value) in &req.headers {
            let name = HeaderName::try_from(name.as_ref())
                .map_err(|_| Error::config(format!("{op}: invalid header name {name:?}")))?;
            // The value may be personal data or a token: name the header only.
            let value = HeaderValue::from_str(value)
                .map_err(|_| Error::config(format!("{op}: invalid value for header {name}")))?;
            headers.insert(name, value);
        }
        if let Some((key, KeyPlacement::Header(name))) = &req.idempotency {
            let name = HeaderName::try_from(*name).map_err(|_| {
                Error::config(format!("{op}: invalid idempotency header name {name:?}"))
            })?;
            let value = HeaderValue::from_str(key.as_str()).map_err(|_| {
                Error::config(format!("{op}: idempotency key is not a valid header value"))
            })?;
            headers.insert(name, value);
        }
        if let Some((content_type, body)) = req.wire_body() {
            headers.insert(http::header::CONTENT_TYPE, content_type);
            *out.body_mut() = Some(body);
        } else if matches!(req.method, Method::POST | Method::PUT | Method::PATCH) {
            // Some vendors reject a bodiless write without a length.
            headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        Ok(out)
    }
}

/// The credential as a parameter carries it: a bearer token without `Bearer `, an API
/// key as it is sent; `None` for basic auth (no token to repeat) or no credential.
fn credential_text(credential: &Credential) -> Option<secrecy::SecretString> {
    match credential {
        Credential::None => None,
        Credential::Query(_, secret) => Some(secret.clone()),
        Credential::Header(_, value) => {
            let text = value.to_str().ok()?;
            if text.starts_with("Basic ") {
                return None;
            }
            let raw = text.strip_prefix("Bearer ").unwrap_or(text);
            Some(secrecy::SecretString::from(raw.to_owned()))
        }
    }
}
