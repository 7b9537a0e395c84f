//! Credentials: where secrets come from, how they are presented, and how they are
//! renewed.
//!
//! | scheme | [`AuthConfig`] | on the wire |
//! |---|---|---|
//! | API key | [`AuthConfig::ApiKey`] | a header, a query parameter or a cookie |
//! | API key after a prefix | [`AuthConfig::PrefixedApiKey`] | `Authorization: token <key>` (GitHub's classic form) |
//! | HTTP basic | [`AuthConfig::Basic`] | `Authorization: Basic base64(user:password)` |
//! | HTTP bearer | [`AuthConfig::Bearer`] | `Authorization: Bearer <token>` |
//! | OAuth2 client credentials | [`AuthConfig::OAuth2ClientCredentials`] | a bearer token from the token endpoint, refreshed before expiry |
//!
//! Secrets are held as [`secrecy::SecretString`] from the moment they are read; they
//! never appear in `Debug`, logs or errors, and headers carrying them are marked
//! sensitive. Env, file and custom secrets ([`SecretSource`]) are re-read at most
//! once per second, and at once after a 401, so a rotated value is picked up without
//! a restart; a re-read that fails keeps the previous value. Redirects to another
//! origin never carry credentials ([`same_origin_redirects`]). Env, file and literal
//! secrets are read when the pipeline is built, so a missing or empty one fails
//! construction, naming where it was looked for; an empty secret is never sent. On
//! 401 and 403 the vendor's own message is kept, with every secret masked
//! (`rejection.rs`). `docs/runtime.md` (section Auth) has the whole story.

pub(crate) mod events;
mod oauth2;
mod redirect;
mod rejection;
mod secret;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use http::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

pub use oauth2::{ClientAuth, DEFAULT_SKEW_SHARE, OAuth2ClientCredentials, TokenError};
pub use redirect::same_origin_redirects;
pub(crate) use rejection::{vendor_error, with_vendor_message};
pub use secret::{SecretFuture, SecretProvider, SecretSource};

use crate::error::Error;
use oauth2::TokenSource;

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A request header (`X-API-Key`).
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// How the adapter authenticates to the vendor.
///
/// # Examples
///
/// ```
/// use portcullis_runtime::{ApiKeyLocation, AuthConfig, SecretSource};
///
/// let stripe = AuthConfig::Bearer { token: SecretSource::env("STRIPE_API_KEY") };
/// let adyen = AuthConfig::ApiKey {
///     location: ApiKeyLocation::Header,
///     name: "X-API-Key".into(),
///     secret: SecretSource::file("/run/secrets/adyen"),
/// };
/// // Debug names where secrets come from, never their values.
/// assert!(format!("{stripe:?} {adyen:?}").contains("STRIPE_API_KEY"));
/// ```
#[derive(Debug, Clone, Default)]
pub enum AuthConfig {
    /// No credentials.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token.
        token: SecretSource,
    },
    /// `Authorization: Basic base64(username:password)` (Stripe: key as username).
    Basic {
        /// The user name (often itself a secret: an API key or account SID).
        username: SecretSource,
        /// The password; empty when absent.
        password: Option<SecretSource>,
    },
    /// An API key in a header, query parameter or cookie.
    ApiKey {
        /// Where it goes.
        location: ApiKeyLocation,
        /// Header, parameter or cookie name.
        name: String,
        /// The key.
        secret: SecretSource,
    },
    /// An API key sent after a fixed prefix: `Authorization: token <key>` (GitHub's
    /// classic form), `Authorization: Bearer SG.<key>` when the mapping keeps the
    /// vendor's `SG.` out of the secret, `X-Api-Key: Key <key>`. With an empty prefix
    /// it is [`AuthConfig::ApiKey`].
    ///
    /// ```
    /// use portcullis_runtime::{ApiKeyLocation, AuthConfig, SecretSource};
    ///
    /// let github = AuthConfig::PrefixedApiKey {
    ///     location: ApiKeyLocation::Header,
    ///     name: "Authorization".into(),
    ///     prefix: "token ".into(),
    ///     secret: SecretSource::env("GITHUB_TOKEN"),
    /// };
    /// # let _ = github;
    /// ```
    PrefixedApiKey {
        /// Where it goes.
        location: ApiKeyLocation,
        /// Header, parameter or cookie name.
        name: String,
        /// Sent before the key, as it is (include the space: `"token "`).
        prefix: String,
        /// The key.
        secret: SecretSource,
    },
    /// A bearer token from an OAuth2 client-credentials flow.
    OAuth2ClientCredentials(OAuth2ClientCredentials),
    /// Several credentials sent together on every request, for a vendor whose security
    /// requirement lists schemes together: Plaid's client id and secret headers,
    /// Trello's key and token parameters. Each is a bearer, basic or API-key config;
    /// none may be OAuth2, `None` or another `All`. The first is the main one: the
    /// one a parameter repeating the credential (Slack's `token`) carries.
    ///
    /// ```
    /// use portcullis_runtime::{ApiKeyLocation, AuthConfig, SecretSource};
    ///
    /// let key = |name: &str, env: &str| AuthConfig::ApiKey {
    ///     location: ApiKeyLocation::Header,
    ///     name: name.into(),
    ///     secret: SecretSource::env(env),
    /// };
    /// let plaid = AuthConfig::All(vec![
    ///     key("PLAID-SECRET", "PLAID_SECRET"),
    ///     key("PLAID-CLIENT-ID", "PLAID_CLIENT_ID"),
    /// ]);
    /// # let _ = plaid;
    /// ```
    All(Vec<AuthConfig>),
}

