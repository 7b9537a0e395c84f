//! Credentials: where secrets come from and how they are presented.
//!
//! Secrets are held as [`secrecy::SecretString`] from the moment they are read; they
//! never appear in `Debug`, logs or errors, and headers carrying them are marked
//! sensitive. Env and file secrets are re-read at most once per second, so a rotated
//! file or variable is picked up without a restart. (OAuth2 and proactive refresh come
//! in a later issue; they slot in behind [`Authenticator`].)

mod secret;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use http::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

pub use secret::SecretSource;

use crate::error::Error;

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
}

/// Re-read env and file secrets no more often than this.
const REFRESH: Duration = Duration::from_secs(1);

/// Turns an [`AuthConfig`] into the credential each request carries.
#[derive(Debug)]
pub struct Authenticator {
    config: AuthConfig,
    /// The credential when every source is a literal: it cannot change, so it is
    /// built once and requests skip the lock and the clock.
    fixed: Option<Credential>,
    cached: Mutex<Option<(Instant, Credential)>>,
}

impl Authenticator {
    /// Validates names now so a bad header name fails at construction.
    pub fn new(config: AuthConfig) -> Result<Self, Error> {
        if let AuthConfig::ApiKey { location, name, .. } = &config {
            if *location == ApiKeyLocation::Header && HeaderName::try_from(name.as_str()).is_err() {
                return Err(Error::config(format!(
                    "api key header name {name:?} is not a valid header name"
                )));
            }
            if name.is_empty() {
                return Err(Error::config("api key name is empty"));
            }
        }
        let mut auth = Self {
            config,
            fixed: None,
            cached: Mutex::new(None),
        };
        if auth.is_static() {
            auth.fixed = Some(auth.build()?);
        }
        Ok(auth)
    }

    fn is_static(&self) -> bool {
        let literal = |s: &SecretSource| matches!(s, SecretSource::Literal(_));
        match &self.config {
            AuthConfig::None => true,
            AuthConfig::Bearer { token } => literal(token),
            AuthConfig::Basic { username, password } => {
                literal(username) && password.as_ref().is_none_or(literal)
            }
            AuthConfig::ApiKey { secret, .. } => literal(secret),
        }
    }

    /// The credential for the next request.
    pub fn credential(&self) -> Result<Credential, Error> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        let now = Instant::now();
        {
            let cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, cred)) = &*cached {
                if now.duration_since(*at) < REFRESH {
                    return Ok(cred.clone());
                }
            }
        }
        let cred = self.build()?;
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, cred.clone()));
        Ok(cred)
    }

    fn build(&self) -> Result<Credential, Error> {
        match &self.config {
            AuthConfig::None => Ok(Credential::None),
            AuthConfig::Bearer { token } => {
                let token = token.resolve()?;
                let value = sensitive(&format!("Bearer {}", token.expose_secret()))?;
                Ok(Credential::Header(http::header::AUTHORIZATION, value))
            }
            AuthConfig::Basic { username, password } => {
                let user = username.resolve()?;
                let pass = password.as_ref().map(SecretSource::resolve).transpose()?;
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
            } => {
                let key = secret.resolve()?;
                match location {
                    ApiKeyLocation::Header => {
                        let header = HeaderName::try_from(name.as_str()).map_err(|_| {
                            Error::config(format!("invalid api key header name {name:?}"))
                        })?;
                        Ok(Credential::Header(header, sensitive(key.expose_secret())?))
                    }
                    ApiKeyLocation::Query => Ok(Credential::Query(name.clone(), key)),
                    ApiKeyLocation::Cookie => {
                        let cookie = sensitive(&format!("{name}={}", key.expose_secret()))?;
                        Ok(Credential::Header(http::header::COOKIE, cookie))
                    }
                }
            }
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
        match a.credential().expect("credential") {
            Credential::Header(n, v) => {
                assert!(v.is_sensitive());
                (n.to_string(), v.to_str().expect("ascii").to_owned())
            }
            other => panic!("expected header, got {other:?}"),
        }
    }

    #[test]
    fn bearer_basic_and_api_key() {
        let bearer = Authenticator::new(AuthConfig::Bearer {
            token: SecretSource::literal("sk_test_1"),
        })
        .expect("valid");
        assert_eq!(
            header_of(&bearer),
            ("authorization".into(), "Bearer sk_test_1".into())
        );

        let basic = Authenticator::new(AuthConfig::Basic {
            username: SecretSource::literal("sk_test_1"),
            password: None,
        })
        .expect("valid");
        assert_eq!(header_of(&basic).1, "Basic c2tfdGVzdF8xOg==");

        let key = Authenticator::new(AuthConfig::ApiKey {
            location: ApiKeyLocation::Header,
            name: "X-API-Key".into(),
            secret: SecretSource::literal("k"),
        })
        .expect("valid");
        assert_eq!(header_of(&key), ("x-api-key".into(), "k".into()));

        let cookie = Authenticator::new(AuthConfig::ApiKey {
            location: ApiKeyLocation::Cookie,
            name: "session".into(),
            secret: SecretSource::literal("k"),
        })
        .expect("valid");
        assert_eq!(header_of(&cookie), ("cookie".into(), "session=k".into()));
    }

    #[test]
    fn bad_inputs_are_config_errors_without_the_secret() {
        let bad_name = Authenticator::new(AuthConfig::ApiKey {
            location: ApiKeyLocation::Header,
            name: "bad name".into(),
            secret: SecretSource::literal("k"),
        });
        assert!(bad_name.is_err());

        // A literal secret is checked at construction.
        let err = Authenticator::new(AuthConfig::Bearer {
            token: SecretSource::literal("sk\nline"),
        })
        .expect_err("newline in header");
        assert!(!err.to_string().contains("sk"), "{err}");

        let missing = Authenticator::new(AuthConfig::Bearer {
            token: SecretSource::env("PORTCULLIS_SURELY_UNSET_VAR"),
        })
        .expect("valid");
        let err = missing.credential().expect_err("unset");
        assert!(
            err.to_string().contains("PORTCULLIS_SURELY_UNSET_VAR"),
            "{err}"
        );
    }
}
