//! OAuth2 client credentials (RFC 6749 §4.4): one token per adapter, fetched on first
//! use, refreshed in the background before it expires, fetched again at most once
//! however many calls are waiting.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use http::HeaderValue;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use super::secret::SecretSource;
use super::{events, sensitive};
use crate::error::Error;

/// Share of a token's lifetime left when the proactive refresh starts, unless
/// [`OAuth2ClientCredentials::refresh_skew`] says otherwise: early enough that a
/// slow token endpoint never makes callers wait, late enough to fetch rarely.
pub const DEFAULT_SKEW_SHARE: f64 = 0.2;

/// Lifetime assumed when the token response has no `expires_in`: the token is then
/// kept until the vendor rejects it, and refreshed after this long anyway.
const UNSTATED_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// After a failed token request, callers get its error at once for this long instead
/// of each asking again: a token endpoint that is down is not hammered by every call.
const FAILURE_COOLDOWN: Duration = Duration::from_secs(1);

/// Longest token lifetime believed: an `expires_in` of `1e20` (or of a year) from a
/// misbehaving endpoint is read as a day, so the token is still refreshed daily and no
/// clock arithmetic can overflow.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// How the client proves its identity to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// `Authorization: Basic` with the url-encoded id and secret (RFC 6749 §2.3.1; every
    /// server must support it).
    #[default]
    BasicHeader,
    /// `client_id` and `client_secret` as form fields of the token request.
    RequestBody,
}

/// Settings of the OAuth2 client-credentials flow.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use portcullis_runtime::{AuthConfig, OAuth2ClientCredentials, SecretSource};
///
/// let auth = AuthConfig::OAuth2ClientCredentials(
///     OAuth2ClientCredentials::new(
///         "https://auth.example.com/oauth/token",
///         SecretSource::env("EXAMPLE_CLIENT_ID"),
///         SecretSource::file("/run/secrets/example_client_secret"),
///     )
///     .scopes(["payments:read", "payments:write"])
///     .refresh_skew(Duration::from_secs(60)),
/// );
/// # let _ = auth;
/// ```
#[derive(Debug, Clone)]
pub struct OAuth2ClientCredentials {
    /// The token endpoint.
    pub token_url: String,
    /// The client id.
    pub client_id: SecretSource,
    /// The client secret.
    pub client_secret: SecretSource,
    /// Scopes asked for (space-separated in the request); none when empty.
    pub scopes: Vec<String>,
    /// How long before expiry the refresh starts; `None` for
    /// [`DEFAULT_SKEW_SHARE`] of each token's lifetime.
    pub refresh_skew: Option<Duration>,
    /// How the client authenticates to the token endpoint.
    pub client_auth: ClientAuth,
    /// Limit of one token request.
    pub token_timeout: Duration,
}

impl OAuth2ClientCredentials {
    /// A flow against `token_url` with this client id and secret, no scopes.
    pub fn new(
        token_url: impl Into<String>,
        client_id: SecretSource,
        client_secret: SecretSource,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            client_id,
            client_secret,
            scopes: Vec::new(),
            refresh_skew: None,
            client_auth: ClientAuth::default(),
            token_timeout: Duration::from_secs(10),
        }
    }

    /// The scopes to ask for.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Replaces the token URL (the spec's, overridden for a sandbox or a mock).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }

    /// Starts the refresh this long before expiry instead of a share of the lifetime.
    pub fn refresh_skew(mut self, skew: Duration) -> Self {
        self.refresh_skew = Some(skew);
        self
    }

    /// How the client authenticates to the token endpoint.
    pub fn client_auth(mut self, how: ClientAuth) -> Self {
        self.client_auth = how;
        self
    }
}

/// Why a token could not be had: the cause carried by [`Error::Auth`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("token endpoint {host}: {message}")]
pub struct TokenError {
    /// The token endpoint's host (never its query).
    pub host: String,
    /// The HTTP status, when the endpoint answered.
    pub status: Option<u16>,
    /// What failed: transport reason or the OAuth2 `error` code; never a secret.
    pub message: String,
}

struct Token {
    header: HeaderValue,
    refresh_at: Instant,
    expires_at: Instant,
}

#[derive(Default)]
struct State {
    token: Option<Token>,
    /// Bumped by every finished fetch, good or bad: a waiter that sees it move knows
    /// another caller already fetched for it.
    generation: u64,
    last_error: Option<TokenError>,
    /// Until when `last_error` is answered without asking the endpoint again.
    cooldown_until: Option<Instant>,
    refreshing: bool,
}