/// What authentication adds to one request.
#[derive(Debug, Clone)]
pub enum Credential {
    /// Nothing.
    None,
    /// A header (already marked sensitive).
    Header(HeaderName, HeaderValue),
    /// A query parameter.
    Query(String, SecretString),
    /// Several, sent together ([`AuthConfig::All`]); never nested, never empty.
    Many(Arc<[Credential]>),
}

impl Credential {
    /// The single credentials this one is made of: itself, or the parts of `Many`.
    pub(crate) fn parts(&self) -> &[Credential] {
        match self {
            Credential::Many(parts) => parts,
            one => std::slice::from_ref(one),
        }
    }

    fn same(&self, other: &Credential) -> bool {
        match (self, other) {
            (Credential::None, Credential::None) => true,
            (Credential::Many(a), Credential::Many(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.same(y))
            }
            (Credential::Header(n1, v1), Credential::Header(n2, v2)) => n1 == n2 && v1 == v2,
            (Credential::Query(n1, s1), Credential::Query(n2, s2)) => {
                n1 == n2 && s1.expose_secret() == s2.expose_secret()
            }
            _ => false,
        }
    }
}

/// The credential one attempt carries, and which generation of it that is.
#[derive(Debug, Clone)]
pub(crate) struct Authorized {
    pub(crate) credential: Credential,
    generation: u64,
}

impl Authorized {
    pub(crate) fn none() -> Self {
        Self {
            credential: Credential::None,
            generation: 0,
        }
    }
}

/// Re-read env, file and custom secrets no more often than this.
const REFRESH: Duration = Duration::from_secs(1);

/// Turns an [`AuthConfig`] into the credential each request carries.
#[derive(Debug)]
pub struct Authenticator {
    kind: Kind,
    /// Who the credentials are, as a digest: see [`Authenticator::account`].
    account: String,
}

#[derive(Debug)]
enum Kind {
    /// Every source is a literal: built once, requests skip the lock and the clock.
    /// The secrets it was built from are kept to mask them in vendor messages.
    Fixed(Credential, Vec<SecretString>),
    Rotating(Box<Rotating>),
    OAuth2(Arc<TokenSource>),
}

#[derive(Debug)]
struct Rotating {
    config: AuthConfig,
    cached: Mutex<Option<Cached>>,
    /// One re-read at a time: the others keep using the cached value.
    reading: tokio::sync::Mutex<()>,
}

#[derive(Debug, Clone)]
struct Cached {
    at: Instant,
    credential: Credential,
    generation: u64,
    /// The secrets the credential was built from, to mask them in vendor messages.
    secrets: Vec<SecretString>,
}

