//! Where a secret is read from.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use secrecy::SecretString;

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

    /// Reads the secret now (custom providers are asked as well).
    pub async fn fetch(&self) -> Result<SecretString, Error> {
        match self {
            SecretSource::Custom(p) => p
                .fetch()
                .await
                .map_err(|e| Error::config(format!("secret {} cannot be read: {e}", p.describe()))),
            other => other.resolve(),
        }
    }

    /// Reads an env, file or literal secret now; a custom provider needs
    /// [`SecretSource::fetch`].
    pub fn resolve(&self) -> Result<SecretString, Error> {
        match self {
            SecretSource::Env(name) => std::env::var(name).map(SecretString::from).map_err(|_| {
                Error::config(format!(
                    "secret environment variable {name} is not set or not UTF-8"
                ))
            }),
            SecretSource::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::config(format!(
                        "secret file {} cannot be read: {}",
                        path.display(),
                        e.kind()
                    ))
                })?;
                let trimmed = text.trim_end_matches(['\r', '\n']);
                // A writer that truncates then writes leaves an empty file for a
                // moment; an empty secret is never meant, so it reads as "not yet".
                if trimmed.is_empty() {
                    return Err(Error::config(format!(
                        "secret file {} is empty",
                        path.display()
                    )));
                }
                Ok(SecretString::from(trimmed.to_owned()))
            }
            SecretSource::Literal(s) => Ok(s.clone()),
            SecretSource::Custom(p) => Err(Error::config(format!(
                "secret {} is asynchronous; read it with SecretSource::fetch",
                p.describe()
            ))),
        }
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
    use secrecy::ExposeSecret;

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
        let missing = SecretSource::file(dir.join("nope"))
            .resolve()
            .expect_err("missing");
        assert!(missing.to_string().contains("nope"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
