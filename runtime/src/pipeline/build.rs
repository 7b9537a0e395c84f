//! Turning a [`Request`] into the wire request: URL, headers, credential, body.

use http::{HeaderName, HeaderValue, Method};

use crate::auth::Credential;
use crate::error::Error;
use crate::idempotency::KeyPlacement;
use crate::request::{CredentialIn, Request, push_query_pair};

use super::Inner;

impl Inner {
    /// Builds the wire request once; attempts send clones of it.
    ///
    /// The common request (a path, the client's default headers, a credential header)
    /// is built here; everything else is added by the out-of-line helpers below, so the
    /// code every call runs stays a few cache lines long.
    pub(super) fn build(
        &self,
        req: &Request,
        credential: &Credential,
    ) -> Result<reqwest::Request, Error> {
        let path = req.full_path(self.base.path())?;
        let again = match req.credential_param_name() {
            Some((at, name)) => credential_text(credential).map(|raw| (at, name, raw)),
            None => None,
        };
        let mut url = self.base.clone();
        url.set_path(&path);
        if !req.query.is_empty()
            || req.target().is_some()
            || matches!(credential, Credential::Query(..) | Credential::Many(..))
            || matches!(again, Some((CredentialIn::Query, ..)))
        {
            set_query(&mut url, req, credential, again.as_ref());
        }
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
        match credential {
            Credential::Header(name, value) => {
                headers.insert(name.clone(), value.clone());
            }
            Credential::Many(parts) => insert_many(headers, parts),
            Credential::None | Credential::Query(..) => {}
        }
        if !req.headers.is_empty()
            || req.idempotency.is_some()
            || matches!(again, Some((CredentialIn::Header, ..)))
        {
            self.add_headers(headers, req, again.as_ref())?;
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

    /// After the static and settings headers and the credential: the credential
    /// repeated in a header, the request's own headers and its idempotency key, in
    /// that order (a later one of the same name wins).
    #[inline(never)]
    fn add_headers(
        &self,
        headers: &mut http::HeaderMap,
        req: &Request,
        again: Option<&(CredentialIn, &str, secrecy::SecretString)>,
    ) -> Result<(), Error> {
        let op = &req.operation;
        if let Some((CredentialIn::Header, name, raw)) = again {
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
        Ok(())
    }
}

/// The headers of several credentials sent together ([`Credential::Many`]).
#[inline(never)]
fn insert_many(headers: &mut http::HeaderMap, parts: &[Credential]) {
    for part in parts {
        if let Credential::Header(name, value) = part {
            headers.insert(name.clone(), value.clone());
        }
    }
}

/// The query: a next page's own, the request's parameters, then a credential that
/// travels in the query. The base URL has none (checked when the pipeline is made).
#[inline(never)]
fn set_query(
    url: &mut reqwest::Url,
    req: &Request,
    credential: &Credential,
    again: Option<&(CredentialIn, &str, secrecy::SecretString)>,
) {
    let mut query = String::new();
    req.write_query(&mut query);
    for part in credential.parts() {
        if let Credential::Query(name, secret) = part {
            if !query.is_empty() {
                query.push('&');
            }
            push_query_pair(
                &mut query,
                name,
                secrecy::ExposeSecret::expose_secret(secret),
            );
        }
    }
    if let Some((CredentialIn::Query, name, raw)) = again {
        if !query.is_empty() {
            query.push('&');
        }
        push_query_pair(&mut query, name, secrecy::ExposeSecret::expose_secret(raw));
    }
    if !query.is_empty() {
        url.set_query(Some(&query));
    }
}

/// The credential as a parameter carries it: a bearer token without `Bearer `, an API
/// key as it is sent; `None` for basic auth (no token to repeat) or no credential.
fn credential_text(credential: &Credential) -> Option<secrecy::SecretString> {
    match credential {
        Credential::None => None,
        // The main credential is the first.
        Credential::Many(parts) => parts.first().and_then(credential_text),
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