impl Authenticator {
    /// Validates names and URLs now so a bad configuration fails at construction;
    /// `allow_insecure_http` also admits an `http://` OAuth2 token URL.
    pub fn new(config: AuthConfig, allow_insecure_http: bool) -> Result<Self, Error> {
        match &config {
            AuthConfig::All(parts) => {
                if parts.is_empty() {
                    return Err(Error::config(
                        "AuthConfig::All lists no credential; use AuthConfig::None for none",
                    ));
                }
                for part in parts {
                    if matches!(
                        part,
                        AuthConfig::None
                            | AuthConfig::All(_)
                            | AuthConfig::OAuth2ClientCredentials(_)
                    ) {
                        return Err(Error::config(format!(
                            "AuthConfig::All takes bearer, basic and API-key credentials only, not {}",
                            kind_name(part)
                        )));
                    }
                    check_key_name(part)?;
                }
            }
            one => check_key_name(one)?,
        }
        // Env, file and literal secrets are read now: a missing or empty one fails
        // construction, naming where it was looked for, instead of the first call.
        // Custom providers are asynchronous and are first read by the first call.
        let readable: Vec<&SecretSource> = match &config {
            AuthConfig::OAuth2ClientCredentials(flow) => {
                vec![&flow.client_id, &flow.client_secret]
            }
            other => sources(other),
        };
        let mut account = Sha256::new();
        // The configuration's shape (kinds, names, URLs; Debug never shows a value)…
        account.update(format!("{config:?}").as_bytes());
        for source in &readable {
            account.update([0]);
            if source.is_custom() {
                account.update(format!("{source:?}").as_bytes());
            } else {
                // …and the secrets' values, hashed, never kept.
                account.update(source.resolve()?.expose_secret().as_bytes());
            }
        }
        let account: String = account.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let kind = match config {
            AuthConfig::None => Kind::Fixed(Credential::None, Vec::new()),
            AuthConfig::OAuth2ClientCredentials(flow) => {
                Kind::OAuth2(Arc::new(TokenSource::new(flow, allow_insecure_http)?))
            }
            config if is_static(&config) => {
                let (credential, secrets) = build_recording(&config, resolve_now)?;
                Kind::Fixed(credential, secrets)
            }
            config => {
                // The first value is cached now, so the first call reads nothing.
                let first = if sources(&config).iter().any(|s| s.is_custom()) {
                    None
                } else {
                    let (credential, secrets) = build_recording(&config, resolve_now)?;
                    Some(Cached {
                        at: Instant::now(),
                        credential,
                        generation: 1,
                        secrets,
                    })
                };
                Kind::Rotating(Box::new(Rotating {
                    config,
                    cached: Mutex::new(first),
                    reading: tokio::sync::Mutex::new(()),
                }))
            }
        };
        Ok(Self { kind, account })
    }

    /// A digest of who the credentials are (16 hex digits of SHA-256 over the auth
    /// configuration and its secrets' values at construction; a custom provider by
    /// its description). Two adapters for different accounts differ here, so state
    /// they share in Redis that depends on the account, the fallback cache, is kept
    /// apart. Never the secret itself.
    pub(crate) fn account(&self) -> &str {
        &self.account
    }

    /// Reads OAuth2 token responses up to `limit` bytes
    /// ([`crate::AdapterConfig::max_token_response_bytes`]).
    pub(crate) fn token_body_limit(mut self, limit: usize) -> Self {
        if let Kind::OAuth2(source) = &mut self.kind {
            // Just built, so not yet shared.
            if let Some(source) = Arc::get_mut(source) {
                source.set_body_limit(limit);
            }
        }
        self
    }

    /// The secrets the adapter sends now, to mask them wherever a vendor may echo
    /// one (the credential as sent and the secrets it was built from).
    pub(crate) fn secrets(&self) -> Vec<SecretString> {
        match &self.kind {
            Kind::Fixed(credential, secrets) => with_credential(secrets.clone(), credential),
            Kind::Rotating(r) => {
                let cached = r.cached.lock().unwrap_or_else(|e| e.into_inner());
                match cached.as_ref() {
                    Some(c) => with_credential(c.secrets.clone(), &c.credential),
                    None => Vec::new(),
                }
            }
            Kind::OAuth2(t) => t
                .current_header()
                .map(|h| {
                    with_credential(
                        Vec::new(),
                        &Credential::Header(http::header::AUTHORIZATION, h),
                    )
                })
                .unwrap_or_default(),
        }
    }

    /// Whether requests carry a credential at all.
    pub fn is_configured(&self) -> bool {
        !matches!(self.kind, Kind::Fixed(Credential::None, _))
    }

