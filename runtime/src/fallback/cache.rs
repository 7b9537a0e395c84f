//! The cache fallback ([`Fallback::Cache`](super::Fallback::Cache)) of a read: a fresh
//! entry answers without a call, a stale one stands in for a failed call.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

use super::{CACHE_HITS_TOTAL, DegradedSource, Fallbacks};
use crate::error::Error;
use crate::request::Request;
use crate::response::Response;
use crate::shared::CachedResponse;

/// Largest response body the fallback cache keeps (1 MiB).
const MAX_CACHED_BODY: usize = 1 << 20;

impl Fallbacks {
    /// A read with a cache fallback: fresh entries answer at once, stale ones stand in
    /// for a degraded outcome of `send` within `stale_if_error`.
    pub(crate) async fn cached<F>(
        &self,
        req: Request,
        ttl: Duration,
        stale_if_error: Duration,
        send: impl FnOnce(Request) -> F,
    ) -> Result<Response, Error>
    where
        F: Future<Output = Result<Response, Error>>,
    {
        let operation = req.operation.clone();
        let key = self.cache_key(&req);
        let entry = self.cache_get(&key).await;
        if let Some(e) = &entry {
            if age(e.stored_at) < ttl {
                metrics::counter!(CACHE_HITS_TOTAL, "vendor" => self.adapter.clone(), "operation" => operation.to_string())
                    .increment(1);
                return Ok(answer(e));
            }
        }
        let result = send(req).await;
        let usable = ttl.saturating_add(stale_if_error);
        if let Ok(resp) = &result {
            if resp.is_success() {
                self.cache_put(&key, resp, usable).await;
            }
        }
        self.degrade(&operation, result, || {
            let entry = entry?;
            let age = age(entry.stored_at);
            (age < usable).then(|| (answer(&entry), DegradedSource::Cache, Some(age)))
        })
    }

    /// The entry's key: the adapter, the operation, the account (a digest of the
    /// credentials, so two accounts sharing one Redis never see each other's answers)
    /// and a digest of what identifies the read (method, path and its parameters, query).
    fn cache_key(&self, req: &Request) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(req.method.as_str());
        h.update([0]);
        // The template with its values filled in (each value encoded, so no value can
        // look like another's): two reads differ here exactly when their paths do.
        h.update(req.params.as_filled(&req.path).as_bytes());
        h.update([2]);
        if let Some(target) = req.target() {
            h.update(target.as_bytes());
        }
        for (k, v) in &req.query {
            h.update([0]);
            h.update(k.as_bytes());
            h.update([1]);
            h.update(v.as_bytes());
        }
        // A read sent as a POST says what it reads in its body.
        if let Some(body) = req.body_bytes() {
            h.update([3]);
            h.update(body);
        }
        let digest: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}:cache:{}:{}:{digest}",
            self.adapter, req.operation, self.account
        )
    }

    async fn cache_get(&self, key: &str) -> Option<CachedResponse> {
        match &self.shared {
            None => self.cache.get(key).await.ok().flatten(),
            Some(guard) => guard.ask("cache", self.cache.get(key)).await.flatten(),
        }
    }

    async fn cache_put(&self, key: &str, resp: &Response, keep_for: Duration) {
        // A huge body is not worth keeping: it would crowd out everything else.
        if resp.body().len() > MAX_CACHED_BODY {
            return;
        }
        let entry = CachedResponse {
            status: resp.status(),
            content_type: resp.header("content-type").map(str::to_owned),
            body: bytes::Bytes::copy_from_slice(resp.body()),
            stored_at: SystemTime::now(),
        };
        let put = self.cache.put(key, entry, keep_for);
        match &self.shared {
            None => {
                let _ = put.await;
            }
            Some(guard) => {
                guard.ask("cache", put).await;
            }
        }
    }
}

/// The response a cache entry stands for: no attempt made, its age noted.
fn answer(entry: &CachedResponse) -> Response {
    let mut headers = HeaderMap::new();
    if let Some(ct) = entry
        .content_type
        .as_deref()
        .and_then(|ct| http::HeaderValue::from_str(ct).ok())
    {
        headers.insert(http::header::CONTENT_TYPE, ct);
    }
    Response::new(entry.status, headers, entry.body.clone())
        .with_attempts(0)
        .with_cached_age(age(entry.stored_at))
}

/// Age of a response stored at `stored_at`, zero if the clock went back.
fn age(stored_at: SystemTime) -> Duration {
    SystemTime::now()
        .duration_since(stored_at)
        .unwrap_or(Duration::ZERO)
}