/// The token of one adapter.
pub(crate) struct TokenSource {
    config: OAuth2ClientCredentials,
    url: reqwest::Url,
    client: reqwest::Client,
    state: Mutex<State>,
    /// Held while a token request is in flight: the single flight.
    fetching: tokio::sync::Mutex<()>,
    /// The largest token response read ([`crate::AdapterConfig::max_token_response_bytes`]).
    max_body: usize,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    pub(crate) fn new(
        config: OAuth2ClientCredentials,
        allow_insecure_http: bool,
    ) -> Result<Self, Error> {
        let url = reqwest::Url::parse(&config.token_url)
            .map_err(|e| Error::config(format!("OAuth2 token URL is invalid: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_insecure_http => {}
            other => {
                return Err(Error::config(format!(
                    "OAuth2 token URL for {} is {other}, not https; call allow_insecure_http(true) for local mocks",
                    url.host_str().unwrap_or_default()
                )));
            }
        }
        // The client secret must not follow a redirect anywhere.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.token_timeout)
            .build()
            .map_err(|e| Error::config(format!("OAuth2 HTTP client: {e}")))?;
        Ok(Self {
            config,
            url,
            client,
            state: Mutex::new(State::default()),
            fetching: tokio::sync::Mutex::new(()),
            max_body: crate::body_limit::DEFAULT_MAX_TOKEN_BYTES,
        })
    }

    /// Reads token responses up to `limit` bytes.
    pub(crate) fn set_body_limit(&mut self, limit: usize) {
        self.max_body = limit;
    }

    /// The `Authorization` value of the token held now, if any (for masking it in
    /// vendor messages; no fetch, no refresh).
    pub(crate) fn current_header(&self) -> Option<HeaderValue> {
        self.lock().token.as_ref().map(|t| t.header.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An `Authorization` value and its generation; fetches only when there is no
    /// valid token, starts a background refresh when the token is near expiry.
    pub(crate) async fn header(
        self: &Arc<Self>,
        operation: &str,
    ) -> Result<(HeaderValue, u64), Error> {
        let seen = match self.header_now(operation) {
            Ok(answer) => return answer,
            Err(seen) => seen,
        };
        self.fetch_once(Some(seen))
            .await
            .map_err(|e| auth_error(operation, e))
    }

    /// What [`TokenSource::header`] answers without waiting: the valid token (starting
    /// a background refresh when it is near expiry), or the error of a fetch still
    /// cooling down. `Err(generation)` when a fetch is needed first.
    pub(crate) fn header_now(
        self: &Arc<Self>,
        operation: &str,
    ) -> Result<Result<(HeaderValue, u64), Error>, u64> {
        let mut state = self.lock();
        let now = Instant::now();
        if let Some(t) = &state.token {
            if now < t.expires_at {
                let out = (t.header.clone(), state.generation);
                let cooled = state.cooldown_until.is_none_or(|until| now >= until);
                if now >= t.refresh_at && !state.refreshing && cooled {
                    state.refreshing = true;
                    let this = self.clone();
                    tokio::spawn(async move {
                        let _ = this.fetch_once(None).await;
                    });
                }
                return Ok(Ok(out));
            }
        }
        if let (Some(e), Some(until)) = (&state.last_error, state.cooldown_until) {
            if now < until {
                return Ok(Err(auth_error(operation, e.clone())));
            }
        }
        Err(state.generation)
    }

    /// After the vendor rejected the token of generation `used`: drops it (unless a
    /// newer one exists) and fetches another, once for all callers that saw it fail.
    pub(crate) async fn rejected(
        self: &Arc<Self>,
        operation: &str,
        used: u64,
    ) -> Result<(), Error> {
        {
            let mut state = self.lock();
            if state.generation != used {
                return Ok(());
            }
            state.token = None;
        }
        self.fetch_once(Some(used))
            .await
            .map(|_| ())
            .map_err(|e| auth_error(operation, e))
    }

    /// Fetches a token unless another caller did since generation `seen` (`None`: a
    /// background refresh, which always fetches).
    async fn fetch_once(&self, seen: Option<u64>) -> Result<(HeaderValue, u64), TokenError> {
        let _flight = self.fetching.lock().await;
        if let Some(seen) = seen {
            let state = self.lock();
            if state.generation != seen {
                if let Some(t) = state
                    .token
                    .as_ref()
                    .filter(|t| Instant::now() < t.expires_at)
                {
                    return Ok((t.header.clone(), state.generation));
                }
                if let Some(e) = &state.last_error {
                    return Err(e.clone());
                }
            }
        }
        let result = self.request().await;
        let mut state = self.lock();
        state.generation += 1;
        state.refreshing = false;
        match result {
            Ok(token) => {
                let header = token.header.clone();
                state.token = Some(token);
                state.last_error = None;
                state.cooldown_until = None;
                Ok((header, state.generation))
            }
            Err(e) => {
                events::token_failed(&e);
                // A background refresh that failed keeps the still-valid token; the
                // next caller past the refresh point tries again.
                state.last_error = Some(e.clone());
                state.cooldown_until = Some(Instant::now() + FAILURE_COOLDOWN);
                Err(e)
            }
        }
    }

    async fn request(&self) -> Result<Token, TokenError> {
        let host = self.url.host_str().unwrap_or_default().to_owned();
        let fail = |status: Option<u16>, message: String| TokenError {
            host: host.clone(),
            status,
            message,
        };
        let id = self
            .config
            .client_id
            .fetch()
            .await
            .map_err(|e| fail(None, format!("client id: {e}")))?;
        let secret = self
            .config
            .client_secret
            .fetch()
            .await
            .map_err(|e| fail(None, format!("client secret: {e}")))?;
        let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
        let mut form = String::from("grant_type=client_credentials");
        if !self.config.scopes.is_empty() {
            form.push_str("&scope=");
            form.push_str(&enc(&self.config.scopes.join(" ")));
        }
        let mut req = self
            .client
            .post(self.url.clone())
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        match self.config.client_auth {
            ClientAuth::BasicHeader => {
                let pair = SecretString::from(format!(
                    "{}:{}",
                    enc(id.expose_secret()),
                    enc(secret.expose_secret())
                ));
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(pair.expose_secret());
                let value = sensitive(&format!("Basic {encoded}"))
                    .map_err(|_| fail(None, "client credentials are not header-safe".into()))?;
                req = req.header(http::header::AUTHORIZATION, value);
            }
            ClientAuth::RequestBody => {
                form.push_str("&client_id=");
                form.push_str(&enc(id.expose_secret()));
                form.push_str("&client_secret=");
                form.push_str(&enc(secret.expose_secret()));
            }
        }
        let started = Instant::now();
        let mut resp = req
            .body(form)
            .send()
            .await
            .map_err(|e| fail(None, transport_reason(e)))?;
        let status = resp.status().as_u16();
        let body = crate::body_limit::read_body(&mut resp, self.max_body)
            .await
            .map_err(|e| match e {
                crate::body_limit::ReadError::Http(e) => fail(Some(status), transport_reason(e)),
                crate::body_limit::ReadError::TooLarge { limit, .. } => fail(
                    Some(status),
                    format!("response is longer than {limit} bytes (AdapterConfig::max_token_response_bytes)"),
                ),
            })?;
        let json: serde_json::Value =
            serde_json::from_slice(crate::response::without_bom(&body)).unwrap_or_default();
        if !(200..300).contains(&status) {
            // Only the OAuth2 error code: descriptions are free text from the server.
            let code = json
                .get("error")
                .and_then(|c| c.as_str())
                .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_graphic()))
                .unwrap_or("no OAuth2 error code");
            return Err(fail(Some(status), format!("HTTP {status}: {code}")));
        }
        let access = json
            .get("access_token")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| fail(Some(status), "response has no access_token".into()))?;
        let kind = json.get("token_type").and_then(|t| t.as_str());
        if kind.is_some_and(|k| !k.eq_ignore_ascii_case("bearer")) {
            return Err(fail(
                Some(status),
                format!("token_type {:?} is not bearer", kind.unwrap_or_default()),
            ));
        }
        let header = sensitive(&format!("Bearer {access}"))
            .map_err(|_| fail(Some(status), "access_token is not header-safe".into()))?;
        let lifetime = json
            .get("expires_in")
            .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| Duration::from_secs_f64(s.min(MAX_TOKEN_LIFETIME.as_secs_f64())))
            .unwrap_or(UNSTATED_LIFETIME);
        let skew = self
            .config
            .refresh_skew
            .unwrap_or_else(|| lifetime.mul_f64(DEFAULT_SKEW_SHARE))
            .min(lifetime);
        // Lifetimes count from when we asked: the server's clock started no later.
        events::token_fetched(&host, lifetime);
        Ok(Token {
            header,
            refresh_at: started + (lifetime - skew),
            expires_at: started + lifetime,
        })
    }
}