    /// The credential for the next request of `operation`.
    pub(crate) async fn credential(&self, operation: &str) -> Result<Authorized, Error> {
        match &self.kind {
            Kind::Fixed(c, _) => Ok(Authorized {
                credential: c.clone(),
                generation: 0,
            }),
            Kind::Rotating(r) => r.credential(false).await,
            Kind::OAuth2(t) => {
                let (value, generation) = t.header(operation).await?;
                Ok(Authorized {
                    credential: Credential::Header(http::header::AUTHORIZATION, value),
                    generation,
                })
            }
        }
    }

    /// The credential for the next request of `operation` when it is at hand (a
    /// literal, a secret read less than a second ago, a valid token): what
    /// [`Authenticator::credential`] would answer without waiting. `None` when a
    /// secret or a token must be fetched first. The pipeline calls this before the
    /// async path so a call's future does not carry the fetch's state.
    pub(crate) fn credential_now(&self, operation: &str) -> Option<Result<Authorized, Error>> {
        match &self.kind {
            Kind::Fixed(c, _) => Some(Ok(Authorized {
                credential: c.clone(),
                generation: 0,
            })),
            Kind::Rotating(r) => r.fresh(false).map(Ok),
            Kind::OAuth2(t) => t.header_now(operation).ok().map(|answer| {
                answer.map(|(value, generation)| Authorized {
                    credential: Credential::Header(http::header::AUTHORIZATION, value),
                    generation,
                })
            }),
        }
    }

    /// After the vendor answered 401 to `used`: renews the credential (a new token,
    /// or a re-read secret) and says whether a replay can carry a different one.
    pub(crate) async fn rejected(&self, operation: &str, used: &Authorized) -> Result<bool, Error> {
        match &self.kind {
            Kind::Fixed(..) => Ok(false),
            Kind::Rotating(r) => {
                if r.generation() != used.generation {
                    return Ok(true);
                }
                Ok(r.credential(true).await?.generation != used.generation)
            }
            Kind::OAuth2(t) => {
                t.rejected(operation, used.generation).await?;
                Ok(true)
            }
        }
    }
}

impl Rotating {
    fn generation(&self) -> u64 {
        let cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        cached.as_ref().map_or(0, |c| c.generation)
    }

    /// The cached credential if it is younger than `max_age`.
    fn cached_within(&self, max_age: Duration) -> Option<Authorized> {
        let cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        cached
            .as_ref()
            .filter(|c| c.at.elapsed() < max_age)
            .map(|c| Authorized {
                credential: c.credential.clone(),
                generation: c.generation,
            })
    }

    fn fresh(&self, force: bool) -> Option<Authorized> {
        if force {
            return None;
        }
        self.cached_within(REFRESH)
    }

    async fn credential(&self, force: bool) -> Result<Authorized, Error> {
        if let Some(a) = self.fresh(force) {
            return Ok(a);
        }
        let before = self.generation();
        let _reading = match self.reading.try_lock() {
            Ok(guard) => guard,
            // Another caller is re-reading: the value it replaces is still good.
            Err(_) => match self.cached_within(Duration::MAX).filter(|_| !force) {
                Some(a) => return Ok(a),
                None => self.reading.lock().await,
            },
        };
        // Someone re-read while we waited: theirs is as new as ours would be.
        if let Some(a) = self
            .fresh(false)
            .filter(|a| !force || a.generation != before)
        {
            return Ok(a);
        }
        let now = Instant::now();
        let previous = self
            .cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let built = build_async(&self.config).await;
        let next = match (built, previous) {
            (Ok((c, _)), Some(p)) if c.same(&p.credential) => Cached { at: now, ..p },
            (Ok((c, secrets)), Some(p)) => {
                events::secret_rotated(&describe(&self.config));
                Cached {
                    at: now,
                    credential: c,
                    generation: p.generation + 1,
                    secrets,
                }
            }
            (Ok((c, secrets)), None) => Cached {
                at: now,
                credential: c,
                generation: 1,
                secrets,
            },
            // A rotation caught mid-write (file briefly missing or empty) must not
            // fail calls: the previous value stays until a read succeeds.
            (Err(e), Some(p)) => {
                events::secret_reread_failed(&describe(&self.config), &e);
                Cached { at: now, ..p }
            }
            (Err(e), None) => return Err(e),
        };
        let out = Authorized {
            credential: next.credential.clone(),
            generation: next.generation,
        };
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(next);
        Ok(out)
    }
}

