//! Where a secret is read from.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;

/// A future returned by [`SecretProvider::fetch`].
pub type SecretFuture<'a> = Pin<Box<dyn Future<Output = Result<SecretString, Error>> + Send + 'a>>;

/// A secret store the runtime does not know about (Vault, AWS Secrets Manager, ...).
///
/// The runtime asks [`fetch`](SecretProvider::fetch) at most once a second per adapter
/// (and once more after the vendor rejects a credential), never concurrently: cache
/// inside the provider if a fetch is expensive.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use portcullis_runtime::auth::{SecretFuture, SecretProvider};
/// use portcullis_runtime::{SecretSource, secrecy::SecretString};
///
/// #[derive(Debug)]
/// struct Vault;
///
/// impl SecretProvider for Vault {
///     fn describe(&self) -> String {
///         "vault kv/stripe/api-key".to_owned()
///     }
///     fn fetch(&self) -> SecretFuture<'_> {
///         Box::pin(async { Ok(SecretString::from("sk_from_vault".to_owned())) })
///     }
/// }
///
/// let source = SecretSource::custom(Arc::new(Vault));
/// assert_eq!(format!("{source:?}"), "Custom(\"vault kv/stripe/api-key\")");
/// ```
pub trait SecretProvider: Send + Sync + fmt::Debug {
    /// Names the secret for logs and errors; never the value.
    fn describe(&self) -> String;
    /// Reads the current value.
    fn fetch(&self) -> SecretFuture<'_>;
}

/// Where a secret comes from. `Debug` names the variable, file or provider, never the
/// value.
///
/// # Examples
///
/// ```
/// use portcullis_runtime::SecretSource;
///
/// let from_env = SecretSource::env("STRIPE_API_KEY");
/// let from_file = SecretSource::file("/run/secrets/stripe");
/// assert_eq!(format!("{from_env:?}"), "Env(\"STRIPE_API_KEY\")");
/// assert!(format!("{from_file:?}").contains("/run/secrets/stripe"));
/// ```
#[derive(Clone)]
pub enum SecretSource {
    /// An environment variable.
    Env(String),
    /// A file (trailing newline trimmed), as mounted by Kubernetes or Vault agents;
    /// re-read when it changes.
    File(PathBuf),
    /// A value already in memory (tests, or a secret fetched by the caller).
    Literal(SecretString),
    /// A secret store behind [`SecretProvider`].
    Custom(Arc<dyn SecretProvider>),
}

impl SecretSource {
    /// A secret read from the environment variable `name`.
    pub fn env(name: impl Into<String>) -> Self {
        Self::Env(name.into())
    }

    /// A secret read from the file at `path`.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self::File(path.into())
    }

    /// A secret given directly.
    pub fn literal(value: impl Into<String>) -> Self {
        Self::Literal(SecretString::from(value.into()))
    }

    /// A secret read from a vault or any other store.
    pub fn custom(provider: Arc<dyn SecretProvider>) -> Self {
        Self::Custom(provider)
    }

    /// Whether the value can never change (no need to re-read it).
    pub(crate) fn is_literal(&self) -> bool {
        matches!(self, SecretSource::Literal(_))
    }

    /// Whether the value comes from a [`SecretProvider`] (read asynchronously).
    pub(crate) fn is_custom(&self) -> bool {
        matches!(self, SecretSource::Custom(_))
    }

    /// Reads the secret now (custom providers are asked as well). An empty or blank
    /// value is an error, as from [`SecretSource::resolve`].
    pub async fn fetch(&self) -> Result<SecretString, Error> {
        match self {
            SecretSource::Custom(p) => {
                let value = p.fetch().await.map_err(|e| {
                    Error::config(format!("secret {} cannot be read: {e}", p.describe()))
                })?;
                if value.expose_secret().trim().is_empty() {
                    return Err(Error::config(format!("secret {} is empty", p.describe())));
                }
                Ok(value)
            }
            other => other.resolve(),
        }
    }

    /// Reads an env, file or literal secret now; a custom provider needs
    /// [`SecretSource::fetch`]. An empty or blank value is an error naming the
    /// source, never a credential: `Authorization: Bearer ` would only earn a 401.
    pub fn resolve(&self) -> Result<SecretString, Error> {
        let value = match self {
            SecretSource::Env(name) => std::env::var(name).map_err(|_| {
                Error::config(format!(
                    "secret environment variable {name} is not set or not UTF-8"
                ))
            })?,
            SecretSource::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::config(format!(
                        "secret file {} cannot be read: {}",
                        path.display(),
                        e.kind()
                    ))
                })?;
                // A writer that truncates then writes leaves an empty file for a
                // moment; an empty secret is never meant, so it reads as "not yet".
                text.trim_end_matches(['\r', '\n']).to_owned()
            }
            SecretSource::Literal(s) => {
                if s.expose_secret().trim().is_empty() {
                    return Err(Error::config("secret literal value is empty"));
                }
                return Ok(s.clone());
            }
            SecretSource::Custom(p) => {
                return Err(Error::config(format!(
                    "secret {} is asynchronous; read it with SecretSource::fetch",
                    p.describe()
                )));
            }
        };
        self.non_blank(value)
    }

    fn non_blank(&self, value: String) -> Result<SecretString, Error> {
        if value.trim().is_empty() {
            return Err(Error::config(match self {
                SecretSource::File(path) => format!("secret file {} is empty", path.display()),
                SecretSource::Env(name) => format!("secret environment variable {name} is empty"),
                _ => "secret is empty".to_owned(),
            }));
        }
        Ok(SecretString::from(value))
    }
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(name) => f.debug_tuple("Env").field(name).finish(),
            SecretSource::File(path) => f.debug_tuple("File").field(path).finish(),
            SecretSource::Literal(_) => f.write_str("Literal([REDACTED])"),
            SecretSource::Custom(p) => f.debug_tuple("Custom").field(&p.describe()).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_errors_naming_the_source() {
        let err = SecretSource::literal("").resolve().expect_err("empty");
        assert_eq!(
            err.to_string(),
            "configuration error: secret literal value is empty"
        );
        // (The environment cannot be changed without `unsafe`: the check is tested
        // on the value an empty variable would give.)
        let err = SecretSource::env("STRIPE_API_KEY")
            .non_blank(" ".to_owned())
            .expect_err("blank");
        assert_eq!(
            err.to_string(),
            "configuration error: secret environment variable STRIPE_API_KEY is empty"
        );
    }

    #[test]
    fn debug_never_shows_the_value() {
        let s = SecretSource::literal("sk_live_very_secret");
        assert_eq!(format!("{s:?}"), "Literal([REDACTED])");
    }

    #[test]
    fn file_secret_is_trimmed_and_empty_is_an_error() {
        let dir = std::env::temp_dir().join(format!("portcullis-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let path = dir.join("key");
        std::fs::write(&path, "sk_file\n").expect("write");
        let got = SecretSource::file(&path).resolve().expect("read");
        assert_eq!(got.expose_secret(), "sk_file");
        std::fs::write(&path, "\n").expect("write");
        assert!(SecretSource::file(&path).resolve().is_err());
        std::fs::write(&path, "  \n").expect("write");
        let blank = SecretSource::file(&path).resolve().expect_err("blank");
        assert!(blank.to_string().contains("is empty"), "{blank}");
        let missing = SecretSource::file(dir.join("nope"))
            .resolve()
            .expect_err("missing");
        assert!(missing.to_string().contains("nope"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
