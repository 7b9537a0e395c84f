//! Where a secret is read from.

use std::fmt;
use std::path::PathBuf;

use secrecy::SecretString;

use crate::error::Error;

/// Where a secret comes from. `Debug` names the variable or file, never the value.
#[derive(Clone)]
pub enum SecretSource {
    /// An environment variable.
    Env(String),
    /// A file (trailing newline trimmed), as mounted by Kubernetes or Vault agents.
    File(PathBuf),
    /// A value already in memory (tests, or a secret fetched by the caller).
    Literal(SecretString),
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

    /// Reads the secret now.
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
                Ok(SecretString::from(
                    text.trim_end_matches(['\r', '\n']).to_owned(),
                ))
            }
            SecretSource::Literal(s) => Ok(s.clone()),
        }
    }
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(name) => f.debug_tuple("Env").field(name).finish(),
            SecretSource::File(path) => f.debug_tuple("File").field(path).finish(),
            SecretSource::Literal(_) => f.write_str("Literal([REDACTED])"),
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
    fn file_secret_is_trimmed() {
        let dir = std::env::temp_dir().join(format!("portcullis-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let path = dir.join("key");
        std::fs::write(&path, "sk_file\n").expect("write");
        let got = SecretSource::file(&path).resolve().expect("read");
        assert_eq!(got.expose_secret(), "sk_file");
        let missing = SecretSource::file(dir.join("nope"))
            .resolve()
            .expect_err("missing");
        assert!(missing.to_string().contains("nope"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