/// An API key's name must be a header name where it goes in a header, and not empty.
fn check_key_name(config: &AuthConfig) -> Result<(), Error> {
    if let AuthConfig::ApiKey { location, name, .. }
    | AuthConfig::PrefixedApiKey { location, name, .. } = config
    {
        if *location == ApiKeyLocation::Header && HeaderName::try_from(name.as_str()).is_err() {
            return Err(Error::config(format!(
                "api key header name {name:?} is not a valid header name"
            )));
        }
        if name.is_empty() {
            return Err(Error::config("api key name is empty"));
        }
    }
    Ok(())
}

/// What kind of credential `config` is, for errors.
fn kind_name(config: &AuthConfig) -> &'static str {
    match config {
        AuthConfig::None => "None",
        AuthConfig::Bearer { .. } => "Bearer",
        AuthConfig::Basic { .. } => "Basic",
        AuthConfig::ApiKey { .. } => "ApiKey",
        AuthConfig::PrefixedApiKey { .. } => "PrefixedApiKey",
        AuthConfig::OAuth2ClientCredentials(_) => "OAuth2ClientCredentials",
        AuthConfig::All(_) => "All",
    }
}

fn is_static(config: &AuthConfig) -> bool {
    match config {
        AuthConfig::All(parts) => parts.iter().all(is_static),
        AuthConfig::None => true,
        AuthConfig::Bearer { token } => token.is_literal(),
        AuthConfig::Basic { username, password } => {
            username.is_literal() && password.as_ref().is_none_or(SecretSource::is_literal)
        }
        AuthConfig::ApiKey { secret, .. } | AuthConfig::PrefixedApiKey { secret, .. } => {
            secret.is_literal()
        }
        AuthConfig::OAuth2ClientCredentials(_) => false,
    }
}

/// Where the secrets of `config` come from, for logs.
fn describe(config: &AuthConfig) -> String {
    match config {
        AuthConfig::All(parts) => parts.iter().map(describe).collect::<Vec<_>>().join(" "),
        AuthConfig::Bearer { token } => format!("{token:?}"),
        AuthConfig::Basic { username, password } => format!("{username:?} {password:?}"),
        AuthConfig::ApiKey { secret, .. } | AuthConfig::PrefixedApiKey { secret, .. } => {
            format!("{secret:?}")
        }
        AuthConfig::None | AuthConfig::OAuth2ClientCredentials(_) => String::new(),
    }
}

fn resolve_now(s: &SecretSource) -> Result<SecretString, Error> {
    s.resolve()
}

/// Reads every secret of `config` (custom providers too) and builds the credential.
async fn build_async(config: &AuthConfig) -> Result<(Credential, Vec<SecretString>), Error> {
    let mut values = Vec::new();
    for source in sources(config) {
        values.push(source.fetch().await?);
    }
    let mut it = values.into_iter();
    build_recording(config, |_| {
        it.next()
            .ok_or_else(|| Error::config("secret missing while building the credential"))
    })
}

/// [`build`], keeping the secrets read (to mask them in vendor messages later).
fn build_recording(
    config: &AuthConfig,
    mut read: impl FnMut(&SecretSource) -> Result<SecretString, Error>,
) -> Result<(Credential, Vec<SecretString>), Error> {
    let mut secrets = Vec::new();
    let credential = build(config, |source| {
        let value = read(source)?;
        secrets.push(value.clone());
        Ok(value)
    })?;
    Ok((credential, secrets))
}

/// `secrets` and the credential as sent (a header value, whole and after its scheme).
fn with_credential(mut secrets: Vec<SecretString>, credential: &Credential) -> Vec<SecretString> {
    match credential {
        Credential::None => {}
        Credential::Many(parts) => {
            for part in parts.iter() {
                secrets = with_credential(secrets, part);
            }
        }
        Credential::Query(_, secret) => secrets.push(secret.clone()),
        Credential::Header(_, value) => {
            if let Ok(text) = value.to_str() {
                if let Some((_, rest)) = text.split_once(' ') {
                    secrets.push(SecretString::from(rest.to_owned()));
                }
                secrets.push(SecretString::from(text.to_owned()));
            }
        }
    }
    secrets
}