/// The reason without the URL, which may carry a query secret.
fn transport_reason(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut out = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connect failed".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn auth_error(operation: &str, e: TokenError) -> Error {
    Error::Auth {
        operation: operation.to_owned(),
        status: None,
        message: format!("no OAuth2 token: {e}"),
        source: Some(Box::new(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_code_shape_compiles_and_debug_hides_secrets() {
        // As the generator emits it: scopes typed even when the list is empty.
        let none = OAuth2ClientCredentials::new(
            "https://auth.example.com/token",
            SecretSource::env("ID"),
            SecretSource::literal("cs-very-secret"),
        )
        .scopes::<&str>([]);
        assert!(none.scopes.is_empty());
        let some = none.clone().scopes::<&str>(["a", "b"]);
        assert_eq!(some.scopes, ["a", "b"]);
        assert!(!format!("{some:?}").contains("cs-very-secret"));
    }

    #[test]
    fn token_url_must_be_https_unless_allowed() {
        let flow = OAuth2ClientCredentials::new(
            "http://127.0.0.1:1/token",
            SecretSource::literal("id"),
            SecretSource::literal("secret"),
        );
        assert!(TokenSource::new(flow.clone(), false).is_err());
        assert!(TokenSource::new(flow, true).is_ok());
    }
}
