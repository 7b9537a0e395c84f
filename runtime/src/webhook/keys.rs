//! The receiver's signing keys: read through [`SecretSource`], several at once so a
//! secret can be rotated without refusing deliveries signed with either.
//!
//! Literal secrets are decoded once, when the receiver is built (a bad one fails
//! there). Env, file and custom secrets are re-read at most once a second, like the
//! outbound auth's, so a rotated file takes effect within a second; a source that
//! cannot be read keeps its previous value, and one never read is left out with a
//! warning while the others still verify.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretSlice};
use tokio::time::Instant;

use super::scheme::KeyFormat;
use crate::auth::SecretSource;
use crate::error::Error;

/// Re-read env, file and custom secrets no more often than this.
const REFRESH: Duration = Duration::from_secs(1);

pub(crate) type Keys = Arc<[SecretSlice<u8>]>;

pub(crate) struct SigningKeys {
    vendor: String,
    sources: Vec<SecretSource>,
    format: KeyFormat,
    /// Each source's last good key, by position in `sources`.
    cached: Mutex<Cached>,
    /// One re-read at a time; the others use the cached keys.
    reading: tokio::sync::Mutex<()>,
}

struct Cached {
    at: Option<Instant>,
    per_source: Vec<Option<SecretSlice<u8>>>,
    keys: Keys,
}

impl SigningKeys {
    /// Decodes literal secrets now, so a malformed one is a configuration error at
    /// construction.
    pub(crate) fn new(
        vendor: &str,
        sources: Vec<SecretSource>,
        format: KeyFormat,
    ) -> Result<Self, Error> {
        if sources.is_empty() {
            return Err(Error::config(format!(
                "webhook receiver {vendor}: no signing secret configured"
            )));
        }
        let mut per_source = Vec::with_capacity(sources.len());
        for (i, source) in sources.iter().enumerate() {
            per_source.push(if source.is_literal() {
                Some(decode(vendor, i, source, format, source.resolve()?)?)
            } else {
                None
            });
        }
        let all_literal = per_source.iter().all(Option::is_some);
        let keys = collect(&per_source);
        Ok(Self {
            vendor: vendor.to_owned(),
            sources,
            format,
            cached: Mutex::new(Cached {
                // Literal keys never change: never re-read.
                at: all_literal.then(Instant::now),
                per_source,
                keys,
            }),
            reading: tokio::sync::Mutex::new(()),
        })
    }

    /// The keys to verify with now; an error only when no key could ever be read.
    pub(crate) async fn current(&self) -> Result<Keys, Error> {
        if let Some(keys) = self.fresh() {
            return Ok(keys);
        }
        let _one = match self.reading.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Another delivery is re-reading: the keys it replaces are still good.
                let keys = self.lock().keys.clone();
                if !keys.is_empty() {
                    return Ok(keys);
                }
                self.reading.lock().await
            }
        };
        if let Some(keys) = self.fresh() {
            return Ok(keys);
        }
        let mut next = self.lock().per_source.clone();
        for (i, source) in self.sources.iter().enumerate() {
            if source.is_literal() {
                continue;
            }
            let read = match source.fetch().await {
                Ok(secret) => decode(&self.vendor, i, source, self.format, secret),
                Err(e) => Err(e),
            };
            match read {
                Ok(key) => next[i] = Some(key),
                // A rotation caught mid-write must not refuse deliveries: the previous
                // value stays, and the other secrets still verify.
                Err(e) => {
                    tracing::warn!(vendor = %self.vendor, secret = ?source, error = %e, "webhook signing secret cannot be read; using the others")
                }
            }
        }
        let keys = collect(&next);
        let mut cached = self.lock();
        *cached = Cached {
            at: Some(Instant::now()),
            per_source: next,
            keys: keys.clone(),
        };
        if keys.is_empty() {
            return Err(Error::config(format!(
                "webhook receiver {}: none of its {} signing secrets can be read",
                self.vendor,
                self.sources.len()
            )));
        }
        Ok(keys)
    }

    fn fresh(&self) -> Option<Keys> {
        let cached = self.lock();
        let all_literal = self.sources.iter().all(SecretSource::is_literal);
        let fresh = all_literal || cached.at.is_some_and(|at| at.elapsed() < REFRESH);
        (fresh && !cached.keys.is_empty()).then(|| cached.keys.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.cached.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn collect(per_source: &[Option<SecretSlice<u8>>]) -> Keys {
    per_source
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .into()
}

fn decode(
    vendor: &str,
    index: usize,
    source: &SecretSource,
    format: KeyFormat,
    secret: secrecy::SecretString,
) -> Result<SecretSlice<u8>, Error> {
    format.decode(secret.expose_secret()).map_err(|why| {
        Error::config(format!(
            "webhook receiver {vendor}: signing secret #{} ({source:?}) {why}",
            index + 1
        ))
    })
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("sources", &self.sources)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn literal_keys_are_decoded_once_and_bad_ones_fail_at_construction() {
        let keys = SigningKeys::new(
            "V",
            vec![SecretSource::literal("0a0b"), SecretSource::literal("ff")],
            KeyFormat::Hex,
        )
        .expect("valid");
        let got = keys.current().await.expect("keys");
        assert_eq!(
            got.iter()
                .map(|k| k.expose_secret().to_vec())
                .collect::<Vec<_>>(),
            vec![vec![10, 11], vec![255]]
        );
        let err = SigningKeys::new(
            "V",
            vec![SecretSource::literal("s3cret-not-hex")],
            KeyFormat::Hex,
        )
        .expect_err("not hex");
        assert!(
            err.to_string().contains("#1") && err.to_string().contains("is not hex"),
            "{err}"
        );
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(SigningKeys::new("V", vec![], KeyFormat::Raw).is_err());
        assert!(!format!("{keys:?}").contains("0a0b"));
    }

    #[tokio::test]
    async fn file_secrets_rotate_and_a_missing_one_does_not_hide_the_others() {
        let dir =
            std::env::temp_dir().join(format!("portcullis-webhook-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let path = dir.join("secret");
        std::fs::write(&path, "first\n").expect("write");
        let keys = SigningKeys::new(
            "V",
            vec![
                SecretSource::file(&path),
                SecretSource::file(dir.join("absent")),
                SecretSource::literal("lit"),
            ],
            KeyFormat::Raw,
        )
        .expect("valid");
        let texts = |k: &Keys| {
            k.iter()
                .map(|k| String::from_utf8_lossy(k.expose_secret()).into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            texts(&keys.current().await.expect("keys")),
            ["first", "lit"]
        );
        std::fs::write(&path, "second\n").expect("write");
        // Within a second the cached keys stand; after it the file is read again.
        keys.lock().at = Some(Instant::now() - REFRESH);
        assert_eq!(
            texts(&keys.current().await.expect("keys")),
            ["second", "lit"]
        );
        // A file removed mid-rotation keeps its last value.
        std::fs::remove_file(&path).expect("rm");
        keys.lock().at = Some(Instant::now() - REFRESH);
        assert_eq!(
            texts(&keys.current().await.expect("keys")),
            ["second", "lit"]
        );
        let _ = std::fs::remove_dir_all(dir);
        let none = SigningKeys::new(
            "V",
            vec![SecretSource::env("PORTCULLIS_TEST_UNSET_WEBHOOK_SECRET")],
            KeyFormat::Raw,
        )
        .expect("lazy");
        let err = none.current().await.expect_err("nothing readable");
        assert!(
            err.to_string().contains("none of its 1 signing secrets"),
            "{err}"
        );
    }
}