fn sources(config: &AuthConfig) -> Vec<&SecretSource> {
    match config {
        AuthConfig::All(parts) => parts.iter().flat_map(sources).collect(),
        AuthConfig::Bearer { token } => vec![token],
        AuthConfig::Basic { username, password } => {
            let mut v = vec![username];
            v.extend(password.as_ref());
            v
        }
        AuthConfig::ApiKey { secret, .. } | AuthConfig::PrefixedApiKey { secret, .. } => {
            vec![secret]
        }
        AuthConfig::None | AuthConfig::OAuth2ClientCredentials(_) => Vec::new(),
    }
}

/// Builds the credential of a bearer, basic or API-key `config`, reading secrets in
/// the order [`sources`] lists them.
fn build(
    config: &AuthConfig,
    mut read: impl FnMut(&SecretSource) -> Result<SecretString, Error>,
) -> Result<Credential, Error> {
    build_dyn(config, &mut read)
}

/// [`build`] behind `dyn`, so `All` can recurse without a new instance per level.
fn build_dyn(
    config: &AuthConfig,
    read: &mut dyn FnMut(&SecretSource) -> Result<SecretString, Error>,
) -> Result<Credential, Error> {
    match config {
        AuthConfig::None | AuthConfig::OAuth2ClientCredentials(_) => Ok(Credential::None),
        AuthConfig::All(parts) => {
            let parts: Result<Vec<Credential>, Error> =
                parts.iter().map(|part| build_dyn(part, read)).collect();
            Ok(Credential::Many(parts?.into()))
        }
        AuthConfig::Bearer { token } => {
            let token = read(token)?;
            let value = sensitive(&format!("Bearer {}", token.expose_secret()))?;
            Ok(Credential::Header(http::header::AUTHORIZATION, value))
        }
        AuthConfig::Basic { username, password } => {
            let user = read(username)?;
            let pass = password.as_ref().map(&mut *read).transpose()?;
            let raw = SecretString::from(format!(
                "{}:{}",
                user.expose_secret(),
                pass.as_ref().map(|p| p.expose_secret()).unwrap_or_default()
            ));
            let encoded = base64::engine::general_purpose::STANDARD.encode(raw.expose_secret());
            let value = sensitive(&format!("Basic {encoded}"))?;
            Ok(Credential::Header(http::header::AUTHORIZATION, value))
        }
        AuthConfig::ApiKey {
            location,
            name,
            secret,
        } => api_key(*location, name, "", read(secret)?),
        AuthConfig::PrefixedApiKey {
            location,
            name,
            prefix,
            secret,
        } => api_key(*location, name, prefix, read(secret)?),
    }
}

fn api_key(
    location: ApiKeyLocation,
    name: &str,
    prefix: &str,
    key: SecretString,
) -> Result<Credential, Error> {
    match location {
        ApiKeyLocation::Header => {
            let header = HeaderName::try_from(name)
                .map_err(|_| Error::config(format!("invalid api key header name {name:?}")))?;
            let value = sensitive(&format!("{prefix}{}", key.expose_secret()))?;
            Ok(Credential::Header(header, value))
        }
        ApiKeyLocation::Query if prefix.is_empty() => Ok(Credential::Query(name.to_owned(), key)),
        ApiKeyLocation::Query => Ok(Credential::Query(
            name.to_owned(),
            SecretString::from(format!("{prefix}{}", key.expose_secret())),
        )),
        ApiKeyLocation::Cookie => {
            let cookie = sensitive(&format!("{name}={prefix}{}", key.expose_secret()))?;
            Ok(Credential::Header(http::header::COOKIE, cookie))
        }
    }
}

fn sensitive(value: &str) -> Result<HeaderValue, Error> {
    // The message must not echo the value: it is a secret.
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| Error::config("secret contains characters not allowed in an HTTP header"))?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(a: &Authenticator) -> (String, String) {
        let cred = crate::testing::contract::block_on(a.credential("op")).expect("credential");
        match cred.credential {
            Credential::Header(n, v) => {
                assert!(v.is_sensitive());
                (n.to_string(), v.to_str().expect("ascii").to_owned())
            }
            other => panic!("expected header, got {other:?}"),
        }
    }

    #[test]
    fn bearer_basic_and_api_key() {
        let bearer = Authenticator::new(
            AuthConfig::Bearer {
                token: SecretSource::literal("sk_test_1"),
            },
            false,
        )
        .expect("valid");
        assert_eq!(
            header_of(&bearer),
            ("authorization".into(), "Bearer sk_test_1".into())
        );

        let basic = Authenticator::new(
            AuthConfig::Basic {
                username: SecretSource::literal("sk_test_1"),
                password: None,
            },
            false,
        )
        .expect("valid");
        assert_eq!(header_of(&basic).1, "Basic c2tfdGVzdF8xOg==");

        let key = Authenticator::new(
            AuthConfig::ApiKey {
                location: ApiKeyLocation::Header,
                name: "X-API-Key".into(),
                secret: SecretSource::literal("k"),
            },
            false,
        )
        .expect("valid");
        assert_eq!(header_of(&key), ("x-api-key".into(), "k".into()));

        let cookie = Authenticator::new(
            AuthConfig::ApiKey {
                location: ApiKeyLocation::Cookie,
                name: "session".into(),
                secret: SecretSource::literal("k"),
            },
            false,
        )
        .expect("valid");
        assert_eq!(header_of(&cookie), ("cookie".into(), "session=k".into()));
    }

    #[test]
    fn bad_inputs_are_config_errors_without_the_secret() {
        let bad_name = Authenticator::new(
            AuthConfig::ApiKey {
                location: ApiKeyLocation::Header,
                name: "bad name".into(),
                secret: SecretSource::literal("k"),
            },
            false,
        );
        assert!(bad_name.is_err());

        // A literal secret is checked at construction.
        let err = Authenticator::new(
            AuthConfig::Bearer {
                token: SecretSource::literal("sk\nline"),
            },
            false,
        )
        .expect_err("newline in header");
        assert!(!err.to_string().contains("sk"), "{err}");

        // A secret that cannot be read fails construction, naming where it was
        // looked for, not the first call.
        let missing = Authenticator::new(
            AuthConfig::Bearer {
                token: SecretSource::env("PORTCULLIS_SURELY_UNSET_VAR"),
            },
            false,
        )
        .expect_err("unset");
        assert!(
            missing.to_string().contains("PORTCULLIS_SURELY_UNSET_VAR"),
            "{missing}"
        );
        let empty = Authenticator::new(
            AuthConfig::Bearer {
                token: SecretSource::literal(""),
            },
            false,
        )
        .expect_err("never `Bearer `");
        assert_eq!(empty.kind(), crate::ErrorKind::Config);
        let flow = OAuth2ClientCredentials::new(
            "https://auth.example.com/token",
            SecretSource::env("PORTCULLIS_SURELY_UNSET_CLIENT_ID"),
            SecretSource::literal("secret"),
        );
        let err = Authenticator::new(AuthConfig::OAuth2ClientCredentials(flow), false)
            .expect_err("client id unset");
        assert!(
            err.to_string()
                .contains("PORTCULLIS_SURELY_UNSET_CLIENT_ID"),
            "{err}"
        );
    }

    #[test]
    fn api_keys_take_a_prefix() {
        let prefixed = |location, name: &str| {
            Authenticator::new(
                AuthConfig::PrefixedApiKey {
                    location,
                    name: name.into(),
                    prefix: "token ".into(),
                    secret: SecretSource::literal("ghp_1"),
                },
                false,
            )
            .expect("valid")
        };
        assert_eq!(
            header_of(&prefixed(ApiKeyLocation::Header, "Authorization")),
            ("authorization".into(), "token ghp_1".into())
        );
        assert_eq!(
            header_of(&prefixed(ApiKeyLocation::Cookie, "session")),
            ("cookie".into(), "session=token ghp_1".into())
        );
        let query = prefixed(ApiKeyLocation::Query, "key");
        let cred = crate::testing::contract::block_on(query.credential("op")).expect("credential");
        match cred.credential {
            Credential::Query(name, value) => {
                assert_eq!(
                    (name.as_str(), value.expose_secret()),
                    ("key", "token ghp_1")
                );
            }
            other => panic!("expected query, got {other:?}"),
        }
        // Every secret sent is known, to be masked in vendor messages.
        let sent: Vec<String> = prefixed(ApiKeyLocation::Header, "Authorization")
            .secrets()
            .iter()
            .map(|s| s.expose_secret().to_owned())
            .collect();
        assert!(sent.contains(&"ghp_1".to_owned()), "{sent:?}");
        assert!(sent.contains(&"token ghp_1".to_owned()), "{sent:?}");
    }
}
